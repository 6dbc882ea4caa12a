"""Missing output channels: a closed, full or abandoned stdout or stderr, or no terminal,
never keeps a cutout from being written nor changes the exit status."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import red_square_scene
from PIL import Image

import bgcut
from bgcut import streams, batch

ROOT = Path(__file__).resolve().parents[1]
BASH = shutil.which("bash")


@pytest.fixture
def folders(tmp_path):
    """Two photos with masks, and a photo without one: exit status 0, stdout used."""
    src, gt = tmp_path / "src", tmp_path / "gt"
    src.mkdir()
    gt.mkdir()
    for i, stem in enumerate(["a", "b", "c"]):
        image, truth = red_square_scene(seed=i, shape=(60, 80), half=12)
        Image.fromarray(image).save(src / f"{stem}.png")
        if stem != "c":
            Image.fromarray(np.where(truth, 255, 0).astype(np.uint8)).save(gt / f"{stem}.png")
    return src, gt, tmp_path / "out"


def shell(command, folders, **kwargs):
    """Run `command` in bash with SRC, GT and OUT set; returns the completed process."""
    src, gt, out = folders
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SRC": str(src), "GT": str(gt),
           "OUT": str(out), "PY": sys.executable}
    return subprocess.run([BASH, "-c", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, **kwargs)


RUN = '"$PY" -m bgcut "$SRC" -o "$OUT" --gt "$GT" --method seed --workers 1'
POOL = RUN.replace("--workers 1", "--workers 2")  # workers inherit the streams


@pytest.mark.skipif(BASH is None, reason="needs bash")
@pytest.mark.parametrize("redirect", [
    "2>&-", ">&-", ">&- 2>&-", "0<&- >&- 2>&-", ">/dev/full", "2>/dev/full",
    ">/dev/full 2>/dev/full", "2>&1 >/dev/full",
], ids=["stderr-closed", "stdout-closed", "both-closed", "all-three-closed",
        "stdout-full", "stderr-full", "both-full", "stderr-to-full-stdout"])
def test_closed_or_full_streams(folders, redirect):
    result = shell(f"{POOL if redirect in ('2>&-', '>/dev/full 2>/dev/full') else RUN} "
                   f"{redirect}", folders)
    out = folders[2]
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png", "c.png", "iou.csv"]
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(BASH is None, reason="needs bash")
@pytest.mark.parametrize("pipe", ["2>&1 | head -c1", "| head -c1", "2>&1 | true",
                                  "2>&1 | (exec 0<&-; sleep 0)"],
                         ids=["both-to-head", "stdout-to-head", "reader-gone", "closed-pipe"])
def test_a_pipe_whose_reader_went_away(folders, pipe):
    """The reader leaves (SIGPIPE or EPIPE for the writer): the run goes on."""
    result = shell(f"{POOL if pipe.startswith('2>&1 | head') else RUN} {pipe} >/dev/null; "
                   f"exit ${{PIPESTATUS[0]}}", folders)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folders[2].iterdir()) == ["a.png", "b.png", "c.png",
                                                            "iou.csv"]


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_failures_still_set_the_exit_status_without_stderr(folders):
    (folders[0] / "broken.png").write_bytes(b"\x89PNG not really")
    result = shell(f"{RUN} 2>&- >/dev/full", folders)
    assert result.returncode == 1
    assert (folders[2] / "a.png").exists() and (folders[2] / "iou.csv").exists()


@pytest.mark.skipif(BASH is None, reason="needs bash")
@pytest.mark.parametrize("args, status", [("--help", 0), ("--max-side abc", 2)],
                         ids=["help", "usage-error"])
def test_help_and_usage_errors_on_missing_streams(folders, args, status):
    for redirect in ["| head -c1", ">/dev/full 2>/dev/full", ">&- 2>&-"]:
        result = shell(f'"$PY" -m bgcut "$SRC" -o "$OUT" {args} {redirect}; '
                       f'exit ${{PIPESTATUS[0]}}', folders)
        assert result.returncode == status, (redirect, result.stderr)
        assert "Traceback" not in result.stderr


def test_no_terminal_at_all(folders):
    """A new session without a controlling terminal, nothing on stdin."""
    src, gt, out = folders
    result = subprocess.run([sys.executable, "-m", "bgcut", str(src), "-o", str(out),
                             "--gt", str(gt), "--method", "seed"],
                            cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=300, start_new_session=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("mean IoU") and (out / "c.png").exists()


# --- The library --------------------------------------------------------------

class _Failing(io.TextIOBase):
    """A stream whose every write fails, as a full disk or a broken pipe does."""

    def __init__(self, error):
        self.error, self.calls = error, 0

    def write(self, text):
        self.calls += 1
        raise self.error

    def flush(self):
        raise self.error


@pytest.mark.parametrize("stderr", [None, _Failing(BrokenPipeError(32, "Broken pipe")),
                                    _Failing(OSError(28, "No space left on device")),
                                    _Failing(ValueError("I/O operation on closed file"))],
                         ids=["none", "broken-pipe", "full", "closed"])
def test_the_progress_bar_never_stops_a_batch(monkeypatch, stderr):
    monkeypatch.setattr(sys, "stderr", stderr)
    outcomes = batch.run(abs, [-1, -2, -3], workers=1, progress=True)
    assert [o.value for o in outcomes] == [1, 2, 3]
    if stderr is not None:
        assert stderr.calls <= 1  # dropped after its first failure


def test_remove_backgrounds_without_stderr(folders, monkeypatch):
    src, _, out = folders
    monkeypatch.setattr(sys, "stderr", None)
    report = bgcut.remove_backgrounds(src, out, method="seed")
    assert (report.error == "").all() and (out / "c.png").exists()


def test_forgiving_stream_writes_until_it_fails():
    sink = io.StringIO()
    stream = streams.Forgiving(sink)
    assert stream.write("one ") == 4 and not stream.closed
    sink.close()
    assert stream.write("two") == 3 and stream.closed  # swallowed, then dropped
    stream.flush()
    assert streams.Forgiving(None).write("x") == 1 and not streams.Forgiving(None).isatty()
