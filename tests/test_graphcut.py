"""The K-means graph cut and colour models on synthetic images with known answers."""

import numpy as np
import pytest
from skimage import color

from bgcut.colour_models import ColourModels, fit_colour_models
from bgcut.graphcut import contrast_weights, cut


def two_halves(h=30, w=40, edge=23):
    """Dark blue left of column `edge`, light yellow right of it, in CIELAB."""
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[:, :edge] = (20, 30, 120)
    rgb[:, edge:] = (230, 220, 120)
    return color.rgb2lab(rgb)


def test_contrast_weights_hand_computed():
    lab = np.zeros((2, 3, 3))
    lab[:, 2, 0] = 2.0  # one edge of |dLab|^2 = 4 per row, across
    right, down = contrast_weights(lab, smoothness=5.0)
    # Mean squared difference over the 7 pairs: (4 + 4) / 7; beta = 7 / 16.
    beta = 7 / 16
    np.testing.assert_allclose(right, [[5, 5 * np.exp(-4 * beta), 0]] * 2)
    np.testing.assert_allclose(down, [[5, 5, 5], [0, 0, 0]])


def test_cut_follows_the_colour_edge():
    """A weak, noisy unary everywhere; the contrast term puts the cut on the edge."""
    lab = two_halves()
    rng = np.random.default_rng(0)
    columns = np.arange(40)[None, :]
    # Foreground probability drifts from 0.7 to 0.3 across the image, crossing
    # 0.5 at column 20 -- three columns left of the colour edge -- with noise.
    p = np.clip(0.7 - 0.4 * columns / 40 + rng.normal(0, 0.1, (30, 40)), 0.01, 0.99)
    right, down = contrast_weights(lab, smoothness=2.0)
    mask = cut(p, right, down)
    expected = np.zeros((30, 40), bool)
    expected[:, :23] = True
    np.testing.assert_array_equal(mask, expected)
    assert not np.array_equal(p > 0.5, expected)  # the unary alone gets it wrong


def test_cut_without_smoothness_is_the_unary_decision():
    p = np.random.default_rng(1).random((10, 12))
    right, down = contrast_weights(two_halves(10, 12, 6), smoothness=0.0)
    np.testing.assert_array_equal(cut(p, right, down), p > 0.5)


def test_colour_models_score_their_own_centres():
    fg = np.array([[50.0, 60, 40], [52, 58, 42]])
    bg = np.array([[90.0, 0, 0], [20, 0, 0], [60, -40, 30]])
    models = fit_colour_models((fg, [3, 1]), (bg, [1, 1, 1]), k=1, rng=0)
    np.testing.assert_allclose(models.foreground, [[50.5, 59.5, 40.5]])
    assert len(models.background) == 2  # 2 k clusters for the background
    likeness = models.likeness(np.r_[models.foreground, models.background])
    np.testing.assert_allclose(likeness, [1, 0, 0], atol=1e-6)
    assert isinstance(models, ColourModels)


@pytest.mark.parametrize("call, match", [
    (lambda: cut(np.full((3, 3), 1.5), np.zeros((3, 3)), np.zeros((3, 3))), r"\[0, 1\]"),
    (lambda: cut(np.zeros((3, 3)), np.zeros((2, 3)), np.zeros((3, 3))), "right and down"),
    (lambda: contrast_weights(np.zeros((3, 3))), r"\(H, W, 3\)"),
    (lambda: contrast_weights(np.zeros((3, 3, 3)), smoothness=-1), "smoothness"),
    (lambda: fit_colour_models((np.zeros((2, 3)), [0, 0]), (np.zeros((2, 3)), [1, 1])),
     "weight > 0"),
], ids=["probability", "shapes", "lab", "smoothness", "empty-model"])
def test_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
