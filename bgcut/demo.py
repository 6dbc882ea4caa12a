"""The embedded demo set: 36 synthetic scenes with exact masks, made on the spot.

Six object shapes (disk, square, the ``horse`` silhouette, a random blob
from ``binary_blobs``, ellipse, star) filled with a flat noisy colour or a
photo (``chelsea``, ``coffee``, ``astronaut``, ``rocket``), each on six
backgrounds from plain to cluttered: plain, gradient, noise, stripes, texture
(``grass``, ``gravel``, ``brick``) and photo. Every picture ships with
scikit-image, so nothing is downloaded. Scenes are 240x320 and generated when
asked for, the same every time.
"""

import functools

import numpy as np
from PIL import Image
from scipy import ndimage

from . import validation

__all__ = ["SHAPE", "NAMES", "skimage_picture", "fit_picture", "scene", "large_scene",
           "soft_scene"]

SHAPE = (240, 320)
_SHAPES = ("disk", "square", "horse", "blob", "ellipse", "star")
_BACKGROUNDS = ("plain", "gradient", "noise", "stripes", "texture", "photo")
_TEXTURES = ("red", "chelsea", "coffee", "astronaut", "rocket", "blue")


@functools.lru_cache(maxsize=None)
def skimage_picture(name):
    """An image shipped with scikit-image, as (H, W, 3) uint8, read-only."""
    from skimage import data

    picture = getattr(data, name)()
    if picture.dtype == bool:
        picture = np.where(picture, 255, 0)
    if picture.ndim == 2:
        picture = np.repeat(picture[:, :, None], 3, axis=2)
    picture = picture.astype(np.uint8)
    picture.flags.writeable = False
    return picture


