"""End to end (issue 17): free text through the CLI on a small slice of real tweets, embedders offline."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import synthwise as sw
from synthwise.testing import run_cli as run


@pytest.fixture(scope="module")
def tweets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tweets")
    df = sw.datasets.load_frame("tweets")
    df = df[["source", "text", "retweet_count", "is_retweet"]].dropna().sample(260, random_state=0)
    paths = {"train": root / "train.csv", "holdout": root / "holdout.csv", "corpus": root / "corpus.txt"}
    df.iloc[:180].to_csv(paths["train"], index=False)
    df.iloc[180:].to_csv(paths["holdout"], index=False)
    paths["corpus"].write_text("\n".join(t.replace("\n", " ") for t in df["text"].iloc[:180]) + "\n")
    return paths


def test_table_with_text_generate_evaluate_report(tweets: dict[str, Path], tmp_path: Path, capsys) -> None:
    pytest.importorskip("sentence_transformers")
    syn = tmp_path / "syn.csv"
    code, out = run(
        ["generate", str(tweets["train"]), "-g", "cart", "--text-generator", "text_ngram", "-o", str(syn)],
        capsys,
    )
    assert code == 0, out
    assert "text column 'text': word 3-gram" in out  # what the text model learned, said after the fit
    frame = pd.read_csv(syn)
    assert list(frame.columns) == ["source", "text", "retweet_count", "is_retweet"] and len(frame) == 180
    report, js = tmp_path / "r.html", tmp_path / "r.json"
    args = [
        "evaluate",
        "--real",
        str(tweets["train"]),
        "--synthetic",
        str(syn),
        "--holdout",
        str(tweets["holdout"]),
    ]
    code, out = run(
        [
            *args,
            "--target",
            "source",
            "--bootstrap",
            "0",
            "--no-baselines",
            "--html",
            str(report),
            "--json",
            str(js),
        ],
        capsys,
    )
    assert code in (0, 1), out
    data = json.loads(js.read_text())
    names = {m["name"] for m in data["metrics"]}
    assert {
        "text_frechet",
        "text_coverage",
        "text_near_copy_rate",
        "text_perplexity_gap",
        "text_tstr_auc",
    } <= names
    html = report.read_text()
    assert 'id="text"' in html and "nearest real" in html


def test_corpus_file_with_a_learned_model(tweets: dict[str, Path], tmp_path: Path, capsys) -> None:
    pytest.importorskip("tokenizers")
    out_txt = tmp_path / "syn.txt"
    params = [
        "max_time_s=4",
        "epochs=2",
        "dim=32",
        "hidden=64",
        "vocab_size=300",
        "verbose=false",
        "guard=false",
    ]
    code, out = run(
        [
            "generate",
            str(tweets["corpus"]),
            "-g",
            "text_transformer",
            "-n",
            "20",
            "-o",
            str(out_txt),
            *[x for p in params for x in ("-p", p)],
        ],
        capsys,
    )
    assert code == 0, out
    lines = out_txt.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == 20
    pytest.importorskip("sentence_transformers")
    js = tmp_path / "corpus.json"
    code, out = run(
        [
            "evaluate",
            "--real",
            str(tweets["corpus"]),
            "--synthetic",
            str(out_txt),
            "--bootstrap",
            "0",
            "--no-baselines",
            "--json",
            str(js),
        ],
        capsys,
    )
    assert code in (0, 1), out
    names = {m["name"] for m in json.loads(js.read_text())["metrics"]}
    assert "text_frechet" in names and "text_near_copy_rate" in names
    assert "exact_copies" not in names  # row-space metrics skip a corpus: nothing beside the text


def test_unknown_text_generator_is_a_usage_error(tweets: dict[str, Path], tmp_path: Path, capsys) -> None:
    code, out = run(
        ["generate", str(tweets["train"]), "--text-generator", "gpt", "-o", str(tmp_path / "x.csv")], capsys
    )
    assert code == 2 and "text_ngram" in out and "Traceback" not in out
