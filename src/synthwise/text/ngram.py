"""A smoothed word n-gram model: interpolated absolute discounting (the Kneser-Ney family's simple
member) over whitespace words, with an add-one unigram floor so unseen words have a probability.

The baseline text generator (``text_ngram``) and, fitted on the real holdout, the perplexity judge of
synthetic text (:mod:`synthwise.evaluation.text`). Sampling walks the interpolation exactly: the
observed continuations of the longest history with their discounted mass, else one order lower.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

BOS, EOS = 0, 1
_DISCOUNT = 0.75


def words(text: str) -> list[str]:
    return str(text).split()


@dataclass
class NgramModel:
    order: int
    vocab: list[str]  # 0: <s>, 1: </s>
    counts: list[dict[tuple[int, ...], Counter[int]]] = field(default_factory=list)  # by history length
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    _totals: dict[tuple[int, tuple[int, ...]], int] = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, texts: Sequence[str], *, order: int = 3, like: NgramModel | None = None) -> NgramModel:
        """``like``: number the words as that model does (its texts must hold every word of ``texts``;
        the vocabularies are then equal, so the two models' word ids can be mixed)."""
        model = cls(int(order), ["<s>", "</s>"])
        model._index = dict(like._index) if like is not None else {"<s>": BOS, "</s>": EOS}
        known = len(model._index)
        model.counts = [defaultdict(Counter) for _ in range(model.order)]
        for text in texts:
            ids = [model._index.setdefault(w, len(model._index)) for w in words(text)]
            model._add(ids)
        if like is not None and len(model._index) != known:
            raise ValueError("NgramModel.fit(like=...): the texts hold words the other model never saw")
        model.vocab = sorted(model._index, key=model._index.__getitem__)
        model.counts = [dict(c) for c in model.counts]
        return model

    def _add(self, ids: list[int]) -> None:
        seq = [BOS] * (self.order - 1) + ids + [EOS]
        for i in range(self.order - 1, len(seq)):
            w = seq[i]
            for k in range(self.order):  # history length k
                self.counts[k][tuple(seq[i - k : i])][w] += 1

    # -- probabilities -----------------------------------------------------------------------------
    def _total(self, k: int, h: tuple[int, ...], c: Counter[int]) -> int:
        key = (k, h)
        if key not in self._totals:
            self._totals[key] = sum(c.values())
        return self._totals[key]

    def _prob(self, hist: tuple[int, ...], w: int) -> float:
        uni = self.counts[0].get((), Counter())
        n_total = self._total(0, (), uni)
        p = (uni.get(w, 0) + 1.0) / (n_total + len(self.vocab) + 1.0)
        for k in range(1, self.order):
            h = hist[len(hist) - k :]
            c = self.counts[k].get(h)
            if not c:
                break
            total = self._total(k, h, c)
            lam = _DISCOUNT * len(c) / total
            p = max(c.get(w, 0) - _DISCOUNT, 0.0) / total + lam * p
        return p

    def token_probs(self, text: str) -> list[float]:
        """The probability of each word of a text and of its end marker, given the words before it."""
        ids = [self._index.get(w, -1) for w in words(text)] + [EOS]
        hist = (BOS,) * (self.order - 1)
        out = []
        for w in ids:
            out.append(self._prob(hist, w))
            hist = (*hist[1:], w) if self.order > 1 else ()
        return out

    def log_prob(self, text: str) -> tuple[float, int]:
        """Natural-log probability of a text (with its end marker) and its token count."""
        probs = self.token_probs(text)
        return sum(math.log(p) for p in probs), len(probs)

    def perplexity(self, texts: Sequence[str]) -> float:
        lp, n = 0.0, 0
        for t in texts:
            a, b = self.log_prob(t)
            lp += a
            n += b
        return float(math.exp(-lp / max(n, 1)))

    # -- sampling ----------------------------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator, *, max_words: int = 200) -> list[str]:
        draw = self.drawer()
        return [self.walk(draw, rng, max_words) for _ in range(int(n))]

    def drawer(self) -> Callable[[tuple[int, ...], np.random.Generator], int]:
        """``draw(history, rng)``: a next word id from the interpolated distribution given the history
        (the last ``order - 1`` ids); its tables are built once, on first use."""
        tables: dict[tuple[int, tuple[int, ...]], tuple[np.ndarray, np.ndarray, float]] = {}

        def table(k: int, h: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray, float] | None:
            key = (k, h)
            if key not in tables:
                c = self.counts[k].get(h)
                if not c:
                    return None
                items = sorted(c.items())
                ids = np.array([i for i, _ in items], dtype=np.int64)
                cnt = np.array([v for _, v in items], dtype=np.float64)
                total = cnt.sum()
                disc = np.maximum(cnt - _DISCOUNT, 0.0) if k > 0 else cnt
                tables[key] = (ids, np.cumsum(disc / total), float(disc.sum() / total))
            return tables[key]

        return lambda hist, rng: self._draw(hist, table, rng)

    def walk(
        self,
        draw: Callable[[tuple[int, ...], np.random.Generator], int],
        rng: np.random.Generator,
        max_words: int,
    ) -> str:
        """One text: words from ``draw`` (a :meth:`drawer` of this model or of one sharing its words)."""
        hist = (BOS,) * (self.order - 1)
        text: list[str] = []
        while len(text) < max_words:
            w = draw(hist, rng)
            if w == EOS:
                break
            text.append(self.vocab[w])
            hist = (*hist[1:], w) if self.order > 1 else ()
        return " ".join(text)

    def _draw(self, hist: tuple[int, ...], table: Any, rng: np.random.Generator) -> int:
        for k in range(self.order - 1, -1, -1):
            t = table(k, hist[len(hist) - k :] if k else ())
            if t is None:
                continue
            ids, cum, mass = t
            u = rng.random()
            if u < mass or k == 0:
                return int(ids[min(int(np.searchsorted(cum, u, side="right")), len(ids) - 1)])
        return EOS

    # -- state -------------------------------------------------------------------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        for k, table in enumerate(self.counts):
            rows = [(*h, w, c) for h, cnt in table.items() for w, c in cnt.items()]
            arrays[f"ngram{k}"] = np.array(rows, dtype=np.int64).reshape(-1, k + 2)
        return {"order": self.order, "vocab": self.vocab}, arrays

    @classmethod
    def from_counts(
        cls, order: int, vocab: list[str], counts: list[dict[tuple[int, ...], Counter[int]]]
    ) -> NgramModel:
        """A model from its vocabulary (``<s>``, ``</s>`` first) and its count tables by history length."""
        model = cls(int(order), list(vocab), list(counts))
        model._index = {w: i for i, w in enumerate(model.vocab)}
        return model

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> NgramModel:
        counts = []
        for k in range(int(meta["order"])):
            table: dict[tuple[int, ...], Counter[int]] = defaultdict(Counter)
            for row in arrays[f"ngram{k}"].tolist():
                table[tuple(row[:k])][row[k]] = row[k + 1]
            counts.append(dict(table))
        return cls.from_counts(int(meta["order"]), list(meta["vocab"]), counts)
