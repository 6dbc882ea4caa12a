"""The boundary method: two border cues, K-means colour models and a graph cut.

1. Shrink the image to 160 pixels and convert it to CIELAB; cut a 120-pixel
   copy into about 150 SLIC superpixels -- K-means of the pixels in CIELAB
   plus position (`superpixels`, `region_graph`).
2. Score every superpixel: its *boundary connectivity* (how much of the
   border it reaches along paths of similar colour, over the square root of
   the area it reaches) gives a background probability; its colour contrast
   against likely background, weighted by distance, a foreground weight; a
   least-squares smoothing over neighbouring superpixels combines the two
   (`boundary_connectivity`, `region_saliency`; Zhu, Liang, Wei and Sun,
   "Saliency Optimization from Robust Background Detection", CVPR 2014).
3. A second border cue, the *minimum-barrier distance* of each superpixel to
   the border (`bgcut.barrier`, Zhang et al., ICCV 2015), is fused with that
   saliency (weights 0.6 / 0.4).
4. Split the fused scores at Otsu's threshold (`otsu_threshold`), fit K-means
   colour models to the foreground (k clusters) and background (2 k)
   superpixels, rescore every pixel's colour by which model it is nearer,
   blend with the saliency and threshold; twice.
5. A graph cut at 320 pixels (`bgcut.graphcut`): colour models refitted to
   the pixels of that mask give each pixel's unary cost, blended with the
   saliency, and a contrast-sensitive term between neighbours makes the cut
   follow colour edges (GrabCut, with K-means in place of Gaussian mixtures).
6. Clean up: holes filled, parts much smaller than the largest dropped
   (`clean_mask`); on photos more than twice the cut's size, the boundary is
   decided again at full resolution (`bgcut.edges`).

`steps` runs the method and returns every intermediate result; its options
switch steps off (``barrier_weight=0``, ``cut_rounds=0``, ``edges=False`` is
the faster setting ``method="fast"`` of `bgcut.remove_background`).
"""

from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from skimage import color
from skimage.segmentation import slic

import kmeans_utils as ku

from . import _validate
from .barrier import minimum_barrier_distance, normalise
from .edges import refine_edges
from .graphcut import contrast_weights, cut, fit_colour_models

__all__ = ["lab_image", "superpixels", "RegionGraph", "region_graph", "border_frame",
           "boundary_connectivity", "region_saliency", "otsu_threshold", "clean_mask",
           "Steps", "steps", "boundary_mask"]


def lab_image(image):
    """CIELAB of an image, converted once per distinct colour.

    Returns the (H, W, 3) CIELAB image, the (M, 3) CIELAB distinct colours
    and the (H, W) index of each pixel's colour (see
    `kmeans_utils.distinct_colors`).
    """
    colors, index, _ = ku.distinct_colors(image)
    lab = color.rgb2lab(colors)
    return lab[index], lab, index


def superpixels(lab, n_segments=150, *, compactness=10.0, iterations=10):
    """SLIC superpixels: K-means of the pixels in CIELAB + position.

    Parameters
    ----------
    lab : (H, W, 3) float ndarray, a CIELAB image
    n_segments : int, the approximate number of superpixels
    compactness : float, weight of position against colour (squarer when higher)
    iterations : int, the most K-means iterations

    Returns
    -------
    (H, W) ndarray of int
        Superpixel labels ``0 .. n-1``, each a connected region.
    """
    lab = np.asarray(lab, dtype=np.float64)
    if lab.ndim != 3 or lab.shape[2] != 3 or lab.shape[0] == 0 or lab.shape[1] == 0:
        raise ValueError(f"lab must have shape (H, W, 3), got {lab.shape}")
    n_segments = _validate.integer("n_segments", n_segments, 1)
    iterations = _validate.integer("iterations", iterations, 1)
    compactness = _validate.positive("compactness", compactness)
    labels = slic(lab, n_segments=n_segments, compactness=compactness,
                  max_num_iter=iterations, convert2lab=False, start_label=0,
                  channel_axis=-1)
    used = np.bincount(labels.ravel()) > 0  # SLIC may leave ids unused
    return labels if used.all() else (np.cumsum(used) - 1)[labels]


class RegionGraph(NamedTuple):
    """Regions of a label image: their statistics and which of them touch."""

    n: int
    """Number of regions."""
    size: np.ndarray
    """(n,) pixels per region."""
    color: np.ndarray
    """(n, 3) mean CIELAB colour."""
    position: np.ndarray
    """(n, 2) mean (row, column), each divided by the image's height and width."""
    edges: np.ndarray
    """(m, 2) pairs ``i < j`` of regions that share a pixel edge."""
    border: np.ndarray
    """Ids of the regions that touch the image border."""


