"""True and false positives of the PII recognizers, near-misses included."""

from __future__ import annotations

import pytest

from synthwise.pii.recognizers import (
    iban_checksum_valid,
    is_card,
    is_email,
    is_iban,
    is_ip,
    is_person_name,
    is_phone,
    is_ssn,
    is_url,
    is_uuid,
    luhn_check_digit,
    luhn_valid,
)

CASES = [
    (is_card, "4111 1111 1111 1111", True),
    (is_card, "4111-1111-1111-1112", False),  # bad Luhn digit
    (is_card, "5500005555555559", True),
    (is_card, "378282246310005", True),  # amex
    (is_card, "1234567812345678", False),  # no brand
    (is_iban, "DE89370400440532013000", True),
    (is_iban, "DE89370400440532013001", False),  # bad check digits
    (is_iban, "GB82 WEST 1234 5698 7654 32", True),
    (is_iban, "GB82WEST123456987654", False),  # wrong length for GB
    (is_ssn, "123-45-6789", True),
    (is_ssn, "000-12-3456", False),
    (is_ssn, "666-12-3456", False),
    (is_ssn, "912-12-3456", False),
    (is_ssn, "123-00-6789", False),
    (is_email, "jane.doe+x@example.co.uk", True),
    (is_email, "jane.doe@localhost", False),
    (is_ip, "192.168.1.20", True),
    (is_ip, "256.1.1.1", False),
    (is_ip, "2001:db8::1", True),
    (is_url, "https://example.org/a?b=1", True),
    (is_url, "example dot org", False),
    (is_uuid, "123e4567-e89b-42d3-a456-426614174000", True),
    (is_uuid, "123e4567-e89b-42d3-a456-42661417400", False),
    (is_phone, "+44 20 7946 0958", True),
    (is_phone, "(415) 555-2671", True),
    (is_phone, "12", False),
    (is_phone, "2024-01-05", False),
    (is_person_name, "Mary Johnson", True),
    (is_person_name, "emergency dept", False),
    (is_person_name, "Premium", False),
]


@pytest.mark.parametrize(("fn", "value", "expected"), CASES)
def test_recognizer(fn, value: str, expected: bool) -> None:
    assert fn(value) is expected


def test_luhn_check_digit_makes_valid_numbers() -> None:
    for partial in ("411111111111111", "37828224631000", "555555555555444"):
        assert luhn_valid(partial + luhn_check_digit(partial))


def test_iban_checksum_ignores_spaces_and_case() -> None:
    assert iban_checksum_valid("de89 3704 0044 0532 0130 00")
