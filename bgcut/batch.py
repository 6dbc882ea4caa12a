"""The one batch engine: a task over many items, serially, on processes or a cluster.

`run` is what `bgcut.evaluation.evaluate`, `bgcut.folders.remove_backgrounds`
(and so the command line) and the benchmarks use. A task is a picklable
callable of one item; an item that raises becomes an `Outcome` with an
error, and the batch goes on.
"""

import contextlib
import multiprocessing
import os
import pickle
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NamedTuple

from . import signals, validation
from .progress import bar as progress_bar

__all__ = ["Outcome", "run", "process_pool", "cores", "check_workers"]

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class Outcome(NamedTuple):
    """What a task gave for one item: its value, or the error that stopped it."""

    item: Any
    value: Any
    error: str
    """Empty on success, else ``"ErrorType: message"``."""


def cores():
    """Number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


def check_workers(workers):
    """The number of processes to use: `workers` (an integer >= 1), or one per core if None."""
    return cores() if workers is None else validation.integer("workers", workers, 1)


@contextlib.contextmanager
def process_pool(workers=None, *, initializer=None, initargs=()):
    """A process pool for batch work, one BLAS thread per worker.

    N worker processes that each start a multi-threaded BLAS fight over the
    cores (measured here: ten times slower than one process). The workers
    are therefore started fresh (``spawn``) with ``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to 1; the variables
    are set in this process only while the pool is open. A script that
    opens a pool needs the usual ``if __name__ == "__main__":`` guard.

    The workers ignore SIGINT and end with this process: when the block
    ends with an exception (Ctrl-C, `bgcut.signals.Stopped`, any error),
    the work not started is cancelled and the workers are terminated and
    waited for before the exception goes on; a worker whose parent dies
    without that (``kill -9``) exits by itself.

    Parameters
    ----------
    workers : int, optional
        Number of processes; by default one per core.
    initializer, initargs
        As for `concurrent.futures.ProcessPoolExecutor`.

    Yields
    ------
    concurrent.futures.ProcessPoolExecutor
    """
    workers = check_workers(workers)
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
    try:
        signals.start_resource_tracker()
        pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=signals.start_worker,
            initargs=(pickle.dumps((initializer, initargs)),))
        try:
            yield pool
        except BaseException:
            _end_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _end_workers(pool, grace=2.0):
    """Cancel the work not started, end the workers now and wait for them.

    Each worker gets SIGTERM, then SIGKILL if it is still there after
    `grace` seconds; all are waited for, so none outlives this call and no
    file appears after it. (``concurrent.futures`` has no public way to do
    this before Python 3.14's ``terminate_workers``.)
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.join(grace)
            if process.is_alive():
                process.kill()
                process.join()


def _attempt(task, item):
    """Run the task on one item; an exception becomes the outcome's error."""
    try:
        return Outcome(item, task(item), "")
    except Exception as error:  # one bad item must not end the batch
        return Outcome(item, None, f"{type(error).__name__}: {error}")


_installed_task = None


def _install(task):
    """Process-pool initializer: each worker receives the task once."""
    global _installed_task
    _installed_task = task


def _attempt_installed(item):
    return _attempt(_installed_task, item)


def _on_processes(task, items, workers, bar):
    """Outcomes of `items` on a process pool; a worker that dies ends only its own item.

    When a worker dies (killed for memory, say) the pool breaks and every
    unfinished item with it: those are run again in a fresh pool. When a
    round finishes no item, each remaining item runs alone, and the one
    whose worker dies again is reported as lost.
    """
    outcomes, pending, alone = {}, list(enumerate(items)), False
    while pending:
        size = 1 if alone else min(workers, len(pending))
        batch = pending[:1] if alone else pending
        with process_pool(size, initializer=_install, initargs=(task,)) as pool:
            with signals.deferred():  # no worker half started
                futures = {pool.submit(_attempt_installed, item): (i, item)
                           for i, item in batch}
            for future in as_completed(futures):
                i, item = futures[future]
                try:
                    outcomes[i] = future.result()
                except BrokenProcessPool:
                    if not alone:
                        continue  # run again
                    outcomes[i] = Outcome(item, None, "WorkerDied: the process running "
                                                      "this item ended without a result")
                bar.update()
        finished = [(i, item) for i, item in pending if i in outcomes]
        alone = not finished
        pending = [(i, item) for i, item in pending if i not in outcomes]
    return [outcomes[i] for i in range(len(items))]


def run(task, items, *, workers=None, executor=None, progress=False, desc=None):
    """Apply `task` to every item and return the outcomes in the items' order.

    Parameters
    ----------
    task : callable
        ``task(item) -> value``; picklable when it runs on other processes.
    items : iterable
    workers : int or None
        Processes to use when no `executor` is given: 1 runs here; more
        opens a `process_pool`; None means one per core. Capped at the
        number of cores and of items. A worker that dies (killed for memory,
        say) costs only its own item, reported as ``WorkerDied``.
    executor : concurrent.futures.Executor, optional
        Run on this executor instead: threads, processes, or a cluster such
        as Dask's ``Client.get_executor()``.
    progress : bool
        Show a progress bar (`bgcut.progress.bar`): on stderr, or in a
        notebook as a line of text updated in place. A stderr that is
        missing or fails (closed, full, a broken pipe) only loses the bar.
    desc : str, optional
        The progress bar's label.

    Returns
    -------
    list of Outcome
    """
    items = list(items)
    workers = check_workers(workers)
    workers = min(workers, cores(), max(len(items), 1))
    with progress_bar(len(items), desc=desc, disable=not progress) as bar:
        if executor is None and workers > 1:
            return _on_processes(task, items, workers, bar)
        if executor is not None:
            outcomes = executor.map(_attempt, [task] * len(items), items)
        else:
            outcomes = (_attempt(task, item) for item in items)
        done = []
        for outcome in outcomes:
            done.append(outcome)
            bar.update()
        return done