def border_frame(shape, width=1):
    """(H, W) bool, True on a frame `width` pixels wide around the image."""
    frame = np.ones(shape, bool)
    frame[width:-width, width:-width] = False
    return frame


def region_graph(labels, lab):
    """Statistics and adjacency of the regions of a label image.

    Parameters
    ----------
    labels : (H, W) ndarray of int, region ids ``0 .. n-1``, every id used
    lab : (H, W, 3) float ndarray, the image in CIELAB

    Returns
    -------
    RegionGraph
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer) \
            or labels.min() < 0:
        raise ValueError(f"labels must be a non-empty 2-D array of ids >= 0, got "
                         f"{labels.dtype} {labels.shape}")
    lab = np.asarray(lab, dtype=np.float64)
    if lab.shape != labels.shape + (3,):
        raise ValueError(f"lab must have shape {labels.shape + (3,)}, got {lab.shape}")
    h, w = labels.shape
    flat = labels.ravel()
    n = int(flat.max()) + 1
    size = np.bincount(flat, minlength=n).astype(np.float64)
    if (size == 0).any():
        raise ValueError(f"labels must use every id 0..{n - 1}")
    mean_color = np.stack([np.bincount(flat, weights=lab[..., c].ravel(), minlength=n)
                           for c in range(3)], axis=1) / size[:, None]
    rows, cols = np.divmod(np.arange(h * w), w)
    position = np.stack([np.bincount(flat, weights=(rows + 0.5) / h, minlength=n),
                         np.bincount(flat, weights=(cols + 0.5) / w, minlength=n)],
                        axis=1) / size[:, None]
    a = np.r_[labels[:, :-1].ravel(), labels[:-1, :].ravel()]
    b = np.r_[labels[:, 1:].ravel(), labels[1:, :].ravel()]
    differ = a != b
    lo, hi = np.minimum(a[differ], b[differ]), np.maximum(a[differ], b[differ])
    keys = np.unique(lo.astype(np.int64) * n + hi)
    edges = np.stack([keys // n, keys % n], axis=1).astype(np.intp)
    border = np.unique(labels[border_frame(labels.shape)])
    return RegionGraph(n, size, mean_color, position, edges, border)


def boundary_connectivity(graph, *, sigma_color=10.0):
    """How strongly each region is connected to the image border.

    The boundary connectivity of Zhu et al. (2014): with geodesic colour
    distances over the region graph (border regions also linked to each
    other), a region's soft area is ``sum_i exp(-d(p, i)**2 / (2 sigma**2))``
    (in regions), its soft border length the same sum over border regions,
    and its connectivity the length over the square root of the area. A
    background region that holds the border scores well above 1; an object
    inside the image scores near 0.

    Returns
    -------
    (n,) ndarray of float
    """
    sigma_color = _validate.positive("sigma_color", sigma_color)
    n = graph.n
    i, j = np.meshgrid(graph.border, graph.border)
    links = np.r_[graph.edges, np.stack([i[i < j], j[i < j]], axis=1)]
    weight = np.sqrt(((graph.color[links[:, 0]] - graph.color[links[:, 1]]) ** 2).sum(axis=1))
    # Regions farther apart than 4 sigma weigh less than exp(-8) for each
    # other: leave those paths out, and with them every longer edge.
    limit = 4 * sigma_color
    short = weight <= limit
    # Zero-weight edges would vanish from a sparse graph: keep them by a hair.
    matrix = coo_matrix((weight[short] + 1e-9, (links[short, 0], links[short, 1])),
                        shape=(n, n)).tocsr()
    geodesic = dijkstra(matrix, directed=False, limit=limit)
    similar = np.exp(-geodesic ** 2 / (2 * sigma_color ** 2))
    return similar[:, graph.border].sum(axis=1) / np.sqrt(similar.sum(axis=1))


def _pairwise(a):
    """Euclidean distances between the rows of a small (n, d) array."""
    sq = (a ** 2).sum(axis=1)
    return np.sqrt(np.maximum(sq[:, None] - 2 * a @ a.T + sq[None, :], 0))


def region_saliency(graph, connectivity=None, *, sigma_color=10.0, sigma_boundary=1.0,
                    sigma_space=0.25, smoothness=0.1):
    """Foreground score in [0, 1] of each region, from the border inwards.

    1. Background probability from the boundary connectivity ``bc`` (by
       default `boundary_connectivity` of the graph):
       ``w_bg = 1 - exp(-bc**2 / (2 sigma_boundary**2))``.
    2. Contrast: each region's colour distance to all others, weighted by
       their background probability and spatial closeness (``sigma_space``
       in image widths), scaled to [0, 1].
    3. The scores ``s`` minimise ``sum w_bg s**2 + sum w_fg (s - 1)**2 +
       sum_edges w_ij (s_i - s_j)**2``, where neighbours of similar colour
       get a large ``w_ij``: one linear solve.

    Returns
    -------
    (n,) ndarray of float
    """
    sigma_color = _validate.positive("sigma_color", sigma_color)
    sigma_boundary = _validate.positive("sigma_boundary", sigma_boundary)
    sigma_space = _validate.positive("sigma_space", sigma_space)
    smoothness = _validate.positive("smoothness", smoothness)
    if connectivity is None:
        connectivity = boundary_connectivity(graph, sigma_color=sigma_color)
    background = 1 - np.exp(-connectivity ** 2 / (2 * sigma_boundary ** 2))
    closeness = np.exp(-_pairwise(graph.position) ** 2 / (2 * sigma_space ** 2))
    contrast = (_pairwise(graph.color) * closeness * background[None, :]).sum(axis=1)
    spread = np.ptp(contrast)
    foreground = (contrast - contrast.min()) / spread if spread > 0 else np.zeros(graph.n)
    i, j = graph.edges.T
    similar = np.exp(-((graph.color[i] - graph.color[j]) ** 2).sum(axis=1)
                     / (2 * sigma_color ** 2)) + smoothness
    # The graph Laplacian plus the data terms; edges are unique pairs i < j.
    degree = np.bincount(i, weights=similar, minlength=graph.n) \
        + np.bincount(j, weights=similar, minlength=graph.n)
    system = np.diag(background + foreground + degree + 1e-12)
    system[i, j] = -similar
    system[j, i] = -similar
    # background + foreground > 0 somewhere keeps the system positive definite
    # on every connected part; a lone region with both 0 gets score 0 (the
    # 1e-12 above keeps it solvable).
    return np.clip(np.linalg.solve(system, foreground), 0, 1)


def otsu_threshold(values, weights):
    """Otsu's threshold of weighted values: the split 1-D two-cluster K-means makes.

    Returns the midpoint between the two groups, or ``inf`` when the values
    cannot be split (all equal).
    """
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    if values.ndim != 1 or values.size == 0 or weights.shape != values.shape:
        raise ValueError(f"values and weights must be non-empty 1-D arrays of one length, "
                         f"got {values.shape} and {weights.shape}")
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cw, cm = np.cumsum(w), np.cumsum(w * v)
    w0, w1 = cw[:-1], cw[-1] - cw[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (cm[:-1] * cw[-1] - cm[-1] * w0) ** 2 / (w0 * w1)
    between[(w0 == 0) | (w1 == 0) | (v[1:] == v[:-1])] = -1
    if between.size == 0 or between.max() < 0:
        return np.inf
    cut = np.argmax(between)
    return 0.5 * (v[cut] + v[cut + 1])


def _fill_holes(mask):
    """Fill the parts of the background that do not reach the image border."""
    outside, _ = ndimage.label(~mask)
    reaches = np.zeros(outside.max() + 1, bool)
    reaches[outside[border_frame(mask.shape)]] = True
    reaches[0] = True
    return ~reaches[outside] | mask


def clean_mask(mask, *, opening=0, min_component=0.2):
    """Morphological clean-up of a foreground mask.

    An opening by `opening` pixels (3x3 square steps, so rectangles survive
    whole; 0 for none) removes specks and thin bridges, holes are filled,
    and connected parts smaller than `min_component` (in [0, 1]) times the
    largest part are dropped.

    Returns
    -------
    (H, W) ndarray of bool
    """
    mask = ku.as_mask(mask)
    opening = _validate.integer("opening", opening, 0)
    min_component = _validate.number("min_component", min_component, 0, 1)
    if opening:
        mask = ndimage.binary_opening(mask, structure=np.ones((3, 3), bool),
                                      iterations=opening)
    mask = _fill_holes(mask)
    if min_component > 0:
        parts, count = ndimage.label(mask)
        if count > 1:
            sizes = np.bincount(parts.ravel())
            keep = sizes >= min_component * sizes[1:].max()
            keep[0] = False
            mask = keep[parts]
    return mask


def _shrink_lab(lab, max_side):
    """Area-averaged copy of a CIELAB image with longest side at most `max_side`."""
    h, w = lab.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return lab
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.stack([np.asarray(Image.fromarray(lab[..., c].astype(np.float32)).resize(
        size, Image.Resampling.BOX)) for c in range(3)], axis=2).astype(np.float64)


def _enlarge(values, shape):
    """Bilinear enlargement of a 2-D float map to `shape`."""
    return np.asarray(Image.fromarray(values.astype(np.float32)).resize(
        (shape[1], shape[0]), Image.Resampling.BILINEAR), dtype=np.float64)


class Steps(NamedTuple):
    """Every intermediate result of the boundary method."""

    image: np.ndarray
    """(h, w, 3) uint8: the image shrunk to `max_side`, where the colour models work."""
    regions: np.ndarray
    """(hs, ws) int: the superpixels of the smaller saliency copy."""
    graph: RegionGraph
    """Their statistics (mean CIELAB colours) and adjacency."""
    connectivity: np.ndarray
    """(n,) boundary connectivity of each superpixel."""
    contrast: np.ndarray
    """(n,) saliency from boundary connectivity and contrast (`region_saliency`)."""
    barrier: np.ndarray
    """(n,) minimum-barrier distance to the border, normalised to [0, 1] (0 if unused)."""
    saliency: np.ndarray
    """(n,) the two cues fused: the foreground score of each superpixel."""
    threshold: float
    """Otsu's threshold of the saliency: the first split."""
    prior: np.ndarray
    """(h, w) the saliency enlarged to the working image."""
    likeness: np.ndarray
    """(h, w) the last round's colour likeness (the prior if no round ran)."""
    models: object
    """The last `ColourModels`, or None if no round ran."""
    raw_mask: np.ndarray
    """(h, w) bool: the colour models' mask, before the cut and the clean-up."""
    cut_image: np.ndarray
    """(hc, wc, 3) uint8: the image the graph cut runs on (`image` without a cut)."""
    cut_mask: np.ndarray
    """(hc, wc) bool: the graph cut's mask (`raw_mask` without a cut)."""
    mask: np.ndarray
    """(hc, wc) bool: the final foreground mask."""
    full_mask: np.ndarray
    """(H, W) bool: the final mask at the input's size (see `bgcut.edges.refine_edges`)."""


