"""Long-tail categoricals: tail encoding, the character model of the tail, its privacy rule and its
model-file state; every generator learns a table with a long tail, keys and codes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthwise.generators import create, load_generator, names
from synthwise.schema import ColumnSchema, Schema, infer_schema
from synthwise.schema.model import TAIL
from synthwise.testing import check_faithful, check_generator, kinds_table, tabular_generator
from synthwise.transforms import TableTransformer
from synthwise.transforms.categorical import decode_categorical, encode_categorical
from synthwise.transforms.tail import TailModel, value_hash


def keys_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A long-tail title that depends on the group, a repeated case key, a unique key, a row index,
    leading-zero codes with a few ZIP+4 values, and a numeric column (columns of ``kinds_table``)."""
    return kinds_table(n, seed)[["row", "case", "ref", "group", "title", "zip", "x"]]


def test_keys_table_kinds() -> None:
    s = infer_schema(keys_table())
    assert s["row"].id_template == "row"
    assert s["case"].kind == "identifier" and s["case"].repeats
    assert s["ref"].kind == "identifier" and not s["ref"].repeats
    assert s["title"].categories[-1] == TAIL and s["title"].min_count == 5
    assert s["zip"].kind == "categorical" and all(isinstance(c, str) for c in s["zip"].categories)


def _tail_col(cats: tuple[str, ...]) -> ColumnSchema:
    return ColumnSchema(
        "c", "categorical", dtype="object", categories=(*cats, TAIL), min_count=5, tail="chars"
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "zz", "tail1", "x y"])), min_size=1, max_size=40)
)
def test_long_tail_codes_round_trip(values: list[str | None]) -> None:
    col = _tail_col(("a", "b", "zz"))
    s = pd.Series(values, dtype=object)
    codes = encode_categorical(s, col)
    back = decode_categorical(codes, col)
    frequent = s.isin(["a", "b", "zz"]).to_numpy()
    assert np.array_equal(np.isnan(codes), s.isna().to_numpy())
    assert (back[frequent].to_numpy() == s[frequent].to_numpy()).all()  # frequent values round trip
    tail = s.notna().to_numpy() & ~frequent
    assert (codes[tail] == 3).all() and (back[tail] == TAIL).all()  # everything else is the tail
    assert back[s.isna().to_numpy()].isna().all()


def test_tail_model_never_emits_once_seen_values_and_is_seeded() -> None:
    values = pd.Series(["ab", "ba", "aab", "ab", "bb"])  # 'ab' twice; the rest once
    model = TailModel.fit(values)
    out = model.sample(300, np.random.default_rng(0))
    assert not set(out) & {"ba", "aab", "bb"}
    assert out == model.sample(300, np.random.default_rng(0))
    tiny = TailModel.fit(pd.Series(["q"]))  # can only say the once-seen value: made new instead
    assert all(v != "q" and v.startswith("q") for v in tiny.sample(20, np.random.default_rng(1)))


def test_tail_model_keeps_code_lengths_and_state_round_trips() -> None:
    rng = np.random.default_rng(2)
    codes = pd.Series([f"{v:05d}" for v in rng.integers(0, 99999, size=400)])
    model = TailModel.fit(codes)
    out = model.sample(200, np.random.default_rng(3))
    assert all(len(v) == 5 and v.isdigit() for v in out)
    meta, arrays = model.state("t0")
    again = TailModel.from_state(meta, arrays)
    assert again.sample(50, np.random.default_rng(4)) == model.sample(50, np.random.default_rng(4))
    assert value_hash("x") == value_hash("x") and value_hash("x") != value_hash("y")


def test_transformer_generates_tail_values_and_state_round_trips() -> None:
    df = keys_table(600, seed=1)
    schema = infer_schema(df)
    t = TableTransformer(schema).fit(df)
    codes = t.to_codes(df)
    out = t.from_codes(codes, rng=np.random.default_rng(0))
    counts = df["title"].value_counts()
    once = set(counts.index[counts == 1])
    assert once and not set(out["title"]) & once
    tail_share = (~df["title"].isin(schema["title"].categories)).mean()
    assert abs((~out["title"].isin(schema["title"].categories)).mean() - tail_share) < 1e-9
    assert out["case"].value_counts().mean() == pytest.approx(df["case"].value_counts().mean(), rel=0.3)
    assert not set(out["case"]) & set(df["case"])
    assert sorted(out["row"]) == list(range(1, 601))
    meta, arrays = t.state()
    again = TableTransformer.from_state(schema, meta, arrays)
    pd.testing.assert_frame_equal(again.from_codes(codes, rng=np.random.default_rng(0)), out)


