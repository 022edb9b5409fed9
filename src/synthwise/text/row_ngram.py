"""The word n-gram of a text column conditioned on its row: the column's n-gram mixed, word by word, with
an n-gram of the texts that share the row's values of one or two context columns.

``P(w | history, row) = weight * P_v(w | history) + (1 - weight) * P(w | history)``, where ``P`` is the
n-gram of every text and ``P_v`` the n-gram of the texts whose rows have the values ``v`` in the chosen
context columns (:class:`~synthwise.text.context.RowContext`). Sampling draws each word from ``P_v``
with probability ``weight``, else from ``P``: exactly the mixture. Both models number words alike, so
one history serves both.

The columns and the weight are chosen on held-out texts (a seeded 80 / 20 split), greedily: the best
single column, then the best pair holding it, each kept only when its mixture gives the held-out words
a likelihood higher by ``MIN_GAIN`` nats per word (over the plain n-gram, then over the single column);
with no such column the text column stays unconditional. A value (pair of values) needs ``MIN_TEXTS``
texts for a model of its own; rarer ones use the plain n-gram. No more than two columns: the texts per
combination of values thin out fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthwise.text.ngram import NgramModel

MIN_TEXTS = 20
MIN_GAIN = 0.01  # nats per held-out word
WEIGHTS = (0.25, 0.5, 0.75, 0.9)
MAX_CHOOSE = 20_000  # texts used to choose the columns and the weight (a seeded sample above it)
RADIX = 64  # context tokens of one column are below it (RowContext: at most MAX_VALUES + 2)


@dataclass
class RowNgram:
    columns: tuple[int, ...]  # the context columns (indices in the text model's RowContext)
    weight: float
    experts: dict[int, NgramModel] = field(default_factory=dict)  # key of the values -> their texts' n-gram
    gain: float = 0.0  # held-out nats per word over the plain n-gram, when chosen

    def keys(self, ctx: np.ndarray) -> np.ndarray:
        """One integer key per row of context tokens ``ctx`` for the chosen columns' values."""
        return _keys(ctx, self.columns)

    @classmethod
    def choose(
        cls, base: NgramModel, texts: list[str], ctx: np.ndarray, rng: np.random.Generator
    ) -> RowNgram | None:
        """The conditioning of ``base`` (fitted on ``texts``) on one or two columns of ``ctx`` (``(n,
        columns)`` context tokens of the texts' rows), or ``None`` when no column helps on held-out texts."""
        if ctx.shape[1] == 0 or len(texts) < 5 * MIN_TEXTS:
            return None
        if int(ctx.max()) >= RADIX:
            raise ValueError(f"RowNgram: context tokens must be below {RADIX}")
        pick = rng.permutation(len(texts))[:MAX_CHOOSE]
        cut = int(len(pick) * 0.8)
        fit_i, held_i = pick[:cut], pick[cut:]
        fit_texts = [texts[i] for i in fit_i]
        plain = NgramModel.fit(fit_texts, order=base.order)
        held = [texts[i] for i in held_i]
        base_p = [np.asarray(plain.token_probs(t)) for t in held]
        b = np.concatenate(base_p)

        def best_of(candidates: list[tuple[int, ...]]) -> tuple[float, tuple[int, ...], float] | None:
            best: tuple[float, tuple[int, ...], float] | None = None
            for cols in candidates:
                experts = _experts(fit_texts, _keys(ctx[fit_i], cols), plain)
                if not experts:
                    continue
                pe = []
                for text, key, p in zip(held, _keys(ctx[held_i], cols), base_p, strict=True):
                    model = experts.get(int(key))
                    pe.append(np.asarray(model.token_probs(text)) if model is not None else p)
                e = np.concatenate(pe)
                for w in WEIGHTS:
                    gain = float(np.mean(np.log(w * e + (1 - w) * b) - np.log(b)))
                    if best is None or gain > best[0]:
                        best = (gain, cols, w)
            return best

        one = best_of([(j,) for j in range(ctx.shape[1])])
        if one is None or one[0] < MIN_GAIN:
            return None
        (j,) = one[1]
        two = best_of([(j, k) for k in range(ctx.shape[1]) if k != j])
        gain, cols, w = two if two is not None and two[0] >= one[0] + MIN_GAIN else one
        return cls(cols, w, _experts(texts, _keys(ctx, cols), base), round(gain, 4))

    def sample(
        self, base: NgramModel, ctx: np.ndarray, rng: np.random.Generator, *, max_words: int
    ) -> list[str]:
        """One text per row of ``ctx`` (context tokens of the generated rows)."""
        draw = base.drawer()
        drawers = {v: m.drawer() for v, m in self.experts.items()}
        out = []
        for key in self.keys(ctx).tolist():
            own = drawers.get(int(key))
            if own is None:
                out.append(base.walk(draw, rng, max_words))
                continue

            def mixed(hist: tuple[int, ...], r: np.random.Generator, own: Any = own) -> int:
                return own(hist, r) if r.random() < self.weight else draw(hist, r)

            out.append(base.walk(mixed, rng, max_words))
        return out

    def log_prob(self, base: NgramModel, text: str, ctx: np.ndarray) -> float:
        """Natural-log probability of ``text`` in a row of context tokens ``ctx`` (one row)."""
        b = np.asarray(base.token_probs(text))
        model = self.experts.get(int(self.keys(np.asarray(ctx).reshape(1, -1))[0]))
        if model is None:
            return float(np.sum(np.log(b)))
        e = np.asarray(model.token_probs(text))
        return float(np.sum(np.log(self.weight * e + (1 - self.weight) * b)))

    # -- state: the experts' counts; their vocabulary is the base model's ----------------------------
    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays: dict[str, np.ndarray] = {}
        for v, model in self.experts.items():
            _, counts = model.state()
            arrays.update({f"expert{v}.{k}": a for k, a in counts.items()})
        meta = {
            "columns": list(self.columns),
            "weight": self.weight,
            "keys": sorted(self.experts),
            "gain": self.gain,
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray], base: NgramModel) -> RowNgram:
        experts = {}
        for v in meta["keys"]:
            own = {k.split(".", 1)[1]: a for k, a in arrays.items() if k.startswith(f"expert{v}.")}
            experts[int(v)] = NgramModel.from_state({"order": base.order, "vocab": base.vocab}, own)
        columns = tuple(int(c) for c in meta["columns"])
        return cls(columns, float(meta["weight"]), experts, float(meta.get("gain", 0.0)))


def _keys(ctx: np.ndarray, columns: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(len(ctx), dtype=np.int64)
    for c in columns:
        out = out * RADIX + ctx[:, c]
    return out


def _experts(texts: list[str], keys: np.ndarray, like: NgramModel) -> dict[int, NgramModel]:
    """An n-gram per key held by at least ``MIN_TEXTS`` texts, numbering words as ``like``; none when
    one key holds every text (nothing to condition on)."""
    values, counts = np.unique(keys, return_counts=True)
    if len(values) < 2:
        return {}
    kept = {int(v) for v, c in zip(values, counts, strict=True) if c >= MIN_TEXTS}
    own: dict[int, list[str]] = {v: [] for v in sorted(kept)}
    for text, key in zip(texts, keys.tolist(), strict=True):  # one pass, whatever the number of keys
        if key in kept:
            own[key].append(text)
    return {v: NgramModel.fit(part, order=like.order, like=like) for v, part in own.items()}
