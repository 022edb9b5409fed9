"""The differentially private word n-gram (``text_ngram`` with ``epsilon``): budget, bounds, known cases."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from synthwise.errors import InvalidParameterError
from synthwise.generators import create, load_generator
from synthwise.privacy.dp import cdp_epsilon
from synthwise.privacy.ledger import BudgetLedger
from synthwise.privacy.release import Releaser
from synthwise.text.dp_ngram import fit_private_ngram

SUBJECTS = ["the cat", "a dog", "my friend", "the old man", "our team"]
VERBS = ["likes", "sees", "wants", "found", "made"]
OBJECTS = ["the ball", "a new car", "some food", "the big house", "a good book"]
CANARY = "my secret pin is 4471 zebra"


def corpus(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        f"{SUBJECTS[rng.integers(5)]} {VERBS[rng.integers(5)]} {OBJECTS[rng.integers(5)]}" for _ in range(n)
    ]


def fit(texts: list[str], epsilon: float = 4.0, **kw: Any) -> tuple[Any, dict[str, Any], BudgetLedger]:
    ledger = BudgetLedger(epsilon=epsilon, delta=1e-6)
    params = {"order": 3, "max_ngrams": 16, **kw}
    model, info = fit_private_ngram(texts, ledger=ledger, share=1.0, rng=np.random.default_rng(0), **params)
    return model, info, ledger


def test_the_budget_is_spent_exactly_across_the_orders() -> None:
    _, info, ledger = fit(corpus(2000))
    assert [e.step for e in ledger] == [
        "text n-gram: words (thresholded histogram)",
        "text n-gram: 2-grams (thresholded histogram)",
        "text n-gram: 3-grams (thresholded histogram)",
    ]
    assert all(e.details["per_row"] == 16 for e in ledger)
    assert ledger.spent_epsilon <= 4.0 + 1e-9 and ledger.spent_epsilon > 4.0 * 0.999
    assert math.isclose(ledger.spent_approx[1], 0.5e-6)  # half of delta for the thresholds
    assert info["released"]["words"] > 0 and info["released"]["3-grams"] > 0


def test_frequent_phrases_are_learned_and_a_unique_text_is_not() -> None:
    """A canary held by one text of 3,000: none of its words clears the threshold, so no sample can
    hold it; the template's frequent words and phrases do."""
    texts = [*corpus(3000), CANARY]
    model, _, _ = fit(texts)
    assert {"4471", "zebra", "secret", "pin"}.isdisjoint(model.vocab)
    assert {"cat", "likes", "ball", "house"} <= set(model.vocab)
    samples = model.sample(300, np.random.default_rng(1))
    assert not any("4471" in s or "zebra" in s for s in samples)
    grammatical = {f"{s} {v} {o}" for s in SUBJECTS for v in VERBS for o in OBJECTS}
    assert np.mean([s in grammatical for s in samples]) > 0.5  # phrases, not a bag of words


def test_one_text_adds_to_at_most_max_ngrams_keys_per_order(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[np.ndarray, int]] = []
    real = Releaser.sparse_histogram

    def spy(self: Releaser, step: str, keys: list[Any], counts: np.ndarray, **kw: Any) -> Any:
        seen.append((np.asarray(counts), kw["per_row"]))
        return real(self, step, keys, counts, **kw)

    monkeypatch.setattr(Releaser, "sparse_histogram", spy)
    long_texts = [" ".join(f"w{i}_{j}" for j in range(100)) for i in range(50)]
    fit([*long_texts, *corpus(500)], max_ngrams=5)
    for counts, per_row in seen:
        assert per_row == 5
        assert counts.sum() <= 5 * 550  # every text capped, however long


