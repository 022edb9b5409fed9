"""Find how a text column writes its dates, datetimes or times of day, and read / write them that way.

Detection does not walk a hand-made list of formats. pandas' :func:`guess_datetime_format` proposes a
strftime format for a few sample values (month-first and day-first, after normalising case and padding so
that it recognises ``05-JAN-2017`` or ``1:45 pm``); each proposal is then refined against the data into
writing variants (unpadded fields ``%-d``, upper-case month names ``%^b``, lower-case ``%~p``, a fraction
of N digits ``%3f``, a ``+05:30`` offset ``%:z``) and the variant that parses the most values and writes
the most of them back exactly, character for character, wins. A value with a first field above 12 settles
day-first against month-first because the other order fails to parse it.

Times of day (``13:45``, ``1:45 PM``, ``13:45:00.250``) and durations (``25:30:00``, ``-01:15``) are kind
``"time"``: seconds since midnight (or signed elapsed seconds), written back by :func:`format_times`.

Format strings here are strftime plus these extensions, understood by both :func:`parse_datetimes` and
:func:`format_datetimes`: ``%-d %-m %-H %-I`` (no zero padding), ``%^b %^B %^a %^A`` (upper case names),
``%~p`` (lower-case am/pm), ``%:z`` (offset with a colon), ``%1f`` .. ``%9f`` (fraction of N digits).
"""

from __future__ import annotations

import itertools
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

from synthwise.schema.model import ColumnSchema

SAMPLE = 400
_CUSTOM = re.compile(r"%\^[bBaA]|%~p|%:z|%[1-9]f")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DAYS = "mon|tue|wed|thu|fri|sat|sun"
_NAME = re.compile(rf"\b(({_MONTHS})[a-z]*|({_DAYS})[a-z]*)\b", re.IGNORECASE)
_AMPM = re.compile(r"(?<=[\d\s])([ap])\.?m\.?\b", re.IGNORECASE)
_PADDABLE = ("%d", "%m", "%H", "%I")
_TIME = re.compile(r"^\s*-?\d{1,3}:\d{2}(:\d{2}([.,]\d{1,9})?)?(\s*[AaPp]\.?[Mm]\.?)?\s*$")
_DURATION = re.compile(r"^(?P<sign>-?)(?P<h>\d+):(?P<m>\d{2})(:(?P<s>\d{2})([.,](?P<f>\d{1,9}))?)?$")
_DIRECTIVE = re.compile(r"%[-^~:]?\d?[A-Za-z]")
_SEPARATOR = re.compile(r"|[-/.: T]|, ?|\s+|Z")
_DATE_NAME = re.compile(r"date|day|dt$|^dt|time|period|yyyymmdd|ymd", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """A format found for a column: its kind, the format, and how well it covers the values."""

    kind: str  # "datetime" or "time"
    fmt: str
    exact: float  # share of values the format writes back character for character
    parsed: float  # share of values read (by the format, or the per-value fallback parser)
    timezone: str | None = None

    def why(self) -> str:
        text = f"{self.kind}: format {self.fmt} found on {self.exact:.1%} of values"
        if self.exact < 1.0:
            text += f"; the other {1 - self.exact:.1%} are read and written back in this format"
        return text


# -- writing and reading datetimes --------------------------------------------------------------------
def strptime_format(fmt: str) -> str:
    """The plain strftime format pandas parses with (padding / case / width extensions removed)."""
    out = re.sub(r"%\^([bBaA])", r"%\1", fmt).replace("%~p", "%p").replace("%:z", "%z")
    out = re.sub(r"%[1-9]f", "%f", out)
    return re.sub(r"%-([dmHI])", r"%\1", out)


def _dayfirst(fmt: str) -> bool:
    d, m = fmt.find("%d"), fmt.find("%m")
    return d >= 0 and m >= 0 and d < m


def parse_datetimes(s: pd.Series, fmt: str, *, fallback: bool = True) -> pd.Series:
    """Timestamps for ``s`` read with ``fmt``; values the format misses are read one by one (same day
    order), so a column mixing ``2017-01-05`` and ``2017-01-05 10:00`` loses nothing. A format with an
    offset gives UTC timestamps; a literal ``Z`` suffix too."""
    text = s.astype(object).where(s.notna(), None)
    pfmt = strptime_format(fmt)
    utc = "%z" in pfmt or fmt.endswith("Z")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pd.to_datetime(text, format=pfmt, errors="coerce", utc="%z" in pfmt)
        if utc and "%z" not in pfmt:
            out = out.dt.tz_localize("UTC")
        miss = out.isna() & text.notna()
        if fallback and miss.any():
            more = _each_own_format(text[miss], dayfirst=_dayfirst(fmt), utc=utc)
            out = out.astype(more.dtype) if out.dtype != more.dtype else out
            out[miss] = more
    return out


def _each_own_format(text: pd.Series, *, dayfirst: bool, utc: bool) -> pd.Series:
    """Values the column's format misses, each read with the format pandas guesses for it alone (so a
    ``3/-9/1848`` "unknown day" code is not read as a date: no format writes it); NaT where none."""
    norm = text.map(_normalise)
    guessed = norm.map(lambda v: _guess(v, dayfirst))
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]" if utc else "datetime64[us]")
    for g in guessed.dropna().unique():
        part = guessed == g
        ts = pd.to_datetime(norm[part], format=g, errors="coerce", utc="%z" in g)
        if utc and ts.dt.tz is None:
            ts = ts.dt.tz_localize("UTC")
        elif not utc and ts.dt.tz is not None:
            ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
        out[part] = ts.astype(out.dtype)
    return out


