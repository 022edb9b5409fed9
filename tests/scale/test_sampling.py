"""Sampling in blocks: one block is the generator's own sample, resumed runs, refused folders, every
generator (the process pool: tests/e2e/test_cli_scale.py; Dask: test_dask.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synthwise.errors import InvalidParameterError, MissingDependencyError
from synthwise.generators import create, get, names
from synthwise.scale import sample_to_folder
from synthwise.scale.blocks import arrow_schema, parquet_bytes
from synthwise.scale.plan import PIECE_CELLS
from synthwise.scale.sampling import MANIFEST_FILE, RUN_FILE, part_name
from synthwise.testing.generators import _fast_params, mixed_table, spec_table
from synthwise.testing.scale import folder_digest as digest

N, BLOCKS, SEED = 6_000, 4, 11  # the run of the ``reference`` fixture (conftest.py)


def test_serial_folder_holds_the_blocks_and_a_manifest(
    model: Path, reference: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)
    assert digest(out) == reference  # same seed and plan, same bytes
    assert sorted(reference) == [MANIFEST_FILE, RUN_FILE, *[part_name(i) for i in range(BLOCKS)]]
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert manifest["rows"] == N and manifest["plan"] == {
        "n": N,
        "block_rows": 1500,
        "seed": SEED,
        "piece_rows": PIECE_CELLS // len(mixed_table(300).columns),
        "n_blocks": 4,
    }
    assert manifest["model_sha256"] == hashlib.sha256(model.read_bytes()).hexdigest()
    assert [b["offset"] for b in manifest["blocks"]] == [0, 1500, 3000, 4500]
    assert all(reference[b["file"]] == b["sha256"] for b in manifest["blocks"])
    df = pd.read_parquet(out)
    assert len(df) == N and df["id"].is_unique  # keys numbered from each block's row offset
    real = mixed_table(300)
    assert list(df.columns) == list(real.columns)
    share = df["group"].value_counts(normalize=True)["a"]
    assert share == pytest.approx(real["group"].value_counts(normalize=True)["a"], abs=0.03)


def test_a_block_is_the_generator_sample_from_its_own_stream(model: Path, tmp_path: Path) -> None:
    from synthwise.generators import load_generator

    out = tmp_path / "out"
    sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)
    gen = load_generator(model)
    block = gen.sample(1500, seed=np.random.SeedSequence(SEED, spawn_key=(2,)), id_start=3000)
    assert (out / part_name(2)).read_bytes() == parquet_bytes(block, arrow_schema(gen, SEED))
    with pytest.raises(InvalidParameterError, match="'id_start' parameter"):
        gen.sample(5, id_start=-1)
    other_seed = tmp_path / "other"
    sample_to_folder(model, N, other_seed, seed=SEED + 1, blocks=BLOCKS)
    assert (other_seed / part_name(0)).read_bytes() != (out / part_name(0)).read_bytes()


def test_a_block_of_several_pieces_is_their_samples_in_turn(
    model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block sampled in pieces (here of 400 rows) holds each piece's sample from its own child of the
    block's stream, identifiers numbered on; a 2-process pool writes the same bytes."""
    import synthwise.scale.plan as plan_module
    from synthwise.generators import load_generator
    from synthwise.scale import ProcessExecutor

    gen = load_generator(model)
    monkeypatch.setattr(plan_module, "PIECE_CELLS", 400 * len(gen.columns_))
    out = tmp_path / "out"
    sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)
    sizes = [400, 400, 400, 300]
    pieces = [
        gen.sample(size, seed=np.random.SeedSequence(SEED, spawn_key=(2, j)), id_start=3000 + 400 * j)
        for j, size in enumerate(sizes)
    ]
    block = pd.concat(pieces, ignore_index=True)
    assert (out / part_name(2)).read_bytes() == parquet_bytes(block, arrow_schema(gen, SEED))
    df = pd.read_parquet(out)
    assert len(df) == N and df["id"].is_unique
    pool = tmp_path / "pool"
    sample_to_folder(model, N, pool, seed=SEED, blocks=BLOCKS, executor=ProcessExecutor(2))
    assert digest(pool) == digest(out)


def test_an_interrupted_run_resumes_without_redoing_blocks(
    model: Path, reference: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"

    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS, on_block=stop_after_two)
    assert not (out / MANIFEST_FILE).exists()
    assert sorted(p.name for p in out.glob("part-*")) == [part_name(0), part_name(1)]
    finished = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*")}
    (out / f".{part_name(2)}.abc.tmp").write_bytes(b"half a file left by a killed run")
    result = sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)
    assert (result.reused, result.written, result.complete) == (2, 2, True)
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("part-*") if p.name in finished} == finished
    assert digest(out) == reference  # the temporary file is gone, the rest is the uninterrupted run's


