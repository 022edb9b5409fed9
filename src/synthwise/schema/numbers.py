"""Booleans written as words and numbers mixed with a few special codes: detection and writing.

*Booleans as text*: a column whose non-missing values are exactly two strings that, case-folded, form a
known pair (yes/no, y/n, t/f, true/false, 1/0) is boolean; both spellings are kept so output is written
as the input was (``("No", "Yes")``, ``("F", "T")``).

*Numbers with special values*: a column of numbers plus a few non-numeric codes (``T`` for a trace of
rain, ``*``, ``-``, ``N/A``, ``.``, a stray ``False``) is numeric with ``special_values``. The rule
(:func:`split_special`): at most :data:`MAX_SPECIAL` distinct codes, and the codes are a minority of
the non-missing values (share < :data:`MAX_SPECIAL_SHARE`), each code at most
:data:`MAX_CODE_LENGTH` characters, and at least two non-missing values are numbers. Text with a
leading zero (``007``) is no number (a code column, left to the categorical kinds).

*Formatted numbers* (:func:`detect_number_format`): a currency or other prefix, a percent or other
suffix, thousands separators and a decimal comma (when the whole column says so) are read into numbers
and kept as a template, so output is written in the input's format (``"${:,.2f}"``, ``"dc:{}"``).
Plain numbers written as text beside codes keep one too: ``"{:.2f}"`` for a fixed count of decimals,
``"{:.0f}"`` for whole numbers, ``"{}"`` for the shortest exact form (:func:`write_number`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

BOOL_PAIRS: tuple[tuple[str, str], ...] = (
    ("no", "yes"),
    ("n", "y"),
    ("f", "t"),
    ("false", "true"),
    ("0", "1"),
)
MAX_SPECIAL = 5  # at most this many distinct non-numeric codes in a numeric column
MAX_SPECIAL_SHARE = 0.5  # codes are a strict minority of the non-missing values
MAX_CODE_LENGTH = 24  # a code is short ("T", "N/A", "do not watch"), never a sentence
_NUMBER = re.compile(r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def bool_labels(values: pd.Series) -> tuple[str, str] | None:
    """``(false spelling, true spelling)`` when the non-missing ``values`` are two strings of a known
    boolean pair (any case, but one spelling per side); otherwise None."""
    uniq = pd.unique(values.dropna())
    if len(uniq) != 2 or not all(isinstance(v, str) for v in uniq):
        return None
    by_folded = {str(v).strip().casefold(): str(v) for v in uniq}
    for false, true in BOOL_PAIRS:
        if set(by_folded) == {false, true}:
            return by_folded[false], by_folded[true]
    return None


@dataclass(frozen=True)
class SpecialSplit:
    """A column split into numbers (NaN where missing or a code) and its codes (None where not a code)."""

    numbers: pd.Series
    codes: tuple[str, ...]  # distinct codes, most frequent first (ties by text)
    is_code: np.ndarray  # bool per row
    text_numbers: bool  # the numbers were written as text
    number_format: str | None

    def why(self) -> str:
        if not self.codes:
            return f"numbers written {self.number_format!r}"
        n_code = int(self.is_code.sum())
        n_num = int(self.numbers.notna().sum())
        share = n_num / max(1, n_num + n_code)
        shown = ", ".join(self.codes)
        noun = "code" if len(self.codes) == 1 else "codes"
        return f"{share:.1%} numbers + {len(self.codes)} {noun}: {shown}"


def to_number(value: Any) -> float | None:
    """A value as a number when it is one (a real number, or text that reads as one); else None."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value) and not _LEADING_ZERO.match(value.strip()):
        return float(value)
    return None


