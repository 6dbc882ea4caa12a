"""Classical saliency cues of every superpixel, the features of the learned fusion.

Each cue is right on some photos and wrong on others; `region_features`
gathers them into one row per superpixel so that a small tree model
(`bgcut.fusion`) can learn which to trust where (Jiang et al., "Salient
Object Detection: A Discriminative Regional Feature Integration Approach",
CVPR 2013). Besides the boundary connectivity and contrast of
`bgcut.boundary` and the minimum-barrier distance of `bgcut.barrier`:

- `manifold_ranking` -- how strongly a region ranks with the border regions
  on the graph of similar neighbours (Yang, Zhang, Lu, Ruan and Yang,
  "Saliency Detection via Graph-Based Manifold Ranking", CVPR 2013);
- `geodesic_distance` -- the smallest sum of colour steps from a region to
  the border (Wei, Wen, Zhu and Sun, "Geodesic Saliency Using Background
  Priors", ECCV 2012);
- colour, spread, position, size, border contact, contrast to the border
  regions, the likeness to K-means colour models of a first split, the
  saliency at a coarser and a finer superpixel scale, and the within-image
  ranks of the main cues.
"""

import numbers
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.stats import rankdata

import kmeans_utils as ku

from . import _validate
from .barrier import minimum_barrier_distance, normalise
from .graphcut import fit_colour_models
from .regions import (
    RegionGraph,
    border_frame,
    boundary_connectivity,
    lab_image,
    otsu_threshold,
    region_graph,
    region_saliency,
    resize_map,
    superpixels,
)

__all__ = ["Cues", "superpixel_cues", "FEATURES", "fixed_blend", "BLEND_CUES", "check_blend",
           "blend", "manifold_ranking", "border_ranking", "geodesic_distance",
           "region_features"]


def _shrink_lab(lab, max_side):
    """Area-averaged copy of a CIELAB image with longest side at most `max_side`."""
    h, w = lab.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return lab
    shape = (max(1, round(h * scale)), max(1, round(w * scale)))
    return np.stack([resize_map(lab[..., c], shape, Image.Resampling.BOX) for c in range(3)],
                    axis=2)


class Cues(NamedTuple):
    """The superpixels of an image and their unsupervised cues (`superpixel_cues`)."""

    image: np.ndarray
    """(h, w, 3) uint8: the image shrunk to `max_side`, where the colour models work."""
    colors: np.ndarray
    """(M, 3) the CIELAB distinct colours of `image`."""
    index: np.ndarray
    """(h, w) each pixel's row of `colors`."""
    lab: np.ndarray
    """(hs, ws, 3) the smaller CIELAB copy cut into superpixels."""
    regions: np.ndarray
    """(hs, ws) int: its superpixels."""
    graph: RegionGraph
    """Their statistics and adjacency."""
    connectivity: np.ndarray
    """(n,) boundary connectivity of each superpixel."""
    contrast: np.ndarray
    """(n,) saliency from boundary connectivity and contrast (`region_saliency`)."""
    barrier: np.ndarray
    """(n,) mean minimum-barrier distance to the border (zeros if not computed)."""

    def features(self):
        """The learned fusion's input: `region_features` of these cues, a row per superpixel."""
        return region_features(self.lab, self.regions, self.graph, self.connectivity,
                               self.contrast, self.barrier)


def _region_cues(lab, n_segments, iterations):
    """Superpixels of a CIELAB image, their graph, connectivity and contrast saliency.

    With fewer than two superpixels the connectivity and contrast are zeros.
    """
    regions = superpixels(lab, n_segments, iterations=iterations)
    graph = region_graph(regions, lab)
    if graph.n < 2:
        return regions, graph, np.zeros(graph.n), np.zeros(graph.n)
    connectivity = boundary_connectivity(graph)
    return regions, graph, connectivity, region_saliency(graph, connectivity)


