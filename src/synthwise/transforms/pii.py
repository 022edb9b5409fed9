"""Personal-data columns are never learned and never copied: fresh fakes of the same kind.

A column that :func:`synthwise.privacy.pii.detect_column` finds to hold names, e-mail addresses,
phone numbers, street addresses, social security or national ids, IBANs, card numbers, IP addresses,
URLs or UUIDs gets the schema kind ``pii`` (with ``pii_kind``). Generators see no codes for it; on
output it is filled with fakes of its kind, seeded, and missing at the real column's rate. Nothing of
the real values is stored in the schema or the model file.

With the ``pii`` extra (Faker) the fakes are realistic (``en_US`` by default); without it they come
from reserved, obviously synthetic ranges: names "Person 17", e-mails at ``example.com``, US phone
numbers 555-01xx, SSNs 900-999 (never issued), test card numbers and IBANs with valid checksums,
documentation IP blocks (RFC 5737 / 3849) and ``example.com`` URLs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from synthwise.privacy.pii import KINDS
from synthwise.privacy.recognizers import iban_check_digits, luhn_check_digit
from synthwise.schema import ColumnSchema

# date_of_birth stays a datetime column and free text a text column: both are modelled
REGENERATED = tuple(k for k in KINDS if k not in ("date_of_birth", "free_text"))


def generate_pii(col: ColumnSchema, n: int, rng: np.random.Generator, *, locale: str = "en_US") -> pd.Series:
    """``n`` fresh values of the column's PII kind, missing at its rate, in its dtype where possible."""
    kind = col.pii_kind or "name"
    fk = _faker(locale, int(rng.integers(0, 2**31)))
    make = _with_faker(kind, col.name) if fk is not None else _fallback(kind)
    values = [make(fk, rng, i) for i in range(n)]
    s = pd.Series(values, name=col.name, dtype=object)
    if col.missing_rate > 0:
        s[rng.random(n) < col.missing_rate] = np.nan
    if col.dtype != "object":
        try:
            return s.astype(col.dtype)
        except (TypeError, ValueError):
            return s
    return s


def _faker(locale: str, seed: int) -> Any:
    try:
        from faker import Faker
    except ImportError:
        return None
    fk = Faker(locale)
    fk.seed_instance(seed)
    return fk


Make = Callable[[Any, np.random.Generator, int], str]


def _with_faker(kind: str, column: str) -> Make:
    first = any(w in column.lower() for w in ("first", "given", "forename"))
    last = any(w in column.lower() for w in ("last", "surname", "family"))
    table: dict[str, Make] = {
        "name": lambda fk, r, i: str(fk.first_name() if first else fk.last_name() if last else fk.name()),
        "email": lambda fk, r, i: str(fk.email()),
        "phone": lambda fk, r, i: str(getattr(fk, "basic_phone_number", fk.phone_number)()),
        "address": lambda fk, r, i: str(fk.address()).replace("\n", ", "),
        "ssn": lambda fk, r, i: str(fk.ssn()),
        "iban": lambda fk, r, i: str(fk.iban()),
        "card_number": lambda fk, r, i: str(fk.credit_card_number()),
        "ip": lambda fk, r, i: str(fk.ipv4_public()),
        "url": lambda fk, r, i: str(fk.url()),
    }
    return table.get(kind, _fallback(kind))


def _digits(r: np.random.Generator, k: int) -> str:
    return "".join(map(str, r.integers(0, 10, size=k)))


def _card(r: np.random.Generator) -> str:
    body = "4000" + _digits(r, 11)  # a Visa test range
    return body + luhn_check_digit(body)


def _iban(r: np.random.Generator) -> str:
    bban = _digits(r, 18)
    return "DE" + iban_check_digits("DE", bban) + bban


def _fallback(kind: str) -> Make:
    table: dict[str, Make] = {
        "name": lambda fk, r, i: f"Person {int(r.integers(1, 10**6))}",
        "email": lambda fk, r, i: f"user{int(r.integers(1, 10**9))}@example.com",
        "phone": lambda fk, r, i: f"+1-{_digits(r, 3)}-555-01{_digits(r, 2)}",
        "address": lambda fk, r, i: f"{int(r.integers(1, 9999))} Example Street, Springfield",
        "ssn": lambda fk, r, i: f"9{_digits(r, 2)}-{_digits(r, 2)}-{_digits(r, 4)}",
        "national_id": lambda fk, r, i: "SYN" + _digits(r, 9),
        "iban": lambda fk, r, i: _iban(r),
        "card_number": lambda fk, r, i: _card(r),
        "ip": lambda fk, r, i: f"192.0.2.{int(r.integers(1, 255))}",
        "url": lambda fk, r, i: f"https://example.com/{_digits(r, 8)}",
        "uuid": lambda fk, r, i: str(
            uuid.UUID(bytes=bytes(r.integers(0, 256, 16, dtype=np.uint8)), version=4)
        ),
    }
    return table.get(kind, table["national_id"])
