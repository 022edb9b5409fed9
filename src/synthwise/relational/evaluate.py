"""Evaluation across tables: what a per-table score cannot see.

* ``integrity``: per foreign key, the share of set references that resolve to a parent row (1 ideal);
* ``children``: per foreign key, how far the distribution of children per parent (zeros included) is
  from the real one: the KS statistic (0 ideal) and the Wasserstein distance over the real mean count;
* ``trends``: per foreign key, parent-child column trends across the join: 1 - mean |real - synthetic|
  Spearman correlation / 2 over the (child column, parent column) pairs (1 ideal);
* ``joined``: on each table with parents, denormalized (joined with its parents' columns), the
  detection AUC (0.5 ideal) and, with a holdout of whole parent groups (:func:`split_database`), the
  DCR share (0.5 ideal). The detection folds keep the children of one parent (of the table's primary
  link, its finest grouping) together: a parent's values recur on each of its children, and with row
  folds the classifier recognised the parents themselves (held-out real weather hours joined to their
  flights scored 0.997 against the training hours; synthetic parents are new rows just the same);
* ``tables``: each table on its own columns (keys left out) through the ordinary
  :class:`~synthwise.evaluation.Evaluator`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthwise.evaluation import Evaluation, Evaluator
from synthwise.relational.database import Database
from synthwise.relational.metadata import RelationalMetadata
from synthwise.relational.plan import child_counts, make_plan

TABLE_METRICS = ("alpha_precision", "beta_recall", "authenticity", "detection_auc", "marginals", "pairs")
MIN_ROWS = 20  # smaller tables are not scored on their own


@dataclass
class RelationalEvaluation:
    """Every cross-table measure, plus the per-table evaluations."""

    integrity: dict[str, float] = field(default_factory=dict)
    children: dict[str, dict[str, float]] = field(default_factory=dict)
    trends: dict[str, float] = field(default_factory=dict)
    joined: dict[str, dict[str, float]] = field(default_factory=dict)
    tables: dict[str, Evaluation] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per measure: scope (table or foreign key), metric, value, ideal."""
        rows: list[tuple[str, str, float, float]] = []
        rows += [(k, "referential_integrity", v, 1.0) for k, v in self.integrity.items()]
        for k, d in self.children.items():
            rows += [(k, "children_ks", d["ks"], 0.0), (k, "children_wasserstein", d["wasserstein"], 0.0)]
        rows += [(k, "parent_child_trends", v, 1.0) for k, v in self.trends.items()]
        for t, d in self.joined.items():
            rows += [(f"{t} (joined)", m, v, 0.5) for m, v in d.items()]
        for t, ev in self.tables.items():
            rows += [(t, m.name, m.value, m.ideal) for m in ev.metrics]
        return pd.DataFrame(rows, columns=["scope", "metric", "value", "ideal"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "integrity": self.integrity,
            "children": self.children,
            "trends": self.trends,
            "joined": self.joined,
            "tables": {t: ev.scores for t, ev in self.tables.items()},
        }

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, default=float)
        if path is not None:
            from synthwise.io import write_text

            write_text(text + "\n", path)
        return text


def referential_integrity(db: Database) -> dict[str, float]:
    """Per foreign key: the share of set references that resolve (1.0 when none is set)."""
    out = {}
    for fk in db.metadata.foreign_keys:
        refs = db.tables[fk.child][list(fk.columns)].dropna()
        if refs.empty:
            out[fk.name] = 1.0
            continue
        keys = pd.MultiIndex.from_frame(db.tables[fk.parent][list(fk.parent_columns)])
        found = pd.MultiIndex.from_frame(refs.set_axis(list(fk.parent_columns), axis=1)).isin(keys)
        out[fk.name] = float(found.mean())
    return out


def children_distance(real: Database, synthetic: Database) -> dict[str, dict[str, float]]:
    """Per foreign key: KS statistic and normalised Wasserstein distance of children per parent."""
    from scipy.stats import ks_2samp, wasserstein_distance

    out = {}
    for i, fk in enumerate(real.metadata.foreign_keys):
        r = child_counts(real.metadata, real.tables, i).astype(np.float64)
        s = child_counts(synthetic.metadata, synthetic.tables, i).astype(np.float64)
        if not len(r) or not len(s):
            continue
        scale = max(float(r.mean()), 1e-9)
        out[fk.name] = {
            "ks": float(ks_2samp(r, s).statistic),
            "wasserstein": float(wasserstein_distance(r, s) / scale),
            "real_mean": float(r.mean()),
            "synthetic_mean": float(s.mean()),
        }
    return out


