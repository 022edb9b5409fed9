"""The privacy guard: synthetic rows no closer to the training rows than fresh real rows would be.

A generator that follows its training rows closely (``cart``'s donor pools, a model that memorizes)
emits rows that sit nearer to some training row than a new real row would: copies and near copies, the
rows a distance-to-closest-record test and a membership attack pick up. The guard measures that per row
and thins it at sampling, in the space the evaluation's privacy metrics use (the real-fit
:class:`~synthwise.transforms.embedding.TabularEmbedding`):

* **Closeness** of a row ``x``: ``t(x) = d1(x) / d5(x)``, its distance to its nearest training row over
  the distance to its fifth-nearest (:data:`SPACING_RANK`): the local spacing a fresh sample of a
  quarter of the training rows would show, the scale at which a distance-to-closest-record test against
  a holdout judges (with the second-nearest, rows nearer than a holdout's spacing but not the train's
  passed: cps1988's DCR share 0.54 under "strict", now 0.51). A copy scores 0; a row that singles out
  one training row scores near 0; the ratio does not depend on how dense the region is. Rows are judged
  as they will be written (:meth:`~synthwise.transforms.TableTransformer.canonical_codes`: a perturbed
  integer rounds back to the real value).
* **The fresh reference**: the closeness a real row the generator never saw would have, measured on up
  to :data:`REFERENCE_ROWS` training rows left out one at a time (the same ratio over each row's nearest
  other rows). Natural duplicates (tables of few distinct values) appear here as closeness 0 at their
  natural rate.
* **Copies are told from ties**: the embedding gives only the most frequent levels of a categorical
  column a coordinate of their own, so two different rows can sit at distance 0 (two rare bakers of
  the same series, episode and result). Closeness 0 is kept for exact copies (the row's codes hash
  equal to a training row's, :func:`~synthwise.transforms.table.row_hashes`); a tie that is not a copy
  scores :data:`TIE`, just above. Before, such ties made up the reference's "natural duplicates":
  bakeoff/results_raw (every row distinct) had 52 % of them, and 21 % of cart's rows were exact copies
  (fresh rows: 0 %); now 0 %.
* **Position** ``u = F(t)`` of a row in the reference's distribution (uniform within a tie, such as the
  duplicates' atom): for rows that behave like fresh real rows, ``u`` is uniform on (0, 1).
* **Acceptance** per band of ``u`` below ``LEVEL`` (ten bands; higher where natural duplicates are most
  rows, :attr:`PrivacyGuard.level`): at fit, a calibration draw from the fitted
  model shows how much of the output falls in each band; a band holding more rows than fresh data would
  (relative to the rows above ``LEVEL``) is thinned to the fresh share. ``privacy="strict"`` also rejects
  every row closer than 90 % of fresh rows (``u < 0.1``). Sampling redraws a rejected row (with its
  condition, if any, and near it: ``cart`` keeps the rejected row's values on the first half of its
  visit order, one column fewer each round, so the region keeps its mass) up to :data:`MAX_ROUNDS`
  times; a row still rejected then takes the farthest of its draws.

A table of fewer than :data:`MIN_ROWS` rows is too small to say what fresh data looks like: the guard
then lets every row through. Otherwise ``"balanced"`` output is never closer to the training rows than
fresh data, band by band, and a generator that already behaves like fresh data loses almost nothing;
``"strict"`` trades fidelity for distance. The guard needs the embedded training rows at sampling,
and its reference is derived from them: a model file holding a guard holds real data (the training
codes), as the generators that keep donor rows (``cart``) already do; ``privacy="off"`` stores none.

Every generator that takes the ``privacy`` knob gets the guard from the base class
(:mod:`synthwise.generators.base`): ``cart`` (default ``"strict"``), the parametric and deep ones and the
perturbation and interpolation ones (default ``"off"``: their model files then hold no real rows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import InvalidParameterError
from synthwise.neighbours import CellIndex, knn
from synthwise.schema import Schema
from synthwise.transforms.embedding import TabularEmbedding
from synthwise.transforms.table import row_hashes

PRIVACY_LEVELS = ("balanced", "strict", "off")
# draw(positions, rejected rows or None, round) -> codes for those positions
Redraw = Callable[[np.ndarray, pd.DataFrame | None, int], pd.DataFrame]
LEVEL = 0.5  # bands of u below this are capped at the fresh share
MAX_LEVEL = 0.9  # ... or below the natural duplicates' share plus ATOM_MARGIN, up to this
ATOM_MARGIN = 0.1
BANDS = 10
STRICT_FLOOR = 0.1  # privacy="strict": rows with u below this are always rejected
REFERENCE_ROWS = 5_000
CALIBRATION_ROWS = 5_000
MAX_ROUNDS = 10
SPACING_RANK = 5  # closeness is d1 / d5: the spacing a fresh sample a quarter of the train's size sees
MIN_ROWS = 100  # below this the fresh reference is noise: the guard lets every row through
CELL_ROWS = 10_000  # from this many training rows, the exact neighbours come through Voronoi cells
TIE = 1e-300  # the closeness of a row the embedding cannot tell from a training row that it is not


def check_privacy(value: Any, owner: str) -> None:
    if value not in PRIVACY_LEVELS:
        raise InvalidParameterError.expected("privacy", owner, '"balanced", "strict" or "off"', value)


@dataclass
class PrivacyGuard:
    """The fitted guard (see the module docstring)."""

    embedding: TabularEmbedding
    codes: pd.DataFrame  # the training codes (what a model file stores for the guard)
    train: np.ndarray  # (n, d) embedded training rows
    reference: np.ndarray  # sorted closeness of left-out training rows (the fresh reference)
    accept: np.ndarray  # (BANDS,) acceptance probability per band of u below LEVEL
    strict: bool
    # codes -> the codes of the rows as they will be written (rounded, clipped): what is judged
    canonical: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    # the training rows' hashes (sorted, unique; empty in files from before: ties count as copies)
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    _index: CellIndex | None = field(default=None, repr=False, compare=False)  # built on first use

    # -- fitting --------------------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        codes: pd.DataFrame,
        schema: Schema,
        rng: np.random.Generator,
        *,
        strict: bool,
        canonical: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    ) -> PrivacyGuard:
        """The embedding and the fresh reference from the training ``codes``; acceptance stays 1 until
        :meth:`calibrate`."""
        embedding = TabularEmbedding(schema).fit_codes(codes)
        train = embedding.transform_codes(codes)
        n = len(train)
        if n < MIN_ROWS or train.shape[1] == 0:  # too few rows to know what fresh data looks like
            return cls(embedding, codes, train, np.zeros(0), np.ones(BANDS), strict, canonical)
        chosen = np.sort(rng.choice(n, size=min(n, REFERENCE_ROWS), replace=False))
        k = min(SPACING_RANK, n - 1)
        guard = cls(embedding, codes, train, np.zeros(0), np.ones(BANDS), strict, canonical)
        dist, _ = guard.neighbours(train[chosen], k + 1)
        # each chosen row is its own nearest (distance 0, first or tied): drop one zero per row
        d = np.sort(dist, axis=1)[:, 1:]
        hashes = row_hashes(codes + 0.0)
        values, counts = np.unique(hashes, return_counts=True)
        duplicated = np.isin(hashes[chosen], values[counts > 1])  # a natural duplicate: a true 0
        t = _ratio(d[:, 0], d[:, k - 1])
        guard.reference = np.sort(np.where((t == 0) & ~duplicated, TIE, t))
        guard.hashes = values
        return guard

    def neighbours(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` exact nearest training rows of each embedded query row: by brute force below
        :data:`CELL_ROWS` training rows, through Voronoi cells above
        (:class:`~synthwise.neighbours.CellIndex`, the same answer: on diamonds' 53,940 rows about four
        times faster, on the full nycflights13 flights' 331,776 rows x 99 nineteen times)."""
        if len(self.train) < CELL_ROWS:
            return knn(query, self.train, k)
        if self._index is None:
            self._index = CellIndex(self.train)
        return self._index.knn(query, k)

    def closeness(self, codes: pd.DataFrame) -> np.ndarray:
        """``t(x)`` of each row: 0 for a copy, near 1 where two training rows are about equally near."""
        if len(self.reference) == 0 or len(codes) == 0:
            return np.full(len(codes), np.inf)
        if self.canonical is not None:
            codes = self.canonical(codes)
        k = min(SPACING_RANK, len(self.train) - 1)
        dist, _ = self.neighbours(self.embedding.transform_codes(codes), k)
        t = _ratio(dist[:, 0], dist[:, k - 1])
        zero = np.flatnonzero(t == 0)
        if self.hashes.size and len(zero):  # at distance 0 in the embedding but not a copy of a training row
            copy = np.isin(row_hashes(codes[self.codes.columns].iloc[zero] + 0.0), self.hashes)
            t[zero[~copy]] = TIE
        return t

    def positions(self, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``u = F(t)`` in the fresh reference, uniform within ties."""
        ref = self.reference
        if len(ref) == 0:
            return np.ones(len(t))
        below = np.searchsorted(ref, t, "left")
        at = np.searchsorted(ref, t, "right") - below
        return (below + rng.random(len(t)) * at) / len(ref)

    def calibrate(self, draw: Callable[[int], pd.DataFrame], rng: np.random.Generator) -> None:
        """Set the acceptance per band from a calibration draw of the fitted model."""
        if len(self.reference) == 0:
            return
        u = self.positions(self.closeness(draw(CALIBRATION_ROWS)), rng)
        level = self.level
        counts = np.bincount(_band(u[u < level], level), minlength=BANDS)
        # what fresh data holds in each band, given the rows above the level
        fresh = (level / BANDS) / (1.0 - level) * float((u >= level).sum())
        self.accept = np.where(counts > 0, np.minimum(1.0, fresh / np.maximum(counts, 1)), 1.0)

    @property
    def level(self) -> float:
        """The positions whose bands are capped: below :data:`LEVEL`, or below the natural duplicates'
        share (the reference's atom at 0) plus :data:`ATOM_MARGIN` where that is higher (at most
        :data:`MAX_LEVEL`). Copies sit uniformly within the atom: with the atom above ``LEVEL``, the
        excess copies above it were the yardstick of the bands below (COUNT/azpro, 64 % natural
        duplicates: cart's copies 76 %). Model files from before (no ``hashes``) keep ``LEVEL``: their
        acceptance was calibrated on its bands."""
        if not self.hashes.size or not len(self.reference):
            return LEVEL
        atom = float(np.mean(self.reference == 0))
        return max(LEVEL, min(MAX_LEVEL, atom + ATOM_MARGIN))

    # -- sampling -------------------------------------------------------------------------------------
    def acceptance(self, u: np.ndarray) -> np.ndarray:
        p = np.where(u < self.level, self.accept[_band(u, self.level)], 1.0)
        return np.where(self.strict & (u < STRICT_FLOOR), 0.0, p)

    def filter(self, draw: Redraw, n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, float]]:
        """``n`` rows of codes: ``draw(positions, None, 0)`` draws rows for those output positions (with
        their conditions, if any); a rejected position is drawn again as ``draw(positions, rejected rows,
        round)``, so a generator can redraw near the rejected row (keep some of its values, as ``cart``
        does) and the region it came from keeps its mass. Returns the rows and a report."""
        codes = draw(np.arange(n), None, 0).reset_index(drop=True)
        best_u = self.positions(self.closeness(codes), rng)
        pending = np.flatnonzero(rng.random(n) >= self.acceptance(best_u))
        first_rejected = len(pending)
        for round_ in range(1, MAX_ROUNDS + 1):
            if not len(pending):
                break
            again = draw(pending, codes.iloc[pending].reset_index(drop=True), round_).reset_index(drop=True)
            u = self.positions(self.closeness(again), rng)
            ok = rng.random(len(pending)) < self.acceptance(u)
            better = ok | (u > best_u[pending])
            rows = pending[better]
            codes.iloc[rows] = again[better].to_numpy()
            best_u[rows] = np.where(ok[better], np.inf, u[better])  # accepted rows are final
            pending = pending[~ok]
        report = {
            "rejected_share": first_rejected / max(n, 1),
            "kept_after_rounds": len(pending) / max(n, 1),
        }
        return codes, report

    # -- model files ----------------------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        arrays = {"guard_reference": self.reference, "guard_accept": self.accept}
        if self.hashes.size:
            arrays["guard_exact"] = np.ones(1)
        return arrays

    @classmethod
    def from_arrays(
        cls,
        codes: pd.DataFrame,
        schema: Schema,
        arrays: dict[str, np.ndarray],
        *,
        strict: bool,
        canonical: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    ) -> PrivacyGuard:
        embedding = TabularEmbedding(schema).fit_codes(codes)
        exact = "guard_exact" in arrays  # files from before: every tie at distance 0 counts as a copy
        return cls(
            embedding,
            codes,
            embedding.transform_codes(codes),
            np.asarray(arrays["guard_reference"], dtype=np.float64),
            np.asarray(arrays["guard_accept"], dtype=np.float64),
            strict,
            canonical,
            np.unique(row_hashes(codes + 0.0)) if exact else np.zeros(0, dtype=np.uint64),
        )


def _band(u: np.ndarray, level: float) -> np.ndarray:
    """The band of each position below ``level`` (positions above fall in the last band)."""
    return np.minimum((u / (level / BANDS)).astype(np.int64), BANDS - 1)


def _ratio(d: np.ndarray, spacing: np.ndarray) -> np.ndarray:
    """``d / spacing`` with 0 / 0 = 0 (a copy of a row that has duplicates) and d / 0 = inf."""
    safe = np.where(spacing > 0, spacing, 1.0)
    return np.where(spacing > 0, d / safe, np.where(d > 0, np.inf, 0.0))