def test_the_threshold_covers_every_key_one_text_can_add() -> None:
    """With ``per_row`` keys per row the noise is calibrated to L2 sensitivity sqrt(per_row) and each
    of a new row's keys passes with probability delta / per_row."""
    ledger = BudgetLedger(epsilon=10.0, delta=1e-6)
    rel = Releaser(ledger, np.random.default_rng(0))
    rel.sparse_histogram("h", ["a"], np.array([5.0]), rho=0.5, delta=1e-7, per_row=9)
    entry = ledger.entries[0]
    sigma = math.sqrt(9 / (2 * 0.5))
    assert math.isclose(entry.details["sigma"], sigma)
    assert math.isclose(entry.details["threshold"], 1 + sigma * float(ndtri(1 - 1e-7 / 9)))
    # a count of 1 passes at most delta / per_row of the time (empirically, with a looser threshold)
    hits = np.random.default_rng(1).normal(1.0, sigma, 200_000) >= entry.details["threshold"]
    assert hits.mean() <= 1e-4
    assert cdp_epsilon(0.5, 1e-6) > 0


def test_too_few_texts_for_the_budget_is_refused_with_the_fix() -> None:
    with pytest.raises(InvalidParameterError, match="Fix: give more texts"):
        fit(corpus(5), epsilon=0.5)


def test_text_ngram_with_epsilon_round_trips_and_is_deterministic(tmp_path: Path) -> None:
    data = pd.DataFrame({"text": [*corpus(1500), None, None]})
    gen = create("text_ngram", seed=0, epsilon=3.0).fit(data)
    ledger = gen.ledger_  # type: ignore[attr-defined]
    assert ledger.epsilon == 3.0 and 0.99 * 3.0 < ledger.spent_epsilon <= 3.0
    col = gen.schema_.columns[0]  # type: ignore[attr-defined]
    assert col.n_unique == 0 and col.missing_rate == 0.0  # no fact counted from the texts is kept
    out = gen.sample(40, seed=2)
    assert out["text"].map(lambda t: isinstance(t, str) and len(t) > 0).all()
    vocab = set(gen.text_models_["text"].ngram.vocab)  # type: ignore[attr-defined]
    assert all(set(t.split()) <= vocab for t in out["text"])
    gen.save(str(tmp_path / "dp.synthwise"))
    again = load_generator(str(tmp_path / "dp.synthwise"))
    pd.testing.assert_frame_equal(again.sample(40, seed=2), out)
    assert again.ledger_.to_dict() == ledger.to_dict()  # type: ignore[attr-defined]
    twin = create("text_ngram", seed=0, epsilon=3.0).fit(data)
    pd.testing.assert_frame_equal(twin.sample(40, seed=2), out)


def test_a_private_ngram_is_refused_where_other_columns_would_be_unprotected() -> None:
    data = pd.DataFrame({"text": corpus(300), "label": ["a", "b", "c"] * 100})
    with pytest.raises(InvalidParameterError, match="corpus"):
        create("text_ngram", seed=0, epsilon=1.0).fit(data)
    with pytest.raises(InvalidParameterError, match="inside a table"):
        create("cart", seed=0).set_text_model("text_ngram", epsilon=1.0).fit(data)
    with pytest.raises(InvalidParameterError, match="max_ngrams"):
        create("text_ngram", epsilon=1.0, max_ngrams=0).fit(data[["text"]])


def test_the_automatic_bound_is_the_texts_median_length_chosen_privately() -> None:
    """``max_ngrams=None``: the exponential mechanism picks the median number of keys per text (distinct
    words plus the end) for a small part of the budget."""
    texts = corpus(3000)
    model, info, ledger = fit(texts, max_ngrams=None)
    median = np.median([len(set(t.split())) + 1 for t in texts])
    assert ledger.steps()[0] == "text n-gram: keys per text (median length)"
    assert ledger.entries[0].rho < 0.05 * ledger.spent_rho
    assert abs(info["max_ngrams"] - median) <= 1
    assert ledger.spent_epsilon <= 4.0 + 1e-9 and ledger.spent_epsilon > 4.0 * 0.999
    assert {"cat", "likes"} <= set(model.vocab)
