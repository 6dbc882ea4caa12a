"""The boundary method's building blocks on synthetic images with known answers."""

import numpy as np
import pytest
from conftest import red_square_scene
from skimage import color

import bgcut
import kmeans_utils as ku
from bgcut import boundary, fusion, regions
from bgcut.colour import rgb_to_lab
from bgcut.settings import DEFAULT


def test_rgb_to_lab_is_skimages_conversion_bit_for_bit():
    """Every one of the 2**24 colours, a block of 2**20 at a time."""
    levels = np.arange(256, dtype=np.uint8)
    for red in range(0, 256, 16):
        block = np.stack(np.meshgrid(levels[red:red + 16], levels, levels, indexing="ij"),
                         axis=-1).reshape(-1, 3)
        np.testing.assert_array_equal(rgb_to_lab(block), color.rgb2lab(block))


def disk_scene():
    """A red disk on blue, 60x60, whose edge crosses no grid line; its CIELAB and mask."""
    rows, cols = np.mgrid[:60, :60]
    disk = (rows - 31) ** 2 + (cols - 28) ** 2 < 17 ** 2
    rgb = np.where(disk[..., None], [200, 40, 40], [40, 90, 200]).astype(np.uint8)
    return rgb_to_lab(rgb), disk


def disk_shares(labels, disk):
    """The share of each superpixel that lies on the disk."""
    return np.bincount(labels.ravel(), weights=disk.ravel()) / np.bincount(labels.ravel())


def test_superpixels_follow_a_round_edge_when_colour_weighs_more():
    lab, disk = disk_scene()
    labels = regions.superpixels(lab, 36, compactness=0.1)
    assert labels.shape == lab.shape[:2]
    np.testing.assert_array_equal(np.unique(labels), np.arange(labels.max() + 1))
    share = disk_shares(labels, disk)
    assert ((share < 0.05) | (share > 0.95)).all()
    with pytest.raises(ValueError, match=r"shape \(H, W, 3\)"):
        regions.superpixels(lab[..., 0])


def test_superpixels_at_the_default_compactness_are_nearly_a_grid():
    """Position outweighs colour (see the docstring): rectangles that cut across the edge."""
    lab, disk = disk_scene()
    labels = regions.superpixels(lab, 36)
    rectangles = [(labels == i).sum() == np.prod([np.ptp(r) + 1 for r in np.nonzero(labels == i)])
                  for i in range(labels.max() + 1)]
    share = disk_shares(labels, disk)
    assert np.mean(rectangles) > 0.9
    assert ((share > 0.05) & (share < 0.95)).sum() >= 8


def test_region_graph_hand_computed():
    labels = np.array([[0, 0, 1],
                       [0, 2, 1],
                       [3, 3, 3]])
    lab = np.zeros((3, 3, 3))
    lab[..., 0] = labels * 10.0
    graph = regions.region_graph(labels, lab)
    assert graph.n == 4
    np.testing.assert_array_equal(graph.size, [3, 2, 1, 3])
    np.testing.assert_allclose(graph.color[:, 0], [0, 10, 20, 30])
    np.testing.assert_array_equal(graph.edges, [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3],
                                                [2, 3]])
    np.testing.assert_array_equal(graph.border, [0, 1, 3])
    # Region 2 is the centre pixel: position (1.5 / 3, 1.5 / 3).
    np.testing.assert_allclose(graph.position[2], [0.5, 0.5])


def square_graph():
    """A 5x5 grid of regions: 24 grey border-ish regions around one red centre."""
    labels = np.repeat(np.repeat(np.arange(25).reshape(5, 5), 8, axis=0), 8, axis=1)
    rgb = np.full(labels.shape + (3,), 128, np.uint8)
    rgb[labels == 12] = (200, 30, 30)
    return regions.region_graph(labels, color.rgb2lab(rgb)), labels


def test_boundary_connectivity_separates_object_from_background():
    graph, _ = square_graph()
    bc = regions.boundary_connectivity(graph)
    # The 24 grey regions form one background whose border length is 16 of
    # 24 regions: 16 / sqrt(24). The red centre is far in colour from all.
    np.testing.assert_allclose(np.delete(bc, 12), 16 / np.sqrt(24), rtol=1e-6)
    assert bc[12] < 1e-3


