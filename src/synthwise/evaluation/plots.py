"""What the report draws, taken from the synthetic-vs-real context after the metrics ran.

Marginal histograms and the 2-D projection are always computed (cheap); curves, the pair heatmap, the
DCR histograms and the worst columns / pairs come from the metrics' cached results when they ran.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.embed import CONTINUOUS_KINDS, compared_columns
from synthwise.evaluation.result import PlotData
from synthwise.schema.model import TAIL

N_BINS = 30
MAX_LEVELS = 20
MAX_POINTS = 1000  # per side in the projection
MAX_DISTANCES = 5000  # per side in the DCR histograms


def _numeric_hist(real: np.ndarray, syn: np.ndarray, kind: str) -> dict[str, Any]:
    r, s = real[np.isfinite(real)], syn[np.isfinite(syn)]
    both = np.concatenate([r, s])
    if len(both) == 0:
        lo, hi = 0.0, 1.0
    else:
        parts = [np.quantile(x, [0.005, 0.995]) for x in (r, s) if len(x)]
        lo, hi = min(p[0] for p in parts), max(p[1] for p in parts)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, N_BINS + 1)

    def dens(x: np.ndarray) -> list[float]:
        if len(x) == 0:
            return [0.0] * N_BINS
        counts, _ = np.histogram(np.clip(x, lo, hi), bins=edges)
        return (counts / (len(x) * np.diff(edges))).tolist()

    out: dict[str, Any] = {
        "kind": "numeric",
        "edges": edges.tolist(),
        "real": dens(r),
        "synthetic": dens(s),
        "missing": {
            "real": float(np.mean(np.isnan(real))) if len(real) else 0.0,
            "synthetic": float(np.mean(np.isnan(syn))) if len(syn) else 0.0,
        },
    }
    if kind == "datetime":
        out["unit"] = "seconds since 1970-01-01 UTC"
    elif kind == "time":
        out["unit"] = "seconds since midnight"
    return out


def _categorical_shares(real: np.ndarray, syn: np.ndarray, categories: tuple[Any, ...]) -> dict[str, Any]:
    k = len(categories)

    def shares(x: np.ndarray) -> np.ndarray:
        idx = np.where(np.isnan(x), k, np.where(x < 0, k + 1, x)).astype(np.int64)
        return np.bincount(idx, minlength=k + 2) / max(1, len(x))

    p, q = shares(real), shares(syn)
    tail = k if not (k and categories[-1] == TAIL) else k - 1  # a long tail's share: a bar of its own
    top = list(np.argsort(-p[:tail], kind="stable")[:MAX_LEVELS])
    rest = [i for i in range(tail) if i not in set(top)]
    labels = [str(categories[i]) for i in top]
    real_out, syn_out = [float(p[i]) for i in top], [float(q[i]) for i in top]
    extra = [
        ("(other)", float(p[rest].sum()), float(q[rest].sum())),
        *([(TAIL, float(p[tail]), float(q[tail]))] if tail < k else []),
        ("(missing)", float(p[k]), float(q[k])),
        ("(unseen)", float(p[k + 1]), float(q[k + 1])),
    ]
    for label, a, b in extra:
        if a > 0 or b > 0:
            labels.append(label)
            real_out.append(a)
            syn_out.append(b)
    return {"kind": "categorical", "labels": labels, "real": real_out, "synthetic": syn_out}


def _projection(ctx: Context) -> dict[str, list[list[float]]]:
    fit = ctx.real.sample().emb
    if fit.shape[1] == 0:
        return {"real": [], "synthetic": []}
    mean = fit.mean(axis=0)
    _, _, vt = np.linalg.svd(fit - mean, full_matrices=False)
    axes = vt[:2].T
    if axes.shape[1] < 2:
        axes = np.column_stack([axes, np.zeros(len(axes))])

    def project(emb: np.ndarray) -> list[list[float]]:
        return np.round((emb[:MAX_POINTS] - mean) @ axes, 4).tolist()

    return {"real": project(ctx.real.train.emb), "synthetic": project(ctx.synthetic.emb)}


def build_plots(ctx: Context) -> PlotData:
    """Fill every :class:`PlotData` field that the metrics of ``ctx`` make available."""
    plots = PlotData()
    real, syn = ctx.real.train.codes, ctx.synthetic.codes
    for col in compared_columns(ctx.schema):
        a, b = real[col.name].to_numpy(), syn[col.name].to_numpy()
        if col.kind in CONTINUOUS_KINDS:
            plots.marginals[col.name] = _numeric_hist(a, b, col.kind)
        else:
            plots.marginals[col.name] = _categorical_shares(a, b, col.bool_labels or col.categories)
    plots.projection = _projection(ctx)
    if any(k.startswith("text_") for k in ctx.cache):
        from synthwise.evaluation.text_metrics import text_plot

        plots.text = text_plot(ctx)

    if "marginals" in ctx.cache:
        scores = ctx.cache["marginals"]
        plots.worst_columns = sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:10]
    if "pairs" in ctx.cache:
        ps = ctx.cache["pairs"]
        pos = {c: i for i, c in enumerate(ps.columns)}
        matrix = np.zeros((len(ps.columns), len(ps.columns)))
        for (a, b), score in ps.scores.items():
            matrix[pos[a], pos[b]] = matrix[pos[b], pos[a]] = 1.0 - score
        plots.correlation_diff = {
            "columns": ps.columns,
            "matrix": np.round(matrix, 6).tolist(),
            "measure": "1 - pair score (|delta Spearman| / 2 for numeric pairs, else TVD of the joint table)",
        }
        worst = sorted(ps.scores.items(), key=lambda kv: (kv[1], kv[0]))[:10]
        plots.worst_pairs = [(a, b, s) for (a, b), s in worst]
    if "three_d" in ctx.cache:
        t = ctx.cache["three_d"]
        plots.alpha_curve = {"alpha": t.alphas.tolist(), "precision": t.inside.mean(axis=0).tolist()}
        plots.beta_curve = {"beta": t.alphas.tolist(), "recall": t.covered.mean(axis=0).tolist()}
    if "privacy_cross" in ctx.cache and ctx.holdout is not None:
        from synthwise.neighbours import knn

        hold_to_train = ctx.real.memo(
            f"holdout_to_train:{ctx.holdout.name}",
            lambda: knn(ctx.holdout_sample.emb, ctx.real.sample().emb, 1)[0][:, 0],
        )
        plots.dcr = {
            "synthetic_to_train": np.round(ctx.cache["privacy_cross"].s_dist[:MAX_DISTANCES, 0], 6).tolist(),
            "holdout_to_train": np.round(hold_to_train[:MAX_DISTANCES], 6).tolist(),
        }
    return plots
