"""Datasets of images with ground-truth masks: local folders, the DUTS download.

`open_dataset` takes the first source that works: a local folder (the
argument or ``DUTS_DIR``), the Kaggle download of DUTS, then the embedded
demo set (`bgcut.demo`). Images are read one at a time when indexed.
"""

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import validation, demo
from .io import files_by_stem, read_image, read_mask

__all__ = ["KAGGLE_DATASET", "Sample", "Dataset", "folder_dataset", "demo_dataset",
           "open_dataset"]

KAGGLE_DATASET = "balraj98/duts-saliency-detection-dataset"


class Sample(NamedTuple):
    """One image of a dataset with its ground-truth mask."""

    name: str
    image: np.ndarray
    mask: np.ndarray


class Dataset(Sequence):
    """Images with masks, loaded one at a time when indexed.

    Parameters
    ----------
    names : sequence of str
    load : callable
        ``load(name) -> (image, mask)``; must be picklable for parallel runs.
    source, reason : str
        Where the data came from and why that source was chosen.
    unmatched : dict, optional
        ``{"images": [...], "masks": [...]}``: files left out because their
        partner is missing.
    """

    def __init__(self, names, load, *, source, reason="", unmatched=None):
        self.names = list(names)
        self.load = load
        self.source = source
        self.reason = reason
        self.unmatched = unmatched or {"images": [], "masks": []}

    def __len__(self):
        return len(self.names)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        name = self.names[i]
        image, mask = self.load(name)
        return Sample(name, image, mask)

    def sample(self, n, *, rng=0):
        """A fixed random sample of `n` images (all of them, in order, if there are fewer).

        The sample keeps the order of `names`, so the same seed gives the same
        sample in the same order.

        Examples
        --------
        >>> data = Dataset(list("abcdef"), load=None, source="letters")
        >>> data.sample(3).names, len(data.sample(10))
        (['d', 'e', 'f'], 6)
        """
        n = validation.integer("n", n, 1)
        if n >= len(self):
            return self
        chosen = np.sort(np.random.default_rng(rng).choice(len(self), n, replace=False))
        return Dataset([self.names[i] for i in chosen], self.load, source=self.source,
                       reason=self.reason, unmatched=self.unmatched)

    def __repr__(self):
        return f"<Dataset {self.source}: {len(self)} images>"


class _FolderLoader:
    """Picklable loader of image/mask pairs from two folders."""

    def __init__(self, images, masks):
        self.images, self.masks = images, masks

    def __call__(self, name):
        return read_image(self.images[name]), read_mask(self.masks[name])


def _find_pair_dirs(root, max_depth=3):
    """(images, masks) folders under root: the DUTS-TE layout first, then images/ + masks/."""
    level = [Path(root)]
    for _ in range(max_depth + 1):
        for folder in level:
            for image_dir, mask_dir in (("DUTS-TE-Image", "DUTS-TE-Mask"),
                                        ("images", "masks")):
                if (folder / image_dir).is_dir() and (folder / mask_dir).is_dir():
                    return folder / image_dir, folder / mask_dir
        level = [d for f in level for d in sorted(f.iterdir()) if d.is_dir()]
    return None