def test_a_run_begun_before_pieces_resumes_with_whole_blocks(
    model: Path, reference: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder whose plan predates pieces (no piece_rows) is resumed as it began, blocks sampled whole,
    even where this version would cut them into pieces."""
    import synthwise.scale.plan as plan_module
    import synthwise.scale.sampling as sampling
    from synthwise.generators import load_generator

    out = tmp_path / "out"
    made = sampling.make_plan
    monkeypatch.setattr(sampling, "make_plan", lambda *a, **k: replace(made(*a, **k), piece_rows=0))

    def stop_after_two(done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS, on_block=stop_after_two)
    assert "piece_rows" not in json.loads((out / RUN_FILE).read_text())["plan"]
    monkeypatch.setattr(sampling, "make_plan", made)
    monkeypatch.setattr(plan_module, "PIECE_CELLS", 400 * len(load_generator(model).columns_))
    result = sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)
    assert (result.reused, result.written, result.complete) == (2, 2, True)
    parts = {name: sha for name, sha in digest(out).items() if name.startswith("part-")}
    assert parts == {name: sha for name, sha in reference.items() if name.startswith("part-")}


def test_a_time_budget_stops_cleanly_and_a_rerun_finishes(
    model: Path, reference: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS, max_time_s=1e-9)
    assert not result.complete and result.written == 1 and not (out / MANIFEST_FILE).exists()
    assert sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS).complete
    assert digest(out) == reference
    again = sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)  # a finished run: nothing to do
    assert (again.written, again.reused) == (0, BLOCKS) and digest(out) == reference


def test_a_damaged_block_is_sampled_again(model: Path, reference: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)
    (out / part_name(3)).write_bytes(b"not parquet")
    (out / MANIFEST_FILE).unlink()
    result = sample_to_folder(model, N, out, seed=SEED, blocks=BLOCKS)
    assert (result.written, result.reused) == (1, 3) and digest(out) == reference


def test_folders_of_other_runs_or_files_are_refused(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    sample_to_folder(model, 100, out, seed=1, blocks=2)
    for kwargs in ({"seed": 2, "blocks": 2}, {"seed": 1, "blocks": 3}):
        with pytest.raises(InvalidParameterError, match=r"holds another sampling run.*Fix"):
            sample_to_folder(model, 100, out, **kwargs)  # type: ignore[arg-type]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(InvalidParameterError, match="not empty and holds no sampling run"):
        sample_to_folder(model, 100, other)
    with pytest.raises(InvalidParameterError, match="is a file"):
        sample_to_folder(model, 100, other / "notes.txt")


def _fitted(name: str) -> object:
    try:
        cls = get(name)
    except MissingDependencyError:
        pytest.skip(f"{name}: optional extra not installed")
    if cls.capabilities.data == "image":
        pytest.skip("image generators write PNG folders, not blocks of rows (tests/e2e/test_cli_images.py)")
    gen = create(name, seed=0, **_fast_params(name))
    if cls.capabilities.data == "sequential":
        from synthwise.schema import infer_schema
        from synthwise.testing.sequential import small_pbcseq

        data = small_pbcseq(20)
        return gen.fit(data, infer_schema(data, entity="id", sequence_index="day"))
    return gen.fit(spec_table() if cls.capabilities.needs_spec else mixed_table(200))


# Blocks go through the public ``sample(n, seed=, id_start=)`` like any call. The slowest deep generators
# (ctgan, diffusion, sequential_deep: 2-6 s of fitting each) share that path with tvae and sequential_ar,
# which stay, and their same-seed-same-bytes contract is the conformance suite's.
SLOW_TWINS = {"ctgan", "diffusion", "sequential_deep"}


@pytest.mark.parametrize("name", [g for g in names() if g not in SLOW_TWINS])
def test_every_generator_samples_in_blocks(name: str, tmp_path: Path) -> None:
    gen = _fitted(name)
    gen.save(str(tmp_path / "m.synthwise"))  # type: ignore[attr-defined]
    sequential = gen.capabilities.data == "sequential"  # type: ignore[attr-defined]
    n = 9 if sequential else 90
    first = sample_to_folder(tmp_path / "m.synthwise", n, tmp_path / "a", seed=3, blocks=3)
    df = pd.read_parquet(tmp_path / "a")
    assert first.rows == len(df) and list(df.columns) == list(gen.columns_)  # type: ignore[attr-defined]
    if sequential:  # blocks of entities: every entity whole in one block, ids unique across blocks
        assert df["id"].nunique() == n
        per_block = [set(pq.read_table(tmp_path / "a" / part_name(i))["id"].to_pylist()) for i in range(3)]
        assert sum(len(s) for s in per_block) == n
    else:
        assert len(df) == n
    if gen.capabilities.deterministic:  # type: ignore[attr-defined]
        sample_to_folder(tmp_path / "m.synthwise", n, tmp_path / "b", seed=3, blocks=3)
        assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_row_keys_of_entity_blocks_never_collide(tmp_path: Path) -> None:
    """A long table with an entity key and a row-level key: both unique across blocks of entities."""
    from synthwise.schema import infer_schema

    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 6, size=40)
    data = pd.DataFrame(
        {
            "patient": np.repeat(np.arange(100, 140), lengths),
            "visit": np.arange(5000, 5000 + lengths.sum()),
            "day": np.concatenate([np.cumsum(rng.integers(1, 30, size=k)) for k in lengths]),
            "value": rng.normal(size=lengths.sum()).round(2),
        }
    )
    schema = infer_schema(data, entity="patient", sequence_index="day")
    assert schema["visit"].kind == "identifier"
    gen = create("sequential_ar", seed=0, **_fast_params("sequential_ar")).fit(data, schema)
    gen.save(str(tmp_path / "m.synthwise"))
    result = sample_to_folder(tmp_path / "m.synthwise", 30, tmp_path / "out", seed=1, blocks=3)
    df = pd.read_parquet(tmp_path / "out")
    assert result.rows == len(df) and df["patient"].nunique() == 30
    assert df["visit"].is_unique  # each block numbers its rows from its first entity x the longest length
