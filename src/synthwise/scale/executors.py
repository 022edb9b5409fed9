"""Executors: who runs the per-block functions. They change where work runs, never what it gives.

Every executor maps a pure function ``fn(context, item)`` over items and yields the results as they
finish (in any order: callers key them by block). ``context`` (the model bytes) is shipped once per
worker, not once per item.

* :class:`SerialExecutor` (the default) runs them one after the other in this process.
* :class:`ProcessExecutor` runs them on a local pool of ``workers`` processes (spawned, so no state
  leaks from this process).
* :class:`DaskExecutor` runs them on Dask: a ``LocalCluster`` of ``workers`` single-threaded processes
  on 127.0.0.1, or an existing cluster at ``scheduler`` (``tcp://host:port``). Before any work it checks
  that every worker imports the same synthwise version as this process, and says which one does not.
  Entered again while open it stays open (one cluster over several runs); the outermost exit closes it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from synthwise._version import __version__
from synthwise.errors import EngineError, InvalidParameterError, MissingDependencyError

C = TypeVar("C")
T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """What every executor offers; use it as a context manager."""

    name: str

    @property
    def workers(self) -> int: ...

    def map_unordered(self, fn: Callable[[C, T], R], context: C, items: Sequence[T]) -> Iterator[R]: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class SerialExecutor:
    """One item after the other, in this process."""

    name = "serial"

    @property
    def workers(self) -> int:
        return 1

    def map_unordered(self, fn: Callable[[C, T], R], context: C, items: Sequence[T]) -> Iterator[R]:
        for item in items:
            yield fn(context, item)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_CONTEXT: Any = None


def _set_context(context: Any) -> None:
    global _CONTEXT
    _CONTEXT = context


def _call(fn: Callable[[Any, T], R], item: T) -> R:
    return fn(_CONTEXT, item)


class ProcessExecutor:
    """A local pool of ``workers`` spawned processes; at most two items per worker in flight."""

    name = "processes"

    def __init__(self, workers: int) -> None:
        _check_workers(workers)
        self._workers = workers

    @property
    def workers(self) -> int:
        return self._workers

    def map_unordered(self, fn: Callable[[C, T], R], context: C, items: Sequence[T]) -> Iterator[R]:
        pending: set[Future[R]] = set()
        todo = iter(items)
        with ProcessPoolExecutor(
            self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_set_context,
            initargs=(context,),
        ) as pool:
            try:
                for item in todo:
                    pending.add(pool.submit(_call, fn, item))
                    if len(pending) >= 2 * self._workers:
                        break
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        yield fut.result()
                        nxt = next(todo, None)
                        if nxt is not None:
                            pending.add(pool.submit(_call, fn, nxt))
            finally:
                for fut in pending:
                    fut.cancel()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


class DaskExecutor:
    """Dask: a ``LocalCluster`` of ``workers`` processes on 127.0.0.1, or the cluster at ``scheduler``."""

    name = "dask"

    def __init__(self, *, scheduler: str | None = None, workers: int | None = None, timeout_s: float = 30.0):
        if scheduler is not None and workers is not None:
            raise InvalidParameterError(
                "--scheduler and --workers exclude each other: an existing cluster has its own workers. "
                "Fix: pass one of them."
            )
        if workers is not None:
            _check_workers(workers)
        self.scheduler = scheduler
        self.n_local = workers or 1
        self.timeout_s = timeout_s
        self.client: Any = None
        self.cluster: Any = None
        self._depth = 0  # entered again while open (a caller keeps one cluster over several runs)

    @property
    def workers(self) -> int:
        if self.client is None:
            return self.n_local
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def __enter__(self) -> Self:
        if self.client is not None:
            self._depth += 1
            return self
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise MissingDependencyError("distributed", "scale", "Running on Dask") from exc
        try:
            if self.scheduler is None:
                import dask

                # Dask's nannies set MALLOC_TRIM_THRESHOLD_ in their workers, which turns off glibc's
                # adaptive mmap threshold: every large numpy array is then mapped and unmapped afresh,
                # and sampling a block took 40-60 % more CPU (measured, gaussian_copula, 500k-row
                # blocks). A block's memory is bounded anyway, so the workers keep glibc's default.
                # The event-loop tick and the monitors run less often: idle, they took 7 % of a core
                # per worker (worker and nanny), 3.7 % so (measured); a block takes seconds anyway.
                with dask.config.set(_LOCAL_CLUSTER_CONFIG):
                    self.cluster = LocalCluster(
                        n_workers=self.n_local,
                        threads_per_worker=1,
                        processes=True,
                        host="127.0.0.1",
                        dashboard_address="127.0.0.1:0",  # its HTTP routes: loopback, any free port
                        silence_logs=logging.ERROR,
                    )
                self.client = Client(self.cluster, timeout=f"{self.timeout_s}s")
            else:
                self.client = Client(self.scheduler, timeout=f"{self.timeout_s}s")
        except (OSError, TimeoutError) as exc:
            self.close()
            where = self.scheduler or "a local cluster"
            raise EngineError(
                f"Cannot connect to the Dask scheduler at {where} ({type(exc).__name__}: {exc}). "
                "Fix: start it ('dask scheduler', then 'dask worker ADDRESS') and pass its tcp://host:port."
            ) from exc
        try:
            self._check_cluster()
        except BaseException:
            self.close()
            raise
        return self

    def _check_cluster(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=self.timeout_s)
        except TimeoutError as exc:
            raise EngineError(
                f"The Dask scheduler at {self.scheduler} has no workers after {self.timeout_s:g} s. "
                f"Fix: start at least one ('dask worker {self.scheduler}')."
            ) from exc
        # eval is a builtin, so the probe itself reaches a worker without synthwise and reports it
        found = self.client.run(
            eval, "__import__('synthwise._version')._version.__version__", on_error="return"
        )
        for address, version in sorted(found.items()):
            if isinstance(version, BaseException):
                raise EngineError(
                    f"Dask worker {address} cannot import synthwise ({type(version).__name__}: {version}). "
                    f"Fix: install synthwise {__version__} with its 'scale' extra in every worker's "
                    "environment (pip install 'synthwise[scale]')."
                )
            if version != __version__:
                raise EngineError(
                    f"Dask worker {address} runs synthwise {version}, this process {__version__}: "
                    f"blocks could differ. Fix: install synthwise {__version__} on every worker."
                )

    def map_unordered(self, fn: Callable[[C, T], R], context: C, items: Sequence[T]) -> Iterator[R]:
        from distributed import as_completed

        shared = self.client.scatter(context, broadcast=True, hash=False)
        token = uuid.uuid4().hex[:8]
        futures = [
            self.client.submit(fn, shared, item, key=f"synthwise-{token}-{i}", pure=False, retries=1)
            for i, item in enumerate(items)
        ]
        try:
            for fut in as_completed(futures):
                result = fut.result()
                fut.release()
                yield result
        finally:
            self.client.cancel(futures)
            with contextlib.suppress(Exception):
                self.client.cancel([shared])

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.client is not None:
                self.client.close()
        with contextlib.suppress(Exception):
            if self.cluster is not None:
                self.cluster.close()
        self.client = self.cluster = None

    def __exit__(self, *exc: object) -> None:
        if self._depth:
            self._depth -= 1
            return
        self.close()


def _check_workers(workers: int) -> None:
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise InvalidParameterError(f"--workers must be a whole number >= 1. Got {workers!r} instead.")


def make_executor(
    *, scheduler: str | None = None, workers: int | None = None, engine: str | None = None
) -> Executor:
    """The executor for the command line's options: ``--scheduler`` -> Dask on that cluster;
    ``--workers N`` -> a Dask ``LocalCluster`` of N processes (``engine="processes"``: a local pool);
    neither -> serial."""
    engine = engine or ("dask" if scheduler is not None or workers is not None else "serial")
    if engine == "serial":
        if scheduler is not None or workers is not None:
            raise InvalidParameterError("The serial engine takes neither --scheduler nor --workers.")
        return SerialExecutor()
    if engine == "processes":
        if scheduler is not None:
            raise InvalidParameterError("A local process pool takes --workers, not --scheduler.")
        return ProcessExecutor(workers or (os.cpu_count() or 1))
    if engine == "dask":
        return DaskExecutor(scheduler=scheduler, workers=workers)
    raise InvalidParameterError(f"Unknown engine {engine!r}. Fix: use serial, processes or dask.")
