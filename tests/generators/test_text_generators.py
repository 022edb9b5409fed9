"""Text generators and the text columns of tabular generators (issue 17)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import synthwise as sw
from synthwise.errors import InvalidParameterError
from synthwise.generators import create, load_generator
from synthwise.io import read_table, write_table


@pytest.fixture(scope="module")
def tweets() -> pd.DataFrame:
    df = sw.datasets.load_frame("tweets")
    cols = ["source", "text", "created_at", "retweet_count", "is_retweet"]
    return df[cols].iloc[:400].reset_index(drop=True)


def test_cart_hands_text_to_a_text_model(tweets: pd.DataFrame, tmp_path: Path) -> None:
    gen = create("cart", seed=0).set_text_model("text_ngram").fit(tweets)
    out = gen.sample(60, seed=1)
    assert list(out.columns) == list(tweets.columns)
    assert out["text"].map(lambda t: isinstance(t, str) and len(t) > 0).mean() > 0.9
    vocab = {w for t in tweets["text"] for w in t.split()}
    assert all(set(t.split()) <= vocab for t in out["text"])  # words learned, texts new
    gen.save(str(tmp_path / "m.synthwise"))
    again = load_generator(str(tmp_path / "m.synthwise"))
    pd.testing.assert_frame_equal(again.sample(60, seed=1), out)


def test_text_generator_on_a_corpus_file(tmp_path: Path) -> None:
    path = tmp_path / "corpus.txt"
    lines = ["red apples are sweet", "green apples are sour", "red cherries are sweet"] * 20
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = read_table(path)
    assert list(corpus.columns) == ["text"] and len(corpus) == 60
    gen = create("text_ngram", seed=0).fit(corpus)
    assert gen.schema_["text"].kind == "text"  # short repeated lines are still a corpus
    out = gen.sample(30, seed=2)
    assert len(out) == 30 and out["text"].str.len().gt(0).all()
    write_table(out, tmp_path / "out.txt")
    assert read_table(tmp_path / "out.txt")["text"].tolist() == out["text"].tolist()


def test_text_lstm_generator_with_a_table(tmp_path: Path) -> None:
    pytest.importorskip("tokenizers")
    rng = np.random.default_rng(0)
    group = rng.choice(["cats", "dogs"], 200)
    df = pd.DataFrame({"group": group, "text": [f"my {g} are {rng.choice(['nice', 'good'])}" for g in group]})
    schema = sw.infer_schema(df)
    from dataclasses import replace

    schema = sw.Schema(columns=(schema["group"], replace(schema["text"], kind="text", categories=())))
    gen = create(
        "text_lstm",
        seed=0,
        max_time_s=8.0,
        epochs=6,
        dim=32,
        hidden=64,
        vocab_size=300,
        verbose=False,
        guard=False,
    )
    gen.fit(df, schema)
    out = gen.sample(40, seed=1)
    assert set(out["group"]) <= {"cats", "dogs"} and out["text"].str.len().gt(0).mean() > 0.8
    gen.save(str(tmp_path / "lstm.synthwise"))
    pd.testing.assert_frame_equal(load_generator(str(tmp_path / "lstm.synthwise")).sample(40, seed=1), out)


def test_unknown_text_generator_is_one_clear_error() -> None:
    with pytest.raises(InvalidParameterError, match="text_ngram"):
        create("cart").set_text_model("gpt")
    with pytest.raises(InvalidParameterError, match="max_time_s"):
        create("cart").set_text_model("text_lstm", max_seconds=3)


DP = {"epochs": 2, "dim": 16, "hidden": 32, "max_len": 40, "batch_size": 32, "verbose": False}


def test_text_lstm_with_epsilon_trains_under_dp_sgd_and_pays_the_ledger(tmp_path: Path) -> None:
    """A corpus under DP-SGD: the budget is booked in the ledger (saved in the model file), the tokens
    are the bytes (nothing learned from the texts), the same seed gives the same model."""
    pytest.importorskip("opacus")
    rng = np.random.default_rng(0)
    corpus = pd.DataFrame(
        {"text": [f"the {w} is {v}" for w, v in rng.choice(["cat", "dog", "fox"], (120, 2))]}
    )
    gen = create("text_lstm", seed=0, epsilon=3.0, **DP).fit(corpus)
    ledger = gen.ledger_  # type: ignore[attr-defined]
    assert ledger.epsilon == 3.0 and 0 < ledger.spent_epsilon <= 3.0
    model = gen.text_models_["text"]  # type: ignore[attr-defined]
    assert model.tokenizer.vocab_size == 259 and model.context.columns == ()
    assert model.training["noise_multiplier"] > 0 and model.training["spent_epsilon"] <= 3.0
    assert "val_loss" not in model.training  # no private validation
    out = gen.sample(20, seed=1)
    assert len(out) == 20 and out["text"].map(lambda t: isinstance(t, str)).all()
    gen.save(str(tmp_path / "dp.synthwise"))
    again = load_generator(str(tmp_path / "dp.synthwise"))
    pd.testing.assert_frame_equal(again.sample(20, seed=1), out)
    assert again.ledger_.to_dict() == ledger.to_dict()  # type: ignore[attr-defined]
    twin = create("text_lstm", seed=0, epsilon=3.0, **DP).fit(corpus)
    pd.testing.assert_frame_equal(twin.sample(20, seed=1), out)


def test_private_text_is_refused_where_it_would_not_be_private(tweets: pd.DataFrame) -> None:
    pytest.importorskip("opacus")
    with pytest.raises(InvalidParameterError, match="corpus"):
        create("text_lstm", seed=0, epsilon=1.0, **DP).fit(tweets)  # other columns unprotected
    with pytest.raises(InvalidParameterError, match="inside a table"):
        create("cart", seed=0).set_text_model("text_lstm", epsilon=1.0).fit(tweets)
    with pytest.raises(InvalidParameterError, match="text_lstm with epsilon"):
        create("cart").set_text_model("text_transformer", epsilon=1.0)
    with pytest.raises(InvalidParameterError, match="epsilon"):
        create("text_lstm", epsilon=-1.0).fit(tweets[["text"]])


def test_cli_fits_a_private_text_model_and_prints_the_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("opacus")
    from synthwise.testing.cli import run_cli

    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(["a short line", "another short line", "one more line"] * 30) + "\n")
    model = tmp_path / "m.synthwise"
    params = ["-p", "epochs=1", "-p", "dim=16", "-p", "hidden=32", "-p", "max_len=30", "-p", "verbose=false"]
    code, text = run_cli(
        ["fit", str(path), "-g", "text_lstm", "--epsilon", "2", *params, "-o", str(model)], capsys
    )
    assert code == 0, text
    flat = " ".join(text.split())
    assert "DP-SGD" in flat and "budget" in flat and "no formal privacy guarantee" not in flat
