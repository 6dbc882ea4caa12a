"""The command line (python -m bgcut) and `remove_backgrounds` on a temporary folder."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import red_square_scene
from PIL import Image

import bgcut
from bgcut import batch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path):
    """A source folder: two photos, a greyscale PNG, a corrupt JPEG and a text file."""
    src, gt = tmp_path / "src", tmp_path / "gt"
    src.mkdir()
    gt.mkdir()
    for i, name in enumerate(["a.jpg", "b.PNG"]):
        image, truth = red_square_scene(seed=i, shape=(90, 120))
        Image.fromarray(image).save(src / name, quality=95)
        mask = Image.fromarray(np.where(truth, 255, 0).astype(np.uint8))
        mask.save(gt / f"{Path(name).stem}.png")
    grey, truth = red_square_scene(seed=5, shape=(60, 80))
    Image.fromarray(grey.mean(axis=2).astype(np.uint8)).save(src / "grey.png")
    (src / "corrupt.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (src / "notes.txt").write_text("not an image")
    return src, gt, tmp_path / "out"


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def run(*args):
    return subprocess.run([sys.executable, "-m", "bgcut", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_command_line_end_to_end(folder):
    src, gt, out = folder
    before = snapshot(src)
    result = run(src, "-o", out, "--save-mask", "--gt", gt, "--workers", "2")
    assert result.returncode == 1, result.stderr  # the corrupt file failed
    assert snapshot(src) == before  # inputs untouched
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png", "grey.png", "iou.csv",
                                                     "masks"]
    for stem, size in [("a", (120, 90)), ("b", (120, 90)), ("grey", (80, 60))]:
        with Image.open(out / f"{stem}.png") as cutout, \
                Image.open(out / "masks" / f"{stem}.png") as mask:
            assert cutout.mode == "RGBA" and cutout.size == size
            assert mask.mode == "L" and mask.size == size
            alpha, m = np.asarray(cutout)[..., 3], np.asarray(mask)
        assert set(np.unique(m)) <= {0, 255}
        np.testing.assert_array_equal(alpha, m)
    # The cutout keeps the input's colours where it is opaque.
    rgba = np.asarray(Image.open(out / "b.png"))
    original = np.asarray(Image.open(src / "b.PNG"))
    np.testing.assert_array_equal(rgba[..., :3], original)
    scores = pd.read_csv(out / "iou.csv", keep_default_na=False)
    assert scores.image.tolist() == ["a.jpg", "b.PNG", "corrupt.jpg", "grey.png"]
    assert float(scores.iou[0]) > 0.9 and float(scores.iou[1]) > 0.9
    assert scores.error[2].startswith(f"{src / 'corrupt.jpg'}: UnidentifiedImageError")
    assert scores.note[3] == "no ground-truth mask"
    assert "corrupt.jpg" in result.stderr and "cannot identify image file" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "3 succeeded, 1 failed"
    assert result.stdout.startswith("mean IoU 0.9")


def test_background_colour_and_exit_zero(folder, tmp_path):
    src, _, out = folder
    (src / "corrupt.jpg").unlink()
    result = run(src, "-o", out, "--background", "#00ff00", "--workers", "1",
                 "--method", "seed", "--max-side", "100")
    assert result.returncode == 0, result.stderr
    with Image.open(out / "a.png") as im:
        assert im.mode == "RGB"
        flat = np.asarray(im)
    cutout, mask = bgcut.remove_background(bgcut.read_image(src / "a.jpg"), method="seed",
                                           settings=bgcut.CourseSettings(max_side=100))
    np.testing.assert_array_equal(flat[~mask], np.tile([0, 255, 0], ((~mask).sum(), 1)))
    np.testing.assert_array_equal(flat[mask], cutout[..., :3][mask])


def test_one_file(folder):
    src, _, out = folder
    assert run(src / "a.jpg", "-o", out).returncode == 0
    assert [p.name for p in out.iterdir()] == ["a.png"]


@pytest.mark.parametrize("args, message", [
    (["missing", "-o", "out"], "source 'missing' does not exist"),
    (["SRC", "-o", "SRC"], "must differ from the source folder"),
    (["SRC", "-o", "out", "--background", "pink"], "background must be white, black"),
    (["SRC", "-o", "out", "--workers", "0"], "workers must be an integer >= 1, got 0"),
    (["SRC", "-o", "out", "--max-side", "0"], "max_side must be an integer >= 1"),
    (["SRC", "-o", "out", "--gt", "nowhere"], "ground-truth folder"),
    (["SRC"], "required: -o/--out"),
], ids=["missing-src", "out-is-src", "colour", "workers", "max-side", "gt", "no-out"])
def test_usage_errors_exit_2_with_one_line(folder, args, message):
    src, _, _ = folder
    result = run(*[str(src) if a == "SRC" else a for a in args])
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_skip_existing_resumes(folder):
    src, _, out = folder
    bgcut.remove_backgrounds(src, out, progress=False)
    (out / "b.png").unlink()
    stamp = (out / "a.png").stat().st_mtime_ns
    report = bgcut.remove_backgrounds(src, out, skip_existing=True, progress=False)
    assert report.skipped.tolist() == [True, False, False, True]
    assert (out / "b.png").exists() and (out / "a.png").stat().st_mtime_ns == stamp


def test_writes_are_atomic(folder, monkeypatch):
    """A run that dies while saving leaves no file, half-written or temporary."""
    src, _, out = folder

    def crash(self, fp, *args, **kwargs):
        fp.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        bgcut.remove_backgrounds(src / "a.jpg", out, progress=False)
    assert list(out.iterdir()) == []


def test_same_stem_is_an_error_not_an_overwrite(folder):
    src, _, out = folder
    Image.open(src / "b.PNG").save(src / "a.png")
    report = bgcut.remove_backgrounds(src, out, progress=False)
    row = report.set_index("image").loc["a.png"]
    assert "same stem as a.jpg" in row.error


def test_executor_and_processes_give_the_same_cutouts(folder, tmp_path):
    src, _, out = folder
    bgcut.remove_backgrounds(src, out, progress=False)
    with ThreadPoolExecutor(2) as pool:
        bgcut.remove_backgrounds(src, tmp_path / "threads", executor=pool, progress=False)
    bgcut.remove_backgrounds(src, tmp_path / "processes", workers=2, progress=False)
    assert snapshot(out) == snapshot(tmp_path / "threads") == snapshot(tmp_path / "processes")


def test_remove_backgrounds_rejects_bad_options(folder):
    src, _, out = folder
    with pytest.raises(ValueError, match="method must be one of"):
        bgcut.remove_backgrounds(src, out, method="nope")
    with pytest.raises(ValueError, match="workers must be an integer >= 1"):
        bgcut.remove_backgrounds(src, out, workers=0)
    with pytest.raises(ValueError, match="does not exist"):
        bgcut.remove_backgrounds(src / "nope", out)
    assert not out.exists()


# --- Usage errors: one line that names the option and the problem ---------------

@pytest.mark.parametrize("args, option", [
    (["SRC", "-o", "out", "--max-side", "abc"], "--max-side"),
    (["SRC", "-o", "out", "--max-side", "-3"], "--max-side"),
    (["SRC", "-o", "out", "--workers", "two"], "--workers"),
    (["SRC", "-o", "out", "--workers", "1.5"], "--workers"),
    (["SRC", "-o", "out", "--method", "magic"], "--method"),
    (["SRC", "-o", "out", "--background", "pink"], "--background"),
    (["SRC", "-o", "out", "--frobnicate"], "--frobnicate"),
    (["SRC", "-o", "out", "extra"], "extra"),
    (["SRC", "-o"], "-o/--out"),
    (["SRC", "-o", "out", "--gt"], "--gt"),
    ([], "SRC, -o/--out"),
    (["missing", "-o", "out"], "source 'missing' does not exist"),
    (["SRC", "-o", "SRC"], "must differ from the source folder"),
], ids=["max-side-word", "max-side-negative", "workers-word", "workers-float", "method",
        "colour", "unknown-option", "extra-argument", "out-without-value", "gt-without-value",
        "nothing", "missing-src", "out-is-src"])
def test_usage_errors_are_one_line_naming_the_option(folder, args, option):
    src, _, out = folder
    names = {"SRC": str(src), "out": str(out)}
    result = run(*[names.get(a, a) for a in args])
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert option in line and "error" in line
    assert "usage:" not in line and "Traceback" not in line
    assert not out.exists()


# --- Empty paths: never the current folder ------------------------------------

def run_in(cwd, *args):
    return subprocess.run([sys.executable, "-m", "bgcut", *map(str, args)], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, option", [
    (["SRC", "-o", ""], "-o/--out"),
    (["SRC", "--out="], "-o/--out"),
    (["SRC", "-o", "  "], "-o/--out"),
    (["", "-o", "out"], "SRC"),
    (["\t", "-o", "out"], "SRC"),
    (["SRC", "-o", "out", "--gt", ""], "--gt"),
    (["SRC", "-o", "out", "--gt", " "], "--gt"),
], ids=["out", "out-equals", "out-blank", "src", "src-blank", "gt", "gt-blank"])
def test_an_empty_path_is_a_usage_error(folder, tmp_path, args, option):
    """What ``-o "$OUT"`` passes when OUT is unset: nothing is read or written."""
    src, gt, _ = folder
    here = tmp_path / "here"  # the current folder: photos, and a file a cutout would replace
    here.mkdir()
    for name in ["a.jpg", "grey.png"]:
        (here / name).write_bytes((src / name).read_bytes())
    (here / "a.png").write_bytes(b"precious")
    before = snapshot(here)
    result = run_in(here, *[str(src) if a == "SRC" else a for a in args])
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert option in line and "empty path" in line
    assert snapshot(here) == before and not (here / "out").exists()


@pytest.mark.parametrize("where", ["src", "out", "gt"])
@pytest.mark.parametrize("value", ["", "   ", b""], ids=["empty", "blank", "bytes"])
def test_remove_backgrounds_rejects_empty_paths(folder, tmp_path, monkeypatch, where, value):
    src, gt, out = folder
    monkeypatch.chdir(src)
    paths = {"src": src, "out": out, "gt": gt, where: value}
    with pytest.raises(ValueError, match=f"{where} is an empty path"):
        bgcut.remove_backgrounds(paths["src"], paths["out"], gt=paths["gt"], progress=False)
    with pytest.raises(TypeError, match=f"{where} must be a path, got int"):
        bgcut.remove_backgrounds(**{"src": src, "out": out, where: 3}, progress=False)
    assert not out.exists() and sorted(p.suffix for p in src.iterdir()) == [
        ".PNG", ".jpg", ".jpg", ".png", ".txt"]


@pytest.mark.parametrize("args, message", [
    (["SRC/", "-o", "SRC/."], "must differ from the source folder"),
    (["SRC/a.jpg", "-o", "SRC"], "must differ from the source folder"),
    (["SRC", "-o", "SRC/a.jpg"], "is a file, not a folder"),
    (["SRC", "-o", "out", "--gt", "SRC/a.jpg"], "is a file, not a folder"),
    (["SRC", "-o", "SRC/a.jpg/out"], "cannot write to output folder"),
], ids=["out-is-src-spelled-otherwise", "out-is-the-photo-folder", "out-is-a-photo",
        "gt-is-a-file", "out-under-a-file"])
def test_paths_that_are_not_what_they_seem(folder, args, message):
    src, _, out = folder
    before = snapshot(src)
    result = run(*[a.replace("SRC", str(src)).replace("out", str(out)) for a in args])
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert message in line
    assert snapshot(src) == before and not out.exists()


def test_output_inside_the_source_folder(folder):
    src, _, _ = folder
    before = snapshot(src)
    result = run(src, "-o", src / "cut")
    assert result.returncode == 1  # the corrupt photo
    assert sorted(p.name for p in (src / "cut").iterdir()) == ["a.png", "b.png", "grey.png"]
    assert {p.name: p.read_bytes() for p in src.iterdir() if p.is_file()} == before


# --- Blame: every failure names the file at fault ----------------------------

def _truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def test_every_failure_names_the_file_at_fault(tmp_path):
    src, gt, out = tmp_path / "src", tmp_path / "gt", tmp_path / "out"
    for folder in (src, gt, out / "masks"):
        folder.mkdir(parents=True)
    stems = ["good", "photo", "mask", "size", "cutout", "savedmask"]
    for i, stem in enumerate(stems):
        image, truth = red_square_scene(seed=i, shape=(60, 80), half=12)
        Image.fromarray(image).save(src / f"{stem}.jpg", quality=95)
        if stem == "size":
            truth = truth[:50]
        Image.fromarray(np.where(truth, 255, 0).astype(np.uint8)).save(gt / f"{stem}.png")
    _truncated(src / "photo.jpg")
    _truncated(gt / "mask.png")
    (out / "cutout.png").mkdir()  # an output that cannot be written
    (out / "masks" / "savedmask.png").mkdir()
    Image.open(src / "good.jpg").save(src / "good.png")  # a second file of one stem
    result = run(src, "-o", out, "--gt", gt, "--save-mask", "--method", "seed",
                 "--workers", "2")
    assert result.returncode == 1
    blamed = {line.split(": ")[1]: line for line in result.stderr.splitlines()
              if line.startswith("failed: ")}
    assert sorted(blamed) == sorted(map(str, [
        src / "photo.jpg", gt / "mask.png", gt / "size.png", out / "cutout.png",
        out / "masks" / "savedmask.png", src / "good.png"]))
    assert "OSError: image file is truncated" in blamed[str(src / "photo.jpg")]
    assert "OSError" in blamed[str(gt / "mask.png")]
    assert "IsADirectoryError" in blamed[str(out / "cutout.png")]
    assert "same stem as good.jpg" in blamed[str(src / "good.png")]
    # The report and iou.csv say the same.
    scores = pd.read_csv(out / "iou.csv", keep_default_na=False).set_index("image")
    assert scores.error["mask.jpg"].startswith(f"{gt / 'mask.png'}: OSError")
    assert scores.error["good.jpg"] == "" and scores.error["good.png"] != ""


def test_a_dead_worker_is_blamed_on_its_photo(folder, tmp_path):
    src, _, out = folder

    class DyingExecutor:
        def map(self, attempt, tasks, items):
            return [batch.Outcome(item, None, "WorkerDied: ended without a result")
                    for item in items]

    report = bgcut.remove_backgrounds(src, out, executor=DyingExecutor(), progress=False)
    assert report.error[0] == f"{src / 'a.jpg'}: WorkerDied: ended without a result"
