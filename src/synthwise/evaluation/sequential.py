"""Sequence metrics: selected when the schema names an ``entity`` (or a ``sequence_index``).

They are ordinary registered metrics (``@metric(..., sequential=True)``, loaded with the other built-in
metrics), so ``evaluate()`` computes them with its holdout references, baselines and report; by default
only for a table with sequence roles, and each raises :class:`Skip` on a table without them. All work
on the real table's layout (static and time-varying columns;
:mod:`synthwise.generators.sequential.layout`) and on within-entity statistics
(:mod:`synthwise.generators.sequential.summary`):

* ``seq_length_similarity``: 1 - KS between the sequence-length distributions (ideal 1);
* ``seq_marginal_similarity``: mean 1 - KS / 1 - TVD of the time-varying columns over all steps (ideal 1);
* ``seq_autocorrelation_error``: mean |real - synthetic| within-entity lag-1..k autocorrelation over
  the numeric time-varying columns (ideal 0, at most 2);
* ``seq_cross_correlation_error``: the same for the lag-0 and lag-1 cross-correlations (ideal 0);
* ``seq_gap_similarity``: 1 - KS between the inter-event gap distributions (ideal 1);
* ``seq_discriminative_auc``: cross-validated ROC-AUC of a classifier telling real from synthetic
  entities by their summary features (ideal 0.5);
* ``seq_predictive_r2``: TSTR for sequences: next-step predictors trained on synthetic steps, scored
  (R², clipped at -1) on real ones (the holdout when given); ideal 1, reference = train on the holdout;
* ``seq_alpha_precision`` / ``seq_beta_recall`` / ``seq_authenticity``: the 3D score on per-entity
  embeddings (robustly scaled summary statistics of each sequence);
* ``seq_dcr_share`` (needs a holdout): share of synthetic entities closer to a real training entity
  than to a holdout entity, equal-size samples (ideal 0.5; 1 = copies).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthwise.evaluation.context import Context, Table
from synthwise.evaluation.features import roc_auc
from synthwise.evaluation.marginals import category_shares, ks_statistic, tvd
from synthwise.evaluation.registry import Score, Skip, list_metrics, metric
from synthwise.evaluation.three_d import integrated
from synthwise.generators.sequential.layout import Layout, make_layout
from synthwise.generators.sequential.summary import (
    Scaler,
    SeqView,
    autocorrelations,
    common_levels,
    cross_correlations,
    entity_summaries,
    seq_view,
)

MAX_LAG = 5
MIN_ENTITIES = 10
N_FOLDS = 3
MAX_TARGETS = 4


@dataclass
class _Real:
    layout: Layout
    view: SeqView
    levels: list[np.ndarray]
    scaler: Scaler
    emb: np.ndarray
    summaries: np.ndarray


def _real(ctx: Context) -> _Real:
    schema = ctx.schema
    if schema.entity is None and schema.sequence_index is None:
        raise Skip("not a sequential table (set the entity / sequence index)")

    def compute() -> _Real:
        frame = ctx.real.train.frame
        layout = make_layout(frame, schema)
        view = seq_view(frame, schema, layout)
        levels = common_levels(view)
        summaries = entity_summaries(view, levels)
        scaler = Scaler(summaries)
        return _Real(layout, view, levels, scaler, scaler(summaries), summaries)

    return ctx.real.memo("seq:real", compute)


def _view(ctx: Context, table: Table, key: str) -> SeqView:
    real = _real(ctx)
    cache = ctx.real.cache if table is ctx.real.train else ctx.cache
    if f"seq:view:{key}" not in cache:
        cache[f"seq:view:{key}"] = seq_view(table.frame, ctx.schema, real.layout)
    view: SeqView = cache[f"seq:view:{key}"]
    return view


def _syn(ctx: Context) -> SeqView:
    return _view(ctx, ctx.synthetic, "synthetic")


def _embedded(ctx: Context, view: SeqView) -> tuple[np.ndarray, np.ndarray]:
    real = _real(ctx)
    raw = entity_summaries(view, real.levels)
    return raw, real.scaler(raw)


def _need_entities(*sizes: int) -> None:
    if min(sizes) < MIN_ENTITIES:
        raise Skip(f"needs at least {MIN_ENTITIES} entities on each side")


# -- distributions ---------------------------------------------------------------------------------------
@metric("seq_length_similarity", "fidelity", "maximize", (0.0, 1.0), sequential=True)
def seq_length_similarity(ctx: Context) -> Score:
    """1 - KS between the real and synthetic sequence-length distributions. Ideal 1."""
    real, syn = _real(ctx).view, _syn(ctx)
    if _real(ctx).layout.entity is None:
        raise Skip("one sequence: no length distribution")
    ks = ks_statistic(real.lengths.astype(float), syn.lengths.astype(float))
    return Score(
        1.0 - ks, details={"real_mean": float(real.lengths.mean()), "synthetic_mean": _mean(syn.lengths)}
    )


@metric("seq_marginal_similarity", "fidelity", "maximize", (0.0, 1.0), sequential=True)
def seq_marginal_similarity(ctx: Context) -> Score:
    """Mean over time-varying columns of 1 - KS (numeric) or 1 - TVD (categorical), all steps. Ideal 1."""
    real, syn = _real(ctx).view, _syn(ctx)
    scores: dict[str, float] = {}
    for j, name in enumerate(real.wide_names):
        scores[name] = 1.0 - ks_statistic(real.wide[:, j], syn.wide[:, j])
    for j, name in enumerate(real.discrete_names):
        k = len(ctx.schema[name].categories) or int(np.nanmax(np.r_[real.discrete[:, j], 0])) + 1
        scores[name] = 1.0 - tvd(
            category_shares(real.discrete[:, j], k), category_shares(syn.discrete[:, j], k)
        )
    if not scores:
        raise Skip("no time-varying column")
    return Score(float(np.mean(list(scores.values()))), details={"columns": scores})


@metric("seq_gap_similarity", "fidelity", "maximize", (0.0, 1.0), sequential=True)
def seq_gap_similarity(ctx: Context) -> Score:
    """1 - KS between the real and synthetic inter-event gaps (index increase between steps). Ideal 1."""
    real, syn = _real(ctx).view, _syn(ctx)
    a, b = real.gaps[~np.isnan(real.gaps)], syn.gaps[~np.isnan(syn.gaps)]
    if _real(ctx).layout.index is None or len(a) == 0:
        raise Skip("no sequence index, or no entity with two steps")
    negative = float(np.mean(b < 0)) if len(b) else 0.0
    return Score(1.0 - ks_statistic(a, b), details={"synthetic_negative_share": negative})


# -- dependence over time --------------------------------------------------------------------------------
@metric("seq_autocorrelation_error", "fidelity", "minimize", (0.0, 2.0), sequential=True)
def seq_autocorrelation_error(ctx: Context) -> Score:
    """Mean |real - synthetic| within-entity autocorrelation at lags 1..5 over numeric time-varying
    columns. Ideal 0; shuffling the steps of each entity drives it up."""
    real, syn = _real(ctx), _syn(ctx)
    if not real.view.wide_names:
        raise Skip("no numeric time-varying column")
    a = ctx.real.memo("seq:acf", lambda: autocorrelations(real.view, MAX_LAG))
    b = autocorrelations(syn, MAX_LAG)
    return _error(a, b, {n: a[j].round(4).tolist() for j, n in enumerate(real.view.wide_names)})


@metric("seq_cross_correlation_error", "fidelity", "minimize", (0.0, 2.0), sequential=True)
def seq_cross_correlation_error(ctx: Context) -> Score:
    """Mean |real - synthetic| within-entity cross-correlation of numeric time-varying columns at lags 0
    and 1. Ideal 0."""
    real, syn = _real(ctx), _syn(ctx)
    if len(real.view.wide_names) < 2:
        raise Skip("needs two numeric time-varying columns")
    a = ctx.real.memo("seq:xcf", lambda: cross_correlations(real.view))
    return _error(a, cross_correlations(syn), {})


def _error(a: np.ndarray, b: np.ndarray, details: dict[str, object]) -> Score:
    ok = ~np.isnan(a)
    if not ok.any():
        raise Skip("too few steps per entity for correlations")
    diff = np.abs(a[ok] - np.nan_to_num(b[ok], nan=0.0))
    return Score(float(np.mean(diff)), details={"real": details} if details else {})


# -- entities as points ----------------------------------------------------------------------------------
@metric("seq_discriminative_auc", "fidelity", "target", (0.0, 1.0), ideal=0.5, sequential=True)
def seq_discriminative_auc(ctx: Context) -> Score:
    """Cross-validated ROC-AUC of a gradient-boosting classifier telling real from synthetic entities by
    their summary features (length, static values, per-column mean, spread, range, first, last, step
    change, missing share, category shares, gaps). Ideal 0.5."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    real = _real(ctx)
    syn_raw, _ = _embedded(ctx, _syn(ctx))
    m = min(len(real.summaries), len(syn_raw))
    _need_entities(len(real.summaries), len(syn_raw), 5 * N_FOLDS)
    rng = ctx.rng("fidelity.seq_discriminative_auc")
    xr = real.summaries[np.sort(rng.permutation(len(real.summaries))[:m])]
    xs = syn_raw[np.sort(rng.permutation(len(syn_raw))[:m])]
    x = np.vstack([xr, xs])
    y = np.r_[np.zeros(m), np.ones(m)]
    fold = np.r_[np.arange(m) % N_FOLDS, np.arange(m) % N_FOLDS]
    seed = int(rng.integers(2**31 - 1))
    oof = np.zeros(2 * m)
    for f in range(N_FOLDS):
        clf = HistGradientBoostingClassifier(
            max_iter=100, max_leaf_nodes=15, early_stopping=False, random_state=seed
        )
        clf.fit(x[fold != f], y[fold != f])
        oof[fold == f] = clf.predict_proba(x[fold == f])[:, 1]
    return Score(roc_auc(y, oof), details={"entities_per_side": m, "folds": N_FOLDS})


