"""The boundary method: border cues fused by trees, K-means colour models and a graph cut.

1. Shrink the image to 160 pixels and convert it to CIELAB; cut a 120-pixel
   copy into about 150 SLIC superpixels -- K-means of the pixels in CIELAB
   plus position (`bgcut.regions`).
2. Score every superpixel: its *boundary connectivity* (how much of the
   border it reaches along paths of similar colour, over the square root of
   the area it reaches) gives a background probability; its colour contrast
   against likely background, weighted by distance, a foreground weight; a
   least-squares smoothing over neighbouring superpixels combines the two
   (`boundary_connectivity`, `region_saliency`; Zhu, Liang, Wei and Sun,
   "Saliency Optimization from Robust Background Detection", CVPR 2014).
3. A second border cue, the *minimum-barrier distance* of each superpixel to
   the border (`bgcut.barrier`, Zhang et al., ICCV 2015). Steps 1-3 are
   `superpixel_cues`.
4. Fuse: regression trees trained on human masks (`bgcut.fusion`) turn
   these and further classical cues (`bgcut.cues`: manifold ranking,
   geodesic distance, colour, position, ...) into one foreground score per
   superpixel -- the one supervised step. ``fusion="fixed"`` blends the
   first two cues instead (weights 0.6 / 0.4).
5. Split the fused scores at Otsu's threshold (`otsu_threshold`), fit K-means
   colour models to the foreground (k clusters) and background (2 k)
   superpixels, rescore every pixel's colour by which model it is nearer,
   blend with the saliency and threshold; twice.
6. A graph cut at 320 pixels (`bgcut.graphcut`): colour models refitted to
   the pixels of that mask give each pixel's unary cost, blended with the
   saliency, and a contrast-sensitive term between neighbours makes the cut
   follow colour edges (GrabCut, with K-means in place of Gaussian mixtures).
7. Clean up: holes filled, parts much smaller than the largest dropped
   (`clean_mask`); on photos more than twice the cut's size, the boundary is
   decided again at full resolution (`bgcut.edges`).

`steps` runs the method and returns every intermediate result; its options
switch steps off and set the sizes. ``fusion="fixed"``, ``barrier_weight=0``,
``cut_rounds=0``, ``edges=False`` is the method before the barrier cue and the
graph cut (`bgcut.cutout.BASIC`); the faster setting ``method="fast"`` of
`bgcut.remove_background` (`bgcut.cutout.FAST`) also works on a 90-pixel copy
with a hand-set blend of cheap cues (`bgcut.cues.blend`) and one round of
colour models.
"""

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from scipy import ndimage

import kmeans_utils as ku

from . import _validate
from .barrier import normalise
from .cues import blend, check_blend, fixed_blend, superpixel_cues
from .edges import refine_edges
from .fusion import Trees, calibrate, default_trees
from .graphcut import contrast_weights, cut, fit_colour_models
from .regions import RegionGraph, border_frame, lab_image, otsu_threshold, resize_map

__all__ = ["clean_mask", "Steps", "steps", "boundary_mask"]


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
    features: object
    """(n, F) the learned fusion's features (`bgcut.cues.FEATURES`), or None."""
    saliency: np.ndarray
    """(n,) the cues fused: the foreground score of each superpixel."""
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


def _fuse(cues, fusion, barrier_weight):
    """Foreground score of each superpixel, the learned features (or None), the barrier cue."""
    barrier = normalise(cues.barrier)  # zeros when not computed
    if isinstance(fusion, Mapping):
        return blend(cues, fusion), None, barrier
    if isinstance(fusion, str) and fusion == "fixed":
        return fixed_blend(cues.contrast, barrier, barrier_weight), None, barrier
    trees = default_trees() if isinstance(fusion, str) else fusion
    features = cues.features()
    return calibrate(trees.predict(features), cues.graph.size), features, barrier


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
    prior = resize_map(score[regions], big.shape[:2])
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
          slic_iterations=2, fusion="learned", barrier_weight=0.4, barrier_scans=2, rounds=2,
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
    fusion : 'learned', 'fixed', `bgcut.fusion.Trees` or a mapping
        How the cues become one score per superpixel: the project's trained
        trees over `bgcut.cues.FEATURES` (``"learned"``, the default), other
        trees, the hand-set blend of the contrast saliency and the
        minimum-barrier cue (``"fixed"``, weighted by `barrier_weight`), or
        a hand-set blend of other cues, e.g. ``{"contrast": 0.6,
        "geodesic": 0.2, "ranking_border": 0.2}`` (`bgcut.cues.blend`).
    barrier_weight : float in [0, 1], weight of the minimum-barrier cue in the
        ``"fixed"`` blend (0: not computed)
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
    barrier_weight = _validate.number("barrier_weight", barrier_weight, 0, 1)
    if isinstance(fusion, Mapping):
        fusion = check_blend(fusion)
        use_barrier = fusion.get("barrier", 0) > 0
    elif isinstance(fusion, Trees) or isinstance(fusion, str) and fusion == "learned":
        use_barrier = True
    elif isinstance(fusion, str) and fusion == "fixed":
        use_barrier = barrier_weight > 0
    else:
        raise ValueError(f"fusion must be 'learned', 'fixed', Trees or a mapping of cue "
                         f"weights, got {fusion!r}")
    rounds = _validate.integer("rounds", rounds, 0)
    prior_weight = _validate.number("prior_weight", prior_weight, 0, 1)
    cut_side = _validate.integer("cut_side", cut_side, 1)
    cut_rounds = _validate.integer("cut_rounds", cut_rounds, 0)
    smoothness = _validate.number("smoothness", smoothness, 0, np.inf)
    rng = np.random.default_rng(rng)

    rgb = ku.to_rgb8(image)
    cues = superpixel_cues(rgb, max_side=max_side, saliency_side=saliency_side,
                           n_segments=n_segments, slic_iterations=slic_iterations,
                           barrier_scans=barrier_scans, barrier=use_barrier)
    small, colors, index, _, regions, graph, connectivity, contrast, _ = cues
    if graph.n < 2:  # nothing to tell apart
        none, nothing = np.zeros(graph.n), np.zeros(small.shape[:2])
        return Steps(small, regions, graph, none, none, none, None, none, np.inf, nothing,
                     nothing, None, nothing > 0, small, nothing > 0, nothing > 0,
                     np.zeros(rgb.shape[:2], bool))
    score, features, barrier = _fuse(cues, fusion, barrier_weight)
    threshold = otsu_threshold(score, graph.size)
    prior = resize_map(score[regions], small.shape[:2])
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
    return Steps(small, regions, graph, connectivity, contrast, barrier, features, score,
                 threshold, prior, likeness, models, raw_mask, cut_image, cut_mask, mask,
                 full_mask)


def boundary_mask(image, **options):
    """The boundary method's foreground mask at the input's size: ``steps(...).full_mask``."""
    return steps(image, **options).full_mask
