"""Cutting out a classification folder (one folder per class) with recursive=True."""

import numpy as np
import pytest
from PIL import Image

import bgcut
from bgcut.cli import main
from conftest import red_square_scene


def _save(path, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(red_square_scene(seed=seed, shape=(40, 48), half=8)[0]).save(path)


@pytest.fixture
def classes(tmp_path):
    """train/cat/{a.png, b.jpg}, train/dog/{a.png, bad.png (broken)}, train/top.png,
    and a hidden folder."""
    src = tmp_path / "train"
    for i, name in enumerate(["cat/a.png", "cat/b.jpg", "dog/a.png", "top.png", ".hid/x.png"]):
        _save(src / name, seed=i)
    (src / "dog" / "bad.png").write_bytes(b"not a png")
    return src


def test_recursive_keeps_the_class_layout(classes, tmp_path):
    out = tmp_path / "train_cut"
    report = bgcut.remove_backgrounds(classes, out, recursive=True, save_mask=True,
                                      progress=False, method="seed")
    assert report.image.tolist() == ["cat/a.png", "cat/b.jpg", "dog/a.png", "dog/bad.png",
                                     "top.png"]
    assert (report.error != "").tolist() == [False, False, False, True, False]
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert written == ["cat/a.png", "cat/b.png", "dog/a.png", "masks/cat/a.png",
                       "masks/cat/b.png", "masks/dog/a.png", "masks/top.png", "top.png"]
    alpha = np.asarray(Image.open(out / "cat" / "a.png"))[..., 3]
    np.testing.assert_array_equal(alpha, np.asarray(Image.open(out / "masks/cat/a.png")))
    assert not list(out.rglob(".bgcut-*"))  # no temporary left behind


def test_without_recursive_the_folders_below_are_left_alone(classes, tmp_path):
    report = bgcut.remove_backgrounds(classes, tmp_path / "out", progress=False, method="seed")
    assert report.image.tolist() == ["top.png"]


def test_recursive_resumes_and_scores_against_nested_masks(classes, tmp_path):
    gt = tmp_path / "gt"
    truth = red_square_scene(seed=0, shape=(40, 48), half=8)[1]
    (gt / "cat").mkdir(parents=True)
    Image.fromarray(np.where(truth, 255, 0).astype(np.uint8)).save(gt / "cat" / "a.png")
    out = tmp_path / "out"
    report = bgcut.remove_backgrounds(classes, out, gt=gt, recursive=True, progress=False,
                                      method="seed")
    scored = report.set_index("image")
    assert scored.loc["cat/a.png", "iou"] > 0.9
    assert scored.loc["dog/a.png", "note"] == "no ground-truth mask"
    again = bgcut.remove_backgrounds(classes, out, recursive=True, skip_existing=True,
                                     progress=False, method="seed")
    assert again.skipped.tolist() == [True, True, True, False, True]  # the broken one again


def test_recursive_never_overwrites_and_names_clashes(classes, tmp_path):
    _save(classes / "cat" / "a.jpg", seed=9)  # same stem as cat/a.png in the same class
    out = tmp_path / "out"
    (out / "cat").mkdir(parents=True)
    (out / "cat" / "b.png").symlink_to(classes / "cat" / "b.jpg")  # an output onto an input
    before = (classes / "cat" / "b.jpg").read_bytes()
    report = bgcut.remove_backgrounds(classes, out, recursive=True, progress=False,
                                      method="seed").set_index("image")
    assert "same stem as a.jpg, whose cutout is cat/a.png" in report.loc["cat/a.png", "error"]
    assert "is an input file: not overwritten" in report.loc["cat/b.jpg", "error"]
    assert (classes / "cat" / "b.jpg").read_bytes() == before
    assert report.loc["dog/a.png", "error"] == ""  # dog/a shares a stem with cat/a: fine


def test_recursive_usage_errors(classes, tmp_path):
    with pytest.raises(ValueError, match="inside the source folder"):
        bgcut.remove_backgrounds(classes, classes / "cut", recursive=True, progress=False)
    _save(classes / "masks" / "m.png")
    with pytest.raises(ValueError, match="its cutouts would go where the masks go"):
        bgcut.remove_backgrounds(classes, tmp_path / "out", recursive=True, save_mask=True,
                                 progress=False)
    assert not (tmp_path / "out").exists()  # found before any file is touched


def test_command_line_recursive(classes, tmp_path, capsys):
    out = tmp_path / "cut"
    status = main([str(classes), "-o", str(out), "--recursive", "--save-mask",
                   "--method", "seed", "--workers", "1"])
    err = capsys.readouterr().err
    assert status == 1 and f"failed: {classes / 'dog' / 'bad.png'}:" in err
    assert "4 succeeded, 1 failed" in err
    assert (out / "dog" / "a.png").is_file() and (out / "masks" / "cat" / "b.png").is_file()
