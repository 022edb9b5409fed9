"""Training-table plans: primary context on quantile bins, direct links to kept tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.relational.metadata import ForeignKey
from synthwise.relational.plan import COARSE_BINS, Link, context_of, joined_context, set_fills


def _parent() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"id": np.arange(400), "temp": rng.normal(size=400), "hour": rng.integers(0, 24, 400), "_sw_n0": 3}
    )


def test_primary_context_conditions_on_quantile_bins_of_fine_numbers() -> None:
    parent = _parent()
    link = Link(0, ForeignKey("child", ("pid",), "parent", ("id",)), context=["temp", "hour", "_sw_n0"])
    set_fills(link, parent, coarse=True)
    assert set(link.bins) == {"temp"}  # hour has 24 values: conditioned on as it is; counts never binned
    ctx = context_of(link, parent)
    binned = ctx["_sw_p0_temp"]
    assert set(binned.unique()) == set(range(COARSE_BINS))
    counts = binned.value_counts().to_numpy()
    assert counts.min() >= 0.8 * 400 / COARSE_BINS  # quantile bins: about equal shares
    np.testing.assert_array_equal(ctx["_sw_p0_hour"].to_numpy(dtype=np.float64), parent["hour"].to_numpy())
    child = pd.DataFrame({"pid": [0, 1, np.nan]})
    joined = joined_context(link, child, parent)
    assert joined["_sw_p0_temp"].iloc[2] == -1.0  # no parent: below every bin
    assert joined["_sw_p0_hour"].iloc[2] == link.fills["hour"]


def test_secondary_context_keeps_values() -> None:
    parent = _parent()
    link = Link(1, ForeignKey("child", ("pid",), "parent", ("id",)), context=["temp"])
    set_fills(link, parent)
    assert not link.bins
    np.testing.assert_allclose(context_of(link, parent)["_sw_p1_temp"], parent["temp"])
