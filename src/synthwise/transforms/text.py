"""Free-text columns: a word-level bigram model, so synthetic text is new text, not copied rows.

The model is plain arrays (vocabulary, start counts, bigram triples), stored in model files without
pickling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_END = 0
# Public filler text (the classic "lorem ipsum", after Cicero): what a column of free text holds when
# nothing may be learned from it (differential privacy; see TextModel.placeholder).
_PLACEHOLDER = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
    "Sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
    "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea "
    "commodo consequat. "
    "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. "
    "Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit "
    "anim id est laborum. "
    "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium. "
    "Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugit. "
    "Neque porro quisquam est qui dolorem ipsum quia dolor sit amet."
)


@dataclass(frozen=True)
class TextModel:
    vocab: tuple[str, ...]  # index 0 is the end-of-text marker
    starts: np.ndarray  # counts of each word starting a text
    pairs: np.ndarray  # int64 (m, 3): previous word, next word, count

    @classmethod
    def fit(cls, values: pd.Series, *, max_rows: int = 20_000) -> TextModel:
        texts = values.dropna().astype(str).iloc[:max_rows]
        vocab: dict[str, int] = {"": _END}
        starts: dict[int, int] = {}
        pairs: dict[tuple[int, int], int] = {}
        for text in texts:
            ids = [vocab.setdefault(w, len(vocab)) for w in text.split()]
            if not ids:
                continue
            starts[ids[0]] = starts.get(ids[0], 0) + 1
            for a, b in zip(ids, [*ids[1:], _END], strict=True):
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
        words = tuple(sorted(vocab, key=vocab.__getitem__))
        start_arr = np.zeros(len(words), dtype=np.int64)
        for k, c in starts.items():
            start_arr[k] = c
        pair_arr = np.array([(a, b, c) for (a, b), c in sorted(pairs.items())], dtype=np.int64).reshape(-1, 3)
        return cls(words, start_arr, pair_arr)

    @classmethod
    def placeholder(cls) -> TextModel:
        """A model of public filler text, learned from nothing private: the text of a column that may not
        be learned (a free-text column under differential privacy keeps its missing share, not its words)."""
        sentences = [t.strip() + "." for t in _PLACEHOLDER.split(".") if t.strip()]
        return cls.fit(pd.Series(sentences, dtype=object))

    def sample(self, n: int, rng: np.random.Generator, *, max_words: int = 200) -> list[str]:
        if self.starts.sum() == 0:
            return [""] * n
        order = np.argsort(self.pairs[:, 0], kind="stable")
        prev = self.pairs[order, 0]
        bounds = np.searchsorted(prev, np.arange(len(self.vocab) + 1))
        nexts, counts = self.pairs[order, 1], self.pairs[order, 2].astype(float)
        p_start = self.starts / self.starts.sum()
        out = []
        for _ in range(n):
            w = int(rng.choice(len(self.vocab), p=p_start))
            words: list[str] = []
            while w != _END and len(words) < max_words:
                words.append(self.vocab[w])
                lo, hi = bounds[w], bounds[w + 1]
                c = counts[lo:hi]
                w = int(nexts[lo + rng.choice(hi - lo, p=c / c.sum())]) if hi > lo else _END
            out.append(" ".join(words))
        return out
