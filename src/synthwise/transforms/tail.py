"""The rare tail of a long-tail categorical: new values from a seeded character n-gram model.

A long-tail categorical column (``ColumnSchema.min_count`` set) learns its frequent values as categories
and all its rare values as one extra category, :data:`synthwise.schema.model.TAIL`. Generators learn
that category jointly like any other; at decoding each tail draw gets a fresh value:

* ``tail="chars"`` (default): a character n-gram model (order :data:`ORDER`) fitted on the tail values
  writes a new string. A generated string equal to a value that occurs ONCE in the real data is
  rejected and redrawn, so a once-seen value is never emitted verbatim. The model file holds the
  n-gram counts and 64-bit hashes of the once-seen values, never the values themselves.
* ``tail="frequent"``: a value drawn from the column's frequent values (as the synthetic column holds
  them), which needs nothing learned from the real tail. Differentially private generators have no
  fitted tail model (their transformer is built from the public schema only), so they always decode
  the tail this way: the frequent values are then the public schema's categories.

The model is plain arrays plus JSON (:meth:`TailModel.state` / :meth:`TailModel.from_state`).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.schema import ColumnSchema
from synthwise.transforms.identifier import generate_identifiers

ORDER = 3  # characters of context
_PAD = 0  # start-of-string padding and end-of-string marker share index 0
MAX_TRIES = 20  # redraws before a rejected string is made new by appending characters


def value_hash(value: str) -> int:
    """A stable 64-bit hash of a string (the same on every platform and run)."""
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class TailModel:
    """Character n-gram counts of the tail values and hashes of the once-seen ones."""

    alphabet: str  # index i + 1 is alphabet[i]; index 0 is padding / end
    grams: np.ndarray  # int32 (m, ORDER + 1): context indices then the next index
    counts: np.ndarray  # int64 (m,)
    seen_once: np.ndarray  # uint64 hashes of values that occur once in the real data
    max_len: int
    # how many tail values have each length (index = length): every generated value gets a length drawn
    # from it, so codes keep their width and titles their size
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @classmethod
    def fit(cls, values: pd.Series, *, max_rows: int = 50_000) -> TailModel:
        """Fit on the tail values (every occurrence; missing values ignored)."""
        texts = values.dropna().astype(str)
        counts_by_value = texts.value_counts()
        once = sorted(value_hash(str(v)) for v in counts_by_value.index[counts_by_value.to_numpy() == 1])
        texts = texts.iloc[:max_rows]
        alphabet = "".join(sorted(set("".join(texts))))
        index = {ch: i + 1 for i, ch in enumerate(alphabet)}
        grams: dict[tuple[int, ...], int] = {}
        for text in texts:
            ids = [_PAD] * ORDER + [index[ch] for ch in text] + [_PAD]
            for j in range(ORDER, len(ids)):
                key = tuple(ids[j - ORDER : j + 1])
                grams[key] = grams.get(key, 0) + 1
        keys = sorted(grams)
        return cls(
            alphabet=alphabet,
            grams=np.array(keys, dtype=np.int32).reshape(-1, ORDER + 1),
            counts=np.array([grams[k] for k in keys], dtype=np.int64),
            seen_once=np.array(once, dtype=np.uint64),
            max_len=int(texts.str.len().max()) if len(texts) else 0,
            lengths=np.bincount(texts.str.len().to_numpy(dtype=np.int64))
            if len(texts)
            else np.zeros(0, np.int64),
        )

    def sample(self, n: int, rng: np.random.Generator, *, avoid: frozenset[str] = frozenset()) -> list[str]:
        """``n`` generated strings, none equal to a once-seen real value nor to one of ``avoid`` (the
        frequent categories, which have their own codes).

        Fixed-width tails (every value one length: codes) are written at that width; others end where
        the model ends them, redrawn a few times when the length was never seen."""
        if n == 0:
            return []
        table = _Table(self)
        banned = set(self.seen_once.tolist())
        sizes = np.flatnonzero(self.lengths)
        fixed = int(sizes[0]) if len(sizes) == 1 else None
        known = set(sizes.tolist())
        out = []
        for _ in range(n):
            text = table.draw(rng, fixed)
            tries = 1
            while value_hash(text) in banned or text in avoid or (fixed is None and len(text) not in known):
                if tries < MAX_TRIES:
                    text = table.draw(rng, fixed)
                    tries += 1
                elif value_hash(text) in banned or text in avoid:  # the model can only say those: make it new
                    text += self._char(rng)
                else:
                    break
            out.append(text)
        return out

    def _char(self, rng: np.random.Generator) -> str:
        alphabet = self.alphabet or "abcdefghijklmnopqrstuvwxyz"
        return alphabet[int(rng.integers(0, len(alphabet)))]

    # -- state for model files ------------------------------------------------------------------------
    def state(self, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"key": key, "alphabet": self.alphabet, "max_len": self.max_len, "order": ORDER}
        arrays = {
            f"{key}_grams": self.grams,
            f"{key}_counts": self.counts,
            f"{key}_once": self.seen_once,
            f"{key}_lengths": self.lengths,
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TailModel:
        key = meta["key"]
        return cls(
            alphabet=str(meta["alphabet"]),
            grams=np.asarray(arrays[f"{key}_grams"], dtype=np.int32).reshape(-1, ORDER + 1),
            counts=np.asarray(arrays[f"{key}_counts"], dtype=np.int64),
            seen_once=np.asarray(arrays[f"{key}_once"], dtype=np.uint64),
            max_len=int(meta["max_len"]),
            lengths=np.asarray(arrays[f"{key}_lengths"], dtype=np.int64),
        )


def draw_from_frequent(
    values: pd.Series, tail_mask: np.ndarray, categories: tuple[Any, ...], rng: np.random.Generator
) -> list[Any]:
    """Values for the tail rows drawn from the frequent values: from the synthetic column's own non-tail
    values (so their shares follow the generator's), else uniformly from ``categories``. A column with
    no frequent value at all (every value rare, as in a column of names under differential privacy) gets
    fresh ``SYN...`` tokens: nothing about its values is known, and they are never missing."""
    n = int(tail_mask.sum())
    pool = values[~tail_mask & values.notna().to_numpy()].to_numpy(dtype=object)
    if len(pool) == 0:
        pool = np.array(list(categories), dtype=object)
    if len(pool) == 0:
        stub = ColumnSchema(str(values.name), "identifier", dtype="object", id_template="token")
        return list(generate_identifiers(stub, n, rng))
    return list(pool[rng.integers(0, len(pool), size=n)])


class _Table:
    """The n-gram counts as cumulative weights per context, for fast draws; a context never seen backs
    off to the character frequencies."""

    def __init__(self, model: TailModel) -> None:
        self.alphabet = model.alphabet
        self.cum: dict[tuple[int, ...], tuple[list[int], list[float]]] = {}
        grams, counts = model.grams, model.counts.astype(np.float64)
        contexts = [tuple(int(x) for x in row) for row in grams[:, :ORDER]]
        bounds = [0, *(i for i in range(1, len(contexts)) if contexts[i] != contexts[i - 1]), len(contexts)]
        for lo, hi in itertools.pairwise(bounds):
            if hi > lo:
                self.cum[contexts[lo]] = (
                    [int(x) for x in grams[lo:hi, ORDER]],
                    np.cumsum(counts[lo:hi]).tolist(),
                )
        chars: np.ndarray = (
            np.bincount(grams[:, ORDER], weights=counts, minlength=len(self.alphabet) + 1)[1:]
            if len(grams)
            else np.zeros(0)
        )
        self.backoff = (list(range(1, len(self.alphabet) + 1)), np.cumsum(chars).tolist())

    def draw(self, rng: np.random.Generator, size: int | None) -> str:
        """One string: ends at the model's end marker, or exactly at ``size`` characters when given."""
        if not self.alphabet:
            return ""
        context = (_PAD,) * ORDER
        chars: list[str] = []
        limit = size if size is not None else 200
        while len(chars) < limit:
            nexts, cum = self.cum.get(context, self.backoff)
            nxt = _pick(nexts, cum, rng)
            if nxt == _PAD and size is not None:  # a fixed width: keep writing
                nexts, cum = self.backoff
                nxt = _pick(nexts, cum, rng)
            if nxt == _PAD:
                break
            chars.append(self.alphabet[nxt - 1])
            context = (*context[1:], nxt)
        return "".join(chars)


def _pick(nexts: list[int], cum: list[float], rng: np.random.Generator) -> int:
    if not cum or cum[-1] <= 0:
        return _PAD
    return nexts[min(bisect.bisect_right(cum, float(rng.random()) * cum[-1]), len(nexts) - 1)]