def _guess(value: str, dayfirst: bool) -> str | None:
    """pandas' strftime format for one value, or None (also when its literal text between fields is not
    one plain separator: ``%m/-%d/%Y`` reads the "unknown" code ``3/-9/1848`` as a date)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fmt = guess_datetime_format(value, dayfirst=dayfirst)
        except (ValueError, TypeError):
            return None
    if fmt is None or not all(_SEPARATOR.fullmatch(lit) for lit in _DIRECTIVE.split(fmt)):
        return None
    return fmt


def format_datetimes(ts: pd.Series, fmt: str) -> pd.Series:
    """``strftime`` with this module's extensions; NaT stays missing (NaN)."""
    ts = pd.Series(ts).reset_index(drop=True)
    missing = ts.isna().to_numpy()
    pieces: list[pd.Series] = []
    pos = 0
    for m in _CUSTOM.finditer(fmt):
        if m.start() > pos:
            pieces.append(ts.dt.strftime(fmt[pos : m.start()]))
        pieces.append(_custom_piece(ts, m.group()))
        pos = m.end()
    if pos < len(fmt) or not pieces:
        pieces.append(ts.dt.strftime(fmt[pos:]))
    out = pieces[0].astype(object)
    for p in pieces[1:]:
        out = out.fillna("") + p.astype(object).fillna("")
    out = out.astype(object)
    out[missing] = np.nan
    return out


def _custom_piece(ts: pd.Series, token: str) -> pd.Series:
    if token.startswith("%^"):
        return ts.dt.strftime("%" + token[2]).str.upper()
    if token == "%~p":
        return ts.dt.strftime("%p").str.lower()
    if token == "%:z":
        z = ts.dt.strftime("%z")
        return z.str[:3] + ":" + z.str[3:]
    width = int(token[1])
    ns = (ts.dt.microsecond * 1000 + ts.dt.nanosecond).astype("float64")
    digits = ns.map(lambda v: "" if np.isnan(v) else f"{int(v):09d}"[:width])
    return digits


# -- writing and reading times of day / durations ------------------------------------------------------
def parse_times(s: pd.Series, fmt: str) -> np.ndarray:
    """Seconds since midnight (or signed elapsed seconds for durations); NaN where missing or unreadable."""
    codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)  # a clock repeats: read each once
    secs = np.append(_parse_times(pd.Series(uniques, dtype=object), fmt), np.nan)
    return secs[codes]


