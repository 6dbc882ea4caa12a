"""remove_background and its building blocks on synthetic images with known answers."""

import warnings

import numpy as np
import pytest
from conftest import red_square_scene

import kmeans_utils as ku


@pytest.mark.parametrize("method", sorted(ku.METHODS))
def test_red_square_on_noisy_grey(method):
    image, truth = red_square_scene()
    original = image.copy()
    cutout, mask = ku.remove_background(image, method=method)
    assert cutout.shape == (120, 160, 4) and cutout.dtype == np.uint8
    assert mask.shape == (120, 160) and mask.dtype == bool
    np.testing.assert_array_equal(cutout[..., 3], np.where(mask, 255, 0))
    np.testing.assert_array_equal(cutout[..., :3], image)
    assert ku.iou(mask, truth) >= 0.95
    again = ku.remove_background(image, method=method)
    np.testing.assert_array_equal(again.mask, mask)
    np.testing.assert_array_equal(again.cutout, cutout)
    np.testing.assert_array_equal(image, original)


@pytest.mark.parametrize("method", sorted(ku.METHODS))
def test_same_seed_same_mask_on_a_harder_scene(method):
    image, _ = ku.demo_dataset()[5][1:]
    a = ku.remove_background(image, method=method, rng=3).mask
    b = ku.remove_background(image, method=method, rng=3).mask
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("method", sorted(ku.METHODS))
def test_large_image_is_processed_at_working_resolution(method):
    image, truth = red_square_scene(shape=(600, 800), half=120)
    mask = ku.remove_background(image, method=method, max_side=200).mask
    assert mask.shape == truth.shape
    assert ku.iou(mask, truth) >= 0.95


def test_seed_method_matches_its_steps():
    """The pipeline equals rescale -> distinct colours -> LAB -> Kmeans -> border rule."""
    from skimage import color

    image = ku.demo_dataset()[9].image
    small = ku.rescale(image, 160)
    colors, index, counts = ku.distinct_colors(small)
    _, labels = ku.Kmeans(color.rgb2lab(colors), 3, rng=0, weights=counts)
    label_map = labels[index]
    background = ku.background_clusters(ku.border_counts(label_map, 3))
    expected = ~background[label_map]
    np.testing.assert_array_equal(ku.remove_background(small, method="seed", rng=0).mask,
                                  expected)


def test_border_counts_hand_computed():
    labels = np.array([[0, 0, 1, 1],
                       [2, 2, 2, 1],
                       [2, 0, 0, 1]])
    # Frame of width 1: all but the two middle pixels (2, 2) of row 1.
    np.testing.assert_array_equal(ku.border_counts(labels), [4, 4, 2])
    np.testing.assert_array_equal(ku.border_counts(labels, 5), [4, 4, 2, 0, 0])
    np.testing.assert_array_equal(ku.border_counts(labels, width=2), [4, 4, 4])


def test_border_counts_counts_each_border_pixel_once():
    labels = np.zeros((7, 9), int)
    assert ku.border_counts(labels, 1).sum() == 7 * 9 - 5 * 7
    assert ku.border_counts(labels, 1, width=2).sum() == 7 * 9 - 3 * 5


@pytest.mark.parametrize("counts, share, expected", [
    ([70, 2, 28], 0.25, [True, False, True]),
    ([70, 2, 28], 0.5, [True, False, False]),
    ([10, 45, 45], 0.5, [False, True, False]),  # a tie: the first largest
    ([0, 0, 5], 1.0, [False, False, True]),
], ids=["two-large", "share-0.5", "tie", "one"])
def test_background_clusters(counts, share, expected):
    np.testing.assert_array_equal(ku.background_clusters(counts, share=share), expected)


