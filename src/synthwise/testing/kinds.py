"""One table with every kind real tables hold, for the conformance suite (issue 13: every generator
learns every kind).

``kinds_table()`` adds to the usual mixed columns: numbers with special codes (``T`` for a trace of rain,
tied to the season), formatted numbers (currency with thousands separators, decimal commas), Yes/No
booleans, a datetime written ``2017/01/18 23:35:59``, a time of day written ``1:45 PM``, a long-tail
categorical whose rare values depend on a group, postal codes with leading zeros and a few ZIP+4, a unique
key, a repeated case key, a ``1..n`` row index, free text, an e-mail column (personal data), a column 99 %
missing, one with a single non-missing value and one with none. Fully determined by ``seed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SYLLABLES = ("ka", "lo", "mi", "ner", "tus", "va", "qua", "ri", "zen", "do", "pel", "sor")
WORDS = ("the", "patient", "reported", "mild", "pain", "after", "walking", "and", "slept", "well", "today")


def kinds_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """``n`` rows with every kind inference knows (see the module docstring)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], size=n)
    season = rng.choice(["wet", "dry"], size=n)
    rain = np.round(rng.gamma(1.0, 2.0, size=n), 2)
    trace = rng.random(n) < np.where(season == "wet", 0.3, 0.02)
    rain_text = np.where(trace, "T", [f"{v:.2f}" for v in rain]).astype(object)
    rain_text[rng.random(n) < 0.05] = None
    frequent = {"a": ["Clerk", "Nurse", "Driver"], "b": ["Teacher", "Cook", "Guard"]}
    rare = rng.random(n) < 0.4
    titles = [
        " ".join(rng.choice(SYLLABLES, size=2)).title() + (" Lead" if g == "b" else "")
        if r
        else str(rng.choice(frequent[str(g)]))
        for g, r in zip(group, rare, strict=True)
    ]
    zips = rng.choice([f"{z:05d}" for z in rng.integers(0, 3000, size=60)], size=n).astype(object)
    zips[:2] = ["98115-4820", "02134-0001"]
    stamps = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 400 * 86_400, n), unit="s")
    clock = pd.Series(stamps.strftime("%I:%M %p"), dtype=object).str.lstrip("0")
    clock[rng.random(n) < 0.05] = None
    prices = np.round(rng.lognormal(6, 1.5, n), 2)
    sparse = np.full(n, np.nan)
    sparse[:3] = [1.5, 2.5, 4.0]
    single = np.full(n, None, dtype=object)
    single[7] = "only"
    return pd.DataFrame(
        {
            "row": np.arange(1, n + 1),
            "ref": [f"R{i:05d}" for i in rng.permutation(n)],
            "case": [f"17-{k:06d}" for k in rng.integers(0, n // 3, size=n)],
            "group": group,
            "season": season,
            "rain": rain_text,
            "x": np.round(rng.normal(size=n) + (group == "b"), 3),
            "price": [f"${v:,.2f}" for v in prices],
            "rate": [f"{v:.1f}".replace(".", ",") for v in rng.uniform(0, 30, n)],
            "open": rng.choice(["Yes", "No"], size=n).astype(object),
            "stamp": stamps.strftime("%Y/%m/%d %H:%M:%S").astype(object),
            "clock": clock,
            "title": titles,
            "zip": zips,
            "note": [" ".join(rng.choice(WORDS, size=int(rng.integers(4, 9)))) for _ in range(n)],
            "email": [f"user{i}@example.org" for i in rng.permutation(n)],
            "sparse": sparse,
            "single": single,
            "void": np.full(n, np.nan),
        }
    )