def _parse_times(s: pd.Series, fmt: str) -> np.ndarray:
    text = s.astype(object).where(s.notna(), None)
    if "%I" in strptime_format(fmt) or "%p" in strptime_format(fmt):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = pd.to_datetime(text, format=strptime_format(fmt), errors="coerce")
            miss = ts.isna() & text.notna()
            if miss.any():  # another spelling of a clock time ("1:45pm" in a "%I:%M %p" column)
                bare = "2000-01-01 " + text[miss].astype(str).str.strip()
                ts[miss] = pd.to_datetime(bare, format="mixed", errors="coerce").astype(ts.dtype)
        secs = (ts - ts.dt.normalize()).dt.total_seconds()
        return secs.to_numpy(dtype="float64", na_value=np.nan)
    parts = text.astype(str).str.strip().str.extract(_DURATION)
    ok = parts["h"].notna() & text.notna()
    h = pd.to_numeric(parts["h"], errors="coerce")
    m = pd.to_numeric(parts["m"], errors="coerce")
    sec = pd.to_numeric(parts["s"], errors="coerce").fillna(0.0)
    frac = parts["f"].fillna("0").map(lambda f: int(f) / 10 ** len(f)).astype("float64")
    total = h * 3600 + m * 60 + sec + frac
    total = total.where(parts["sign"] != "-", -total)
    return total.where(ok).to_numpy(dtype="float64", na_value=np.nan)


def format_times(seconds: np.ndarray, fmt: str) -> pd.Series:
    """Seconds back to text in ``fmt`` (hours may exceed 23 or be negative for durations)."""
    v = np.asarray(seconds, dtype="float64")
    missing = np.isnan(v)
    width = int(m.group(1)) if (m := re.search(r"%([1-9])f", fmt)) else 0
    scale = 10**width
    ticks = np.round(np.abs(np.nan_to_num(v)) * scale).astype(np.int64)
    whole, frac = np.divmod(ticks, scale)
    hours, rest = np.divmod(whole, 3600)
    minutes, secs = np.divmod(rest, 60)
    h12 = np.where(hours % 12 == 0, 12, hours % 12)
    pm = hours % 24 >= 12

    def text(a: np.ndarray, pad: int = 0) -> pd.Series:
        s = pd.Series(a).astype(str).astype(object)
        return s.str.zfill(pad) if pad else s

    fields = {
        "%-H": text(hours),
        "%H": text(hours, 2),
        "%-I": text(h12),
        "%I": text(h12, 2),
        "%M": text(minutes, 2),
        "%S": text(secs, 2),
        "%~p": text(np.where(pm, "pm", "am")),
        "%p": text(np.where(pm, "PM", "AM")),
        f"%{width}f": text(frac, width),
    }
    out = text(np.where((v < 0) & (ticks > 0), "-", ""))
    pos = 0
    for m in re.finditer(r"%-?[HI]|%[MSp]|%~p|%[1-9]f", fmt):
        out = out + fmt[pos : m.start()] + fields[m.group()]
        pos = m.end()
    out = (out + fmt[pos:]).astype(object)
    out[missing] = np.nan
    return out


# -- detection -----------------------------------------------------------------------------------------
def detect(values: pd.Series, name: str = "") -> Found | None:
    """The datetime or time-of-day format of a column of non-missing strings, or None.

    Every value must be read (by the format or the fallback parser): a column that only mostly holds
    dates is not a datetime column, so nothing is ever silently turned into missing."""
    text = values.dropna().astype(str).reset_index(drop=True)
    if text.empty:
        return None
    sample = _sample(text)
    if not sample.str.contains(r"\d", regex=True).all() or sample.str.len().max() > 48:
        return None
    numbers = sample.str.fullmatch(r"[+-]?\d+([.,]\d*)?").all()
    if numbers and not (sample.str.fullmatch(r"\d{8}").all() and integer_dates(name, text)):
        return None
    if sample.str.fullmatch(_TIME).all():
        return _detect_time(text, sample)
    return _detect_datetime(text, sample)


def integer_dates(name: str, values: pd.Series) -> bool:
    """Whether 8-digit numbers are ``YYYYMMDD`` dates: every value is a valid date from 1800 to 2200,
    and the column's name says so or the values leave no doubt (at least 20 distinct valid dates)."""
    values = values.dropna()
    if pd.api.types.is_numeric_dtype(values.dtype):
        nums = values.to_numpy(dtype="float64")
        if len(nums) == 0 or nums.min() < 18000101 or nums.max() > 22001231 or np.any(nums % 1):
            return False
    text = integer_text(values)
    if text.empty or not text.str.fullmatch(r"\d{8}").all():
        return False
    parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    if parsed.isna().any() or parsed.dt.year.min() < 1800 or parsed.dt.year.max() > 2200:
        return False
    return bool(_DATE_NAME.search(name)) or text.nunique() >= 20


