"""Reversible transforms: columns to numeric codes and back, one module per column kind."""

from synthwise.transforms.table import (
    DISCRETE_KINDS,
    ENCODED_KINDS,
    TableTransformer,
    decode_column,
    encode_column,
)

__all__ = ["DISCRETE_KINDS", "ENCODED_KINDS", "TableTransformer", "decode_column", "encode_column"]
