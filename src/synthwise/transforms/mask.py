"""Data masking: replace detected personal data with realistic fakes, hashes, or nothing.

The same real value maps to the same fake within a run (per column), so joins and counts survive.
The fakes come from :func:`synthwise.pii.fakes.replacement_value`; format-preserving ones keep a phone's
country code and layout, a card's brand prefix, length, layout and a valid Luhn digit, an IBAN's country,
length and valid check digits. A date of birth is shifted by up to a year and written back in the text
format schema inference finds (:func:`synthwise.schema.values.datetime_format`), which is why masking
sits above the schema and not in :mod:`synthwise.pii`. The real-to-fake mapping stays in memory and is
written only when asked (``MaskResult.write_mapping``).

Policy (YAML or dict)::

    locale: en_US           # Faker locale
    default: fake           # action for detected columns: fake | hash | drop | keep
    salt: change-me         # for hash (keyed SHA-256); without it a salt is derived from the seed
    columns:
      phone: {action: fake, format_preserving: true}
      ssn: {action: hash}
      notes: {action: drop}
      member_code: {kind: national_id, action: fake}   # a column the detector did not flag
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthwise.errors import InvalidParameterError
from synthwise.pii import KINDS, PiiFinding, detect
from synthwise.pii.fakes import replacement_value, seeded_faker, shape_preserving
from synthwise.pii.recognizers import IN_TEXT
from synthwise.schema.values import datetime_format

ACTIONS = ("fake", "hash", "drop", "keep")


@dataclass(frozen=True)
class ColumnPolicy:
    action: str = "fake"
    kind: str | None = None
    format_preserving: bool = False


@dataclass(frozen=True)
class MaskPolicy:
    locale: str = "en_US"
    default: str = "fake"
    salt: str | None = None
    columns: dict[str, ColumnPolicy] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MaskPolicy:
        known = {"locale", "default", "salt", "columns"}
        unknown = set(data) - known
        if unknown:
            raise InvalidParameterError(
                f"Mask policy: unknown keys {sorted(unknown)}. Fix: use {sorted(known)}."
            )
        cols = {}
        for name, spec in (data.get("columns") or {}).items():
            spec = dict(spec or {})
            action = spec.get("action", data.get("default", "fake"))
            if action not in ACTIONS:
                raise InvalidParameterError(
                    f"Mask policy, column {name!r}: unknown action {action!r}. Fix: use one of {ACTIONS}."
                )
            kind = spec.get("kind")
            if kind is not None and kind not in KINDS:
                raise InvalidParameterError(
                    f"Mask policy, column {name!r}: unknown kind {kind!r}. Fix: use one of {KINDS}."
                )
            cols[str(name)] = ColumnPolicy(action, kind, bool(spec.get("format_preserving", False)))
        default = data.get("default", "fake")
        if default not in ACTIONS:
            raise InvalidParameterError(
                f"Mask policy: unknown default {default!r}. Fix: use one of {ACTIONS}."
            )
        return cls(str(data.get("locale", "en_US")), default, data.get("salt"), cols)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> MaskPolicy:
        import yaml

        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InvalidParameterError(
                f"Mask policy {str(path)!r} cannot be read: {exc}. Fix: check it."
            ) from exc
        return cls.from_dict(data)


@dataclass
class MaskResult:
    frame: pd.DataFrame
    findings: list[PiiFinding]
    actions: dict[str, str]
    mapping: dict[str, dict[str, str]] = field(repr=False, default_factory=dict)

    def write_mapping(self, path: str | os.PathLike[str]) -> None:
        """Write the real-to-fake mapping (sensitive: it re-identifies the data)."""
        from synthwise.io import write_text

        write_text(json.dumps(self.mapping, indent=1, ensure_ascii=False), path)


class _Masker:
    """Fakes for one column, consistent within a run."""

    def __init__(
        self, column: str, kind: str, policy: MaskPolicy, col_policy: ColumnPolicy, seed: int
    ) -> None:
        salt = zlib.crc32(column.encode("utf-8"))
        self.fk = seeded_faker(
            policy.locale, seed * 1_000_003 + salt, "Masking personal data with realistic fakes"
        )
        self.rng = np.random.default_rng([seed, salt])
        self.kind, self.column, self.preserve = kind, column, col_policy.format_preserving
        self.mapping: dict[str, str] = {}
        self.used: set[str] = set()

    def fake(self, value: str) -> str:
        if value in self.mapping:
            return self.mapping[value]
        for _ in range(20):
            new = self._make(value)
            if new not in self.used and new != value:
                break
        self.mapping[value] = new
        self.used.add(new)
        return new

    def _make(self, value: str) -> str:
        if self.kind == "date_of_birth":
            return self._date(value)
        if self.kind == "free_text":
            return self._text(value)
        return self._replace(self.kind, value)

    def _replace(self, kind: str, value: str) -> str:
        return replacement_value(kind, value, self.column, self.fk, self.rng, keep_format=self.preserve)

    def _date(self, value: str) -> str:
        fmt = datetime_format(pd.Series([value])) or "%Y-%m-%d"
        ts = pd.to_datetime(value, format=fmt, errors="coerce")
        if pd.isna(ts):
            return shape_preserving(value, self.rng)
        shifted = ts + pd.Timedelta(days=int(self.rng.integers(-365, 366)))
        return shifted.strftime(fmt)

    def _text(self, value: str) -> str:
        out = value
        for kind, (pattern, check) in IN_TEXT.items():

            def repl(m: re.Match[str], kind: str = kind, check: Callable[[str], bool] = check) -> str:
                return self._replace(kind, m.group(0)) if check(m.group(0).strip()) else m.group(0)

            out = pattern.sub(repl, out)
        return out


def hash_value(value: str, salt: str) -> str:
    return hashlib.sha256((salt + "\x00" + value).encode("utf-8")).hexdigest()[:16]


def mask(
    df: pd.DataFrame,
    *,
    policy: MaskPolicy | dict[str, Any] | None = None,
    findings: list[PiiFinding] | None = None,
    seed: int = 0,
) -> MaskResult:
    """A masked copy of ``df`` (never modified). Detects PII unless ``findings`` are given."""
    pol = policy if isinstance(policy, MaskPolicy) else MaskPolicy.from_dict(policy or {})
    found = detect(df, seed=seed) if findings is None else findings
    kinds = {f.column: f.kind for f in found}
    for name, cp in pol.columns.items():
        if name not in df.columns:
            raise InvalidParameterError(
                f"Mask policy names column {name!r}, which is not in the data. Fix: check its spelling."
            )
        if cp.kind is not None:
            kinds[name] = cp.kind
    out = df.copy()
    actions: dict[str, str] = {}
    mapping: dict[str, dict[str, str]] = {}
    salt = pol.salt if pol.salt is not None else hashlib.sha256(f"synthwise-{seed}".encode()).hexdigest()
    for column in list(df.columns):
        cp = pol.columns.get(str(column), ColumnPolicy(action=pol.default))
        if str(column) not in kinds and str(column) not in pol.columns:
            continue
        kind = kinds.get(str(column), "national_id")
        actions[str(column)] = cp.action
        if cp.action == "keep":
            continue
        if cp.action == "drop":
            out = out.drop(columns=[column])
            continue
        s = df[column]
        mask_ = s.notna()
        values = s[mask_].astype(str)
        if cp.action == "hash":
            new = values.map(lambda v: hash_value(v, salt))
        else:
            masker = _Masker(str(column), kind, pol, cp, seed)
            new = values.map(masker.fake)
            mapping[str(column)] = masker.mapping
        col = s.astype(object).copy()
        col[mask_] = new
        out[column] = col
    return MaskResult(out, found, actions, mapping)
