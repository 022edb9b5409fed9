"""The learned representation of the 3D score's paper: a one-class network over the fixed embedding.

Alaa et al. (ICML 2022) compute alpha-precision, beta-recall and authenticity in the output space of a
one-class network trained on the real data alone (Deep SVDD, Ruff et al. 2018): a network ``f`` maps
each row to a point, trained so that real rows gather around a centre ``c``; the alpha-supports are then
balls around ``c``. synthwise's default representation is fixed
(:class:`~synthwise.transforms.embedding.TabularEmbedding`: quantile-scaled numerics, weighted one-hot
categories), which needs no training and means the same thing on every run; this module offers the
learned one beside it, so a verdict can be checked for depending on the choice
(``benchmarks/representation.py``).

:class:`OneClassEmbedding` (``Evaluator(embedding="one_class")``, ``synthwise evaluate --representation
one_class``):

* input: the fixed embedding of the rows (so the learned space sees the same columns, scaled the same
  way);
* network: two bias-free linear layers with a leaky ReLU between (bias-free, as Deep SVDD requires: a
  network with biases can map every row to ``c`` and learn nothing), ``dim`` outputs;
* ``c``: the mean output of the initial network, entries too close to 0 pushed to +-0.1 (Ruff et al.);
* objective: the soft-boundary one (Ruff et al.; what synthcity's ``OneClassLayer`` trains): only rows
  outside the radius ``R`` are pulled in, ``R`` being the ``1 - nu`` quantile of the real rows' distances
  to ``c`` (updated after each epoch past ``warm_up`` epochs). Either objective shrinks the space as
  it trains (the radius ratchets down: after 100 epochs the mean squared distance to ``c`` is 1e-5 to
  1e-3 of the initial one on the bench sets), which the metrics do not mind (every one is a ratio of
  distances), so the network runs in float64 to keep the shrunken distances exact. Holding ``R`` fixed
  instead stops the training at once (no row outside it), leaving a random projection;
* training: Adam with weight decay, mini-batches of 256 of at most ``max_rows`` real rows, ``epochs``
  passes or ``max_time_s``; one torch thread and a seeded generator, so the same seed gives the same
  space whatever the machine's thread count.

``center_`` is ``c``: the evaluation centres its alpha-supports there. Needs torch (the ``deep`` extra).

Measured beside the fixed space (``benchmarks/results/representation.json``: four bench sets, 11 files
each): authenticity ranks generators alike (Kendall tau 0.87-0.93), alpha-precision less so (0.42-0.82).
The learned space is the stricter one where columns are tied by a formula: on diamonds, rows that break
the volume-carat relation (``gaussian_copula`` 31 %, ``bayesian_network`` 17 %) keep alpha-precision
0.99 in the fixed space and get 0.82-0.83 here. The fixed space is the stricter one for the weakest
generators (covid, SDV CTGAN: 0.11 fixed, 0.55 learned), whose rows the learned map pulls in.
"""

from __future__ import annotations

import time
from typing import Any, Self

import numpy as np
import pandas as pd

from synthwise.errors import MissingDependencyError
from synthwise.schema import Schema
from synthwise.transforms.embedding import TabularEmbedding

_BATCH = 256
_CENTER_FLOOR = 0.1


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise MissingDependencyError("torch", "deep", "The one-class representation") from exc
    return torch


class OneClassEmbedding:
    """Deep SVDD over the fixed embedding (see the module docstring). ``fit`` on real rows only."""

    name = "one_class"

    def __init__(
        self,
        schema: Schema | None = None,
        *,
        dim: int = 32,
        hidden: int = 128,
        epochs: int = 100,
        lr: float = 1e-3,
        weight_decay: float = 2e-3,
        nu: float = 0.01,
        warm_up: int = 10,
        max_rows: int | None = 10_000,
        max_time_s: float | None = 60.0,
        seed: int = 0,
    ) -> None:
        self.schema = schema
        self.dim = int(dim)
        self.hidden = int(hidden)
        self.epochs = int(epochs)
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.nu = float(nu)
        self.warm_up = int(warm_up)
        self.max_rows = max_rows
        self.max_time_s = max_time_s
        self.seed = int(seed)

    def fit(self, real: pd.DataFrame) -> Self:
        torch = _torch()
        from synthwise.deep.nets import adam, build, torch_generator

        self.base_ = TabularEmbedding(self.schema).fit(real)
        rng = np.random.default_rng(self.seed)
        x_all = self.base_.transform(real)
        if self.max_rows is not None and len(x_all) > self.max_rows:
            x_all = x_all[np.sort(rng.choice(len(x_all), self.max_rows, replace=False))]
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # the same bytes whatever the thread count
        try:
            cpu = torch.device("cpu")
            g = torch_generator(rng, cpu)
            d = x_all.shape[1]
            nn = torch.nn
            net = build(
                lambda: nn.Sequential(
                    nn.Linear(d, self.hidden, bias=False),
                    nn.LeakyReLU(0.1),
                    nn.Linear(self.hidden, self.dim, bias=False),
                ),
                g,
                cpu,
            )
            net = net.double()  # float64: the space shrinks by orders of magnitude (see above)
            x = torch.as_tensor(x_all, dtype=torch.float64)
            with torch.no_grad():
                c = net(x).mean(dim=0)
                small = c.abs() < _CENTER_FLOOR
                c[small] = torch.where(c[small] < 0, -_CENTER_FLOOR, _CENTER_FLOOR).to(c.dtype)
                d2_start = ((net(x) - c) ** 2).sum(dim=1)
                r2 = torch.quantile(d2_start, 1 - self.nu)
            opt = adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            started = time.perf_counter()
            losses: list[float] = []
            for epoch in range(self.epochs):
                order = torch.randperm(len(x), generator=g)
                total = 0.0
                for start in range(0, len(x), _BATCH):
                    batch = x[order[start : start + _BATCH]]
                    d2 = ((net(batch) - c) ** 2).sum(dim=1)
                    loss = torch.clamp(d2 - r2, min=0.0).mean() / self.nu
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(batch)
                losses.append(total / len(x))
                if epoch + 1 >= self.warm_up:
                    with torch.no_grad():
                        r2 = torch.quantile(((net(x) - c) ** 2).sum(dim=1), 1 - self.nu)
                if self.max_time_s is not None and time.perf_counter() - started > self.max_time_s:
                    break
            net.eval()
            with torch.no_grad():
                d2_end = ((net(x) - c) ** 2).sum(dim=1)
        finally:
            torch.set_num_threads(threads)
        self.net_ = net
        self.center_ = c.numpy()
        self.training_ = {
            "epochs": len(losses),
            "loss": [round(v, 6) for v in losses[-3:]],
            "radius": float(np.sqrt(float(r2))),
            "spread_kept": float(d2_end.mean() / d2_start.mean()),  # mean squared distance, end / start
        }
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        torch = _torch()
        x = torch.as_tensor(self.base_.transform(df), dtype=torch.float64)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.no_grad():
                return np.asarray(self.net_(x).numpy(), dtype=np.float64)
        finally:
            torch.set_num_threads(threads)
