"""``evaluate()``: every registered metric on one synthetic table, with references, baselines and CIs.

The two steps of the method: (1) a representation fit on the REAL train only (see ``embed.py``);
(2) the metrics compare the synthetic rows with the real ones in that space and on the raw columns.
Around each value the evaluation adds:

* ``reference``: the same metric for the real holdout against the train, "what a perfect generator
  would score" (metrics that themselves need a holdout use one half of it against the other half);
* ``baselines`` and ``saturated``: the scores of two trivial baselines (``baselines.py``) and whether
  one of them does as well as the synthetic data where it is a trick (see ``baselines.SATURATES``);
* ``ci``: a seeded bootstrap interval for the metrics with per-row contributions;
* per-row flags ``typical`` (inside the real alpha-support at alpha = 0.95), ``authentic`` (not closer
  to a real row than that row's own nearest real neighbour, and not an exact copy) and ``valid``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError, ColumnProblem, InvalidParameterError
from synthwise.evaluation.baselines import BASELINES, SATURATES
from synthwise.evaluation.bootstrap import bootstrap_ci
from synthwise.evaluation.context import Context, RealSide, Settings, Table
from synthwise.evaluation.embed import Embedding
from synthwise.evaluation.manifest import input_info, settings_info, versions
from synthwise.evaluation.plots import build_plots
from synthwise.evaluation.registry import MetricSpec, Score, Skip, select_metrics
from synthwise.evaluation.result import Evaluation, MetricResult
from synthwise.schema import Schema, check_table, infer_schema

Source: TypeAlias = pd.DataFrame | str | os.PathLike[str]
Progress: TypeAlias = Callable[[str], None]


def evaluate(
    real: Source,
    synthetic: Source,
    holdout: Source | None = None,
    target: str | None = None,
    sensitive: str | None = None,
    seed: int = 0,
    schema: Schema | None = None,
    *,
    metrics: Iterable[str] | None = None,
    k: int = 5,
    max_rows: int | None = 10_000,
    exact: bool = False,
    n_bootstrap: int = 200,
    baselines: bool = True,
    row_flags: bool = True,
    embedding: Embedding | None = None,
    generator: dict[str, Any] | None = None,
    progress: Progress | None = None,
    quasi_identifiers: Sequence[str] | None = None,
    secret: str | None = None,
) -> Evaluation:
    """Measure how faithful, diverse, useful and private ``synthetic`` is, compared with ``real``.

    ``real``, ``synthetic`` and ``holdout`` are DataFrames or table files (then their SHA-256 goes into
    the manifest). ``holdout`` (real rows the generator never saw) enables the privacy and utility
    metrics and the references; ``target`` the utility metrics; ``sensitive`` the bias metrics;
    ``quasi_identifiers`` (columns an attacker could know, e.g. age, sex, zip code) the re-identification
    metrics (k-anonymity, l-diversity, unique-combination share, attribute inference of ``secret``, which
    defaults to ``target``).
    ``metrics`` picks metrics by full name, short name or group (default: all). The k-NN metrics use a
    seeded sample of at most ``max_rows`` rows per table (``exact=True``: all rows). Inputs are never
    modified; the same inputs and seed give the same values.
    """
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    _check_params(seed=seed, k=k, max_rows=max_rows, n_bootstrap=n_bootstrap)
    real_df, real_path = _load(real, "real")
    syn_df, syn_path = _load(synthetic, "synthetic")
    hold_df, hold_path = _load(holdout, "holdout") if holdout is not None else (None, None)
    schema = schema if schema is not None else infer_schema(real_df)
    if schema.entity is not None or schema.sequence_index is not None:
        # issue 7: a sequential table also gets the sequence metrics (seq_*), registered on import
        import synthwise.evaluation.sequential  # noqa: F401
    qis = list(quasi_identifiers or [])
    _check_columns(schema, syn_df, hold_df, target, sensitive, qis, secret)
    settings = Settings(k=k, max_rows=None if exact else max_rows, n_bootstrap=n_bootstrap)
    timings: dict[str, Any] = {}

    say("Embedding the real data")
    t0 = time.perf_counter()
    real_side = RealSide(
        real_df, schema, settings=settings, seed=seed, target=target, sensitive=sensitive, embedding=embedding
    )
    real_side.quasi_identifiers, real_side.secret = qis, secret
    syn = real_side.prepare(syn_df, "synthetic")
    hold = real_side.prepare(hold_df, "holdout") if hold_df is not None else None
    timings["prepare"] = time.perf_counter() - t0

    available = {
        name
        for name, given in (("holdout", hold), ("target", target), ("sensitive", sensitive))
        if given is not None
    }
    skipped: dict[str, str] = {}
    specs: list[MetricSpec] = []
    for spec in select_metrics(metrics):
        reason = spec.applicable(available)
        if reason:
            skipped[spec.key] = reason
        else:
            specs.append(spec)

    main = Context(real_side, syn, hold, "synthetic")
    scores: dict[str, Score] = {}
    metric_times: dict[str, float] = {}
    for spec in specs:
        say(f"Computing {spec.key}")
        t0 = time.perf_counter()
        try:
            scores[spec.key] = _run(spec, main)
        except Skip as exc:
            skipped[spec.key] = str(exc)
        metric_times[spec.key] = time.perf_counter() - t0
    timings["metrics"] = metric_times
    computed = [s for s in specs if s.key in scores]

    t0 = time.perf_counter()
    references = _references(computed, scores, real_side, hold, say)
    timings["references"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    base_values: dict[str, dict[str, float]] = {s.key: {} for s in computed}
    if baselines:
        for name, build in BASELINES.items():
            say(f"Scoring the {name} baseline")
            table = build(real_side, len(syn), main.rng("baseline:" + name))
            ctx = Context(real_side, table, hold, name)
            for spec in computed:
                value = _value(spec, ctx)
                if value is not None:
                    base_values[spec.key][name] = value
    timings["baselines"] = time.perf_counter() - t0

    say("Bootstrap intervals")
    t0 = time.perf_counter()
    cis = {
        s.key: bootstrap_ci(
            scores[s.key], main.rng("ci:" + s.key), n_resamples=settings.n_bootstrap, level=settings.ci_level
        )
        for s in computed
    }
    timings["bootstrap"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    flags = _row_flags(main, syn_df.index) if row_flags else None
    timings["row_flags"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    plots = build_plots(main)
    timings["plots"] = time.perf_counter() - t0

    results = []
    for spec in computed:
        score = scores[spec.key]
        value = float(score.value)
        bases = base_values[spec.key]
        results.append(
            MetricResult(
                group=spec.group,
                name=spec.name,
                value=value,
                ideal=spec.ideal,
                bounds=spec.bounds,
                direction=spec.direction,
                reference=references.get(spec.key),
                ci=cis.get(spec.key),
                baselines=bases,
                saturated=_saturated(spec, value, bases),
                description=spec.description,
                details=score.details,
            )
        )
    timings["total"] = time.perf_counter() - started
    manifest = {
        "seed": seed,
        "inputs": {
            "real": input_info(real_df, real_path),
            "synthetic": input_info(syn_df, syn_path),
            **({"holdout": input_info(hold_df, hold_path)} if hold_df is not None else {}),
        },
        "target": target,
        "sensitive": sensitive,
        "quasi_identifiers": qis,
        "secret": secret,
        "generator": generator,
        "settings": settings_info(settings) | {"exact": exact, "baselines": bool(baselines)},
        "samples": {
            "method": "first rows of a seeded hash order of the row contents (invariant to row order)",
            "real": len(real_side.sample()),
            "synthetic": len(main.syn_sample),
            "paired_3d_prdc": main.pair_size,
            **({"holdout": len(main.holdout_sample)} if hold is not None else {}),
        },
        "embedding": {"class": type(real_side.embedding).__name__, "dimensions": int(syn.emb.shape[1])},
        "schema": schema.to_dict(),
        "versions": versions(),
        "skipped": skipped,
        "timings_s": timings,
    }
    return Evaluation(metrics=results, plots=plots, row_flags=flags, manifest=manifest)


# -- pieces ------------------------------------------------------------------------------------------------
def _run(spec: MetricSpec, ctx: Context) -> Score:
    out = spec.func(ctx)
    return out if isinstance(out, Score) else Score(float(out))


def _saturated(spec: MetricSpec, value: float, bases: dict[str, float]) -> bool:
    """A baseline that is a trick for this metric's group scores at least as well as ``value``."""
    return any(
        spec.is_better_or_equal(b, value) for name, b in bases.items() if spec.group in SATURATES[name]
    )


