"""The learned one-class representation: known cases hold in it, and it is deterministic."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from synthwise.errors import InvalidParameterError
from synthwise.evaluation import Evaluation
from synthwise.evaluation.embed import make_embedding
from synthwise.schema import infer_schema

torch = pytest.importorskip("torch")
from synthwise.evaluation.one_class import OneClassEmbedding  # noqa: E402

Quick = Callable[..., Evaluation]
THREE_D = ["alpha_precision", "beta_recall", "authenticity"]


def test_known_cases_hold_in_the_learned_space(tables: dict[str, pd.DataFrame], quick: Quick) -> None:
    """Copy -> memorization caught; fresh real rows -> near-ideal; collapse -> lower beta-recall."""
    train = tables["train"]
    collapsed = pd.concat([train.iloc[:20]] * (len(train) // 20), ignore_index=True)

    def scores(syn: pd.DataFrame) -> dict[str, float]:
        ev = quick(train, syn, metrics=THREE_D, embedding="one_class")
        assert ev.manifest["embedding"]["class"] == "OneClassEmbedding"
        return {m.name: m.value for m in ev.metrics}

    copy, fresh, collapse = scores(train), scores(tables["disjoint"]), scores(collapsed)
    assert copy["authenticity"] < 0.1 < fresh["authenticity"] - 0.2
    assert fresh["alpha_precision"] > 0.85 and fresh["beta_recall"] > 0.85
    assert collapse["beta_recall"] < fresh["beta_recall"] - 0.3


def test_same_seed_same_space_whatever_the_thread_count(tables: dict[str, pd.DataFrame]) -> None:
    train = tables["train"]
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        a = OneClassEmbedding(infer_schema(train), epochs=5, seed=3).fit(train)
        torch.set_num_threads(2)
        b = OneClassEmbedding(infer_schema(train), epochs=5, seed=3).fit(train)
    finally:
        torch.set_num_threads(before)
    assert torch.get_num_threads() == before
    probe = tables["holdout"]
    assert a.transform(probe).tobytes() == b.transform(probe).tobytes()
    assert a.center_.tobytes() == b.center_.tobytes()
    other = OneClassEmbedding(infer_schema(train), epochs=5, seed=4).fit(train)
    assert not np.array_equal(other.transform(probe), a.transform(probe))


def test_the_space_is_trained_not_a_random_projection(tables: dict[str, pd.DataFrame]) -> None:
    """Training pulls the real rows in around the centre (the soft-boundary radius shrinks)."""
    train = tables["train"]
    emb = OneClassEmbedding(infer_schema(train), epochs=30, seed=0).fit(train)
    info: dict[str, Any] = emb.training_
    assert info["epochs"] == 30 and info["spread_kept"] < 0.5
    d = np.linalg.norm(emb.transform(train) - emb.center_, axis=1)
    assert np.quantile(d, 0.99) <= info["radius"] * 1.5


def test_a_representation_is_named_or_given() -> None:
    schema = infer_schema(pd.DataFrame({"x": [1.0, 2.0]}))
    assert make_embedding(None, schema, 0) is None and make_embedding("fixed", schema, 0) is None
    assert isinstance(make_embedding("one_class", schema, 0), OneClassEmbedding)
    given = OneClassEmbedding(schema)
    assert make_embedding(given, schema, 0) is given
    with pytest.raises(InvalidParameterError, match="Fix: use one of fixed, one_class"):
        make_embedding("umap", schema, 0)


def test_cli_evaluates_in_the_one_class_space(
    tables: dict[str, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from synthwise.testing.cli import run_cli

    real, syn = tmp_path / "real.csv", tmp_path / "syn.csv"
    tables["train"].iloc[:400].to_csv(real, index=False)
    tables["disjoint"].iloc[:400].to_csv(syn, index=False)
    out = tmp_path / "scores.json"
    args = ["evaluate", "--real", str(real), "--synthetic", str(syn), "--representation", "one_class"]
    code, text = run_cli([*args, "--json", str(out), "--no-baselines", "--bootstrap", "0"], capsys)
    assert code == 0, text
    assert "one_class representation" in " ".join(text.split())
    assert '"OneClassEmbedding"' in out.read_text()
    code, text = run_cli([*args[:-1], "umap"], capsys)
    assert code != 0 and "Unknown representation 'umap'" in text and "Traceback" not in text
