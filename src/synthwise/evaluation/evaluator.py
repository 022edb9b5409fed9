"""The :class:`Evaluator`: the real data prepared once, then any number of synthetic tables judged against it.

Building one reads the real train and holdout (each file once), validates them, resolves the schema,
fits the representation on the real rows (``embed.py``) and embeds the holdout. Everything computed
from the real side alone is then shared by every call of :meth:`Evaluator.evaluate`: the real k-NN
radii and alpha-support, the train-on-real utility models and the holdout references (the metrics
scored for the holdout against the train do not depend on the synthetic table). ``evaluate()`` is one
evaluator used once; ``audit`` uses one for the evaluations before and after filtering.

Around each value an evaluation adds:

* ``reference``: the same metric for the real holdout against the train, "what a perfect generator
  would score" (metrics that themselves need a holdout use one half of it against the other half);
* ``baselines`` and ``saturated``: the scores of two trivial baselines (``baselines.py``) and whether
  one of them does as well as the synthetic data where it is a trick (see ``baselines.SATURATES``);
* ``ci``: a seeded bootstrap interval for the metrics with per-row contributions (``intervals.py``);
* per-row flags ``typical`` (inside the real alpha-support at alpha = 0.95), ``authentic`` (not closer
  to a real row than that row's own nearest real neighbour, and not an exact copy) and ``valid``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from synthwise.errors import ColumnError, ColumnProblem, InvalidParameterError
from synthwise.evaluation.baselines import BASELINES, SATURATES, baseline_rows
from synthwise.evaluation.context import Context, RealSide, Settings
from synthwise.evaluation.embed import Embedding, compared_columns, make_embedding
from synthwise.evaluation.inputs import Input, Source, load_input
from synthwise.evaluation.intervals import bootstrap_ci
from synthwise.evaluation.manifest import input_info, settings_info, versions
from synthwise.evaluation.plots import build_plots
from synthwise.evaluation.registry import MetricSpec, Score, Skip, select_metrics
from synthwise.evaluation.result import Evaluation, MetricResult
from synthwise.schema import Schema, check_table, infer_schema
from synthwise.threads import limited_threads

Progress: TypeAlias = Callable[[str], None]


class Evaluator:
    """The real train (and holdout) prepared once; :meth:`evaluate` judges one synthetic table.

    ``real`` and ``holdout`` are DataFrames or table files (a file's SHA-256 goes into the manifest).
    ``holdout`` (real rows the generator never saw) enables the privacy and utility metrics and the
    references; ``target`` the utility metrics; ``sensitive`` the bias metrics; ``quasi_identifiers``
    (columns an attacker could know, e.g. age, sex, zip code) the re-identification metrics
    (k-anonymity, l-diversity, unique-combination share, attribute inference of ``secret``, which
    defaults to ``target``). ``metrics`` picks metrics by full name, short name or group (default: all
    that apply to the kind of table). The k-NN metrics use a seeded sample of at most ``max_rows`` rows
    per table (``exact=True``: all rows). ``groups`` names columns that tie rows together (the parent key
    of a child table joined with its parents, an entity of a panel): they are not compared, and the
    detection classifier's folds keep each group whole, so it is never tested on a group it learned
    (every table given must hold them). ``embedding`` is the row representation of the distance-based
    metrics: ``"fixed"`` (None, the default), ``"one_class"`` (the learned space of the 3D score's
    paper; needs torch) or an object (see :mod:`synthwise.evaluation.embed`); the manifest names it.
    Inputs are never modified; the same inputs and seed give the same values, whatever was evaluated
    before.
    """

    @limited_threads
    def __init__(
        self,
        real: Source,
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
        embedding: Embedding | str | None = None,
        progress: Progress | None = None,
        quasi_identifiers: Sequence[str] | None = None,
        secret: str | None = None,
        groups: str | Sequence[str] | None = None,
    ) -> None:
        self._say = progress or (lambda _msg: None)
        _check_params(seed=seed, k=k, max_rows=max_rows, n_bootstrap=n_bootstrap)
        self.groups = [groups] if isinstance(groups, str) else list(groups or [])
        self.real, real_groups = self._split_groups(load_input(real, "real"), "real")
        self.holdout: Input | None = None
        hold_groups = None
        if holdout is not None:
            self.holdout, hold_groups = self._split_groups(load_input(holdout, "holdout"), "holdout")
        if schema is None:
            schema = infer_schema(self.real.frame)  # validates the table
        else:
            check_table(self.real.frame)
        if self.holdout is not None:
            check_table(self.holdout.frame)
        self.schema = schema
        self.seed = seed
        self.target = target
        self.sensitive = sensitive
        self.quasi_identifiers = list(quasi_identifiers or [])
        self.secret = secret
        self.exact = exact
        self.baselines = bool(baselines)
        self.row_flags = row_flags
        problems = _role_problems(schema, target, sensitive, self.quasi_identifiers, secret)
        if self.holdout is not None:
            problems += _missing_columns(schema, self.holdout.frame, "holdout")
        if problems:
            raise ColumnError(problems)
        self.settings = Settings(k=k, max_rows=None if exact else max_rows, n_bootstrap=n_bootstrap)
        sequential = schema.entity is not None or schema.sequence_index is not None
        self.specs = select_metrics(metrics, sequences=sequential)

        self._say("Embedding the real data")
        t0 = time.perf_counter()
        self.real_side = RealSide(
            self.real.frame,
            schema,
            settings=self.settings,
            seed=seed,
            target=target,
            sensitive=sensitive,
            embedding=make_embedding(embedding, schema, seed),
            groups=real_groups,
        )
        self.real_side.quasi_identifiers, self.real_side.secret = self.quasi_identifiers, secret
        self.hold = (
            self.real_side.prepare(self.holdout.frame, "holdout", hold_groups)
            if self.holdout is not None
            else None
        )
        self.prepare_s = time.perf_counter() - t0
        self._references: dict[MetricSpec, float | None] = {}
        self._reference_contexts: dict[str, Context | None] = {}

    @property
    def available(self) -> set[str]:
        """The optional inputs given: holdout, target, sensitive."""
        given = (("holdout", self.hold), ("target", self.target), ("sensitive", self.sensitive))
        return {name for name, value in given if value is not None}

    @limited_threads
    def evaluate(self, synthetic: Source, *, generator: dict[str, Any] | None = None) -> Evaluation:
        """Measure how faithful, diverse, useful and private ``synthetic`` is, compared with the real data.

        ``generator`` (what made the table: name, parameters) is recorded in the manifest.
        """
        started = time.perf_counter()
        say = self._say
        syn_in, syn_groups = self._split_groups(load_input(synthetic, "synthetic"), "synthetic")
        check_table(syn_in.frame)
        problems = _missing_columns(self.schema, syn_in.frame, "synthetic")
        if problems:
            raise ColumnError(problems)
        real_side, hold, settings = self.real_side, self.hold, self.settings
        timings: dict[str, Any] = {}

        t0 = time.perf_counter()
        main = self.context(syn_in.frame, syn_groups)
        syn = main.synthetic
        timings["prepare"] = self.prepare_s + time.perf_counter() - t0

        skipped: dict[str, str] = {}
        specs: list[MetricSpec] = []
        for spec in self.specs:
            reason = spec.applicable(self.available)
            if reason:
                skipped[spec.key] = reason
            else:
                specs.append(spec)

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
        references = {s.key: scores[s.key].reference for s in computed}
        missing = [s for s in computed if references[s.key] is None]
        if missing and hold is not None:
            say("Scoring the holdout reference")
            references.update({s.key: self.reference(s) for s in missing})
        timings["references"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        base_values: dict[str, dict[str, float]] = {s.key: {} for s in computed}
        if self.baselines:
            for name, build in BASELINES.items():
                say(f"Scoring the {name} baseline")
                table = build(real_side, baseline_rows(len(syn)), main.rng("baseline:" + name))
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
                scores[s.key],
                main.rng("ci:" + s.key),
                n_resamples=settings.n_bootstrap,
                level=settings.ci_level,
            )
            for s in computed
        }
        timings["bootstrap"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        flags = _row_flags(main, syn_in.frame.index) if self.row_flags else None
        timings["row_flags"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        plots = build_plots(main)
        timings["plots"] = time.perf_counter() - t0

        results = [
            _result(
                spec, scores[spec.key], references.get(spec.key), cis.get(spec.key), base_values[spec.key]
            )
            for spec in computed
        ]
        timings["total"] = time.perf_counter() - started
        manifest = {
            "seed": self.seed,
            "inputs": {
                "real": input_info(self.real),
                "synthetic": input_info(syn_in),
                **({"holdout": input_info(self.holdout)} if self.holdout is not None else {}),
            },
            "target": self.target,
            "sensitive": self.sensitive,
            "quasi_identifiers": self.quasi_identifiers,
            "secret": self.secret,
            "generator": generator,
            "settings": settings_info(settings) | {"exact": self.exact, "baselines": self.baselines},
            "samples": {
                "method": "first rows of a seeded hash order of the row contents (invariant to row order)",
                "real": len(real_side.sample()),
                "synthetic": len(main.syn_sample),
                "paired_3d_prdc": main.pair_size,
                **({"baselines": baseline_rows(len(syn))} if self.baselines else {}),
                **({"holdout": len(main.holdout_sample)} if hold is not None else {}),
            },
            "embedding": {"class": type(real_side.embedding).__name__, "dimensions": int(syn.emb.shape[1])},
            "schema": self.schema.to_dict(),
            "versions": versions(),
            "skipped": skipped,
            "timings_s": timings,
        }
        return Evaluation(metrics=results, plots=plots, row_flags=flags, manifest=manifest)

    def context(self, synthetic: pd.DataFrame, groups: pd.DataFrame | None = None) -> Context:
        """``synthetic`` prepared (canonical order, codes, embedding) and paired with the real side."""
        table = self.real_side.prepare(synthetic, "synthetic", groups)
        return Context(self.real_side, table, self.hold, "synthetic")

    def _split_groups(self, given: Input, label: str) -> tuple[Input, pd.DataFrame | None]:
        """``given`` without the ``groups`` columns, and those columns (None without groups)."""
        if not self.groups:
            return given, None
        missing = [c for c in self.groups if c not in given.frame.columns]
        if missing:
            raise ColumnError(
                [
                    ColumnProblem(
                        c, f"the group column is missing from the {label} table", "pass groups it holds"
                    )
                    for c in missing
                ]
            )
        frame = given.frame.drop(columns=self.groups)
        return Input(frame, given.path, given.sha256), given.frame[self.groups]

    def reference(self, spec: MetricSpec) -> float | None:
        """``spec`` for the holdout against the train (one half of the holdout against the other where the
        metric needs a holdout); None without a holdout or where the metric does not apply. Computed once
        per evaluator: it does not depend on the synthetic table."""
        if spec not in self._references:
            ctx = self._reference_context("split" if "holdout" in spec.needs else "whole")
            self._references[spec] = _value(spec, ctx)
        return self._references[spec]

    def _reference_context(self, kind: str) -> Context | None:
        if kind not in self._reference_contexts:
            hold, ctx = self.hold, None
            if hold is not None and kind == "whole":
                ctx = Context(self.real_side, hold, None, "reference")
            elif hold is not None and len(hold) // 2 >= 2:
                half = len(hold) // 2
                a, b = hold.rows(0, half, "holdout_a"), hold.rows(half, None, "holdout_b")
                ctx = Context(self.real_side, a, b, "reference_split")
            self._reference_contexts[kind] = ctx
        return self._reference_contexts[kind]


# -- pieces ------------------------------------------------------------------------------------------------
def _run(spec: MetricSpec, ctx: Context) -> Score:
    if not spec.name.startswith("text_") and ctx.schema.of_kind("text") and not compared_columns(ctx.schema):
        raise Skip("a text corpus: no column beside the free text (the text_* metrics judge it)")
    out = spec.func(ctx)
    return out if isinstance(out, Score) else Score(float(out))


def _value(spec: MetricSpec, ctx: Context | None) -> float | None:
    if ctx is None:
        return None
    try:
        return float(_run(spec, ctx).value)
    except Skip:
        return None


def _result(
    spec: MetricSpec,
    score: Score,
    reference: float | None,
    ci: tuple[float, float] | None,
    bases: dict[str, float],
) -> MetricResult:
    value = float(score.value)
    saturated = any(
        spec.is_better_or_equal(b, value) for name, b in bases.items() if spec.group in SATURATES[name]
    )
    return MetricResult(
        group=spec.group,
        name=spec.name,
        value=value,
        ideal=spec.ideal,
        bounds=spec.bounds,
        direction=spec.direction,
        reference=reference,
        ci=ci,
        baselines=bases,
        saturated=saturated,  # a baseline that is a trick for this group scores at least as well
        description=spec.description,
        details=score.details,
    )


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


def _role_problems(
    schema: Schema,
    target: str | None,
    sensitive: str | None,
    quasi_identifiers: list[str],
    secret: str | None,
) -> list[ColumnProblem]:
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
    return problems


def _missing_columns(schema: Schema, frame: pd.DataFrame, label: str) -> list[ColumnProblem]:
    return [
        ColumnProblem(
            name,
            f"is in the real data but not in the {label} data",
            f"give the {label} table the same columns as the real one",
        )
        for name in schema.names
        if name not in frame.columns
    ]
