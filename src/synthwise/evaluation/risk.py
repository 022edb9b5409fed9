"""Privacy risk from attacks (metrics of :mod:`synthwise.evaluation.attacks` in the ``privacy`` group).

* ``k_anonymity`` / ``l_diversity``: of the synthetic table on the declared quasi-identifiers (the real
  train's own values are in ``details``; the holdout reference is a fresh real sample's);
* ``qi_unique_share``: synthetic rows whose quasi-identifier combination is unique in the real train;
* ``domias_auc``: the density-ratio membership attack (ideal 0.5); ``attribute_risk``: excess success of
  inferring the secret column from the quasi-identifiers on train rows over holdout rows (ideal 0);
* ``pii_leak``: synthetic rows holding a real PII value verbatim; ``rare_copies``: synthetic rows that
  copy a real row whose combination of values is unique in the train (both ideal 0).

Quasi-identifiers and the secret column are read from ``ctx.real.quasi_identifiers`` and
``ctx.real.secret`` (the secret defaults to the target); metrics that need them are skipped without.
"""

from __future__ import annotations

import math

import numpy as np

from synthwise.evaluation.attacks import (
    attribute_inference,
    bandwidths,
    log_kde,
    unique_combination_share,
)
from synthwise.evaluation.attacks import (
    k_anonymity as _k_anonymity,
)
from synthwise.evaluation.attacks import (
    l_diversity as _l_diversity,
)
from synthwise.evaluation.context import Context
from synthwise.evaluation.features import auc_aggregate, roc_auc
from synthwise.evaluation.registry import Score, Skip, metric

_INF = math.inf


def _qis(ctx: Context) -> list[str]:
    qis = list(ctx.real.quasi_identifiers)
    if not qis:
        raise Skip("needs quasi-identifiers (declare the columns that could identify a person)")
    missing = [c for c in qis if c not in ctx.schema]
    if missing:
        raise Skip(f"quasi-identifiers {missing} are not columns of the data")
    return qis


def _secret(ctx: Context, qis: list[str]) -> str:
    secret = ctx.real.secret or ctx.real.target
    if not secret:
        raise Skip("needs a secret column (or a target) to attack")
    if secret in qis:
        raise Skip(f"the secret column {secret!r} is also a quasi-identifier")
    return str(secret)


@metric("k_anonymity", "privacy", "maximize", (0.0, _INF))
def k_anonymity(ctx: Context) -> Score:
    """Smallest group of synthetic rows sharing one quasi-identifier combination. Higher is safer.

    Ideal: as large as possible (unbounded); 5 or more is a common policy threshold.
    """
    qis = _qis(ctx)
    value = _k_anonymity(ctx.synthetic.frame, qis)
    return Score(
        float(value), details={"quasi_identifiers": qis, "real": _k_anonymity(ctx.real.train.frame, qis)}
    )


@metric("l_diversity", "privacy", "maximize", (0.0, _INF))
def l_diversity(ctx: Context) -> Score:
    """Fewest distinct secret values in one quasi-identifier group of the synthetic rows. Higher is safer.

    Ideal: as large as possible (at most the number of distinct secret values).
    """
    qis = _qis(ctx)
    secret = _secret(ctx, qis)
    value = _l_diversity(ctx.synthetic.frame, qis, secret)
    real = _l_diversity(ctx.real.train.frame, qis, secret)
    return Score(float(value), details={"quasi_identifiers": qis, "secret": secret, "real": real})


@metric("qi_unique_share", "privacy", "minimize", (0.0, 1.0))
def qi_unique_share(ctx: Context) -> Score:
    """Share of synthetic rows whose quasi-identifier combination is unique in the real train. Ideal 0;
    compare with the holdout reference (a fresh real sample's rate)."""
    qis = _qis(ctx)
    return Score(
        unique_combination_share(ctx.real.train.frame, ctx.synthetic.frame, qis),
        details={"quasi_identifiers": qis},
    )


