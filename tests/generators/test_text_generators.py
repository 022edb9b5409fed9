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
