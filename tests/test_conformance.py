"""Every registered generator keeps the contract (synthwise.testing.check_generator)."""

from __future__ import annotations

import pytest

from synthwise.generators import names
from synthwise.testing import check_generator


def _available(name: str) -> bool:
    from synthwise.errors import MissingDependencyError
    from synthwise.generators import get

    try:
        cls = get(name)
    except MissingDependencyError:
        return False
    return cls.capabilities.data == "tabular" and not getattr(cls, "needs_spec", False)


@pytest.mark.parametrize("name", names())
def test_generator_conformance(name: str) -> None:
    if not _available(name):
        pytest.skip(f"{name}: optional extra not installed or not a plain tabular generator")
    check_generator(name)
