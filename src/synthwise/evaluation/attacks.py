"""Privacy attacks and risk measures on a synthetic table, given the real train (and a holdout).

Each function works on DataFrames and stands alone; :mod:`synthwise.evaluation.risk` registers them as
metrics of ``synthwise evaluate``. Distances are taken in the evaluation's embedding fitted on the real
train (:class:`~synthwise.evaluation.embed.TabularEmbedding`).

* :func:`k_anonymity` / :func:`l_diversity`: exact, by grouping on the declared quasi-identifiers (QIs);
  the smallest group size, and the fewest distinct secret values in a group. Higher is safer.
* :func:`unique_combination_share`: share of synthetic rows whose QI combination is unique in the real
  data (each such row points at one real person). Ideal: no higher than a fresh real sample's.
* :func:`density_ratio_mia`: a DOMIAS-style membership attack (van Breugel et al. 2023): a row is scored
  by ``log p_synthetic(x) - log p_reference(x)`` (Gaussian kernel densities in the embedding, a peaky
  one on the synthetic rows and a smooth one on the reference: real rows the generator never saw); the
  ROC-AUC of telling train rows (members) from
  holdout rows (non-members), with a bootstrap interval. 0.5: no leak; 1: members stand out.
* :func:`attribute_inference`: guess a secret column of a target row from the nearest synthetic row on
  the QIs; success on train rows vs holdout rows vs a baseline guess, each with a Wilson interval; the
  risk is the excess success on members, ``(train - holdout) / (1 - holdout)`` (as in Anonymeter).
* :func:`leak_check`: synthetic values of PII columns (found by :func:`synthwise.pii.detect`) that
  appear verbatim in the real data, and synthetic rows that copy a rare real combination of values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from synthwise.errors import InvalidParameterError
from synthwise.schema import Schema, infer_schema


# -- intervals -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rate:
    """A success rate with its Wilson score interval."""

    value: float
    low: float
    high: float
    n: int


def wilson_interval(successes: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion (good at small n and near 0 or 1)."""
    if n <= 0:
        return 0.0, 1.0
    z = float(ndtri(0.5 + level / 2.0))
    p = successes / n
    denom = 1.0 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return float(min(p, max(0.0, center - half))), float(max(p, min(1.0, center + half)))


def rate(successes: np.ndarray, level: float = 0.95) -> Rate:
    s, n = float(np.sum(successes)), len(successes)
    low, high = wilson_interval(s, n, level)
    return Rate(s / n if n else 0.0, low, high, n)


# -- k-anonymity, l-diversity, unique combinations -----------------------------------------------------
def _check_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> list[str]:
    cols = list(columns)
    if not cols:
        raise InvalidParameterError(f"{what} needs at least one quasi-identifier column.")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise InvalidParameterError(
            f"{what}: columns {missing} are not in the data. Fix: use {list(df.columns)}."
        )
    return cols


def combination_keys(df: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One 64-bit key per row for its combination of values in ``columns`` (missing is a value)."""
    parts = {}
    for col in columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            s = s.astype("float64")  # 1 and 1.0 are the same value whatever the dtype
        parts[col] = s.astype(object).where(s.notna(), "\0<NA>").astype(str).to_numpy()
    frame = pd.DataFrame(parts, index=pd.RangeIndex(len(df)))
    return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)


def group_sizes(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> np.ndarray:
    """For each row, how many rows share its combination of quasi-identifier values."""
    keys = combination_keys(df, _check_columns(df, quasi_identifiers, "group_sizes"))
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return np.asarray(counts[inverse.reshape(-1)])


def k_anonymity(df: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The smallest number of rows sharing one quasi-identifier combination (the table is k-anonymous)."""
    if len(df) == 0:
        return 0
    return int(group_sizes(df, quasi_identifiers).min())


def l_diversity(df: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str) -> int:
    """The fewest distinct values of ``sensitive`` in one quasi-identifier group (distinct l-diversity)."""
    qis = _check_columns(df, quasi_identifiers, "l_diversity")
    if sensitive not in df.columns:
        raise InvalidParameterError(f"l_diversity: the sensitive column {sensitive!r} is not in the data.")
    if len(df) == 0:
        return 0
    keys = combination_keys(df, qis)
    secret = combination_keys(df, [sensitive])
    pairs = pd.DataFrame({"g": keys, "s": secret})
    return int(pairs.groupby("g")["s"].nunique().min())


def unique_combination_share(
    real: pd.DataFrame, synthetic: pd.DataFrame, quasi_identifiers: Sequence[str]
) -> float:
    """Share of synthetic rows whose quasi-identifier combination occurs exactly once in ``real``."""
    qis = _check_columns(real, quasi_identifiers, "unique_combination_share")
    if len(synthetic) == 0:
        return 0.0
    rk = combination_keys(real, qis)
    values, counts = np.unique(rk, return_counts=True)
    unique_real = values[counts == 1]
    return float(np.isin(combination_keys(synthetic, qis), unique_real).mean())


# -- membership inference (density ratio) ---------------------------------------------------------------
@dataclass(frozen=True)
class AttackAUC:
    """ROC-AUC of an attack telling members from non-members, with a bootstrap interval."""

    auc: float
    ci: tuple[float, float]
    n_members: int
    n_non_members: int
    scores: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 2)))  # rows [label, score]


