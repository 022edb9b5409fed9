"""Personal data: detection per column, recognizers of single values, and fake values.

Sits below :mod:`synthwise.schema` (inference marks PII columns with it) and imports no schema:
masking a table, which needs value formats from schema inference, lives in
:mod:`synthwise.transforms.mask`.
"""

from synthwise.pii.detection import KINDS, PiiFinding, detect, detect_column

__all__ = ["KINDS", "PiiFinding", "detect", "detect_column"]