def integer_text(values: pd.Series) -> pd.Series:
    """Whole numbers (of an int or float column) as digit strings; other values as their text."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        v = values.dropna()
        if np.all(v.to_numpy(dtype="float64") % 1 == 0):
            return v.astype("int64").astype(str)
    return values.dropna().astype(str)


def _sample(text: pd.Series) -> pd.Series:
    step = max(1, len(text) // SAMPLE)
    return text.iloc[::step].reset_index(drop=True)


def _normalise(v: str) -> str:
    v = _NAME.sub(lambda m: m.group().title(), v)
    v = _AMPM.sub(lambda m: m.group(1).upper() + "M", v)
    return re.sub(r"(?<![\d.,])(\d)(?!\d)", r"0\1", v)


def _guesses(sample: pd.Series, prefix: str = "") -> list[str]:
    found: list[str] = []
    picks = sample.drop_duplicates()
    picks = pd.concat([picks.head(5), picks.sample(min(len(picks), 10), random_state=0)])
    for v in picks:
        for dayfirst in (False, True):
            fmt = _guess(prefix + _normalise(v), dayfirst)
            if fmt and fmt not in found:
                found.append(fmt)
    return found


def _variants(fmt: str, sample: pd.Series) -> list[str]:
    """Writing variants of a guessed format that the sample's spelling calls for."""
    letters = sample.str.replace(r"[^A-Za-z]", "", regex=True)
    upper_names = bool(letters.str.len().gt(1).any() and (letters == letters.str.upper()).all())
    if upper_names:
        fmt = re.sub(r"%([bBaA])", r"%^\1", fmt)
    if "%p" in fmt and sample.str.contains(r"(?<![A-Za-z])[ap]\.?m", regex=True).any():
        fmt = fmt.replace("%p", "%~p")
    if "%f" in fmt:
        widths = sample.str.extract(r"\d[.,](\d{1,9})(?!\d)")[0].str.len().dropna()
        fmt = fmt.replace("%f", f"%{int(widths.mode().iloc[0]) if len(widths) else 6}f")
    if "%z" in fmt:
        if sample.str.endswith("Z").all():
            fmt = fmt.replace("%z", "Z")
        elif sample.str.contains(r"[+-]\d\d:\d\d$", regex=True).any():
            fmt = fmt.replace("%z", "%:z")
    fields = [f for f in _PADDABLE if f in fmt]
    out = []
    for pads in itertools.product((True, False), repeat=len(fields)):
        v = fmt
        for f, pad in zip(fields, pads, strict=True):
            if not pad:
                v = v.replace(f, "%-" + f[1])
        out.append(v)
    return out


def _fixed_offset(ts: pd.Series, text: pd.Series, fmt: str) -> str | None:
    """The zone to write a column with an offset in: ``UTC``, or its most common fixed offset."""
    if "%z" not in strptime_format(fmt):
        return "UTC" if fmt.endswith("Z") else None
    offsets = text.str.extract(r"([+-]\d\d):?(\d\d)$").dropna()
    if offsets.empty:
        return "UTC"
    common = (offsets[0] + ":" + offsets[1]).mode().iloc[0]
    return "UTC" if common in ("+00:00", "-00:00") else f"UTC{common}"


def _score_datetime(fmt: str, text: pd.Series) -> tuple[float, float, str | None]:
    """Shares of values ``fmt`` reads and writes back exactly (each distinct value handled once), and
    the zone it writes in."""
    codes, uniques = pd.factorize(text)
    counts = np.bincount(codes, minlength=len(uniques))
    distinct = pd.Series(uniques, dtype=object)
    ts = parse_datetimes(distinct, fmt, fallback=False)
    read = int(counts[ts.notna().to_numpy()].sum()) / len(text)
    if read == 0:
        return 0.0, 0.0, None
    tz = _fixed_offset(ts, text, fmt)
    if tz is not None and ts.dt.tz is not None:
        ts = ts.dt.tz_convert(tz)
    written = format_datetimes(ts, fmt)
    exact = int(counts[written.to_numpy() == distinct.to_numpy()].sum()) / len(text)
    return read, exact, tz


