"""Numbers with special values and formatted numbers: round trip of the side channel, every generator
learns them, the code rate is kept."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.generators import create, load_generator, names
from synthwise.schema import ColumnSchema, Schema, infer_schema
from synthwise.schema.numbers import write_number
from synthwise.testing import check_faithful, check_generator, tabular_generator
from synthwise.transforms import TableTransformer
from synthwise.transforms.special import side_name

CODES = ["T", "other", "*", "-", "N/A", ".", "False"]


def special_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Rain with a trace code tied to the season, a grade with 'other', booleans as words, a count with a
    stray False: the columns real tables have."""
    rng = np.random.default_rng(seed)
    season = rng.choice(["wet", "dry"], size=n, p=[0.5, 0.5])
    rain = np.round(rng.gamma(1.0, 2.0, size=n), 2)
    trace = rng.random(n) < np.where(season == "wet", 0.3, 0.02)
    rain_text = np.where(trace, "T", [f"{v:.2f}" for v in rain]).astype(object)
    rain_text[rng.random(n) < 0.05] = np.nan
    grade = np.where(rng.random(n) < 0.08, "other", rng.integers(1, 6, size=n).astype(str))
    count = rng.poisson(4, size=n).astype(str).astype(object)
    count[3] = "False"
    return pd.DataFrame(
        {
            "season": season,
            "rain": pd.Series(rain_text, dtype="str"),
            "grade": pd.Series(grade, dtype="str"),
            "count": pd.Series(count, dtype="str"),
            "x": np.round(rng.normal(size=n), 3),
            "open": pd.Series(rng.choice(["Yes", "No"], size=n), dtype="str"),
            "price": pd.Series([write_number(v, "${:,.2f}") for v in np.round(rng.lognormal(6, 1.5, n), 2)]),
            "rate": pd.Series([write_number(v, "dc:{}") for v in np.round(rng.uniform(0, 30, n), 1)]),
        }
    )


def test_inference_marks_codes_and_spellings() -> None:
    schema = infer_schema(special_table())
    assert schema["rain"].kind == "numeric" and schema["rain"].special_values == ("T",)
    assert schema["rain"].number_format == "{:.2f}" and "T" in (schema["rain"].why or "")
    assert schema["grade"].special_values == ("other",) and schema["grade"].integer
    assert schema["count"].special_values == ("False",)
    assert schema["open"].kind == "boolean" and schema["open"].bool_labels == ("No", "Yes")
    assert schema["price"].kind == "numeric" and schema["price"].number_format == "${:,.2f}"
    assert schema["rate"].kind == "numeric" and schema["rate"].number_format == "dc:{}"


def test_round_trip_of_the_table_is_exact() -> None:
    df = special_table()
    t = TableTransformer(infer_schema(df))
    codes = t.fit_codes(df)
    assert side_name("rain") in codes.columns and len(codes.columns) == len(t.encoded)
    back = t.from_codes(codes, rng=np.random.default_rng(0))
    pd.testing.assert_frame_equal(back, df)


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.lists(
        st.one_of(
            st.integers(-10_000, 10_000).map(float),
            st.floats(-1e4, 1e4, allow_nan=False).map(lambda v: round(v, 2)),
        ),
        min_size=4,
        max_size=40,
    ),
    codes=st.lists(st.sampled_from(CODES), min_size=1, max_size=3),
    missing=st.integers(0, 3),
    data=st.data(),
)
def test_round_trip_numbers_codes_and_missing(
    numbers: list[float], codes: list[str], missing: int, data: st.DataObject
) -> None:
    values: list[object] = [write_number(v, "{:.2f}") for v in numbers] + codes + [np.nan] * missing
    order = data.draw(st.permutations(range(len(values))))
    s = pd.Series([values[i] for i in order], dtype="str", name="v")
    col = ColumnSchema(
        name="v",
        kind="numeric",
        dtype="str",
        decimals=2,
        min=min(numbers),
        max=max(numbers),
        special_values=tuple(dict.fromkeys(codes)),
        number_format="{:.2f}",
    )
    t = TableTransformer(Schema(columns=(col,))).fit(s.to_frame())
    back = t.from_codes(t.to_codes(s.to_frame()), rng=np.random.default_rng(0))
    pd.testing.assert_series_equal(back["v"], s)


@pytest.mark.parametrize(
    ("n_codes", "share", "special"),
    [(1, 0.49, True), (1, 0.5, False), (5, 0.2, True), (6, 0.2, False)],
)
def test_the_rule_for_a_small_set_of_codes(n_codes: int, share: float, special: bool) -> None:
    n = 200
    k = round(n * share)
    codes = [f"c{i % n_codes}" for i in range(k)]
    s = pd.Series([str(i) for i in range(n - k)] + codes, dtype="str")
    col = infer_schema(pd.DataFrame({"v": s}))["v"]
    assert (col.kind == "numeric" and len(col.special_values) == n_codes) is special


@pytest.mark.parametrize("name", names())
def test_every_generator_learns_special_values(name: str) -> None:
    cls = tabular_generator(name)
    df = special_table()
    params = {"target": "season"} if "target" in cls._param_names() else {}
    if cls.capabilities.differential_privacy:  # a public schema, written apart from the data
        public = infer_schema(special_table(seed=9))
        public = Schema(columns=public.columns, n_rows=0)
        gen = create(name, seed=0, epsilon=1000.0).fit(df, public)
        out = gen.sample(200, seed=1)
        check_faithful(df, out, gen.schema_, name=name)
        assert gen.schema_["rain"].special_values == ("T",) and out["rain"].isin(["T"]).any()
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "model.synthwise")
            gen.save(path)
            pd.testing.assert_frame_equal(load_generator(path).sample(200, seed=1), out)
        return
    check_generator(name, df, params=params)


@pytest.mark.parametrize("name", ["cart", "gaussian_copula"])
def test_code_rate_and_context_are_reproduced(name: str) -> None:
    df = special_table(n=2000, seed=3)
    out = create(name, seed=0).fit(df).sample(2000, seed=1)
    real_rate = (df["rain"] == "T").mean()
    assert abs((out["rain"] == "T").mean() - real_rate) < 0.04
    if name == "cart":  # the code follows its context: traces are far more common in the wet season
        wet = out[out["season"] == "wet"]
        dry = out[out["season"] == "dry"]
        assert (wet["rain"] == "T").mean() > 3 * (dry["rain"] == "T").mean()


def test_cli_learns_a_csv_with_codes_and_writes_them_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from synthwise.testing import run_cli

    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    special_table(n=400).to_csv(src, index=False)
    code, text = run_cli(
        ["generate", str(src), "-n", "400", "-o", str(out), "-g", "cart", "--seed", "0"], capsys
    )
    assert code == 0, text
    synth = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert (synth["rain"] == "T").any() and set(synth["open"]) <= {"Yes", "No"}
    numbers = synth["rain"][~synth["rain"].isin(["T", ""])]
    assert numbers.str.fullmatch(r"\d+\.\d\d").all()  # written as the input wrote them: two decimals
    code, text = run_cli(["schema", str(src)], capsys)
    assert code == 0 and "T" in text


def test_new_facts_round_trip_through_json_and_yaml() -> None:
    import yaml

    schema = infer_schema(special_table())
    assert Schema.from_json(schema.to_json()) == schema
    assert Schema.from_dict(yaml.safe_load(yaml.safe_dump(schema.to_dict()))) == schema
