"""Stopping a run: stop signals become an exception, and workers end with their parent.

The design, in three parts:

- The command line turns SIGINT (Ctrl-C), SIGTERM (``kill``) and SIGHUP (a
  closed terminal) into `Stopped`, a `KeyboardInterrupt` raised in the main
  thread (`raising_stop_signals`). It unwinds like Ctrl-C: every ``finally``
  runs, so a pool's workers are ended and waited for, and temporary files are
  removed, before the process exits with ``128 + signal number``.
- A pool's workers are not the ones to decide: they ignore SIGINT (which
  Ctrl-C sends to the whole process group) and are ended by their parent
  (`bgcut.batch.process_pool` terminates and joins them when its block ends
  with an exception, Ctrl-C in a notebook included). SIGTERM or SIGHUP sent
  to the whole group ends them at once, and the parent cleans up after them.
- Should the parent die without cleaning up (``kill -9``), each worker
  watches its parent's sentinel, a pipe that closes when the parent ends, and
  exits at once (`start_worker`). This works wherever ``multiprocessing``
  spawns processes, unlike Linux's ``prctl(PR_SET_PDEATHSIG)``.

This module imports only the standard library, so that ``python -m bgcut``
and every worker take charge of signals before the heavy imports.
"""

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))
"""The signals that stop a run of the command line."""


class Stopped(KeyboardInterrupt):
    """A stop signal arrived; ``signum`` says which.

    A `KeyboardInterrupt`, so that whatever cleans up after Ctrl-C cleans up
    after ``kill`` and a closed terminal too.
    """

    def __init__(self, signum):
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signum = int(signum)

    @property
    def exit_status(self):
        """``128 + signum``, the status a shell reports for a process a signal ended."""
        return 128 + self.signum


class _State:
    """How many `deferred` blocks are open, and the stop signal that waits for them."""

    deferring = 0
    pending = None
    received = None


def _raise_stopped(signum, frame):
    """Signal handler: raise `Stopped` once; later stop signals are ignored while it unwinds."""
    _State.received = signum
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    if _State.deferring:
        _State.pending = signum
        return
    raise Stopped(signum)


@contextlib.contextmanager
def raising_stop_signals():
    """Within this block, a stop signal raises `Stopped` in the main thread.

    Only the first stop signal is raised; later ones are ignored while the
    run cleans up (which takes at most a few seconds). A signal that was
    ignored when the block began stays ignored: under ``nohup`` a closed
    terminal does not stop the run, nor does Ctrl-C a job that a shell
    started in the background. The previous handlers are restored at the end.
    """
    previous = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    _State.received = None
    for number, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(number, _raise_stopped)
    try:
        yield
    finally:
        _State.pending = None
        for number, handler in previous.items():
            signal.signal(number, handler)


def received():
    """The stop signal the last `raising_stop_signals` block received, or None.

    `Stopped` raised inside a C extension's import (numpy's, say) can come out
    as another error, an ImportError; this tells that the run was stopped
    all the same.
    """
    return _State.received


@contextlib.contextmanager
def deferred():
    """Within this block, `Stopped` waits until the block ends.

    Starting a worker process is not cut in half: a worker half started
    would not be known to the pool that ends its workers.
    """
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
        if not _State.deferring and _State.pending is not None:
            signum, _State.pending = _State.pending, None
            raise Stopped(signum)


def start_worker(payload):
    """Process-pool initializer: take charge of signals first, then run the real initializer.

    `payload` is ``pickle.dumps((initializer, initargs))``: unpickling it
    imports the task's modules, which takes a while, so SIGINT is ignored
    and the parent watched before that.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True,
                         name="bgcut-parent-watch").start()
    initializer, initargs = pickle.loads(payload)
    if initializer is not None:
        initializer(*initargs)


def _exit_with(sentinel):
    """Wait until the parent process ends, then end this process at once."""
    multiprocessing.connection.wait([sentinel])
    os._exit(128 + getattr(signal, "SIGHUP", 1))


def start_resource_tracker():
    """Start ``multiprocessing``'s resource tracker deaf to SIGHUP, if it is not running.

    The tracker, a helper process that pools start, ignores SIGINT and
    SIGTERM but not SIGHUP, which a closed terminal sends to the whole
    process group: it would die, be started again, and complain on stderr
    about semaphores it never saw. An ignored signal stays ignored in a
    new process, so SIGHUP is ignored (and held, not lost) while it starts.
    """
    if os.name != "posix":  # no tracker there
        return
    from multiprocessing import resource_tracker

    hangup = signal.SIGHUP
    if threading.current_thread() is not threading.main_thread():
        resource_tracker.ensure_running()
        return
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {hangup})
    previous = signal.signal(hangup, signal.SIG_IGN)
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(hangup, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)