def superpixel_cues(image, *, max_side=160, saliency_side=120, n_segments=150,
                    slic_iterations=2, barrier_scans=2, barrier=True):
    """Steps 1-3 of the method: superpixels and their border cues, before any fusion.

    Parameters are those of `steps`; `barrier` False skips the
    minimum-barrier distance. With fewer than two superpixels the cues are
    zeros.

    Returns
    -------
    Cues
    """
    max_side = _validate.integer("max_side", max_side, 1)
    saliency_side = _validate.integer("saliency_side", saliency_side, 1)
    slic_iterations = _validate.integer("slic_iterations", slic_iterations, 1)
    barrier_scans = _validate.integer("barrier_scans", barrier_scans, 1)
    small = ku.rescale(image, max_side)
    lab, colors, index = lab_image(small)
    saliency_lab = _shrink_lab(lab, saliency_side)
    regions, graph, connectivity, contrast = _region_cues(saliency_lab, n_segments,
                                                          slic_iterations)
    distance = np.zeros(graph.n)
    if barrier and graph.n >= 2:
        pixels = minimum_barrier_distance(saliency_lab, scans=barrier_scans)
        distance = np.bincount(regions.ravel(), pixels.ravel()) / graph.size
    return Cues(small, colors, index, saliency_lab, regions, graph, connectivity, contrast,
                distance)


FEATURES = (
    "contrast", "connectivity", "background", "barrier", "barrier_raw", "fixed_fusion",
    "ranking_border", "ranking_object", "geodesic", "geodesic_raw",
    "L", "a", "b", "spread_L", "spread_a", "spread_b",
    "row", "column", "centre_distance", "size", "border_share",
    "border_contrast_mean", "border_contrast_min", "global_contrast", "colour_likeness",
    "contrast_coarse", "contrast_fine", "connectivity_coarse", "connectivity_fine",
    "rank_contrast", "rank_barrier", "rank_ranking", "rank_geodesic",
)
"""Names of the columns of `region_features`, in order."""


def fixed_blend(contrast, barrier, barrier_weight=0.4):
    """The hand-set fusion of two cues: ``(1 - w) contrast + w barrier``.

    `barrier` is the minimum-barrier cue normalised to [0, 1]; the default
    weight is that of ``fusion="fixed"`` in `bgcut.boundary.steps`.
    """
    return (1 - barrier_weight) * contrast + barrier_weight * barrier


BLEND_CUES = ("contrast", "barrier", "geodesic", "ranking_border")
"""The cues a hand-set `blend` can weigh; each is a column of `FEATURES` too."""


def check_blend(weights):
    """Validate blend weights: a mapping of `BLEND_CUES` names to numbers >= 0, not all 0.

    Returns the weights as a dict of floats.
    """
    if not isinstance(weights, Mapping):
        raise TypeError(f"blend weights must be a mapping of cue names to weights, "
                        f"got {type(weights).__name__}")
    unknown = sorted(set(weights) - set(BLEND_CUES), key=str)
    if unknown:
        raise ValueError(f"unknown cue {unknown[0]!r} in blend weights; "
                         f"the cues are {list(BLEND_CUES)}")
    for name, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) \
                or not 0 <= weight < np.inf:
            raise ValueError(f"blend weight of {name!r} must be a finite number >= 0, "
                             f"got {weight!r}")
    if sum(weights.values()) <= 0:
        raise ValueError(f"blend weights must not all be 0, got {dict(weights)!r}")
    return {name: float(weight) for name, weight in weights.items()}


def blend(cues, weights):
    """A hand-set fusion: the weighted mean of named cues of every superpixel.

    Parameters
    ----------
    cues : Cues
    weights : mapping of `BLEND_CUES` names to weights >= 0 (see `check_blend`)
        ``"contrast"``: the contrast saliency; ``"barrier"``: the
        minimum-barrier distance normalised to [0, 1] (zeros unless `cues`
        has it); ``"geodesic"``: `geodesic_distance` normalised the same way;
        ``"ranking_border"``: `border_ranking`. Only cues of positive weight
        are computed.

    Returns
    -------
    (n,) ndarray of float in [0, 1], the foreground score of each superpixel
    """
    weights = check_blend(weights)
    cue = {"contrast": lambda: cues.contrast,
           "barrier": lambda: normalise(cues.barrier),
           "geodesic": lambda: normalise(geodesic_distance(cues.graph)),
           "ranking_border": lambda: border_ranking(cues.graph)}
    total = sum(w * cue[name]() for name, w in weights.items() if w > 0)
    return total / sum(weights.values())


def _check_graph(graph):
    if graph.n < 1 or graph.edges.ndim != 2 or graph.edges.shape[1:] != (2,):
        raise ValueError(f"graph must be a RegionGraph with at least one region, "
                         f"got n={graph.n}")


