"""Free text: the text generators (``text_ngram``, ``text_lstm``, ``text_transformer``) and the text
columns of every tabular generator.

**Text inside tables.** The base lifecycle (:mod:`synthwise.generators.base`) calls
:func:`fit_text_columns` after a generator's own fit and :func:`generate_text_columns` after decoding:
each ``text`` column gets a :class:`~synthwise.text.models.TextColumnModel` conditioned on the other
columns of the row the generator produced. The model is the generator's ``text_model`` (set with
``Generator.set_text_model`` or ``synthwise generate --text-generator``); ``"auto"`` (the default) is
``text_ngram``, conditioned on the row by :mod:`synthwise.text.row_ngram` (its n-gram mixed with the
n-gram of the texts sharing the row's values of the one or two context columns that best predict
held-out texts): it fits in seconds. The learned models score better (``benchmarks/results/text.json``,
600 s per fit on one CPU core: tweets coverage 0.86-0.89 against 0.81-0.85, reviews 0.91 against 0.85)
but need those minutes on every fit of a table with a text column; choose ``text_lstm`` /
``text_transformer`` explicitly when the text matters more than the minutes.

**Text generators.** A ``text_*`` generator learns a corpus (a table whose only column is text: a text
file, one text per line, or a CSV with one text column) or a table: its other columns by the tabular
generator ``tabular`` (default ``cart``, with the ``privacy`` knob passed on), its text columns by its
own text model (whose own guard is the near-copy check during training). With ``epsilon``, on a
corpus, ``text_ngram`` releases its counts as noisy thresholded histograms (:class:`TextNgram`) and
``text_lstm`` trains under DP-SGD (:class:`TextLSTM`); ``ledger_`` holds the budget.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthwise._types import Conditions, Seed
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator, checked_schema
from synthwise.generators.registry import register_generator
from synthwise.privacy.ledger import BudgetLedger
from synthwise.schema import Schema
from synthwise.text.models import DP_DELTA
from synthwise.transforms import TableTransformer

TEXT_GENERATORS = {"text_ngram": "ngram", "text_lstm": "lstm", "text_transformer": "transformer"}


def text_kind(choice: str, n_texts: int) -> tuple[str, dict[str, Any]]:
    """The text model kind and default parameters for a generator's ``text_model`` choice."""
    if choice == "auto":
        return "ngram", {}
    if choice not in TEXT_GENERATORS:
        raise InvalidParameterError(
            f"Unknown text generator {choice!r}. Fix: use auto or one of {', '.join(TEXT_GENERATORS)}."
        )
    return TEXT_GENERATORS[choice], {}


def fit_text_columns(
    data: pd.DataFrame,
    schema: Schema,
    choice: str,
    params: dict[str, Any],
    rng: np.random.Generator,
    ledger: Any = None,
) -> dict[str, Any]:
    """A fitted text model per text column of ``schema``, conditioned on the row's other columns.

    With ``epsilon`` in ``params`` each text column learns under differential privacy on an equal share
    of ``ledger``'s budget; only a private text generator on a corpus passes one."""
    from synthwise.text.models import TextColumnModel

    if params.get("epsilon") is not None and ledger is None:
        raise InvalidParameterError(
            "A differentially private text model inside a table would leave the table's other columns "
            "unprotected. Fix: fit text_ngram or text_lstm with epsilon on a corpus (text columns only), or "
            "drop epsilon."
        )
    models: dict[str, Any] = {}
    others = [c.name for c in schema.columns if c.kind != "text" and c.name in data.columns]
    texts = schema.of_kind("text")
    for col in texts:
        kind, defaults = text_kind(choice, int(data[col.name].notna().sum()))
        models[col.name] = TextColumnModel.fit(
            data[col.name],
            data[others],
            schema,
            kind,
            {**defaults, **params},
            rng,
            label=col.name,
            ledger=ledger,
            budget_share=1.0 / len(texts),
        )
    return models


