"""Relational metadata: tables (columns with portable SQL types, a primary key) and foreign keys.

:class:`RelationalMetadata` is frozen and round-trips through JSON / YAML, so users can read it once
(``synthwise schema sqlite:///in.db --json meta.json``), edit it and pass it back (``--schema``).
Foreign keys may be composite. Generation needs the tables in parents-first order
(:meth:`RelationalMetadata.order`); a self-reference or a cycle is refused with one line naming the
tables and the fix.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthwise.errors import DataError

METADATA_FORMAT = "synthwise.relational/1"
# portable column types: what every backend (SQLite, DuckDB, PostgreSQL, Parquet) can write back
TYPES = ("integer", "bigint", "float", "numeric", "boolean", "string", "text", "date", "datetime", "time")


@dataclass(frozen=True)
class Column:
    """One column of a table: its portable SQL type and whether it may hold NULL."""

    name: str
    type: str = "string"
    nullable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "nullable": self.nullable}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Column:
        return cls(str(data["name"]), str(data.get("type", "string")), bool(data.get("nullable", True)))


@dataclass(frozen=True)
class Table:
    """A table: its columns in order and its primary key (possibly composite, possibly empty).

    ``sequence_index``: the column that orders the rows of one parent (a patient's visits by date): the
    table is then generated as sequences, one per parent, by a sequential generator.
    """

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    sequence_index: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "primary_key": list(self.primary_key),
            "columns": [c.to_dict() for c in self.columns],
        }
        if self.sequence_index is not None:
            out["sequence_index"] = self.sequence_index
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        index = data.get("sequence_index")
        return cls(
            str(data["name"]),
            tuple(Column.from_dict(c) for c in data.get("columns", [])),
            tuple(map(str, data.get("primary_key", []))),
            None if index is None else str(index),
        )


@dataclass(frozen=True)
class ForeignKey:
    """``child(columns)`` references ``parent(parent_columns)``; composite when several columns."""

    child: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.child}({', '.join(self.columns)}) -> {self.parent}({', '.join(self.parent_columns)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "child": self.child,
            "columns": list(self.columns),
            "parent": self.parent,
            "parent_columns": list(self.parent_columns),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ForeignKey:
        cols = data["columns"]
        parent_cols = data.get("parent_columns", cols)
        return cls(
            str(data["child"]),
            tuple(map(str, [cols] if isinstance(cols, str) else cols)),
            str(data["parent"]),
            tuple(map(str, [parent_cols] if isinstance(parent_cols, str) else parent_cols)),
        )


@dataclass(frozen=True)
class RelationalMetadata:
    """Tables and the foreign keys between them."""

    tables: tuple[Table, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tables]

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise DataError(f"No table {name!r} in the metadata. Fix: use one of {self.names}.")

    def parents(self, name: str) -> list[ForeignKey]:
        """The foreign keys of table ``name`` (it is their child)."""
        return [fk for fk in self.foreign_keys if fk.child == name]

    def children(self, name: str) -> list[ForeignKey]:
        """The foreign keys that reference table ``name``."""
        return [fk for fk in self.foreign_keys if fk.parent == name]

    def problems(self) -> list[str]:
        """Every inconsistency (unknown tables or columns, key shape), gathered; empty when sound."""
        out: list[str] = []
        seen: set[str] = set()
        tables = {t.name: t for t in self.tables}
        for t in self.tables:
            if t.name in seen:
                out.append(f"Table {t.name!r} is listed twice. Fix: keep one entry per table.")
            seen.add(t.name)
            missing = [c for c in t.primary_key if c not in t.column_names]
            if missing:
                out.append(f"Table {t.name!r}: primary key columns {missing} are not columns of the table.")
            bad = [c.name for c in t.columns if c.type not in TYPES]
            if bad:
                out.append(f"Table {t.name!r}: columns {bad} have unknown types. Fix: use one of {TYPES}.")
            if t.sequence_index is not None and t.sequence_index not in t.column_names:
                out.append(
                    f"Table {t.name!r}: its sequence_index {t.sequence_index!r} is not a column of it. "
                    f"Fix: name one of {t.column_names}, or drop sequence_index."
                )
            elif t.sequence_index is not None and not any(fk.child == t.name for fk in self.foreign_keys):
                out.append(
                    f"Table {t.name!r} has a sequence_index but no parent: its rows are one sequence per "
                    "parent. Fix: declare the foreign key to its parent, or drop sequence_index."
                )
        for fk in self.foreign_keys:
            if fk.child not in tables or fk.parent not in tables:
                unknown = [n for n in (fk.child, fk.parent) if n not in tables]
                out.append(f"Foreign key {fk.name}: unknown table {unknown}. Fix: use one of {self.names}.")
                continue
            if len(fk.columns) != len(fk.parent_columns) or not fk.columns:
                out.append(f"Foreign key {fk.name}: the two column lists differ in length.")
            for side, cols in ((tables[fk.child], fk.columns), (tables[fk.parent], fk.parent_columns)):
                missing = [c for c in cols if c not in side.column_names]
                if missing:
                    out.append(f"Foreign key {fk.name}: {missing} are not columns of {side.name!r}.")
            if tuple(fk.parent_columns) != tables[fk.parent].primary_key:
                out.append(
                    f"Foreign key {fk.name}: it must reference the primary key of {fk.parent!r} "
                    f"({list(tables[fk.parent].primary_key) or 'none declared'}). Fix: declare that key as "
                    f"the primary key of {fk.parent!r}, or point the foreign key at it."
                )
        return out

    def validate(self) -> RelationalMetadata:
        """Raise one :class:`DataError` listing every problem; return ``self`` when sound."""
        found = self.problems()
        if found:
            raise DataError("\n".join(found))
        return self

    def order(self) -> list[str]:
        """The tables parents first (ties in metadata order). A self-reference or a cycle raises."""
        self.validate()
        for fk in self.foreign_keys:
            if fk.child == fk.parent:
                raise DataError(
                    f"Table {fk.child!r} references itself ({fk.name}); self-references are not supported. "
                    "Fix: drop that foreign key from the metadata ('synthwise schema DB --json meta.json', "
                    "edit, then pass --schema meta.json), or move the hierarchy into a table of its own."
                )
        done: list[str] = []
        left = self.names
        while left:
            ready = [n for n in left if all(fk.parent in done for fk in self.parents(n))]
            if not ready:
                cycle = _cycle(self, left)
                raise DataError(
                    f"The foreign keys form a cycle: {' -> '.join(cycle)}; parents must be generated "
                    "before their children, so a cycle has no first table. Fix: drop one foreign key of "
                    "the cycle from the metadata ('synthwise schema DB --json meta.json', edit, then pass "
                    "--schema meta.json)."
                )
            done.extend(ready)
            left = [n for n in left if n not in ready]
        return done

    # -- serialization --------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": METADATA_FORMAT,
            "tables": [t.to_dict() for t in self.tables],
            "foreign_keys": [fk.to_dict() for fk in self.foreign_keys],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RelationalMetadata:
        if not isinstance(data, dict) or "tables" not in data:
            raise DataError(
                "Relational metadata: no 'tables' list found. "
                "Fix: write it as {'tables': [...], 'foreign_keys': [...]} "
                "(see 'synthwise schema DB --json')."
            )
        fmt = data.get("format", METADATA_FORMAT)
        if fmt != METADATA_FORMAT:
            raise DataError(
                f"Relational metadata: unknown format {fmt!r}. Fix: regenerate it with 'synthwise schema'."
            )
        try:
            tables = tuple(Table.from_dict(t) for t in data["tables"])
            fks = tuple(ForeignKey.from_dict(f) for f in data.get("foreign_keys", []) or [])
        except (KeyError, TypeError, AttributeError) as exc:
            raise DataError(
                f"Relational metadata: an entry lacks {exc}. Fix: every table needs 'name' and 'columns', "
                "every foreign key 'child', 'columns' and 'parent'."
            ) from exc
        return cls(tables, fks).validate()

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
        if path is not None:
            from synthwise.io import write_text

            if Path(path).suffix.lower() in (".yaml", ".yml"):
                import yaml

                write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), path)
            else:
                write_text(text + "\n", path)
        return text

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> RelationalMetadata:
        """Load metadata from a .json or .yaml / .yml file."""
        p = Path(path)
        if not p.exists():
            raise DataError(f"Metadata file {str(p)!r} does not exist. Fix: check the path.")
        text = p.read_text(encoding="utf-8")
        try:
            if p.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except Exception as exc:
            raise DataError(
                f"Metadata file {str(p)!r} cannot be parsed: {exc}. Fix: check its syntax."
            ) from exc
        return cls.from_dict(data)


def _cycle(meta: RelationalMetadata, left: list[str]) -> list[str]:
    """One cycle among the tables ``left`` (each has a parent among them), as ``[a, b, ..., a]``."""
    path = [left[0]]
    while True:
        parent = next(fk.parent for fk in meta.parents(path[-1]) if fk.parent in left)
        if parent in path:
            return [*path[path.index(parent) :], parent]
        path.append(parent)