def _barrier_cue(lab, regions, size, scans):
    """Mean minimum-barrier distance of each superpixel, normalised to [0, 1]."""
    distance = minimum_barrier_distance(lab, scans=scans)
    return normalise(np.bincount(regions.ravel(), distance.ravel()) / size)


def _graph_cut(image, score, regions, foreground, colors, index, *, cut_side, rounds,
               smoothness, prior_weight, k, rng):
    """GrabCut with K-means colour models, on the image shrunk to `cut_side`.

    Each round fits the colour models to the pixels of the current mask --
    the working image's distinct `colors`, weighted by their counts inside
    and outside the mask -- and cuts. Returns the image of the cut, its mask
    and the last models (None if the mask left nothing to model).
    """
    big = ku.rescale(image, cut_side)
    lab, big_colors, big_index = lab_image(big)
    prior = _enlarge(score[regions], big.shape)
    right, down = contrast_weights(lab, smoothness)
    counts = np.bincount(index.ravel(), minlength=len(colors))
    models = None
    for i in range(rounds):
        if i:  # the next models learn from the last cut's labels
            foreground = ku.resize_mask(foreground, index.shape)
        inside = np.bincount(index.ravel(), foreground.ravel(), minlength=len(colors))
        if not inside.any() or (inside == counts).all():
            break
        models = fit_colour_models((colors, inside), (colors, counts - inside), k=k, rng=rng)
        likeness = models.likeness(big_colors)[big_index]
        foreground = cut(prior_weight * prior + (1 - prior_weight) * likeness, right, down)
    return big, ku.resize_mask(foreground, big.shape[:2]), models


