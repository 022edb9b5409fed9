"""PRDC (Naeem et al., ICML 2020): precision, recall, density and coverage with k nearest neighbours.

Each real row of the real sample gets a ball whose radius is its distance to its k-th nearest real
neighbour (likewise each synthetic row among synthetic rows); k defaults to 5. Both samples have the
same size (``pair_size``), as the estimators assume, so values compare across tables and references.
All four use one shared blocked pass over the synthetic x real distances (``neighbours.py``).
"""

from __future__ import annotations

import math

import numpy as np

from synthwise.evaluation.context import Context
from synthwise.evaluation.registry import Score, metric


@metric("precision", "fidelity", "maximize", (0.0, 1.0))
def precision(ctx: Context) -> Score:
    """Share of synthetic rows inside at least one real k-NN ball. Ideal 1 (a fresh real sample: ~0.9)."""
    inside = (ctx.cross().s_in_real_balls > 0).astype(np.float64)
    return Score(float(inside.mean()), details={"k": ctx.k()}, rows=inside)


@metric("recall", "diversity", "maximize", (0.0, 1.0))
def recall(ctx: Context) -> Score:
    """Share of real rows inside at least one synthetic k-NN ball. Ideal 1 (a fresh real sample: ~0.9)."""
    covered = ctx.cross().r_in_syn_ball.astype(np.float64)
    return Score(float(covered.mean()), details={"k": ctx.k()}, rows=covered)


@metric("density", "fidelity", "target", (0.0, math.inf), ideal=1.0)
def density(ctx: Context) -> Score:
    """How many real k-NN balls hold each synthetic row, divided by k, on average. Ideal 1.

    Above 1: synthetic rows crowd into dense real regions; below 1: they fall in sparse ones. A row on a
    ball's boundary counts inside (``<=``), where the ``prdc`` package counts it outside (``<``); the two
    differ only on tied or copied rows, where ours is the farther from 1 (a bootstrap of the default
    set: 1.20 here, 0.99 there, 0.99 here with ties outside: ``benchmarks/agreement.py``).
    """
    k = ctx.k()
    counts = ctx.cross().s_in_real_balls.astype(np.float64) / k
    return Score(float(counts.mean()), details={"k": k}, rows=counts)


@metric("coverage", "diversity", "maximize", (0.0, 1.0))
def coverage(ctx: Context) -> Score:
    """Share of real rows whose k-NN ball holds at least one synthetic row. Ideal 1 (fresh sample: ~0.95)."""
    k = ctx.k()
    radii = ctx.real.self_knn(ctx.pair_size)[0][:, k - 1]
    hit = (ctx.cross().r_dist <= radii + 1e-12).astype(np.float64)
    return Score(float(hit.mean()), details={"k": k}, rows=hit)