KERNEL_FLOOR = -700.0  # a kernel's log term is raised to this before exp: e^-700 is still a normal float


def log_kde(queries: np.ndarray, points: np.ndarray, bandwidth: float, block: int = 4_000_000) -> np.ndarray:
    """Log density of a Gaussian kernel density estimate on ``points`` at each query row.

    Float64 kernels in blocks of ``block`` query-point pairs. One matrix product of rows extended by
    their squared norms gives each pair's log kernel ``-|q - p|^2 / 2h^2`` directly; the terms are
    raised to :data:`KERNEL_FLOOR` before ``exp`` (a term below e^-708 makes a subnormal float, whose
    ``exp`` is about 30 times slower: peaky kernels are mostly such terms), so a row whose sum still
    reaches e^-650 is exact to about 1e-14 relative. The rare row every point is farther from is
    recomputed around its own largest term (:func:`_log_kde_shifted`). 1.4-1.7 times faster than
    shifting every row by its largest term (8,000 x 20,000 rows of 30 dimensions, one thread, equal to
    1e-12), more where many terms fall in the subnormal range; the membership attack of a 1M-row
    evaluation, which spent most of its time here, went from 12 to 8 s.
    """
    d = points.shape[1]
    center = points.mean(axis=0) if len(points) else 0.0
    q = np.asarray(queries, dtype=np.float64) - center
    p = np.asarray(points, dtype=np.float64) - center
    inv = 1.0 / (2.0 * bandwidth**2)
    q_sq, p_sq = np.einsum("ij,ij->i", q, q), np.einsum("ij,ij->i", p, p)
    # [2 inv q, -inv, -inv |q|^2] . [p, |p|^2, 1] = -inv |q - p|^2
    q_ext = np.column_stack([2.0 * inv * q, np.full(len(q), -inv), -inv * q_sq])
    p_ext = np.ascontiguousarray(np.column_stack([p, p_sq, np.ones(len(p))]).T)
    sums = np.empty(len(q))
    rows = max(1, block // max(len(p), 1))
    for start in range(0, len(q), rows):
        e = q_ext[start : start + rows] @ p_ext
        np.clip(e, KERNEL_FLOOR, 0.0, out=e)
        np.exp(e, out=e)
        sums[start : start + rows] = e.sum(axis=1)
    out = np.empty(len(q))
    far = sums < np.exp(-650.0)
    out[~far] = np.log(sums[~far])
    if far.any():
        out[far] = _log_kde_shifted(q[far], p, inv, block)
    return out - np.log(len(p)) - d * np.log(bandwidth * np.sqrt(2.0 * np.pi))


def _log_kde_shifted(q: np.ndarray, p: np.ndarray, inv: float, block: int) -> np.ndarray:
    """Log of each row's kernel sum, shifted by the row's largest term (for rows far from every point)."""
    p_t = np.ascontiguousarray(p.T)
    q_sq, p_sq = np.einsum("ij,ij->i", q, q), np.einsum("ij,ij->i", p, p)
    out = np.empty(len(q))
    rows = max(1, block // max(len(p), 1))
    for start in range(0, len(q), rows):
        sl = slice(start, start + rows)
        e = q[sl] @ p_t  # -|q - p|^2 = 2 q.p - |q|^2 - |p|^2, then scaled, in place
        e *= 2.0
        e -= q_sq[sl, None]
        e -= p_sq[None, :]
        np.minimum(e, 0.0, out=e)
        e *= inv
        top = e.max(axis=1)
        e -= top[:, None]
        np.maximum(e, KERNEL_FLOOR, out=e)
        np.exp(e, out=e)
        out[sl] = top + np.log(e.sum(axis=1))
    return out


def nn_scale(points: np.ndarray, rng: np.random.Generator, sample: int = 1000) -> float:
    """Median distance of (a sample of) rows to their nearest other row: the local scale of a set."""
    from synthwise.neighbours import knn

    if len(points) < 3:
        return 1.0
    rows = points[rng.permutation(len(points))[: min(sample, len(points))]]
    dist, _ = knn(rows, rows, 1, exclude_self=True)
    h = float(np.median(dist[:, 0]))
    return h if h > 1e-6 else 1.0


SYN_BANDWIDTH = 0.5  # x the synthetic rows' nearest-neighbour scale: a peaky density that sees copies
REF_BANDWIDTH = 4.0  # x the reference rows' scale: a smooth density of the population


def bandwidths(synthetic: np.ndarray, reference: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """Kernel widths of the synthetic and the reference densities (see ``SYN_BANDWIDTH``, ``REF_BANDWIDTH``).

    Measured on the ``default`` set: copying the train scores AUC 0.83, a disjoint real sample 0.49.
    """
    return SYN_BANDWIDTH * nn_scale(synthetic, rng), REF_BANDWIDTH * nn_scale(reference, rng)


def density_ratio_mia(
    members: np.ndarray,
    non_members: np.ndarray,
    synthetic: np.ndarray,
    reference: np.ndarray,
    *,
    bandwidth: tuple[float, float] | None = None,
    n_bootstrap: int = 200,
    seed: int = 0,
) -> AttackAUC:
    """DOMIAS-style attack on embedded rows: score ``log p_syn - log p_ref``; AUC of members vs others.

    ``bandwidth`` is ``(synthetic, reference)`` kernel widths; by default from :func:`bandwidths`.
    """
    from synthwise.evaluation.features import roc_auc

    rng = np.random.default_rng(seed)
    if min(len(members), len(non_members), len(synthetic), len(reference)) < 2:
        raise InvalidParameterError("density_ratio_mia needs at least 2 rows in each of its four inputs.")
    h_syn, h_ref = bandwidth if bandwidth is not None else bandwidths(synthetic, reference, rng)
    targets = np.vstack([members, non_members])
    score = log_kde(targets, synthetic, h_syn) - log_kde(targets, reference, h_ref)
    y = np.r_[np.ones(len(members)), np.zeros(len(non_members))]
    rows = np.column_stack([y, score])
    auc = roc_auc(y, score)
    boots = [roc_auc(*rows[rng.integers(0, len(rows), len(rows))].T) for _ in range(n_bootstrap)]
    ci = (float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))) if boots else (auc, auc)
    return AttackAUC(float(auc), ci, len(members), len(non_members), rows)


def _embed(train: pd.DataFrame, schema: Schema | None, *tables: pd.DataFrame) -> list[np.ndarray]:
    from synthwise.evaluation.embed import TabularEmbedding

    emb = TabularEmbedding(schema if schema is not None else infer_schema(train)).fit(train)
    return [emb.transform(t) for t in tables]


def domias(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    schema: Schema | None = None,
    max_rows: int = 2000,
    n_bootstrap: int = 200,
    seed: int = 0,
) -> AttackAUC:
    """:func:`density_ratio_mia` on tables: members from ``train``; half of ``holdout`` as non-members,
    the other half as the reference density; at most ``max_rows`` rows per side."""
    rng = np.random.default_rng(seed)
    hold = holdout.iloc[rng.permutation(len(holdout))]
    half = len(hold) // 2
    m = min(max_rows, half, len(train))
    mem = train.iloc[rng.permutation(len(train))[:m]]
    syn = synthetic.iloc[rng.permutation(len(synthetic))[: 5 * max_rows]]
    e_mem, e_non, e_ref, e_syn = _embed(train, schema, mem, hold.iloc[:m], hold.iloc[half:], syn)
    return density_ratio_mia(e_mem, e_non, e_syn, e_ref, n_bootstrap=n_bootstrap, seed=seed)


# -- attribute inference --------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttributeInference:
    """Success of guessing ``secret`` from the quasi-identifiers via the nearest synthetic row."""

    secret: str
    train: Rate  # targets the generator saw
    holdout: Rate  # targets it never saw (the control)
    baseline: Rate  # the most common synthetic value (or median) guessed for every holdout target
    risk: float  # (train - holdout) / (1 - holdout), clipped to [0, 1]
    risk_ci: tuple[float, float]


def attack_targets(
    train: pd.DataFrame, holdout: pd.DataFrame, max_rows: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows :func:`attribute_inference` attacks: seeded samples of at most ``max_rows`` train rows
    (the members) and holdout rows (the control)."""
    rng = np.random.default_rng(seed)
    members = train.iloc[rng.permutation(len(train))[:max_rows]]
    return members, holdout.iloc[rng.permutation(len(holdout))[:max_rows]]


def attribute_inference(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    secret: str,
    *,
    schema: Schema | None = None,
    max_rows: int = 2000,
    tolerance: float = 0.05,
    seed: int = 0,
) -> AttributeInference:
    """See the module docstring. A numeric guess succeeds within ``tolerance`` x the real 5-95 % range."""
    from synthwise.neighbours import knn

    qis = _check_columns(train, quasi_identifiers, "attribute_inference")
    if secret not in train.columns or secret in qis:
        raise InvalidParameterError(f"attribute_inference: the secret {secret!r} must be a non-QI column.")
    schema = schema if schema is not None else infer_schema(train)
    qi_schema = Schema(columns=tuple(schema[c] for c in qis))
    tr, ho = attack_targets(train, holdout, max_rows, seed)
    e_syn, e_tr, e_ho = _embed(train[qis], qi_schema, synthetic[qis], tr[qis], ho[qis])
    s_secret = synthetic[secret].reset_index(drop=True)
    numeric = pd.api.types.is_numeric_dtype(train[secret]) and not pd.api.types.is_bool_dtype(train[secret])
    if numeric:
        lo, hi = np.nanquantile(pd.to_numeric(train[secret], errors="coerce"), [0.05, 0.95])
        tol = tolerance * max(float(hi - lo), 1e-12)

    def success(truth: pd.Series, guess: pd.Series) -> np.ndarray:
        t, g = truth.reset_index(drop=True), guess.reset_index(drop=True)
        both_missing = (t.isna() & g.isna()).to_numpy()
        if numeric:
            diff = np.abs(
                pd.to_numeric(t, errors="coerce").to_numpy(float)
                - pd.to_numeric(g, errors="coerce").to_numpy(float)
            )
            return (diff <= tol) | both_missing
        return (t.astype(object).to_numpy() == g.astype(object).to_numpy()) | both_missing

    def attack(targets: np.ndarray, truth: pd.Series) -> np.ndarray:
        _, idx = knn(targets, e_syn, 1)
        return success(truth, s_secret.iloc[idx[:, 0]])

    r_train = rate(attack(e_tr, tr[secret]))
    r_hold = rate(attack(e_ho, ho[secret]))
    if numeric:
        guess_value: Any = float(np.nanmedian(pd.to_numeric(s_secret, errors="coerce")))
    else:
        mode = s_secret.mode(dropna=False)
        guess_value = mode.iloc[0] if len(mode) else None
    r_base = rate(success(ho[secret], pd.Series([guess_value] * len(ho), dtype=object)))

    def risk_of(a: float, c: float) -> float:
        return float(np.clip((a - c) / (1.0 - c), 0.0, 1.0)) if c < 1 else 0.0

    risk = risk_of(r_train.value, r_hold.value)
    ci = (risk_of(r_train.low, r_hold.high), risk_of(r_train.high, r_hold.low))
    return AttributeInference(secret, r_train, r_hold, r_base, risk, ci)


# -- leak check -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LeakReport:
    """Verbatim leaks: per PII column ``(synthetic values found in the real column, share of rows)``, and
    the synthetic rows that copy a real combination held by at most ``rare_max`` real rows."""

    pii: dict[str, tuple[int, float]]
    rare_copies: int
    rare_share: float
    columns: tuple[str, ...]
    rare_max: int

    @property
    def leaking(self) -> bool:
        return self.rare_copies > 0 or any(n > 0 for n, _ in self.pii.values())


def leak_check(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    pii_columns: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    rare_max: int = 1,
) -> LeakReport:
    """See :class:`LeakReport`. ``pii_columns`` default to :func:`synthwise.pii.detect` on ``real``;
    ``columns`` (the combination compared) default to every column that is not an identifier or text."""
    if pii_columns is None:
        from synthwise.pii import detect

        pii_columns = [f.column for f in detect(real)]
    pii: dict[str, tuple[int, float]] = {}
    for col in pii_columns:
        if col not in synthetic.columns:
            continue
        known = set(real[col].dropna().astype(str))
        hits = synthetic[col].dropna().astype(str).isin(known)
        pii[col] = (int(hits.sum()), float(hits.sum() / max(1, len(synthetic))))
    if columns is None:
        schema = infer_schema(real)
        columns = [c.name for c in schema.columns if c.kind not in ("identifier", "pii", "text")]
    cols = tuple(columns)
    rk = combination_keys(real, cols)
    values, counts = np.unique(rk, return_counts=True)
    rare = values[counts <= rare_max]
    copies = np.isin(combination_keys(synthetic, cols), rare) if len(synthetic) else np.zeros(0, dtype=bool)
    return LeakReport(pii, int(copies.sum()), float(copies.mean()) if len(copies) else 0.0, cols, rare_max)