def fit_picture(picture, shape):
    """Centre crop of a picture to the aspect of `shape`, then resized to it."""
    h, w = picture.shape[:2]
    aspect = shape[1] / shape[0]
    if w / h > aspect:
        cw = round(h * aspect)
        picture = picture[:, (w - cw) // 2:(w - cw) // 2 + cw]
    else:
        ch = round(w / aspect)
        picture = picture[(h - ch) // 2:(h - ch) // 2 + ch]
    size = (shape[1], shape[0])
    return np.asarray(Image.fromarray(np.ascontiguousarray(picture)).resize(
        size, Image.Resampling.BILINEAR))


def _mask(shape_name, rng):
    """Exact object mask of a demo scene."""
    from skimage import data, draw, segmentation, transform

    h, w = SHAPE
    mask = np.zeros(SHAPE, bool)
    cy = h // 2 + int(rng.integers(-20, 21))
    cx = w // 2 + int(rng.integers(-40, 41))
    size = int(rng.integers(55, 80))
    if shape_name == "disk":
        mask[draw.disk((cy, cx), size, shape=SHAPE)] = True
    elif shape_name == "square":
        mask[cy - size:cy + size, cx - size:cx + size] = True
    elif shape_name == "ellipse":
        rr, cc = draw.ellipse(cy, cx, size * 0.7, size * 1.4, shape=SHAPE,
                              rotation=float(rng.uniform(-0.6, 0.6)))
        mask[rr, cc] = True
    elif shape_name == "star":
        angles = np.linspace(0, 2 * np.pi, 11)[:-1] + rng.uniform(0, np.pi)
        radii = np.where(np.arange(10) % 2, size * 0.45, size * 1.1)
        mask[draw.polygon(cy + radii * np.sin(angles), cx + radii * np.cos(angles),
                          shape=SHAPE)] = True
    else:
        if shape_name == "horse":
            silhouette = skimage_picture("horse")[..., 0] < 128
        else:
            blobs = data.binary_blobs(128, blob_size_fraction=0.35, volume_fraction=0.35,
                                      rng=int(rng.integers(2**31)))
            inner = segmentation.clear_border(blobs)  # whole blobs, not cut at the edge
            regions, n = ndimage.label(inner if inner.any() else blobs)
            sizes = np.bincount(regions.ravel(), minlength=n + 1)[1:]
            silhouette = ndimage.binary_fill_holes(regions == 1 + np.argmax(sizes))
        rows, cols = np.nonzero(silhouette)
        silhouette = silhouette[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
        scale = 2 * size / max(silhouette.shape)
        small = transform.resize(silhouette, (max(1, round(silhouette.shape[0] * scale)),
                                              max(1, round(silhouette.shape[1] * scale))),
                                 order=0, anti_aliasing=False)
        top, left = cy - small.shape[0] // 2, cx - small.shape[1] // 2
        mask[top:top + small.shape[0], left:left + small.shape[1]] = small
    return mask


def _background(kind, rng):
    """Background of a demo scene, from plain to cluttered."""
    h, w = SHAPE
    base = rng.uniform(120, 230, size=3)
    if kind == "plain":
        return np.broadcast_to(base, (h, w, 3)).copy()
    if kind == "gradient":
        t = np.linspace(0, 1, h)[:, None, None]
        return np.broadcast_to(base * (1 - t) + (base[::-1] * 0.6) * t, (h, w, 3)).copy()
    if kind == "noise":
        return base + rng.normal(0, 14, size=(h, w, 3))
    if kind == "stripes":
        other = rng.uniform(60, 200, size=3)
        stripes = ((np.arange(w) // 16) % 2).astype(bool)[None, :, None]
        return np.where(stripes, other, base) + rng.normal(0, 6, size=(h, w, 3))
    if kind == "texture":
        name = ("grass", "gravel", "brick")[int(rng.integers(3))]
        grey = fit_picture(skimage_picture(name), SHAPE).astype(np.float64) / 255
        return grey * base
    name = ("coffee", "hubble_deep_field", "immunohistochemistry", "astronaut")[
        int(rng.integers(4))]
    return fit_picture(skimage_picture(name), SHAPE).astype(np.float64)


def _texture(kind, rng):
    """Fill of a demo object: a flat colour with noise or a photo."""
    h, w = SHAPE
    if kind in ("red", "blue"):
        rgb = (200, 35, 40) if kind == "red" else (30, 60, 190)
        return np.asarray(rgb, float) + rng.normal(0, 8, size=(h, w, 3))
    return fit_picture(skimage_picture(kind), SHAPE).astype(np.float64)


NAMES = [f"{i:02d}-{shape}-{bg}" for i, (shape, bg) in enumerate(
    (s, b) for s in _SHAPES for b in _BACKGROUNDS)]
"""Names of the scenes, ``NN-shape-background``; NN seeds the scene's randomness."""


def scene(name):
    """The demo scene called `name` and its exact mask, generated the same every time.

    Returns (240, 320, 3) uint8 and (240, 320) bool.
    """
    if name not in NAMES:
        raise ValueError(f"name must be one of the demo scenes ({NAMES[0]!r} ...), "
                         f"got {name!r}")
    index = NAMES.index(name)
    rng = np.random.default_rng(index)
    n_bg = len(_BACKGROUNDS)
    mask = _mask(_SHAPES[index // n_bg], rng)
    background = _background(_BACKGROUNDS[index % n_bg], rng)
    texture = _texture(_TEXTURES[(index + index // n_bg) % len(_TEXTURES)], rng)
    image = np.where(mask[:, :, None], texture, background)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), mask


def large_scene(scale=6):
    """A photo-sized scene: the ``horse`` silhouette on the ``grass`` texture.

    The silhouette (328x400) is enlarged `scale` times with a smooth outline
    and filled with a noisy chestnut; the background is scikit-image's
    ``grass`` picture, tinted green and enlarged to match. Made to show edges
    at a photo's own resolution.

    Returns (H, W, 3) uint8 and its exact (H, W) bool mask, H = 328 `scale`.
    """
    scale = validation.integer("scale", scale, 1)
    silhouette = skimage_picture("horse")[..., 0] < 128
    h, w = silhouette.shape[0] * scale, silhouette.shape[1] * scale
    smooth = Image.fromarray(silhouette.astype(np.float32)).resize((w, h),
                                                                 Image.Resampling.BILINEAR)
    mask = ndimage.gaussian_filter(np.asarray(smooth), sigma=scale) > 0.5  # no stair steps
    rng = np.random.default_rng(scale)
    horse = np.asarray((160, 70, 35), np.float32) + rng.normal(0, 6, (h, w, 1)).astype(np.float32)
    grass = fit_picture(skimage_picture("grass"), (h, w)).astype(np.float32) / 255
    background = grass * np.asarray((120, 190, 90), np.float32)
    image = np.where(mask[:, :, None], horse, background)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), mask


def soft_scene(seed=0):
    """A furry object with soft edges and its exact alpha matte.

    A disk whose radius follows a fine random fur (thin strands, a few
    pixels long), its edge blurred over about four pixels, filled with a
    noisy orange over scikit-image's ``grass`` tinted green; the image is
    ``alpha F + (1 - alpha) B`` with the returned alpha, so the matte is exact.

    Returns (240, 320, 3) uint8 and the (240, 320) float64 alpha in [0, 1].
    """
    seed = validation.integer("seed", seed, 0)
    rng = np.random.default_rng(seed)
    h, w = SHAPE
    rows, cols = np.mgrid[:h, :w]
    angle = np.arctan2(rows - h / 2, cols - w / 2)
    strands = rng.normal(0, 1, 720)
    fur = np.abs(strands[((angle + np.pi) / (2 * np.pi) * 719).astype(int)])
    radius = 80 + 12 * fur
    alpha = np.clip((radius - np.hypot(rows - h / 2, cols - w / 2)) / 4 + 0.5, 0, 1)
    alpha = ndimage.gaussian_filter(alpha, 1.0)
    fill = np.asarray((230, 140, 40), float) + rng.normal(0, 10, (h, w, 3))
    background = fit_picture(skimage_picture("grass"), SHAPE) / 255 * np.asarray((110, 180, 80))
    a = alpha[..., None]
    image = np.clip(np.rint(a * fill + (1 - a) * background), 0, 255).astype(np.uint8)
    return image, alpha
