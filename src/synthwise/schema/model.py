"""The schema: what each column is (its kind) and what it holds, independent of pandas dtypes.

A :class:`Schema` is frozen and round-trips through JSON / YAML, so users can infer it once, edit it
and pass it back (``synthwise schema data.csv --json schema.json`` then ``--schema schema.json``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from synthwise.errors import DataError
from synthwise.pii import KINDS as PII_KINDS

Kind = Literal[
    "numeric", "categorical", "boolean", "datetime", "time", "identifier", "pii", "text", "constant"
]
KINDS: tuple[str, ...] = (
    "numeric",
    "categorical",
    "boolean",
    "datetime",
    "time",  # time of day or duration: seconds since midnight / elapsed, written in datetime_format
    "identifier",
    "pii",
    "text",
    "constant",
)
Role = Literal["entity", "sequence_index"]
# personal-data kinds a column of kind "pii" holds, regenerated with fakes; date_of_birth stays a datetime
# column and free text a text column: both are modelled
REGENERATED = tuple(k for k in PII_KINDS if k not in ("date_of_birth", "free_text"))

SCHEMA_FORMAT = "synthwise.schema/1"
# the one category of a long-tail categorical that stands for all its rare values (ColumnSchema.min_count)
TAIL = "<rare values>"
DEFAULT_MIN_COUNT = 5  # a value seen fewer times than this is in the tail


@dataclass(frozen=True)
class ColumnSchema:
    """One column: its kind, its original dtype and the facts generators need to stay faithful.

    Only the fields relevant to ``kind`` are set; the others keep their defaults.
    """

    name: str
    kind: Kind
    dtype: str = "object"
    missing_rate: float = 0.0
    n_unique: int = 0
    # numeric
    integer: bool = False
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    # categorical / boolean / constant: the real domain, in first-seen order of the sorted values
    categories: tuple[Any, ...] = ()
    # datetime / time: strftime format plus synthwise.schema.datetimes' extensions (%-d, %^b, %3f, %:z)
    datetime_format: str | None = None  # strftime format when the source holds strings; None for datetime64
    timezone: str | None = None
    resolution: str | None = None  # smallest unit every value is a multiple of: "D", "s", "ms", "us", "ns"
    # identifier: a template such as "int", "uuid", or a prefix plus digit count ("ID-{:06d}")
    id_template: str | None = None
    # pii: personal data, regenerated with fakes of this kind ("name", "email", "phone", ...)
    pii_kind: str | None = None
    # sequences
    role: Role | None = None
    # boolean written as text: its two spellings (false, true), e.g. ("No", "Yes"); () for real booleans
    bool_labels: tuple[str, ...] = ()
    # numeric with special values: the non-numeric codes it also holds ("T", "*", "N/A"), learned through a
    # categorical side channel (synthwise.transforms.special)
    special_values: tuple[str, ...] = ()
    # numbers written as text: a str.format template for one number ("{:.2f}", "{!r}"); None = real numbers
    number_format: str | None = None
    # long-tail categorical: values seen fewer than min_count times are one extra category, the last of
    # ``categories`` (TAIL); each tail draw gets a new value at decoding: tail="chars" a character model of
    # the tail values (synthwise.transforms.tail), tail="frequent" a draw from the frequent values
    min_count: int | None = None
    tail: str | None = None
    # identifier repeated across rows (a case key): decoding keeps the real rows-per-key distribution
    repeats: bool = False
    # why inference chose this kind, for `synthwise schema` ("98.9 % numbers + 3 codes: T, M, *")
    why: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(
                f"Column {self.name!r}: unknown kind {self.kind!r}. Fix: use one of {', '.join(KINDS)}."
            )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        defaults = {f.name: f.default for f in fields(self)}
        for key, value in asdict(self).items():
            if key in out or value == defaults.get(key):
                continue
            out[key] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnSchema:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        name = str(data.get("name", "?"))
        if unknown:
            raise DataError(
                f"Column {name!r}: unknown schema keys {sorted(unknown)}. Fix: use only {sorted(known)}."
            )
        if "name" not in data or "kind" not in data:
            raise DataError(f"Column {name!r}: a schema entry needs 'name' and 'kind'. Fix: add them.")
        kwargs = dict(data)
        for key in ("categories", "bool_labels", "special_values"):
            if key in kwargs:
                kwargs[key] = tuple(kwargs[key])
        return cls(**kwargs)


@dataclass(frozen=True)
class Schema:
    """All columns of a table, in order, plus table-level roles for sequential data."""

    columns: tuple[ColumnSchema, ...]
    n_rows: int = 0
    entity: str | None = None
    sequence_index: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise DataError(f"Schema: duplicate column names {dupes}. Fix: give every column a unique name.")
        for role in (self.entity, self.sequence_index):
            if role is not None and role not in names:
                raise DataError(f"Column {role!r}: named as a role but not in the schema. Fix: add it.")

    # -- access ---------------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnSchema:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.columns)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def of_kind(self, *kinds: str) -> list[ColumnSchema]:
        return [c for c in self.columns if c.kind in kinds]

    def with_column(self, column: ColumnSchema) -> Schema:
        """A copy with one column replaced (matched by name)."""
        cols = tuple(column if c.name == column.name else c for c in self.columns)
        return replace(self, columns=cols)

    # -- serialization --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": SCHEMA_FORMAT, "n_rows": self.n_rows}
        if self.entity:
            out["entity"] = self.entity
        if self.sequence_index:
            out["sequence_index"] = self.sequence_index
        out["columns"] = [c.to_dict() for c in self.columns]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Schema:
        if not isinstance(data, dict) or "columns" not in data:
            raise DataError("Schema: no 'columns' list found. Fix: write the schema as {'columns': [...]}.")
        fmt = data.get("format", SCHEMA_FORMAT)
        if fmt != SCHEMA_FORMAT:
            raise DataError(f"Schema: unknown format {fmt!r}. Fix: regenerate it with 'synthwise schema'.")
        cols = tuple(ColumnSchema.from_dict(c) for c in data["columns"])
        return cls(
            columns=cols,
            n_rows=int(data.get("n_rows", 0)),
            entity=data.get("entity"),
            sequence_index=data.get("sequence_index"),
        )

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, default=_json_default, ensure_ascii=False)
        if path is not None:
            from synthwise.io import write_text

            write_text(text + "\n", path)
        return text

    @classmethod
    def from_json(cls, text: str) -> Schema:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Schema:
        """Load a schema from a .json or .yaml / .yml file."""
        p = Path(path)
        if not p.exists():
            raise DataError(f"Schema file {str(p)!r} does not exist. Fix: check the path.")
        text = p.read_text(encoding="utf-8")
        try:
            if p.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except Exception as exc:
            raise DataError(
                f"Schema file {str(p)!r} cannot be parsed: {exc}. Fix: check its syntax."
            ) from exc
        return cls.from_dict(data)


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
