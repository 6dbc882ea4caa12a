"""Reading images and masks, finding image files, writing files atomically."""

import os
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["IMAGE_SUFFIXES", "read_image", "read_mask", "image_files", "files_by_stem",
           "write_png"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
"""File endings (in any case) read as images."""

TEMPORARY_PREFIX = ".bgcut-"
"""Start of the name of a file being written; a finished file is renamed."""


def read_image(path):
    """Read an image file as (H, W, 3) uint8 RGB (greyscale and RGBA converted)."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def read_mask(path):
    """Read a mask file as (H, W) bool: foreground where the 8-bit grey value > 127.

    RGB, 1-bit and soft (anti-aliased) greyscale masks are all converted to
    8-bit grey first.
    """
    with Image.open(path) as im:
        return np.asarray(im.convert("L")) > 127


def image_files(src):
    """The image files of a folder (or the one file `src`), sorted by name.

    Hidden files and files whose ending is not in `IMAGE_SUFFIXES` are left out.

    Raises
    ------
    ValueError
        If `src` does not exist.
    """
    src = Path(src)
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise ValueError(f"source {str(src)!r} does not exist")
    return [p for p in sorted(src.iterdir()) if p.is_file() and not p.name.startswith(".")
            and p.suffix.lower() in IMAGE_SUFFIXES]


def files_by_stem(folder):
    """``{stem: path}`` of the image files of a folder."""
    return {p.stem: p for p in image_files(folder)}


def write_png(array, path):
    """Write an array as a PNG: under a unique temporary name, then renamed.

    A reader never sees a half-written file, and two writers of one folder
    never share a temporary name.
    """
    path = Path(path)
    tmp = path.with_name(f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as file:
            Image.fromarray(array).save(file, format="PNG")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
