"""Dataset access (both folder layouts, fallbacks), the demo set and batch evaluation."""

import sys
import types

import numpy as np
import pytest
from PIL import Image

import kmeans_utils as ku


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
    data = ku.folder_dataset(tmp_path)
    assert data.names == ["ILSVRC_1", "ILSVRC_2"]
    name, image, mask = data[0]
    assert name == "ILSVRC_1" and image.shape == (30, 40, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(mask, truth)


def test_images_and_masks_layout_found_below_root(tmp_path):
    root = tmp_path / "download" / "v1"
    truth = _write_pair(root / "images", root / "masks", "a")
    data = ku.folder_dataset(tmp_path)
    assert len(data) == 1
    np.testing.assert_array_equal(data[0].mask, truth)


@pytest.mark.parametrize("mode", ["L", "1", "RGB", "P"], ids=["grey", "1-bit", "rgb", "palette"])
def test_mask_formats_are_read_as_grey_above_127(tmp_path, mode):
    truth = _write_pair(tmp_path / "images", tmp_path / "masks", "a", mask_mode=mode)
    np.testing.assert_array_equal(ku.folder_dataset(tmp_path)[0].mask, truth)


def test_soft_mask_threshold(tmp_path):
    path = tmp_path / "soft.png"
    Image.fromarray(np.array([[0, 127, 128, 255]], np.uint8)).save(path)
    np.testing.assert_array_equal(ku.read_mask(path), [[False, False, True, True]])


def test_unmatched_files_are_reported_not_paired(tmp_path):
    for stem in ("a", "b"):
        _write_pair(tmp_path / "images", tmp_path / "masks", stem)
    (tmp_path / "masks" / "b.png").rename(tmp_path / "masks" / "c.png")
    (tmp_path / "masks" / "notes.txt").write_text("not an image")
    with pytest.warns(UserWarning, match="1 images without mask and 1 masks without image"):
        data = ku.folder_dataset(tmp_path)
    assert data.names == ["a"]
    assert data.unmatched == {"images": ["b"], "masks": ["c"]}


def test_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        ku.folder_dataset(tmp_path / "missing")
    with pytest.raises(ValueError, match="no DUTS-TE-Image"):
        ku.folder_dataset(tmp_path)


def test_open_dataset_prefers_the_given_folder(tmp_path, monkeypatch):
    _write_pair(tmp_path / "images", tmp_path / "masks", "a")
    monkeypatch.delenv("DUTS_DIR", raising=False)
    data = ku.open_dataset(tmp_path)
    assert len(data) == 1 and data.reason == "local folder given"
    monkeypatch.setenv("DUTS_DIR", str(tmp_path))
    data = ku.open_dataset()
    assert len(data) == 1 and data.reason == "local folder from DUTS_DIR"


def test_open_dataset_falls_back_to_demo_when_download_fails(monkeypatch):
    def offline(handle):
        assert handle == ku.KAGGLE_DATASET
        raise ConnectionError("Failed to resolve 'api.kaggle.com'")

    monkeypatch.setitem(sys.modules, "kagglehub",
                        types.SimpleNamespace(dataset_download=offline))
    data = ku.open_dataset(download=True)
    assert data.source == "demo"
    assert data.reason == "kagglehub failed: ConnectionError: Failed to resolve 'api.kaggle.com'"


def test_open_dataset_uses_the_download(tmp_path, monkeypatch):
    _write_pair(tmp_path / "DUTS-TE" / "DUTS-TE-Image", tmp_path / "DUTS-TE" / "DUTS-TE-Mask",
                "x")
    monkeypatch.setitem(sys.modules, "kagglehub",
                        types.SimpleNamespace(dataset_download=lambda handle: str(tmp_path)))
    data = ku.open_dataset(download=True)
    assert data.source == f"kaggle:{ku.KAGGLE_DATASET}" and data.names == ["x"]


def test_open_dataset_without_download():
    data = ku.open_dataset(download=False)
    assert data.source == "demo" and data.reason == "download turned off"


def test_demo_set_is_deterministic_with_exact_masks():
    data = ku.demo_dataset()
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


def test_demo_set_goes_from_plain_to_cluttered():
    data = ku.demo_dataset()
    levels = [ku.background_complexity(*data[i][1:]) for i in range(6)]
    assert levels[0] < levels[2] < levels[4]
    assert levels[0] < 0.01 and min(levels[4:]) > 2


def test_evaluate_rows_and_bad_files(tmp_path):
    for stem in ("a", "b"):
        _write_pair(tmp_path / "images", tmp_path / "masks", stem)
    (tmp_path / "images" / "b.png").write_bytes(b"not a png")
    scores = ku.evaluate(ku.folder_dataset(tmp_path), progress=False)
    assert list(scores.columns) == ku.COLUMNS
    assert scores.name.tolist() == ["a", "b"]
    assert scores.error[0] == "" and 0 <= scores.iou[0] <= 1
    assert scores.error[1].startswith("UnidentifiedImageError")
    assert np.isnan(scores.iou[1])


def test_evaluate_in_parallel_gives_the_same_table():
    from concurrent.futures import ThreadPoolExecutor

    data = ku.demo_dataset()
    data.names = data.names[:6]
    serial = ku.evaluate(data, progress=False, workers=1)
    assert serial.attrs["workers"] == 1 and serial.attrs["images_per_second"] > 0
    processes = ku.evaluate(data, progress=False, workers=2)
    assert processes.attrs["workers"] == 2
    with ThreadPoolExecutor(2) as pool:
        threads = ku.evaluate(data, progress=False, executor=pool)
    for table in (processes, threads):
        assert serial.drop(columns="seconds").equals(table.drop(columns="seconds"))
    with pytest.raises(ValueError, match="workers must be an integer >= 1, got 0"):
        ku.evaluate(data, workers=0)


def test_evaluate_rejects_non_datasets():
    with pytest.raises(TypeError, match="dataset must be a Dataset, got list"):
        ku.evaluate([1, 2])


def test_real_duts_sample(shared_data):
    data = ku.folder_dataset(shared_data / "DUTS")
    assert len(data) == 3 and data.unmatched == {"images": [], "masks": []}
    scores = ku.evaluate(data, progress=False)
    assert (scores.error == "").all()
    assert scores.iou.between(0, 1).all() and scores.foreground.between(0.01, 0.99).all()
