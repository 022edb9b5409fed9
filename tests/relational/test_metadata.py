"""Relational metadata: round trips, validation gathered at once, cycles and self-references refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthwise.errors import DataError
from synthwise.relational import Column, ForeignKey, RelationalMetadata, Table


def _meta(*fks: ForeignKey) -> RelationalMetadata:
    tables = tuple(
        Table(name, (Column("id", "integer", False), Column("ref", "integer"), Column("x", "float")), ("id",))
        for name in ("a", "b", "c")
    )
    return RelationalMetadata(tables, fks)


def test_json_and_yaml_round_trip_keep_composite_keys(tmp_path: Path) -> None:
    tables = (
        Table(
            "weather",
            (Column("origin"), Column("hour", "datetime"), Column("t", "float")),
            ("origin", "hour"),
        ),
        Table("flights", (Column("origin"), Column("hour", "datetime"), Column("delay", "float"))),
    )
    meta = RelationalMetadata(
        tables, (ForeignKey("flights", ("origin", "hour"), "weather", ("origin", "hour")),)
    )
    for name in ("meta.json", "meta.yaml"):
        meta.to_json(tmp_path / name)
        assert RelationalMetadata.from_file(tmp_path / name) == meta


def test_order_puts_parents_first() -> None:
    meta = _meta(ForeignKey("a", ("ref",), "c", ("id",)), ForeignKey("c", ("ref",), "b", ("id",)))
    assert meta.order() == ["b", "c", "a"]


def test_cycle_is_one_error_naming_the_tables_and_the_fix() -> None:
    meta = _meta(ForeignKey("a", ("ref",), "b", ("id",)), ForeignKey("b", ("ref",), "a", ("id",)))
    with pytest.raises(DataError) as err:
        meta.order()
    text = str(err.value)
    assert "cycle: a -> b -> a" in text and "Fix: drop one foreign key" in text
    assert "\n" not in text


def test_self_reference_is_refused_with_a_fix() -> None:
    meta = _meta(ForeignKey("a", ("ref",), "a", ("id",)))
    with pytest.raises(DataError, match=r"Table 'a' references itself .* Fix: drop that foreign key"):
        meta.order()


def test_every_problem_is_listed_at_once() -> None:
    meta = _meta(ForeignKey("a", ("nope",), "b", ("id",)), ForeignKey("a", ("ref",), "zzz", ("id",)))
    with pytest.raises(DataError) as err:
        meta.validate()
    assert "['nope'] are not columns of 'a'" in str(err.value)
    assert "unknown table ['zzz']" in str(err.value)


def test_foreign_key_must_reference_the_primary_key() -> None:
    meta = _meta(ForeignKey("a", ("ref",), "b", ("x",)))
    with pytest.raises(DataError, match="must reference the primary key of 'b'"):
        meta.validate()


def test_a_file_without_tables_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('{"foo": 1}')
    with pytest.raises(DataError, match="no 'tables' list"):
        RelationalMetadata.from_file(tmp_path / "m.json")