def _three_d(ctx: Context) -> dict[str, object]:
    def compute() -> dict[str, object]:
        from sklearn.neighbors import NearestNeighbors

        real = _real(ctx)
        _, syn = _embedded(ctx, _syn(ctx))
        emb = real.emb
        _need_entities(len(emb), len(syn))
        alphas = ctx.settings.alphas
        center = emb.mean(axis=0)
        d_real = np.linalg.norm(emb - center, axis=1)
        inside = np.linalg.norm(syn - center, axis=1)[:, None] <= np.quantile(d_real, alphas)[None, :]
        k = min(ctx.settings.k, len(emb) - 1)
        nn_real = NearestNeighbors(n_neighbors=k + 1).fit(emb)
        self_d = nn_real.kneighbors(emb)[0][:, 1:]  # (n_real, k), self excluded
        to_syn_d, to_syn_i = NearestNeighbors(n_neighbors=1).fit(syn).kneighbors(emb)
        syn_center = syn.mean(axis=0)
        d_syn = np.linalg.norm(syn - syn_center, axis=1)
        near = to_syn_d[:, 0] <= self_d[:, k - 1] + 1e-12
        covered = near[:, None] & (d_syn[to_syn_i[:, 0]][:, None] <= np.quantile(d_syn, alphas)[None, :])
        s_d, s_i = nn_real.kneighbors(syn, n_neighbors=1)
        authentic = ~(s_d[:, 0] < self_d[s_i[:, 0], 0])
        return {"alphas": alphas, "inside": inside, "covered": covered, "authentic": authentic}

    return ctx.memo("seq:three_d", compute)


