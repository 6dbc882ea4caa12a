"""Reading images and masks, finding image files, writing files atomically.

`check_image` is the package's one door for images: every public function
that takes an image passes it through once, and the workers behind it take
the checked (H, W, 3) uint8 array as it is.
"""

import io
import os
import uuid
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

import kmeans_utils as ku

__all__ = ["IMAGE_SUFFIXES", "pillow_pixels", "check_image", "read_image", "read_mask",
           "image_files", "relative_stem", "files_by_stem", "write_atomic", "write_png",
           "remove_stale_temporaries"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
"""File endings (in any case) read as images."""

TEMPORARY_PREFIX = ".bgcut-"
"""Start of the name of a file being written; a finished file is renamed."""


def pillow_pixels(image):
    """The pixels of a Pillow image as an array, read by the meaning of its mode.

    ============================  ==============================================
    ``L``, ``RGB``, ``1``         as they are (``1`` as bool)
    ``I;16`` (any byte order)     uint16: 16-bit grey, scaled to 8 bits later
    ``I`` (32-bit integers)       clipped to 0..65535, then as 16-bit grey
    ``F`` (32-bit floats)         as floats in [0, 1]; values in [0, 255] are
                                  divided by 255; anything else is an error
    ``P``, ``PA``, ``LA``,        converted to RGB by Pillow: palettes looked
    ``RGBA``, ``CMYK``, others    up, alpha dropped, CMYK and YCbCr converted
    ============================  ==============================================

    Returns an array that `kmeans_utils.to_rgb8` reads as the image looks.
    """
    if not isinstance(image, Image.Image):
        raise TypeError(f"image must be a Pillow image, got {type(image).__name__}")
    if image.mode in ("L", "RGB", "1") or image.mode.startswith("I;16"):
        return np.asarray(image)
    if image.mode == "I":
        return np.clip(np.asarray(image), 0, 65535).astype(np.uint16)
    if image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        if np.isfinite(values).all() and values.min() >= 0 and values.max() > 1 \
                and values.max() <= 255:
            return values / 255
        return values  # to_rgb8 accepts [0, 1] and names anything else
    return np.asarray(image.convert("RGB"))


def check_image(image):
    """Check an image and return it as (H, W, 3) uint8 RGB.

    A Pillow image is read as `pillow_pixels` says; then the array (or any
    array_like) is checked and converted by `kmeans_utils.to_rgb8`, whose
    TypeError or ValueError names the problem.
    """
    return ku.to_rgb8(pillow_pixels(image) if isinstance(image, Image.Image) else image)


def read_image(path):
    """Read an image file as (H, W, 3) uint8 RGB, upright and by the meaning of its mode.

    The EXIF orientation tag is applied, so the pixels stand as a photo
    viewer shows them; modes are read as `pillow_pixels` says (16-bit and
    float files keep their range).
    """
    with Image.open(path) as im:
        return check_image(ImageOps.exif_transpose(im))


def read_mask(path):
    """Read a mask file as (H, W) bool: foreground where the 8-bit grey value > 127.

    RGB, 1-bit and soft (anti-aliased) greyscale masks are all converted to
    8-bit grey first; an EXIF orientation tag is applied, as for images.
    """
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("L")) > 127


def image_files(src, *, recursive=False):
    """The image files of a folder (or the one file `src`), sorted by name.

    Hidden files and files whose ending is not in `IMAGE_SUFFIXES` are left out.
    With `recursive`, the folders below are searched too (hidden ones left
    out), sorted by path.

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
    found = sorted(src.rglob("*")) if recursive else sorted(src.iterdir())
    return [p for p in found if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(src).parts)]


def relative_stem(path, root):
    """The name of a file's outputs: its stem, or with `root` its path below it without the
    ending, ``"cat/a"`` for ``root/cat/a.jpg``."""
    path = Path(path)
    return path.stem if root is None else path.relative_to(root).with_suffix("").as_posix()


def files_by_stem(folder, *, recursive=False):
    """The image files of a folder grouped by stem: ``{stem: [path, ...]}``, names sorted.

    With `recursive` the folders below count too, and the stem is the path
    below `folder` (see `relative_stem`). A stem with several files
    (``a.jpg``, ``a.png``) is ambiguous; the caller decides what that means.
    """
    by_stem = {}
    for path in image_files(folder, recursive=recursive):
        by_stem.setdefault(relative_stem(path, folder if recursive else None), []).append(path)
    return by_stem


def write_atomic(path, data):
    """Write bytes to `path` under a unique temporary name in its folder, then rename.

    A reader never sees a half-written file, two writers of one folder never
    share a temporary name, and a failed write leaves nothing behind (the
    error is raised). The temporary name carries this process's id, so that
    `remove_stale_temporaries` can tell a dead run's leftovers.
    """
    path = Path(path)
    tmp = path.with_name(f"{TEMPORARY_PREFIX}{os.getpid()}-{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "xb") as file:
            file.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_png(array, path):
    """Write an array as a PNG file, atomically (see `write_atomic`)."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    write_atomic(path, buffer.getvalue())


def remove_stale_temporaries(folder):
    """Remove the temporary files that runs which no longer exist left in `folder`."""
    for tmp in Path(folder).glob(f"{TEMPORARY_PREFIX}*.tmp"):
        pid = tmp.name[len(TEMPORARY_PREFIX):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid):
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True
