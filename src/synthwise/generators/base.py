"""The generator contract: one thin base class that owns the lifecycle, and nothing deeper.

``fit(data, schema)`` checks the parameters, draws the fit's random generator from ``seed`` and hands
both to the data hook ``_fit_data(data, schema, rng)``. Its default resolves the schema (inferred when
none is given), encodes the table ONCE (:meth:`TableTransformer.fit_codes`) and calls ``_fit``; DP
generators override it (a public schema only, a privacy ledger) and so do sequential ones (a long table
split into entities and steps). ``sample`` checks ``n`` and hands it with the conditions and the
sampling rng to ``_sample_data`` (default: conditions to codes, ``_sample``, decoding; sequential
generators return entities as a long table). Subclasses implement on the *code* level (see
:mod:`synthwise.transforms`):

* ``_fit(codes, rng)``: learn from a frame of float codes (NaN = missing), one column per encoded column,
  with the fit's random generator;
* ``_sample(n, rng, conditions)``: return ``n`` rows of codes; ``conditions`` is a frame of codes
  (one row per wanted row, NaN where free) or None; only generators with ``native`` conditions get it;
* ``_state()`` / ``_set_state(meta, arrays)``: fitted state as JSON plus numpy arrays.

The base handles validation, schema inference, encoding, decoding, seeding, conditions by rejection,
and its own saved state: :meth:`Generator.state` / :meth:`Generator.restore` (model files and the
sequential entity model store a generator through them). ``__init__`` only stores its keyword arguments.

**The privacy knob.** A generator whose ``__init__`` takes ``privacy`` (``"strict"``, ``"balanced"`` or
``"off"``) gets the privacy guard (:mod:`synthwise.generators.guard`) from the base: the default
``_fit_data`` fits it after ``_fit`` (its calibration draws from ``_sample``), and sampling passes every
draw through it, redrawing rejected rows with ``_redraw`` (default: a fresh draw with the row's
conditions; ``cart`` redraws near the rejected row). A guarded generator's saved state holds the
training codes the guard measures against (``_guard_codes`` lets a generator that keeps them anyway,
like ``cart``, give them back instead of storing them twice).
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd

from synthwise._types import Conditions, Seed
from synthwise.errors import InvalidParameterError, NotFittedError, SamplingError
from synthwise.generators.blockfit import BlockSource
from synthwise.generators.guard import PrivacyGuard, check_privacy
from synthwise.random import make_rng
from synthwise.schema import Schema, infer_schema, validate_data
from synthwise.transforms import TableTransformer


@dataclass(frozen=True)
class Capabilities:
    """What a generator can do; the conformance suite reads this to choose its checks."""

    missing_values: bool = True
    conditions: Literal["native", "rejection"] = "rejection"
    data: Literal["tabular", "sequential", "image"] = "tabular"
    extra: str | None = None  # the optional extra it needs, e.g. "deep"
    copies_rows: bool = False  # emits real rows as they are (bootstrap): no privacy at all
    differential_privacy: bool = False
    deterministic: bool = True  # same seed, same bytes
    needs_spec: bool = False  # learns a user-written simulation spec (rules): no fit without one


class Generator:
    """Base of every generator. See the module docstring for the lifecycle and its hooks."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    capabilities: ClassVar[Capabilities] = Capabilities()
    guard_: PrivacyGuard | None
    guard_report_: dict[str, float]
    # how a fit in blocks read its table (rows, blocks, what the model learned from); None in memory
    fitted_on_: dict[str, Any] | None = None

    def __init__(self, *, seed: Seed = None) -> None:
        self.seed = seed

    # -- text columns (synthwise.generators.text) ------------------------------------------------------
    def set_text_model(self, generator: str = "auto", **params: Any) -> Self:
        """Choose the model of this generator's ``text`` columns: ``auto``, ``text_ngram``, ``text_lstm``
        or ``text_transformer`` (with its parameters, e.g. ``max_time_s``); call before ``fit``."""
        from synthwise.generators.text import text_kind
        from synthwise.text.models import resolve_params

        kind, defaults = text_kind(generator, 0)
        if generator != "auto":
            resolve_params(kind, {**defaults, **params})
        self.text_model = generator
        self.text_params = dict(params)
        return self

    def _fit_text(self, data: pd.DataFrame, rng: np.random.Generator) -> None:
        """Fit a text model per text column, conditioned on the row's other columns."""
        from synthwise.generators.text import fit_text_columns

        choice, params = getattr(self, "text_model", "auto"), getattr(self, "text_params", {})
        self.text_models_ = fit_text_columns(data, self.schema_, choice, params, rng)

    # -- parameters (scikit-learn style, read from the __init__ signature) ----------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.name != "self" and p.kind == p.KEYWORD_ONLY]

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise InvalidParameterError(
                    f"{type(self).__name__} has no parameter {key!r}. Fix: use one of {sorted(valid)}."
                )
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    # -- the public contract --------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, schema: Schema | None = None) -> Self:
        """Learn from ``data`` (never modified). Infers the schema when none is given."""
        self._validate_params()
        if "privacy" in self._param_names():
            check_privacy(getattr(self, "privacy", None), type(self).__name__)
        started = time.perf_counter()
        self._fit_data(data, schema, make_rng(self.seed))
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def fit_blocks(self, source: BlockSource, schema: Schema | None, sample: pd.DataFrame) -> Self:
        """Learn from a table read in blocks (:mod:`synthwise.scale.fitting`), for a generator that
        fits from merged statistics: one with a ``_fit_blocks(blocks, rng)`` over encoded blocks
        (``gaussian_copula``, ``bayesian_network``) or a ``_fit_raw_blocks(blocks, sample, schema)``
        over raw ones (``mst``: its DP domains are released from the raw values; ``schema`` is then
        public or None).

        ``schema`` is the table's (its exact facts merged over every block); ``sample``, a seeded sample
        of its rows, is what the transformer's learned parts (text models, long tails) are fitted on.
        Everything ``_fit_blocks`` learns comes from every row: the model equals the one ``fit`` gives
        on the whole table in memory when the table has no text column.
        """
        name = type(self).__name__
        if hasattr(self, "_fit_raw_blocks"):
            self._validate_params()
            started = time.perf_counter()
            self._fit_raw_blocks(source.raw(), sample, schema)
            self.fit_seconds_ = time.perf_counter() - started
            return self
        if not hasattr(self, "_fit_blocks"):
            raise InvalidParameterError(
                f"{name} learns from rows in memory, not from merged statistics. Fix: fit it on a seeded "
                "sample of the table (synthwise.scale.fit_table does), or use gaussian_copula."
            )
        self._validate_params()
        if "privacy" in self._param_names():
            check_privacy(getattr(self, "privacy", None), name)
        if self.guarded:
            raise InvalidParameterError(
                f"The privacy guard of {name} measures every synthetic row against every training row in "
                "memory. Fix: fit in blocks with privacy='off', or fit on a sample that fits in memory."
            )
        started = time.perf_counter()
        rng = make_rng(self.seed)
        if schema is None:
            raise InvalidParameterError(
                f"{name} fits in blocks from the table's exact schema; none was given."
            )
        self.schema_ = checked_schema(sample, schema)
        self.columns_ = list(sample.columns)
        self.transformer_ = TableTransformer(self.schema_).fit(sample)
        blocks = source.encoded(self.transformer_)
        self._fit_blocks(blocks, rng)
        self.guard_ = None
        self.guard_report_ = {}
        self.n_rows_ = blocks.n_rows
        self._fit_text(sample, rng)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def sample(
        self,
        n: int,
        *,
        conditions: Conditions = None,
        seed: Seed = None,
        max_rejection_s: float = 30.0,
        id_start: int = 0,
    ) -> pd.DataFrame:
        """``n`` synthetic rows with the real table's columns, order and dtypes.

        ``conditions`` fixes values: a dict ``{column: value}`` applied to every row, or a frame of
        partial rows (one synthetic row per row; NaN = free; ``n`` is then the frame's length).
        ``seed`` defaults to the generator's seed. Generators without native conditioning meet
        conditions by rejection, for at most ``max_rejection_s`` seconds. Fresh identifiers are numbered
        from ``id_start`` (entities for sequential generators): a block of a larger run
        (:mod:`synthwise.scale`) passes its offset so keys stay unique across blocks.
        """
        self._check_fitted()
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 0:
            raise InvalidParameterError.expected("n", type(self).__name__, "an int >= 0", n)
        if not isinstance(id_start, int | np.integer) or isinstance(id_start, bool) or id_start < 0:
            raise InvalidParameterError.expected("id_start", type(self).__name__, "an int >= 0", id_start)
        rng = make_rng(self.seed if seed is None else seed)
        return self._sample_data(int(n), conditions, rng, max_rejection_s, int(id_start))

    # -- hooks ----------------------------------------------------------------------------------------
    def _validate_params(self) -> None:
        """Check hyperparameters; raise InvalidParameterError with the expected range."""

    def _fit_data(self, data: pd.DataFrame, schema: Schema | None, rng: np.random.Generator) -> None:
        """The data hook: set ``schema_``, ``columns_``, ``transformer_`` and ``n_rows_`` and learn.

        The default checks the schema against ``data``, encodes the table once and calls ``_fit``.
        """
        self.schema_ = checked_schema(data, schema)
        self.columns_ = list(data.columns)
        self.transformer_ = TableTransformer(self.schema_)
        codes = self.transformer_.fit_codes(data)
        self._fit(codes, rng)
        self._fit_guard(codes, rng)
        self.n_rows_ = len(data)
        self._fit_text(data, rng)

    @property
    def guarded(self) -> bool:
        """Whether this generator takes the ``privacy`` knob and it is not ``"off"``."""
        return "privacy" in self._param_names() and getattr(self, "privacy", "off") != "off"

    @property
    def _strict(self) -> bool:
        return getattr(self, "privacy", "off") == "strict"

    def _fit_guard(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        """Fit the privacy guard on the training ``codes`` (after ``_fit``) when the knob asks for it."""
        self.guard_ = None
        self.guard_report_ = {}
        if not self.guarded or not self.transformer_.encoded:
            return
        guard = PrivacyGuard.fit(
            codes, self.schema_, rng, strict=self._strict, canonical=self.transformer_.canonical_codes
        )
        guard.calibrate(lambda k: self._sample(k, rng, None), rng)
        self.guard_ = guard

    def _sample_guarded(
        self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None
    ) -> pd.DataFrame:
        """``_sample`` through the privacy guard (when there is one)."""
        guard = getattr(self, "guard_", None)
        if guard is None:
            return self._sample(n, rng, conditions)

        def draw(positions: np.ndarray, rejected: pd.DataFrame | None, round_: int) -> pd.DataFrame:
            cond = None if conditions is None else conditions.iloc[positions].reset_index(drop=True)
            if rejected is None:
                return self._sample(len(positions), rng, cond)
            return self._redraw(rejected, round_, rng, cond)

        codes, self.guard_report_ = guard.filter(draw, n, rng)
        return codes

    def _redraw(
        self, rejected: pd.DataFrame, round_: int, rng: np.random.Generator, conditions: pd.DataFrame | None
    ) -> pd.DataFrame:
        """Rows to replace the guard's ``rejected`` rows (round ``round_`` >= 1): by default fresh draws
        with the same conditions."""
        return self._sample(len(rejected), rng, conditions)

    def _guard_codes(self, arrays: dict[str, np.ndarray]) -> pd.DataFrame | None:
        """The training codes from the generator's own restored ``arrays``, or None when the guard has
        to store them (the default)."""
        return None

    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _sample_data(
        self,
        n: int,
        conditions: Conditions,
        rng: np.random.Generator,
        max_rejection_s: float,
        id_start: int = 0,
    ) -> pd.DataFrame:
        """The sampling hook, the mirror of ``_fit_data``: the output table from the checked ``n``.

        The default turns the conditions into codes, calls ``_sample`` (or samples by rejection) and
        decodes; sequential generators override it (``n`` entities as a long table).
        """
        cond = self._condition_codes(n, conditions)
        if cond is not None:
            n = len(cond)
        if n == 0:
            codes = self.transformer_.to_codes(pd.DataFrame({c: [] for c in self.columns_}).astype(object))
        elif not self.transformer_.encoded:  # only keys, text, PII or empty columns: nothing to draw
            codes = pd.DataFrame(index=pd.RangeIndex(n))
        elif cond is None or self.capabilities.conditions == "native":
            codes = self._sample_guarded(n, rng, cond)
        else:
            codes = sample_by_rejection(self._sample_guarded, cond, rng, max_time_s=max_rejection_s)
        if cond is not None:
            codes = _apply_conditions(codes, cond)
        out = self.transformer_.from_codes(codes.reset_index(drop=True), rng=rng, id_start=id_start)
        text_models = getattr(self, "text_models_", None)
        if text_models:
            from synthwise.generators.text import generate_text_columns

            out = generate_text_columns(out, self.schema_, text_models, rng)
        return out[self.columns_]

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        raise NotImplementedError

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        raise NotImplementedError

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        raise NotImplementedError

    # -- persistence ----------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted generator as JSON fields plus arrays; :meth:`restore` reads them back.

        Fields: ``params``, ``columns``, ``schema``, ``transformer`` (its state), ``state`` (the
        generator's own, see ``_state``) and ``n_rows``; arrays are prefixed ``g/`` (generator) and
        ``t/`` (transformer).
        """
        self._check_fitted()
        meta, arrays = self._state()
        t_meta, t_arrays = self.transformer_.state()
        all_arrays = {f"g/{k}": np.asarray(v) for k, v in arrays.items()}
        all_arrays.update({f"t/{k}": np.asarray(v) for k, v in t_arrays.items()})
        guard = getattr(self, "guard_", None)
        if guard is not None:
            all_arrays.update({f"p/{k}": v for k, v in guard.arrays().items()})
            if self._guard_codes(arrays) is None:
                all_arrays["p/guard_codes"] = guard.codes.to_numpy(dtype=np.float64)
        text_models = getattr(self, "text_models_", None)
        text_meta: dict[str, Any] = {}
        if text_models:
            from synthwise.generators.text import text_state

            text_meta, text_arrays = text_state(text_models)
            all_arrays.update({f"x/{k}": v for k, v in text_arrays.items()})
        fields = {
            "params": {k: v for k, v in self.get_params().items() if not callable(v)},
            "text_models": text_meta,
            "columns": list(map(str, self.columns_)),
            "schema": self.schema_.to_dict(),
            "transformer": t_meta,
            "state": meta,
            "n_rows": int(self.n_rows_),
        }
        if self.fitted_on_:
            fields["fitted_on"] = dict(self.fitted_on_)
        return fields, all_arrays

    @classmethod
    def restore(cls, fields: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        """A fitted generator from the output of :meth:`state` (extra fields are ignored)."""
        gen = cls(**fields["params"])
        schema = Schema.from_dict(fields["schema"])
        gen.schema_ = schema
        gen.columns_ = list(fields["columns"])
        gen.n_rows_ = int(fields["n_rows"])
        if fields.get("fitted_on"):
            gen.fitted_on_ = dict(fields["fitted_on"])
        gen.transformer_ = TableTransformer.from_state(
            schema, fields["transformer"], {k[2:]: v for k, v in arrays.items() if k.startswith("t/")}
        )
        own = {k[2:]: v for k, v in arrays.items() if k.startswith("g/")}
        gen._set_state(fields["state"], own)
        gen.text_models_ = {}
        if fields.get("text_models"):
            from synthwise.generators.text import text_from_state

            text_arrays = {k[2:]: v for k, v in arrays.items() if k.startswith("x/")}
            gen.text_models_ = text_from_state(fields["text_models"], text_arrays)
        gen.guard_ = None
        gen.guard_report_ = {}
        guard_arrays = {k[2:]: v for k, v in arrays.items() if k.startswith("p/")}
        if "guard_reference" not in guard_arrays and "guard_reference" in own:  # cart files before 0.x
            guard_arrays = own
        if gen.guarded and "guard_reference" in guard_arrays:
            codes = gen._guard_codes(own)
            if codes is None:
                names = [c.name for c in gen.transformer_.encoded]
                codes = pd.DataFrame(guard_arrays["guard_codes"], columns=names)
            gen.guard_ = PrivacyGuard.from_arrays(
                codes, schema, guard_arrays, strict=gen._strict, canonical=gen.transformer_.canonical_codes
            )
        return gen

    def save(self, path: str) -> str:
        """Write a model file: a zip of manifest.json and arrays.npz; never a pickle."""
        from synthwise.generators.modelfile import save_generator

        return save_generator(self, path)

    @classmethod
    def load(cls, path: str) -> Generator:
        from synthwise.generators.modelfile import load_generator

        gen = load_generator(path)
        if not isinstance(gen, cls):
            from synthwise.errors import ModelFileError

            raise ModelFileError(
                f"Model file {path!r} holds a {type(gen).__name__}, not a {cls.__name__}. "
                "Fix: load it with synthwise.load_generator()."
            )
        return gen

    # -- helpers --------------------------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        return hasattr(self, "schema_")

    def _check_fitted(self) -> None:
        if not self.is_fitted:
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet. Fix: call fit(data) first.")

    def _condition_codes(self, n: int, conditions: Conditions) -> pd.DataFrame | None:
        if conditions is None:
            return None
        if isinstance(conditions, dict):
            frame = pd.DataFrame({k: [v] * int(n) for k, v in conditions.items()})
        elif isinstance(conditions, pd.DataFrame):
            frame = conditions.reset_index(drop=True)
        else:
            raise InvalidParameterError.expected(
                "conditions", "sample", "a dict of column values or a DataFrame of partial rows", conditions
            )
        return condition_codes(self.transformer_, frame)


def checked_schema(data: pd.DataFrame, schema: Schema | None) -> Schema:
    """The schema a fit uses: ``schema``, or one inferred from ``data``; checked against ``data``."""
    schema = infer_schema(data) if schema is None else schema
    validate_data(data, schema)
    return schema


def condition_codes(transformer: TableTransformer, frame: pd.DataFrame) -> pd.DataFrame:
    """Conditions in real values to a frame of codes (NaN = free) with every encoded column."""
    schema = transformer.schema
    unknown = [c for c in frame.columns if c not in schema]
    if unknown:
        raise SamplingError(
            f"Conditions name unknown columns {unknown}. Fix: condition only on {schema.names}."
        )
    bad = [c for c in frame.columns if schema[c].kind in ("identifier", "pii", "text")]
    if bad:
        raise SamplingError(f"Cannot condition on identifier or text columns {bad}. Fix: drop them.")
    from synthwise.transforms.table import encode_columns

    out = pd.DataFrame(np.nan, index=pd.RangeIndex(len(frame)), columns=[c.name for c in transformer.encoded])
    for name in frame.columns:
        col = schema[name]
        try:
            for code_name, values in encode_columns(frame[name], col, unseen="error").items():
                out[code_name] = values  # a column with special values also fixes its side channel
        except Exception as exc:
            raise SamplingError(f"Condition on {name!r} cannot be met: {exc}") from exc
        _check_condition_domain(frame[name], out[name].to_numpy(), col)
    return out


def _check_condition_domain(values: pd.Series, codes: np.ndarray, col: Any) -> None:
    """A condition outside what the generator can produce is an error, never silently changed."""
    given = values.notna().to_numpy()
    if col.kind in ("numeric", "datetime", "time") and col.min is not None and col.max is not None:
        outside = given & ((codes < col.min) | (codes > col.max))
        if outside.any():
            bad = values[outside].iloc[0]
            raise SamplingError(
                f"Condition {col.name}={bad!r} lies outside the real range of {col.name!r} "
                f"[{col.min:g}, {col.max:g}]. Fix: condition on a value inside the range."
            )
    if col.kind == "constant" and col.categories:
        # compared as Python strings: numpy drops trailing NUL characters of a str scalar ('\x00' -> '')
        only = str(col.categories[0])
        other = given & np.array([v != only for v in values.astype(str).tolist()], dtype=bool)
        if other.any() and not col.dtype.startswith("datetime64"):
            raise SamplingError(
                f"Condition {col.name}={values[other].iloc[0]!r} cannot be met: column {col.name!r} is "
                f"constant ({col.categories[0]!r}). Fix: drop that condition."
            )


def condition_groups(cond: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Group condition rows by their pattern: ``[(pattern with NaN = free, row indices), ...]``."""
    if len(cond) == 0:
        return []
    keyed = np.ascontiguousarray(np.where(np.isnan(cond), np.inf, cond), dtype=np.float64)
    if (keyed == keyed[0]).all():  # the common case: one condition for every row
        return [(cond[0].copy(), np.arange(len(cond)))]
    rows = keyed.view(np.dtype((np.void, keyed.dtype.itemsize * keyed.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(first) + 1))
    return [(cond[first[i]].copy(), order[bounds[i] : bounds[i + 1]]) for i in range(len(first))]


def _apply_conditions(codes: pd.DataFrame, cond: pd.DataFrame) -> pd.DataFrame:
    codes = codes.reset_index(drop=True).copy()
    for name in cond.columns:
        fixed = cond[name].to_numpy()
        mask = ~np.isnan(fixed)
        if mask.any():
            col = codes[name].to_numpy(copy=True)
            col[mask] = fixed[mask]
            codes[name] = col
    return codes


def sample_by_rejection(
    sample_fn: Any,
    cond: pd.DataFrame,
    rng: np.random.Generator,
    *,
    max_time_s: float = 30.0,
    max_rounds: int = 200,
) -> pd.DataFrame:
    """Draw unconditional batches and keep, for each condition row, a row that matches its fixed codes.

    Raises :class:`SamplingError` naming a condition not reached within ``max_time_s``: it is impossible
    or too rare for the generator.
    """
    names = list(cond.columns)
    arr = cond.to_numpy(dtype=np.float64)
    groups = [(p, rows) for p, rows in condition_groups(arr)]
    if all(np.isnan(p).all() for p, _ in groups):
        return sample_fn(len(cond), rng, None)
    chosen: dict[int, np.ndarray] = {}
    started = time.perf_counter()
    batch = max(256, 4 * len(cond))
    for _ in range(max_rounds):
        groups = [(p, rows) for p, rows in groups if len(rows)]
        if not groups or time.perf_counter() - started > max_time_s:
            break
        draw = sample_fn(batch, rng, None)[names].to_numpy(dtype=np.float64)
        for i, (pattern, rows) in enumerate(groups):
            fixed = ~np.isnan(pattern)
            match = np.flatnonzero(np.all(np.isclose(draw[:, fixed], pattern[fixed]), axis=1))[: len(rows)]
            for target, src in zip(rows[: len(match)], match, strict=False):
                chosen[int(target)] = draw[src]
            groups[i] = (pattern, rows[len(match) :])
        batch = min(batch * 2, 200_000)
    left = [(p, rows) for p, rows in groups if len(rows)]
    if left:
        pattern = left[0][0]
        desc = ", ".join(f"{names[j]} (code {pattern[j]:g})" for j in np.flatnonzero(~np.isnan(pattern)))
        raise SamplingError(
            f"The condition on {desc} was not reached after {time.perf_counter() - started:.0f} s of "
            "rejection sampling: it is impossible or too rare for this generator. Fix: use a generator "
            "with native conditioning (cart, bayesian_network, gaussian_copula) or relax the condition."
        )
    return pd.DataFrame(np.vstack([chosen[i] for i in range(len(cond))]), columns=names)
