"""Number formats, booleans as words and the special-values rule (schema.numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.schema import infer_schema
from synthwise.schema.numbers import (
    bool_labels,
    detect_number_format,
    parse_number,
    split_special,
    write_number,
)
from synthwise.transforms import TableTransformer

TEMPLATES = ["{:,.2f}", "${:,.2f}", "€ {:.0f}", "{}%", "{:.1f}%", "dc:{}", "dc:{:,.2f}", "{:,}", "£{:,}"]


@pytest.mark.parametrize(
    ("values", "template"),
    [
        (["$1,234.50", "$12.00", "-$3.10"], "${:,.2f}"),
        (["1,234,567", "12", "999"], "{:,}"),
        (["12,5", "3,25", "100"], "dc:{}"),
        (["1.234,50", "12,00"], "dc:{:,.2f}"),
        (["12.5%", "3%", "100%"], "{}%"),
        (["€ 12", "€ 1.5", "€ 5"], "€ {}"),
    ],
)
def test_formats_are_detected_and_written_back(values: list[str], template: str) -> None:
    split = split_special(pd.Series(values, dtype="str"))
    assert split is not None and split.number_format == template and split.codes == ()
    assert [write_number(parse_number(v, template), template) for v in values] == values


@pytest.mark.parametrize("values", [["007", "012", "3"], ["a b", "c", "1"], ["1", "2", "3"]])
def test_leading_zeros_text_and_plain_numbers_are_no_format(values: list[str]) -> None:
    assert split_special(pd.Series(values, dtype="str")) is None


def test_a_sentence_is_not_a_code() -> None:
    s = pd.Series([str(i) for i in range(50)] + ["this is a shifted sentence of a tweet, not a code"])
    assert split_special(s) is None


@settings(max_examples=150, deadline=None)
@given(
    template=st.sampled_from(TEMPLATES),
    numbers=st.lists(st.floats(-1e7, 1e7, allow_nan=False), min_size=3, max_size=30),
    missing=st.integers(0, 3),
)
def test_round_trip_of_formatted_columns(template: str, numbers: list[float], missing: int) -> None:
    decimals = 2 if ".2f" in template else 1 if ".1f" in template else 0 if ".0f" in template else 3
    texts = [write_number(round(v, decimals), template) for v in numbers]
    assert [write_number(parse_number(t, template), template) for t in texts] == texts
    df = pd.DataFrame(
        {"v": pd.Series(texts + [np.nan] * missing, dtype="str"), "k": range(len(texts) + missing)}
    )
    schema = infer_schema(df)
    col = schema["v"]
    if col.kind != "numeric":  # e.g. every value equal, or too few distinct values: another kind, still exact
        return
    t = TableTransformer(schema).fit(df)
    back = t.from_codes(t.to_codes(df), rng=np.random.default_rng(0))
    pd.testing.assert_series_equal(back["v"], df["v"])


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        (["Yes", "No", "Yes"], ("No", "Yes")),
        (["y", "n"], ("n", "y")),
        (["T", "F"], ("F", "T")),
        (["TRUE", "false"], ("false", "TRUE")),
        (["1", "0"], ("0", "1")),
        (["No ", "Yes"], ("No ", "Yes")),
        (["Yes", "yes", "No"], None),
        (["Yes", "Maybe"], None),
    ],
)
def test_bool_labels(values: list[str], labels: tuple[str, str] | None) -> None:
    assert bool_labels(pd.Series(values)) == labels


@settings(max_examples=60, deadline=None)
@given(
    pair=st.sampled_from([("No", "Yes"), ("n", "Y"), ("F", "T"), ("false", "TRUE"), ("0", "1")]),
    flags=st.lists(st.sampled_from([0, 1, None]), min_size=4, max_size=40),
)
def test_boolean_words_round_trip(pair: tuple[str, str], flags: list[int | None]) -> None:
    if len({f for f in flags if f is not None}) < 2:
        flags = [0, 1, *flags]
    s = pd.Series([np.nan if f is None else pair[f] for f in flags], dtype="str")
    df = pd.DataFrame({"b": s})
    schema = infer_schema(df)
    assert schema["b"].kind == "boolean" and schema["b"].bool_labels == pair
    t = TableTransformer(schema).fit(df)
    pd.testing.assert_frame_equal(t.from_codes(t.to_codes(df), rng=np.random.default_rng(0)), df)


def test_detect_needs_one_prefix_and_suffix() -> None:
    assert detect_number_format(pd.Series(["$1", "€2", "$3"])) is None
