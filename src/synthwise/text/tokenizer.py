"""Byte-level BPE learned at fit time (the ``tokenizers`` package); saved as its JSON string.

Byte level: every string encodes and decodes exactly (no unknown token); ids 0-2 are ``<pad>``,
``<bos>`` and ``<eos>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from synthwise.errors import MissingDependencyError

PAD, BOS, EOS = 0, 1, 2
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufffd]")
SPECIAL = ["<pad>", "<bos>", "<eos>"]


def tokenizers_package() -> Any:
    try:
        import tokenizers
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(exc.name or "tokenizers", "text", "The learned text models") from exc
    return tokenizers


class BPE:
    """A byte-level BPE tokenizer: ``encode(text) -> ids``, ``decode(ids) -> text``."""

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer

    @classmethod
    def fit(cls, texts: Sequence[str], *, vocab_size: int = 2000) -> BPE:
        tk = tokenizers_package()
        tok = tk.Tokenizer(tk.models.BPE())
        tok.pre_tokenizer = tk.pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = tk.decoders.ByteLevel()
        trainer = tk.trainers.BpeTrainer(
            vocab_size=int(vocab_size),
            special_tokens=SPECIAL,
            initial_alphabet=tk.pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tok.train_from_iterator(list(texts), trainer=trainer)
        return cls(tok)

    @classmethod
    def from_json(cls, text: str) -> BPE:
        return cls(tokenizers_package().Tokenizer.from_str(text))

    def to_json(self) -> str:
        return str(self._tok.to_str())

    @property
    def vocab_size(self) -> int:
        return int(self._tok.get_vocab_size())

    def token_strings(self) -> list[str | None]:
        """Each token id's text in the byte-level alphabet (bytes mapped to printable characters, as the
        BPE stores them); ``None`` for the special tokens."""
        return [None if i <= EOS else self._tok.id_to_token(i) for i in range(self.vocab_size)]

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [list(e.ids) for e in self._tok.encode_batch(list(texts))]

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids``; bytes that form no character and control characters (other than tab and
        line feed) that a byte-level model can emit are dropped."""
        return _CONTROL.sub("", str(self._tok.decode([int(i) for i in ids if i > EOS])))
