"""Stopping a run: SIGTERM, SIGINT and SIGHUP end every process, leave whole files only.

The command-line tests start a real run in a subprocess, wait until it has
started (its handlers are installed, its workers exist, or its first output
is written), signal it, and then look for its processes by their ids.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import red_square_scene
from PIL import Image

import bgcut
from bgcut import signals, batch, io

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = 20

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="process ids are read from /proc")


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    src = tmp_path_factory.mktemp("photos")
    for i in range(PHOTOS):
        image, _ = red_square_scene(seed=i, shape=(60, 80), half=12)
        Image.fromarray(image).save(src / f"{i:02d}.png")
    return src


def _parent(pid):
    """The parent's id of a running process, None if it is gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else int(fields[1])


def alive(pid):
    return _parent(pid) is not None


def descendants(pid):
    """Ids of the running processes below `pid` (children, their children...)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and _parent(entry.name) == parent:
                found.append(int(entry.name))
                todo.append(int(entry.name))
    return found


def is_tracker(pid):
    """Whether `pid` runs the resource tracker of ``multiprocessing``."""
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def wait_for(condition, timeout=120.0, what="condition"):
    """Poll `condition` until it holds; fail after `timeout` seconds (a loaded machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def catches(pid, signum):
    """Whether process `pid` has a handler for `signum` (from /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = int(next(line.split()[1] for line in status.splitlines()
                    if line.startswith("SigCgt:")), 16)
    return bool(mask >> (signum - 1) & 1)


def _default_signals():
    """In the child before exec: the stop signals as a fresh terminal session has them."""
    for signum in signals.STOP_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)


def start(src, out, *args):
    return subprocess.Popen([sys.executable, "-m", "bgcut", str(src), "-o", str(out), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, preexec_fn=_default_signals)


def outputs(out):
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def stop_and_check(run, out, signum, *, group):
    """Signal the run (its whole process group, as a terminal does, or its id, as kill
    does); check that it ends with 128 + signum and that nothing outlives it."""
    helpers = descendants(run.pid)
    trackers = [pid for pid in helpers if is_tracker(pid)]
    sent = time.monotonic()
    if group:
        os.killpg(run.pid, signum)
    else:
        run.send_signal(signum)
    _, err = run.communicate(timeout=60)
    left = outputs(out)
    assert run.returncode == 128 + signum, err
    assert time.monotonic() - sent < 15  # a few seconds; more only on a very busy machine
    assert [pid for pid in helpers if alive(pid) and pid not in trackers] == [], \
        "workers outlived the run"
    # The resource tracker of multiprocessing ends when the last process that knows it
    # has ended: a moment after the run.
    wait_for(lambda: not any(alive(pid) for pid in trackers), timeout=5, what="the tracker")
    assert "Traceback" not in err
    assert f"stopped by {signal.Signals(signum).name}" in err.splitlines()[-1]
    assert outputs(out) == left  # nothing appears after the end
    assert not [name for name in left if name.startswith(io.TEMPORARY_PREFIX)]
    for name in left:  # what was written is whole
        with Image.open(out / name) as image:
            image.load()
    return helpers, left


@pytest.mark.parametrize("signum, group, workers", [
    (signal.SIGTERM, False, 1), (signal.SIGTERM, False, 2), (signal.SIGTERM, True, 2),
    (signal.SIGINT, True, 1), (signal.SIGINT, True, 2), (signal.SIGINT, False, 2),
    (signal.SIGHUP, False, 1), (signal.SIGHUP, True, 2),
], ids=["SIGTERM-1-kill", "SIGTERM-2-kill", "SIGTERM-2-group", "SIGINT-1-ctrl-c",
        "SIGINT-2-ctrl-c", "SIGINT-2-main-only", "SIGHUP-1-main-only",
        "SIGHUP-2-closed-terminal"])
def test_a_signal_mid_run_ends_every_process(photos, tmp_path, signum, group, workers):
    """group: the whole process group is signalled, as a terminal does; else the main
    process alone, as ``kill PID`` does."""
    out = tmp_path / "out"
    run = start(photos, out, "--workers", str(workers))
    wait_for(lambda: any(name.endswith(".png") for name in outputs(out)) or
             run.poll() is not None, what="the first output")
    helpers, left = stop_and_check(run, out, signum, group=group)
    assert len(helpers) >= (workers + 1 if workers > 1 else 0)  # workers and tracker seen
    assert 1 <= len(left) < PHOTOS


def test_skip_existing_finishes_a_stopped_run(photos, tmp_path):
    out = tmp_path / "out"
    run = start(photos, out, "--workers", "1")
    wait_for(lambda: any(name.endswith(".png") for name in outputs(out)), what="an output")
    _, left = stop_and_check(run, out, signal.SIGTERM, group=False)
    resumed = subprocess.run([sys.executable, "-m", "bgcut", str(photos), "-o", str(out),
                              "--skip-existing", "--method", "seed", "--workers", "1"],
                             cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert outputs(out) == [f"{i:02d}.png" for i in range(PHOTOS)]
    assert f"({len(left)} skipped as done)" in resumed.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_a_signal_during_start_up(photos, tmp_path, signum):
    """Signalled while it imports its libraries: no output, the same exit status."""
    out = tmp_path / "out"
    run = start(photos, out)
    wait_for(lambda: catches(run.pid, signal.SIGTERM), what="the signal handlers")
    stop_and_check(run, out, signum, group=True)
    assert not [name for name in outputs(out) if name.endswith(".png")]


def test_nohup_keeps_running_after_a_hangup(photos, tmp_path):
    """A signal ignored when the run starts (nohup, a background job) stays ignored."""
    out = tmp_path / "out"
    run = subprocess.Popen(["bash", "-c", 'trap "" HUP; exec "$0" -m bgcut "$1" -o "$2" '
                            '--workers 2', sys.executable, str(photos), str(out)],
                           cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    wait_for(lambda: any(name.endswith(".png") for name in outputs(out)), what="an output")
    assert run.poll() is None and len(outputs(out)) < PHOTOS  # still running
    os.killpg(run.pid, signal.SIGHUP)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert len(outputs(out)) == PHOTOS


def test_a_signal_at_once(photos, tmp_path):
    """Before its handlers are installed, a signal ends Python itself: the status a shell
    shows is the same (143), and nothing is written."""
    out = tmp_path / "out"
    run = start(photos, out)
    run.send_signal(signal.SIGTERM)
    run.communicate(timeout=60)
    assert run.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert outputs(out) == []


def test_a_signal_while_workers_start(photos, tmp_path):
    out = tmp_path / "out"
    run = start(photos, out, "--workers", "2")
    wait_for(lambda: len(descendants(run.pid)) >= 3, what="the workers")
    stop_and_check(run, out, signal.SIGTERM, group=False)


# --- The library: Ctrl-C in a notebook, a parent that dies --------------------

def _sleep(seconds):
    time.sleep(seconds)
    return os.getpid()


def test_an_exception_in_a_pool_block_ends_its_workers():
    with pytest.raises(KeyboardInterrupt):
        with batch.process_pool(2) as pool:
            pids = {pool.submit(_sleep, 0.01).result() for _ in range(6)}
            for _ in range(4):
                pool.submit(_sleep, 30)
            raise KeyboardInterrupt
    assert pids and [pid for pid in pids if alive(pid)] == []


def _interrupt_when(condition, seen):
    """In a thread: once `condition` holds, note this process's workers and press Ctrl-C."""
    def interrupt():
        wait_for(condition, what="the batch to start")
        seen.extend(pid for pid in descendants(os.getpid()) if not is_tracker(pid))
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=interrupt, daemon=True).start()


