"""schema.resolve: a schema file as an override of inference, or as written for a DP fit; checked first."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from synthwise.errors import ColumnError, DataError, InvalidParameterError
from synthwise.schema import Schema, infer_schema, resolve


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 1, 2, 2, 3, 3],
            "day": [0, 5, 0, 3, 0, 7],
            "code": [10, 20, 10, 30, 20, 10],
            "city": ["a", "b", "a", "c", "b", "a"],
        }
    )


def _write(path: Path, columns: list[dict[str, object]], **table: object) -> Path:
    path.write_text(json.dumps({"columns": columns, **table}), encoding="utf-8")
    return path


def test_no_schema_is_inference(frame: pd.DataFrame) -> None:
    assert resolve(frame) == infer_schema(frame)


def test_a_file_overrides_the_columns_it_names(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = _write(tmp_path / "s.json", [{"name": "code", "kind": "categorical"}])
    inferred = infer_schema(frame)
    out = resolve(frame, path)
    assert out["code"].kind == "categorical" and inferred["code"].kind == "numeric"
    assert out == infer_schema(frame, overrides={"code": {"kind": "categorical"}})
    assert resolve(frame, str(path)) == out
    assert out.names == list(frame.columns) and out.n_rows == len(frame)


def test_a_schema_object_is_applied_like_a_file(frame: pd.DataFrame) -> None:
    partial = Schema(columns=(infer_schema(frame)["city"],))
    assert resolve(frame, partial) == infer_schema(frame, overrides=partial)


def test_roles_come_from_the_arguments_else_from_the_file(frame: pd.DataFrame, tmp_path: Path) -> None:
    full = infer_schema(frame, entity="id", sequence_index="day").to_dict()
    path = tmp_path / "s.json"
    path.write_text(json.dumps(full), encoding="utf-8")
    from_file = resolve(frame, path)
    assert (from_file.entity, from_file.sequence_index) == ("id", "day")
    from_args = resolve(frame, entity="id", sequence_index="day")
    assert (from_args.entity, from_args.sequence_index) == ("id", "day")
    assert from_args == from_file


def test_a_column_the_data_lacks_is_an_error_listing_each(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "s.json", [{"name": "salary", "kind": "numeric"}, {"name": "age", "kind": "numeric"}]
    )
    for private in (False, True):
        with pytest.raises(ColumnError) as info:
            resolve(frame, path, differential_privacy=private)
        assert info.value.columns == ["salary", "age"]
        assert "Column 'salary': is in the schema but not in the data. Fix:" in str(info.value)


def test_a_missing_or_broken_file_is_one_clear_line(frame: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"does not exist\. Fix"):
        resolve(frame, tmp_path / "nope.json")
    broken = tmp_path / "b.yaml"
    broken.write_text("columns: [", encoding="utf-8")
    with pytest.raises(DataError, match="cannot be parsed") as info:
        resolve(frame, broken)
    assert "Fix:" in str(info.value)


def test_a_dp_fit_uses_the_file_as_written_and_infers_nothing(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = _write(tmp_path / "s.json", [{"name": "city", "kind": "categorical", "categories": ["a", "b"]}])
    out = resolve(frame, path, differential_privacy=True)
    assert out == Schema.from_file(path)
    assert out is not None and out.names == ["city"] and out.n_rows == 0
    assert resolve(frame, differential_privacy=True) is None


def test_a_dp_fit_takes_no_roles(frame: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="differentially private fit takes no entity"):
        resolve(frame, differential_privacy=True, entity="id")
