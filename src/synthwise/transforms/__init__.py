"""Column transforms: reversible encodings to numeric codes and back (one module per column kind), and
masking of personal data in a real table (:mod:`synthwise.transforms.mask`)."""

from synthwise.transforms.table import (
    DISCRETE_KINDS,
    ENCODED_KINDS,
    TableTransformer,
    decode_column,
    encode_column,
    is_encoded,
    row_hashes,
)

__all__ = [
    "DISCRETE_KINDS",
    "ENCODED_KINDS",
    "TableTransformer",
    "decode_column",
    "encode_column",
    "is_encoded",
    "row_hashes",
]
