"""Cutting out a whole folder of images: what the command line runs."""

import os
import tempfile
from pathlib import Path

import numpy as np

from . import batch
from .cutout import check_color, check_method, composite, remove_background
from .evaluation import mask_scores
from .io import (
    files_by_stem,
    image_files,
    read_image,
    read_mask,
    relative_stem,
    remove_stale_temporaries,
    write_atomic,
    write_png,
)

__all__ = ["REPORT_COLUMNS", "remove_backgrounds", "check_path"]

REPORT_COLUMNS = ["image", "iou", "precision", "recall", "error", "skipped", "note"]
"""Columns of the `remove_backgrounds` report."""


def _file_id(path):
    """The real file behind a path (links followed): its device and inode."""
    status = os.stat(path)
    return status.st_dev, status.st_ino


class _CutFile:
    """Picklable task: cut out one file, write its outputs, score it if asked.

    `protected` holds the ids of every input file, photos and ground truth:
    an output that would replace one of them is an error, whatever path
    (link, mount) leads to it. With a `root` (a recursive run), outputs keep
    the file's folders below it.
    """

    def __init__(self, out, cut, background, save_mask, protected, root=None):
        self.out, self.cut = Path(out), cut
        self.background, self.save_mask = background, save_mask
        self.protected, self.root = protected, root

    def _write(self, array, path):
        if path.exists() and _file_id(path) in self.protected:
            raise ValueError(f"{path} is an input file: not overwritten")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_png(array, path)

    def __call__(self, item):
        """The image's scores (or note), or ``{"error": "PATH: Type: message"}``.

        PATH is the file at fault: the photo, its ground-truth mask, or the
        output that could not be written.
        """
        path, truths = item
        culprit = path
        try:
            if truths is not None and len(truths) > 1:
                culprit = truths[0]
                raise ValueError(f"ground-truth masks {', '.join(p.name for p in truths)} "
                                 f"share a stem: which is meant is unclear")
            cutout, mask = remove_background(read_image(path), **self.cut)
            name = relative_stem(path, self.root)
            if self.save_mask:
                culprit = self.out / "masks" / f"{name}.png"
                self._write(np.where(mask, 255, 0).astype(np.uint8), culprit)
            culprit = self.out / f"{name}.png"
            self._write(cutout if self.background is None
                        else composite(cutout, self.background), culprit)
            if truths is None:
                return {}
            if not truths:
                return {"note": "no ground-truth mask"}
            culprit = truths[0]
            truth = read_mask(culprit)
            if truth.shape != mask.shape:
                raise ValueError(f"ground-truth mask is {truth.shape[1]}x{truth.shape[0]}, "
                                 f"image is {mask.shape[1]}x{mask.shape[0]}")
            return mask_scores(mask, truth)
        except Exception as error:  # one bad file must not end the batch
            return {"error": _blame(culprit, error)}


def _blame(path, error):
    """One line that names the file at fault by its path: ``PATH: Type: message``."""
    described = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return f"{path}: {described}"


def _same(a, b):
    """Whether two existing paths are the same folder or file (links and mounts too)."""
    return a.exists() and b.exists() and os.path.samefile(a, b)


def check_path(name, value):
    """`value` as a `pathlib.Path`; an empty or blank path is an error.

    An empty string is what ``-o "$OUT"`` passes when ``OUT`` is unset:
    it never means the current folder.

    Raises
    ------
    TypeError
        If `value` is not a str, bytes or path-like object.
    ValueError
        If it is empty or only white space.
    """
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a path, got {type(value).__name__}")
    text = os.fsdecode(os.fspath(value))
    if not text.strip():
        raise ValueError(f"{name} is an empty path ({text!r}); give a file or folder name")
    return Path(text)


