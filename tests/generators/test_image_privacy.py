"""The near-duplicate guard of the image generators (issue 16): near duplicates of training images at most
at the fresh (leave-one-out) shares under ``"balanced"``, band by band of how many training images an
image matches; none under ``"strict"``; no hashes under ``"off"``; deterministic; kept in model files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthwise.errors import InvalidParameterError
from synthwise.generators import create
from synthwise.generators.image_privacy import (
    BANDS,
    MAX_ROUNDS,
    NearDuplicateGuard,
    band_of,
)
from synthwise.images.hashing import NEAR_BITS, near_counts, nearest_hamming, phash
from synthwise.testing.images import small_images


def test_leave_one_out_share_known_cases() -> None:
    far = np.array([0, 2**64 - 1, 0x00000000FFFFFFFF, 0xFFFFFFFF00000000], dtype=np.uint64)

    def leave_one_out_near_share(hashes: np.ndarray) -> float:
        return float((near_counts(hashes, hashes, leave_one_out=True) > 0).mean())

    assert leave_one_out_near_share(far) == 0.0  # each pair differs in >= 32 bits
    twins = np.array([5, 5, 0xFFFF0000FFFF0000], dtype=np.uint64)
    assert leave_one_out_near_share(twins) == pytest.approx(2 / 3)  # equal hashes count, self does not
    one_bit = np.array([0b1000, 0b1001], dtype=np.uint64)
    assert leave_one_out_near_share(one_bit) == 1.0
    assert near_counts(np.zeros(1, dtype=np.uint64), np.zeros(0, dtype=np.uint64)).tolist() == [0]
    assert near_counts(twins, twins, leave_one_out=True).tolist() == [1, 1, 0]
    assert near_counts(np.array([5], dtype=np.uint64), twins).tolist() == [2]
    assert band_of(np.array([0, 1, 2, 3, 4, 5, 16, 17, 1000])).tolist() == [
        0,
        1,
        2,
        3,
        3,
        4,
        5,
        6,
        len(BANDS),
    ]


def _chw(images: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.moveaxis(images, 3, 1))


def test_copies_are_redrawn_to_the_fresh_shares_class_by_class() -> None:
    data = small_images(600)
    x, y = _chw(data.images), data.labels
    guard = NearDuplicateGuard.fit(x, y, 10, np.random.default_rng(0), strict=False)
    assert guard.fresh.shape == (11, len(BANDS) + 1) and np.allclose(guard.fresh.sum(axis=1), 1.0)
    assert 0.0 < guard.fresh_share < 1.0
    assert len({tuple(row) for row in guard.fresh[:-1]}) > 1  # classes differ
    rng = np.random.default_rng(0)
    pool = np.random.default_rng(1).random((4000, *x.shape[1:]), dtype=np.float32)  # noise: never near

    def draw(labels: np.ndarray) -> np.ndarray:
        return pool[rng.integers(0, len(pool), size=len(labels))]

    pick = rng.integers(0, len(x), size=500)
    copies, labels = x[pick], y[pick]  # a generator that copies: every image near
    out, report = guard.filter(copies, labels, draw, rng)
    assert report["near_duplicates_drawn"] == 500 and report["unresolved"] == 0
    counts = guard.counts(out)
    for c in range(10):
        bands = np.bincount(band_of(counts[labels == c]), minlength=len(BANDS) + 1)
        expected = guard.fresh[c] / guard.fresh[c, 0] * bands[0]
        assert (bands[1:] <= np.ceil(expected[1:])).all(), c  # no band above the class's fresh ratio
    assert report["near_duplicates_kept"] == int((counts > 0).sum())
    assert float((counts > 0).mean()) <= guard.fresh_share + 0.04
    strict = NearDuplicateGuard(guard.hashes, guard.fresh, strict=True)
    out, report = strict.filter(copies, labels, draw, rng)
    assert not strict.near(out).any() and report["near_duplicates_kept"] == 0
    fresh_like = pool[:300]  # nothing near: nothing touched
    same, report = guard.filter(fresh_like, np.zeros(300, dtype=np.int64), draw, rng)
    assert np.array_equal(same, fresh_like) and report["rounds"] == 0


def test_unresolved_near_duplicates_are_kept_and_counted() -> None:
    data = small_images(100)
    x = _chw(data.images)
    guard = NearDuplicateGuard.fit(x, data.labels, 10, np.random.default_rng(0), strict=True)
    out, report = guard.filter(
        x[:20], np.zeros(20, dtype=np.int64), lambda labels: x[: len(labels)], np.random.default_rng(0)
    )
    assert report["unresolved"] == 20 and report["rounds"] == MAX_ROUNDS and out.shape == x[:20].shape
    assert report["near_duplicates_kept"] == 20


@pytest.mark.parametrize("privacy", ["balanced", "strict", "off"])
def test_image_pca_under_the_knob(privacy: str, tmp_path: Path) -> None:
    data = small_images(300)
    gen = create("image_pca", seed=0, privacy=privacy, n_components=60).fit(data)
    out = gen.sample(400)
    train_hashes = phash(data.images)
    share = float((nearest_hamming(phash(out.images), train_hashes) <= NEAR_BITS).mean())
    if privacy == "off":
        assert gen.near_guard_ is None
    else:
        report = gen.near_guard_report_
        if privacy == "strict":
            assert share <= report["unresolved"] / 400
            assert report["near_duplicates_kept"] == report["unresolved"]
        else:
            assert share <= gen.near_guard_.fresh_share + 0.03
    path = tmp_path / "m.synthwise"
    gen.save(path)
    again = type(gen).load(path)
    assert np.array_equal(again.sample(400).images, out.images)
    assert (again.near_guard_ is None) == (privacy == "off")


def test_the_knob_is_checked() -> None:
    with pytest.raises(InvalidParameterError, match="privacy"):
        create("image_pca", privacy="maximum").fit(small_images(60))


def test_fresh_shares_from_a_sample_of_a_large_training_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import synthwise.generators.image_privacy as ip

    data = small_images(600)
    x, y = _chw(data.images), data.labels
    full = NearDuplicateGuard.fit(x, y, 10, np.random.default_rng(0), strict=False)
    monkeypatch.setattr(ip, "REFERENCE_IMAGES", 200)
    sampled = NearDuplicateGuard.fit(x, y, 10, np.random.default_rng(0), strict=False)
    again = NearDuplicateGuard.fit(x, y, 10, np.random.default_rng(0), strict=False)
    assert len(sampled.hashes) == 600 and np.allclose(sampled.fresh.sum(axis=1), 1.0)
    assert np.array_equal(sampled.fresh, again.fresh)  # seeded
    assert sampled.fresh_share == pytest.approx(full.fresh_share, abs=0.1)
    assert np.array_equal(sampled.fresh[:-1], np.tile(sampled.fresh[-1], (10, 1)))  # < 50 per class: pooled
