"""The boundary method: border cues fused by trees, K-means colour models and a graph cut.

1. Shrink the image to 160 pixels and convert it to CIELAB; cut a 120-pixel
   copy into about 150 SLIC superpixels -- K-means of the pixels in CIELAB
   plus position, where position weighs so much that they are nearly a
   regular grid (`bgcut.colour`, `bgcut.regions.superpixels`).
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
4. Fuse (`bgcut.fusion`): regression trees trained on human masks turn
   these and further classical cues (`bgcut.cues.region_features`: manifold
   ranking, geodesic distance, colour, position, ...) into one foreground
   score per superpixel -- the one supervised step. ``fusion="fixed"``
   blends the first two cues instead (weights 0.6 / 0.4).
5. Split the fused scores at Otsu's threshold, fit K-means colour models
   (`bgcut.colour_models`) to the foreground (k clusters) and background
   (2 k) superpixels, rescore every pixel's colour by which model it is
   nearer, blend with the saliency and threshold; twice.
6. A graph cut at 280 pixels (`bgcut.graphcut`): colour models refitted to
   the pixels of that mask give each pixel's unary cost, blended with the
   saliency, and a contrast-sensitive term between neighbours makes the cut
   follow colour edges (GrabCut, with K-means in place of Gaussian mixtures).
7. Clean up: holes filled, parts much smaller than the largest dropped
   (`clean_mask`); on photos larger than the cut, the boundary is decided
   again at full resolution (`bgcut.edges`).

`steps` runs the method and returns every intermediate result; its
`bgcut.settings.Settings` switch steps off and set the sizes.
`bgcut.settings.BASIC` is the method before the barrier cue and the graph cut;
the faster setting ``method="fast"`` of `bgcut.remove_background`
(`bgcut.settings.FAST`) also works on a 90-pixel copy with a hand-set blend
of cheap cues (`bgcut.fusion.blend`) and one round of colour models.
"""

from typing import NamedTuple

import numpy as np
from scipy import ndimage

import kmeans_utils as ku

from . import validation
from .colour import resize_map
from .colour_models import fit_colour_models
from .cues import superpixel_cues
from .edges import refine_edges
from .fusion import fuse, otsu_threshold
from .graphcut import grabcut
from .io import check_image
from .regions import RegionGraph
from .settings import DEFAULT, Settings

__all__ = ["clean_mask", "Steps", "steps"]


def _fill_holes(mask):
    """Fill the parts of the background that do not reach the image border."""
    outside, count = ndimage.label(~mask)
    reaches = ku.border_counts(outside, count + 1) > 0
    reaches[0] = True
    return ~reaches[outside] | mask


def _clean(mask, min_component):
    """`clean_mask` of a checked mask and fraction."""
    mask = _fill_holes(mask)
    if min_component > 0:
        parts, count = ndimage.label(mask)
        if count > 1:
            sizes = np.bincount(parts.ravel())
            keep = sizes >= min_component * sizes[1:].max()
            keep[0] = False
            mask = keep[parts]
    return mask


def clean_mask(mask, *, min_component=0.2):
    """Morphological clean-up of a foreground mask.

    Holes are filled, and connected parts smaller than `min_component` (in
    [0, 1]) times the largest part are dropped.

    Returns
    -------
    (H, W) ndarray of bool
    """
    mask = ku.as_mask(mask)
    return _clean(mask, validation.number("min_component", min_component, 0, 1))


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
    """(n, F) the learned fusion's features (`bgcut.fusion.FEATURES`), or None."""
    saliency: np.ndarray
    """(n,) the cues fused: the foreground score of each superpixel."""
    threshold: float
    """Otsu's threshold of the saliency: the first split."""
    prior: np.ndarray
    """(h, w) the saliency enlarged to the working image."""
    likeness: np.ndarray
    """(h, w) the last round's colour likeness (the prior if no round ran)."""
    models: object
    """The last `bgcut.colour_models.ColourModels`, or None if no round ran."""
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