def _detect_datetime(text: pd.Series, sample: pd.Series) -> Found | None:
    best: tuple[float, float, str, str | None] | None = None
    for guess in _guesses(sample):
        for fmt in _variants(guess, sample):
            if "%-m" in fmt and "%d" not in fmt and "%-d" not in fmt:
                continue  # "2000-1" is a year and a term, not a month: months without a day are padded
            read, exact, tz = _score_datetime(fmt, sample)
            if best is None or (exact, read) > (best[1], best[0]):
                best = (read, exact, fmt, tz)
    if best is None or best[1] < 0.5:
        return None
    fmt = best[2]
    ts = parse_datetimes(text, fmt)
    if ts.isna().any():
        return None
    read, exact, tz = _score_datetime(fmt, text)
    return Found("datetime", fmt, exact=exact, parsed=read, timezone=tz)


def _detect_time(text: pd.Series, sample: pd.Series) -> Found | None:
    durations = sample.str.strip().str.fullmatch(_DURATION)
    if durations.all():
        hours = sample.str.extract(r"^-?(\d+)")[0].astype(int)
        if (hours > 23).any() or sample.str.startswith("-").any():
            return _score_time(text, _duration_format(sample))
    guesses = [
        g.removeprefix("%Y-%m-%d ") for g in _guesses(sample, "2000-01-01 ") if g.startswith("%Y-%m-%d ")
    ]
    best: Found | None = None
    for guess in guesses:
        for fmt in _variants(guess, sample):
            found = _score_time(sample, fmt)
            if found is not None and (best is None or found.exact > best.exact):
                best = found
    return None if best is None else _score_time(text, best.fmt)


def _duration_format(sample: pd.Series) -> str:
    fmt = "%-H" if (sample.str.extract(r"^-?(\d+):")[0].str.len() == 1).any() else "%H"
    fmt += ":%M"
    if sample.str.count(":").max() == 2:
        fmt += ":%S"
        widths = sample.str.extract(r"[.,](\d+)$")[0].str.len().dropna()
        if len(widths):
            fmt += f".%{int(widths.mode().iloc[0])}f"
    return fmt


def _score_time(text: pd.Series, fmt: str) -> Found | None:
    secs = parse_times(text, fmt)
    if np.isnan(secs).any():
        return None
    codes, uniques = pd.factorize(pd.Series(secs))
    written = format_times(np.asarray(uniques, dtype="float64"), fmt).to_numpy()[codes]
    exact = float((written == text.to_numpy()).mean())
    return Found("time", fmt, exact=exact, parsed=1.0) if exact >= 0.5 else None


# -- schema facts --------------------------------------------------------------------------------------
def resolution(ts: pd.Series) -> str:
    """The coarsest unit that every timestamp is a whole multiple of: "D", "s", "ms", "us" or "ns"."""
    v = ts.dropna()
    if v.dt.tz is not None:
        v = v.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = v.astype("datetime64[ns]").astype("int64").to_numpy()
    for unit, size in (("D", 86_400 * 10**9), ("s", 10**9), ("ms", 10**6), ("us", 10**3)):
        if np.all(ns % size == 0):
            return unit
    return "ns"


def epoch_seconds(ts: pd.Series) -> np.ndarray:
    """Timestamps as float seconds since the epoch (UTC); NaN for NaT."""
    if ts.dt.tz is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = ts.astype("datetime64[ns]")
    return (ns - pd.Timestamp(0)).dt.total_seconds().to_numpy(dtype="float64", na_value=np.nan)


def column_schema(
    name: str, values: pd.Series, base: dict[str, Any], forced: str | None
) -> ColumnSchema | None:
    """The datetime / time column for ``values`` (non-missing), or None when they are neither.

    ``forced`` is the kind the user asked for ("datetime" or "time"), or None to infer."""
    found = detect(values, name)
    if found is None or (forced is not None and found.kind != forced):
        return None
    if found.kind == "time":
        secs = parse_times(values, found.fmt)
        return ColumnSchema(
            kind="time",
            datetime_format=found.fmt,
            min=float(np.min(secs)),
            max=float(np.max(secs)),
            why=found.why(),
            **base,
        )
    ts = parse_datetimes(values, found.fmt)
    secs = epoch_seconds(ts)
    return ColumnSchema(
        kind="datetime",
        datetime_format=found.fmt,
        timezone=found.timezone,
        resolution=resolution(ts),
        min=float(np.min(secs)),
        max=float(np.max(secs)),
        why=found.why(),
        **base,
    )
