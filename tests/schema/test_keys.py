"""Keys, codes and long tails: where identifiers, row indexes, repeated keys, codes, long-tail
categoricals and free text part (schema/keys.py, schema/codes.py, schema/tails.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.io import read_table
from synthwise.schema import infer_schema
from synthwise.schema.codes import is_code
from synthwise.schema.keys import id_template, shape_mask
from synthwise.schema.model import TAIL
from synthwise.schema.tails import long_tail


def _words(n: int, rng: np.random.Generator) -> list[str]:
    """Made-up single words without digits."""
    syll = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "qua"]
    return ["".join(rng.choice(syll, size=int(rng.integers(2, 5)))).title() for _ in range(n)]


@pytest.mark.parametrize("start", [0, 1, 17, -5])
def test_consecutive_integers_are_a_row_index_whatever_the_order(start: int) -> None:
    rng = np.random.default_rng(start + 10)
    df = pd.DataFrame({"n": rng.permutation(np.arange(start, start + 60)), "x": rng.normal(size=60)})
    col = infer_schema(df)["n"]
    assert col.kind == "identifier" and col.id_template == "row" and col.min == start
    assert infer_schema(df)["x"].kind == "numeric"


def test_integers_stay_numeric_unless_keys() -> None:
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame(
        {
            "income": rng.choice(np.arange(10_000, 90_000), size=n, replace=False),  # unique, not a key
            "count": rng.poisson(30, size=n),  # repeats: numeric
            "user_id": rng.choice(np.arange(10_000, 90_000), size=n, replace=False),  # unique + id name
            "visit_id": np.repeat(np.arange(50), 4) + 700,  # repeated + id name
            "id": np.arange(1000, 1000 + n),  # consecutive + id name: fresh keys above the maximum
        }
    )
    s = infer_schema(df)
    assert s["income"].kind == "numeric" and s["count"].kind == "numeric"
    assert (
        s["user_id"].kind == "identifier" and s["user_id"].id_template == "int" and not s["user_id"].repeats
    )
    assert s["visit_id"].kind == "identifier" and s["visit_id"].repeats
    assert s["id"].id_template == "int"


@pytest.mark.parametrize("name", ["rownames", "row.names", "Unnamed: 0", "...1", "index"])
def test_row_labels_of_a_sample_of_rows_are_identifiers_gaps_and_all(name: str) -> None:
    """An 80 % sample of a table keeps its row numbers (unique, with gaps): under a row-label name they
    are row numbers, never a measured value; under any other name unique integers stay numeric."""
    rng = np.random.default_rng(3)
    rows = np.sort(rng.choice(np.arange(1, 251), size=200, replace=False))
    df = pd.DataFrame({name: rows, "amount": rows * 3 + 1, "x": rng.normal(size=200)})
    s = infer_schema(df)
    assert s[name].kind == "identifier" and s[name].id_template == "int" and s[name].max == rows.max()
    assert s["amount"].kind == "numeric"  # unique integers with gaps, a measurement's name
    repeated = df.assign(**{name: np.repeat(rows[:100], 2)})
    assert infer_schema(repeated)[name].kind == "numeric"  # row labels are unique: this is a value


def test_string_keys_are_identifiers_whatever_their_name() -> None:
    rng = np.random.default_rng(1)
    n = 120
    df = pd.DataFrame(
        {
            "case": [f"17-{i:06d}" for i in rng.permutation(n) + 3],
            "ref": [f"INV{i}-B" for i in rng.permutation(n) + 90],
            "hex": ["".join(rng.choice(list("0123456789abcdef"), size=10)) for _ in range(n)],
            "country": _words(n, rng),
        }
    )
    s = infer_schema(df)
    assert s["case"].kind == "identifier" and s["case"].id_template == "17-{:06d}" and s["case"].max == n + 2
    assert s["ref"].kind == "identifier" and s["ref"].id_template == "INV{:d}-B"
    assert s["hex"].kind == "identifier" and s["hex"].id_template == "shape:" + "x" * 10
    assert s["country"].kind == "categorical"  # unique words without digits are labels, not keys
    assert all(c.why for c in (s["case"], s["ref"], s["hex"]))


def test_repeated_case_key_but_not_codes_or_categories() -> None:
    rng = np.random.default_rng(2)
    n = 3000
    keys = rng.integers(0, 1200, size=n)
    zips = rng.choice([f"{z:05d}" for z in rng.integers(0, 99999, size=600)], size=n)
    zips[:3] = ["98115-4820", "02134-0001", "60601-1234"]
    df = pd.DataFrame(
        {
            "case": [f"17-{k:06d}" for k in keys],
            "zip": zips,
            "grade": rng.choice([f"G{i}" for i in range(12)], size=n),  # few levels: categorical
            "diag": [f"E{int(v)}" for v in np.minimum(rng.zipf(1.5, size=n), 5000)],  # skewed codes
        }
    )
    s = infer_schema(df)
    assert s["case"].kind == "identifier" and s["case"].repeats and s["case"].id_template == "17-{:06d}"
    assert s["zip"].kind == "categorical" and isinstance(s["zip"].categories[0], str)
    assert s["grade"].kind == "categorical" and not s["grade"].min_count
    assert s["diag"].kind == "categorical"


def test_the_line_between_text_identifier_and_long_tail() -> None:
    rng = np.random.default_rng(3)
    n = 1000
    words = _words(400, rng)
    frequent = _words(20, rng)
    df = pd.DataFrame(
        {
            # multi-word, mostly distinct: free text
            "comment": [" ".join(rng.choice(words, size=int(rng.integers(4, 9)))) for _ in range(n)],
            # all-unique single tokens with digits: an identifier
            "token": [f"{w}{i}" for i, w in enumerate(rng.choice(words, size=n))],
            # frequent titles plus a long tail of rare ones: a long-tail categorical
            "title": list(rng.choice(frequent, size=n - 400))
            + [f"{a} {b}" for a, b in zip(rng.choice(words, 400), rng.choice(words, 400), strict=True)],
        }
    )
    s = infer_schema(df)
    assert s["comment"].kind == "text"
    assert s["token"].kind == "identifier"
    assert s["title"].kind == "categorical" and s["title"].categories[-1] == TAIL
    assert set(s["title"].categories[:-1]) == set(frequent)


def test_long_tail_rule_and_min_count() -> None:
    rng = np.random.default_rng(4)
    many = pd.Series(list(rng.choice(["a", "b", "c"], size=500)) + [f"r{i}" for i in range(300)])
    facts = long_tail(many, max_categories=1000)
    assert facts is not None and facts["categories"] == ("a", "b", "c", TAIL) and facts["min_count"] == 5
    few = pd.Series(rng.choice([f"v{i}" for i in range(50)], size=400))
    assert long_tail(few, max_categories=1000) is None  # 50 levels: an ordinary categorical
    stricter = long_tail(many, max_categories=1000, min_count=200)
    assert stricter is not None and stricter["categories"][-1] == TAIL and len(stricter["categories"]) < 4
    capped = long_tail(pd.Series([f"x{i % 40}" for i in range(4000)]), max_categories=10)
    assert capped is not None and len(capped["categories"]) == 10  # 9 most frequent + the tail


@pytest.mark.parametrize(
    ("values", "code"),
    [
        (["02134", "10001", "98115"], True),
        (["007", "12", "3"], True),
        (["98115-4820", "98115", "10001"], True),
        (["12", "3", "45"], False),
        (["1.5", "02"], False),
        (["A1", "B2"], False),
        ([1, 2, 3], False),
    ],
)
def test_is_code(values: list[object], code: bool) -> None:
    assert is_code(pd.Series(values)) is code


def test_leading_zero_codes_are_read_as_strings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "t.csv"
    path.write_text("zip,n,f\n02134,1,0.5\n10001,2,1.5\n,3,2.0\n", encoding="utf-8")
    df = read_table(path)
    assert df["zip"].tolist()[:2] == ["02134", "10001"] and df["zip"].isna().iloc[2]
    assert pd.api.types.is_integer_dtype(df["n"]) and pd.api.types.is_float_dtype(df["f"])


def test_templates() -> None:
    assert id_template(pd.Series(["a-001", "a-002", "a-010"])) == ("a-{:03d}", 10.0)
    assert id_template(pd.Series(["X1", "X22", "Y3"]))[0] == "X{:d}"
    assert shape_mask(pd.Series(["AB-12", "CD-34"])) == "AA\\-99"
    assert shape_mask(pd.Series(["AB", "CDE"])) is None
    u = ["123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174001"]
    assert id_template(pd.Series(u)) == ("uuid", None)


def test_min_count_declared_in_the_schema_sets_the_tail() -> None:
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"v": rng.choice([f"w{i}" for i in range(30)], size=600, p=np.arange(1, 31) / 465)})
    assert infer_schema(df)["v"].min_count is None  # 30 levels: an ordinary categorical
    col = infer_schema(df, overrides={"v": {"min_count": 25, "tail": "frequent"}})["v"]
    counts = df["v"].value_counts()
    assert col.categories[-1] == TAIL and col.tail == "frequent"
    assert set(col.categories[:-1]) == set(counts.index[counts >= 25])


def test_long_tail_and_key_facts_round_trip_through_json() -> None:
    from synthwise.schema import Schema

    rng = np.random.default_rng(6)
    n = 800
    df = pd.DataFrame(
        {
            "case": [f"K-{k:05d}" for k in rng.integers(0, 300, size=n)],
            "title": list(rng.choice(["a", "b"], size=n - 300)) + _words(300, rng),
        }
    )
    schema = infer_schema(df)
    assert schema["case"].repeats and schema["title"].min_count == 5
    assert Schema.from_json(schema.to_json()) == schema
