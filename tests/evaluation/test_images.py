"""Known cases of the image evaluation on scikit-learn's digits (fast): copies are caught, noise is
caught in the default (effnet) representation, mode collapse loses recall and coverage, a fresh real
sample sits at the holdout reference; PRDC on N(0, I) matches Naeem et al.'s figures; FD / KID bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthwise.evaluation.images import ImageEvaluator, frechet_distance, kid
from synthwise.images import ImageSet
from synthwise.images.datasets import digits


@pytest.fixture(scope="module")
def split() -> tuple[ImageSet, ImageSet, ImageSet]:
    d = digits()
    order = np.random.default_rng(0).permutation(len(d))
    return d.subset(order[:400]), d.subset(order[400:600]), d.subset(order[600:800])


@pytest.fixture(scope="module")
def pixels(split: tuple[ImageSet, ImageSet, ImageSet]) -> ImageEvaluator:
    train, hold, _ = split
    return ImageEvaluator(train, hold, representation="pixels", n_bootstrap=30)


def test_a_copy_of_train_is_caught(
    pixels: ImageEvaluator, split: tuple[ImageSet, ImageSet, ImageSet]
) -> None:
    train = split[0]
    ev = pixels.evaluate(train.subset(np.random.default_rng(1).permutation(len(train))))
    assert ev["memorization.authenticity"].value < 0.05
    assert ev["privacy.near_duplicates"].value == 1.0 and ev["privacy.exact_copies"].value == 1.0
    assert (
        ev["privacy.near_duplicates"].reference is not None and ev["privacy.near_duplicates"].reference < 0.2
    )
    assert ev["privacy.dcr_share"].value > 0.7  # equal-size samples: half the copies' originals are in it
    assert ev.row_flags is not None and not ev.row_flags["authentic"].any()


def test_mode_collapse_loses_recall_and_coverage(
    pixels: ImageEvaluator, split: tuple[ImageSet, ImageSet, ImageSet]
) -> None:
    train = split[0]
    few = train.subset(np.tile(np.arange(20), 20))  # 20 images repeated 20 times
    ev = pixels.evaluate(few)
    assert ev["diversity.recall"].value < 0.3 and ev["diversity.coverage"].value < 0.3
    assert ev["diversity.beta_recall"].value < ev["diversity.beta_recall"].reference - 0.3


def test_fresh_real_images_sit_at_the_holdout_reference(
    pixels: ImageEvaluator, split: tuple[ImageSet, ImageSet, ImageSet]
) -> None:
    ev = pixels.evaluate(split[2])
    for key in (
        "fidelity.precision",
        "diversity.coverage",
        "fidelity.alpha_precision",
        "diversity.beta_recall",
    ):
        m = ev[key]
        assert m.ci is not None and m.reference is not None
        assert m.ci[0] - 0.05 <= m.reference <= m.ci[1] + 0.05, key
    assert abs(ev["fidelity.detection_auc"].value - 0.5) < 0.15
    assert ev["utility.ratio"].value > 0.85
    per_class = ev.manifest["per_class"]
    assert set(per_class) == set(split[0].classes) and all("coverage" in v for v in per_class.values())


def test_heavy_noise_is_caught_by_the_default_representation(
    split: tuple[ImageSet, ImageSet, ImageSet],
) -> None:
    pytest.importorskip("efficientnet_lite_pytorch")
    train, hold, _ = split
    train, hold = train.subset(slice(0, 60)), hold.subset(slice(0, 40))
    rng = np.random.default_rng(0)
    noisy = ImageSet(
        np.clip(train.images + rng.normal(0, 0.5, train.images.shape), 0, 1), train.labels, train.classes
    )
    ev = ImageEvaluator(train, hold, n_bootstrap=10)  # effnet: the default
    assert ev.rep.name == "effnet" and ev.f_real.shape[1] == 1280
    bad = ev.evaluate(noisy)
    assert bad["fidelity.precision"].value < 0.2 and bad["diversity.coverage"].value < 0.2
    assert bad["fidelity.frechet_distance"].value > 3 * bad["fidelity.frechet_distance"].reference


def test_in_domain_encoder_catches_copies(split: tuple[ImageSet, ImageSet, ImageSet]) -> None:
    train, hold, _ = split
    from synthwise.evaluation.image_features import InDomainEncoder

    train = train.subset(slice(0, 200))
    ev = ImageEvaluator(train, hold, representation=InDomainEncoder(seed=0, epochs=5), n_bootstrap=10)
    assert ev.rep.kind_ == "classifier"  # type: ignore[attr-defined]
    copy = ev.evaluate(train)
    assert copy["memorization.authenticity"].value < 0.05


def test_prdc_on_two_gaussians_matches_naeem() -> None:
    """Naeem et al. (2020), two independent 10k draws of N(0, I) in 1000-d, k = 5: P 0.48, R 0.47,
    D 1.06, C 0.97. At 1,000 draws (to stay fast) precision and recall sit higher (they fall toward the
    published values as the draws grow: 0.56 at 2,000), density and coverage close; the benchmark checks
    the full size."""
    from synthwise.evaluation.context import Context, Settings
    from synthwise.evaluation.images import _real_side, feature_frame
    from synthwise.evaluation.prdc import coverage, density, precision, recall

    n = 1000
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, 1000)), rng.standard_normal((n, 1000))
    side = _real_side(a, np.arange(n, dtype=np.uint64), Settings(), 0)
    ctx = Context(side, side.prepare(feature_frame(b, np.arange(n, 2 * n, dtype=np.uint64)), "s"))
    p, r, d, c = (f(ctx).value for f in (precision, recall, density, coverage))
    assert 0.48 <= p <= 0.70 and 0.47 <= r <= 0.70
    assert abs(d - 1.06) < 0.15 and abs(c - 0.97) < 0.03


def test_frechet_and_kid_known_values() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((600, 8)), rng.standard_normal((600, 8))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shifted = b + 1.0
    assert frechet_distance(a, shifted) == pytest.approx(8.0, rel=0.15)  # |mean gap|^2 = 8
    assert abs(kid(a, b, rng)) < 0.02 < kid(a, shifted, rng)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 6))
def test_frechet_distance_is_non_negative_and_symmetric(seed: int, dims: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(40, dims)), rng.normal(1.0, 2.0, size=(30, dims))
    ab, ba = frechet_distance(a, b), frechet_distance(b, a)
    assert ab >= 0 and ab == pytest.approx(ba, rel=1e-6, abs=1e-6)
