"""The project's best background remover, and flattening a cutout for display."""

import dataclasses

import numpy as np

import kmeans_utils as ku

from . import validation
from .boundary import steps
from .io import check_image
from .matte import soft_cutout
from .settings import DEFAULT, FAST, SEED, CourseSettings, Settings

__all__ = ["METHODS", "ALPHAS", "remove_background", "check_method", "composite",
           "check_color"]

METHODS = {"boundary": DEFAULT, "fast": FAST, "seed": SEED}
"""The methods by name, with their settings (`bgcut.settings`)."""

ALPHAS = ("soft", "hard")
"""The cutout's alpha: the matte along the mask's boundary (`bgcut.matte`), or 0 / 255."""


def check_method(method="boundary", settings=None, alpha="hard", rng=0):
    """Check the options of `remove_background`; returns the settings to run.

    A batch calls it once, before it touches its first file.

    Returns
    -------
    bgcut.settings.Settings or bgcut.settings.CourseSettings
        `settings`, or the named method's when it is None.

    Raises
    ------
    ValueError
        For an unknown method or alpha, or settings of another method.
    TypeError
        For settings that are not a `Settings` or `CourseSettings`, or a bad `rng`.
    """
    if not (isinstance(method, str) and method in METHODS):
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    if not (isinstance(alpha, str) and alpha in ALPHAS):
        raise ValueError(f"alpha must be one of {list(ALPHAS)}, got {alpha!r}")
    if not isinstance(rng, np.random.Generator):
        np.random.default_rng(rng)  # raises for what is not a seed
    if settings is None:
        return METHODS[method]
    if not isinstance(settings, (Settings, CourseSettings)):
        raise TypeError(f"settings must be a bgcut.Settings or bgcut.CourseSettings, "
                        f"got {settings!r}")
    if type(settings) is not type(METHODS[method]):
        raise ValueError(f"settings {settings!r} are not those of method {method!r}; "
                         f"method='seed' takes CourseSettings, the others Settings")
    return settings


def remove_background(image, *, method="boundary", settings=None, rng=0, alpha="hard"):
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
        and the graph cut (`bgcut.FAST`), about ten times faster; or
        ``"seed"``, the course method `kmeans_utils.remove_background`.
    settings : bgcut.Settings or bgcut.CourseSettings, optional
        The method's settings in place of its named ones (`METHODS`), e.g.
        ``bgcut.FAST.replace(max_side=120)``, ``bgcut.BASIC``, or for
        ``method="seed"`` ``bgcut.CourseSettings(max_side=200)``.
    rng : int, numpy.random.Generator or None
        Seed of the K-means seeding; the default gives the same mask every time.
    alpha : {'hard', 'soft'}
        ``"hard"``: alpha 255 on the mask, 0 elsewhere, the input's colours.
        ``"soft"``: in a band along the mask's boundary, the alpha matte and
        the foreground's own colours (`bgcut.matte.soft_cutout`); the mask is
        the same either way (``alpha >= 128``).

    Returns
    -------
    kmeans_utils.Cutout
        ``(cutout, mask)``: (H, W, 4) uint8 RGBA, alpha 255 on foreground
        (with ``alpha="soft"``, the matte along its boundary), and the (H, W)
        bool mask at the input's size.

    Raises
    ------
    ValueError, TypeError
        For an unknown method or alpha, settings of another method (see
        `check_method`), or an invalid image (see `kmeans_utils.to_rgb8`).
    """
    settings = check_method(method, settings, alpha, rng)
    rgb = check_image(image)
    if isinstance(settings, CourseSettings):
        mask = ku.remove_background(rgb, rng=rng, **dataclasses.asdict(settings)).mask
    else:
        mask = steps(rgb, settings=settings, rng=rng, check_input=False).full_mask
    if alpha == "soft":
        return soft_cutout(rgb, mask, check_input=False)
    return ku.Cutout.from_mask(rgb, mask)


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
    tile = validation.integer("tile", tile, 1)
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
