"""Lexically constrained decoding for the learned text models: every whitespace-delimited word they write
is a word of their training texts, so a subword model never spells a word nobody wrote.

A byte-level BPE token is a piece of bytes that may hold whitespace (``" the"``). While sampling, each
row keeps its unfinished word ``w`` (the bytes since its last whitespace); a token is allowed when the
word it continues stays a prefix of a known word, every word it finishes is a known word, and the word
it starts is a prefix of one. The end of a text is allowed only after a finished word. Every prefix of a
known word can be completed (the BPE holds every single byte), so no row is ever left without a token.
The allowed tokens of one unfinished word are computed once and cached.

Words are compared in the BPE's own alphabet (bytes mapped to printable characters), so a multi-byte
character split across tokens is handled like any other piece. The word list is what the n-gram
baseline keeps too: a private model (epsilon) has none, as it would publish the texts' words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

MAX_CACHE = 20_000


def _split(mapped: str) -> list[str]:
    """Words of a text in the byte-level alphabet, keeping empty words between whitespace runs."""
    ws = _whitespace()
    out: list[str] = []
    cur: list[str] = []
    for ch in mapped:
        if ch in ws:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


@dataclass
class Lexicon:
    words: frozenset[str]  # known words in the byte-level alphabet
    pieces: list[list[str] | None]  # per token id: its text split at whitespace (None: special token)
    _prefixes: set[str] = field(default_factory=set, repr=False)
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._prefixes = {w[:i] for w in self.words for i in range(1, len(w) + 1)}

    @classmethod
    def fit(cls, texts: Sequence[str], tokens: Sequence[str | None]) -> Lexicon:
        """Known words of ``texts``; ``tokens``: each token id's text in the byte-level alphabet (``None``
        for the special tokens)."""
        words = {w for t in texts for w in _split(_mapped(t)) if w}
        return cls(frozenset(words), [None if s is None else _split(s) for s in tokens])

    def allowed(self, word: str) -> np.ndarray:
        """Which tokens may follow the unfinished word ``word`` (the end token excluded: :meth:`can_end`)."""
        mask = self._cache.get(word)
        if mask is not None:
            return mask
        mask = np.zeros(len(self.pieces), dtype=bool)
        known, prefixes = self.words, self._prefixes
        for i, parts in enumerate(self.pieces):
            if parts is None:
                continue
            head = word + parts[0]
            if len(parts) == 1:
                mask[i] = head in prefixes
                continue
            done = all(p == "" or p in known for p in (head, *parts[1:-1]))
            mask[i] = done and (parts[-1] == "" or parts[-1] in prefixes)
        if len(self._cache) >= MAX_CACHE:
            self._cache.clear()
        self._cache[word] = mask
        return mask

    def can_end(self, word: str) -> bool:
        return word == "" or word in self.words

    def advance(self, word: str, token: int) -> str:
        """The unfinished word after ``token``."""
        parts = self.pieces[token]
        if parts is None:
            return word
        return word + parts[0] if len(parts) == 1 else parts[-1]

    def finish(self, text: str) -> str:
        """``text`` without its last word when that is unfinished (a text cut at the length limit)."""
        m = re.search(r"\S+\s*$", text)
        if m is None or _mapped(m.group().rstrip()) in self.words:
            return text
        return text[: m.start()].rstrip()

    def to_list(self) -> list[str]:
        return sorted(self.words)

    @classmethod
    def from_list(cls, words: Sequence[str], tokens: Sequence[str | None]) -> Lexicon:
        return cls(frozenset(words), [None if s is None else _split(s) for s in tokens])


def _mapped(text: str) -> str:
    """``text`` in the byte-level alphabet: its UTF-8 bytes mapped to printable characters, as the BPE's
    byte-level pre-tokenizer maps them."""
    return "".join(piece for piece, _ in _byte_level().pre_tokenize_str(text))


@cache
def _whitespace() -> frozenset[str]:
    """Tab, line feed, vertical tab, form feed, carriage return and space in the byte-level alphabet."""
    return frozenset(_mapped("\t\n\x0b\x0c\r "))


@cache
def _byte_level() -> Any:
    from synthwise.text.tokenizer import tokenizers_package

    return tokenizers_package().pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
