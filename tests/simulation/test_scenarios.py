"""Scenario overrides: raise a rate, replace a column, inject a burst of events in a window."""

from __future__ import annotations

import pandas as pd
import pytest

from synthwise.errors import SpecError
from synthwise.simulation import simulate_frames

SPEC = """
tables:
  hosts:
    rows: 300
    key: host
    columns:
      host: "sequence(start=1)"
      kind: {categorical: {a: 0.5, b: 0.5}}
  logs:
    events: {parent: hosts, rate: 2, per: hour, start: 2024-01-01, end: 2024-01-02}
    columns:
      bad: "0"
      size: "lognormal(mu = 5 - 2 * bad, sigma = 0.3)"
scenarios:
  busy:
    set:
      tables.logs.events.rate: 6
  burst:
    bursts:
      - table: logs
        start: 2024-01-01 03:00
        end: 2024-01-01 03:10
        rate: 3
        per: minute
        fraction: 0.1
        where: "kind == 'b'"
        set: {bad: "1"}
"""


def test_raising_a_rate(write_spec) -> None:
    path = write_spec(SPEC)
    base = simulate_frames(path, seed=0)["logs"]
    busy = simulate_frames(path, seed=0, scenarios=["busy"])["logs"]
    assert abs(len(busy) / len(base) - 3) < 0.15


def test_burst_injects_events_in_its_window_only(write_spec) -> None:
    path = write_spec(SPEC)
    frames = simulate_frames(path, seed=0, scenarios=["burst"])
    logs = frames["logs"].merge(frames["hosts"], on="host")
    t = pd.to_datetime(logs["time"])
    bad = logs["bad"] == 1
    assert bad.sum() > 100
    assert t[bad].between(pd.Timestamp("2024-01-01 03:00"), pd.Timestamp("2024-01-01 03:10")).all()
    assert (logs.loc[bad, "kind"] == "b").all()
    assert logs.loc[bad, "size"].mean() < logs.loc[~bad, "size"].mean() / 4  # columns read the override
    assert (t.groupby(logs["host"]).diff().dropna() >= pd.Timedelta(0)).all()  # merged in time order


def test_burst_leaves_the_other_events_as_they_were(write_spec) -> None:
    path = write_spec(SPEC)
    base = simulate_frames(path, seed=0)["logs"]
    burst = simulate_frames(path, seed=0, scenarios=["burst"])["logs"]
    kept = burst[burst["bad"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, base)


def test_unknown_scenario_is_a_spec_error(write_spec) -> None:
    with pytest.raises(SpecError, match=r"unknown scenario 'brust'.*did you mean 'burst'"):
        simulate_frames(write_spec(SPEC), seed=0, scenarios=["brust"])


def test_bad_override_value_is_reported_at_the_scenario_line(write_spec) -> None:
    text = SPEC + '  broken:\n    set:\n      tables.logs.columns.size: "lognormal(mu = 5, sigma = -1)"\n'
    with pytest.raises(SpecError, match=r"line 29, key 'tables.logs.columns.size'.*must be > 0"):
        simulate_frames(write_spec(text), seed=0, scenarios=["broken"])