def _similarity_matrix(graph, sigma_color):
    """(n, n) affinities exp(-d^2 / 2 sigma^2) of neighbouring regions, 0 elsewhere."""
    i, j = graph.edges.T
    d2 = ((graph.color[i] - graph.color[j]) ** 2).sum(axis=1)
    weight = np.exp(-d2 / (2 * sigma_color ** 2))
    return coo_matrix((np.r_[weight, weight], (np.r_[i, j], np.r_[j, i])),
                      shape=(graph.n, graph.n)).toarray()


def manifold_ranking(graph, queries, *, alpha=0.99, sigma_color=10.0):
    """Ranking scores of every region with respect to query regions.

    ``f = (D - alpha W)^-1 y`` with ``W`` the colour affinities of
    neighbouring regions (border regions all linked to each other), ``D``
    its degrees and ``y`` 1 on the queries; scaled to [0, 1]. A region
    takes about the average of its neighbours' scores, so a group of
    similar regions ranks together: high if it holds a query, low if it is
    only weakly joined to one.

    Parameters
    ----------
    graph : RegionGraph
    queries : (n,) bool or float array_like, the query weights
    alpha : float in (0, 1), how far the ranking spreads
    sigma_color : float > 0, the colour scale of the affinities (CIELAB units)

    Returns
    -------
    (n,) ndarray of float in [0, 1]; 0 everywhere when there are no queries.

    Examples
    --------
    >>> from bgcut.regions import region_graph
    >>> labels = np.repeat([[0, 1, 2, 3]], 3, axis=0)
    >>> lab = np.zeros((3, 4, 3)); lab[:, 2:, 0] = 30
    >>> manifold_ranking(region_graph(labels, lab), [1, 0, 0, 0]).round(2).tolist()
    [1.0, 0.95, 0.0, 0.0]
    """
    _check_graph(graph)
    y = np.asarray(queries, dtype=np.float64)
    if y.shape != (graph.n,):
        raise ValueError(f"queries must have shape ({graph.n},), got {y.shape}")
    alpha = _validate.number("alpha", alpha, 0, 1)
    if alpha >= 1:
        raise ValueError(f"alpha must be below 1, got {alpha!r}")
    sigma_color = _validate.positive("sigma_color", sigma_color)
    if not y.any():
        return np.zeros(graph.n)
    affinity = _similarity_matrix(graph, sigma_color)
    b = graph.border
    affinity[np.ix_(b, b)] = np.maximum(affinity[np.ix_(b, b)], np.exp(
        -((graph.color[b, None] - graph.color[None, b]) ** 2).sum(axis=2)
        / (2 * sigma_color ** 2)))
    np.fill_diagonal(affinity, 0)
    system = np.diag(affinity.sum(axis=1) + 1e-9) - alpha * affinity
    f = np.linalg.solve(system, y)
    spread = np.ptp(f)
    return (f - f.min()) / spread if spread > 0 else np.ones(graph.n)


def border_ranking(graph):
    """1 - `manifold_ranking` from the border regions: high for regions unlike the border."""
    on_border = np.zeros(graph.n, bool)
    on_border[graph.border] = True
    return 1 - manifold_ranking(graph, on_border)


def geodesic_distance(graph, *, floor=3.0):
    """Smallest sum of colour steps from each region to a border region.

    Steps between neighbouring regions cost their CIELAB distance less
    `floor` (small changes inside a textured background cost nothing).

    Returns
    -------
    (n,) ndarray of float, 0 on the border regions

    Examples
    --------
    >>> from bgcut.regions import region_graph
    >>> labels = np.repeat([[0, 1, 2, 2]], 4, axis=0); labels[1:3, 1:3] = 3
    >>> lab = np.zeros((4, 4, 3)); lab[1:3, 1:3, 0] = 40
    >>> geodesic_distance(region_graph(labels, lab)).tolist()
    [0.0, 0.0, 0.0, 37.0]
    """
    _check_graph(graph)
    floor = _validate.number("floor", floor, 0, np.inf)
    i, j = graph.edges.T
    step = np.sqrt(((graph.color[i] - graph.color[j]) ** 2).sum(axis=1))
    # Zero-cost steps would vanish from a sparse graph: keep them by a hair.
    cost = np.maximum(step - floor, 0) + 1e-9
    matrix = coo_matrix((cost, (i, j)), shape=(graph.n, graph.n)).tocsr()
    distance = dijkstra(matrix, directed=False, indices=graph.border, min_only=True)
    return np.where(np.isfinite(distance), distance, 0.0).round(6)


