from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.errors import ColumnError, DataError
from synthwise.schema import Schema, infer_schema


def test_infer_kinds_on_real_covid_table(covid: pd.DataFrame) -> None:
    schema = infer_schema(covid)
    kinds = {c.name: c.kind for c in schema}
    assert kinds["age"] == "numeric"
    assert kinds["result"] == "categorical"
    assert kinds["pan_day"] == "numeric" and schema["pan_day"].integer
    assert schema["payor_group"].missing_rate > 0.3
    assert schema["ct_result"].decimals is not None
    assert set(schema["result"].categories) == set(covid["result"].dropna().unique())


def test_infer_datetime_keeps_format_and_timezone() -> None:
    df = pd.DataFrame(
        {
            "day": ["2024-01-05", "2024-02-10", None, "2023-12-31"],
            "ts": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-02 11:30", "2024-03-01 00:00", "2024-05-05 05:05"]
            ).tz_localize("Europe/Berlin"),
        }
    )
    schema = infer_schema(df)
    assert schema["day"].kind == "datetime" and schema["day"].datetime_format == "%Y-%m-%d"
    assert schema["day"].resolution == "D"
    assert schema["ts"].kind == "datetime" and schema["ts"].timezone == "Europe/Berlin"


def test_infer_identifier_constant_boolean_text() -> None:
    n = 50
    df = pd.DataFrame(
        {
            "customer_id": [f"C-{i:05d}" for i in range(n)],
            "const": ["same"] * n,
            "flag": [i % 2 == 0 for i in range(n)],
            "note": [
                f"the patient number {i} reported pain in the left knee after walking" for i in range(n)
            ],
        }
    )
    schema = infer_schema(df)
    assert schema["customer_id"].kind == "identifier" and schema["customer_id"].id_template == "C-{:05d}"
    assert schema["const"].kind == "constant"
    assert schema["flag"].kind == "boolean"
    assert schema["note"].kind == "text"


def test_all_null_is_kept_and_numbers_with_a_stray_code_are_learned() -> None:
    # issue 13: an all-missing column is kept (kind constant, reproduced as missing), and numbers plus a
    # stray code ("abc") are numeric with a special value: neither is refused any more
    df = pd.DataFrame({"empty": [None] * 30, "mixed": ["1"] * 28 + ["abc", "2"], "ok": range(30)})
    schema = infer_schema(df)
    assert schema["empty"].kind == "constant" and schema["empty"].missing_rate == 1.0
    assert "missing" in (schema["empty"].why or "")
    mixed = schema["mixed"]
    assert mixed.kind == "numeric" and mixed.special_values == ("abc",) and mixed.integer


def test_an_all_null_column_forced_to_another_kind_is_reported() -> None:
    df = pd.DataFrame({"empty": [None] * 30, "ok": range(30)})
    with pytest.raises(ColumnError) as info:
        infer_schema(df, overrides={"empty": {"kind": "numeric"}})
    assert info.value.columns == ["empty"]
    assert "all 30 values are null" in str(info.value) and "Fix:" in str(info.value)


def test_too_many_categories_become_a_long_tail() -> None:
    # issue 13: more levels than max_categories is learned (frequent values + one tail), not refused
    words = ["".join(chr(97 + (i // 26**k) % 26) for k in range(3)) for i in range(2000)]
    df = pd.DataFrame({"code": [words[i % 2000] for i in range(4000)] + ["common"] * 10})
    col = infer_schema(df, max_categories=1000)["code"]
    assert col.kind == "categorical" and col.min_count == 5 and col.categories == ("common", "<rare values>")


@pytest.mark.parametrize("rows", [0, 1])
def test_too_few_rows(rows: int) -> None:
    with pytest.raises(DataError, match="row"):
        infer_schema(pd.DataFrame({"a": list(range(rows))}))


def test_schema_json_round_trip_and_override(tmp_path, covid: pd.DataFrame) -> None:
    schema = infer_schema(covid)
    path = tmp_path / "schema.json"
    schema.to_json(path)
    assert Schema.from_file(path) == schema
    forced = infer_schema(covid, overrides={"pan_day": {"kind": "categorical"}})
    assert forced["pan_day"].kind == "categorical"


def test_yaml_schema_file(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("columns:\n  - name: a\n    kind: numeric\n  - name: b\n    kind: categorical\n")
    schema = Schema.from_file(path)
    assert schema.names == ["a", "b"]


def test_unicode_column_names() -> None:
    df = pd.DataFrame({"größe": np.arange(10.0), "名前": list("abababcdcd")})
    schema = sw.infer_schema(df)
    assert schema.names == ["größe", "名前"]