@metric("domias_auc", "privacy", "target", (0.0, 1.0), ideal=0.5, needs=("holdout",))
def domias_auc(ctx: Context) -> Score:
    """ROC-AUC of a density-ratio membership attack (DOMIAS): train vs holdout rows. Ideal 0.5, 1 = leak."""
    hold = ctx.require_holdout()
    half = len(hold) // 2
    m = min(ctx.settings.max_rows or len(ctx.real.train), half, len(ctx.real.train))
    if m < 2:
        raise Skip("needs at least 4 holdout rows")
    # the densities from at most 5 m rows each: a fixed-size sample, whatever the table's size
    members, non_members, reference = ctx.real.train.emb[:m], hold.emb[:m], hold.emb[half : half + 5 * m]
    syn = ctx.synthetic.emb[: 5 * m]
    h_syn, h_ref = bandwidths(syn, reference, ctx.rng("privacy.domias_auc"))
    targets = np.vstack([members, non_members])
    score = log_kde(targets, syn, h_syn) - log_kde(targets, reference, h_ref)
    y = np.r_[np.ones(m), np.zeros(m)]
    rows = np.column_stack([y, score])
    details = {"rows_per_side": m, "bandwidth_synthetic": h_syn, "bandwidth_reference": h_ref}
    return Score(roc_auc(y, score), details=details, rows=rows, aggregate=auc_aggregate(rows))


@metric("attribute_risk", "privacy", "minimize", (0.0, 1.0), needs=("holdout",))
def attribute_risk(ctx: Context) -> Score:
    """Excess success of guessing the secret from the quasi-identifiers, train over holdout rows. Ideal 0.

    Anonymeter's inference risk by the same definition; the attacker's neighbour is found in the
    embedding rather than by a distance on raw columns. Checked against anonymeter 1.1 on the bench sets
    (``benchmarks/agreement.py``): the success rates agree within 0.01 on three sets, ours higher by
    0.04-0.05 on both train and holdout rows on covid (a stronger attacker); the risk itself divides by
    ``1 - holdout rate``, so near a rate of 1 its sampling spread is ~0.3 and the two implementations'
    point values differ by up to 0.11 with overlapping intervals.
    """
    qis = _qis(ctx)
    secret = _secret(ctx, qis)
    hold = ctx.require_holdout()
    res = attribute_inference(
        ctx.real.train.frame,
        hold.frame,
        ctx.synthetic.frame,
        qis,
        secret,
        schema=ctx.schema,
        max_rows=ctx.settings.max_rows or 10_000,
    )
    details = {
        "secret": secret,
        "quasi_identifiers": qis,
        "risk_ci": list(res.risk_ci),
        **{
            name: {"value": r.value, "low": r.low, "high": r.high, "n": r.n}
            for name, r in (("train", res.train), ("holdout", res.holdout), ("baseline", res.baseline))
        },
    }
    return Score(res.risk, details=details)


@metric("pii_leak", "privacy", "minimize", (0.0, 1.0))
def pii_leak(ctx: Context) -> Score:
    """Share of synthetic rows holding a real personal-data value verbatim, in the columns of kind
    ``pii`` (found by synthwise.pii.detect when the schema is inferred). Ideal 0."""
    cols = [c.name for c in ctx.schema.columns if c.kind == "pii" and c.name in ctx.synthetic.frame.columns]
    if not cols:
        raise Skip("no column holds personal data (no column of kind pii in the schema)")
    syn = ctx.synthetic.frame
    hit = np.zeros(len(syn), dtype=bool)
    per_column = {}
    for col in cols:
        known = set(ctx.real.train.frame[col].dropna().astype(str))
        col_hit = syn[col].notna().to_numpy() & syn[col].astype(str).isin(known).to_numpy()
        per_column[col] = int(col_hit.sum())
        hit |= col_hit
    return Score(
        float(hit.mean()) if len(hit) else 0.0, details={"columns": per_column}, rows=hit.astype(float)
    )


@metric("rare_copies", "privacy", "minimize", (0.0, 1.0))
def rare_copies(ctx: Context) -> Score:
    """Share of synthetic rows that copy a real row whose combination of values is unique in the train.
    Ideal 0; a fresh real sample (the holdout reference) shows the natural rate."""
    values, counts = np.unique(ctx.real.train.hashes, return_counts=True)
    copies = np.isin(ctx.synthetic.hashes, values[counts == 1]).astype(np.float64)
    return Score(
        float(copies.mean()) if len(copies) else 0.0, details={"n_copies": int(copies.sum())}, rows=copies
    )