def regenerated_columns(db: Database) -> dict[str, set[str]]:
    """Per table, the columns written fresh rather than learned (identifiers, personal data, free text,
    categories with a value per row such as airport names, whose rare values are never copied): a join
    compares them as categories, where every fresh value would be a giveaway."""
    from synthwise.schema import infer_schema

    fresh = ("identifier", "pii", "text")

    def regenerated(df: pd.DataFrame) -> set[str]:
        if not len(df):
            return set()
        schema = infer_schema(df)
        near_unique = {
            c.name for c in schema.columns if c.kind == "categorical" and c.n_unique > 0.5 * len(df)
        }
        return {c.name for c in schema.columns if c.kind in fresh} | near_unique

    return {name: regenerated(df) for name, df in db.tables.items()}


def joined_view(db: Database, table: str, leave_out: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """``table`` joined with each of its parents' non-key columns (named ``<fk columns>.<column>``),
    its own key columns and the parents' ``leave_out`` columns left out."""
    meta = db.metadata
    child = db.tables[table].reset_index(drop=True)
    keys = set(meta.table(table).primary_key) | {c for fk in meta.parents(table) for c in fk.columns}
    out = child[[c for c in child.columns if c not in keys]].copy()
    for fk in meta.parents(table):
        parent = db.tables[fk.parent]
        skip = set(meta.table(fk.parent).primary_key) | {
            c for p in meta.parents(fk.parent) for c in p.columns
        }
        skip |= (leave_out or {}).get(fk.parent, set())
        cols = [c for c in parent.columns if c not in skip]
        prefix = "_".join(fk.columns)
        right = parent[list(fk.parent_columns) + cols].drop_duplicates(list(fk.parent_columns))
        right = right.set_axis(list(fk.columns) + [f"{prefix}.{c}" for c in cols], axis=1)
        merged = child[list(fk.columns)].merge(right, how="left", on=list(fk.columns))
        out = pd.concat([out, merged.drop(columns=list(fk.columns))], axis=1)
    return out


def _grouped_view(
    db: Database, table: str, by: list[str], names: list[str], leave_out: dict[str, set[str]]
) -> pd.DataFrame:
    """The joined view of ``table`` plus its ``by`` columns (a parent's key) as group columns ``names``."""
    keys = db.tables[table][by].reset_index(drop=True).astype(str).set_axis(names, axis=1)
    return pd.concat([joined_view(db, table, leave_out), keys], axis=1)


def parent_child_trends(
    real: Database, synthetic: Database, leave_out: dict[str, set[str]] | None = None
) -> dict[str, float]:
    """Per foreign key: 1 - mean |Spearman real - synthetic| / 2 over (child, parent) column pairs."""
    out = {}
    leave_out = regenerated_columns(real) if leave_out is None else leave_out
    for child in {fk.child for fk in real.metadata.foreign_keys}:
        rj = joined_view(real, child, leave_out)
        sj = joined_view(synthetic, child, leave_out)[rj.columns]
        real_corr, syn_corr = _spearman(rj, rj), _spearman(sj, rj)
        own = [c for c in rj.columns if "." not in c]
        for fk in real.metadata.parents(child):
            prefix = "_".join(fk.columns) + "."
            theirs = [c for c in rj.columns if c.startswith(prefix)]
            diff = (real_corr.loc[own, theirs] - syn_corr.loc[own, theirs]).abs().to_numpy()
            if np.isfinite(diff).any():
                out[fk.name] = float(1 - np.nanmean(diff) / 2)
    return out


def _spearman(df: pd.DataFrame, real: pd.DataFrame) -> pd.DataFrame:
    """Spearman correlations of every column pair (categories ranked by their real frequency)."""
    ranked = pd.DataFrame({c: _ranked(df[c], real[c]) for c in df.columns}, index=df.index)
    return ranked.rank().corr(min_periods=10)


def _ranked(values: pd.Series, real: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype(np.float64).to_numpy()
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.to_numpy(dtype=np.float64)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("datetime64[ns]").astype("int64").to_numpy(dtype=np.float64)
    order = real.astype(object).value_counts()
    lookup = {v: float(i) for i, v in enumerate(order.index)}
    return values.astype(object).map(lookup).to_numpy(dtype=np.float64)


def split_database(
    db: Database, *, by: str | None = None, holdout: float = 0.2, seed: int = 0
) -> tuple[Database, Database]:
    """``(train, holdout)``: rows of table ``by`` split at random, each child row (and its descendants)
    going with its parent, so no group of children is ever split from its parent. Other tables are kept
    whole on both sides. ``by`` defaults to the primary parent of the largest child table."""
    meta = db.metadata
    by = by or _default_group_table(db)
    rng = np.random.default_rng(seed)
    held = {by: rng.random(len(db.tables[by])) < holdout}
    for name in meta.order():
        links = [fk for fk in meta.parents(name) if fk.parent in held]
        if name in held or not links:
            continue
        flag = np.zeros(len(db.tables[name]), dtype=bool)
        for fk in links:
            parent = db.tables[fk.parent][list(fk.parent_columns)][held[fk.parent]]
            keys = pd.MultiIndex.from_frame(parent)
            refs = db.tables[name][list(fk.columns)].set_axis(list(fk.parent_columns), axis=1)
            flag |= pd.MultiIndex.from_frame(refs).isin(keys)
        held[name] = flag
    train = {n: (df[~held[n]] if n in held else df).reset_index(drop=True) for n, df in db.tables.items()}
    hold = {n: (df[held[n]] if n in held else df).reset_index(drop=True) for n, df in db.tables.items()}
    return Database(train, meta), Database(hold, meta)


def _default_group_table(db: Database) -> str:
    children = [n for n in db.metadata.names if db.metadata.parents(n)]
    if not children:
        return max(db.metadata.names, key=lambda n: len(db.tables[n]))
    largest = max(children, key=lambda n: len(db.tables[n]))
    plan = make_plan(db.metadata, largest, db.tables)
    assert plan.primary is not None
    return plan.primary.fk.parent


def evaluate_database(
    real: Database,
    synthetic: Database,
    *,
    holdout: Database | None = None,
    seed: int = 0,
    max_rows: int = 10_000,
    tables: bool = True,
) -> RelationalEvaluation:
    """Score ``synthetic`` against ``real`` (and ``holdout``, whole parent groups the generator never saw)."""
    meta: RelationalMetadata = real.metadata
    fresh = regenerated_columns(real)
    result = RelationalEvaluation(
        integrity=referential_integrity(synthetic),
        children=children_distance(real, synthetic),
        trends=parent_child_trends(real, synthetic, leave_out=fresh),
    )
    for name in meta.names:
        if not meta.parents(name):
            continue
        link = make_plan(meta, name, real.tables).primary
        assert link is not None
        by = list(link.fk.columns)
        group = [f"_sw_group{i}" for i in range(len(by))]
        rj, sj = (_grouped_view(db, name, by, group, fresh) for db in (real, synthetic))
        metrics = ["detection_auc"] + (["dcr_share"] if holdout is not None else [])
        hj = _grouped_view(holdout, name, by, group, fresh) if holdout is not None else None
        ev = Evaluator(
            rj,
            holdout=hj,
            groups=group,
            seed=seed,
            metrics=metrics,
            max_rows=max_rows,
            baselines=False,
            n_bootstrap=0,
            row_flags=False,
        ).evaluate(sj)
        result.joined[name] = {m.name: m.value for m in ev.metrics}
    if tables:
        for name in meta.names:
            keys = set(meta.table(name).primary_key) | {c for fk in meta.parents(name) for c in fk.columns}
            cols = [c for c in real.tables[name].columns if c not in keys]
            if len(real.tables[name]) < MIN_ROWS or not cols or len(synthetic.tables[name]) < MIN_ROWS:
                continue
            judge = Evaluator(
                real.tables[name][cols],
                seed=seed,
                metrics=TABLE_METRICS,
                max_rows=max_rows,
                baselines=False,
                n_bootstrap=0,
                row_flags=False,
            )
            result.tables[name] = judge.evaluate(synthetic.tables[name][cols])
    return result