def test_boundary_connectivity_is_zhus_formula_on_a_small_graph():
    """Against all shortest paths by Floyd-Warshall over the graph's edges plus
    every pair of border regions, each link weighing its colours' distance once."""
    rng = np.random.default_rng(3)
    labels = np.repeat(np.repeat(np.arange(16).reshape(4, 4), 3, axis=0), 3, axis=1)
    lab = rng.uniform(0, 30, (16, 3))[labels]
    graph = regions.region_graph(labels, lab)
    distance = np.full((16, 16), np.inf)
    np.fill_diagonal(distance, 0)
    links = [tuple(e) for e in graph.edges]
    links += [(a, b) for a in graph.border for b in graph.border if a < b]
    for a, b in links:
        distance[a, b] = distance[b, a] = np.linalg.norm(graph.color[a] - graph.color[b])
    for m in range(16):
        distance = np.minimum(distance, distance[:, [m]] + distance[[m], :])
    distance[distance > 40] = np.inf  # paths longer than 4 sigma are left out
    similar = np.exp(-distance ** 2 / (2 * 10.0 ** 2))
    expected = similar[:, graph.border].sum(axis=1) / np.sqrt(similar.sum(axis=1))
    np.testing.assert_allclose(regions.boundary_connectivity(graph), expected, rtol=1e-6)


def test_region_saliency_scores_the_object():
    graph, _ = square_graph()
    scores = regions.region_saliency(graph)
    assert scores.shape == (25,) and ((scores >= 0) & (scores <= 1)).all()
    # Smoothing over the graph pulls the lone object down a little.
    assert scores[12] > 0.6 and np.delete(scores, 12).max() < 0.05


@pytest.mark.parametrize("option", ["sigma_color", "sigma_boundary", "sigma_space",
                                    "smoothness"])
def test_region_saliency_rejects_bad_widths(option):
    graph, _ = square_graph()
    with pytest.raises(ValueError, match=f"{option} must be a finite number > 0, got 0"):
        regions.region_saliency(graph, **{option: 0})


def test_steps_of_the_red_square():
    image, truth = red_square_scene()
    steps = boundary.steps(image)
    saliency = steps.saliency[steps.regions]
    small_truth = ku.resize_mask(truth, saliency.shape)
    assert saliency[small_truth].mean() > 0.8 > 0.2 > saliency[~small_truth].mean()
    assert steps.image.shape == (120, 160, 3)
    assert steps.prior.shape == steps.likeness.shape == steps.mask.shape == (120, 160)
    assert steps.graph.n == len(steps.connectivity) == len(steps.saliency)
    # Connectivity is high on the background, near 0 on the object.
    inside = np.bincount(steps.regions.ravel(), ku.resize_mask(truth, steps.regions.shape)
                         .ravel()) / steps.graph.size > 0.5
    assert steps.connectivity[inside].max() < 0.5 < steps.connectivity[~inside].min()
    assert ku.iou(ku.resize_mask(steps.mask, truth.shape), truth) > 0.95


@pytest.mark.parametrize("fusion", ["learned", "fixed"])
def test_steps_of_a_uniform_image_find_nothing(fusion):
    steps = boundary.steps(np.full((30, 30, 3), 9, np.uint8),
                           settings=DEFAULT.replace(fusion=fusion))
    assert not steps.mask.any() and not steps.full_mask.any()


@pytest.mark.parametrize("options", [
    dict(rounds=0, clean=False), dict(cut_rounds=0, clean=False), dict(clean=False),
    dict(), dict(barrier_weight=0.0)],
    ids=["saliency-split", "colour-models", "graph-cut", "clean-up", "no-barrier"])
def test_steps_follow_the_options(options):
    image = bgcut.demo_dataset()[29].image  # 240 x 320
    steps = boundary.steps(image, settings=DEFAULT.replace(fusion="fixed", **options))
    if options.get("rounds") == 0:
        np.testing.assert_array_equal(steps.raw_mask, steps.prior > steps.threshold)
    if options.get("rounds") == 0 or options.get("cut_rounds") == 0:
        assert steps.cut_image.shape == (120, 160, 3)
        np.testing.assert_array_equal(steps.cut_mask, steps.raw_mask)
    else:  # the cut runs at 280 pixels
        assert steps.cut_image.shape == (210, 280, 3) and steps.cut_mask.shape == (210, 280)
    cleaned = boundary.clean_mask(steps.cut_mask)
    np.testing.assert_array_equal(steps.mask, cleaned if options.get("clean", True)
                                  else steps.cut_mask)
    fused = (1 - options.get("barrier_weight", 0.4)) * steps.contrast \
        + options.get("barrier_weight", 0.4) * steps.barrier
    np.testing.assert_allclose(steps.saliency, fused)
    assert ((steps.barrier >= 0) & (steps.barrier <= 1)).all()
    assert steps.full_mask.shape == (240, 320) and steps.features is None