def steps(image, *, k=3, rng=0, max_side=160, saliency_side=120, n_segments=150,
          slic_iterations=2, barrier_weight=0.4, barrier_scans=2, rounds=2,
          prior_weight=0.4, cut_side=320, cut_rounds=1, smoothness=10.0, clean=True,
          opening=0, min_component=0.2, edges=True):
    """Run the boundary method on an image and return every intermediate result.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `kmeans_utils.to_rgb8` accepts
    k : int, clusters of the foreground colour model (the background gets 2 k)
    rng : int, numpy.random.Generator or None, seed of the K-means seeding
    max_side : int, longest side of the working image of the colour models
    saliency_side : int, longest side of the copy cut into superpixels
    n_segments, slic_iterations : superpixel count and SLIC iterations
    barrier_weight : float in [0, 1], weight of the minimum-barrier cue (0: unused)
    barrier_scans : int, rounds of its raster scans
    rounds : int, rounds of colour models on superpixels (0: the saliency split alone)
    prior_weight : float in [0, 1], weight of the saliency against the colours
    cut_side : int, longest side of the image of the graph cut
    cut_rounds : int, graph cuts, each after fitting the colour models to the
        pixels of the mask so far (0: none)
    smoothness : float >= 0, weight of the graph cut's contrast term
    clean, opening, min_component : the clean-up (see `clean_mask`)
    edges : bool, decide the boundary at the input's resolution with the colour
        models (else the mask is enlarged by nearest neighbour)

    Returns
    -------
    Steps
    """
    k = _validate.integer("k", k, 1)
    max_side = _validate.integer("max_side", max_side, 1)
    saliency_side = _validate.integer("saliency_side", saliency_side, 1)
    slic_iterations = _validate.integer("slic_iterations", slic_iterations, 1)
    barrier_weight = _validate.number("barrier_weight", barrier_weight, 0, 1)
    barrier_scans = _validate.integer("barrier_scans", barrier_scans, 1)
    rounds = _validate.integer("rounds", rounds, 0)
    prior_weight = _validate.number("prior_weight", prior_weight, 0, 1)
    cut_side = _validate.integer("cut_side", cut_side, 1)
    cut_rounds = _validate.integer("cut_rounds", cut_rounds, 0)
    smoothness = _validate.number("smoothness", smoothness, 0, np.inf)
    rng = np.random.default_rng(rng)

    rgb = ku.to_rgb8(image)
    small = ku.rescale(rgb, max_side)
    lab, colors, index = lab_image(small)
    saliency_lab = _shrink_lab(lab, saliency_side)
    regions = superpixels(saliency_lab, n_segments, iterations=slic_iterations)
    graph = region_graph(regions, saliency_lab)
    if graph.n < 2:  # nothing to tell apart
        none, nothing = np.zeros(graph.n), np.zeros(small.shape[:2])
        return Steps(small, regions, graph, none, none, none, none, np.inf, nothing,
                     nothing, None, nothing > 0, small, nothing > 0, nothing > 0,
                     np.zeros(rgb.shape[:2], bool))
    connectivity = boundary_connectivity(graph)
    contrast = region_saliency(graph, connectivity)
    barrier = _barrier_cue(saliency_lab, regions, graph.size, barrier_scans) \
        if barrier_weight > 0 else np.zeros(graph.n)
    score = (1 - barrier_weight) * contrast + barrier_weight * barrier
    threshold = otsu_threshold(score, graph.size)
    prior = _enlarge(score[regions], small.shape)
    foreground, likeness, models = prior > threshold, prior, None
    in_front = score > threshold
    for _ in range(rounds):
        if in_front.all() or not in_front.any():
            break
        models = fit_colour_models((graph.color[in_front], graph.size[in_front]),
                                   (graph.color[~in_front], graph.size[~in_front]),
                                   k=k, rng=rng)
        likeness = models.likeness(colors)[index]
        foreground = prior_weight * prior + (1 - prior_weight) * likeness > 0.5
        # A superpixel is foreground for the next round if most of it is.
        votes = np.bincount(regions.ravel(), minlength=graph.n,
                            weights=ku.resize_mask(foreground, regions.shape).ravel())
        in_front = votes > 0.5 * graph.size
    raw_mask, cut_image, cut_mask = foreground, small, foreground
    if cut_rounds and models is not None:
        cut_image, cut_mask, cut_models = _graph_cut(
            rgb, score, regions, foreground, colors, index, cut_side=cut_side,
            rounds=cut_rounds,
            smoothness=smoothness, prior_weight=prior_weight, k=k, rng=rng)
        models = cut_models or models
    mask = clean_mask(cut_mask, opening=opening, min_component=min_component) \
        if clean else cut_mask
    full_mask = refine_edges(rgb, mask, models if edges else None)
    return Steps(small, regions, graph, connectivity, contrast, barrier, score, threshold,
                 prior, likeness, models, raw_mask, cut_image, cut_mask, mask, full_mask)


def boundary_mask(image, **options):
    """The boundary method's foreground mask at the input's size: ``steps(...).full_mask``."""
    return steps(image, **options).full_mask
