"""The near-duplicate guard of the image generators: generated images are no more often near duplicates
of training images than fresh real images are, at every multiplicity.

A near duplicate is an image whose perceptual hash (:func:`~synthwise.images.hashing.phash`) lies within
:data:`~synthwise.images.hashing.NEAR_BITS` of a training image's: the definition the image evaluation's
``privacy.near_duplicates`` uses. Real images have such neighbours at a natural rate (Fashion-MNIST: a
plain T-shirt hashes like many others), so a guard that forbade them all would make the output less
typical than real data. The guard measures the natural rate leave one out: for each training image, the
number ``m`` of *other* training images within the bits (what a fresh image the model never saw would
show). Shares are kept per class (classes differ: most trousers hash alike, few shirts do) and per band
of ``m`` (1, 2, 3-4, 5-8, ... :data:`BANDS`), not in total: a model's near duplicates tend to be
prototypes that match many training images, and these stay near duplicates against any subsample of the
training set (an evaluator's reference sample), where fresh images with one match would not.

At sampling the images of one call are hashed and their ``m`` counted. Class by class and band by band,
near duplicates beyond the fresh ratio to the class's images without a match (a quota, stochastically
rounded) are redrawn with the same labels, up to :data:`MAX_ROUNDS` rounds, keeping only redraws without
a match. An image still a near duplicate after the last round is kept and counted in
``near_guard_report_``.

``privacy="balanced"`` (the default of the deep generators and ``image_pca``) keeps the natural shares;
``"strict"`` redraws every near duplicate; ``"off"`` stores no hashes. The model file then holds the
training images' 64-bit hashes (fingerprints, not pixels): the guard needs them at sampling.

The guard acts on hashes only, so the evaluation's near-duplicate share is no independent check of a
guarded generator: its DCR share and authenticity (in the learned representation) are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthwise.errors import ModelFileError
from synthwise.images.hashing import near_counts, phash

MAX_ROUNDS = 6
REFERENCE_IMAGES = 10_000  # training images whose leave-one-out counts estimate the fresh shares
MIN_CLASS_IMAGES = 50  # fewer reference images of a class: its quotas come from all classes pooled
BANDS = np.array([1, 2, 3, 5, 9, 17, 33, 65])  # lower edges of the bands of m (near training images)


def _hashes(x: np.ndarray) -> np.ndarray:
    """pHashes of images ``(n, c, s, s)`` in [0, 1] (the generators' working layout)."""
    return phash(np.moveaxis(np.asarray(x, dtype=np.float32), 1, 3))


def band_of(counts: np.ndarray) -> np.ndarray:
    """Band index of each count: 0 = no near training image, k = ``BANDS[k-1] <= m < BANDS[k]``."""
    return np.searchsorted(BANDS, counts, side="right")


@dataclass
class NearDuplicateGuard:
    """The fitted guard (see the module docstring)."""

    hashes: np.ndarray  # uint64 (n,): the training images' pHashes (what a model file stores)
    # (classes + 1, len(BANDS) + 1): leave-one-out shares per band of m, one row per class (the pooled
    # row where a class has fewer than MIN_CLASS_IMAGES reference images), the pooled row last
    fresh: np.ndarray
    strict: bool

    @classmethod
    def fit(
        cls, x: np.ndarray, y: np.ndarray, n_classes: int, rng: np.random.Generator, *, strict: bool
    ) -> NearDuplicateGuard:
        """Hash the training images ``x`` ``(n, c, s, s)`` (labels ``y``); the fresh shares from the
        leave-one-out counts of up to :data:`REFERENCE_IMAGES` of them (a seeded sample) against all."""
        hashes = _hashes(x)
        probe = np.arange(len(hashes))
        if len(hashes) > REFERENCE_IMAGES:
            probe = np.sort(rng.choice(len(hashes), REFERENCE_IMAGES, replace=False))
        counts = (
            near_counts(hashes[probe], hashes, leave_one_out=True)
            if len(hashes) > 1
            else np.zeros(len(probe))
        )
        bands, labels = band_of(counts), np.asarray(y)[probe]
        width = len(BANDS) + 1

        def shares(rows: np.ndarray) -> np.ndarray:
            return np.bincount(bands[rows], minlength=width) / max(len(rows), 1)

        pooled = shares(np.arange(len(probe)))
        fresh = np.tile(pooled, (n_classes + 1, 1))
        for c in range(n_classes):
            rows = np.flatnonzero(labels == c)
            if len(rows) >= MIN_CLASS_IMAGES:
                fresh[c] = shares(rows)
        return cls(hashes, fresh.astype(np.float64), bool(strict))

    @property
    def fresh_share(self) -> float:
        """Share of fresh images (all classes pooled) with at least one near training image."""
        return float(1.0 - self.fresh[-1, 0])

    def counts(self, x: np.ndarray) -> np.ndarray:
        """Per image of ``x`` ``(n, c, s, s)``: how many training images it is a near duplicate of."""
        return near_counts(_hashes(x), self.hashes)

    def near(self, x: np.ndarray) -> np.ndarray:
        """Per image of ``x``: whether it is a near duplicate of some training image."""
        return self.counts(x) > 0

    def quotas(self, label: int, n_clear: int, rng: np.random.Generator) -> np.ndarray:
        """How many images of class ``label`` may stay in each band, given ``n_clear`` of its images
        without a near training image: the class's fresh ratio of each band to band 0, stochastically
        rounded (band 0 unlimited)."""
        row = self.fresh[label if 0 <= label < len(self.fresh) - 1 else -1]
        if self.strict or row[0] <= 0:
            out = np.zeros(len(row), dtype=np.int64)
            if not self.strict:  # every fresh image has a near training image: nothing to hold to
                out[1:] = np.iinfo(np.int64).max // 4
            return out
        want = row[1:] / row[0] * n_clear
        base = np.floor(want)
        return np.concatenate([[0], (base + (rng.random(len(want)) < want - base)).astype(np.int64)])

    def filter(
        self, x: np.ndarray, y: np.ndarray, draw: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """``x`` (drawn for labels ``y``) with its near duplicates beyond the quotas redrawn by
        ``draw(labels)``; and a report (counts before and after, rounds)."""
        x = np.array(x, copy=True)
        bands = band_of(self.counts(x))
        before = int((bands > 0).sum())
        redo_parts = []
        for label in np.unique(y):
            mine = np.flatnonzero(y == label)
            quota = self.quotas(int(label), int((bands[mine] == 0).sum()), rng)
            for b in range(1, len(quota)):
                members = mine[bands[mine] == b]
                if len(members) > quota[b]:
                    redo_parts.append(rng.choice(members, size=len(members) - int(quota[b]), replace=False))
        redo = np.sort(np.concatenate(redo_parts)) if redo_parts else np.zeros(0, dtype=np.int64)
        thinned = len(redo)
        rounds = 0
        while len(redo) and rounds < MAX_ROUNDS:
            rounds += 1
            fresh = draw(y[redo])
            ok = ~self.near(fresh)
            x[redo[ok]] = fresh[ok]
            redo = redo[~ok]
        report = {
            "near_duplicates_drawn": before,
            "near_duplicates_kept": before - thinned + len(redo),
            "fresh_share": round(self.fresh_share, 4),
            "rounds": rounds,
            "unresolved": len(redo),
        }
        return x, report

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"strict": self.strict}, {"near_hashes": self.hashes, "near_fresh": self.fresh}

    @classmethod
    def restore(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> NearDuplicateGuard:
        fresh = np.asarray(arrays["near_fresh"], dtype=np.float64)
        if fresh.ndim != 2 or fresh.shape[1] != len(BANDS) + 1:
            raise ModelFileError(
                "The model file's near-duplicate guard has the wrong shape. Fix: refit and save the model."
            )
        return cls(np.asarray(arrays["near_hashes"], dtype=np.uint64), fresh, bool(meta["strict"]))
