"""The safe expression language: unsafe input is refused with its line and key; evaluation is vectorized."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.errors import SpecError
from synthwise.simulation import simulate_frames
from synthwise.simulation.expressions import parse_expression
from synthwise.simulation.source import Problems, Where
from synthwise.simulation.values import Cat

UNSAFE = [
    "__import__('os')",
    "__import__('os').system('ls')",
    "x.__class__",
    "x.real",
    "(lambda: 1)()",
    "open('/etc/passwd')",
    "eval('1 + 1')",
    "getattr(x, 'y')",
    "x[0]",
    "[c for c in x]",
    "__builtins__",
    "_private",
    "(y := 3)",
    "f'{x}'",
    "{1: 2}",
    "b'bytes'",
    "None",
    "x @ x",
    "~x",
    "x is None",
    "x in y",
    "exp(x=1)",
    "min(*x)",
]


def _parse(text: str) -> Problems:
    problems = Problems("test")
    parse_expression(text, Where("tables.t.columns.c", 7), problems)
    return problems


@pytest.mark.parametrize("text", UNSAFE)
def test_unsafe_expression_is_refused_with_line_and_key(text: str) -> None:
    problems = _parse(text)
    assert problems.items, f"{text!r} was accepted"
    assert "line 7" in problems.items[0] and "tables.t.columns.c" in problems.items[0]
    with pytest.raises(SpecError):
        problems.raise_if_any()


def test_unsafe_column_in_a_spec_names_its_line(write_spec) -> None:
    path = write_spec("""
        tables:
          t:
            rows: 3
            columns:
              x: "normal(mu=0, sigma=1)"
              y: "__import__('os').system('echo hacked')"
    """)
    with pytest.raises(SpecError) as info:
        simulate_frames(path, seed=0)
    assert "line 6" in str(info.value) and "tables.t.columns.y" in str(info.value)


def test_huge_power_overflows_instead_of_hanging() -> None:
    problems = Problems("test")
    expr = parse_expression("2 ** 10 ** 10", Where("k"), problems)
    assert expr is not None
    assert np.isinf(expr.constant())


def _eval(text: str, env: dict, n: int = 4):  # type: ignore[no-untyped-def,type-arg]
    problems = Problems("test")
    expr = parse_expression(text, Where("k"), problems)
    assert expr is not None, problems.items
    return expr.evaluate(env.__getitem__, n)


def test_expressions_evaluate_vectorized() -> None:
    env = {
        "x": np.array([1.0, 2.0, 3.0, 4.0]),
        "flag": np.array([1, 0, 1, 0]),
        "country": Cat(np.array([0, 1, 2, 0], dtype=np.int32), np.array(["US", "GB", "DE"], dtype=object)),
        "t": np.array(
            ["2024-01-01T10:00", "2024-01-02T23:00", "2024-03-01", "2024-12-31T12:00"], dtype="datetime64[ns]"
        ),
    }
    np.testing.assert_allclose(_eval("3 + 1.1 * flag", env), [4.1, 3, 4.1, 3])
    np.testing.assert_array_equal(_eval("x > 2 and not flag", env), [False, False, False, True])
    np.testing.assert_array_equal(_eval("country == 'US'", env), [True, False, False, True])
    np.testing.assert_array_equal(_eval("country in ['GB', 'DE']", env), [False, True, True, False])
    np.testing.assert_allclose(_eval("where(flag == 1, x, -x)", env), [1, -2, 3, -4])
    np.testing.assert_allclose(_eval("x if x < 3 else 0", env), [1, 2, 0, 0])
    np.testing.assert_allclose(_eval("min(x, 2.5) + max(x, 3) + abs(-x)", env), [5, 7, 8.5, 10.5])
    np.testing.assert_allclose(_eval("round(sqrt(x) * exp(0) + log(1), 2)", env), [1, 1.41, 1.73, 2])
    np.testing.assert_array_equal(_eval("hour(t)", env), [10, 23, 0, 12])
    np.testing.assert_array_equal(_eval("weekday(t)", env), [0, 1, 4, 1])
    np.testing.assert_array_equal(_eval("month(t) + year(t) * 0", env), [1, 1, 3, 12])
    np.testing.assert_array_equal(_eval("t + days(1) > date('2024-01-02')", env), [True, True, True, True])
    np.testing.assert_allclose(_eval("(t - date('2024-01-01')) / days(1)", env)[:2], [10 / 24, 1 + 23 / 24])
    np.testing.assert_allclose(_eval("sigmoid(0) + x % 2", env), [1.5, 0.5, 1.5, 0.5])


def test_text_in_arithmetic_is_a_clear_error(write_spec) -> None:
    path = write_spec("""
        tables:
          t:
            rows: 5
            columns:
              c: {categorical: {a: 1, b: 1}}
              bad: "c * 2"
    """)
    with pytest.raises(SpecError, match=r"line 6.*column 'bad'.*text can only be compared"):
        simulate_frames(path, seed=0)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_accepted_or_refused_never_crashes(text: str) -> None:
    problems = Problems("fuzz")
    expr = parse_expression(text, Where("k", 1), problems)
    assert (expr is None) == bool(problems.items)


@settings(max_examples=60, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_arithmetic_matches_python(a: float, b: float) -> None:
    env = {"a": np.array([a]), "b": np.array([b])}
    got = _eval("a * 2 - b / 4 + (a - b) * 0.5", env, 1)
    np.testing.assert_allclose(got, [a * 2 - b / 4 + (a - b) * 0.5], rtol=1e-12, atol=1e-9)
