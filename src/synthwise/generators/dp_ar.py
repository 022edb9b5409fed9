"""DP-AR: an autoregressive network trained with DP-SGD (opacus) on DP column domains.

Needs the ``privacy`` extra (opacus, torch). The whole fit is ``(epsilon, delta)``-DP under one
:class:`~synthwise.privacy.ledger.BudgetLedger` (``ledger_``, saved in the model file; sampling
spends nothing):

1. **Domains** (:mod:`synthwise.privacy.dp_columns`, as in ``mst``): ranges, rounding, frequent values
   and categories that are not public are released under DP (zCDP), and every column is cut into
   *fine cells* (intervals finer where the noisy range histogram saw more rows, exact cells for zero and
   frequent values, a missing cell).
2. **1-way marginals** of the fine cells (Gaussian mechanism, ``MARGIN_SHARE`` of the zCDP budget) set
   every column's initial output bias, so training starts from the right marginals (missing rates, rare
   categories) and DP-SGD spends its noisy steps on the dependence between columns.
3. **DP-SGD** (:mod:`synthwise.privacy.dp_sgd`): the network :class:`~synthwise.deep.autoregressive.ColumnAR`
   learns ``p(column j | columns before j)`` over the one-hot fine cells; every step clips per-row
   gradients to ``max_grad_norm`` (ghost clipping: no per-row gradients are materialized) and adds
   Gaussian noise; opacus picks the noise multiplier so that ``epochs`` epochs of Poisson-sampled batches
   spend exactly what the ledger has left (RDP accountant). There is no private validation split, early
   stopping or memorization guard: they would read the rows outside the budget; DP bounds memorization
   instead. Stopping early (``max_time_s``, Ctrl-C) spends less, never more.

What stays public, as in every DP-SGD library: the row count, through the sampling rate. Column names,
dtypes, a schema passed to ``fit`` and ``bounds`` are public too; never pass a schema inferred from the
private data itself (it would leak ranges and categories for free; such a schema is refused).

Why autoregressive rather than our VAE: trained with DP-SGD on ISLR Default, a VAE's posterior collapses
under the noise (detection AUC 0.74 at epsilon 1, 10 and even 100, the score of independent columns; it
learns only below a noise multiplier of about 0.3), while this network's conditionals are ordinary
classifiers that DP-SGD trains well (0.69 at epsilon 1, 0.54 at 10). And why a generator of its own
rather than a ``dp_epsilon`` switch on ``tvae``: under DP the fit may not read what the deep generators
read freely (mixture models per column, validation rows, the memorization guard).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from synthwise._types import Seed
from synthwise.deep._torch import torch
from synthwise.deep.autoregressive import BlockLoss, ColumnAR
from synthwise.deep.fitting import DEFAULT_MAX_TIME_S, in_chunks
from synthwise.deep.nets import adam, build, pick_device, torch_generator
from synthwise.deep.training import train_private
from synthwise.deep.weights import load_module_arrays, module_arrays
from synthwise.errors import InvalidParameterError
from synthwise.generators.base import Capabilities, Generator
from synthwise.generators.registry import register_generator
from synthwise.privacy.dp_columns import (
    SAFETY,
    begin_private_fit,
    cell_values,
    cells_from_state,
    cells_state,
    public_schema,
    release_marginals,
)
from synthwise.privacy.dp_sgd import make_private, quiet_opacus
from synthwise.privacy.ledger import BudgetLedger
from synthwise.schema import Schema
from synthwise.transforms import TableTransformer

MARGIN_ROWS = 20_000  # rows drawn from the trained model to set the output schema (post-processing)
MARGIN_SHARE = 0.1  # of the zCDP budget, for the 1-way marginals that initialize the network


@register_generator("dp_ar")
class DPAR(Generator):
    summary = "Differentially private (epsilon, delta) autoregressive network: DP-SGD (opacus), DP domains."
    capabilities = Capabilities(differential_privacy=True, extra="privacy")

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-9,
        bounds: dict[str, Any] | None = None,
        n_fine_bins: int = 32,
        epochs: int = 30,
        batch_size: int | None = None,
        learning_rate: float = 3e-3,
        max_grad_norm: float = 1.0,
        hidden: int = 64,
        max_time_s: float | None = DEFAULT_MAX_TIME_S,
        device: str = "auto",
        verbose: bool = True,
        seed: Seed = None,
    ) -> None:
        self.epsilon = epsilon
        self.delta = delta
        self.bounds = bounds
        self.n_fine_bins = n_fine_bins
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.max_grad_norm = max_grad_norm
        self.hidden = hidden
        self.max_time_s = max_time_s
        self.device = device
        self.verbose = verbose
        self.seed = seed

    def _validate_params(self) -> None:
        def bad(name: str, expectation: str) -> InvalidParameterError:
            return InvalidParameterError.expected(name, "DPAR", expectation, getattr(self, name))

        def is_int(v: Any, lo: int) -> bool:
            return bool(isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= lo)

        def is_pos(v: Any) -> bool:
            return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v > 0

        if not is_pos(self.epsilon):
            raise bad("epsilon", "a finite number > 0")
        if not isinstance(self.delta, int | float) or not 0 < self.delta < 1:
            raise bad("delta", "a number in (0, 1), e.g. 1e-9")
        if self.bounds is not None and not isinstance(self.bounds, dict):
            raise bad("bounds", "a dict {column: (low, high)} of PUBLIC ranges")
        if not is_int(self.n_fine_bins, 2):
            raise bad("n_fine_bins", "an int >= 2")
        if not is_int(self.epochs, 1):
            raise bad("epochs", "an int >= 1")
        if self.batch_size is not None and not is_int(self.batch_size, 2):
            raise bad("batch_size", "None (auto) or an int >= 2")
        for name in ("learning_rate", "max_grad_norm"):
            if not is_pos(getattr(self, name)):
                raise bad(name, "a number > 0")
        if self.max_time_s is not None and not is_pos(self.max_time_s):
            raise bad("max_time_s", "None or a number > 0")
        if not is_int(self.hidden, 1):
            raise bad("hidden", "an int >= 1 (the width of each column's network)")
        if not isinstance(self.device, str):
            raise bad("device", 'a string: "auto", "cpu" or "cuda"')

    # -- fitting --------------------------------------------------------------------------------------
    def _fit_data(self, data: pd.DataFrame, schema: Schema | None, rng: np.random.Generator) -> None:
        """Learn under ``(epsilon, delta)``-DP. ``schema`` and ``bounds`` are treated as PUBLIC: a schema
        inferred from ``data`` is refused and every release is booked in the ledger (``begin_private_fit``);
        the fit's own randomness is the releaser's."""
        from synthwise.privacy.dp_sgd import _opacus

        _opacus()  # a missing opacus fails before any budget is spent
        cols = begin_private_fit(self, data, schema)
        self.plans_, self.cells_ = cols.plans, cols.cells
        self.sizes_ = [len(c) for c in cols.cells]
        self.device_ = pick_device(self.device)
        rng = cols.releaser.rng
        self.model_ = self._build(torch_generator(rng, self.device_))
        fine = cols.encode(data)
        rho = MARGIN_SHARE * cols.ledger.rho_budget
        shares, _ = release_marginals(cols, fine, min(rho, cols.ledger.remaining_rho() * SAFETY))
        self.model_.init_marginals(shares)
        with quiet_opacus():
            self.training_ = self._train(fine, cols.ledger, rng)
        self.ledger_ = cols.ledger
        self.notes_ = cols.notes
        self.columns_ = [str(c) for c in data.columns]
        margins = self._margins(rng)
        self.schema_ = public_schema(
            self.columns_, cols.plans, cols.cells, cols.passthrough, margins, len(data)
        )
        self.transformer_ = TableTransformer.from_state(self.schema_, {}, {})
        self.n_rows_ = len(data)  # public for DP-SGD (the sampling rate), see the module docstring

    def _train(
        self, fine: list[np.ndarray], ledger: BudgetLedger, rng: np.random.Generator
    ) -> dict[str, Any]:
        dev = self.device_
        n = len(fine[0])
        idx = torch.from_numpy(np.stack(fine, axis=1).astype(np.int64))
        offsets = torch.as_tensor(np.cumsum([0, *self.sizes_[:-1]]), dtype=torch.long, device=dev)
        width = sum(self.sizes_)

        def one_hot(cells: torch.Tensor) -> torch.Tensor:  # per batch: no n x width matrix in memory
            x = torch.zeros((len(cells), width), device=dev)
            return x.scatter_(1, cells + offsets, 1.0)

        dataset = torch.utils.data.TensorDataset(idx)
        batch = self._batch_size(n)
        loader = torch.utils.data.DataLoader(
            dataset, batch_size=batch, generator=torch_generator(rng, torch.device("cpu"))
        )
        opt = adam(self.model_.parameters(), lr=float(self.learning_rate))
        private = make_private(
            self.model_,
            opt,
            loader,
            ledger=ledger,
            epochs=int(self.epochs),
            max_grad_norm=float(self.max_grad_norm),
            noise_generator=torch_generator(rng, dev),
            criterion=BlockLoss(self.sizes_),
            ghost_clipping=True,  # per-row norms without per-row gradients: ~10x faster on a CPU
        )

        def run_epoch(epoch: int) -> float:
            total, steps = 0.0, 0
            for (cells,) in private.loader:
                if len(cells) == 0:
                    continue
                cells = cells.to(dev)
                private.optimizer.zero_grad(set_to_none=True)
                loss = private.criterion(private.model(one_hot(cells)), cells)
                loss.backward()
                private.optimizer.step()
                total, steps = total + float(loss.item()), steps + 1
            private.check()
            return total / max(steps, 1)

        record = train_private(
            private,
            run_epoch,
            [self.model_],
            epochs=int(self.epochs),
            batch_size=batch,
            max_time_s=self.max_time_s,
            verbose=bool(self.verbose),
            label="dp_ar",
        )
        self.model_.eval()
        return record

    def _batch_size(self, n: int) -> int:
        if self.batch_size is not None:
            return min(int(self.batch_size), n)
        return int(np.clip(n // 20, 64, 1024))  # about 20 steps an epoch; large batches drown the noise

    def _build(self, g: torch.Generator) -> ColumnAR:
        sizes, hidden = list(self.sizes_), int(self.hidden)
        return build(lambda: ColumnAR(sizes, hidden), g, self.device_)

    def _margins(self, rng: np.random.Generator) -> list[np.ndarray]:
        """The model's mass on each fine cell, from rows it draws (post-processing of the DP model)."""
        fine = self._draw_cells(MARGIN_ROWS, rng)
        return [
            np.bincount(f, minlength=k).astype(np.float64) for f, k in zip(fine, self.sizes_, strict=True)
        ]

    # -- sampling -------------------------------------------------------------------------------------
    def _draw_cells(self, n: int, rng: np.random.Generator) -> list[np.ndarray]:
        g = torch_generator(rng, self.device_)
        banned = [torch.as_tensor(~c.drawable, device=self.device_) for c in self.cells_]
        # never "other", nor missing where the public schema says there is none
        matrix = in_chunks(n, lambda k: self.model_.sample(k, g, banned).cpu().numpy())
        return [matrix[:, j].astype(np.int64) for j in range(len(self.cells_))]

    def _sample(self, n: int, rng: np.random.Generator, conditions: pd.DataFrame | None) -> pd.DataFrame:
        return cell_values(self.plans_, self.cells_, self._draw_cells(n, rng), rng)

    # -- model files ----------------------------------------------------------------------------------
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        plans, arrays = cells_state(self.plans_, self.cells_)
        arrays.update(module_arrays(self.model_, "net/"))
        meta = {
            "plans": plans,
            "ledger": self.ledger_.to_dict(),
            "notes": self.notes_,
            "training": self.training_,
        }
        return meta, arrays

    def _set_state(self, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.plans_, self.cells_ = cells_from_state(meta["plans"], arrays, self.schema_)
        self.sizes_ = [len(c) for c in self.cells_]
        self.ledger_ = BudgetLedger.from_dict(meta["ledger"])
        self.notes_ = list(meta.get("notes", []))
        self.training_ = meta.get("training", {})
        self.device_ = pick_device(self.device)
        self.model_ = self._build(torch.Generator(device=self.device_))
        load_module_arrays(self.model_, arrays, "net/")
        self.model_.eval()
