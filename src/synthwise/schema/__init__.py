"""Schema inference: what every column is and what it holds."""

from synthwise.schema.infer import check_table, infer_schema, validate_data
from synthwise.schema.model import KINDS, ColumnSchema, Schema
from synthwise.schema.resolve import resolve

__all__ = ["KINDS", "ColumnSchema", "Schema", "check_table", "infer_schema", "resolve", "validate_data"]