def test_learned_fusion_is_the_calibrated_tree_prediction():
    image = bgcut.demo_dataset()[29].image
    steps = boundary.steps(image)
    assert steps.features.shape == (steps.graph.n, len(bgcut.fusion.FEATURES))
    raw = bgcut.fusion.default_trees().predict(steps.features)
    np.testing.assert_allclose(steps.saliency, bgcut.fusion.calibrate(raw, steps.graph.size))
    assert steps.barrier.max() == 1.0  # computed for the features, though not blended


@pytest.mark.parametrize("fusion, match", [
    ("trees", "fusion must be 'learned', 'fixed', Trees or a mapping of cue weights, "
              "got 'trees'"),
    (None, "fusion must be .* got None"),
    ({"contrast": 1, "colour": 1}, "unknown cue 'colour' in blend weights"),
    ({"contrast": -0.5}, "blend weight of 'contrast' must be a finite number >= 0, got -0.5"),
    ({"geodesic": 0}, "blend weights must not all be 0")])
def test_bad_fusion_is_named(fusion, match):
    with pytest.raises(ValueError, match=match):
        DEFAULT.replace(fusion=fusion)


def test_blended_fusion_is_the_weighted_mean_of_the_named_cues():
    image = bgcut.demo_dataset()[29].image
    weights = {"contrast": 0.6, "geodesic": 0.2, "ranking_border": 0.2}
    steps = boundary.steps(image, settings=DEFAULT.replace(fusion=weights, cut_rounds=0))
    graph = steps.graph
    geodesic = bgcut.barrier.normalise(regions.geodesic_distance(graph))
    expected = 0.6 * steps.contrast + 0.2 * geodesic + 0.2 * regions.border_ranking(graph)
    np.testing.assert_allclose(steps.saliency, expected, rtol=1e-12)
    assert steps.features is None and not steps.barrier.any()  # not computed: weight 0


def test_otsu_threshold_splits_two_groups():
    values = np.r_[np.full(10, 0.1), np.full(5, 0.9)]
    cut = fusion.otsu_threshold(values, np.ones(15))
    assert 0.1 < cut < 0.9
    assert fusion.otsu_threshold(np.full(4, 0.3), np.ones(4)) == np.inf  # nothing to split
    with pytest.raises(ValueError, match="one length"):
        fusion.otsu_threshold([1, 2], [1])


def test_clean_mask():
    mask = np.zeros((30, 30), bool)
    mask[5:20, 5:20] = True       # the object, with a hole
    mask[10:12, 10:12] = False
    mask[25, 25] = True           # a speck
    mask[2:5, 25:28] = True       # a small part, 9 px < 0.2 * 225
    cleaned = boundary.clean_mask(mask)  # the speck and the small part: too small
    expected = np.zeros((30, 30), bool)
    expected[5:20, 5:20] = True
    np.testing.assert_array_equal(cleaned, expected)
    kept = boundary.clean_mask(mask, min_component=0)
    assert kept[25, 25] and kept[2:5, 25:28].all() and kept[10:12, 10:12].all()
    with pytest.raises(ValueError, match=r"min_component must be a number in \[0, 1\], got 2"):
        boundary.clean_mask(mask, min_component=2)


def test_boundary_method_on_the_demo_set_beats_seed():
    data = bgcut.demo_dataset()
    seed = bgcut.evaluate(data, method="seed", progress=False, workers=1).iou.mean()
    default = bgcut.evaluate(data, progress=False, workers=1).iou.mean()
    assert default > seed


def test_boundary_method_on_real_photos(shared_data):
    """A fixed sample of real photos: the default beats the seed method clearly."""
    data = bgcut.folder_dataset(shared_data / "WeizmannHorses")
    data.names = data.names[::16]
    seed = bgcut.evaluate(data, method="seed", progress=False, workers=1).iou.mean()
    default = bgcut.evaluate(data, progress=False, workers=1).iou.mean()
    assert default > seed + 0.1
