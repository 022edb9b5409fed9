"""Fake personal data, one maker for masking, PII columns and simulation.

* :func:`faker_module` / :func:`seeded_faker`: Faker (the optional extra ``pii``), or a
  :class:`~synthwise.errors.MissingDependencyError` that names what needed it.
* :func:`fresh_value`: a new value of a PII kind (for a column regenerated from nothing). With Faker it
  is realistic; without (``fk=None``) it comes from reserved, obviously synthetic ranges: names
  "Person 17", e-mails at ``example.com``, US phone numbers 555-01xx, SSNs 900-999 (never issued), test
  card numbers and IBANs with valid checksums, documentation IP blocks (RFC 5737) and ``example.com``
  URLs.
* :func:`replacement_value`: a fake that stands in for one real value (masking). It follows the real
  value where that matters (two-word names stay full names, IPv6 stays IPv6); ``keep_format`` keeps a
  phone's country code and layout, a card's brand prefix, length, layout and a valid Luhn digit, an
  IBAN's country, length and valid check digits; national ids keep their shape of digits and letters.
* :func:`faker_pool` / :func:`faker_kind_problem` / :func:`ascii_name`: pools of Faker values, made once
  per seed and memoized, from which simulations draw millions of rows (Faker makes one value per call,
  0.1 to 0.5 ms each).

Every draw comes from the Faker and the numpy generator passed in, in a fixed order: same seed, same
fakes.
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from synthwise.errors import MissingDependencyError
from synthwise.pii.recognizers import card_brand, iban_check_digits, luhn_check_digit

_POOLS_FOR = "Fake values in a simulation ('fake: ...')"  # the only user of pools, named in the error
_FIRST_WORDS = ("first", "given", "forename")
_REPLACE_FIRST_WORDS = ("first", "given")  # masking never looked for "forename": same seed, same bytes
_LAST_WORDS = ("last", "surname", "family")
# Faker methods a simulation may not call: they make files or bytes, or change Faker itself
_REFUSED = {
    "binary",
    "zip",
    "tar",
    "image",
    "json",
    "csv",
    "tsv",
    "psv",
    "dsv",
    "xml",
    "fixed_width",
    "json_bytes",
    "seed",
    "seed_instance",
    "seed_locale",
    "get_providers",
    "add_provider",
    "provider",
    "set_formatter",
    "get_formatter",
    "parse",
    "format",
    "random",
    "enum",
    "pystr_format",
}


# -- Faker ---------------------------------------------------------------------------------------------
def faker_module(needed_for: str) -> Any:
    """The ``faker`` module; ``needed_for`` (e.g. "Masking personal data") goes into the error."""
    try:
        import faker
    except ImportError as exc:
        raise MissingDependencyError("faker", "pii", needed_for) from exc
    return faker


def seeded_faker(locale: str, seed: int, needed_for: str) -> Any:
    """A new Faker for ``locale`` seeded with ``seed``."""
    fk = faker_module(needed_for).Faker(locale)
    fk.seed_instance(seed)
    return fk


@functools.lru_cache(maxsize=16)
def _faker(locale: str) -> Any:
    """One Faker per locale for the pools (building one scans every provider); reseeded before use."""
    return faker_module(_POOLS_FOR).Faker(locale)


# -- one value at a time -------------------------------------------------------------------------------
def _name(fk: Any, column: str, like: str | None) -> str:
    words = column.lower()
    if like is None:  # a fresh column: its name says first, last or full name
        if any(w in words for w in _FIRST_WORDS):
            return str(fk.first_name())
        return str(fk.last_name() if any(w in words for w in _LAST_WORDS) else fk.name())
    # a replacement: a full name for a full name, else a first name where the column says so, or a last
    if len(like.split()) >= 2:
        return str(fk.name())
    return str(fk.first_name() if any(w in words for w in _REPLACE_FIRST_WORDS) else fk.last_name())


def _phone(fk: Any, column: str, like: str | None) -> str:
    # a replacement takes Faker's varied layouts, as real data has; a fresh column the basic layout
    method = fk.phone_number if like is not None else getattr(fk, "basic_phone_number", fk.phone_number)
    return str(method())


def _ip(fk: Any, column: str, like: str | None) -> str:
    return str(fk.ipv6() if like is not None and ":" in like else fk.ipv4_public())


# (faker, column name, the real value replaced or None) -> a fake
_WITH_FAKER: dict[str, Callable[[Any, str, str | None], str]] = {
    "name": _name,
    "email": lambda fk, c, like: str(fk.email()),
    "phone": _phone,
    "address": lambda fk, c, like: str(fk.address()).replace("\n", ", "),
    "ssn": lambda fk, c, like: str(fk.ssn()),
    "iban": lambda fk, c, like: str(fk.iban()),
    "card_number": lambda fk, c, like: str(fk.credit_card_number()),
    "ip": _ip,
    "url": lambda fk, c, like: str(fk.url()),
}


def _digits(rng: np.random.Generator, k: int) -> str:
    return "".join(map(str, rng.integers(0, 10, size=k)))


def _card(prefix: str, length: int, rng: np.random.Generator) -> str:
    """A card number of ``length`` digits after ``prefix``, random digits and a valid Luhn digit."""
    body = prefix + _digits(rng, length - len(prefix) - 1)
    return body + luhn_check_digit(body)


def _iban(country: str, bban: str) -> str:
    return country + iban_check_digits(country, bban) + bban


def _uuid(rng: np.random.Generator) -> str:
    return str(uuid.UUID(bytes=bytes(rng.integers(0, 256, 16, dtype=np.uint8)), version=4))


_RESERVED: dict[str, Callable[[np.random.Generator], str]] = {
    "name": lambda r: f"Person {int(r.integers(1, 10**6))}",
    "email": lambda r: f"user{int(r.integers(1, 10**9))}@example.com",
    "phone": lambda r: f"+1-{_digits(r, 3)}-555-01{_digits(r, 2)}",
    "address": lambda r: f"{int(r.integers(1, 9999))} Example Street, Springfield",
    "ssn": lambda r: f"9{_digits(r, 2)}-{_digits(r, 2)}-{_digits(r, 4)}",
    "national_id": lambda r: "SYN" + _digits(r, 9),
    "iban": lambda r: _iban("DE", _digits(r, 18)),
    "card_number": lambda r: _card("4000", 16, r),  # a Visa test range
    "ip": lambda r: f"192.0.2.{int(r.integers(1, 255))}",
    "url": lambda r: f"https://example.com/{_digits(r, 8)}",
    "uuid": _uuid,
}


def fresh_value(kind: str, column: str, fk: Any, rng: np.random.Generator) -> str:
    """A new value of PII ``kind`` for ``column``: from Faker ``fk``, or reserved ranges when it is None
    or has no maker for the kind (national ids, UUIDs; an unknown kind gets a national id)."""
    if fk is not None and kind in _WITH_FAKER:
        return _WITH_FAKER[kind](fk, column, None)
    return _RESERVED.get(kind, _RESERVED["national_id"])(rng)


def shape_preserving(value: str, rng: np.random.Generator, keep: int = 0) -> str:
    """Replace digits by digits and letters by letters (same case) after the first ``keep`` characters."""
    out = list(value)
    for i, ch in enumerate(value):
        if i < keep:
            continue
        if ch.isdigit():
            out[i] = str(rng.integers(0, 10))
        elif ch.isalpha() and ch.isascii():
            base = "A" if ch.isupper() else "a"
            out[i] = chr(ord(base) + int(rng.integers(0, 26)))
    return "".join(out)


def _card_like(value: str, digits: str, rng: np.random.Generator) -> str:
    brand_len = 4 if card_brand(digits) is not None else 1  # the brand lives in the first four digits
    new = iter(_card(digits[:brand_len], len(digits), rng))
    return "".join(next(new) if ch.isdigit() else ch for ch in value)


def _iban_like(value: str, rng: np.random.Generator) -> str:
    s = value.replace(" ", "").upper()
    new = _iban(s[:2], shape_preserving(s[4:], rng))
    return " ".join(new[i : i + 4] for i in range(0, len(new), 4)) if " " in value else new


def _phone_like(value: str, rng: np.random.Generator) -> str:
    m = re.match(r"^\s*(\+\d{1,3}|00\d{1,3})", value)
    return shape_preserving(value, rng, keep=m.end() if m else 0)


def replacement_value(
    kind: str, value: str, column: str, fk: Any, rng: np.random.Generator, *, keep_format: bool
) -> str:
    """A fake of PII ``kind`` standing in for the real ``value`` of ``column`` (see the module doc).

    For every kind but ``date_of_birth`` and ``free_text``, which the caller shifts or scans.
    """
    if keep_format:
        digits = re.sub(r"\D", "", value)
        if kind == "card_number" and digits:
            return _card_like(value, digits, rng)
        if kind == "iban" and len(value.replace(" ", "")) >= 5:
            return _iban_like(value, rng)
        if kind == "phone":
            return _phone_like(value, rng)
    if kind == "uuid":
        return _uuid(rng)
    if kind == "national_id":
        return shape_preserving(value, rng)
    return _WITH_FAKER[kind](fk, column, value)


# -- pools ---------------------------------------------------------------------------------------------
def faker_kind_problem(kind: str, locale: str, *, composed: tuple[str, ...] = ()) -> str | None:
    """A problem text when Faker cannot make values of ``kind`` in ``locale``, else None.

    ``composed``: kinds the caller builds from other pools, which need only a valid locale."""
    faker_module(_POOLS_FOR)
    from faker.config import AVAILABLE_LOCALES

    if locale not in AVAILABLE_LOCALES:
        return f"unknown Faker locale {locale!r}"
    if kind in composed:
        return None
    if kind.startswith("_") or kind in _REFUSED:
        return f"the fake kind {kind!r} is not allowed"
    method = getattr(_faker(locale), kind, None)
    if method is None or not callable(method):
        return f"Faker has no value kind {kind!r} in locale {locale!r}"
    try:
        required = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    except (TypeError, ValueError):
        required = []
    if required:
        return f"Faker's {kind!r} needs arguments ({', '.join(p.name for p in required)})"
    return None


def faker_pool(kind: str, locale: str, size: int, seed: int) -> np.ndarray:
    """``size`` values of a Faker kind from a Faker seeded with ``seed`` (an object array of str).

    ``kind|ascii`` gives the ASCII forms of the ``kind`` pool made with the same seed; ``bban`` the
    locale's BBAN format and country code. Pools are memoized per process (they depend only on the
    arguments), so repeated runs do not call Faker again.
    """
    if kind.endswith("|ascii"):
        base = faker_pool(kind[: -len("|ascii")], locale, size, seed)
        return np.array([ascii_name(s) for s in base], dtype=object)
    return np.array(_pool(kind, locale, size, seed), dtype=object)


@functools.lru_cache(maxsize=128)
def _pool(kind: str, locale: str, size: int, seed: int) -> tuple[str, ...]:
    gen = _faker(locale)
    gen.seed_instance(seed)
    if kind == "free_email_domain":
        raw = list(dict.fromkeys(gen.free_email_domain() for _ in range(size)))
    elif kind == "bban":
        provider = gen.iban.__self__
        raw = [str(provider.bban_format), str(provider.country_code)]
    else:
        method = getattr(gen, kind)
        raw = [method() for _ in range(size)]
    return tuple(str(v).replace("\n", ", ") for v in raw)


def ascii_name(text: str) -> str:
    """A lower-case ASCII form of a name for e-mail addresses ('Jürgen' -> 'jurgen')."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    kept = "".join(ch for ch in plain if ch.isalnum())
    return kept or "user"
