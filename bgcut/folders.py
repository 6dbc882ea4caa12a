"""Cutting out a whole folder of images: what the command line runs."""

from pathlib import Path

import numpy as np

from . import _validate, batch
from .cutout import check_color, check_options, composite, remove_background
from .evaluation import mask_scores
from .io import files_by_stem, image_files, read_image, read_mask, write_png

__all__ = ["REPORT_COLUMNS", "remove_backgrounds"]

REPORT_COLUMNS = ["image", "iou", "precision", "recall", "error", "skipped", "note"]
"""Columns of the `remove_backgrounds` report."""


class _CutFile:
    """Picklable task: cut out one file, write its outputs, score it if asked."""

    def __init__(self, out, options, background, save_mask):
        self.out, self.options = Path(out), options
        self.background, self.save_mask = background, save_mask

    def __call__(self, item):
        path, truth_path = item
        image = read_image(path)
        cutout, mask = remove_background(image, **self.options)
        if self.save_mask:
            write_png(np.where(mask, 255, 0).astype(np.uint8),
                      self.out / "masks" / f"{path.stem}.png")
        flat = cutout if self.background is None else composite(cutout, self.background)
        write_png(flat, self.out / f"{path.stem}.png")
        if truth_path is None:
            return {}
        if truth_path == "":
            return {"note": "no ground-truth mask"}
        truth = read_mask(truth_path)
        if truth.shape != mask.shape:
            raise ValueError(f"ground-truth mask is {truth.shape[1]}x{truth.shape[0]}, "
                             f"image is {mask.shape[1]}x{mask.shape[0]}")
        return mask_scores(mask, truth)


def remove_backgrounds(src, out, *, gt=None, save_mask=False, background=None,
                       skip_existing=False, workers=1, executor=None, progress=True,
                       **options):
    """Remove the background of every image in a folder and write the cutouts.

    For each image ``STEM.ext`` in `src` (or the one file `src`) this writes
    ``out/STEM.png``: RGBA, the input's size, alpha 255 on foreground and 0
    on background, or RGB flattened onto `background`. Files are written
    under a temporary name and renamed, so an interrupted run leaves no
    half-written image, and the inputs are never touched.

    Parameters
    ----------
    src : path
        A folder of images (see `bgcut.io.image_files`) or one image file.
    out : path
        Output folder, created if needed; must not be the source folder.
    gt : path, optional
        Folder of ground-truth masks matched by file stem (foreground where
        grey > 127); scores go to ``out/iou.csv``.
    save_mask : bool
        Also write ``out/masks/STEM.png``, 8-bit, 0 or 255, equal to the
        cutout's alpha.
    background : str or (3,) RGB, optional
        ``"white"``, ``"black"``, ``"#RRGGBB"`` or three numbers in 0..255.
    skip_existing : bool
        Leave images whose outputs already exist alone (resumes a run).
    workers, executor
        Where the files run (see `bgcut.batch.run`): by default here, one
        after another. A cluster's executor needs the same paths on every
        worker.
    progress : bool
        Show a progress bar on stderr.
    **options
        Passed to `bgcut.remove_background` (``method``, ``max_side``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per image with the `REPORT_COLUMNS`: ``image``, ``iou``,
        ``precision``, ``recall`` (NaN without `gt`, or for an image without
        a ground-truth mask), ``error`` (empty on success), ``skipped`` (left
        alone by `skip_existing`) and ``note``. Two files with the same stem
        (``a.jpg``, ``a.png``) would write the same cutout: the second is an
        error.

    Raises
    ------
    ValueError
        If `src` does not exist, `out` is `src`, `gt` is not a folder, or
        `background` or an option is invalid.
    """
    import pandas as pd

    if workers is not None:
        _validate.integer("workers", workers, 1)
    files = image_files(src)
    src, out = Path(src), Path(out)
    if out.resolve() == (src if src.is_dir() else src.parent).resolve():
        raise ValueError(f"output folder {str(out)!r} must differ from the source folder")
    if background is not None:
        background = check_color(background)
    truths = None
    if gt is not None:
        if not Path(gt).is_dir():
            raise ValueError(f"ground-truth folder {str(gt)!r} does not exist")
        truths = files_by_stem(gt)
    check_options(**options)
    out.mkdir(parents=True, exist_ok=True)
    if save_mask:
        (out / "masks").mkdir(exist_ok=True)

    rows, todo, seen = {}, [], {}
    for path in files:
        if path.stem in seen:
            rows[path] = {"error": f"ValueError: same stem as {seen[path.stem].name}, "
                                   f"whose cutout is {path.stem}.png"}
            continue
        seen[path.stem] = path
        done = (out / f"{path.stem}.png").exists() and \
            (not save_mask or (out / "masks" / f"{path.stem}.png").exists())
        if skip_existing and done and truths is None:
            rows[path] = {"skipped": True}
            continue
        # "" marks an image without a ground-truth mask: cut out, not scored.
        todo.append((path, None if truths is None else str(truths.get(path.stem, ""))))
    task = _CutFile(out, options, background, save_mask)
    for outcome in batch.run(task, todo, workers=workers, executor=executor,
                             progress=progress, desc="cutouts"):
        rows[outcome.item[0]] = {**(outcome.value or {}), "error": outcome.error}
    blank = {"iou": np.nan, "precision": np.nan, "recall": np.nan, "error": "",
             "skipped": False, "note": ""}
    report = pd.DataFrame([{**blank, "image": p.name, **rows[p]} for p in files],
                          columns=REPORT_COLUMNS)
    if truths is not None:
        report.drop(columns="skipped").to_csv(out / "iou.csv", index=False)
    return report