def _ranks(values):
    """Within-image rank of each value, scaled to [0, 1]; ties share their mean rank."""
    return (rankdata(values) - 1) / max(len(values) - 1, 1)


def _spread(lab, regions, graph):
    """(n, 3) standard deviation of each channel inside each region."""
    flat = regions.ravel()
    second = np.stack([np.bincount(flat, weights=lab[..., c].ravel() ** 2, minlength=graph.n)
                       for c in range(3)], axis=1) / graph.size[:, None]
    return np.sqrt(np.maximum(second - graph.color ** 2, 0))


def _other_scale(lab, regions, graph, n_segments):
    """Contrast saliency and connectivity at another superpixel count, per region."""
    labels, _, connectivity, contrast = _region_cues(lab, n_segments, 2)
    flat = regions.ravel()
    return tuple(np.bincount(flat, weights=values[labels].ravel(), minlength=graph.n)
                 / graph.size for values in (contrast, connectivity))


def region_features(lab, regions, graph, connectivity, contrast, barrier, *, rng=0):
    """One row of classical cues per superpixel (`FEATURES` names the columns).

    Parameters
    ----------
    lab : (H, W, 3) float ndarray, the CIELAB image the superpixels were cut from
    regions : (H, W) int ndarray, the superpixels (see `bgcut.regions.superpixels`)
    graph : RegionGraph of those superpixels
    connectivity, contrast : (n,) the boundary connectivity and contrast
        saliency (`bgcut.regions.boundary_connectivity`, `region_saliency`)
    barrier : (n,) mean minimum-barrier distance of each region (not normalised)
    rng : int, numpy.random.Generator or None, seed of the colour models' K-means

    Returns
    -------
    (n, len(FEATURES)) ndarray of float
    """
    _check_graph(graph)
    lab = np.asarray(lab, dtype=np.float64)
    regions = np.asarray(regions)
    if lab.shape != regions.shape + (3,):
        raise ValueError(f"lab must have shape {regions.shape + (3,)}, got {lab.shape}")
    cues = [np.asarray(v, dtype=np.float64) for v in (connectivity, contrast, barrier)]
    for name, values in zip(("connectivity", "contrast", "barrier"), cues):
        if values.shape != (graph.n,):
            raise ValueError(f"{name} must have shape ({graph.n},), got {values.shape}")
    connectivity, contrast, barrier_raw = cues
    n = graph.n
    barrier = normalise(barrier_raw)
    fixed = fixed_blend(contrast, barrier)
    ranking_border = border_ranking(graph)
    ranking_object = manifold_ranking(graph, ranking_border > ranking_border.mean())
    geodesic_raw = geodesic_distance(graph)
    position = graph.position
    centre = np.sqrt(((position - 0.5) ** 2).sum(axis=1))
    border_share = np.bincount(regions[border_frame(regions.shape)], minlength=n) / graph.size
    distance = np.sqrt(((graph.color[:, None] - graph.color[None]) ** 2).sum(axis=2))
    weights = graph.size / graph.size.sum()
    to_border = distance[:, graph.border]
    border_weights = weights[graph.border] / weights[graph.border].sum()
    likeness = np.full(n, 0.5)
    split = fixed > otsu_threshold(fixed, graph.size)
    if split.any() and not split.all():
        models = fit_colour_models((graph.color[split], graph.size[split]),
                                   (graph.color[~split], graph.size[~split]), rng=rng)
        likeness = models.likeness(graph.color).astype(np.float64)
    coarse = _other_scale(lab, regions, graph, 50)
    fine = _other_scale(lab, regions, graph, 300)
    columns = [
        contrast, connectivity, 1 - np.exp(-connectivity ** 2 / 2), barrier,
        barrier_raw / 100, fixed, ranking_border, ranking_object, normalise(geodesic_raw),
        geodesic_raw / 100, *(graph.color / 100).T, *(_spread(lab, regions, graph) / 100).T,
        *position.T, centre, weights, border_share,
        to_border @ border_weights / 100, to_border.min(axis=1) / 100,
        distance @ weights / 100, likeness, coarse[0], fine[0], coarse[1], fine[1],
        _ranks(contrast), _ranks(barrier_raw), _ranks(ranking_border), _ranks(geodesic_raw),
    ]
    return np.stack(columns, axis=1)