@pytest.mark.parametrize("call, match", [
    (lambda: ku.border_counts(np.zeros((3, 3)), 1), "integer array"),
    (lambda: ku.border_counts(np.full((3, 3), 3), 2), r"\[0, 1\], got \[3, 3\]"),
    (lambda: ku.border_counts(np.zeros((3, 3), int), width=0), "width must be"),
    (lambda: ku.background_clusters([0, 0]), "positive sum"),
    (lambda: ku.background_clusters([1, 2], share=0), "share must be in"),
    (lambda: ku.rescale(np.zeros((4, 4, 3), np.uint8), 0), "max_side must be"),
], ids=["float-labels", "label-range", "width", "zero-counts", "share", "max-side"])
def test_building_blocks_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_rescale_keeps_aspect_and_small_images():
    image = np.zeros((300, 600, 3), np.uint8)
    assert ku.rescale(image, 200).shape == (100, 200, 3)
    small = np.zeros((10, 20, 3), np.uint8)
    assert ku.rescale(small, 200) is small


def test_distinct_colors_rebuild_the_image():
    image = ku.demo_dataset()[2].image
    colors, index, counts = ku.distinct_colors(image)
    np.testing.assert_array_equal(colors[index], image)
    assert counts.sum() == image.shape[0] * image.shape[1]
    assert len(np.unique(colors, axis=0)) == len(colors)


def test_composite_over_colour_and_checker():
    cutout = np.zeros((2, 2, 4), np.uint8)
    cutout[0, 0] = (10, 20, 30, 255)
    flat = ku.composite(cutout, (255, 255, 255))
    np.testing.assert_array_equal(flat[0, 0], [10, 20, 30])
    np.testing.assert_array_equal(flat[1, 1], [255, 255, 255])
    checker = ku.composite(np.zeros((16, 16, 4), np.uint8), tile=8)
    assert checker[0, 0, 0] != checker[0, 8, 0]
    with pytest.raises(ValueError, match="background must be"):
        ku.composite(cutout, "pink")


# --- What each kind of input gets -------------------------------------------

def _valid(result, shape):
    cutout, mask = result
    assert cutout.shape == shape + (4,) and cutout.dtype == np.uint8
    assert mask.shape == shape and mask.dtype == bool
    np.testing.assert_array_equal(cutout[..., 3], np.where(mask, 255, 0))


SQUARE, SQUARE_TRUTH = red_square_scene()
GOOD_INPUTS = {
    "grey-uint8": (SQUARE.mean(axis=2).astype(np.uint8), None),
    "grey-HxWx1": (SQUARE[:, :, :1], None),
    "rgba-uint8": (np.dstack([SQUARE, np.full(SQUARE.shape[:2], 255, np.uint8)]), SQUARE),
    "float-0-1": (SQUARE / 255.0, SQUARE),
    "float32": ((SQUARE / 255.0).astype(np.float32), SQUARE),
    "uint16": (SQUARE.astype(np.uint16) * 257, SQUARE),
    "bool": (SQUARE_TRUTH, None),
    "int64-in-range": (SQUARE.astype(np.int64), SQUARE),
    "nested-list": (SQUARE[:20, :30].tolist(), SQUARE[:20, :30]),
    "uniform": (np.full((50, 60, 3), 77, np.uint8), None),
    "two-colours": (np.where(SQUARE_TRUTH[:, :, None], 255, 0).astype(np.uint8), None),
    "1x1": (np.zeros((1, 1, 3), np.uint8), None),
    "2x2": (np.arange(12, dtype=np.uint8).reshape(2, 2, 3), None),
    "1x500-strip": (np.random.default_rng(0).integers(0, 256, (1, 500, 3), np.uint8), None),
}


