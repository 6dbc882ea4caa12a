"""Edges at the input's resolution: the pixels along a mask's boundary, decided anew.

A mask decided on a working copy and enlarged by nearest neighbour has stair
steps as large as the enlargement (14 pixels for a 4000x3000 photo cut at
280). `refine_edges` keeps the enlarged mask away from its boundary and, in a
band a few working pixels wide along it, decides each full-resolution pixel by
its own colour (the K-means colour models) blended with a smoothed copy of the
mask. Only the band is converted and scored, so the cost follows the length of
the boundary, not the size of the photo.
"""

import numpy as np
from scipy import ndimage

import kmeans_utils as ku

from . import validation
from .colour import rgb_to_lab

__all__ = ["refine_edges"]


def refine_edges(rgb, mask, models, *, band=2, prior_weight=0.5):
    """The mask at the image's resolution, its boundary decided pixel by pixel.

    The image and the mask are the boundary method's own, already checked;
    they are not checked again.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray, a checked image (`bgcut.io.check_image`)
    mask : (h, w) ndarray of bool, the mask at a working resolution
    models : bgcut.colour_models.ColourModels, or None for a plain enlargement
    band : int, half-width of the band along the boundary, in working pixels
    prior_weight : float in [0, 1], weight of the smoothed mask against the colour

    Returns
    -------
    (H, W) ndarray of bool
    """
    band = validation.integer("band", band, 1)
    prior_weight = validation.number("prior_weight", prior_weight, 0, 1)
    shape = rgb.shape[:2]
    coarse = ku.resize_mask(mask, shape, check_input=False)
    # Not enlarged, there are no stair steps to refine. Every enlargement is refined,
    # even by under 2x: on real photos of about 400 px cut at 280 that scored better.
    if models is None or max(shape) <= max(mask.shape) or mask.all() or not mask.any():
        return coarse
    near_edge = ndimage.binary_dilation(mask, iterations=band) \
        & ~ndimage.binary_erosion(mask, iterations=band, border_value=1)
    rows, cols = np.nonzero(ku.resize_mask(near_edge, shape, check_input=False))
    # Each full-resolution pixel centre, in working-pixel coordinates.
    scale = np.divide(mask.shape, shape)
    coordinates = [(rows + 0.5) * scale[0] - 0.5, (cols + 0.5) * scale[1] - 0.5]
    smooth = ndimage.gaussian_filter(mask.astype(np.float64), sigma=band / 2)
    prior = ndimage.map_coordinates(smooth, coordinates, order=1, mode="nearest")
    likeness = models.likeness(rgb_to_lab(rgb[rows, cols], np.float32))
    refined = coarse.copy()
    refined[rows, cols] = prior_weight * prior + (1 - prior_weight) * likeness > 0.5
    return refined