def _workers_left(seen):
    """The noted workers still running."""
    return [pid for pid in seen if alive(pid)]


def test_ctrl_c_during_remove_backgrounds_ends_the_workers(photos, tmp_path):
    """What Ctrl-C in a notebook does: KeyboardInterrupt in the main thread."""
    out, seen = tmp_path / "out", []
    _interrupt_when(lambda: any(name.endswith(".png") for name in outputs(out)), seen)
    with pytest.raises(KeyboardInterrupt):
        bgcut.remove_backgrounds(photos, out, workers=2, progress=False)
    left = outputs(out)
    assert seen and _workers_left(seen) == []
    assert 1 <= len(left) < PHOTOS
    assert not [name for name in left if name.startswith(io.TEMPORARY_PREFIX)]


def test_ctrl_c_during_evaluate_ends_the_workers():
    seen = []
    dataset = bgcut.demo_dataset()
    _interrupt_when(lambda: len([pid for pid in descendants(os.getpid())
                                 if not is_tracker(pid)]) >= 2, seen)
    with pytest.raises(KeyboardInterrupt):
        bgcut.evaluate(dataset, workers=2, progress=False)
    assert seen and _workers_left(seen) == []


PARENT = """
import time
from bgcut import batch

if __name__ == "__main__":
    with batch.process_pool(2) as pool:
        futures = [pool.submit(time.sleep, 60) for _ in range(2)]
        print("started", flush=True)
        time.sleep(60)
"""


def test_workers_end_when_their_parent_is_killed(tmp_path):
    """kill -9 leaves no time to clean up: each worker sees its parent end and exits."""
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert parent.stdout.readline() == "started\n"
    helpers = descendants(parent.pid)
    assert len(helpers) >= 2
    parent.kill()
    parent.wait()
    wait_for(lambda: not any(alive(pid) for pid in helpers), timeout=30,
             what="the workers to end")


def test_stopped_is_a_keyboard_interrupt_with_the_shell_status():
    stop = signals.Stopped(signal.SIGTERM)
    assert isinstance(stop, KeyboardInterrupt)
    assert stop.exit_status == 143 and str(stop) == "stopped by SIGTERM"
    assert signals.Stopped(signal.SIGHUP).exit_status == 129


def test_a_stop_that_surfaces_as_another_error_still_exits_as_stopped(monkeypatch, capsys):
    # A signal inside a C extension's import can come out as an ImportError.
    import bgcut.__main__ as entry
    import bgcut.cli

    def interrupted_import():
        os.kill(os.getpid(), signal.SIGTERM)
        try:
            time.sleep(5)
        except signals.Stopped:
            raise ImportError('PyCapsule_Import could not import module "datetime"') from None

    monkeypatch.setattr(bgcut.cli, "main", interrupted_import)
    assert entry._main() == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in capsys.readouterr().err
    assert signals.received() == signal.SIGTERM


def test_an_error_without_a_stop_signal_is_raised_as_it_is(monkeypatch):
    import bgcut.__main__ as entry
    import bgcut.cli

    def failing():
        raise ImportError("a real import problem")

    monkeypatch.setattr(bgcut.cli, "main", failing)
    with pytest.raises(ImportError, match="a real import problem"):
        entry._main()
    assert signals.received() is None
