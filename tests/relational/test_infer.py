"""Keys inferred from names and value containment when a source declares none."""

from __future__ import annotations

import pandas as pd

from synthwise.relational import ForeignKey, RelationalMetadata, infer_metadata


def _frames() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame({"customer_id": [1, 2, 3], "age": [30, 40, 50]})
    airports = pd.DataFrame({"faa": ["JFK", "LGA", "EWR"], "alt": [13, 22, 18]})
    orders = pd.DataFrame(
        {
            "order_id": [10, 11, 12, 13],
            "customer_id": [1, 1, 3, 2],
            "origin": ["JFK", "LGA", "JFK", "EWR"],
            "quantity": [1, 2, 3, 2],  # contained in customer ids but not named like one
        }
    )
    return {"customers": customers, "airports": airports, "orders": orders}


def test_keys_from_names_and_containment() -> None:
    meta = infer_metadata(_frames())
    assert meta.table("customers").primary_key == ("customer_id",)
    assert meta.table("orders").primary_key == ("order_id",)
    assert set(meta.foreign_keys) == {
        ForeignKey("orders", ("customer_id",), "customers", ("customer_id",)),
        ForeignKey("orders", ("origin",), "airports", ("faa",)),
    }
    assert meta.table("orders").column("quantity").type == "bigint"


def test_declared_foreign_keys_win() -> None:
    frames = _frames()
    inferred = infer_metadata(frames)
    declared = RelationalMetadata(inferred.tables, (inferred.foreign_keys[0],))
    assert infer_metadata(frames, declared).foreign_keys == (inferred.foreign_keys[0],)
