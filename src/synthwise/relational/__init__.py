"""Relational data: several tables joined by keys, read from and written to databases.

>>> db = read_database("sqlite:///hospital.db")  # doctest: +SKIP
>>> synthetic = RelationalSynthesizer(generator="cart", seed=0).fit(db).sample(scale=0.5)  # doctest: +SKIP
>>> write_database(synthetic, "sqlite:///synthetic.db")  # doctest: +SKIP
"""

from synthwise.relational.database import Database
from synthwise.relational.flights import nycflights13
from synthwise.relational.infer import infer_metadata
from synthwise.relational.metadata import Column, ForeignKey, RelationalMetadata, Table
from synthwise.relational.source import is_database, read_database, write_database
from synthwise.relational.synthesizer import RelationalSynthesizer

__all__ = [
    "Column",
    "Database",
    "ForeignKey",
    "RelationalMetadata",
    "RelationalSynthesizer",
    "Table",
    "infer_metadata",
    "is_database",
    "nycflights13",
    "read_database",
    "write_database",
]
