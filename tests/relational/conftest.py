"""A synthesizer fitted once on the small flights database, shared by the relational tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def fitted(flights_db):  # type: ignore[no-untyped-def]
    from synthwise.relational import RelationalSynthesizer

    return RelationalSynthesizer(generator="cart", seed=0).fit(flights_db)
