"""Rule-based simulation: synthetic tables from a declarative YAML spec, with no real data at all.

>>> import synthwise as sw
>>> result = sw.simulate("examples/card_fraud/spec.yaml", "out/", seed=0, rows=100_000)  # doctest: +SKIP

A spec declares tables with row counts, columns drawn from distributions whose parameters may be
expressions of other columns (a safe expression language, never ``eval``), constraints enforced
exactly by resampling, event processes per entity (Poisson arrivals, state machines) and scenario
overrides for rare events. Output is streamed chunk by chunk and is the same for a seed whatever the
chunk size. See ``docs`` in each module: :mod:`~synthwise.simulation.parse` (the spec),
:mod:`~synthwise.simulation.expressions` (the language), :mod:`~synthwise.simulation.distributions`,
:mod:`~synthwise.simulation.processes`, :mod:`~synthwise.simulation.scenarios`.
"""

from synthwise.simulation.distributions import DISTRIBUTIONS
from synthwise.simulation.expressions import FUNCTIONS
from synthwise.simulation.parse import parse_spec
from synthwise.simulation.run import (
    DEFAULT_CHUNK_ROWS,
    SimulationResult,
    TableResult,
    simulate,
    simulate_frames,
)
from synthwise.simulation.spec import Spec

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DISTRIBUTIONS",
    "FUNCTIONS",
    "SimulationResult",
    "Spec",
    "TableResult",
    "parse_spec",
    "simulate",
    "simulate_frames",
]
