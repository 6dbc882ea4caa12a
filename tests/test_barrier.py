"""Minimum-barrier distance on images whose answer can be worked out by hand."""

import numpy as np
import pytest

from bgcut.barrier import minimum_barrier_distance, normalise


def test_ring_hand_computed():
    # A wall of 9 around a centre of 3, on a border of 0: every path from the
    # centre climbs to 9 and ends at 0, a barrier of 9.
    ring = np.zeros((5, 5))
    ring[1:4, 1:4] = 9
    ring[2, 2] = 3
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = 9
    np.testing.assert_array_equal(minimum_barrier_distance(ring), expected)


def test_object_is_walled_off_background_is_not():
    image = np.full((40, 50, 3), 20.0)
    image[10:30, 15:35] = (70, 10, -10)  # the object differs by 50, 10 and 10
    image[:, :3] = 90.0                  # a bright stripe on the border is still border
    distance = minimum_barrier_distance(image)
    assert distance[20, 25] == pytest.approx(50 + 10 + 30)  # summed over channels
    assert distance[~np.pad(np.ones((20, 20), bool), ((10, 10), (15, 15)))].max() == 0


def test_a_winding_corridor_is_followed_scan_by_scan():
    # A border of 0, walls of 10 and a corridor of 0 that enters at the top
    # and winds down, right, down, left and up to end at (5, 3). From the
    # border inwards it needs the down, right, down, left and up passes: three
    # rounds of scans.
    image = np.full((11, 11), 10.0)
    image[[0, -1]], image[:, [0, -1]] = 0, 0
    image[1:4, 5] = image[3, 5:9] = image[3:8, 8] = image[7, 3:9] = image[5:8, 3] = 0
    walls = image == 10
    for scans, end in ((1, 10), (2, 10), (3, 0)):
        distance = minimum_barrier_distance(image, scans=scans)
        assert distance[5, 3] == end
        assert (distance[walls] == 10).all()


def test_more_scans_never_increase_a_distance():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(30, 40, 3)).cumsum(axis=0)
    one, three = (minimum_barrier_distance(image, scans=s) for s in (1, 3))
    assert (three <= one + 1e-12).all()


@pytest.mark.parametrize("image, match", [
    (np.zeros((0, 4)), "finite"), (np.full((3, 3), np.nan), "finite"),
    (np.zeros(4), "finite"), (np.zeros((3, 3)), "scans"),
], ids=["empty", "nan", "1-D", "scans"])
def test_rejects_bad_input(image, match):
    with pytest.raises(ValueError, match=match):
        minimum_barrier_distance(image, scans=0 if match == "scans" else 2)


def test_normalise_by_a_high_percentile():
    values = np.r_[np.arange(100.0), 1e6]  # one outlier does not squash the rest
    scaled = normalise(values, percentile=95)
    assert scaled[50] == pytest.approx(50 / np.percentile(values, 95))
    assert scaled.max() == 1 and scaled.min() == 0
    assert not normalise(np.zeros(5)).any()
