"""The deep encoder: codes <-> value and softmax spans, exact where it promises to be."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.deep.encoding import TableEncoder


def _codes_frames() -> st.SearchStrategy[pd.DataFrame]:
    @st.composite
    def frames(draw: st.DrawFn) -> pd.DataFrame:
        n = draw(st.integers(2, 60))
        cols: dict[str, np.ndarray] = {}
        for i in range(draw(st.integers(1, 4))):
            if draw(st.booleans()):
                values = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
            else:
                cents = draw(st.lists(st.integers(-(10**8), 10**8), min_size=n, max_size=n))
                values = [c / 100 for c in cents]  # real data carries decimals, not subnormals
            v = np.asarray(values, dtype=np.float64)
            mask = np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
            if draw(st.booleans()) and not mask.all():
                v[mask] = np.nan
            cols[f"c{i}"] = v
        return pd.DataFrame(cols)

    return frames()


@settings(max_examples=40, deadline=None)
@given(_codes_frames(), st.sampled_from(["gmm", "quantile"]))
def test_inverse_transform_round_trip_exact_with_nulls(codes: pd.DataFrame, numeric: str) -> None:
    continuous = [c for c in codes.columns if not np.all(np.mod(codes[c].dropna(), 1) == 0)]
    enc = TableEncoder(numeric=numeric, max_snap=10**6, max_modes=3, gmm_rows=200)  # type: ignore[arg-type]
    enc.fit(codes, continuous, np.random.default_rng(0))
    matrix = enc.transform(codes, np.random.default_rng(1))
    assert matrix.dtype == np.float32 and matrix.shape == (len(codes), enc.width)
    back = enc.inverse(matrix)
    for name in codes.columns:
        a, b = codes[name].to_numpy(), back[name].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), name
        ok = ~np.isnan(a)
        if numeric == "quantile" or name not in continuous:
            assert np.array_equal(a[ok], b[ok]), name


def test_gmm_point_mass_and_missing_come_back_exactly() -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 900), rng.normal(50, 5, 600), np.zeros(300), np.full(200, np.nan)]
    codes = pd.DataFrame({"x": x})
    enc = TableEncoder(max_snap=0).fit(codes, ["x"], rng)
    codec = enc.codecs[0]
    assert codec.method == "gmm" and 0.0 in codec.slots and codec.has_missing
    back = enc.inverse(enc.transform(codes, rng))["x"].to_numpy()
    assert np.array_equal(np.isnan(back), np.isnan(x))
    assert np.all(back[x == 0] == 0)
    close = np.isclose(back, x, rtol=1e-5, atol=1e-5)[~np.isnan(x)]
    assert close.mean() > 0.99


def test_heavy_tail_column_gets_asinh_scale() -> None:
    rng = np.random.default_rng(1)
    x = np.exp(rng.normal(0, 2, 3000))
    enc = TableEncoder(max_snap=0).fit(pd.DataFrame({"x": x}), ["x"], rng)
    assert len(enc.codecs[0].warp) == 2
    back = enc.inverse(enc.transform(pd.DataFrame({"x": x}), rng))["x"].to_numpy()
    assert np.mean(np.isclose(back, x, rtol=1e-4)) > 0.99


def test_spans_cover_matrix_and_softmax_blocks_are_one_hot() -> None:
    rng = np.random.default_rng(2)
    codes = pd.DataFrame(
        {
            "a": rng.normal(size=500),
            "b": rng.integers(0, 3, 500).astype(float),
            "k": np.where(rng.random(500) < 0.2, np.nan, 1.0),
        }
    )
    enc = TableEncoder().fit(codes, ["a"], rng)
    m = enc.transform(codes, rng)
    assert [s.stop - s.start for s in enc.spans] and enc.spans[-1].stop == m.shape[1]
    for s in enc.spans_of("softmax"):
        assert np.all(m[:, s.start : s.stop].sum(axis=1) == 1.0)
    assert len(enc.frequencies) == len(enc.spans_of("softmax"))
    for f in enc.frequencies:
        assert f.sum() == pytest.approx(1.0)


def test_state_round_trip_gives_same_inverse() -> None:
    rng = np.random.default_rng(3)
    codes = pd.DataFrame({"a": rng.gamma(2, 3, 800), "c": rng.integers(0, 4, 800).astype(float)})
    for numeric in ("gmm", "quantile"):
        enc = TableEncoder(numeric=numeric).fit(codes, ["a"], rng)  # type: ignore[arg-type]
        meta, arrays = enc.state()
        again = TableEncoder.from_state(meta, arrays)
        m = enc.transform(codes, np.random.default_rng(4))
        pd.testing.assert_frame_equal(enc.inverse(m), again.inverse(m))
        assert all(v.dtype != object for v in arrays.values())


def test_continuous_columns_snap_to_seen_values() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 100, 1000) / 10.0
    enc = TableEncoder(max_discrete=5).fit(pd.DataFrame({"x": x}), ["x"], rng)
    m = enc.transform(pd.DataFrame({"x": x}), rng)
    value = enc.spans_of("value")[0].start
    m[:, value] = np.clip(m[:, value] + rng.normal(0, 0.05, len(m)), -1, 1)
    out = enc.inverse(m)["x"].to_numpy()
    assert set(np.round(out, 6)) <= set(np.round(x, 6))


def test_many_levels_pool_rare_ones_behind_an_other_slot() -> None:
    rng = np.random.default_rng(6)
    common = rng.integers(0, 5, 3000).astype(float)
    rare = rng.integers(5, 400, 1000).astype(float)
    v = np.concatenate([common, rare])
    codes = pd.DataFrame({"k": v})
    enc = TableEncoder(max_levels=10).fit(codes, [], rng)
    assert enc.width == 11  # ten kept levels and "other"
    m = enc.transform(codes, rng)
    back = enc.inverse(m, np.random.default_rng(0))["k"].to_numpy()
    kept = np.isin(v, enc.codecs[0].slots)
    assert np.array_equal(back[kept], v[kept])
    assert set(back[~kept]) <= set(v[~kept]) and len(set(back[~kept])) > 100
    meta, arrays = enc.state()
    again = TableEncoder.from_state(meta, arrays)
    pd.testing.assert_frame_equal(
        again.inverse(m, np.random.default_rng(0)), enc.inverse(m, np.random.default_rng(0))
    )


def test_pooled_rare_values_are_drawn_given_the_most_telling_column() -> None:
    rng = np.random.default_rng(8)
    name = rng.integers(0, 300, 6000).astype(float)
    codes = pd.DataFrame({"name": name, "gender": name % 2, "noise": rng.integers(0, 4, 6000).astype(float)})
    enc = TableEncoder(max_levels=10).fit(codes, [], rng)
    assert enc.codecs[0].partner == 1 and enc.codecs[2].partner == -1  # gender, not the noise column
    m = enc.transform(codes, rng)
    back = enc.inverse(m, np.random.default_rng(0))
    assert np.mean(back["name"] % 2 == back["gender"]) > 0.99  # the pool alone: about one half
    meta, arrays = enc.state()
    again = TableEncoder.from_state(meta, arrays)
    pd.testing.assert_frame_equal(again.inverse(m, np.random.default_rng(0)), back)