@metric("seq_alpha_precision", "fidelity", "maximize", (0.0, 1.0), sequential=True)
def seq_alpha_precision(ctx: Context) -> Score:
    """Integrated alpha-precision of synthetic entities among real ones (per-entity embeddings). Ideal 1."""
    t = _three_d(ctx)
    inside, alphas = np.asarray(t["inside"]), np.asarray(t["alphas"])
    return Score(integrated(inside.mean(axis=0), alphas))


@metric("seq_beta_recall", "diversity", "maximize", (0.0, 1.0), sequential=True)
def seq_beta_recall(ctx: Context) -> Score:
    """Integrated beta-recall: do synthetic entities cover the variety of real ones. Ideal 1."""
    t = _three_d(ctx)
    covered, alphas = np.asarray(t["covered"]), np.asarray(t["alphas"])
    return Score(integrated(covered.mean(axis=0), alphas))


@metric("seq_authenticity", "memorization", "maximize", (0.0, 1.0), sequential=True)
def seq_authenticity(ctx: Context) -> Score:
    """Share of synthetic entities not closer to a real entity than its own nearest real neighbour.
    Copies score 0; compare with the holdout reference."""
    return Score(float(np.mean(np.asarray(_three_d(ctx)["authentic"]))))


@metric("seq_dcr_share", "privacy", "target", (0.0, 1.0), ideal=0.5, needs=("holdout",), sequential=True)
def seq_dcr_share(ctx: Context) -> Score:
    """Share of synthetic entities nearer to a real training entity than to a holdout entity (equal-size
    samples; ties count half). Ideal 0.5; 1 means every synthetic entity is a near copy."""
    from synthwise.deep.memorization import dcr_share

    real = _real(ctx)
    hold = ctx.require_holdout()
    _, hold_emb = _embedded(ctx, _view(ctx, hold, "holdout"))
    _, syn = _embedded(ctx, _syn(ctx))
    m = min(len(real.emb), len(hold_emb))
    _need_entities(m, len(syn))
    rng = ctx.rng("privacy.seq_dcr_share")
    train = real.emb[np.sort(rng.permutation(len(real.emb))[:m])]
    held = hold_emb[np.sort(rng.permutation(len(hold_emb))[:m])]
    return Score(dcr_share(train, held, syn), details={"entities_per_side": m})


