"""Edges at the input's resolution: the boundary band decided by colour."""

import numpy as np
import pytest
from skimage import color, draw

import kmeans_utils as ku
from bgcut.edges import refine_edges
from bgcut.colour_models import fit_colour_models


def disk_photo(shape=(1200, 1600), radius=400):
    """A red disk on grey at full resolution, and its exact mask."""
    truth = np.zeros(shape, bool)
    truth[draw.disk((shape[0] / 2, shape[1] / 2), radius, shape=shape)] = True
    image = np.where(truth[:, :, None], np.uint8([200, 30, 30]), np.uint8([120, 120, 120]))
    return image.astype(np.uint8), truth


def models_of(image, truth):
    step = max(1, image.shape[0] // 30)
    lab = color.rgb2lab(image[::step, ::step]).reshape(-1, 3)
    inside = truth[::step, ::step].ravel()
    return fit_colour_models((lab, inside), (lab, ~inside), k=1, rng=0)


def test_refined_edges_follow_the_photo_not_the_working_grid():
    image, truth = disk_photo()
    small = ku.resize_mask(truth, (120, 160))  # a mask decided at 160 px
    coarse = ku.resize_mask(small, truth.shape)
    refined = refine_edges(image, small, models_of(image, truth))
    assert (coarse != truth).sum() > 3000  # the stair steps of a 10x enlargement
    assert (refined != truth).sum() == 0


def test_nothing_to_refine():
    image, truth = disk_photo((60, 80), 20)
    small = ku.resize_mask(truth, (40, 50))
    models = models_of(image, truth)
    # No models, or a mask at the image's own size: the nearest-neighbour enlargement.
    np.testing.assert_array_equal(refine_edges(image, small, None),
                                  ku.resize_mask(small, (60, 80)))
    np.testing.assert_array_equal(refine_edges(image, truth, models), truth)
    empty = np.zeros((6, 8), bool)
    assert not refine_edges(image, empty, models).any()


def test_an_enlargement_under_2x_is_refined_too():
    image, truth = disk_photo((300, 400), 100)
    small = ku.resize_mask(truth, (200, 267))  # 1.5x smaller
    coarse = ku.resize_mask(small, truth.shape)
    refined = refine_edges(image, small, models_of(image, truth))
    assert (coarse != truth).sum() > 50
    assert (refined != truth).sum() < (coarse != truth).sum() / 10


def test_rejects_bad_options():
    image, truth = disk_photo((60, 80), 20)
    with pytest.raises(ValueError, match="band must be an integer >= 1"):
        refine_edges(image, truth[::10, ::10], None, band=0)
    with pytest.raises(ValueError, match="prior_weight"):
        refine_edges(image, truth[::10, ::10], None, prior_weight=2)