def _check_folders(src, out, gt, save_mask, recursive=False):
    """Usage errors before any file is touched; returns the source and mask files."""
    if gt is not None and gt.exists() and not gt.is_dir():
        raise ValueError(f"ground-truth folder {str(gt)!r} is a file, not a folder")
    if gt is not None and not gt.is_dir():
        raise ValueError(f"ground-truth folder {str(gt)!r} does not exist")
    if recursive:
        _check_recursive(src, out, save_mask)
    try:
        files = image_files(src, recursive=recursive)
        truths = None if gt is None else files_by_stem(gt, recursive=recursive)
    except PermissionError as error:
        raise ValueError(f"cannot read {error.filename}: permission denied") from None
    if out.exists() and not out.is_dir():
        raise ValueError(f"output {str(out)!r} is a file, not a folder")
    source_folder = src if src.is_dir() else src.parent
    if _same(out, source_folder) or out.resolve() == source_folder.resolve():
        raise ValueError(f"output folder {str(out)!r} must differ from the source folder")
    if gt is not None and (_same(gt, out) or (save_mask and _same(gt, out / "masks"))):
        raise ValueError(f"ground-truth folder {str(gt)!r} is where outputs are written: "
                         f"the human masks would be replaced")
    for folder in [out] + ([out / "masks"] if save_mask else []):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise ValueError(f"cannot write to output folder {str(folder)!r}: "
                             f"{error.strerror or error}") from None
    return files, truths


def _check_recursive(src, out, save_mask):
    """A recursive run must not walk into its own outputs or mix masks with cutouts."""
    if src.is_dir() and out.resolve().is_relative_to(src.resolve()):
        raise ValueError(f"output folder {str(out)!r} is inside the source folder "
                         f"{str(src)!r}: a recursive run would read its own outputs")
    if save_mask and (src / "masks").is_dir():
        raise ValueError(f"{str(src / 'masks')!r} is a source folder: its cutouts would go "
                         f"where the masks go (OUT/masks)")