def _value(spec: MetricSpec, ctx: Context | None) -> float | None:
    if ctx is None:
        return None
    try:
        return float(_run(spec, ctx).value)
    except Skip:
        return None


def _references(
    specs: list[MetricSpec], scores: dict[str, Score], real: RealSide, hold: Table | None, say: Progress
) -> dict[str, float | None]:
    """Each metric for the holdout against the train (halves of the holdout where a holdout is needed)."""
    out: dict[str, float | None] = {s.key: scores[s.key].reference for s in specs}
    if hold is None:
        return out
    say("Scoring the holdout reference")
    ref = Context(real, hold, None, "reference")
    half = len(hold) // 2
    split = (
        Context(real, hold.rows(0, half, "holdout_a"), hold.rows(half, None, "holdout_b"), "reference_split")
        if half >= 2
        else None
    )
    for spec in specs:
        if out[spec.key] is None:
            out[spec.key] = _value(spec, split if "holdout" in spec.needs else ref)
    return out


def _row_flags(ctx: Context, index: pd.Index) -> pd.DataFrame:
    """typical / authentic / valid for every synthetic row, in the order of the synthetic input."""
    from synthwise.evaluation.three_d import authentic_rows
    from synthwise.evaluation.validity import validity_of

    syn, real = ctx.synthetic, ctx.real
    typical = real.distance_to_center(syn.emb) <= real.typical_radius()
    if "three_d" in ctx.cache and ctx.pair_size == len(syn) == len(real.sample()):
        authentic = ctx.cache["three_d"].authentic.copy()
    elif len(real.sample()) >= 2:
        authentic = authentic_rows(ctx, syn.emb)
    else:
        authentic = np.ones(len(syn), dtype=bool)
    authentic &= ~np.isin(syn.hashes, real.train.hashes)
    valid = validity_of(ctx)[0]
    flags = np.column_stack([typical, authentic, valid])
    original = np.empty_like(flags)
    original[syn.order] = flags
    return pd.DataFrame(original, columns=["typical", "authentic", "valid"], index=index).astype(bool)


