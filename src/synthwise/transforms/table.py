"""TableTransformer: a whole table to per-column numeric codes, and back.

``to_codes`` / ``from_codes``: one float column per encoded column (numeric value, category code, 0/1,
seconds since the epoch), NaN where missing. Every generator works on codes (deep ones build their own
network inputs from them: :mod:`synthwise.deep.encoding`). ``fit_codes`` fits the transformer and
returns the table's codes, encoding it once.

Identifier columns are not encoded: decoding generates fresh keys. Text columns are not encoded either:
decoding draws new text from a word-bigram model fitted on the column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import NotFittedError
from synthwise.schema import ColumnSchema, Schema
from synthwise.transforms.boolean import decode_bool_labels, encode_bool_labels
from synthwise.transforms.categorical import decode_categorical, encode_categorical
from synthwise.transforms.datetime import decode_datetime, decode_time, encode_datetime, encode_time
from synthwise.transforms.learned import LearnedValues
from synthwise.transforms.numeric import decode_numeric, encode_numeric
from synthwise.transforms.pii import generate_pii
from synthwise.transforms.special import (
    code_columns,
    decode_special,
    encode_special,
    has_side_channel,
    side_name,
)
from synthwise.transforms.text import TextModel

ENCODED_KINDS = ("numeric", "categorical", "boolean", "datetime", "time", "constant")
DISCRETE_KINDS = ("categorical", "boolean", "constant")


def encode_column(s: pd.Series, col: ColumnSchema, *, unseen: str = "error") -> np.ndarray:
    """One column to float codes (NaN for missing); for a column with special values, its numbers
    (:func:`encode_columns` gives the side channel too)."""
    if has_side_channel(col):
        return encode_special(s, col, unseen=unseen)[0]
    if col.kind == "boolean" and col.bool_labels:
        return encode_bool_labels(s, col, unseen=unseen)
    if col.kind == "numeric":
        return encode_numeric(s, col)
    if col.kind == "datetime":
        return encode_datetime(s, col)
    if col.kind == "time":
        return encode_time(s, col)
    if col.kind in DISCRETE_KINDS:
        return encode_categorical(s, col, unseen=unseen)
    raise ValueError(f"column {col.name!r} of kind {col.kind!r} has no numeric encoding")


def decode_column(codes: np.ndarray, col: ColumnSchema, *, clip: bool = True) -> pd.Series:
    """Float codes back to a column with the original dtype."""
    if col.kind == "boolean" and col.bool_labels:
        return decode_bool_labels(codes, col)
    if col.kind == "numeric":
        return decode_numeric(codes, col, clip=clip)
    if col.kind == "datetime":
        return decode_datetime(codes, col, clip=clip)
    if col.kind == "time":
        return decode_time(codes, col, clip=clip)
    if col.kind in DISCRETE_KINDS:
        return decode_categorical(codes, col)
    raise ValueError(f"column {col.name!r} of kind {col.kind!r} has no numeric encoding")


def encode_columns(s: pd.Series, col: ColumnSchema, *, unseen: str = "error") -> dict[str, np.ndarray]:
    """One schema column to its code columns by name: itself, or its value and side channel."""
    if has_side_channel(col):
        values, side = encode_special(s, col, unseen=unseen)
        return {col.name: values, side_name(col.name): side}
    return {col.name: encode_column(s, col, unseen=unseen)}


class TableTransformer:
    """Reversible encoding of a table described by a :class:`Schema`."""

    def __init__(self, schema: Schema, *, clip: bool = True) -> None:
        self.schema = schema
        self.clip = clip
        self.text_models_: dict[str, TextModel] = {}
        self.none_columns_: list[str] = []  # object columns whose missing values are None, not NaN
        self.learned_ = LearnedValues()  # long-tail models, rows per repeated key
        self.fitted_ = False

    @property
    def encoded(self) -> list[ColumnSchema]:
        """One entry per code column, in order: a numeric column with special values gives two (its
        value column and its categorical side channel, :mod:`synthwise.transforms.special`)."""
        return [cc for c in self.schema.columns if is_encoded(c) for cc in code_columns(c)]

    @property
    def code_schema(self) -> Schema:
        """The schema of the code columns: what a generator looks up for a code column's kind and facts."""
        return Schema(columns=tuple(self.encoded), n_rows=self.schema.n_rows)

    def fit(self, df: pd.DataFrame) -> TableTransformer:
        """Learn what decoding needs beyond the schema: text models, columns whose missing is None."""
        self.text_models_ = {c.name: TextModel.fit(df[c.name]) for c in self.schema.of_kind("text")}
        self.none_columns_ = [str(c) for c in df.columns if _missing_is_none(df[c])]
        self.learned_ = LearnedValues.fit(df, self.schema)
        self.fitted_ = True
        return self

    def fit_codes(self, df: pd.DataFrame) -> pd.DataFrame:
        """Fit on ``df`` and return its codes: the one encoding of the table a generator's fit needs."""
        return self.fit(df).to_codes(df)

    # -- codes ----------------------------------------------------------------------------------------
    def to_codes(self, df: pd.DataFrame, *, unseen: str = "error") -> pd.DataFrame:
        data: dict[str, np.ndarray] = {}
        for c in self.schema.columns:
            if is_encoded(c):
                data.update(encode_columns(df[c.name], c, unseen=unseen))
        return pd.DataFrame(data, index=pd.RangeIndex(len(df)))

    def canonical_codes(self, codes: pd.DataFrame) -> pd.DataFrame:
        """The codes the decoded table would encode to: numbers, datetimes and times rounded, written
        with their decimals and clipped to the range as :meth:`from_codes` writes them (what a privacy
        check must look at: a perturbed integer rounds back to the real value)."""
        out = codes.copy()
        for col in self.schema.columns:
            if not is_encoded(col) or col.kind not in ("numeric", "datetime", "time"):
                continue
            if has_side_channel(col):
                side = codes[side_name(col.name)].to_numpy()
                series = decode_special(codes[col.name].to_numpy(), side, col, clip=self.clip)
            else:
                series = decode_column(codes[col.name].to_numpy(), col, clip=self.clip)
            for name, values in encode_columns(series, col, unseen="nan").items():
                out[name] = values
        return out

    def from_codes(self, codes: pd.DataFrame, *, rng: np.random.Generator, id_start: int = 0) -> pd.DataFrame:
        """Codes back to a full table in schema order; identifiers, personal data and text are generated
        fresh."""
        self._check_fitted()
        n = len(codes)
        out: dict[str, pd.Series] = {}
        for col in self.schema.columns:
            if has_side_channel(col):
                side = codes[side_name(col.name)].to_numpy()
                series = decode_special(codes[col.name].to_numpy(), side, col, clip=self.clip)
            elif is_encoded(col):
                series = decode_column(codes[col.name].to_numpy(), col, clip=self.clip)
                series = self.learned_.fill_tail(series, col, rng)  # long-tail: fresh tail values
            elif col.kind == "identifier":
                series = self.learned_.identifiers(col, n, rng, start=id_start, n_rows=self.schema.n_rows)
            elif col.kind == "pii":
                series = generate_pii(col, n, rng)
            elif col.kind == "constant":  # no value at all in the real data: all missing
                series = pd.Series(np.full(n, np.nan), dtype=col.dtype if col.dtype == "float64" else object)
            else:
                series = self._text(col, n, rng)
            series = series.reset_index(drop=True)
            if col.name in self.none_columns_ and series.dtype == object:
                series = series.astype(object).where(series.notna(), None)
            out[col.name] = series
        return pd.DataFrame(out)

    def _text(self, col: ColumnSchema, n: int, rng: np.random.Generator) -> pd.Series:
        model = self.text_models_[col.name]
        values = pd.Series(model.sample(n, rng), name=col.name, dtype=object)
        if col.missing_rate > 0:
            values[rng.random(n) < col.missing_rate] = np.nan
        return values if col.dtype == "object" else values.astype(col.dtype)

    # -- state for model files ------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta: dict[str, Any] = {"none_columns": self.none_columns_, "text": {}}
        arrays: dict[str, np.ndarray] = {}
        for i, (name, tm) in enumerate(self.text_models_.items()):
            meta["text"][name] = {"key": f"text{i}", "vocab": list(tm.vocab)}
            arrays[f"text{i}_starts"] = tm.starts
            arrays[f"text{i}_pairs"] = tm.pairs
        meta["learned"], learned = self.learned_.state()
        arrays.update(learned)
        return meta, arrays

    @classmethod
    def from_state(
        cls, schema: Schema, meta: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> TableTransformer:
        tt = cls(schema)
        tt.none_columns_ = list(meta.get("none_columns", []))
        for name, info in meta.get("text", {}).items():
            key = info["key"]
            tt.text_models_[name] = TextModel(
                tuple(info["vocab"]), arrays[f"{key}_starts"], arrays[f"{key}_pairs"]
            )
        for col in schema.of_kind("text"):  # a text column learned from nothing (differential privacy)
            tt.text_models_.setdefault(col.name, TextModel.placeholder())
        tt.learned_ = LearnedValues.from_state(meta.get("learned", {}), arrays)
        tt.fitted_ = True
        return tt

    def _check_fitted(self) -> None:
        if not self.fitted_:
            raise NotFittedError("This TableTransformer is not fitted yet. Fix: call fit(df) first.")


def is_encoded(col: ColumnSchema) -> bool:
    """Whether a column has code columns: every encoded kind except a constant with no value (a column
    missing in every real row is written back as missing and gives generators nothing to learn)."""
    return col.kind in ENCODED_KINDS and not (col.kind == "constant" and not col.categories)


def _missing_is_none(s: pd.Series) -> bool:
    if s.dtype != object:
        return False
    missing = s[s.isna()]
    return len(missing) > 0 and missing.iloc[0] is None


def row_hashes(codes: pd.DataFrame, key: str = "0123456789123456") -> np.ndarray:
    """A 64-bit hash of each row's codes (NaN hashes equal to NaN), seeded by ``key`` (16 characters)."""
    if codes.shape[1] == 0:
        return np.zeros(len(codes), dtype=np.uint64)
    return pd.util.hash_pandas_object(codes, index=False, hash_key=key).to_numpy(dtype=np.uint64)
