"""The cues of the superpixels and their hand-set blends, on synthetic images with known
answers."""

import numpy as np
import pytest
from conftest import red_square_scene

from bgcut import cues, fusion, regions
from bgcut.regions import region_graph
from bgcut.settings import BASIC


def strip_graph(values):
    """One row of square regions 0..n-1, each 3x3 pixels of lightness `values`."""
    labels = np.repeat(np.repeat(np.arange(len(values))[None], 3, axis=0), 3, axis=1)
    lab = np.zeros(labels.shape + (3,))
    lab[..., 0] = np.asarray(values, float)[labels]
    return region_graph(labels, lab)


def test_manifold_ranking_spreads_along_similar_neighbours():
    graph = strip_graph([0, 0, 0, 60, 60])
    scores = regions.manifold_ranking(graph, [1, 0, 0, 0, 0])
    assert scores[0] == 1 and scores[1] >= scores[2] > 0.5 > scores[3] >= scores[4] == 0
    assert regions.manifold_ranking(graph, np.zeros(5)).tolist() == [0.0] * 5
    with pytest.raises(ValueError, match=r"queries must have shape \(5,\), got \(2,\)"):
        regions.manifold_ranking(graph, [1, 0])
    with pytest.raises(ValueError, match="alpha must be below 1, got 1.0"):
        regions.manifold_ranking(graph, [1, 0, 0, 0, 0], alpha=1)


def ring_cues(contrast, barrier):
    """Cues of a frame (lightness 0) around a ring (20) around a core (50)."""
    labels = np.zeros((7, 7), int)
    labels[1:6, 1:6] = 1
    labels[3, 3] = 2
    lab = np.zeros((7, 7, 3))
    lab[..., 0] = np.array([0.0, 20.0, 50.0])[labels]
    graph = region_graph(labels, lab)
    return cues.Cues(image=None, colors=None, index=None, lab=lab, regions=labels, graph=graph,
                     connectivity=None, contrast=np.asarray(contrast, float),
                     barrier=None if barrier is None else np.asarray(barrier, float))


def test_geodesic_distance_sums_the_steps_above_the_floor():
    graph = ring_cues([0, 0, 0], None).graph
    np.testing.assert_allclose(regions.geodesic_distance(graph), [0, 17, 44])
    np.testing.assert_allclose(regions.geodesic_distance(graph, floor=0), [0, 20, 50])
    with pytest.raises(ValueError, match="floor must be a number"):
        regions.geodesic_distance(graph, floor=-1)


def test_blend_is_the_weighted_mean_of_the_named_cues():
    ring = ring_cues([0.0, 0.5, 1.0], [0.0, 10.0, 20.0])
    # Each cue scaled by its 95th percentile: 19 for the barrier, 41.3 for the
    # geodesic distances 0, 17, 44 (17 + 0.9 * 27).
    np.testing.assert_allclose(fusion.blend(ring, {"geodesic": 1}), [0, 17 / 41.3, 1])
    np.testing.assert_allclose(fusion.blend(ring, {"contrast": 3, "barrier": 1}),
                               [0, (1.5 + 10 / 19) / 4, 1])
    np.testing.assert_allclose(fusion.blend(ring, {"ranking_border": 2}),
                               regions.border_ranking(ring.graph))
    # A cue of weight 0 is not computed: here there is no barrier to compute.
    no_barrier = ring_cues([0.0, 0.5, 1.0], None)
    np.testing.assert_allclose(fusion.blend(no_barrier, {"contrast": 1, "barrier": 0}),
                               [0, 0.5, 1])


@pytest.mark.parametrize("weights, error, match", [
    ([("contrast", 1)], TypeError, "must be a mapping of cue names to weights, got list"),
    ({"contrast": True}, ValueError, "blend weight of 'contrast' must be .* got True"),
    ({"barrier": np.inf}, ValueError, "blend weight of 'barrier' must be .* got inf"),
    ({"contrast": 0.0, "barrier": 0}, ValueError, "must not all be 0"),
    ({"size": 1}, ValueError, r"unknown cue 'size' in blend weights; the cues are \["),
])
def test_check_blend_names_the_bad_weight(weights, error, match):
    with pytest.raises(error, match=match):
        fusion.check_blend(weights)


def test_superpixel_cues_of_the_red_square():
    image, truth = red_square_scene()
    found = cues.superpixel_cues(image)
    assert found.image.shape == (120, 160, 3) and found.lab.shape == (90, 120, 3)
    inside = np.bincount(found.regions.ravel(), _covered(truth, found.regions)) \
        / found.graph.size > 0.5
    assert found.barrier[inside].min() > found.barrier[~inside].max()
    assert not cues.superpixel_cues(image, BASIC).barrier.any()


def _covered(truth, regions):
    """Each pixel of `regions`' grid: is it inside the (shrunk) truth?"""
    rows = (np.arange(regions.shape[0]) + 0.5) * truth.shape[0] / regions.shape[0]
    cols = (np.arange(regions.shape[1]) + 0.5) * truth.shape[1] / regions.shape[1]
    return truth[rows.astype(int)][:, cols.astype(int)].ravel()


def test_region_features_of_the_red_square():
    image, truth = red_square_scene()
    found = cues.superpixel_cues(image)
    X = cues.region_features(found.lab, found.regions, found.graph, found.connectivity,
                             found.contrast, found.barrier)
    assert X.shape == (found.graph.n, len(fusion.FEATURES)) and np.isfinite(X).all()
    f = dict(zip(fusion.FEATURES, X.T))
    inside = np.bincount(found.regions.ravel(), _covered(truth, found.regions)) \
        / found.graph.size > 0.5
    # Cues that should put the square above the grey background, every region of it.
    for name in ("contrast", "barrier", "ranking_border", "geodesic", "border_contrast_min",
                 "colour_likeness", "rank_contrast", "rank_barrier"):
        assert f[name][inside].min() > f[name][~inside].max(), name
    assert (f["border_share"][inside] == 0).all() and f["border_share"].max() > 0
    assert f["connectivity"][inside].max() < f["connectivity"][~inside].min()
    assert f["a"][inside].min() > 0.4 > 0.05 > np.abs(f["a"][~inside]).max()  # red: a* > 40
    np.testing.assert_allclose(f["size"].sum(), 1)
    assert (f["centre_distance"][inside] < 0.25).all()
    for name, of in (("rank_contrast", "contrast"), ("rank_barrier", "barrier_raw"),
                     ("rank_ranking", "ranking_border"), ("rank_geodesic", "geodesic")):
        ranks = f[name][np.argsort(f[of], kind="stable")]
        assert (np.diff(ranks) >= 0).all() and 0 <= ranks[0] <= ranks[-1] <= 1, name
        np.testing.assert_allclose(ranks.mean(), 0.5)
    # The border regions, and the noisy grey joined to them by small steps, all have
    # geodesic distance 0: they share one rank.
    zero = f["geodesic"] == 0
    assert zero[found.graph.border].all()
    np.testing.assert_allclose(f["rank_geodesic"][zero], (zero.sum() - 1) / 2 / (found.graph.n - 1))


def test_region_features_check_their_inputs():
    found = cues.superpixel_cues(red_square_scene()[0])
    with pytest.raises(ValueError, match=r"barrier must have shape \(\d+,\), got \(3,\)"):
        cues.region_features(found.lab, found.regions, found.graph, found.connectivity,
                             found.contrast, np.zeros(3))
    with pytest.raises(ValueError, match="lab must have shape"):
        cues.region_features(found.lab[1:], found.regions, found.graph, found.connectivity,
                             found.contrast, found.barrier)
