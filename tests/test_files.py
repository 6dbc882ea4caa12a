"""Files a user really has: modes, overwrites, failures at the end, usage errors."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import red_square_scene
from PIL import Image

import bgcut
import kmeans_utils as ku
from bgcut import batch, io

ROOT = Path(__file__).resolve().parents[1]
SQUARE, TRUTH = red_square_scene(shape=(90, 120))


def run(*args):
    return subprocess.run([sys.executable, "-m", "bgcut", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def _save(image, path, **kwargs):
    image.save(path, **kwargs)
    return path


# --- 1. Every file kind read by its meaning ---------------------------------

GREY = SQUARE.mean(axis=2).round().astype(np.uint8)
FILES = {
    "16-bit-png": lambda d: _save(Image.fromarray(GREY.astype(np.uint16) * 257), d / "a.png"),
    "16-bit-tiff": lambda d: _save(Image.fromarray(GREY.astype(np.uint16) * 257), d / "a.tif"),
    "float-tiff-0-1": lambda d: _save(Image.fromarray(GREY.astype(np.float32) / 255), d / "a.tif"),
    "float-tiff-0-255": lambda d: _save(Image.fromarray(GREY.astype(np.float32)), d / "a.tif"),
    "palette": lambda d: _save(Image.fromarray(SQUARE).quantize(256, dither=0), d / "a.png"),
    "grey-alpha": lambda d: _save(Image.fromarray(GREY).convert("LA"), d / "a.png"),
}


@pytest.mark.parametrize("kind", FILES)
def test_file_kinds_read_as_they_look(kind, tmp_path):
    path = FILES[kind](tmp_path)
    image = bgcut.read_image(path)
    with Image.open(path) as im:
        expected = np.asarray(im.convert("RGB")) if kind == "palette" else \
            np.repeat(GREY[:, :, None], 3, axis=2)
    np.testing.assert_array_equal(image, expected)
    mask = bgcut.remove_background(image).mask
    assert ku.iou(mask, TRUTH) > 0.9  # the square is found, not an all-white cutout


@pytest.mark.parametrize("mode", ["P", "CMYK", "I;16", "F"])
def test_pillow_images_passed_to_the_api(mode):
    rgb = Image.fromarray(SQUARE)
    image = {"P": lambda: rgb.quantize(256, dither=0), "CMYK": lambda: rgb.convert("CMYK"),
             "I;16": lambda: Image.fromarray(GREY.astype(np.uint16) * 257),
             "F": lambda: Image.fromarray(GREY.astype(np.float32) / 255)}[mode]()
    mask = bgcut.remove_background(image).mask
    assert ku.iou(mask, TRUTH) > 0.9
    with pytest.raises(TypeError, match="must be an array of numbers"):
        ku.remove_background(image)  # the course module takes arrays only


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees clockwise to view
    path = _save(Image.fromarray(SQUARE), tmp_path / "a.jpg", exif=exif, quality=95)
    assert bgcut.read_image(path).shape == (120, 90, 3)


def test_sixteen_bit_file_on_the_command_line(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    FILES["16-bit-png"](src)
    assert run(src, "-o", tmp_path / "out").returncode == 0
    alpha = np.asarray(Image.open(tmp_path / "out" / "a.png"))[..., 3]
    assert ku.iou(alpha > 0, TRUTH) > 0.9


# --- 2. Inputs and ground truth are never replaced ---------------------------

def _folder(tmp_path):
    src, gt = tmp_path / "src", tmp_path / "gt"
    src.mkdir()
    gt.mkdir()
    Image.fromarray(SQUARE).save(src / "a.png")
    Image.fromarray(np.where(TRUTH, 255, 0).astype(np.uint8)).save(gt / "a.png")
    return src, gt


def test_source_linked_into_the_output_is_not_overwritten(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    photo = out / "a.png"
    Image.fromarray(SQUARE).save(photo)
    before = photo.read_bytes()
    src = tmp_path / "links"
    src.mkdir()
    (src / "a.png").symlink_to(photo)
    result = run(src, "-o", out)
    assert result.returncode == 1 and "is an input file: not overwritten" in result.stderr
    assert photo.read_bytes() == before


@pytest.mark.parametrize("where", ["out-masks", "out"])
def test_ground_truth_where_outputs_go_is_refused(tmp_path, where):
    src, _ = _folder(tmp_path)
    out = tmp_path / "out"
    gt = out / "masks" if where == "out-masks" else out
    gt.mkdir(parents=True)
    Image.fromarray(np.where(TRUTH, 255, 0).astype(np.uint8)).save(gt / "a.png")
    before = (gt / "a.png").read_bytes()
    result = run(src, "-o", out, "--gt", gt, "--save-mask")
    assert result.returncode == 2 and "the human masks would be replaced" in result.stderr
    assert (gt / "a.png").read_bytes() == before and not (out / "iou.csv").exists()


# --- 3. Failures at the end of a run ----------------------------------------

def test_iou_table_that_cannot_be_written_is_reported(tmp_path):
    src, gt = _folder(tmp_path)
    out = tmp_path / "out"
    (out / "iou.csv").mkdir(parents=True)  # a folder in the way: the rename fails
    result = run(src, "-o", out, "--gt", gt)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"failed: {out / 'iou.csv'}: IsADirectoryError" in result.stderr
    assert result.stdout.startswith("mean IoU") and (out / "a.png").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(io.TEMPORARY_PREFIX)]


def test_file_names_that_are_not_utf8(tmp_path):
    src, gt = _folder(tmp_path)
    name = os.fsdecode(b"caf\xe9")
    (src / "a.png").rename(src / f"{name}.png")
    (gt / "a.png").rename(gt / f"{name}.png")
    out = tmp_path / "out"
    assert run(src, "-o", out, "--gt", gt).returncode == 0
    table = (out / "iou.csv").read_bytes()
    assert b"caf\xe9.png" in table and (out / f"{name}.png").exists()


@pytest.fixture
def small_file_system(tmp_path):
    """Mount a 64 kB file system with the given options (needs root; skipped otherwise)."""
    mounted = []

    def mount(options="size=64k"):
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                              capture_output=True)
        if done.returncode:
            pytest.skip("cannot mount a small file system here (needs root)")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


def test_disk_full_is_a_failure_per_file_not_a_crash(tmp_path, small_file_system):
    tiny_disk = small_file_system()
    src = tmp_path / "src"
    src.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):  # noisy photos: their PNGs do not fit in 64 kB together
        Image.fromarray(rng.integers(0, 256, (200, 200, 3), np.uint8)).save(src / f"{i}.png")
    result = run(src, "-o", tiny_disk)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "No space left on device" in result.stderr
    assert not [p for p in tiny_disk.iterdir() if p.name.startswith(io.TEMPORARY_PREFIX)]
    for png in tiny_disk.glob("*.png"):  # what was written is whole
        Image.open(png).load()


# --- 4. Processes ------------------------------------------------------------

def test_workers_are_capped_at_cores_and_items(tmp_path):
    src, _ = _folder(tmp_path)
    result = run(src, "-o", tmp_path / "out", "--workers", "1000")
    assert result.returncode == 0
    outcomes = batch.run(abs, [-1, -2], workers=1000)
    assert [o.value for o in outcomes] == [1, 2]


# --- 5. Usage errors are one line with exit status 2 --------------------------

@pytest.mark.parametrize("args, message", [
    (["SRC", "-o", "FILE"], "is a file, not a folder"),
    (["SRC", "-o", "out", "--background", "#-1-1-1"], "background must be white, black"),
    (["SRC", "-o", "out", "--method", "magic"], "invalid choice"),
], ids=["out-is-a-file", "bad-colour", "method"])
def test_usage_errors(tmp_path, args, message):
    src, _ = _folder(tmp_path)
    (tmp_path / "file.txt").write_text("")
    names = {"SRC": src, "FILE": tmp_path / "file.txt", "out": tmp_path / "out"}
    result = run(*[names.get(a, a) for a in args])
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_read_only_output_is_a_usage_error(tmp_path, small_file_system):
    src, _ = _folder(tmp_path)
    result = run(src, "-o", small_file_system("ro,size=64k"))
    assert result.returncode == 2 and "cannot write to output folder" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_source_is_a_usage_error(tmp_path):
    src, _ = _folder(tmp_path)
    src.chmod(0)
    try:
        result = run(src, "-o", tmp_path / "out")
    finally:
        src.chmod(0o755)
    assert result.returncode == 2 and "permission denied" in result.stderr


def test_bad_background_from_python_fails_before_any_file(tmp_path):
    src, _ = _folder(tmp_path)
    with pytest.raises(ValueError, match="background must be three numbers in 0..255"):
        bgcut.remove_backgrounds(src, tmp_path / "out", background=(300, 0, 0))
    assert not (tmp_path / "out").exists()


# --- 6. Smaller cases ----------------------------------------------------------

def test_long_file_name(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    stem = "x" * 246
    Image.fromarray(SQUARE).save(src / f"{stem}.png")
    assert run(src, "-o", tmp_path / "out", "--save-mask").returncode == 0
    assert (tmp_path / "out" / f"{stem}.png").exists()


def test_leftovers_of_a_killed_run_are_removed(tmp_path):
    src, _ = _folder(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = out / f"{io.TEMPORARY_PREFIX}{dead}-0123.tmp"
    live = out / f"{io.TEMPORARY_PREFIX}{os.getpid()}-4567.tmp"  # a run still going
    stale.write_bytes(b"half")
    live.write_bytes(b"half")
    bgcut.remove_backgrounds(src, out, skip_existing=True, progress=False)
    assert not stale.exists() and live.exists()


def test_threads_writing_one_folder(tmp_path):
    errors = []

    def write(i):
        try:
            io.write_png(np.full((50, 50), i, np.uint8), tmp_path / "same.png")
        except Exception as error:  # collected: a clash would show here
            errors.append(error)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and np.asarray(Image.open(tmp_path / "same.png")).shape == (50, 50)
    assert [p.name for p in tmp_path.iterdir()] == ["same.png"]


def test_two_masks_with_one_stem_are_reported(tmp_path):
    src, gt = _folder(tmp_path)
    Image.open(gt / "a.png").save(gt / "a.jpg")
    report = bgcut.remove_backgrounds(src, tmp_path / "out", gt=gt, progress=False)
    assert "ground-truth masks a.jpg, a.png share a stem" in report.error[0]


def test_empty_source_with_ground_truth(tmp_path):
    src, gt = _folder(tmp_path)
    (src / "a.png").unlink()
    result = run(src, "-o", tmp_path / "out", "--gt", gt)
    assert result.returncode == 0 and result.stdout.startswith("no image scored")
    assert "nan" not in result.stdout
    assert pd.read_csv(tmp_path / "out" / "iou.csv").empty
