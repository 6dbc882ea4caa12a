"""Scores, background complexity, evaluate over datasets (serial, processes, Dask)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import bgcut
from bgcut.evaluation import COLUMNS


def test_mask_scores():
    pred = np.array([[1, 1, 0, 0]], bool)
    truth = np.array([[0, 1, 1, 1]], bool)
    scores = bgcut.mask_scores(pred, truth)
    assert scores == pytest.approx({"iou": 0.25, "precision": 0.5, "recall": 1 / 3})
    empty = np.zeros((2, 2), bool)
    assert bgcut.mask_scores(empty, empty) == {"iou": 1.0, "precision": 1.0, "recall": 1.0}
    assert bgcut.mask_scores(empty, ~empty) == {"iou": 0.0, "precision": 0.0, "recall": 0.0}
    assert bgcut.mask_scores(~empty, empty) == {"iou": 0.0, "precision": 0.0, "recall": 0.0}
    with pytest.raises(ValueError, match="same shape"):
        bgcut.mask_scores(empty, np.zeros((3, 3), bool))


def test_complexity_orders_plain_noise_and_texture():
    data = bgcut.demo_dataset()
    plain, noise, texture = (bgcut.background_complexity(*data[i][1:]) for i in (0, 2, 4))
    assert plain < 0.01 < noise < texture


def test_complexity_without_mask_uses_the_border():
    flat = np.full((80, 80, 3), 100, np.uint8)
    flat[30:50, 30:50] = 250  # the object is away from the border
    assert bgcut.background_complexity(flat) == 0.0
    with pytest.raises(ValueError, match="mask must have the image's shape"):
        bgcut.background_complexity(flat, np.zeros((3, 3), bool))


def test_summarize_counts_failures_apart():
    scores = pd.DataFrame({"iou": [0.2, 0.6, 0.8, np.nan], "error": ["", "", "", "bad"]})
    stats = bgcut.summarize(scores)
    assert stats["images"] == 3 and stats["failed"] == 1
    assert stats["mean"] == pytest.approx(1.6 / 3)
    assert stats["median"] == pytest.approx(0.6)
    assert stats["share >= 0.5"] == pytest.approx(2 / 3)
    assert stats["share >= 0.7"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="'iou' and 'error' columns"):
        bgcut.summarize(pd.DataFrame({"x": [1]}))


def _folder_with_a_bad_file(root):
    rng = np.random.default_rng(0)
    for stem in ("a", "b"):
        for sub in ("images", "masks"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (30, 40, 3), np.uint8)).save(
            root / "images" / f"{stem}.png")
        Image.fromarray(np.full((30, 40), 255, np.uint8)).save(root / "masks" / f"{stem}.png")
    (root / "images" / "b.png").write_bytes(b"not a png")
    return bgcut.folder_dataset(root)


def test_evaluate_rows_and_bad_files(tmp_path):
    scores = bgcut.evaluate(_folder_with_a_bad_file(tmp_path), progress=False, workers=1)
    assert list(scores.columns) == COLUMNS
    assert scores.name.tolist() == ["a", "b"]
    assert scores.error[0] == "" and 0 <= scores.iou[0] <= 1
    assert scores.error[1].startswith("UnidentifiedImageError")
    assert np.isnan(scores.iou[1])


def _six_scenes():
    data = bgcut.demo_dataset()
    data.names = data.names[:6]
    return data


def test_evaluate_in_parallel_gives_the_same_table():
    data = _six_scenes()
    serial = bgcut.evaluate(data, progress=False, workers=1)
    assert serial.attrs["images_per_second"] > 0
    processes = bgcut.evaluate(data, progress=False, workers=2)
    with ThreadPoolExecutor(2) as pool:
        threads = bgcut.evaluate(data, progress=False, executor=pool)
    for table in (processes, threads):
        assert serial.drop(columns="seconds").equals(table.drop(columns="seconds"))


def test_evaluate_on_a_dask_cluster():
    """The executor hook on a real distributed engine: Dask's scheduler and workers."""
    distributed = pytest.importorskip("distributed")
    data = _six_scenes()
    serial = bgcut.evaluate(data, progress=False, workers=1, method="seed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_cluster = bgcut.evaluate(data, progress=False, executor=client.get_executor(),
                                    method="seed")
        assert len(client.scheduler_info()["workers"]) == 2
    assert serial.drop(columns="seconds").equals(on_cluster.drop(columns="seconds"))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"workers": 0}, ValueError, "workers must be an integer >= 1, got 0"),
    ({"method": "magic"}, ValueError, "method must be one of"),
    ({"settings": {"rounds": 1}}, TypeError, "settings must be a bgcut.Settings"),
    ({"method": "seed", "settings": bgcut.FAST}, ValueError, "not those of method 'seed'"),
], ids=["workers", "method", "settings", "settings-of-another-method"])
def test_evaluate_checks_options_before_the_first_image(kwargs, error, match):
    with pytest.raises(error, match=match):
        bgcut.evaluate(_six_scenes(), progress=False, **kwargs)


def test_evaluate_rejects_non_datasets():
    with pytest.raises(TypeError, match="dataset must be a Dataset, got list"):
        bgcut.evaluate([1, 2])


def test_real_duts_sample_is_scored(shared_data):
    scores = bgcut.evaluate(bgcut.folder_dataset(shared_data / "DUTS"), progress=False,
                            workers=1)
    assert (scores.error == "").all()
    assert scores.iou.between(0, 1).all() and scores.foreground.between(0.01, 0.99).all()