def folder_dataset(root, *, source=None, reason=""):
    """Image/mask pairs from a local folder.

    Two layouts are recognised, searched up to three levels below `root`:
    the DUTS layout ``DUTS-TE/DUTS-TE-Image/*.jpg`` with
    ``DUTS-TE/DUTS-TE-Mask/*.png``, and ``images/`` with ``masks/``. Images
    and masks are paired by file stem; files without a partner are listed in
    ``dataset.unmatched`` and reported with a warning, never paired by position.
    Of several files with one stem (``a.jpg``, ``a.png``), the last name in
    sorted order is used, and a warning names them.

    Raises
    ------
    ValueError
        If `root` is not a folder or holds neither layout.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"dataset folder {str(root)!r} does not exist")
    dirs = _find_pair_dirs(root)
    if dirs is None:
        raise ValueError(f"no DUTS-TE-Image/ + DUTS-TE-Mask/ or images/ + masks/ "
                         f"folders under {str(root)!r}")
    grouped = [files_by_stem(d) for d in dirs]
    images, masks = ({stem: paths[-1] for stem, paths in by_stem.items()}
                     for by_stem in grouped)
    ambiguous = [paths for by_stem in grouped for paths in by_stem.values() if len(paths) > 1]
    if ambiguous:
        shown = "; ".join(f"{paths[-1].name}, not {', '.join(p.name for p in paths[:-1])}"
                          for paths in ambiguous[:3])
        warnings.warn(f"{dirs[0].parent}: {len(ambiguous)} names with several files, the "
                      f"last in sorted order used: {shown}{'; ...' if len(ambiguous) > 3 else ''}",
                      stacklevel=2)
    names = sorted(images.keys() & masks.keys())
    unmatched = {"images": sorted(images.keys() - masks.keys()),
                 "masks": sorted(masks.keys() - images.keys())}
    if unmatched["images"] or unmatched["masks"]:
        warnings.warn(f"{dirs[0].parent}: {len(unmatched['images'])} images without "
                      f"mask and {len(unmatched['masks'])} masks without image left out",
                      stacklevel=2)
    loader = _FolderLoader({n: images[n] for n in names}, {n: masks[n] for n in names})
    return Dataset(names, loader, source=source or str(dirs[0].parent),
                   reason=reason, unmatched=unmatched)


def demo_dataset(*, reason="no dataset given"):
    """The embedded demo set: 36 synthetic scenes with exact masks (see `bgcut.demo`)."""
    return Dataset(demo.NAMES, demo.scene, source="demo", reason=reason)


def _download_errors():
    """What a failed download raises: no network, no credentials, no such dataset."""
    import kagglehub.exceptions as kaggle

    return (OSError, kaggle.BackendError, kaggle.CredentialError, kaggle.DataCorruptionError,
            kaggle.KaggleEnvironmentError, kaggle.NotFoundError, kaggle.UnauthenticatedError)


def open_dataset(root=None, *, download=None):
    """DUTS-TE from the first source that works, else the demo set.

    Order: (1) `root`, or else the ``DUTS_DIR`` environment variable, a
    local folder (see `folder_dataset`); (2) ``kagglehub.dataset_download``
    of ``balraj98/duts-saliency-detection-dataset`` unless `download` is
    False (by default it is True unless ``DUTS_DOWNLOAD=0`` is set);
    (3) `demo_dataset`. ``dataset.source`` and ``dataset.reason``
    say which was used and why. A failed download (no network, no
    credentials, a layout that is not DUTS's) falls back to the demo set
    with the reason; any other error is raised.

    `download` may also be a function of no arguments that downloads DUTS
    and returns its folder, such as ``lambda:
    kagglehub.dataset_download(KAGGLE_DATASET)``: it is called in place of
    the default download, with the same fallback. A function says how to
    download, not whether: like the default (None), it is skipped when
    ``DUTS_DOWNLOAD=0`` is set. Only True or False overrule the variable.

    Raises
    ------
    ValueError
        If a folder is given (or set in ``DUTS_DIR``) but holds no dataset.
    """
    if root is not None:
        return folder_dataset(root, reason="local folder given")
    if os.environ.get("DUTS_DIR"):
        return folder_dataset(os.environ["DUTS_DIR"], reason="local folder from DUTS_DIR")
    if not (download is None or isinstance(download, bool) or callable(download)):
        raise TypeError(f"download must be True, False or a function, got {download!r}")
    if not isinstance(download, bool) and os.environ.get("DUTS_DOWNLOAD", "1") == "0":
        download = False
    if download is False:
        return demo_dataset(reason="download turned off")
    try:
        import kagglehub
    except ImportError:
        return demo_dataset(reason="kagglehub is not installed")
    if download is None or download is True:
        def download():
            return kagglehub.dataset_download(KAGGLE_DATASET)
    try:
        path = download()
        return folder_dataset(path, source=f"kaggle:{KAGGLE_DATASET}",
                              reason="downloaded with kagglehub")
    except (ValueError, *_download_errors()) as error:
        first_line = (str(error).splitlines() or [""])[0]
        if len(first_line) > 100:
            first_line = first_line[:first_line.rfind(" ", 0, 100)] + " ..."
        return demo_dataset(reason=f"kagglehub failed: {type(error).__name__}: {first_line}")
