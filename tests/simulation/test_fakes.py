"""Fake values: realistic, in the chosen locale, seeded, and valid where a format has rules."""

from __future__ import annotations

import ipaddress
import sys

import pandas as pd
import pytest

from synthwise.errors import MissingDependencyError
from synthwise.simulation import simulate_frames


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


SPEC = {
    "locale": "de_DE",
    "tables": {
        "people": {
            "rows": 3000,
            "columns": {
                "name": {"fake": "name"},
                "email": {"fake": "email"},
                "iban": {"fake": "iban"},
                "iban_fr": {"fake": "iban", "locale": "fr_FR"},
                "city": {"fake": "city"},
                "ip": {"fake": "ipv4"},
                "lan": {"fake": "ipv4_private"},
                "uid": "uuid()",
                "code": "sequence(start=7, prefix='K-', width=5)",
            },
            "constraints": [{"unique": "email"}],
        }
    },
}


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return simulate_frames(SPEC, seed=0)["people"]


def test_ibans_have_valid_check_digits_and_the_locale_format(people: pd.DataFrame) -> None:
    assert people["iban"].map(_iban_ok).all() and people["iban_fr"].map(_iban_ok).all()
    assert people["iban"].str.match(r"^DE\d{20}$").all()
    assert people["iban_fr"].str.startswith("FR").all() and (people["iban_fr"].str.len() == 27).all()


def test_names_and_emails_look_real_and_emails_are_unique(people: pd.DataFrame) -> None:
    assert people["name"].str.match(r"^\S+( \S+)+$").all()
    assert people["name"].nunique() > 2500  # first x last name pools: many combinations
    assert people["email"].str.match(r"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$").all()
    assert people["email"].is_unique


def test_ips_are_valid_and_in_the_right_ranges(people: pd.DataFrame) -> None:
    ips = people["ip"].map(ipaddress.ip_address)
    assert ips.map(lambda ip: ip.is_global).all()
    assert people["lan"].map(lambda ip: ipaddress.ip_address(ip).is_private).all()


def test_uuids_and_sequences(people: pd.DataFrame) -> None:
    import uuid

    assert people["uid"].map(lambda u: uuid.UUID(u).version == 4).all() and people["uid"].is_unique
    assert people["code"].iloc[0] == "K-00007" and people["code"].is_unique


def test_fakes_are_deterministic_per_seed(people: pd.DataFrame) -> None:
    again = simulate_frames(SPEC, seed=0)["people"]
    pd.testing.assert_frame_equal(people, again)
    other = simulate_frames(SPEC, seed=1)["people"]
    assert (other["city"] != people["city"]).mean() > 0.5


def test_missing_faker_raises_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faker", None)
    spec = {"tables": {"t": {"rows": 2, "columns": {"n": {"fake": "name"}}}}}
    with pytest.raises(MissingDependencyError, match=r"synthwise\[pii\]"):
        from synthwise.pii.fakes import _faker, _pool

        _faker.cache_clear()
        _pool.cache_clear()
        simulate_frames(spec, seed=0)
