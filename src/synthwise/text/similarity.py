"""Near copies of real texts: word 5-gram Jaccard, word-set Jaccard and the longest common substring.

A synthetic text is a *near copy* of a real one when their word 5-gram sets overlap (Jaccard >= 0.5:
reworded edges, a changed word), when their word sets are almost equal (Jaccard >= 0.8 on texts of at
least four words: the same words reshuffled, which 5-grams and bag-of-token embeddings both miss in
opposite ways), or when one real text's longest common substring covers >= 80 % of it (at least 20
characters). Jaccards are exact (candidates from an inverted index of 5-grams, and of each text's
three rarest words), not MinHash estimates. Used by the training guard of the learned text models and
by the text metrics.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

SHINGLE = 5
JACCARD_5 = 0.5
JACCARD_BAG = 0.8
LCS_SHARE = 0.8
LCS_MIN_CHARS = 20


def _norm_words(text: str) -> list[str]:
    return str(text).lower().split()


def shingles(text: str, k: int = SHINGLE) -> set[int]:
    w = _norm_words(text)
    if len(w) < k:
        return {hash(" ".join(w))} if w else set()
    return {hash(" ".join(w[i : i + k])) for i in range(len(w) - k + 1)}


@dataclass(frozen=True)
class NearCopies:
    jaccard5: np.ndarray  # max word 5-gram Jaccard to any reference text
    jaccard_bag: np.ndarray  # max word-set Jaccard
    lcs_share: np.ndarray  # longest common substring with the nearest reference / own length
    nearest: np.ndarray  # index of the nearest reference text (-1: none shares anything)
    exact: np.ndarray  # identical (after whitespace normalisation) to a reference text

    @property
    def flagged(self) -> np.ndarray:
        return (
            self.exact
            | (self.jaccard5 >= JACCARD_5)
            | (self.jaccard_bag >= JACCARD_BAG)
            | (self.lcs_share >= LCS_SHARE)
        )

    @property
    def rate(self) -> float:
        return float(self.flagged.mean()) if len(self.exact) else 0.0


class NearCopyIndex:
    """Reference texts indexed once; :meth:`query` measures any texts against them."""

    def __init__(self, reference: Sequence[str]) -> None:
        self.texts = [str(t) for t in reference]
        self.exact = {" ".join(t.split()): i for i, t in enumerate(self.texts)}
        self.repeats = Counter(" ".join(t.split()) for t in self.texts)
        self.sh = [shingles(t) for t in self.texts]
        self.bags = [set(_norm_words(t)) for t in self.texts]
        self.by_shingle: dict[int, list[int]] = defaultdict(list)
        for i, s in enumerate(self.sh):
            for h in s:
                self.by_shingle[h].append(i)
        self.df: Counter[str] = Counter(w for b in self.bags for w in b)
        self.by_word: dict[str, list[int]] = defaultdict(list)
        for i, b in enumerate(self.bags):
            for w in b:
                self.by_word[w].append(i)

    def query(self, texts: Sequence[str], *, own: Sequence[int] | None = None) -> NearCopies:
        """Each text against the reference; ``own``: each text's own position in the reference, left out
        (a leave-one-out measure of the reference's texts against the others)."""
        n = len(texts)
        j5, jb, lcs = np.zeros(n), np.zeros(n), np.zeros(n)
        nearest = np.full(n, -1, dtype=np.int64)
        exact = np.zeros(n, dtype=bool)
        for q, text in enumerate(texts):
            text = str(text)
            key = " ".join(text.split())
            me = -1 if own is None else int(own[q])
            hit = self.exact.get(key)
            exact[q] = hit is not None and (hit != me or self.repeats[key] > 1)
            sh = shingles(text)
            shared: Counter[int] = Counter(i for h in sh for i in self.by_shingle.get(h, ()))
            best, best_i = 0.0, -1
            for i, c in shared.items():
                if i == me:
                    continue
                jac = c / (len(sh) + len(self.sh[i]) - c)
                if jac > best:
                    best, best_i = jac, i
            j5[q] = best
            bag = set(_norm_words(text))
            bag_best, bag_i = 0.0, -1
            if len(bag) >= 4:
                rare = sorted(bag, key=lambda w: (self.df.get(w, 0), w))[:3]
                cands = {i for w in rare for i in self.by_word.get(w, ())[:5000]}
                for i in cands:
                    if i == me:
                        continue
                    inter = len(bag & self.bags[i])
                    jac = inter / (len(bag) + len(self.bags[i]) - inter)
                    if jac > bag_best:
                        bag_best, bag_i = jac, i
            jb[q] = bag_best
            near = best_i if best >= bag_best else bag_i
            nearest[q] = near
            if near >= 0 and len(text) >= LCS_MIN_CHARS:
                ref = self.texts[near]
                m = SequenceMatcher(None, text, ref, autojunk=False).find_longest_match(
                    0, len(text), 0, len(ref)
                )
                lcs[q] = m.size / len(text)
        return NearCopies(j5, jb, lcs, nearest, exact)
