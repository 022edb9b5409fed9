"""nycflights13 as a database: every declared key holds after the documented clean-up."""

from __future__ import annotations

from synthwise.relational.evaluate import referential_integrity


def test_declared_keys_hold_on_whole_days(flights_db) -> None:  # type: ignore[no-untyped-def]
    assert set(referential_integrity(flights_db).values()) == {1.0}
    days = flights_db.tables["flights"][["month", "day"]].drop_duplicates()
    assert len(days) == 2
    assert not flights_db.tables["weather"].duplicated(["origin", "time_hour"]).any()
    assert flights_db.metadata.order()[-1] == "flights"