def generate_text_columns(
    out: pd.DataFrame, schema: Schema, models: dict[str, Any], rng: np.random.Generator
) -> pd.DataFrame:
    """``out`` with each modelled text column drawn anew, given the rest of its row."""
    if not models or len(out) == 0:
        return out
    out = out.copy()
    others = [c.name for c in schema.columns if c.kind != "text" and c.name in out.columns]
    for name, model in models.items():
        col = schema[name]
        values = pd.Series(model.sample(out[others], schema, rng), dtype=object, index=out.index)
        if col.missing_rate > 0:
            values[rng.random(len(out)) < col.missing_rate] = np.nan
        out[name] = values if col.dtype == "object" else values.astype(col.dtype)
    return out


def text_state(models: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    for i, (name, model) in enumerate(models.items()):
        m, a = model.state()
        meta[name] = {"key": f"x{i}", **m}
        arrays.update({f"x{i}/{k}": v for k, v in a.items()})
    return meta, arrays


def text_from_state(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    from synthwise.text.models import TextColumnModel

    models = {}
    for name, m in meta.items():
        prefix = f"{m['key']}/"
        own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        models[name] = TextColumnModel.from_state(m, own)
    return models


def _corpus_schema(data: pd.DataFrame, schema: Schema, *, given: bool) -> Schema:
    """A one-column table of strings is a corpus: its column is text even where inference saw short,
    repeated lines as categories (a schema the user gave is kept as written)."""
    strings = data.iloc[:, 0].dtype == object or pd.api.types.is_string_dtype(data.iloc[:, 0])
    if given or schema.of_kind("text") or len(schema.columns) != 1 or not strings:
        return schema
    from dataclasses import replace

    col = schema.columns[0]
    text = replace(col, kind="text", categories=(), why="a corpus: the only column of the file")
    return Schema(columns=(text,), n_rows=schema.n_rows)


def _public_corpus_schema(schema: Schema) -> Schema:
    """A private corpus's schema without the facts counted from its texts (distinct texts, the share
    missing): only names, kinds and types remain. Missing texts are not reproduced. The number of texts
    is public, as DP-SGD's accountant (its sampling rate) and the default sample size take it to be."""
    from dataclasses import replace

    cols = tuple(
        replace(c, n_unique=0, missing_rate=0.0, why="a private corpus: counted facts dropped")
        for c in schema.columns
    )
    return Schema(columns=cols, n_rows=schema.n_rows)


class _TextGenerator(Generator):
    """Base of the ``text_*`` generators: other columns by ``tabular``, text by ``kind``."""

    kind: ClassVar[str] = ""
    tabular: str
    privacy: str
    epsilon: float | None = None  # the text model's privacy budget (text_ngram, text_lstm); None: none
    delta: float | None = None
    capabilities = Capabilities(conditions="rejection", deterministic=True)

    def _text_params(self) -> dict[str, Any]:
        return {k: v for k, v in self.get_params().items() if k not in ("seed", "tabular", "privacy")}

    def _validate_params(self) -> None:
        from synthwise.generators.registry import names

        if (
            not isinstance(self.tabular, str)
            or self.tabular not in names()
            or self.tabular in TEXT_GENERATORS
        ):
            raise InvalidParameterError.expected(
                "tabular", type(self).__name__, "the name of a tabular generator (e.g. cart)", self.tabular
            )
        from synthwise.text.models import resolve_params

        resolve_params(self.kind, self._text_params())

    def _fit_data(self, data: pd.DataFrame, schema: Schema | None, rng: np.random.Generator) -> None:
        from synthwise.generators import create, get

        self.schema_ = _corpus_schema(data, checked_schema(data, schema), given=schema is not None)
        self.columns_ = list(data.columns)
        self.n_rows_ = len(data)
        texts = [c.name for c in self.schema_.of_kind("text")]
        rest = [c for c in self.columns_ if c not in texts]
        self.inner_: Generator | None = None
        ledger = None
        if self.epsilon is not None:
            if rest:
                raise InvalidParameterError(
                    f"{self.name} with epsilon learns its text model privately, but columns {rest} are "
                    "not text and no private model would cover them. Fix: fit on the text columns alone "
                    "(a corpus), or drop epsilon."
                )
            ledger = BudgetLedger(epsilon=float(self.epsilon), delta=float(self.delta or DP_DELTA))
        sub = Schema(
            columns=tuple(c for c in self.schema_.columns if c.name in rest), n_rows=self.schema_.n_rows
        )
        if rest:
            inner_params = {"privacy": self.privacy} if "privacy" in get(self.tabular)._param_names() else {}
            self.inner_ = create(self.tabular, seed=int(rng.integers(2**31)), **inner_params)
            self.inner_.set_text_model("text_ngram")  # no text left in its table anyway
            self.inner_.fit(data[rest], sub)
            self.transformer_ = self.inner_.transformer_
        else:
            self.transformer_ = TableTransformer(sub).fit(data[rest])
        self.text_models_ = fit_text_columns(
            data, self.schema_, self.name, self._text_params(), rng, ledger=ledger
        )
        if ledger is not None:
            self.ledger_ = ledger
            self.schema_ = _public_corpus_schema(self.schema_)

    def _sample_data(
        self,
        n: int,
        conditions: Conditions,
        rng: np.random.Generator,
        max_rejection_s: float,
        id_start: int = 0,
    ) -> pd.DataFrame:
        if self.inner_ is not None:
            rows = self.inner_._sample_data(n, conditions, rng, max_rejection_s, id_start)
        else:
            if conditions is not None:
                raise InvalidParameterError(
                    "A text corpus has no columns to condition on. Fix: sample without conditions."
                )
            rows = pd.DataFrame(index=pd.RangeIndex(n))
        for c in self.schema_.of_kind("text"):
            rows[c.name] = pd.Series([None] * len(rows), dtype=object)
        out = generate_text_columns(rows, self.schema_, self.text_models_, rng)
        return out[self.columns_]

    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        ledger = {"ledger": self.ledger_.to_dict()} if hasattr(self, "ledger_") else {}
        if self.inner_ is None:
            return {"inner": None, **ledger}, {}
        fields, arrays = self.inner_.state()
        meta = {"inner": {"name": self.inner_.name, **fields}, **ledger}
        return meta, {f"inner/{k}": v for k, v in arrays.items()}

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        from synthwise.generators import get

        if meta.get("ledger"):
            self.ledger_ = BudgetLedger.from_dict(meta["ledger"])
        self.inner_ = None
        if meta.get("inner"):
            own = {k[len("inner/") :]: v for k, v in arrays.items() if k.startswith("inner/")}
            self.inner_ = get(meta["inner"]["name"]).restore(meta["inner"], own)
            self.transformer_ = self.inner_.transformer_


@register_generator("text_ngram")
class TextNgram(_TextGenerator):
    summary = "Free text by a smoothed word n-gram (the text baseline); other columns by a tabular generator."
    kind = "ngram"
    __doc__ = """Smoothed word n-gram for free text (see the module docstring).

    ``epsilon`` (and ``delta``, 1e-6 by default) make it differentially private, on a corpus only
    (text columns alone): the vocabulary and the counts of every order are Gaussian noisy histograms
    that keep only keys above a threshold (:mod:`synthwise.text.dp_ngram`); one text adds to at most
    ``max_ngrams`` keys per order (a larger bound keeps more of long texts but adds noise to all; None,
    the default, takes the texts' median length, chosen privately for 2 % of the budget). The
    budget is split evenly between the text columns and recorded in ``ledger_`` (saved in the model
    file). Words and phrases too rare to clear the threshold never appear. ``order`` (None: 3, or 2
    with ``epsilon``: fewer releases share the budget, which measured better on tweets at epsilon 8:
    FD 0.66 against 0.75 with 4,000 texts, 0.44 against 0.45 with 14,761).
    """

    def __init__(
        self,
        *,
        order: int | None = None,
        epsilon: float | None = None,
        delta: float | None = None,
        max_ngrams: int | None = None,
        tabular: str = "cart",
        privacy: str = "strict",
        seed: Seed = None,
    ) -> None:
        self.order = order
        self.epsilon, self.delta = epsilon, delta
        self.max_ngrams = max_ngrams
        self.tabular = tabular
        self.privacy = privacy
        self.seed = seed


class _NeuralText(_TextGenerator):
    capabilities = Capabilities(conditions="rejection", extra="deep", deterministic=True)


@register_generator("text_lstm")
class TextLSTM(_NeuralText):
    summary = (
        "Free text by a subword LSTM trained from scratch (BPE), conditioned on the row's other columns."
    )
    kind = "lstm"
    __doc__ = """Subword LSTM for free text (see the module docstring).

    ``epsilon`` (and ``delta``, 1e-6 by default) train it under differential privacy, on a corpus only
    (text columns alone): DP-SGD through opacus on every text, the budget split evenly between the
    text columns and recorded in ``ledger_`` (saved in the model file). Nothing else reads the texts:
    the tokens are the 256 bytes (no BPE learned from them), ``max_len`` counts bytes, the model is
    unconditional, and there is no validation split, early stopping or near-copy guard (DP bounds
    what any text can leave in the weights). Larger ``batch_size`` lets the same epsilon add less
    noise per step.
    """

    def __init__(
        self,
        *,
        max_time_s: float | None = 300.0,
        epochs: int = 30,
        vocab_size: int = 1000,
        dim: int = 128,
        hidden: int = 256,
        layers: int = 1,
        max_len: int = 128,
        batch_size: int = 64,
        lr: float = 3e-3,
        temperature: float = 1.0,
        top_p: float = 0.95,
        guard: bool = True,
        verbose: bool = True,
        epsilon: float | None = None,
        delta: float | None = None,
        tabular: str = "cart",
        privacy: str = "strict",
        seed: Seed = None,
    ) -> None:
        self.max_time_s, self.epochs, self.vocab_size = max_time_s, epochs, vocab_size
        self.dim, self.hidden, self.layers, self.max_len = dim, hidden, layers, max_len
        self.batch_size, self.lr, self.temperature, self.top_p = batch_size, lr, temperature, top_p
        self.guard, self.verbose, self.tabular, self.seed = guard, verbose, tabular, seed
        self.epsilon, self.delta = epsilon, delta
        self.privacy = privacy


@register_generator("text_transformer")
class TextTransformer(_NeuralText):
    summary = "Free text by a small decoder-only transformer trained from scratch (BPE), row-conditioned."
    kind = "transformer"

    def __init__(
        self,
        *,
        max_time_s: float | None = 300.0,
        epochs: int = 30,
        vocab_size: int = 1000,
        dim: int = 128,
        hidden: int = 256,
        layers: int = 2,
        heads: int = 4,
        max_len: int = 128,
        batch_size: int = 64,
        lr: float = 2e-3,
        temperature: float = 1.0,
        top_p: float = 0.95,
        guard: bool = True,
        verbose: bool = True,
        tabular: str = "cart",
        privacy: str = "strict",
        seed: Seed = None,
    ) -> None:
        self.max_time_s, self.epochs, self.vocab_size = max_time_s, epochs, vocab_size
        self.dim, self.hidden, self.layers, self.heads, self.max_len = dim, hidden, layers, heads, max_len
        self.batch_size, self.lr, self.temperature, self.top_p = batch_size, lr, temperature, top_p
        self.guard, self.verbose, self.tabular, self.seed = guard, verbose, tabular, seed
        self.privacy = privacy