def _colour_rounds(cues, score, threshold, settings, rng):
    """Step 5: rounds of colour models fitted to the superpixels on either side of the split.

    Returns the working image's prior (the score enlarged), its last colour
    likeness, its mask and the last models (None if no round ran).
    """
    graph, regions = cues.graph, cues.regions
    prior = resize_map(score[regions], cues.image.shape[:2])
    foreground, likeness, models = prior > threshold, prior, None
    in_front = score > threshold
    for _ in range(settings.rounds):
        if in_front.all() or not in_front.any():
            break
        models = fit_colour_models((graph.color[in_front], graph.size[in_front]),
                                   (graph.color[~in_front], graph.size[~in_front]),
                                   k=settings.k, rng=rng)
        likeness = models.likeness(cues.colors)[cues.index]
        foreground = settings.prior_weight * prior + (1 - settings.prior_weight) * likeness > 0.5
        # A superpixel is foreground for the next round if most of it is.
        votes = np.bincount(regions.ravel(), minlength=graph.n, weights=ku.resize_mask(
            foreground, regions.shape, check_input=False).ravel())
        in_front = votes > 0.5 * graph.size
    return prior, likeness, foreground, models


def _nothing_to_split(rgb, cues):
    """The steps of an image with fewer than two superpixels: all background."""
    none, nothing = np.zeros(cues.graph.n), np.zeros(cues.image.shape[:2])
    return Steps(image=cues.image, regions=cues.regions, graph=cues.graph, connectivity=none,
                 contrast=none, barrier=none, features=None, saliency=none, threshold=np.inf,
                 prior=nothing, likeness=nothing, models=None, raw_mask=nothing > 0,
                 cut_image=cues.image, cut_mask=nothing > 0, mask=nothing > 0,
                 full_mask=np.zeros(rgb.shape[:2], bool))


def steps(image, *, settings=DEFAULT, rng=0, check_input=True):
    """Run the boundary method on an image and return every intermediate result.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `bgcut.io.check_image` accepts
    settings : bgcut.settings.Settings
        The method's settings; `bgcut.settings.DEFAULT` by default, e.g.
        ``bgcut.FAST`` or ``bgcut.BASIC.replace(rounds=0)``.
    rng : int, numpy.random.Generator or None, seed of the K-means seeding
    check_input : bool
        False skips the checks, as scikit-learn's trees allow: `image` must
        then be a checked (H, W, 3) uint8 array and `settings` a `Settings`
        (`bgcut.remove_background` checks both once).

    Returns
    -------
    Steps
    """
    if check_input:
        image = check_image(image)
        if not isinstance(settings, Settings):
            raise TypeError(f"settings must be a bgcut.Settings, got {settings!r}")
    rng = np.random.default_rng(rng)
    cues = superpixel_cues(image, settings)
    if cues.graph.n < 2:  # nothing to tell apart
        return _nothing_to_split(image, cues)
    score, features, barrier = fuse(cues, settings)
    threshold = otsu_threshold(score, cues.graph.size)
    prior, likeness, foreground, models = _colour_rounds(cues, score, threshold, settings, rng)
    cut_image, cut_mask = cues.image, foreground
    if settings.cut_rounds and models is not None:
        cut_image, cut_mask, cut_models = grabcut(image, score[cues.regions], foreground,
                                                  cues.colors, cues.index, settings, rng)
        models = cut_models or models
    mask = _clean(cut_mask, settings.min_component) if settings.clean else cut_mask
    full_mask = refine_edges(image, mask, models if settings.edges else None)
    return Steps(image=cues.image, regions=cues.regions, graph=cues.graph,
                 connectivity=cues.connectivity, contrast=cues.contrast, barrier=barrier,
                 features=features, saliency=score, threshold=threshold, prior=prior,
                 likeness=likeness, models=models, raw_mask=foreground, cut_image=cut_image,
                 cut_mask=cut_mask, mask=mask, full_mask=full_mask)
