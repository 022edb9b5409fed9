"""Privacy: PII detection and masking (and, with the DP modules, formal guarantees)."""

from synthwise.privacy.mask import MaskPolicy, MaskResult, mask
from synthwise.privacy.pii import PiiFinding, detect

__all__ = ["MaskPolicy", "MaskResult", "PiiFinding", "detect", "mask"]
