"""The project's best background remover, and flattening a cutout for display."""

import functools
import inspect

import numpy as np
from PIL import Image

import kmeans_utils as ku

from . import _validate
from .boundary import steps
from .io import pillow_pixels
from .matte import soft_cutout

__all__ = ["METHODS", "ALPHAS", "FAST", "BASIC", "remove_background", "check_options",
           "composite", "check_color"]

METHODS = {"boundary": steps, "fast": steps, "seed": ku.remove_background}
"""The methods by name, with the function whose keyword options each takes."""

ALPHAS = ("soft", "hard")
"""The cutout's alpha: the matte along the mask's boundary (`bgcut.matte`), or 0 / 255."""

FAST = {"fusion": {"contrast": 0.6, "geodesic": 0.2, "ranking_border": 0.2},
        "max_side": 90, "n_segments": 120, "slic_iterations": 1, "rounds": 1,
        "cut_rounds": 0, "edges": False}
"""What ``method="fast"`` changes in the boundary method, for large batches: a 90-pixel
working copy in about 120 superpixels (one SLIC iteration); instead of the learned fusion,
a hand-set blend of three cheap border cues (contrast saliency, geodesic distance and
manifold ranking, `bgcut.cues.blend`), no minimum-barrier cue; one round of colour
models; no graph cut; the mask enlarged from the working copy."""

BASIC = {"fusion": "fixed", "barrier_weight": 0.0, "cut_rounds": 0, "edges": False}
"""The boundary method before the minimum-barrier cue, the graph cut and the learned
fusion: contrast saliency and two rounds of colour models at 160 pixels. The first
steps of `bgcut.evaluation.ABLATION`; ``remove_background(image, **BASIC)``."""


def remove_background(image, *, method="boundary", rng=0, alpha="hard", **options):
    """Cut the foreground out of an image.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
        Or anything else `kmeans_utils.to_rgb8` accepts, or a Pillow image
        (read as `bgcut.io.pillow_pixels` says: palettes, CMYK, 16-bit and
        float modes by their meaning).
    method : {'boundary', 'fast', 'seed'}
        ``"boundary"`` (the default, `bgcut.boundary`); ``"fast"``, the same
        on a smaller copy without the learned fusion, the minimum-barrier cue
        and the graph cut (`FAST`), about ten times faster; or ``"seed"``, the
        course method `kmeans_utils.remove_background`.
    rng : int, numpy.random.Generator or None
        Seed of the K-means seeding; the default gives the same mask every time.
    alpha : {'hard', 'soft'}
        ``"hard"``: alpha 255 on the mask, 0 elsewhere, the input's colours.
        ``"soft"``: in a band along the mask's boundary, the alpha matte and
        the foreground's own colours (`bgcut.matte.soft_cutout`); the mask is
        the same either way (``alpha >= 128``).
    **options
        Keyword options of the method: those of `bgcut.boundary.steps` or of
        `kmeans_utils.remove_background` (``k``, ``max_side``, ...).

    Returns
    -------
    kmeans_utils.Cutout
        ``(cutout, mask)``: (H, W, 4) uint8 RGBA, alpha 255 on foreground
        (with ``alpha="soft"``, the matte along its boundary), and the (H, W)
        bool mask at the input's size.

    Raises
    ------
    ValueError
        For an unknown method, alpha or option name, or a bad option value.
    TypeError, ValueError
        For an invalid image (see `kmeans_utils.to_rgb8`).
    """
    rgb = ku.to_rgb8(pillow_pixels(image) if isinstance(image, Image.Image) else image)
    _check_names(method, options)
    if not (isinstance(alpha, str) and alpha in ALPHAS):
        raise ValueError(f"alpha must be one of {list(ALPHAS)}, got {alpha!r}")
    if method == "seed":
        mask = ku.remove_background(rgb, rng=rng, **options).mask
    else:
        options = {**FAST, **options} if method == "fast" else options
        mask = steps(rgb, rng=rng, **options).full_mask
    return soft_cutout(rgb, mask) if alpha == "soft" else ku.Cutout.from_mask(rgb, mask)


@functools.cache
def _option_names(function):
    return frozenset(inspect.signature(function).parameters) - {"image", "rng"}


def _check_names(method, options):
    """The method must exist and take every option by name."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    known = _option_names(METHODS[method])
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r} for method {method!r}; "
                         f"it takes {sorted(known)}")


def check_options(**options):
    """Check options of `remove_background` before a batch touches its first file.

    Names are checked against the method's signature, values by running it
    on a small blank image; a bad one raises the ValueError (or TypeError)
    that `remove_background` would raise on every image.
    """
    remove_background(np.zeros((8, 8, 3), np.uint8), **options)


def composite(cutout, background="checker", *, tile=8):
    """Flatten an RGBA cutout onto a background, for display or saving.

    Parameters
    ----------
    cutout : (H, W, 4) uint8 ndarray
    background : 'checker', or a colour that `check_color` accepts
        A grey checkerboard shows what is transparent.
    tile : int, the checkerboard's square size in pixels

    Returns
    -------
    (H, W, 3) uint8 ndarray
    """
    cutout = np.asarray(cutout)
    if cutout.dtype != np.uint8 or cutout.ndim != 3 or cutout.shape[2] != 4:
        raise ValueError(f"cutout must be (H, W, 4) uint8, got {cutout.dtype} {cutout.shape}")
    tile = _validate.integer("tile", tile, 1)
    checker = isinstance(background, str) and background == "checker"
    base = None if checker else np.asarray(check_color(background), np.uint32)
    h, w = cutout.shape[:2]
    flat = np.empty((h, w, 3), np.uint8)
    for top in range(0, h, 512):  # rows at a time: a few MB of integers, whatever the size
        rows = np.arange(top, min(top + 512, h))
        if checker:
            squares = (rows[:, None] // tile + np.arange(w) // tile) % 2
            base = np.where(squares, 200, 250).astype(np.uint32)[..., None]
        alpha = cutout[rows, :, 3:].astype(np.uint32)
        flat[rows] = (cutout[rows, :, :3] * alpha + base * (255 - alpha) + 127) // 255
    return flat


def check_color(value):
    """An RGB colour from 'white', 'black', '#RRGGBB' or three numbers in 0..255."""
    named = {"white": (255, 255, 255), "black": (0, 0, 0)}
    if isinstance(value, str):
        text = value.strip().lower()
        if text in named:
            return named[text]
        digits = text[1:]
        if len(text) == 7 and text[0] == "#" and all(c in "0123456789abcdef" for c in digits):
            return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
        raise ValueError(f"background must be white, black or #RRGGBB, got {value!r}")
    rgb = np.asarray(value)
    if rgb.shape != (3,) or not np.issubdtype(rgb.dtype, np.number) \
            or not ((rgb >= 0) & (rgb <= 255)).all():
        raise ValueError(f"background must be three numbers in 0..255, got {value!r}")
    return tuple(int(round(float(c))) for c in rgb)
