"""Thread counts from the free cores: busy neighbours make the pools smaller, an explicit setting wins."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info

from synthwise import threads


@pytest.mark.parametrize(("busy", "expected"), [(0.0, 2), (0.4, 2), (0.6, 1), (2.0, 1), (7.0, 1)])
def test_threads_follow_the_free_cores(monkeypatch: pytest.MonkeyPatch, busy: float, expected: int) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("SYNTHWISE_THREADS", raising=False)
    monkeypatch.setattr(threads, "cores", lambda: 2)
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: busy)
    assert threads.available_threads() == expected


def test_an_explicit_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "busy_elsewhere", lambda: 50.0)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.available_threads() == 3
    monkeypatch.setenv("SYNTHWISE_THREADS", "2")
    assert threads.available_threads() == 2


def test_pools_are_limited_inside_and_restored_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHWISE_THREADS", "1")
    before = [p["num_threads"] for p in threadpool_info()]
    with threads.compute_threads() as n:
        assert n == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert [p["num_threads"] for p in threadpool_info()] == before


def test_busy_elsewhere_reads_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("SYNTHWISE_THREADS", raising=False)
    assert threads.busy_elsewhere() >= 0.0
    assert 1 <= threads.available_threads() <= threads.cores()