# -- usefulness ------------------------------------------------------------------------------------------
@metric("seq_predictive_r2", "utility", "maximize", (-1.0, 1.0), sequential=True)
def seq_predictive_r2(ctx: Context) -> Score:
    """TSTR for sequences: R² (clipped at -1) of next-step predictors of the numeric time-varying columns,
    trained on synthetic steps and tested on real ones (the holdout when given). Ideal: the reference."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    real = _real(ctx)
    test = _view(ctx, ctx.holdout, "holdout") if ctx.holdout is not None else real.view
    targets = _targets(real.view)
    if not targets:
        raise Skip("no numeric time-varying column to predict")
    x_tr, y_tr = _next_step(_syn(ctx))
    x_te, y_te = _next_step(test)
    if len(x_tr) < 20 or len(x_te) < 20:
        raise Skip("needs at least 20 consecutive step pairs on each side")
    seed = int(ctx.rng("utility.seq_predictive_r2").integers(2**31 - 1))
    scores: dict[str, float] = {}
    for j in targets:
        ok_tr, ok_te = ~np.isnan(y_tr[:, j]), ~np.isnan(y_te[:, j])
        if ok_tr.sum() < 20 or ok_te.sum() < 20:
            continue
        model = HistGradientBoostingRegressor(max_iter=60, early_stopping=False, random_state=seed)
        model.fit(x_tr[ok_tr], y_tr[ok_tr, j])
        pred, truth = model.predict(x_te[ok_te]), y_te[ok_te, j]
        denom = float(np.sum((truth - truth.mean()) ** 2))
        r2 = 1.0 - float(np.sum((truth - pred) ** 2)) / denom if denom > 0 else 0.0
        scores[real.view.wide_names[j]] = max(-1.0, r2)
    if not scores:
        raise Skip("too few present values to fit next-step predictors")
    where = "holdout" if ctx.holdout is not None else "real train"
    return Score(float(np.mean(list(scores.values()))), details={"columns": scores, "tested_on": where})


def _targets(view: SeqView) -> list[int]:
    """The numeric time-varying columns with the most distinct values (at most MAX_TARGETS)."""
    widths = [np.unique(view.wide[:, j][~np.isnan(view.wide[:, j])]).size for j in range(view.wide.shape[1])]
    return sorted(np.argsort(-np.asarray(widths), kind="stable")[:MAX_TARGETS].tolist()) if widths else []


def _next_step(view: SeqView) -> tuple[np.ndarray, np.ndarray]:
    """Features of step t (values, position, static codes, the gap to t+1) and the values at t+1."""
    n = len(view.owner)
    if n < 2:
        return np.zeros((0, 0)), np.zeros((0, view.wide.shape[1]))
    a = np.arange(n - 1)
    ok = view.owner[a] == view.owner[a + 1]
    a, b = a[ok], a[ok] + 1
    x = np.column_stack(
        [view.wide[a], view.discrete[a], view.position[a], view.static[view.owner[a]], view.gaps[b]]
    )
    return x, view.wide[b]


def _mean(v: np.ndarray) -> float:
    return float(v.mean()) if len(v) else float("nan")


# the keys of the metrics above, in registry order (the default selection of ``evaluate_sequential``)
SEQUENCE_METRICS = tuple(spec.key for spec in list_metrics() if spec.sequential)
