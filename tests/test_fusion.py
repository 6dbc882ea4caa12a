"""The learned fusion: numpy trees, calibration, training rows and the committed model."""

import importlib
from pathlib import Path

import numpy as np
import pytest
from conftest import red_square_scene
from sklearn.ensemble import HistGradientBoostingRegressor

from benchmarks.training import training_rows, trees_from_model
from bgcut import fusion

TRAIN_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "train.py"


def test_numpy_trees_equal_scikit_learn_predict(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 4))
    y = np.sin(3 * X[:, 0]) + (X[:, 1] > 0.3) - X[:, 2] * X[:, 3]
    model = HistGradientBoostingRegressor(max_iter=30, max_leaf_nodes=8, random_state=0)
    model.fit(X, y)
    trees = trees_from_model(model, "abcd")
    fresh = rng.normal(size=(300, 4)) * 2
    np.testing.assert_allclose(trees.predict(fresh), model.predict(fresh), rtol=1e-12)
    np.testing.assert_allclose(trees.predict(X[:5]), model.predict(X[:5]), rtol=1e-12)
    trees.save(tmp_path / "trees.npz")
    again = fusion.Trees.load(tmp_path / "trees.npz")
    np.testing.assert_array_equal(again.predict(fresh), trees.predict(fresh))
    assert again.features == ("a", "b", "c", "d") and again.depth == trees.depth


def test_trees_check_their_input():
    trees = fusion.default_trees()
    with pytest.raises(ValueError, match=rf"X must have shape \(n, {len(fusion.FEATURES)}\)"):
        trees.predict(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="finite"):
        trees.predict(np.full((1, len(fusion.FEATURES)), np.nan))


def test_the_committed_model_is_small_and_matches_the_features():
    trees = fusion.default_trees()
    assert trees.features == fusion.FEATURES
    assert fusion.MODEL_FILE.stat().st_size < 200_000
    assert len(trees.roots) >= 50


def test_calibrate_centres_on_the_otsu_split():
    p = np.array([0.1, 0.2, 0.3, 0.6, 0.7])
    out = fusion.calibrate(p, np.ones(5))
    assert (np.diff(out) > 0).all() and out[2] < 0.5 < out[3]
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-5 * (p - 0.45))))
    assert fusion.calibrate(np.full(3, 0.4), np.ones(3)).tolist() == [0.5] * 3


def test_training_rows_of_the_red_square():
    image, truth = red_square_scene()
    X, y, weight = training_rows(image, truth)
    assert X.shape == (len(y), len(fusion.FEATURES)) == (len(weight), len(fusion.FEATURES))
    np.testing.assert_allclose(weight.sum(), 1)
    assert ((y >= 0) & (y <= 1)).all()
    # The square covers 2500 of 19200 pixels; the weighted targets add up to that share.
    np.testing.assert_allclose((y * weight).sum(), truth.mean(), atol=0.01)
    assert (y > 0.9).sum() >= 5 and (y < 0.1).sum() >= 100
    with pytest.raises(ValueError, match=r"mask must have shape \(120, 160\), got \(10, 10\)"):
        training_rows(image, np.zeros((10, 10), bool))


def test_retraining_reproduces_the_committed_model(shared_data, tmp_path, monkeypatch):
    # On the path, so that worker processes can import the script's task by name.
    monkeypatch.syspath_prepend(str(TRAIN_SCRIPT.parent))
    train = importlib.import_module("train")
    trees, _ = train.build(shared_data, tmp_path / "fusion.npz")
    committed = fusion.default_trees()
    for name in ("feature", "left", "right", "roots"):
        np.testing.assert_array_equal(getattr(trees, name), getattr(committed, name), name)
    np.testing.assert_allclose(trees.threshold, committed.threshold, rtol=1e-9)
    # The same splits everywhere; the leaf values (shares of a mask, 0 to 1) agree to
    # about 1e-7 across processors (float rounding of the features differs between an
    # AMD and an Intel machine, measured), and bit for bit on one machine.
    np.testing.assert_allclose(trees.value, committed.value, rtol=0, atol=1e-6)
    assert trees.features == committed.features
