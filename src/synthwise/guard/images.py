"""The audit on images: drop synthetic images that are not typical (outside the real alpha-support in
the representation) or not authentic (closer to a training image than its own nearest real neighbour,
an exact copy, or a perceptual-hash near duplicate), then evaluate the kept images again with the same
:class:`~synthwise.evaluation.images.ImageEvaluator` (the real side embedded once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import DataError, InvalidParameterError
from synthwise.evaluation.images import ImageEvaluator
from synthwise.guard.audit import FLAGS, AuditResult
from synthwise.images import ImageSet


@dataclass
class ImageAuditResult(AuditResult):
    """:class:`AuditResult` whose ``kept`` lists the kept images (position, label); ``images`` holds them."""

    images: ImageSet | None = None


def audit_images(
    real: ImageSet,
    synthetic: ImageSet,
    holdout: ImageSet | None = None,
    *,
    require: tuple[str, ...] = ("typical", "authentic"),
    reevaluate: bool = True,
    **evaluator_kwargs: Any,
) -> ImageAuditResult:
    unknown = [f for f in require if f not in FLAGS]
    if unknown or not require:
        raise InvalidParameterError.expected("require", "audit", f"a non-empty subset of {FLAGS}", require)
    evaluator = ImageEvaluator(real, holdout, **evaluator_kwargs)
    before = evaluator.evaluate(synthetic)
    flags = before.row_flags
    assert flags is not None
    keep = flags[list(require)].all(axis=1).to_numpy()
    if not keep.any():
        raise DataError(
            f"All {len(synthetic):,} synthetic images fail the audit ({', '.join(require)}). "
            "Fix: the generator copies or distorts the real images; retrain it or relax --require."
        )
    images = synthetic.subset(np.flatnonzero(keep))
    kept = pd.DataFrame(
        {
            "position": np.flatnonzero(keep),
            "label": [images.classes[i] if i >= 0 else "" for i in images.labels],
        }
    )
    after = evaluator.evaluate(images) if reevaluate and len(images) >= 2 * evaluator.settings.k + 2 else None
    return ImageAuditResult(
        kept=kept, flags=flags.copy(), require=tuple(require), before=before, after=after, images=images
    )
