"""Fitting a Parquet table in blocks: gaussian_copula learns every row through merged statistics and
equals the in-memory fit on any executor; the schema's facts are the table's, not the sample's; other
generators learn from a seeded sample and say so; bad input is one clear line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthwise.errors import ColumnError, DataError, InvalidParameterError
from synthwise.generators import Generator, create, load_generator
from synthwise.scale import DaskExecutor, ProcessExecutor
from synthwise.scale.fitting import fit_table, parquet_partitions, sample_rows
from synthwise.testing.cli import run_cli
from synthwise.testing.dask import dask_unavailable, loopback_cluster
from synthwise.testing.generators import mixed_table

PARAMS = {"max_fit_rows": 700, "max_knots": 64}


def _table(n: int = 2_400) -> pd.DataFrame:
    data = mixed_table(n, seed=3)
    data["fine"] = np.random.default_rng(3).lognormal(size=n)  # more distinct values than knots
    return data


def _write(data: pd.DataFrame, folder: Path, files: int = 3, row_group: int = 300) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(np.array_split(np.arange(len(data)), files)):
        table = pa.Table.from_pandas(data.iloc[part].reset_index(drop=True), preserve_index=False)
        pq.write_table(table, folder / f"part-{i:02d}.parquet", row_group_size=row_group)
    (folder / "_SUCCESS.parquet").write_bytes(b"not data")  # skipped: names starting with _
    return folder


def _same_model(a: Generator, b: Generator) -> None:
    assert np.array_equal(a.corr_, b.corr_)  # type: ignore[attr-defined]
    for x, y in zip(a.dims_, b.dims_, strict=True):  # type: ignore[attr-defined]
        assert (x.column, x.role) == (y.column, y.role)
        assert np.array_equal(x.p, y.p) and np.array_equal(x.v, y.v)
    assert a.sample(300, seed=5).equals(b.sample(300, seed=5))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(_table(), tmp_path_factory.mktemp("table") / "t")


@pytest.fixture(scope="module")
def memory(folder: Path) -> Generator:
    data = pd.read_parquet(sorted(folder.glob("part-*.parquet")))
    return create("gaussian_copula", seed=4, **PARAMS).fit(data)


def test_partitions_are_row_groups_in_file_order(folder: Path) -> None:
    parts = parquet_partitions(folder)
    assert len(parts) == 3 * 3  # 800 rows per file, 300 per row group
    assert [p.offset for p in parts] == list(np.cumsum([0] + [p.rows for p in parts[:-1]]))
    assert sum(p.rows for p in parts) == 2_400


def test_a_copula_fitted_in_blocks_equals_the_in_memory_fit(folder: Path, memory: Generator) -> None:
    gen = fit_table(folder, "gaussian_copula", params=PARAMS, seed=4, schema=memory.schema_, sample_size=500)
    _same_model(gen, memory)
    assert gen.n_rows_ == 2_400
    assert gen.fitted_on_ is not None
    assert gen.fitted_on_["rows"] == 2_400 and gen.fitted_on_["blocks"] == 9
    assert "every row" in gen.fitted_on_["how"] and "700 rows" in gen.fitted_on_["how"]


def test_a_process_pool_gives_the_same_model(folder: Path, memory: Generator) -> None:
    gen = fit_table(
        folder, "gaussian_copula", params=PARAMS, seed=4, schema=memory.schema_, executor=ProcessExecutor(2)
    )
    _same_model(gen, memory)


def test_schema_facts_are_the_tables_not_the_samples(tmp_path: Path) -> None:
    data = _table(1_200)
    rows = sample_rows(len(data), 100, seed=0)
    outside = np.setdiff1d(np.arange(len(data)), rows)
    data.loc[outside[0], "group"] = "rare"  # a level the seeded sample does not hold
    data.loc[outside[1], "fine"] = 1e6  # the table's maximum, outside the sample
    gen = fit_table(_write(data, tmp_path / "t"), "gaussian_copula", seed=0, sample_size=100)
    schema = gen.schema_
    assert "rare" in schema["group"].categories
    assert schema["fine"].max == 1e6
    assert schema["maybe"].missing_rate == pytest.approx(data["maybe"].isna().mean())
    assert schema.n_rows == 1_200


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_mst_fitted_in_blocks_equals_the_in_memory_fit_ledger_included(folder: Path, executor: str) -> None:
    data = pd.read_parquet(sorted(folder.glob("part-*.parquet")))
    memory = create("mst", seed=2, epsilon=0.5).fit(data)
    gen = fit_table(
        folder,
        "mst",
        params={"epsilon": 0.5},
        seed=2,
        sample_size=300,
        executor=ProcessExecutor(2) if executor == "processes" else None,
    )
    assert gen.ledger_.to_dict() == memory.ledger_.to_dict()  # type: ignore[attr-defined]
    assert gen.n_rows_ == memory.n_rows_
    assert gen.sample(400, seed=3).equals(memory.sample(400, seed=3))
    assert (
        gen.fitted_on_ is not None and "differentially private counts of every row" in gen.fitted_on_["how"]
    )


BN = {"max_fit_rows": 700, "n_bins": 12}


def _same_network(a: Generator, b: Generator) -> None:
    assert a.parents_ == b.parents_  # type: ignore[attr-defined]
    for x, y in zip(a.cpts_, b.cpts_, strict=True):  # type: ignore[attr-defined]
        assert np.array_equal(x, y)
    assert a.sample(300, seed=5).equals(b.sample(300, seed=5))


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_bayesian_network_fitted_in_blocks_equals_the_in_memory_fit(folder: Path, executor: str) -> None:
    """States, structure and couplings from the seeded fit sample (700 of 2,400 rows, the same rows
    either way), every conditional table counted over every row."""
    data = pd.read_parquet(sorted(folder.glob("part-*.parquet")))
    memory = create("bayesian_network", seed=6, **BN).fit(data)
    gen = fit_table(
        folder,
        "bayesian_network",
        params=BN,
        seed=6,
        schema=memory.schema_,
        sample_size=300,
        executor=ProcessExecutor(2) if executor == "processes" else None,
    )
    _same_network(gen, memory)
    marginal = [m.sum() for m in gen.marginals_]  # type: ignore[attr-defined]
    assert marginal == [2_400.0] * len(marginal)  # every row counted, not the sample's 700
    assert gen.fitted_on_ is not None and "700 rows" in gen.fitted_on_["how"]


def test_values_the_fit_sample_missed_fall_in_the_nearest_state(tmp_path: Path) -> None:
    """A value outside the sample's range, and a missing value the sample never saw, still count."""
    data = _table(1_000)
    rows = np.random.default_rng(0).choice(1_000, 30, replace=False)
    data.loc[rows[:15], "fine"] = 1e6
    data.loc[rows[15:], "fine"] = np.nan
    folder = _write(data, tmp_path / "t")
    gen = fit_table(folder, "bayesian_network", params={"max_fit_rows": 100}, seed=1, sample_size=100)
    j = gen.names_.index("fine")  # type: ignore[attr-defined]
    states = gen.states_[j]  # type: ignore[attr-defined]
    assert states.has_missing and gen.marginals_[j].sum() == 1_000  # type: ignore[attr-defined]
    assert gen.marginals_[j][states.missing_state] == 15  # type: ignore[attr-defined]
    assert states.edges[-1] == 1e6  # the outer bin reaches the column's largest value


