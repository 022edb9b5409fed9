"""Event processes: Poisson arrivals and state machines per entity, linked to the entity table by key."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthwise.simulation import simulate_frames

POISSON = {
    "tables": {
        "users": {
            "rows": 2000,
            "key": "user_id",
            "columns": {
                "user_id": "sequence(start=1)",
                "rate": "uniform(low=0.5, high=4)",
                "active": "bernoulli(p=0.8)",
            },
        },
        "logins": {
            "events": {
                "parent": "users",
                "process": "poisson",
                "rate": "rate",
                "per": "day",
                "start": "2024-02-01",
                "end": "2024-02-11",
                "when": "active == 1",
                "index": "n",
            },
            "columns": {"ok": "bernoulli(p=0.9)"},
        },
    }
}


@pytest.fixture(scope="module")
def poisson() -> dict[str, pd.DataFrame]:
    return simulate_frames(POISSON, seed=0)


def test_poisson_counts_follow_the_rate(poisson: dict[str, pd.DataFrame]) -> None:
    users, logins = poisson["users"], poisson["logins"]
    counts = logins.groupby("user_id").size().reindex(users["user_id"], fill_value=0).to_numpy()
    active = users["active"].to_numpy() == 1
    expected = users["rate"].to_numpy() * 10
    assert counts[~active].sum() == 0  # 'when' switches the process off
    assert abs(counts[active].sum() / expected[active].sum() - 1) < 0.02
    # Poisson: variance of (count - expected) equals the mean
    resid = counts[active] - expected[active]
    assert abs(resid.var() / expected[active].mean() - 1) < 0.1


def test_poisson_times_are_in_window_sorted_and_uniform(poisson: dict[str, pd.DataFrame]) -> None:
    logins = poisson["logins"]
    t = pd.to_datetime(logins["time"])
    assert t.min() >= pd.Timestamp("2024-02-01") and t.max() < pd.Timestamp("2024-02-11")
    assert (t.groupby(logins["user_id"]).diff().dropna() >= pd.Timedelta(0)).all()
    day = (t - pd.Timestamp("2024-02-01")).dt.days
    share = day.value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(share.to_numpy(), 0.1, atol=0.01)
    assert (logins["n"] == logins.groupby("user_id").cumcount()).all()


def test_event_rows_point_at_their_entities(poisson: dict[str, pd.DataFrame]) -> None:
    assert poisson["logins"]["user_id"].isin(poisson["users"]["user_id"]).all()
    assert list(poisson["logins"].columns) == ["user_id", "time", "n", "ok"]


STATES = {
    "tables": {
        "devices": {
            "rows": 3000,
            "key": "device",
            "columns": {"device": "sequence(start=1)", "fragile": "bernoulli(p=0.5)"},
        },
        "life": {
            "events": {
                "parent": "devices",
                "process": "states",
                "states": ["new", "ok", "broken", "scrapped"],
                "initial": {"new": 1},
                "transitions": {
                    "new": {"ok": 1},
                    "ok": {"ok": "0.8 - 0.3 * fragile", "broken": "0.2 + 0.3 * fragile"},
                    "broken": {"ok": 0.5, "scrapped": 0.5},
                },
                "start": "2024-01-01",
                "interval": "exponential(scale=where(state == 'broken', 10, 2))",
                "per": "day",
                "max_steps": 40,
            },
            "columns": {"cost": "where(state == 'broken', 100, 0)"},
        },
    }
}


@pytest.fixture(scope="module")
def walks() -> dict[str, pd.DataFrame]:
    return simulate_frames(STATES, seed=0)


def test_state_machine_walks_obey_the_transitions(walks: dict[str, pd.DataFrame]) -> None:
    life = walks["life"]
    allowed = {("new", "ok"), ("ok", "ok"), ("ok", "broken"), ("broken", "ok"), ("broken", "scrapped")}
    nxt = life.groupby("device")["state"].shift(-1)
    pairs = set(zip(life["state"][nxt.notna()], nxt[nxt.notna()], strict=True))
    assert pairs <= allowed
    first = life.groupby("device").first()
    assert (first["state"] == "new").all() and (first["step"] == 0).all()
    last = life.groupby("device").last()
    assert ((last["state"] == "scrapped") | (last["step"] == 39)).all()
    gaps = pd.to_datetime(life["time"]).groupby(life["device"]).diff().dropna()
    assert (gaps >= pd.Timedelta(0)).all()
    assert (life["step"] == life.groupby("device").cumcount()).all()


def test_state_machine_probabilities_depend_on_the_entity(walks: dict[str, pd.DataFrame]) -> None:
    life = walks["life"].merge(walks["devices"], on="device")
    nxt = life.groupby("device")["state"].shift(-1)
    from_ok = life[(life["state"] == "ok") & nxt.notna()].assign(next=nxt)
    broke = from_ok.groupby("fragile")["next"].apply(lambda s: (s == "broken").mean())
    assert abs(broke[0] - 0.2) < 0.02 and abs(broke[1] - 0.5) < 0.02


def test_state_dependent_interval_and_columns(walks: dict[str, pd.DataFrame]) -> None:
    life = walks["life"].copy()
    life["time"] = pd.to_datetime(life["time"])
    gap = life.groupby("device")["time"].diff().shift(-1).dt.total_seconds() / 86_400
    by_state = gap.groupby(life["state"]).mean()
    assert abs(by_state["broken"] / 10 - 1) < 0.1 and abs(by_state["ok"] / 2 - 1) < 0.1
    assert (life.loc[life["state"] == "broken", "cost"] == 100).all()
    assert (life.loc[life["state"] != "broken", "cost"] == 0).all()
