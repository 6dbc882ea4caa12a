"""Datasets: both folder layouts, the download and its fallbacks, the demo set, reading files."""

import kagglehub
import numpy as np
import pytest
from PIL import Image

import bgcut
from bgcut import demo
from bgcut.datasets import KAGGLE_DATASET


def _write_pair(images, masks, stem, size=(40, 30), mask_mode="L", suffix=".png"):
    rng = np.random.default_rng(len(stem))
    images.mkdir(parents=True, exist_ok=True)
    masks.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), np.uint8)).save(
        images / f"{stem}{suffix}")
    truth = np.zeros((size[1], size[0]), bool)
    truth[5:20, 10:30] = True
    Image.fromarray(np.where(truth, 255, 0).astype(np.uint8)).convert(mask_mode).save(
        masks / f"{stem}.png")
    return truth


def test_duts_layout(tmp_path):
    te = tmp_path / "DUTS-TE"
    truth = _write_pair(te / "DUTS-TE-Image", te / "DUTS-TE-Mask", "ILSVRC_1", suffix=".jpg")
    _write_pair(te / "DUTS-TE-Image", te / "DUTS-TE-Mask", "ILSVRC_2", suffix=".jpg")
    data = bgcut.folder_dataset(tmp_path)
    assert data.names == ["ILSVRC_1", "ILSVRC_2"]
    name, image, mask = data[0]
    assert name == "ILSVRC_1" and image.shape == (30, 40, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(mask, truth)


def test_images_and_masks_layout_found_below_root(tmp_path):
    root = tmp_path / "download" / "v1"
    truth = _write_pair(root / "images", root / "masks", "a")
    data = bgcut.folder_dataset(tmp_path)
    assert len(data) == 1
    np.testing.assert_array_equal(data[0].mask, truth)


@pytest.mark.parametrize("mode", ["L", "1", "RGB", "P"], ids=["grey", "1-bit", "rgb", "palette"])
def test_mask_formats_are_read_as_grey_above_127(tmp_path, mode):
    truth = _write_pair(tmp_path / "images", tmp_path / "masks", "a", mask_mode=mode)
    np.testing.assert_array_equal(bgcut.folder_dataset(tmp_path)[0].mask, truth)


def test_soft_mask_threshold(tmp_path):
    path = tmp_path / "soft.png"
    Image.fromarray(np.array([[0, 127, 128, 255]], np.uint8)).save(path)
    np.testing.assert_array_equal(bgcut.read_mask(path), [[False, False, True, True]])


def test_unmatched_files_are_reported_not_paired(tmp_path):
    for stem in ("a", "b"):
        _write_pair(tmp_path / "images", tmp_path / "masks", stem)
    (tmp_path / "masks" / "b.png").rename(tmp_path / "masks" / "c.png")
    (tmp_path / "masks" / "notes.txt").write_text("not an image")
    with pytest.warns(UserWarning, match="1 images without mask and 1 masks without image"):
        data = bgcut.folder_dataset(tmp_path)
    assert data.names == ["a"]
    assert data.unmatched == {"images": ["b"], "masks": ["c"]}


def test_several_files_of_one_name_are_named_in_a_warning(tmp_path):
    _write_pair(tmp_path / "images", tmp_path / "masks", "a")
    _write_pair(tmp_path / "images", tmp_path / "masks", "b")  # images/b.png, 40 x 30
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "images" / "b.jpg")
    with pytest.warns(UserWarning, match=r"1 names with several files, the last in sorted "
                                         r"order used: b\.png, not b\.jpg"):
        data = bgcut.folder_dataset(tmp_path)
    assert data.names == ["a", "b"] and data[1].image.shape == (30, 40, 3)


def test_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        bgcut.folder_dataset(tmp_path / "missing")
    with pytest.raises(ValueError, match="no DUTS-TE-Image"):
        bgcut.folder_dataset(tmp_path)


def test_open_dataset_prefers_the_given_folder(tmp_path, monkeypatch):
    _write_pair(tmp_path / "images", tmp_path / "masks", "a")
    monkeypatch.delenv("DUTS_DIR", raising=False)
    data = bgcut.open_dataset(tmp_path)
    assert len(data) == 1 and data.reason == "local folder given"
    monkeypatch.setenv("DUTS_DIR", str(tmp_path))
    data = bgcut.open_dataset()
    assert len(data) == 1 and data.reason == "local folder from DUTS_DIR"
    # A folder given as argument wins over DUTS_DIR, and says so.
    other = tmp_path / "other"
    _write_pair(other / "images", other / "masks", "b")
    data = bgcut.open_dataset(other)
    assert data.names == ["b"] and data.reason == "local folder given"


