"""What each kind of input gets, from the course method and from bgcut alike."""

import warnings

import numpy as np
import pytest
from conftest import red_square_scene

import bgcut
import kmeans_utils as ku

REMOVERS = {"kmeans_utils": ku.remove_background, "bgcut": bgcut.remove_background}


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
    "uint16-big-endian": ((SQUARE.astype(np.uint16) * 257).astype(">u2"), SQUARE),
    "bool": (SQUARE_TRUTH, None),
    "int64-in-range": (SQUARE.astype(np.int64), SQUARE),
    "nested-list": (SQUARE[:20, :30].tolist(), SQUARE[:20, :30]),
    "read-only": (np.require(SQUARE, requirements="C").copy().view(), SQUARE),
    "uniform": (np.full((50, 60, 3), 77, np.uint8), None),
    "two-colours": (np.where(SQUARE_TRUTH[:, :, None], 255, 0).astype(np.uint8), None),
    "1x1": (np.zeros((1, 1, 3), np.uint8), None),
    "2x2": (np.arange(12, dtype=np.uint8).reshape(2, 2, 3), None),
    "1x500-strip": (np.random.default_rng(0).integers(0, 256, (1, 500, 3), np.uint8), None),
}
GOOD_INPUTS["read-only"][0].flags.writeable = False


@pytest.mark.parametrize("module", REMOVERS)
@pytest.mark.parametrize("name", GOOD_INPUTS)
def test_unusual_input_gets_a_valid_result(name, module):
    image, rgb = GOOD_INPUTS[name]
    before = np.array(image, copy=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = REMOVERS[module](image)
    _valid(result, np.shape(image)[:2])
    if rgb is not None:  # the cutout carries the input's colours
        np.testing.assert_array_equal(result.cutout[..., :3], rgb)
    np.testing.assert_array_equal(np.asarray(image), before)


def test_byte_order_does_not_change_the_mask():
    little = SQUARE.astype("<u2") * 257
    for remove_background in REMOVERS.values():
        np.testing.assert_array_equal(remove_background(little.astype(">u2")).mask,
                                      remove_background(little).mask)


@pytest.mark.parametrize("module", REMOVERS)
def test_uniform_image_has_no_foreground(module):
    image = np.full((50, 60, 3), 77, np.uint8)
    assert not REMOVERS[module](image).mask.any()


@pytest.mark.parametrize("module", REMOVERS)
def test_two_colour_image_finds_the_object(module):
    image = np.where(SQUARE_TRUTH[:, :, None], 255, 0).astype(np.uint8)
    np.testing.assert_array_equal(REMOVERS[module](image).mask, SQUARE_TRUTH)


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
    "string": ("photo.jpg", TypeError, "image must be an array of numbers, got str"),
    "none": (None, TypeError, "dtype object"),
    "complex": (np.zeros((5, 5, 3), complex), TypeError, "complex"),
    "ragged-list": ([[1, 2], [3]], ValueError, "rectangular array, got a ragged"),
}


@pytest.mark.parametrize("module", REMOVERS)
@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_raises_a_clear_error(name, module):
    image, error, match = BAD_INPUTS[name]
    with pytest.raises(error, match=match):
        REMOVERS[module](image)


@pytest.mark.parametrize("module", REMOVERS)
def test_photo_sized_input_keeps_its_size(module):
    image = np.zeros((3000, 4000, 3), np.uint8)
    image[1000:2000, 1500:2500] = (220, 40, 40)
    cutout, mask = REMOVERS[module](image)
    assert cutout.shape == (3000, 4000, 4) and mask.shape == (3000, 4000)
    assert mask[1000:2000, 1500:2500].all() and mask.sum() == 1000 * 1000