def test_a_column_constant_only_in_the_sample_is_refused_with_the_fix(tmp_path: Path) -> None:
    data = _table(1_000)
    data["mostly"] = "same"
    outside = np.setdiff1d(np.arange(len(data)), sample_rows(len(data), 50, seed=0))
    data.loc[outside[0], "mostly"] = "other"
    with pytest.raises(ColumnError, match=r"mostly.*sample saw one value"):
        fit_table(_write(data, tmp_path / "t"), "gaussian_copula", seed=0, sample_size=50)


def test_other_generators_learn_from_the_seeded_sample_and_say_so(folder: Path, tmp_path: Path) -> None:
    gen = fit_table(folder, "cart", params={"privacy": "off"}, seed=0, sample_size=600)
    assert gen.n_rows_ == 600
    assert gen.fitted_on_ == {
        "rows": 2_400,
        "blocks": 9,
        "sample_rows": 600,
        "how": "a seeded uniform sample of 600 rows",
    }
    path = tmp_path / "m.synthwise"
    gen.save(str(path))
    assert load_generator(str(path)).fitted_on_ == gen.fitted_on_


def test_the_privacy_guard_needs_rows_in_memory(folder: Path) -> None:
    with pytest.raises(InvalidParameterError, match="privacy='off'"):
        fit_table(folder, "gaussian_copula", params={"privacy": "balanced"}, seed=0, sample_size=200)


def test_bad_sources_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        parquet_partitions(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no Parquet files"):
        parquet_partitions(tmp_path / "empty")
    (tmp_path / "bad.parquet").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="cannot be read as Parquet"):
        parquet_partitions(tmp_path / "bad.parquet")


def test_cli_fits_a_folder_in_blocks(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.synthwise"
    code, text = run_cli(
        ["fit", str(folder), "-g", "gaussian_copula", "-o", str(model), "--seed", "1"], capsys
    )
    assert code == 0, text
    flat = " ".join(text.split())
    assert "2,400 rows in 9 blocks" in flat and "merged statistics of every row" in flat
    code, text = run_cli(["sample", str(model), "-n", "50", "-o", str(tmp_path / "s.csv")], capsys)
    assert code == 0, text
    assert len(pd.read_csv(tmp_path / "s.csv")) == 50
    code, text = run_cli(["fit", str(folder), "-g", "mst", "--epsilon", "0.5", "-o", str(model)], capsys)
    assert code == 0, text
    assert load_generator(str(model)).ledger_.epsilon == 0.5  # type: ignore[attr-defined]
    code, text = run_cli(["fit", str(folder), "-g", "cart", "--entity", "id", "-o", str(model)], capsys)
    assert code == 2 and "--entity cannot apply" in " ".join(text.split()), text
    csv = tmp_path / "t.csv"
    _table(50).to_csv(csv, index=False)
    code, text = run_cli(["fit", str(csv), "-o", str(model), "--workers", "2"], capsys)
    assert code == 2 and len(text.strip().splitlines()) == 1, text
    assert "not Parquet" in text and "Traceback" not in text


@pytest.mark.skipif(dask_unavailable() is not None, reason=str(dask_unavailable()))
def test_a_dask_cluster_gives_the_same_model(folder: Path, memory: Generator) -> None:
    with loopback_cluster(workers=2) as address:
        executor = DaskExecutor(scheduler=address)
        gen = fit_table(
            folder, "gaussian_copula", params=PARAMS, seed=4, schema=memory.schema_, executor=executor
        )
        network = fit_table(folder, "bayesian_network", params=BN, seed=6, executor=executor)
    _same_model(gen, memory)
    data = pd.read_parquet(sorted(folder.glob("part-*.parquet")))
    _same_network(network, create("bayesian_network", seed=6, **BN).fit(data, network.schema_))