@pytest.mark.parametrize("method", sorted(ku.METHODS))
@pytest.mark.parametrize("name", GOOD_INPUTS, ids=list(GOOD_INPUTS))
def test_unusual_input_gets_a_valid_result(name, method):
    image, rgb = GOOD_INPUTS[name]
    before = np.array(image, copy=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ku.remove_background(image, method=method)
    shape = np.shape(image)[:2]
    _valid(result, shape)
    if rgb is not None:  # the cutout carries the input's colours
        np.testing.assert_array_equal(result.cutout[..., :3], rgb)
    np.testing.assert_array_equal(np.asarray(image), before)


@pytest.mark.parametrize("method", sorted(ku.METHODS))
def test_uniform_image_has_no_foreground(method):
    image = np.full((50, 60, 3), 77, np.uint8)
    assert not ku.remove_background(image, method=method).mask.any()


@pytest.mark.parametrize("method", sorted(ku.METHODS))
def test_two_colour_image_finds_the_object(method):
    image = np.where(SQUARE_TRUTH[:, :, None], 255, 0).astype(np.uint8)
    np.testing.assert_array_equal(ku.remove_background(image, method=method).mask,
                                  SQUARE_TRUTH)


BAD_INPUTS = {
    "nan": (np.full((5, 5, 3), np.nan), ValueError, "finite"),
    "inf": (np.full((5, 5, 3), np.inf), ValueError, "finite"),
    "negative-float": (np.full((5, 5, 3), -0.5), ValueError, r"\[0, 1\], got \[-0.5"),
    "float-above-1": (np.full((5, 5, 3), 3.0), ValueError, r"\[0, 1\]"),
    "int-out-of-range": (np.full((5, 5, 3), 300), ValueError, r"\[0, 255\], got \[300"),
    "empty": (np.zeros((0, 0, 3), np.uint8), ValueError, "must not be empty"),
    "empty-width": (np.zeros((5, 0, 3), np.uint8), ValueError, "must not be empty"),
    "4-D": (np.zeros((2, 5, 5, 3), np.uint8), ValueError, r"got \(2, 5, 5, 3\)"),
    "1-D": (np.zeros(5, np.uint8), ValueError, r"got \(5,\)"),
    "5-channels": (np.zeros((5, 5, 5), np.uint8), ValueError, r"got \(5, 5, 5\)"),
    "2-channels": (np.zeros((5, 5, 2), np.uint8), ValueError, r"got \(5, 5, 2\)"),
    "string": ("photo.jpg", TypeError, "read_image"),
    "none": (None, TypeError, "dtype object"),
    "complex": (np.zeros((5, 5, 3), complex), TypeError, "complex"),
    "ragged-list": ([[1, 2], [3]], ValueError, "rectangular array, got a ragged"),
}


@pytest.mark.parametrize("method", sorted(ku.METHODS))
@pytest.mark.parametrize("name", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_raises_a_clear_error(name, method):
    image, error, match = BAD_INPUTS[name]
    with pytest.raises(error, match=match):
        ku.remove_background(image, method=method)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"method": "magic"}, ValueError, "method must be one of"),
    ({"k": 0}, ValueError, "k must be an integer >= 1, got 0"),
    ({"max_side": 0}, ValueError, "max_side must be an integer >= 1, got 0"),
    ({"method": "seed", "border_share": 2.0}, ValueError, "share must be in"),
    ({"method": "seed", "colour": 1}, TypeError, "bad option for method 'seed'"),
    ({"colour": 1}, TypeError, "bad option for method 'boundary'"),
    ({"rounds": -1}, ValueError, "rounds must be an integer >= 0, got -1"),
    ({"prior_weight": 1.5}, ValueError, r"prior_weight must be in \[0, 1\], got 1.5"),
    ({"saliency_side": 0}, ValueError, "saliency_side must be an integer >= 1"),
    ({"n_segments": 0}, ValueError, "n_segments must be an integer >= 1"),
    ({"min_component": 2}, ValueError, r"min_component must be in \[0, 1\]"),
], ids=["method", "k", "max-side", "share", "unknown-seed-option", "unknown-option",
        "rounds", "prior-weight", "saliency-side", "segments", "min-component"])
def test_bad_options_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        ku.remove_background(SQUARE, **kwargs)


@pytest.mark.parametrize("method", sorted(ku.METHODS))
def test_photo_sized_input_keeps_its_size(method):
    image = np.zeros((3000, 4000, 3), np.uint8)
    image[1000:2000, 1500:2500] = (220, 40, 40)
    cutout, mask = ku.remove_background(image, method=method)
    assert cutout.shape == (3000, 4000, 4) and mask.shape == (3000, 4000)
    assert mask[1000:2000, 1500:2500].all() and mask.sum() == 1000 * 1000
