"""Colour conversion: CIELAB images converted once per distinct colour, and resized maps.

Every step of the boundary method works in CIELAB, where Euclidean distance
follows perceived colour difference. A photo holds far fewer distinct
colours than pixels, so `lab_image` converts each distinct colour once
(`rgb_to_lab`, scikit-image's arithmetic with a table for the transfer
curve). `resize_map` and `shrink_lab` bring float maps and CIELAB images to
another size.

The functions here are workers behind the package's public doors: they take
an image already checked by `bgcut.io.check_image` -- (H, W, 3) uint8 -- and
do not check it again.
"""

import numpy as np
from PIL import Image
from skimage import color

import kmeans_utils as ku

__all__ = ["rgb_to_lab", "lab_image", "resize_map", "shrink_lab"]

_LEVELS = np.arange(256) * (1.0 / 255)
_LINEAR = np.where(_LEVELS > 0.04045, np.power((_LEVELS + 0.055) / 1.055, 2.4), _LEVELS / 12.92)
"""sRGB's transfer curve for every 8-bit level: linear light, as `skimage.color.rgb2xyz`."""
_WHITE = color.xyz_tristimulus_values(illuminant="D65", observer="2", dtype=np.float64)
_XYZ_FROM_RGB = np.array([[0.412453, 0.357580, 0.180423],
                          [0.212671, 0.715160, 0.072169],
                          [0.019334, 0.119193, 0.950227]])
"""sRGB (linear) to CIE XYZ, the matrix of `skimage.color.rgb2xyz` (ITU-R BT.709)."""


def rgb_to_lab(colors, dtype=np.float64):
    """CIELAB (D65, 2 degree observer) of uint8 sRGB colours, (..., 3) -> (..., 3).

    `skimage.color.rgb2lab`'s arithmetic step by step, with the transfer
    curve read from a table of the 256 levels instead of raised to a power
    for every value: in float64 the same numbers, bit for bit, in about half
    the time. ``dtype=np.float32`` computes in single precision (within
    2e-4 of those on 40 photos, in about half the time): the graph cut and the
    edges, which score colours in single precision, convert every pixel so.

    Examples
    --------
    >>> rgb_to_lab(np.array([[255, 0, 0], [0, 0, 0]], np.uint8)).round(2).tolist()
    [[53.24, 80.09, 67.2], [0.0, 0.0, 0.0]]
    """
    xyz = _LINEAR.astype(dtype)[colors] @ _XYZ_FROM_RGB.T.astype(dtype) / _WHITE.astype(dtype)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), dtype(7.787) * xyz + dtype(16.0 / 116.0))
    x, y, z = np.moveaxis(f, -1, 0)
    return np.stack([116 * y - 16, 500 * (x - y), 200 * (y - z)], axis=-1)


def lab_image(rgb):
    """CIELAB of a checked (H, W, 3) uint8 image, converted once per distinct colour.

    Returns the (H, W, 3) CIELAB image, the (M, 3) CIELAB distinct colours
    and the (H, W) index of each pixel's colour (see
    `kmeans_utils.distinct_colors`).
    """
    colors, index, _ = ku.distinct_colors(rgb, check_input=False)
    lab = rgb_to_lab(colors)
    return lab[index], lab, index


def resize_map(values, shape, resample=Image.Resampling.BILINEAR):
    """A 2-D map of floats resized to `shape` (rows, columns) by Pillow (float32 inside).

    ``Image.Resampling.BOX`` averages areas when shrinking; the default
    interpolates when enlarging. Returns float64.
    """
    return np.asarray(Image.fromarray(np.asarray(values, dtype=np.float32)).resize(
        (shape[1], shape[0]), resample), dtype=np.float64)


def shrink_lab(lab, shape):
    """An (H, W, 3) CIELAB image area-averaged to `shape`, channel by channel.

    `shape` is that of `kmeans_utils.rescale`'s copy of the image, so that
    both copies have one size; a `lab` of that shape is returned as it is.
    """
    if tuple(shape) == lab.shape[:2]:
        return lab
    return np.stack([resize_map(lab[..., c], shape, Image.Resampling.BOX) for c in range(3)],
                    axis=2)
