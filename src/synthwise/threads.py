"""Thread counts chosen from the cores actually free, so busy neighbours cost little.

Compiled libraries (OpenMP in scikit-learn's gradient boosting, BLAS under numpy) start one thread per
core and spin while they wait for each other. On a shared machine whose other processes already keep
the cores busy those threads fight for the cores: measured on 2 cores, an evaluation that takes 7.4 s
idle took 27.6 s beside two busy processes with 2 threads, and 13.3 s with 1 thread, while 2 threads
save almost nothing when idle (7.7 s with 1). :func:`compute_threads` therefore limits those pools
(through ``threadpoolctl``) to the cores no other process is running on at the start of the work, at
least 1. An explicit ``OMP_NUM_THREADS`` (or ``SYNTHWISE_THREADS``) wins. Results do not depend on the
thread count.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def busy_elsewhere() -> float:
    """How many cores other processes keep busy now: the runnable tasks in ``/proc/loadavg`` minus this
    one, or the 1-minute load average where that file does not exist."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            running = int(fh.read().split()[3].split("/")[0])
        return float(max(0, running - 1))
    except (OSError, ValueError, IndexError):
        try:
            return float(os.getloadavg()[0])
        except OSError:
            return 0.0


def available_threads() -> int:
    """Threads for compute pools: ``SYNTHWISE_THREADS`` or ``OMP_NUM_THREADS`` if set, else the free cores
    (at least 1)."""
    for var in ("SYNTHWISE_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    n = cores()
    return max(1, min(n, int(n - busy_elsewhere() + 0.5)))


@contextlib.contextmanager
def compute_threads() -> Iterator[int]:
    """Limit OpenMP and BLAS pools to :func:`available_threads` for the duration; yields the count."""
    from threadpoolctl import threadpool_limits

    n = available_threads()
    with threadpool_limits(limits=n):
        yield n


def limited_threads(fn: F) -> F:
    """Run ``fn`` inside :func:`compute_threads`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with compute_threads():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