def _load(source: Source, role: str) -> tuple[pd.DataFrame, str | os.PathLike[str] | None]:
    if isinstance(source, pd.DataFrame):
        check_table(source)
        return source, None
    if isinstance(source, str | os.PathLike):
        from synthwise.io import read_table

        df = read_table(source)
        check_table(df)
        return df, source
    raise InvalidParameterError.expected(
        role, "evaluate", "a DataFrame or a path to a table file", type(source).__name__
    )


def _int_at_least(value: object, low: int) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and int(value) >= low


def _check_params(*, seed: object, k: object, max_rows: object, n_bootstrap: object) -> None:
    if not _int_at_least(seed, -(2**63)):
        raise InvalidParameterError.expected("seed", "evaluate", "an int", seed)
    if not _int_at_least(k, 1):
        raise InvalidParameterError.expected("k", "evaluate", "an int in [1, inf)", k)
    if max_rows is not None and not _int_at_least(max_rows, 10):
        raise InvalidParameterError.expected("max_rows", "evaluate", "None or an int in [10, inf)", max_rows)
    if not _int_at_least(n_bootstrap, 0):
        raise InvalidParameterError.expected("n_bootstrap", "evaluate", "an int in [0, inf)", n_bootstrap)


def _check_columns(
    schema: Schema,
    syn: pd.DataFrame,
    hold: pd.DataFrame | None,
    target: str | None,
    sensitive: str | None,
    quasi_identifiers: list[str],
    secret: str | None,
) -> None:
    problems: list[ColumnProblem] = []
    roles = [("target", target), ("sensitive", sensitive), ("secret", secret)]
    roles += [("quasi-identifier", q) for q in quasi_identifiers]
    if secret is not None and secret in quasi_identifiers:
        problems.append(
            ColumnProblem(
                secret,
                "is named as both the secret and a quasi-identifier",
                "the secret is what an attacker guesses from the quasi-identifiers: drop it from those",
            )
        )
    for role, name in roles:
        if name is None:
            continue
        if name not in schema:
            problems.append(
                ColumnProblem(
                    name, f"is named as the {role} but is not in the real data", f"use one of {schema.names}"
                )
            )
        elif schema[name].kind in ("identifier", "pii", "text"):
            problems.append(
                ColumnProblem(
                    name,
                    f"is a {schema[name].kind} column and cannot be the {role}",
                    "pick a categorical or numeric column",
                )
            )
    for label, frame in (("synthetic", syn), ("holdout", hold)):
        if frame is None:
            continue
        for name in schema.names:
            if name not in frame.columns:
                problems.append(
                    ColumnProblem(
                        name,
                        f"is in the real data but not in the {label} data",
                        f"give the {label} table the same columns as the real one",
                    )
                )
    if problems:
        raise ColumnError(problems)
