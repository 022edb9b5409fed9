"""Class imbalance and rare events: augmentation, boosted sampling and an imblearn-compatible sampler.

* :func:`augment`: the real rows unchanged plus synthetic minority rows from any generator;
* :func:`sample_boosted`: raise a value's share in generated data, the rest conditional on it;
* :class:`GeneratorOverSampler`: ``fit_resample(X, y)`` with any synthwise generator, for pipelines;
* the ``smote``, ``smotenc`` and ``adasyn`` generators live in :mod:`synthwise.generators.smote`.
"""

from synthwise.imbalance.augment import augment, plan_counts, synthesize_minority, write_augmented
from synthwise.imbalance.boost import parse_boost, sample_boosted
from synthwise.imbalance.sampler import GeneratorOverSampler

__all__ = [
    "GeneratorOverSampler",
    "augment",
    "parse_boost",
    "plan_counts",
    "sample_boosted",
    "synthesize_minority",
    "write_augmented",
]
