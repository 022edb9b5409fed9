"""A bad spec gets a message naming the line and the key of every mistake."""

from __future__ import annotations

import pytest

from synthwise.errors import SpecError
from synthwise.simulation import parse_spec

GOOD_HEAD = """tables:
  t:
    rows: 10
    key: id
    columns:
      id: "sequence(start=1)"
"""

CASES = [
    # (extra column lines under t.columns, expected line, expected key, expected words)
    ('      x: "lognorm(mu=0, sigma=1)"\n', 7, "tables.t.columns.x", "did you mean 'lognormal'"),
    ('      x: "normal(mu=0, sd=1)"\n', 7, "tables.t.columns.x", "has no argument 'sd'"),
    ('      x: "normal(mu=0, sigma=-1)"\n', 7, "tables.t.columns.x", "must be > 0"),
    ('      x: "gamma(scale=2)"\n', 7, "tables.t.columns.x", "needs the argument 'shape'"),
    (
        '      x: "normal(mu=3 + 1.1 * is_frud, sigma=1)"\n',
        7,
        "tables.t.columns.x",
        "'is_frud' is not a column",
    ),
    ("      x: {categorical: {a: 1, b: 2}, round: -1}\n", 7, "tables.t.columns.x.round", "'round' must be"),
    (
        "      x: {normal: {mu: 0, sigma: 1}, colour: red}\n",
        7,
        "tables.t.columns.x.colour",
        "unknown column key",
    ),
    (
        "      x: {empirical: [1, 2], weights: [1]}\n",
        7,
        "tables.t.columns.x.empirical",
        "2 values but 1 weights",
    ),
    ("      x: {fake: nmae}\n", 7, "tables.t.columns.x.fake", "Faker has no value kind 'nmae'"),
    ('      x: "y + 1"\n      y: "x * 2"\n', 7, "tables.t.columns.x", "read each other in a cycle"),
    ('      x: "normal(mu=0, sigma=1"\n', 7, "tables.t.columns.x", "is not a valid expression"),
]


@pytest.mark.parametrize(("extra", "line", "key", "words"), CASES)
def test_bad_column_names_line_and_key(extra: str, line: int, key: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(GOOD_HEAD + extra)
    message = str(info.value)
    assert f"line {line}" in message, message
    assert repr(key) in message, message
    assert words in message, message


def test_every_mistake_is_listed_at_once() -> None:
    text = GOOD_HEAD + '      a: "lognorm()"\n      b: "normal(sigma=0)"\n    constraints: ["a >= zz"]\n'
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    message = str(info.value)
    assert "3 problem(s)" in message
    assert "line 7" in message and "line 8" in message and "line 9" in message


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        (
            "tables:\n  t:\n    rows: 1\n    rows: 2\n    columns: {a: '1'}\n",
            4,
            "tables.t.rows",
            "duplicate key",
        ),
        ("tabels:\n  t: {rows: 1}\n", 1, "tabels", "did you mean 'tables'"),
        ("tables:\n  t:\n    columns: {a: '1'}\n", 2, "tables.t", "neither 'rows' nor 'events'"),
        ("tables:\n  t:\n    rows: -5\n    columns: {a: '1'}\n", 3, "tables.t.rows", "whole number"),
        (
            "tables:\n  t:\n    rows: 2\n    columns: {a: '1'}\n    constraints: [{unique: b}]\n",
            5,
            "tables.t.constraints[0].unique",
            "not a column of this table",
        ),
        (
            "tables:\n  t:\n    rows: 2\n    columns: {a: '1'}\n  e:\n"
            "    events: {parent: t, rate: 1, start: 2024-01-01, end: 2024-02-01}\n    columns: {b: '1'}\n",
            2,
            "tables.t",
            "no key column",
        ),
        (
            "tables:\n  t:\n    rows: 2\n    columns: {a: '1'}\nscenarios:\n  s:\n    enabled: true\n"
            "    set:\n      tables.t.colums.a: '2'\n",
            9,
            "scenarios.s.set.tables.t.colums.a",
            "did you mean 'columns'",
        ),
        ("tables:\n  t:\n    rows: 2\n    columns:\n      a: 1\n     b: 2\n", 6, "", "not valid YAML"),
    ],
)
def test_bad_structure_names_line_and_key(text: str, line: int, key: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    message = str(info.value)
    assert f"line {line}" in message, message
    assert not key or repr(key) in message, message
    assert words in message, message


def test_dict_spec_names_the_key_without_a_line() -> None:
    spec = {"tables": {"t": {"rows": 3, "columns": {"x": "normal(mu=0, sigma=oops)"}}}}
    with pytest.raises(SpecError, match=r"key 'tables.t.columns.x'.*'oops' is not a column"):
        parse_spec(spec)


def test_list_form_columns_with_tilde_and_equals() -> None:
    spec = parse_spec("""
tables:
  t:
    rows: 5
    columns:
      - is_fraud ~ bernoulli(p = 0.005)
      - amount ~ lognormal(mu = 3 + 1.1 * is_fraud, sigma = 0.8)
      - fee = 0.3 + 0.029 * amount
""")
    assert [c.name for c in spec.tables["t"].columns] == ["is_fraud", "amount", "fee"]
    assert spec.order["t"] == ("is_fraud", "amount", "fee")


def test_columns_are_ordered_by_dependency() -> None:
    spec = parse_spec(GOOD_HEAD + '      c: "b + 1"\n      b: "a * 2"\n      a: "normal(mu=0, sigma=1)"\n')
    order = spec.order["t"]
    assert order.index("a") < order.index("b") < order.index("c")
