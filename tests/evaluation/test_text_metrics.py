"""Known cases for the text judge (issue 17): copies, word-shuffled copies, truncated texts, a
collapse onto 50 texts and a second real sample, on real tweets; the default (MiniLM) verdict too."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import synthwise as sw
from synthwise.evaluation.text import distinct_n, js_divergence, judge_texts, self_bleu

pytest.importorskip("model2vec")


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    df = sw.datasets.load_frame("tweets")
    t = df["text"].dropna().sample(frac=1.0, random_state=0).tolist()
    train, hold, fresh = t[:2000], t[2000:2500], t[2500:3000]
    rng = np.random.default_rng(0)
    return {
        "train": train,
        "holdout": hold,
        "fresh": fresh,
        "copy": train[:500],
        "shuffled": [" ".join(rng.permutation(x.split())) for x in train[:500]],
        "first5": [" ".join(x.split()[:5]) for x in train[:500]],
        "repeat50": [train[i % 50] for i in range(500)],
    }


@pytest.fixture(scope="module")
def scores(texts: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    cache: dict = {}
    out = {}
    for case in ("fresh", "copy", "shuffled", "first5", "repeat50"):
        s = judge_texts(
            texts["train"], texts[case], texts["holdout"], spaces=("potion",), max_texts=500, embeddings=cache
        )
        out[case] = s
    return out


def test_copy_is_unauthentic_and_flagged(scores: dict) -> None:
    assert scores["copy"]["potion.authenticity"] < 0.05 < scores["fresh"]["potion.authenticity"]
    assert scores["copy"]["memorization.near_copy_rate"] == 1.0
    assert scores["fresh"]["memorization.near_copy_rate"] < 0.05


def test_shuffled_copies_fool_bag_of_tokens_but_not_us(scores: dict) -> None:
    fresh, shuf = scores["fresh"], scores["shuffled"]
    # potion is a bag of tokens: it sees the word-shuffled copy as perfect, as the issue warns
    assert shuf["potion.classifier_auc"] < 0.6 and shuf["potion.coverage"] >= fresh["potion.coverage"] - 0.02
    assert shuf["memorization.near_copy_rate"] > 0.9  # same words, reshuffled
    assert shuf["lexical.perplexity_gap"] > fresh["lexical.perplexity_gap"] + 0.3


def test_first_five_words_flagged_by_length_and_perplexity(scores: dict) -> None:
    fresh, cut = scores["fresh"], scores["first5"]
    assert cut["lexical.length_ks"] > 0.5 > fresh["lexical.length_ks"]
    assert cut["lexical.perplexity_gap"] > fresh["lexical.perplexity_gap"] + 0.2


def test_fifty_texts_repeated_collapse_coverage_and_distinct(scores: dict) -> None:
    fresh, rep = scores["fresh"], scores["repeat50"]
    assert rep["potion.coverage"] < 0.5 * fresh["potion.coverage"]
    assert rep["potion.recall"] < 0.5 * fresh["potion.recall"]
    assert rep["lexical.distinct_2"] < 0.2 < fresh["lexical.distinct_2"]
    assert rep["lexical.self_bleu"] > 0.9


def test_second_real_sample_scores_like_the_holdout(texts: dict, scores: dict) -> None:
    """The fresh real sample stays inside the reference's bootstrap interval (holdout resamples)."""
    rng = np.random.default_rng(1)
    cache: dict = {}
    boot = [
        judge_texts(
            texts["train"],
            list(rng.choice(texts["holdout"], 500)),
            texts["holdout"],
            spaces=("potion",),
            max_texts=500,
            embeddings=cache,
        )
        for _ in range(3)
    ]
    for key in ("potion.coverage", "potion.alpha_precision", "lexical.length_ks"):
        ref = np.array([b[key] for b in boot])
        lo, hi = ref.min() - 3 * ref.std() - 0.03, ref.max() + 3 * ref.std() + 0.03
        assert lo <= scores["fresh"][key] <= hi, (key, scores["fresh"][key], ref)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="ab c", max_size=12), min_size=2, max_size=10))
def test_lexical_scores_stay_in_bounds(texts: list[str]) -> None:
    from collections import Counter

    assert 0.0 <= distinct_n(texts, 2) <= 1.0
    assert 0.0 <= self_bleu(texts) <= 1.0
    a, b = Counter(" ".join(texts).split()), Counter(texts[0].split())
    assert 0.0 <= js_divergence(a, b) <= 1.0 + 1e-12


def test_default_verdict_does_not_rate_shuffled_copies_perfect() -> None:
    """Through the Evaluator (MiniLM, the default): word-shuffled copies score poor somewhere."""
    pytest.importorskip("sentence_transformers")
    from synthwise.report.verdict import judge

    df = sw.datasets.load_frame("tweets")[["source", "text"]].dropna().sample(300, random_state=0)
    train, hold = df.iloc[:200].reset_index(drop=True), df.iloc[200:].reset_index(drop=True)
    rng = np.random.default_rng(0)
    shuffled = train.assign(text=[" ".join(rng.permutation(t.split())) for t in train["text"]])
    keys = ["classifier_auc", "near_copy_rate", "authenticity", "coverage", "perplexity_gap"]
    ev = sw.evaluate(
        train,
        shuffled,
        holdout=hold,
        n_bootstrap=0,
        baselines=False,
        row_flags=False,
        metrics=[f"text_{k}" for k in keys],
    )
    text = {m.name: m for m in ev.metrics if m.name.startswith("text_")}
    assert {"text_classifier_auc", "text_near_copy_rate", "text_authenticity", "text_coverage"} <= set(text)
    poor = [name for name, m in text.items() if judge(m).level == "poor"]
    assert "text_near_copy_rate" in poor and "text_classifier_auc" in poor, poor
    assert ev.plots.text["text"]["samples"] and ev.plots.text["text"]["near_copies"]
