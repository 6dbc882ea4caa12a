"""The course method of kmeans_utils: its steps, its masks and IoU."""

import hashlib

import numpy as np
import pytest
from conftest import red_square_scene
from skimage import color

import bgcut
import kmeans_utils as ku

# Digest of the course method's mask of every demo scene, as first released.
SEED_MASKS = {
    "00-disk-plain": "563bde696e23", "01-disk-gradient": "ab2d7a0cd7c4",
    "02-disk-noise": "47802032b08a", "03-disk-stripes": "3b7caa753830",
    "04-disk-texture": "7a36d8906613", "05-disk-photo": "bc643c436a76",
    "06-square-plain": "1952d20872c0", "07-square-gradient": "8cf01ffcb10d",
    "08-square-noise": "0f31f9995102", "09-square-stripes": "aafe84e94fcd",
    "10-square-texture": "68d7d5f4412d", "11-square-photo": "730aac93129a",
    "12-horse-plain": "8fd5bcedce4c", "13-horse-gradient": "6108d7343df6",
    "14-horse-noise": "8835882b7a72", "15-horse-stripes": "3b2028c9a068",
    "16-horse-texture": "111ed450ac6c", "17-horse-photo": "e9a15a094703",
    "18-blob-plain": "bb24bee6b4f8", "19-blob-gradient": "c9a4a4eb5af4",
    "20-blob-noise": "ff201e66eb34", "21-blob-stripes": "786d062ec1bf",
    "22-blob-texture": "540edd3a9878", "23-blob-photo": "1aca196bb181",
    "24-ellipse-plain": "6a7458fdc0c4", "25-ellipse-gradient": "a0a05ff08b95",
    "26-ellipse-noise": "cfe9303daf49", "27-ellipse-stripes": "f9e3e307114d",
    "28-ellipse-texture": "183d17d48095", "29-ellipse-photo": "501e9fced345",
    "30-star-plain": "c4c4e34b0406", "31-star-gradient": "dc6b7cc46bef",
    "32-star-noise": "1462573d21bf", "33-star-stripes": "e43ec4c51850",
    "34-star-texture": "3a32190839a8", "35-star-photo": "93062328b8d2",
}


def test_course_masks_are_unchanged():
    changed = []
    for name, image, _ in bgcut.demo_dataset():
        mask = ku.remove_background(image).mask
        if hashlib.sha256(np.packbits(mask).tobytes()).hexdigest()[:12] != SEED_MASKS[name]:
            changed.append(name)
    assert not changed, f"the course method's mask changed on {changed}"


def test_red_square_on_noisy_grey():
    image, truth = red_square_scene()
    original = image.copy()
    cutout, mask = ku.remove_background(image)
    assert cutout.shape == (120, 160, 4) and cutout.dtype == np.uint8
    assert mask.shape == (120, 160) and mask.dtype == bool
    np.testing.assert_array_equal(cutout[..., 3], np.where(mask, 255, 0))
    np.testing.assert_array_equal(cutout[..., :3], image)
    assert ku.iou(mask, truth) >= 0.95
    again = ku.remove_background(image)
    np.testing.assert_array_equal(again.cutout, cutout)
    np.testing.assert_array_equal(image, original)


def test_method_is_its_steps():
    """rescale -> distinct colours -> CIELAB -> Kmeans -> border rule."""
    image = bgcut.demo_dataset()[9].image
    small = ku.rescale(image, 160)
    colors, index, counts = ku.distinct_colors(small)
    _, labels = ku.Kmeans(color.rgb2lab(colors), 3, rng=0, weights=counts)
    label_map = labels[index]
    background = ku.background_clusters(ku.border_counts(label_map, 3))
    expected = ~background[label_map]
    np.testing.assert_array_equal(ku.remove_background(small, rng=0).mask, expected)


def test_same_seed_same_mask_on_a_harder_scene():
    image = bgcut.demo_dataset()[5].image
    a = ku.remove_background(image, rng=3).mask
    np.testing.assert_array_equal(ku.remove_background(image, rng=3).mask, a)


def test_large_image_is_processed_at_working_resolution():
    image, truth = red_square_scene(shape=(600, 800), half=120)
    mask = ku.remove_background(image, max_side=200).mask
    assert mask.shape == truth.shape
    assert ku.iou(mask, truth) >= 0.95


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
    (lambda: ku.resize_mask(np.zeros((4, 4), bool), (0, 3)), r"shape must be .* got \(0, 3\)"),
    (lambda: ku.remove_background(np.zeros((4, 4, 3), np.uint8), k=0), "k must be"),
    (lambda: ku.remove_background(np.zeros((4, 4, 3), np.uint8), border_share=2),
     "share must be in"),
], ids=["float-labels", "label-range", "width", "zero-counts", "share", "max-side",
        "resize-shape", "k", "border-share"])
def test_building_blocks_reject_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_rescale_keeps_aspect_and_small_images():
    image = np.zeros((300, 600, 3), np.uint8)
    assert ku.rescale(image, 200).shape == (100, 200, 3)
    small = np.zeros((10, 20, 3), np.uint8)
    assert ku.rescale(small, 200) is small


def test_distinct_colors_rebuild_the_image():
    image = bgcut.demo_dataset()[2].image
    colors, index, counts = ku.distinct_colors(image)
    np.testing.assert_array_equal(colors[index], image)
    assert counts.sum() == image.shape[0] * image.shape[1]
    assert len(np.unique(colors, axis=0)) == len(colors)


def test_resize_mask_nearest_neighbour():
    mask = np.array([[True, False], [False, True]])
    np.testing.assert_array_equal(ku.resize_mask(mask, (4, 4)),
                                  np.kron(mask, np.ones((2, 2), bool)))
    np.testing.assert_array_equal(ku.resize_mask(np.kron(mask, np.ones((3, 3))), (2, 2)), mask)


def test_iou_hand_computed():
    assert ku.iou([[1, 1, 0, 0]], [[0, 1, 1, 0]]) == pytest.approx(1 / 3)
    assert ku.iou([[1, 1]], [[1, 1]]) == 1.0
    assert ku.iou([[1, 0]], [[0, 1]]) == 0.0


def test_iou_of_two_empty_masks_is_one():
    empty = np.zeros((4, 4), bool)
    assert ku.iou(empty, empty) == 1.0


@pytest.mark.parametrize("pred, truth, match", [
    (np.zeros((2, 2), bool), np.zeros((2, 3), bool), r"same shape, got \(2, 2\) and \(2, 3\)"),
    (np.full((2, 2), 2), np.zeros((2, 2), bool), "pred must be a boolean mask"),
    (np.zeros(4, bool), np.zeros(4, bool), r"2-D mask, got shape \(4,\)"),
], ids=["shapes", "values", "1-D"])
def test_iou_rejects_bad_masks(pred, truth, match):
    with pytest.raises(ValueError, match=match):
        ku.iou(pred, truth)
