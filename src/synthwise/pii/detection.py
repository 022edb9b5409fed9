"""Detect personal data per column, from the column name AND from its values.

>>> detect(df)  # doctest: +SKIP
[PiiFinding(column='email', kind='email', share=1.0, by='both'), ...]

A sample of each text-like column's values is run through the recognizers of
:mod:`synthwise.pii.recognizers`; a kind is assigned when most values match (``threshold``), or when
the column name says so and a fair share of values agree. Date of birth needs both a date-like column and
a name that says birth. Free text is scanned for PII inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthwise.pii.recognizers import IN_TEXT, RECOGNIZERS, looks_like_address

KINDS = (
    "name",
    "email",
    "phone",
    "address",
    "date_of_birth",
    "ssn",
    "national_id",
    "iban",
    "card_number",
    "ip",
    "url",
    "uuid",
    "free_text",
)

_NAME_HINTS: dict[str, re.Pattern[str]] = {
    "name": re.compile(
        r"(^|_)(first|last|full|given|family|middle|sur|patient|customer|person|maiden)?_?name$|"
        r"^(name|surname|forename|firstname|lastname|fullname)$"
    ),
    "email": re.compile(r"e_?mail"),
    "phone": re.compile(r"phone|mobile|cell|fax|tel(ephone)?($|_)"),
    "address": re.compile(r"address|street|addr($|_)"),
    "date_of_birth": re.compile(r"(^|_)(dob|birth_?date|date_?of_?birth|birthday|born)($|_)"),
    "ssn": re.compile(r"(^|_)(ssn|social_?security)"),
    "national_id": re.compile(r"national_?id|passport|tax_?id|nin($|_)|personal_?number|driver_?licen[cs]e"),
    "iban": re.compile(r"iban|account_?number"),
    "card_number": re.compile(r"card|credit_?card|pan($|_)|cc_?num"),
    "ip": re.compile(r"(^|_)ip(_?addr(ess)?)?($|_)|ipv[46]"),
    "url": re.compile(r"url|website|homepage|link($|_)"),
    "uuid": re.compile(r"uuid|guid"),
}


@dataclass(frozen=True)
class PiiFinding:
    """One column that holds personal data: its kind, the share of sampled values that matched, and
    whether the evidence came from the ``name``, the ``values`` or ``both``."""

    column: str
    kind: str
    share: float
    by: str
    contains: tuple[str, ...] = field(default=())  # for free text: the kinds found inside it


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def name_hint(column: str) -> str | None:
    n = _norm(column)
    for kind, pattern in _NAME_HINTS.items():
        if pattern.search(n):
            return kind
    return None


def _sample(s: pd.Series, size: int, seed: int) -> list[str]:
    values = s.dropna()
    if len(values) > size:
        values = values.sample(size, random_state=seed)
    return [str(v).strip() for v in values]


def _share(values: list[str], kind: str) -> float:
    fn = RECOGNIZERS[kind]
    return float(np.mean([fn(v) for v in values])) if values else 0.0


def _dates_share(values: list[str]) -> float:
    parsed = pd.to_datetime(pd.Series(values), errors="coerce", format="mixed")
    return float(parsed.notna().mean()) if values else 0.0


def _text_contains(values: list[str]) -> tuple[float, tuple[str, ...]]:
    found: dict[str, int] = {}
    hit_rows = 0
    for v in values:
        row_hit = False
        for kind, (pattern, check) in IN_TEXT.items():
            if any(check(m.group(0).strip()) for m in pattern.finditer(v)):
                found[kind] = found.get(kind, 0) + 1
                row_hit = True
        hit_rows += row_hit
    return (hit_rows / len(values) if values else 0.0), tuple(sorted(found, key=lambda k: -found[k]))


def detect_column(
    s: pd.Series, *, threshold: float = 0.6, sample_size: int = 200, seed: int = 0
) -> PiiFinding | None:
    """The PII kind of one column, or None."""
    column = str(s.name)
    hint = name_hint(column)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        values = [str(int(v)) if float(v).is_integer() else str(v) for v in s.dropna().head(sample_size)]
        if hint in ("card_number", "ssn", "phone", "national_id", "iban") and values:
            share = _share(values, hint) if hint in RECOGNIZERS else 0.0
            if share >= 0.3 or hint == "national_id":
                return PiiFinding(column, hint, share, "both" if share else "name")
        return None
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return PiiFinding(column, "date_of_birth", 1.0, "both") if hint == "date_of_birth" else None
    values = _sample(s, sample_size, seed)
    if not values:
        return None
    if hint == "date_of_birth" and _dates_share(values) >= 0.5:
        return PiiFinding(column, "date_of_birth", _dates_share(values), "both")
    scores = {kind: _share(values, kind) for kind in RECOGNIZERS}
    best = max(scores, key=lambda k: scores[k])
    if scores[best] >= threshold:
        by = "both" if hint == best else "values"
        return PiiFinding(column, best, scores[best], by)
    if hint is not None and hint in scores and scores[hint] >= 0.3:
        return PiiFinding(column, hint, scores[hint], "both")
    if hint == "address":
        share = float(np.mean([looks_like_address(v) for v in values]))
        if share >= 0.5:
            return PiiFinding(column, "address", share, "both")
    if hint in ("national_id",):
        return PiiFinding(column, hint, 0.0, "name")
    if hint == "name" and scores["name"] >= 0.1:
        return PiiFinding(column, "name", scores["name"], "both")
    mean_words = float(np.mean([len(v.split()) for v in values]))
    if mean_words >= 3:
        share, contains = _text_contains(values)
        if share >= 0.05:
            return PiiFinding(column, "free_text", share, "values", contains)
    return None


def detect(
    df: pd.DataFrame, *, threshold: float = 0.6, sample_size: int = 200, seed: int = 0
) -> list[PiiFinding]:
    """Every column of ``df`` that holds personal data, in column order."""
    out = []
    for column in df.columns:
        finding = detect_column(df[column], threshold=threshold, sample_size=sample_size, seed=seed)
        if finding is not None:
            out.append(finding)
    return out
