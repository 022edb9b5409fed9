"""Offline recognizers of personal data in single values, with checksum validation where one exists.

Each recognizer is a plain function ``str -> bool``. Checksums (Luhn for cards, ISO 7064 mod 97-10 for
IBANs, the SSA rules for US social security numbers) keep near-misses out: a 16-digit number with a bad
check digit is not a card number.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}$")
_URL = re.compile(r"^(https?|ftp)://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
_SSN = re.compile(r"^(\d{3})-?(\d{2})-?(\d{4})$")
_CARD_CHARS = re.compile(r"^[\d -]{13,23}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_PHONE_CHARS = re.compile(r"^[+(]?[\d\s().-]{7,20}(\s*(x|ext\.?)\s*\d{1,5})?$", re.IGNORECASE)
_ADDRESS = re.compile(
    r"^\d{1,6}\s+([A-Za-z0-9.'-]+\s){1,5}(street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|"
    r"place|pl|way|square|sq|terrace|parkway|pkwy|highway|hwy|circle|cir|trail|path|island|"
    r"strasse|straße|weg|platz|rue|via|calle)\b",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"^[A-Z][a-zA-Z'’-]+$")

# IBAN lengths for the countries users meet most; others are accepted on checksum alone.
IBAN_LENGTHS = {
    "AT": 20,
    "BE": 16,
    "CH": 21,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GR": 27,
    "HU": 28,
    "IE": 22,
    "IT": 27,
    "LU": 20,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "SE": 24,
}


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) checksum used by payment cards."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The digit that makes ``partial + digit`` pass the Luhn check."""
    for d in "0123456789":
        if luhn_valid(partial + d):
            return d
    raise AssertionError("unreachable")


def iban_checksum_valid(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10: move the first four characters to the end, letters to numbers."""
    s = iban.replace(" ", "").upper()
    if not _IBAN.match(s):
        return False
    expected = IBAN_LENGTHS.get(s[:2])
    if expected is not None and len(s) != expected:
        return False
    rearranged = s[4:] + s[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    number = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(number) % 97:02d}"


def is_email(v: str) -> bool:
    return bool(_EMAIL.match(v))


def is_url(v: str) -> bool:
    return bool(_URL.match(v))


def is_uuid(v: str) -> bool:
    return bool(_UUID.match(v))


def is_ip(v: str) -> bool:
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


def is_ssn(v: str) -> bool:
    """US social security number: area not 000, 666 or 9xx; group not 00; serial not 0000."""
    m = _SSN.match(v)
    if not m:
        return False
    area, group, serial = m.groups()
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def card_brand(digits: str) -> str | None:
    """The card network from the issuer prefix, or None."""
    n = len(digits)
    if digits.startswith("4") and n in (13, 16, 19):
        return "visa"
    if (51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720) and n == 16:
        return "mastercard"
    if digits[:2] in ("34", "37") and n == 15:
        return "amex"
    if (digits.startswith("6011") or digits.startswith("65")) and n in (16, 19):
        return "discover"
    if (3528 <= int(digits[:4]) <= 3589 and n in (16, 19)) or (digits[:4] in ("2131", "1800") and n == 15):
        return "jcb"
    if (300 <= int(digits[:3]) <= 305 or digits[:2] in ("36", "38", "39")) and n in (14, 16, 19):
        return "diners"
    if (digits[:2] == "50" or 56 <= int(digits[:2]) <= 69) and 12 <= n <= 19:
        return "maestro"
    return None


def is_card(v: str) -> bool:
    if not _CARD_CHARS.match(v):
        return False
    digits = re.sub(r"[ -]", "", v)
    return 13 <= len(digits) <= 19 and card_brand(digits) is not None and luhn_valid(digits)


def is_iban(v: str) -> bool:
    return iban_checksum_valid(v)


def is_phone(v: str, region: str = "US") -> bool:
    if not _PHONE_CHARS.match(v.strip()) or sum(ch.isdigit() for ch in v) < 7:
        return False
    try:
        import phonenumbers
    except ImportError:  # without the pii extra: shape only
        return True
    try:
        num = phonenumbers.parse(v, None if v.strip().startswith("+") else region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(num))


_ADDRESS_SHAPE = re.compile(r"^\d{1,6}[A-Za-z]?\s+[A-Za-z][A-Za-z.'-]*(\s+[A-Za-z0-9.'#-]+){0,6},?")


def is_address(v: str) -> bool:
    """A street address with a known street word (street, avenue, road, ...)."""
    return bool(_ADDRESS.match(v.strip()))


def looks_like_address(v: str) -> bool:
    """The looser shape "number + words", used only when the column name says address."""
    return bool(_ADDRESS_SHAPE.match(v.strip()))


@lru_cache(maxsize=1)
def _known_names() -> frozenset[str]:
    """First and last names from Faker's locale lists, when Faker is installed (lower case)."""
    try:
        from faker.providers.person import en, en_US
    except ImportError:
        return frozenset()
    words = set(en.Provider.first_names) | set(en_US.Provider.first_names) | set(en_US.Provider.last_names)
    return frozenset(w.lower() for w in words)


def is_person_name(v: str) -> bool:
    """One to three capitalized tokens, at least one of them a known first or last name."""
    tokens = v.strip().split()
    if not 1 <= len(tokens) <= 3 or not all(_NAME_TOKEN.match(t) for t in tokens):
        return False
    names = _known_names()
    return any(t.lower() in names for t in tokens) if names else len(tokens) >= 2


RECOGNIZERS: dict[str, Callable[[str], bool]] = {
    "email": is_email,
    "url": is_url,
    "uuid": is_uuid,
    "ip": is_ip,
    "ssn": is_ssn,
    "card_number": is_card,
    "iban": is_iban,
    "phone": is_phone,
    "address": is_address,
    "name": is_person_name,
}

# Patterns that find PII inside free text (looser than the whole-value recognizers; checked after).
IN_TEXT = {
    "email": (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}"), is_email),
    "card_number": (re.compile(r"\b(?:\d[ -]?){13,19}\b"), is_card),
    "ssn": (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), is_ssn),
    "iban": (re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"), is_iban),
    "ip": (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), is_ip),
    "url": (re.compile(r"https?://\S+"), is_url),
    "phone": (re.compile(r"\+?\(?\d[\d\s().-]{7,16}\d"), is_phone),
}
