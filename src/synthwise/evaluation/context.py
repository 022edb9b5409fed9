"""The data one evaluation compares, prepared once and shared by the metrics.

:class:`RealSide` holds everything computed from the real train alone (schema, codes, the embedding fit
on real rows, the real sample used by k-NN metrics and its neighbour radii, the alpha-support). A
:class:`Context` pairs it with one table to judge (the synthetic data, the holdout as a reference, or a
trivial baseline) and an optional holdout, and caches what several metrics share (the neighbour pass).

Row order never matters: every table is put in a canonical order by a seeded hash of its row contents,
and "a seeded subsample of m rows" is the first m rows of that order (:func:`canonical_keys`). Results
are invariant to shuffling the input, and a generator that copies training rows has its copies picked
in the synthetic sample exactly when the originals are picked in the real sample, so subsampling does
not hide memorization: every copy of a training row sorts with its original. The other repeats of a
row are spread (the k-th sorts by its hash mixed with k), so a subsample holds a mode the generator
repeats in proportion. Before, those too sorted together and a subsample held all of a repeated row or
none of it: TabDDPM's diamonds output (18 % repeats, its largest mode 1,949 identical rows at the rim
of the data) showed a 10,000-row subsample whose alpha-precision was 0.84 while all 43,152 rows score
0.74.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from synthwise.evaluation.embed import Embedding, TabularEmbedding, table_codes
from synthwise.evaluation.registry import Skip
from synthwise.neighbours import CrossStats, cross_stats, knn, nearest_both_ways
from synthwise.schema import Schema
from synthwise.transforms.categorical import is_long_tail
from synthwise.transforms.table import row_hashes

T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    """Knobs of an evaluation; the defaults keep 50k x 50k rows under a minute on two cores."""

    k: int = 5  # neighbours for PRDC and beta-recall
    max_rows: int | None = 10_000  # rows per table for the k-NN metrics; None = all (exact)
    detection_rows: int = 5_000  # rows per side for the detection classifier
    utility_rows: int = 20_000  # training rows for TSTR / TRTR
    n_bootstrap: int = 200
    ci_level: float = 0.95
    n_alphas: int = 20  # alpha / beta grid: midpoints of n equal steps in (0, 1)
    typical_alpha: float = 0.95  # the alpha-support that defines a "typical" row

    @property
    def alphas(self) -> np.ndarray:
        return (np.arange(self.n_alphas) + 0.5) / self.n_alphas


@dataclass
class Table:
    """A table in canonical order: raw rows, codes (see ``table_codes``), embedding, original positions."""

    name: str
    frame: pd.DataFrame
    codes: pd.DataFrame
    emb: np.ndarray
    order: np.ndarray
    hashes: np.ndarray
    folds: np.ndarray | None = None  # per row, a hash of its group (see ``RealSide.grouped``)

    @property
    def fold_keys(self) -> np.ndarray:
        """What decides a row's cross-validation fold: its group's hash where groups were given (rows of
        one group share a fold), else its own content hash (a copy shares its original's fold)."""
        return self.hashes if self.folds is None else self.folds

    def __len__(self) -> int:
        return len(self.frame)

    def rows(self, start: int, stop: int | None = None, name: str | None = None) -> Table:
        sl = slice(start, stop)
        return Table(
            name or self.name,
            self.frame.iloc[sl].reset_index(drop=True),
            self.codes.iloc[sl].reset_index(drop=True),
            self.emb[sl],
            self.order[sl],
            self.hashes[sl],
            None if self.folds is None else self.folds[sl],
        )

    def head(self, n: int | None) -> Table:
        return self if n is None or n >= len(self) else self.rows(0, n)


def canonical_keys(hashes: np.ndarray, copies: np.ndarray | None = None) -> np.ndarray:
    """The sort key of each row of the canonical order: its content hash, except for the repeats of a
    row that is not a copy of a training row (``copies``: the rows whose hash the real train holds;
    they all keep their hash, so they sort where their original does). The ``k``-th repeat (``k`` >= 1,
    counted in input order; repeats are identical, so which of them is which changes nothing) of such a
    row sorts by its hash mixed with ``k`` (splitmix64's finalizer), so that a subsample holds a mode
    the generator repeats in proportion."""
    n = len(hashes)
    keys = np.asarray(hashes, dtype=np.uint64).copy()
    if n < 2:
        return keys
    by_hash = np.argsort(keys, kind="stable")
    ordered = keys[by_hash]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    at = np.arange(n)
    occurrence = np.empty(n, dtype=np.uint64)
    occurrence[by_hash] = (at - np.maximum.accumulate(np.where(starts, at, 0))).astype(np.uint64)
    repeat = occurrence > 0
    if copies is not None:
        repeat &= ~np.asarray(copies, dtype=bool)
    if repeat.any():
        z = keys[repeat] ^ (occurrence[repeat] * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        keys[repeat] = z ^ (z >> np.uint64(31))
    return keys


def identity_codes(frame: pd.DataFrame, codes: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """What two rows must share to be the same row: their codes, plus the value itself where a long-tail
    column holds its tail (one code for many rare values: two rows with different rare values there are
    different rows, so a copy check on codes alone would overcount)."""
    extra: dict[str, np.ndarray] = {}
    for col in schema.columns:
        if is_long_tail(col) and col.name in codes.columns and col.name in frame.columns:
            tail = codes[col.name].to_numpy() == len(col.categories) - 1
            text = frame[col.name].astype(str).to_numpy(dtype=object)
            extra[f"{col.name}::value"] = np.where(tail, pd.util.hash_array(text), np.uint64(0))
    return codes.assign(**extra) if extra else codes


class RealSide:
    """The real train, prepared once: canonical order, codes, embedding, k-NN sample and radii."""

    def __init__(
        self,
        train: pd.DataFrame,
        schema: Schema,
        *,
        settings: Settings,
        seed: int,
        target: str | None = None,
        sensitive: str | None = None,
        embedding: Embedding | None = None,
        groups: pd.DataFrame | None = None,
    ) -> None:
        self.schema = schema
        self.settings = settings
        self.seed = seed
        self.target = target
        self.sensitive = sensitive
        self.quasi_identifiers: list[str] = []  # set by evaluate(): the re-identification metrics' inputs
        self.secret: str | None = None
        self.hash_key = f"{zlib.crc32(str(seed).encode()) & 0xFFFFFFFF:08x}synthwis"
        codes = table_codes(train, schema)
        fitted = TabularEmbedding(schema).fit_codes(codes) if embedding is None else embedding.fit(train)
        self.embedding: Embedding = fitted
        self.train = self.grouped(self._table(train, codes, "real"), groups)
        self.cache: dict[str, Any] = {}

    # -- tables -----------------------------------------------------------------------------------------
    def _embed(self, frame: pd.DataFrame, codes: pd.DataFrame) -> np.ndarray:
        if isinstance(self.embedding, TabularEmbedding):
            return self.embedding.transform_codes(codes)
        return np.asarray(self.embedding.transform(frame), dtype=np.float64)

    def _table(self, frame: pd.DataFrame, codes: pd.DataFrame, name: str) -> Table:
        hashes = row_hashes(identity_codes(frame, codes, self.schema), self.hash_key)
        order = np.argsort(self.sort_keys(hashes), kind="stable")
        frame = frame.iloc[order].reset_index(drop=True)
        codes = codes.iloc[order].reset_index(drop=True)
        return Table(name, frame, codes, self._embed(frame, codes), order, hashes[order])

    def sort_keys(self, hashes: np.ndarray) -> np.ndarray:
        """The canonical order's keys of a table's rows (:func:`canonical_keys`): the real train's rows
        (natural duplicates included) by their hash; another table's copies of training rows likewise,
        and its other repeats spread."""
        train = getattr(self, "train", None)
        if train is None:  # preparing the real train itself
            return np.asarray(hashes, dtype=np.uint64)
        return canonical_keys(hashes, np.isin(hashes, train.hashes))

    def prepare(self, frame: pd.DataFrame, name: str, groups: pd.DataFrame | None = None) -> Table:
        """A table to compare with the real train (synthetic data, holdout), in canonical order."""
        return self.grouped(self._table(frame, table_codes(frame, self.schema), name), groups)

    def grouped(self, table: Table, groups: pd.DataFrame | None) -> Table:
        """``table`` with its rows' groups (``groups``: one row per row of the frame it was made from, in
        that frame's order; e.g. the parent key of a child table's rows) hashed into ``folds``."""
        if groups is not None:
            table.folds = row_hashes(groups.reset_index(drop=True), self.hash_key)[table.order]
        return table

    def derived(self, frame: pd.DataFrame, codes: pd.DataFrame, name: str) -> Table:
        """A table whose codes are already known (the baselines, built from the train's own codes)."""
        return self._table(frame.reset_index(drop=True), codes.reset_index(drop=True), name)

    # -- shared real-only computations ------------------------------------------------------------------
    def memo(self, key: str, fn: Callable[[], T]) -> T:
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]

    def sample(self, size: int | None = None) -> Table:
        """The first ``size`` real rows of the canonical order (default: ``max_rows``, None = all)."""
        return self.train.head(self.settings.max_rows if size is None else size)

    def self_knn(self, size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of each row of ``sample(size)`` to its k nearest other real rows."""
        sample = self.sample(size)

        def compute() -> tuple[np.ndarray, np.ndarray]:
            k = min(self.settings.k, len(sample) - 1)
            if k < 1:
                raise Skip("needs at least 2 real rows for nearest neighbours")
            return knn(sample.emb, sample.emb, k, exclude_self=True)

        return self.memo(f"self_knn:{len(sample)}", compute)

    @property
    def center(self) -> np.ndarray:
        given = getattr(self.embedding, "center_", None)
        if given is not None:
            return np.asarray(given, dtype=np.float64)
        return self.memo("center", lambda: self.train.emb.mean(axis=0))

    def distance_to_center(self, emb: np.ndarray) -> np.ndarray:
        diff = emb - self.center
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))

    def alpha_radii(self) -> np.ndarray:
        """Radius of the ball around the real center holding each alpha of the real rows."""
        return self.memo(
            "alpha_radii",
            lambda: np.quantile(self.distance_to_center(self.train.emb), self.settings.alphas),
        )

    def typical_radius(self) -> float:
        return float(
            self.memo(
                "typical_radius",
                lambda: np.quantile(self.distance_to_center(self.train.emb), self.settings.typical_alpha),
            )
        )


@dataclass
class Context:
    """One comparison: the real train against ``synthetic`` (and an optional ``holdout``)."""

    real: RealSide
    synthetic: Table
    holdout: Table | None = None
    label: str = "synthetic"
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.real.settings

    @property
    def schema(self) -> Schema:
        return self.real.schema

    def memo(self, key: str, fn: Callable[[], T]) -> T:
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]

    def rng(self, key: str) -> np.random.Generator:
        """A generator seeded by the evaluation seed and ``key`` alone (not by what ran before)."""
        return np.random.default_rng([self.real.seed, zlib.crc32(key.encode())])

    def require_holdout(self) -> Table:
        if self.holdout is None:
            raise Skip("needs a holdout (--holdout)")
        return self.holdout

    # -- samples and neighbour passes -------------------------------------------------------------------
    @property
    def pair_size(self) -> int:
        """Rows per side for the 3D score and PRDC: equal sizes, so that values compare across tables."""
        cap = self.settings.max_rows or max(len(self.real.train), len(self.synthetic))
        return min(len(self.real.train), len(self.synthetic), cap)

    @property
    def syn_sample(self) -> Table:
        """The synthetic rows the privacy metrics use (at most ``max_rows``)."""
        return self.synthetic.head(self.settings.max_rows)

    @property
    def holdout_sample(self) -> Table:
        return self.require_holdout().head(self.settings.max_rows)

    def k(self) -> int:
        k = min(self.settings.k, self.pair_size - 1)
        if k < 1:
            raise Skip("needs at least 2 rows on each side for nearest neighbours")
        return k

    def syn_self_knn(self) -> np.ndarray:
        """Distances of each paired synthetic row to its k nearest other paired synthetic rows."""

        def compute() -> np.ndarray:
            syn = self.synthetic.head(self.pair_size)
            return knn(syn.emb, syn.emb, self.k(), exclude_self=True)[0]

        return self.memo("syn_self_knn", compute)

    def cross(self) -> CrossStats:
        """The neighbour pass between ``pair_size`` synthetic and real rows (see :class:`CrossStats`)."""

        def compute() -> CrossStats:
            k, m = self.k(), self.pair_size
            real_radii = self.real.self_knn(m)[0][:, k - 1]
            syn_radii = self.syn_self_knn()[:, k - 1]
            return cross_stats(self.synthetic.head(m).emb, self.real.sample(m).emb, real_radii, syn_radii)

        return self.memo("cross", compute)

    def privacy_cross(self) -> CrossStats:
        """The neighbour pass between ``syn_sample`` and the real ``sample()`` (no size matching)."""

        def compute() -> CrossStats:
            syn, real = self.syn_sample, self.real.sample()
            if len(syn) == self.pair_size and len(real) == self.pair_size:
                return self.cross()
            if len(real) < 2:
                raise Skip("needs at least 2 real rows for nearest neighbours")
            return cross_stats(syn.emb, real.emb)

        return self.memo("privacy_cross", compute)

    def _holdout_pass(self) -> tuple[np.ndarray, np.ndarray]:
        return self.memo(
            "holdout_pass", lambda: nearest_both_ways(self.syn_sample.emb, self.holdout_sample.emb)
        )

    def syn_to_holdout(self) -> np.ndarray:
        """Distance of each sampled synthetic row to its nearest sampled holdout row."""
        return self._holdout_pass()[0]

    def holdout_to_syn(self) -> np.ndarray:
        """Distance of each sampled holdout row to its nearest sampled synthetic row."""
        return self._holdout_pass()[1]