def test_rare_copies_read_zero_for_once_seen_tail_values() -> None:
    from synthwise.evaluation import evaluate

    df = keys_table(400, seed=2)[["group", "title"]]
    out = create("bootstrap", seed=0).fit(df).sample(400, seed=1)
    result = evaluate(df, out, metrics=["rare_copies"])
    assert result["rare_copies"].value == 0.0


@pytest.mark.parametrize("name", names())
def test_every_generator_learns_keys_codes_and_long_tails(name: str) -> None:
    cls = tabular_generator(name)
    df = keys_table()
    params = {"target": "group"} if "target" in cls._param_names() else {}
    if cls.capabilities.differential_privacy:  # the tail rule from a PUBLIC schema only
        public = infer_schema(keys_table(600, seed=9))  # another sample; the postal codes are a public list
        zips = infer_schema(df)["zip"]
        public = Schema(columns=tuple(zips if c.name == "zip" else c for c in public.columns), n_rows=0)
        gen = create(name, seed=0, epsilon=1000.0).fit(df, public)
        out = gen.sample(200, seed=1)
        check_faithful(df, out, gen.schema_, name=name)
        frequent = set(public["title"].categories[:-1])
        assert set(out["title"].dropna()) <= frequent  # tail rows drawn from the public frequent values
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "model.synthwise")
            gen.save(path)
            pd.testing.assert_frame_equal(load_generator(path).sample(200, seed=1), out)
        return
    check_generator(name, df, params=params)


def test_evaluation_compares_frequent_values_and_the_tail_share() -> None:
    from synthwise.evaluation import evaluate

    df = keys_table(600, seed=5)
    out = create("cart", seed=0).fit(df).sample(600, seed=1)
    result = evaluate(df, out, metrics=["marginals"])
    bars = result.plots.marginals["title"]
    cats = infer_schema(df)["title"].categories
    assert bars["labels"][-1] == TAIL and len(bars["labels"]) == len(cats)
    real_tail = float((~df["title"].isin(cats[:-1])).mean())
    assert bars["real"][-1] == pytest.approx(real_tail)
    assert 0.8 < result["marginals"].details["columns"]["title"] <= 1.0


def test_tail_drawn_from_frequent_values_by_option() -> None:
    df = keys_table(500, seed=6)
    schema = infer_schema(df, overrides={"title": {"tail": "frequent"}})
    out = create("cart", seed=0).fit(df, schema).sample(500, seed=1)
    frequent = set(schema["title"].categories[:-1])
    assert set(out["title"].dropna()) <= frequent


def test_frequent_option_without_frequent_values_gives_fresh_tokens() -> None:
    from synthwise.transforms.tail import draw_from_frequent

    values = pd.Series([TAIL, TAIL, TAIL], dtype=object, name="title")
    out = draw_from_frequent(values, np.array([True, True, True]), (), np.random.default_rng(0))
    assert len(set(out)) == 3 and all(v.startswith("SYN") and v != TAIL for v in out)
    again = draw_from_frequent(values, np.array([True, True, True]), (), np.random.default_rng(0))
    assert out == again


def test_copy_checks_compare_tail_values_not_the_tail_code() -> None:
    """A row is a copy only if its rare value is the real one: rows whose tail values are all new do
    not count, the verbatim rows do."""
    from synthwise.evaluation import evaluate

    df = keys_table(400, seed=2)[["group", "title"]]
    schema = infer_schema(df)
    tail = ~df["title"].isin(schema["title"].categories[:-1])
    assert tail.sum() > 20
    fresh = df.copy()
    fresh.loc[tail, "title"] = fresh.loc[tail, "title"] + " (new)"
    keys = ["rare_copies", "exact_copies"]
    new = evaluate(df, fresh[tail], metrics=keys, schema=schema)
    assert [new[k].value for k in keys] == [0.0, 0.0]
    copied = evaluate(df, df[tail], metrics=keys, schema=schema)
    assert copied["exact_copies"].value == 1.0 and copied["rare_copies"].value > 0.5