@pytest.mark.parametrize("error, reason", [
    (ConnectionError("Failed to resolve 'api.kaggle.com'"),
     "ConnectionError: Failed to resolve 'api.kaggle.com'"),
    (kagglehub.exceptions.UnauthenticatedError("no credentials\nsecond line"),
     "UnauthenticatedError: no credentials"),
    (OSError("word " * 40), "OSError: " + ("word " * 20).strip() + " ..."),
], ids=["offline", "credentials", "long-message"])
def test_open_dataset_falls_back_to_demo_when_download_fails(monkeypatch, error, reason):
    def failing(handle):
        assert handle == KAGGLE_DATASET
        raise error

    monkeypatch.setattr(kagglehub, "dataset_download", failing)
    data = bgcut.open_dataset(download=True)
    assert data.source == "demo" and data.reason == f"kagglehub failed: {reason}"


def test_open_dataset_does_not_hide_a_bug(monkeypatch):
    def buggy(handle):
        raise TypeError("a bug, not a failed download")

    monkeypatch.setattr(kagglehub, "dataset_download", buggy)
    with pytest.raises(TypeError, match="a bug"):
        bgcut.open_dataset(download=True)


def test_open_dataset_uses_the_download(tmp_path, monkeypatch):
    _write_pair(tmp_path / "DUTS-TE" / "DUTS-TE-Image", tmp_path / "DUTS-TE" / "DUTS-TE-Mask",
                "x")
    monkeypatch.setattr(kagglehub, "dataset_download", lambda handle: str(tmp_path))
    data = bgcut.open_dataset(download=True)
    assert data.source == f"kaggle:{KAGGLE_DATASET}" and data.names == ["x"]


def test_open_dataset_calls_a_given_download(tmp_path, monkeypatch):
    _write_pair(tmp_path / "DUTS-TE" / "DUTS-TE-Image", tmp_path / "DUTS-TE" / "DUTS-TE-Mask",
                "y")
    monkeypatch.delenv("DUTS_DIR", raising=False)
    monkeypatch.setenv("DUTS_DOWNLOAD", "1")
    data = bgcut.open_dataset(download=lambda: str(tmp_path))
    assert data.source == f"kaggle:{KAGGLE_DATASET}" and data.names == ["y"]
    monkeypatch.setenv("DUTS_DOWNLOAD", "0")  # says whether, for a function too
    data = bgcut.open_dataset(download=lambda: str(tmp_path))
    assert data.source == "demo" and data.reason == "download turned off"
    monkeypatch.setenv("DUTS_DOWNLOAD", "1")

    def offline():
        raise ConnectionError("no network")

    data = bgcut.open_dataset(download=offline)
    assert data.source == "demo" and data.reason == "kagglehub failed: ConnectionError: no network"
    with pytest.raises(TypeError, match="download must be True, False or a function, got 'yes'"):
        bgcut.open_dataset(download="yes")


def test_open_dataset_without_download():
    data = bgcut.open_dataset(download=False)
    assert data.source == "demo" and data.reason == "download turned off"


def test_demo_set_is_deterministic_with_exact_masks():
    data = bgcut.demo_dataset()
    assert 24 <= len(data) <= 48
    for i in (0, 17, len(data) - 1):
        a, b = data[i], data[i]
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.mask, b.mask)
    for name, image, mask in data:
        assert image.shape == (240, 320, 3) and image.dtype == np.uint8, name
        assert mask.shape == (240, 320) and 0.03 < mask.mean() < 0.5, name
    # Exact masks: on a plain background every foreground pixel differs from it.
    _, image, mask = data[0]
    background = image[~mask]
    assert (background == background[0]).all()
    assert not (image[mask] == background[0]).all(axis=1).any()


def test_demo_scene_names():
    assert bgcut.demo_dataset().names == demo.NAMES
    with pytest.raises(ValueError, match="name must be one of the demo scenes"):
        demo.scene("99-cube-plain")


def test_demo_set_goes_from_plain_to_cluttered():
    data = bgcut.demo_dataset()
    levels = [bgcut.background_complexity(*data[i][1:]) for i in range(6)]
    assert levels[0] < levels[2] < levels[4]
    assert levels[0] < 0.01 and min(levels[4:]) > 2


def test_real_duts_sample(shared_data):
    data = bgcut.folder_dataset(shared_data / "DUTS")
    assert len(data) == 3 and data.unmatched == {"images": [], "masks": []}
    for name, image, mask in data:
        assert image.shape[:2] == mask.shape and image.dtype == np.uint8, name
        assert 0.01 < mask.mean() < 0.99, name


def test_sample_is_fixed_by_the_seed_and_keeps_the_order():
    data = bgcut.demo_dataset()
    picked = data.sample(10, rng=3)
    assert len(picked) == 10 and picked.names == data.sample(10, rng=3).names
    assert picked.names == [n for n in data.names if n in set(picked.names)]
    assert picked.names != data.sample(10, rng=4).names
    assert picked[0].name == picked.names[0] and picked.source == data.source
    assert data.sample(1000) is data
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 0"):
        data.sample(0)
