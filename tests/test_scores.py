"""IoU, precision, recall and the complexity score."""

import numpy as np
import pandas as pd
import pytest

import kmeans_utils as ku


def test_iou_hand_computed():
    assert ku.iou([[1, 1, 0, 0]], [[0, 1, 1, 0]]) == pytest.approx(1 / 3)
    assert ku.iou([[1, 1]], [[1, 1]]) == 1.0
    assert ku.iou([[1, 0]], [[0, 1]]) == 0.0


def test_iou_of_two_empty_masks_is_one():
    empty = np.zeros((3, 3), bool)
    assert ku.iou(empty, empty) == 1.0
    assert ku.iou(empty, ~empty) == 0.0


def test_mask_scores():
    pred = np.array([[1, 1, 1, 0]], bool)
    truth = np.array([[0, 1, 1, 1]], bool)
    assert ku.mask_scores(pred, truth) == pytest.approx(
        {"iou": 0.5, "precision": 2 / 3, "recall": 2 / 3})
    empty = np.zeros((1, 4), bool)
    assert ku.mask_scores(empty, truth) == {"iou": 0.0, "precision": 0.0, "recall": 0.0}
    assert ku.mask_scores(pred, empty) == {"iou": 0.0, "precision": 0.0, "recall": 0.0}
    assert ku.mask_scores(empty, empty) == {"iou": 1.0, "precision": 1.0, "recall": 1.0}


@pytest.mark.parametrize("pred, truth, match", [
    (np.zeros((2, 2), bool), np.zeros((2, 3), bool), r"same shape, got \(2, 2\) and \(2, 3\)"),
    (np.zeros(4, bool), np.zeros(4, bool), "must be 2-D"),
    (np.full((2, 2), 0.5), np.zeros((2, 2), bool), "boolean mask"),
], ids=["shapes", "1-D", "soft"])
def test_scores_reject_bad_masks(pred, truth, match):
    with pytest.raises(ValueError, match=match):
        ku.iou(pred, truth)


def test_complexity_orders_plain_noise_and_texture():
    data = ku.demo_dataset()
    plain, noise, texture = (ku.background_complexity(*data[i][1:]) for i in (0, 2, 4))
    assert plain < 0.01 < noise < texture


def test_complexity_without_mask_uses_the_border():
    flat = np.full((80, 80, 3), 100, np.uint8)
    flat[30:50, 30:50] = 250  # the object is away from the border
    assert ku.background_complexity(flat) == 0.0
    with pytest.raises(ValueError, match="mask must have the image's shape"):
        ku.background_complexity(flat, np.zeros((3, 3), bool))


def test_summarize_counts_failures_apart():
    scores = pd.DataFrame({"iou": [0.2, 0.6, 0.8, np.nan], "error": ["", "", "", "bad"]})
    stats = ku.summarize(scores)
    assert stats["images"] == 3 and stats["failed"] == 1
    assert stats["mean"] == pytest.approx(1.6 / 3)
    assert stats["median"] == pytest.approx(0.6)
    assert stats["share >= 0.5"] == pytest.approx(2 / 3)
    assert stats["share >= 0.7"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="'iou' column"):
        ku.summarize(pd.DataFrame({"x": [1]}))
