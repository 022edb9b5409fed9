"""A differentially private word n-gram model: every count it holds is a noisy, thresholded count.

``text_ngram`` with ``epsilon``. The model is :class:`~synthwise.text.ngram.NgramModel` (same smoothing,
same sampling, same model file); only its counts are released differently, one order at a time through
:meth:`~synthwise.privacy.release.Releaser.sparse_histogram` (Gaussian noise, zCDP ledger):

1. **words** (history length 0): each text contributes its distinct words plus its end marker, at most
   ``max_ngrams`` of them (a seeded random subset when it has more); the words whose noisy count clears
   the threshold are the vocabulary. Nothing else about the texts is read to choose it.
2. **n-grams of history length k = 1 .. order - 1**: each text contributes its distinct (history, word)
   pairs made of released words (histories padded with the start marker), again at most
   ``max_ngrams``; the pairs clearing the threshold are kept with their noisy counts (rounded: a
   post-processing). An n-gram touching a word outside the vocabulary is not counted.

Each release bounds one text's contribution to ``max_ngrams`` distinct keys, so its counts have L2
sensitivity ``sqrt(max_ngrams)`` and a key only one text holds passes with probability at most the
release's delta. A bound well above the texts' length only adds noise, one well below drops most of
each text: ``max_ngrams=None`` (the default) takes the texts' median number of distinct words (+1 for the
end), chosen privately by the exponential mechanism over 1 .. 256 for ``LENGTH_SHARE`` of the budget
(tweets: 32 -> 16 keys per text took coverage 0.25 -> 0.30 and FD 0.79 -> 0.73 at epsilon 8).

The budget: ``share`` of the ledger's zCDP budget at half its delta goes to the bound's choice
(``LENGTH_SHARE``, when automatic) and in equal parts to the ``order`` releases, the other half of
delta to their thresholds, so one text column spending ``share`` = 1 spends the ledger's
``(epsilon, delta)`` exactly.

Why an n-gram for private text: DP-SGD through a byte LSTM gets a few hundred noisy steps in minutes on
a CPU and learns letter frequencies (``benchmarks/results/text_dp.json``); counts cost one noisy pass.
What it cannot give: rare words and phrases (below the threshold: ~30 occurrences at epsilon 8 with the
default contribution bound) never appear, which is the point of the guarantee.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from synthwise.errors import InvalidParameterError
from synthwise.privacy.dp import cdp_rho
from synthwise.privacy.ledger import BudgetLedger
from synthwise.privacy.release import Releaser
from synthwise.text.ngram import BOS, EOS, NgramModel, words

START, END = "<s>", "</s>"
LENGTH_SHARE = 0.02  # of the zCDP budget, for the private median length behind max_ngrams=None
MAX_BOUND = 256


def _capped(keys: list[Any], limit: int, rng: np.random.Generator) -> list[Any]:
    """``keys`` (sorted, distinct) or a seeded random ``limit`` of them."""
    if len(keys) <= limit:
        return keys
    pick = np.sort(rng.choice(len(keys), size=limit, replace=False))
    return [keys[i] for i in pick]


def _release(
    releaser: Releaser,
    step: str,
    rows: list[list[Any]],
    *,
    limit: int,
    rho: float,
    delta: float,
    rng: np.random.Generator,
    label: str,
) -> tuple[list[Any], np.ndarray]:
    """The thresholded noisy histogram of ``rows`` (each a sorted list of distinct keys), each row
    capped at ``limit`` keys."""
    counts: Counter[Any] = Counter()
    for keys in rows:
        counts.update(_capped(keys, limit, rng))
    keys = sorted(counts)
    return releaser.sparse_histogram(
        step,
        keys,
        np.array([counts[k] for k in keys], dtype=np.float64),
        rho=rho,
        delta=delta,
        per_row=limit,
        column=label,
    )


def fit_private_ngram(
    texts: Sequence[str],
    *,
    order: int,
    max_ngrams: int | None,
    ledger: BudgetLedger,
    share: float,
    rng: np.random.Generator,
    label: str = "text",
) -> tuple[NgramModel, dict[str, Any]]:
    """The private n-gram model of ``texts`` and what it released (sizes only: see the module docstring).

    Spends ``share`` of ``ledger``; raises :class:`InvalidParameterError` when not even the texts' end
    is frequent enough to be released (too few texts for the budget)."""
    order = int(order)
    if order < 1 or (max_ngrams is not None and int(max_ngrams) < 1):
        raise InvalidParameterError("A private n-gram model needs order >= 1 and max_ngrams >= 1.")
    # (1 - 1e-9): the conversion's round-off may not push the guarantee past epsilon
    rho_all = share * cdp_rho(ledger.epsilon, ledger.delta / 2) * (1 - 1e-9)
    releaser = Releaser(ledger, rng)
    tokenized = [words(t) for t in texts]
    word_rows = [sorted((set(ws) - {START}) | {END}) for ws in tokenized]
    if max_ngrams is None:
        limit = private_median_length([len(r) for r in word_rows], releaser, LENGTH_SHARE * rho_all, label)
        rho_all *= 1 - LENGTH_SHARE
    else:
        limit = int(max_ngrams)
    rho = rho_all / order
    delta = share * ledger.delta / 2 / order
    kept, noisy = _release(
        releaser,
        "text n-gram: words (thresholded histogram)",
        word_rows,
        limit=limit,
        rho=rho,
        delta=delta,
        rng=rng,
        label=label,
    )
    released = dict(zip(kept, noisy, strict=True))
    if END not in released:
        raise InvalidParameterError(
            f"Text column {label!r}: at this epsilon not even the end of a text is frequent enough to be "
            "released privately (too few texts for the budget). Fix: give more texts, raise epsilon, or "
            "lower max_ngrams."
        )
    others = sorted((w for w in released if w != END), key=lambda w: (-released[w], w))
    vocab = [START, END, *others]
    index = {w: i for i, w in enumerate(vocab)}
    counts: list[dict[tuple[int, ...], Counter[int]]] = [
        {(): Counter({index[w]: max(1, round(float(c))) for w, c in released.items()})}
    ]
    sequences = [[index.get(w, -1) for w in ws if w != START] + [EOS] for ws in tokenized]
    for k in range(1, order):
        rows = []
        for ids in sequences:
            seq = [BOS] * k + ids
            grams = {tuple(seq[i - k : i + 1]) for i in range(k, len(seq))}
            rows.append(sorted(g for g in grams if -1 not in g))
        grams_kept, noisy = _release(
            releaser,
            f"text n-gram: {k + 1}-grams (thresholded histogram)",
            rows,
            limit=limit,
            rho=rho,
            delta=delta,
            rng=rng,
            label=label,
        )
        table: dict[tuple[int, ...], Counter[int]] = {}
        for gram, c in zip(grams_kept, noisy, strict=True):
            table.setdefault(gram[:-1], Counter())[gram[-1]] = max(1, round(float(c)))
        counts.append(table)
    model = NgramModel.from_counts(order, vocab, counts)
    sizes = {"words": len(vocab) - 2, **{f"{k + 1}-grams": _size(counts[k]) for k in range(1, order)}}
    return model, {"private": "gaussian sparse histograms", "max_ngrams": limit, "released": sizes}


def private_median_length(lengths: list[int], releaser: Releaser, rho: float, label: str) -> int:
    """The median of ``lengths`` (clipped to 1 .. ``MAX_BOUND``) by the exponential mechanism: candidate
    ``c`` scores ``-|#(length <= c) - #(length > c)|``, which one row moves by at most 1."""
    clipped = np.clip(np.asarray(lengths, dtype=np.int64), 1, MAX_BOUND)
    at_most = np.cumsum(np.bincount(clipped, minlength=MAX_BOUND + 1)[1:])  # #(length <= c), c = 1..
    quality = -np.abs(2.0 * at_most - len(clipped))
    pick = releaser.exponential("text n-gram: keys per text (median length)", quality, rho=rho, column=label)
    return pick + 1


def _size(table: dict[tuple[int, ...], Counter[int]]) -> int:
    return sum(len(c) for c in table.values())
