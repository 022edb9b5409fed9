"""Bias: does the synthetic data keep the sensitive groups and their outcomes as in the real data.

For a ``sensitive`` column (categorical, or numeric cut at the real quintiles): the share of each group,
and, with a ``target``, the target's distribution within each group (for a binary target, its rate).
"""

from __future__ import annotations

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.embed import CONTINUOUS_KINDS
from synthwise.evaluation.marginals import category_shares, ks_statistic, tvd
from synthwise.evaluation.registry import Score, Skip, metric
from synthwise.evaluation.utility import class_labels, target_task

MIN_GROUP_ROWS = 10


def _groups(ctx: Context) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Group index of every real and synthetic row, and the group labels."""
    name = ctx.real.sensitive
    assert name is not None
    col = ctx.schema[name]
    if col.kind not in (*CONTINUOUS_KINDS, "categorical", "boolean", "constant"):
        raise Skip(f"the sensitive column {name!r} is {col.kind}; pick a categorical or numeric one")
    real = ctx.real.train.codes[name].to_numpy()
    syn = ctx.synthetic.codes[name].to_numpy()
    if col.kind in CONTINUOUS_KINDS:
        finite = real[~np.isnan(real)]
        edges = np.unique(np.quantile(finite, [0.2, 0.4, 0.6, 0.8])) if len(finite) else np.zeros(0)
        bounds = [finite.min() if len(finite) else 0.0, *edges, finite.max() if len(finite) else 0.0]
        labels = [
            f"[{bounds[i]:.4g}, {bounds[i + 1]:.4g}{']' if i == len(edges) else ')'}"
            for i in range(len(edges) + 1)
        ]

        def cut(v: np.ndarray) -> np.ndarray:
            out = np.searchsorted(edges, np.nan_to_num(v), side="right")
            return np.where(np.isnan(v), len(labels), out)

        return cut(real), cut(syn), [*labels, "(missing)"]
    k = len(col.categories)
    labels = [str(c) for c in (col.bool_labels or col.categories)] + ["(missing)", "(unseen)"]

    def code(v: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(v), k, np.where(v < 0, k + 1, v)).astype(np.int64)

    return code(real), code(syn), labels


@metric("group_shares", "bias", "maximize", (0.0, 1.0), needs=("sensitive",))
def group_shares(ctx: Context) -> Score:
    """1 - TVD between the real and synthetic shares of the sensitive groups. Ideal 1."""
    g_real, g_syn, labels = _groups(ctx)
    p = np.bincount(g_real, minlength=len(labels)) / max(1, len(g_real))
    q = np.bincount(g_syn, minlength=len(labels)) / max(1, len(g_syn))
    shown = np.flatnonzero((p > 0) | (q > 0))
    details = {
        "column": ctx.real.sensitive,
        "groups": [labels[i] for i in shown],
        "real": p[shown].tolist(),
        "synthetic": q[shown].tolist(),
    }
    return Score(1.0 - tvd(p, q), details=details)


@metric("target_by_group", "bias", "maximize", (0.0, 1.0), needs=("sensitive", "target"))
def target_by_group(ctx: Context) -> Score:
    """1 - the largest gap, over sensitive groups, between real and synthetic target distributions. Ideal 1.

    The gap is the TVD of the target's classes within the group (for a binary target: the difference of
    its rates) or the KS statistic of a numeric target; groups with fewer than 10 real rows are skipped.
    """
    target = ctx.real.target
    assert target is not None
    if target == ctx.real.sensitive:
        raise Skip("the target and the sensitive column are the same")
    g_real, g_syn, labels = _groups(ctx)
    task, classes = target_task(ctx)
    y_real = ctx.real.train.codes[target].to_numpy()
    y_syn = ctx.synthetic.codes[target].to_numpy()
    counts = np.bincount(g_real, minlength=len(labels))
    groups = [g for g in range(len(labels)) if counts[g] >= MIN_GROUP_ROWS] or [int(np.argmax(counts))]
    per_group: dict[str, dict[str, object]] = {}
    worst = 0.0
    for g in groups:
        a, b = y_real[g_real == g], y_syn[g_syn == g]
        entry: dict[str, object] = {"real_rows": len(a), "synthetic_rows": len(b)}
        if len(b) == 0:
            gap = 1.0
        elif task == "classification":
            k = len(classes)
            pa = category_shares(class_labels(a, classes, task), k)  # missing / unknown: one bucket
            pb = category_shares(class_labels(b, classes, task), k)
            gap = tvd(pa, pb)
            if k == 2:
                entry["real_rate"], entry["synthetic_rate"] = float(pa[1]), float(pb[1])
        else:
            gap = ks_statistic(a, b)
            entry["real_mean"] = float(np.nanmean(a)) if np.isfinite(a).any() else None
            entry["synthetic_mean"] = float(np.nanmean(b)) if np.isfinite(b).any() else None
        entry["gap"] = gap
        per_group[labels[g]] = entry
        worst = max(worst, gap)
    return Score(1.0 - worst, details={"column": ctx.real.sensitive, "target": target, "groups": per_group})