def split_special(values: pd.Series) -> SpecialSplit | None:
    """The numbers and special codes of ``values`` when they follow the rule in the module docstring;
    numbers may be formatted (``$1,234.50``, ``12,5``, ``7 %``: :func:`detect_number_format`). A split
    with no codes is a column of formatted numbers (plain numbers alone give None: pandas reads them)."""
    nonnull = values.dropna()
    if len(nonnull) == 0:
        return None
    sample = nonnull.iloc[:: max(1, len(nonnull) // 500)]
    fmt: str | None = None
    plain = sum(parse_number(v, None) is not None for v in sample)
    if plain < len(sample):  # some values are no plain number: a format may read them
        shaped = [v for v in sample if isinstance(v, str) and _FORMATTED.match(v.strip())]
        found = detect_number_format(pd.Series(shaped)) if shaped else None
        if found is not None and sum(parse_number(v, found) is not None for v in sample) > plain:
            fmt = found
    if fmt is None and plain < MAX_SPECIAL_SHARE * len(sample):
        return None  # mostly text: not a numeric column (checked on a sample first, for speed)
    parsed = [parse_number(v, fmt) for v in nonnull]
    is_num = np.array([p is not None for p in parsed], dtype=bool)
    n_num = int(is_num.sum())
    if n_num < 2 or (n_num == len(nonnull) and fmt is None):
        return None
    codes_raw = nonnull[~is_num]
    counts = pd.Series([str(v) for v in codes_raw], dtype=object).value_counts()
    if len(counts) > MAX_SPECIAL or len(codes_raw) >= MAX_SPECIAL_SHARE * len(nonnull):
        return None
    if any(len(c) > MAX_CODE_LENGTH for c in counts.index):
        return None  # a sentence is not a code: shifted text, left to the other kinds
    codes = tuple(sorted(counts.index, key=lambda c: (-int(counts[c]), c)))
    nums = np.full(len(values), np.nan)
    is_code = np.zeros(len(values), dtype=bool)
    present = values.notna().to_numpy()
    pos = np.flatnonzero(present)
    nums[pos[is_num]] = np.array([p for p in parsed if p is not None], dtype=float)
    is_code[pos[~is_num]] = True
    text_numbers = any(isinstance(v, str) for v, ok in zip(nonnull, is_num, strict=True) if ok)
    if fmt is None and text_numbers:
        fmt = number_format([v for v, ok in zip(nonnull, is_num, strict=True) if ok])
    return SpecialSplit(pd.Series(nums, index=values.index), codes, is_code, text_numbers, fmt)


def number_format(texts: list[Any]) -> str:
    """The ``str.format`` template that writes every number in ``texts`` back as it is written there,
    tried in order: whole numbers, a fixed count of decimals, the shortest exact form; the last one
    when none is exact."""
    strs = [str(t).strip() for t in texts]
    values = [float(t) for t in strs]
    decimals = {len(t.split(".", 1)[1]) if "." in t and "e" not in t.lower() else 0 for t in strs}
    candidates = ["{:.0f}"] if decimals == {0} else []
    if len(decimals) == 1:
        candidates.append(f"{{:.{decimals.pop()}f}}")
    candidates.append("{}")
    for fmt in candidates:
        if all(write_number(v, fmt) == t for v, t in zip(values, strs, strict=True)):
            return fmt
    return candidates[-1]


_TEMPLATE = re.compile(r"^(?P<dc>dc:)?(?P<pre>[^{]*)\{(?P<spec>:[^}]*)?\}(?P<suf>[^}]*)$")


def write_number(value: float, fmt: str | None) -> Any:
    """One number as the column writes it: text by the template ``fmt``, or a Python int / float when
    ``fmt`` is None.

    A template is ``[dc:]PREFIX{SPEC}SUFFIX``: ``SPEC`` is a ``format`` spec (``:,.2f``; none or no
    precision = the shortest exact form, whole numbers without a decimal point), ``dc:`` swaps the
    decimal point and the thousands separator (``1.234,50``)."""
    if fmt is None:
        return int(value) if float(value).is_integer() else float(value)
    m = _TEMPLATE.match(fmt)
    if m is None:
        return fmt.format(float(value))
    spec = (m["spec"] or ":")[1:]
    v = float(value) + 0.0  # no "-0"
    if "f" in spec:  # a value that rounds to zero is written "0", never "-0.00"
        digits = int(spec.rsplit(".", 1)[1].rstrip("f") or 0) if "." in spec else 6
        v = 0.0 if round(v, digits) == 0 else v
    if "f" not in spec and "e" not in spec and v.is_integer() and abs(v) < 1e16:
        text = format(int(v), spec)
    else:
        text = format(v, spec)
    if m["dc"]:
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    if text.startswith("-") and m["pre"]:
        return f"-{m['pre']}{text[1:]}{m['suf']}"
    return f"{m['pre']}{text}{m['suf']}"


def parse_number(value: Any, fmt: str | None) -> float | None:
    """The number a value holds, read as the template ``fmt`` writes numbers (see :func:`write_number`);
    None when it is no number (a code, a boolean, text)."""
    if fmt is None or not isinstance(value, str):
        return to_number(value)
    m = _TEMPLATE.match(fmt)
    if m is None:
        return to_number(value)
    text = value.strip()
    sign = ""
    if text.startswith("-") and m["pre"]:
        sign, text = "-", text[1:]
    pre, suf = m["pre"].strip(), m["suf"].strip()
    if not text.startswith(pre) or not text.endswith(suf):
        return None
    text = text[len(pre) : len(text) - len(suf)].strip()
    group, point = (".", ",") if m["dc"] else (",", ".")
    if group in text and "," in (m["spec"] or ""):
        head, _, tail = text.partition(point)
        if not re.fullmatch(r"[+-]?\d{1,3}(" + re.escape(group) + r"\d{3})*", head):
            return None
        text = head.replace(group, "") + (point + tail if tail or point in text else "")
    if m["dc"]:
        text = text.replace(",", ".")
    return to_number(sign + text) if _NUMBER.match(sign + text) and not _LEADING_ZERO.match(text) else None


_LEADING_ZERO = re.compile(r"^[+-]?0\d")
# a number with at most a short symbol before (currency) or after (percent, currency), never letters
_FORMATTED = re.compile(
    r"^(?P<sign>-?)(?P<pre>[^\w\s.,+-]{0,3})\s?(?P<num>\d[\d.,]*)\s?(?P<suf>[^\w\s.,+-]{0,3})$"
)


def detect_number_format(texts: pd.Series) -> str | None:
    """The template of numbers written with a currency sign, a percent sign, thousands separators or a
    decimal comma (every value in ``texts`` read as one), or None.

    The decimal mark is the comma only when the whole column says so: some value has a comma that is
    not followed by exactly three digits, or a value holds a point before its comma."""
    strs = [str(t).strip() for t in texts]
    parts = [_FORMATTED.match(t) for t in strs]
    if not strs or any(p is None for p in parts):
        return None
    matches = [p for p in parts if p is not None]
    pres = {p["pre"] for p in matches}
    sufs = {p["suf"] for p in matches}
    if len(pres) != 1 or len(sufs) != 1:
        return None
    nums = [p["num"] for p in matches]
    if any(re.match(r"0\d", n) for n in nums):
        return None  # a leading zero: a code, not a number
    comma_decimal = any(re.search(r",(\d{0,2}|\d{4,})$", n) or re.search(r"\.\d*,", n) for n in nums)
    point, group = (",", ".") if comma_decimal else (".", ",")
    grouped = any(group in n for n in nums)
    decimals = {len(n.split(point, 1)[1]) if point in n else 0 for n in nums}
    precision = f".{decimals.pop()}f" if len(decimals) == 1 and decimals != {0} else ""
    spec = ("," if grouped else "") + precision
    raw = strs[0]
    m0 = matches[0]
    pre = raw[len(m0["sign"]) : raw.index(m0["num"], len(m0["sign"]))]
    suf = raw[raw.rindex(m0["num"]) + len(m0["num"]) :]
    template = f"{'dc:' if comma_decimal else ''}{pre}{{:{spec}}}{suf}" if spec else f"{pre}{{}}{suf}"
    if comma_decimal and not spec:
        template = f"dc:{pre}{{}}{suf}"
    if template in ("{}",) or (template.startswith("{:.") and template.endswith("f}")):
        return None  # plain numbers: not a format of its own
    if any(parse_number(t, template) is None for t in strs):
        return None
    return template