def remove_backgrounds(src, out, *, gt=None, save_mask=False, background=None,
                       skip_existing=False, recursive=False, workers=1, executor=None,
                       progress=True, method="boundary", settings=None, rng=0, alpha="hard"):
    """Remove the background of every image in a folder and write the cutouts.

    For each image ``STEM.ext`` in `src` (or the one file `src`) this writes
    ``out/STEM.png``: RGBA, the input's size, alpha 255 on foreground and 0
    on background (with ``alpha="soft"``, a matte along the boundary), or RGB
    flattened onto `background`. Every file (images,
    masks, ``iou.csv``) is written under a unique temporary name and renamed,
    so an interrupted run leaves no half-written file; leftovers of runs that
    were killed are removed at the start. A run that is stopped (Ctrl-C,
    `bgcut.signals.Stopped`) ends its workers and removes their temporary
    files before the exception goes on. No input file -- photo or
    ground-truth mask -- is ever replaced, whatever path leads to it.

    Parameters
    ----------
    src : path
        A folder of images (see `bgcut.io.image_files`) or one image file.
    out : path
        Output folder, created if needed; must not be the source folder.
    gt : path, optional
        Folder of ground-truth masks matched by file stem (foreground where
        grey > 127); scores go to ``out/iou.csv``. It must not be `out` or
        (with `save_mask`) ``out/masks``.
    save_mask : bool
        Also write ``out/masks/STEM.png``, 8-bit, 0 or 255: where the
        cutout's alpha is at least 128.
    background : str or (3,) RGB, optional
        ``"white"``, ``"black"``, ``"#RRGGBB"`` or three numbers in 0..255.
    skip_existing : bool
        Leave images whose outputs already exist alone (resumes a run).
    recursive : bool
        Also cut out the images in the folders below `src`, keeping their
        layout: ``src/cat/a.jpg`` gives ``out/cat/a.png`` and
        ``out/masks/cat/a.png``; with `gt`, its mask is ``gt/cat/a.*``. The
        report's ``image`` is then the path below `src`. `out` must not be
        inside `src`, nor (with `save_mask`) `src` hold a ``masks`` folder.
    workers, executor
        Where the files run (see `bgcut.batch.run`): by default here, one
        after another. A cluster's executor needs the same paths on every
        worker.
    progress : bool
        Show a progress bar on stderr.
    method, settings, rng, alpha
        As for `bgcut.remove_background`.

    Returns
    -------
    pandas.DataFrame
        One row per image with the `REPORT_COLUMNS`: ``image``, ``iou``,
        ``precision``, ``recall`` (NaN without `gt`, or for an image without
        a ground-truth mask), ``error`` (empty on success, else ``PATH: Type:
        message`` where PATH is the file at fault: the photo, its mask or the
        output that could not be written), ``skipped`` (left
        alone by `skip_existing`) and ``note``. Two files with the same stem
        (``a.jpg``, ``a.png``) would write the same cutout: the second is an
        error, and so is an image whose stem two masks share. With `gt`,
        ``report.attrs["csv_error"]`` is empty, or says why ``iou.csv``
        could not be written (``OUT/iou.csv: Type: message``).

    Raises
    ------
    TypeError
        If `src`, `out` or `gt` is not a path.
    ValueError
        Before any file is touched: if `src`, `out` or `gt` is an empty or
        blank path (never read as the current folder), `src` does not exist
        or cannot be read, `out` is `src` or a file or not writable, `gt` is
        not a folder
        or is where outputs go, or `background`, `workers` or an option is
        invalid.
    """
    import pandas as pd

    batch.check_workers(workers)
    src, out = check_path("src", src), check_path("out", out)
    gt = None if gt is None else check_path("gt", gt)
    if background is not None:
        background = check_color(background)
    cut = {"method": method, "settings": check_method(method, settings, alpha, rng),
           "rng": rng, "alpha": alpha}
    files, truths = _check_folders(src, out, gt, save_mask, recursive)
    root = src if recursive and src.is_dir() else None
    truth_files = [p for paths in (truths or {}).values() for p in paths]
    protected = frozenset(_file_id(p) for p in files + truth_files)
    folders = [out / folder for folder in
               {Path(relative_stem(p, root)).parent for p in files} | {Path()}]
    if save_mask:
        folders += [out / "masks" / folder.relative_to(out) for folder in folders]
    for folder in folders:
        remove_stale_temporaries(folder)

    rows, todo, seen = {}, [], {}
    for path in files:
        stem = relative_stem(path, root)
        if stem in seen:
            rows[path] = {"error": _blame(path, f"ValueError: same stem as "
                                                f"{seen[stem].name}, whose cutout "
                                                f"is {stem}.png")}
            continue
        seen[stem] = path
        done = (out / f"{stem}.png").exists() and \
            (not save_mask or (out / "masks" / f"{stem}.png").exists())
        if skip_existing and done and truths is None:
            rows[path] = {"skipped": True}
            continue
        # The image's ground-truth masks: None when not scoring, [] when it has none.
        todo.append((path, None if truths is None else truths.get(stem, [])))
    task = _CutFile(out, cut, background, save_mask, protected, root)
    try:
        outcomes = batch.run(task, todo, workers=workers, executor=executor,
                             progress=progress, desc="cutouts")
    finally:  # a stopped run or a worker that died leaves no temporary file
        for folder in folders:
            remove_stale_temporaries(folder)
    for outcome in outcomes:  # a worker's death is blamed on its photo
        value = {"error": _blame(outcome.item[0], outcome.error)} if outcome.error \
            else outcome.value
        rows[outcome.item[0]] = {"error": "", **value}
    blank = {"iou": np.nan, "precision": np.nan, "recall": np.nan, "error": "",
             "skipped": False, "note": ""}
    report = pd.DataFrame([{**blank, "image": p.name if root is None else
                            p.relative_to(root).as_posix(), **rows[p]} for p in files],
                          columns=REPORT_COLUMNS)
    report.attrs["csv_error"] = ""
    if truths is not None:
        table = report.drop(columns="skipped").to_csv(index=False)
        try:  # file names that are not UTF-8 keep their bytes
            write_atomic(out / "iou.csv", table.encode("utf-8", "surrogateescape"))
        except OSError as error:
            report.attrs["csv_error"] = _blame(out / "iou.csv", error)
    return report
