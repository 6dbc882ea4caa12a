"""The cues of every superpixel: steps 1-3 of the boundary method, and the fusion's features.

`superpixel_cues` shrinks a checked image, converts it to CIELAB, cuts it
into superpixels and gives each its boundary connectivity, contrast
saliency and minimum-barrier distance (`bgcut.regions`, `bgcut.barrier`).
Each cue is right on some photos and wrong on others; `region_features`
gathers them and more into one row per superpixel (`bgcut.fusion.FEATURES`)
so that a small tree model (`bgcut.fusion`) can learn which to trust where
(Jiang et al., "Salient Object Detection: A Discriminative Regional Feature
Integration Approach", CVPR 2013): the manifold ranking and geodesic
distance of `bgcut.regions`, colour, spread, position, size, border contact,
contrast to the border regions, the likeness to K-means colour models of a
first split, the saliency at a coarser and a finer superpixel scale, and the
within-image ranks of the main cues.
"""

from typing import NamedTuple

import numpy as np
from scipy.stats import rankdata

import kmeans_utils as ku

from .barrier import minimum_barrier_distance, normalise
from .colour import lab_image, shrink_lab
from .colour_models import fit_colour_models
from .fusion import fixed_blend, otsu_threshold
from .regions import (
    RegionGraph,
    border_ranking,
    boundary_connectivity,
    check_graph,
    geodesic_distance,
    manifold_ranking,
    region_graph,
    region_saliency,
    superpixels,
)
from .settings import DEFAULT

__all__ = ["Cues", "superpixel_cues", "region_features"]


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


def superpixel_cues(rgb, settings=DEFAULT):
    """Steps 1-3 of the method: superpixels and their border cues, before any fusion.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        An image already checked (`bgcut.io.check_image`); it is not checked again.
    settings : bgcut.settings.Settings
        Its sizes (``max_side``, ``saliency_side``), superpixels (``n_segments``,
        ``slic_iterations``) and barrier scans; the minimum-barrier distance is
        computed only if its fusion uses it (``settings.uses_barrier``).

    Returns
    -------
    Cues
        With fewer than two superpixels the cues are zeros.
    """
    small = ku.rescale(rgb, settings.max_side, check_input=False)
    lab, colors, index = lab_image(small)
    saliency_shape = ku.rescale(small, settings.saliency_side, check_input=False).shape[:2]
    saliency_lab = shrink_lab(lab, saliency_shape)
    regions, graph, connectivity, contrast = _region_cues(saliency_lab, settings.n_segments,
                                                          settings.slic_iterations)
    distance = np.zeros(graph.n)
    if settings.uses_barrier and graph.n >= 2:
        pixels = minimum_barrier_distance(saliency_lab, scans=settings.barrier_scans)
        distance = np.bincount(regions.ravel(), pixels.ravel()) / graph.size
    return Cues(image=small, colors=colors, index=index, lab=saliency_lab, regions=regions,
                graph=graph, connectivity=connectivity, contrast=contrast, barrier=distance)


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
    """One row of classical cues per superpixel (`bgcut.fusion.FEATURES` names the columns).

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
    (n, len(bgcut.fusion.FEATURES)) ndarray of float
    """
    check_graph(graph)
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
    border_share = ku.border_counts(regions, n) / graph.size
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
    fine = _other_scale(lab, regions, graph, 200)
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
