"""Scores of masks against ground truth, over single images and whole datasets."""

import time

import numpy as np
from scipy import ndimage
from skimage.filters import sobel

import kmeans_utils as ku

from . import batch
from .colour import lab_image
from .cutout import check_method, remove_background
from .datasets import Dataset
from .io import check_image
from .settings import BASIC, DEFAULT

__all__ = ["COLUMNS", "ABLATION", "mask_scores", "background_complexity", "evaluate",
           "summarize"]

COLUMNS = ["name", "iou", "precision", "recall", "foreground", "predicted",
           "complexity", "seconds", "error"]
"""Columns of an `evaluate` table."""

ABLATION = {
    "course method (seed)": {"method": "seed"},
    "superpixel saliency, Otsu split": {"settings": BASIC.replace(rounds=0, clean=False)},
    "+ K-means colour models": {"settings": BASIC.replace(clean=False)},
    "+ clean-up": {"settings": BASIC},
    "+ minimum-barrier cue": {"settings": BASIC.replace(barrier_weight=0.4)},
    f"+ graph cut at {DEFAULT.cut_side} px": {"settings": DEFAULT.replace(fusion="fixed")},
    "+ learned fusion of the cues (the default)": {"settings": DEFAULT},
}
"""The boundary method step by step: label -> keywords of `bgcut.remove_background` and
`bgcut.evaluate` (``evaluate(data, **ABLATION[label])``)."""


def mask_scores(pred, truth):
    """IoU, precision and recall of a predicted mask.

    A score whose denominator is zero is 1.0 when both masks are empty and
    0.0 otherwise, so no score is ever NaN.

    Returns
    -------
    dict with float values ``iou``, ``precision``, ``recall``
    """
    pred, truth = ku.as_mask(pred, "pred"), ku.as_mask(truth, "truth")
    if pred.shape != truth.shape:
        raise ValueError(f"pred and truth must have the same shape, got {pred.shape} "
                         f"and {truth.shape}")
    hit = np.count_nonzero(pred & truth)
    n_pred, n_truth = np.count_nonzero(pred), np.count_nonzero(truth)
    union = n_pred + n_truth - hit
    overlap = float(hit / union) if union else 1.0  # `kmeans_utils.iou`
    if n_pred == n_truth == 0:
        return {"iou": overlap, "precision": 1.0, "recall": 1.0}
    return {"iou": overlap, "precision": hit / n_pred if n_pred else 0.0,
            "recall": hit / n_truth if n_truth else 0.0}


def background_complexity(image, mask=None, *, max_side=320):
    """How cluttered an image's background is: mean Sobel gradient of L*.

    The CIELAB lightness L* (0-100) of the image shrunk to `max_side` is
    filtered with a Sobel operator; the score is the mean gradient magnitude
    over the background (``~mask``, the object's outline left out), or over
    a border frame 1/8 of the shorter side wide when no mask is given. A
    plain background scores near 0, noise and texture score higher.

    Parameters
    ----------
    image : anything `bgcut.io.check_image` accepts
    mask : (H, W) bool array_like, optional
        True on foreground, at the image's size.
    max_side : int

    Returns
    -------
    float
    """
    rgb = check_image(image)
    gradient = sobel(lab_image(ku.rescale(rgb, max_side, check_input=False))[0][..., 0])
    if mask is None:
        # The frame: border_counts of a map that numbers every pixel is 1 on it, else 0.
        numbered = np.arange(gradient.size).reshape(gradient.shape)
        frame = ku.border_counts(numbered, gradient.size, width=max(1, min(gradient.shape) // 8))
        return float(gradient.ravel()[frame > 0].mean())
    mask = ku.as_mask(mask)
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask must have the image's shape {rgb.shape[:2]}, got {mask.shape}")
    background = ndimage.binary_erosion(
        ~ku.resize_mask(mask, gradient.shape, check_input=False), iterations=2)
    return float(gradient[background].mean()) if background.any() else 0.0


class _ScoreImage:
    """Picklable task of `evaluate`: cut out image `i` of a dataset and score it."""

    def __init__(self, dataset, method, settings, rng):
        self.dataset, self.method, self.settings, self.rng = dataset, method, settings, rng

    def __call__(self, i):
        _, image, truth = self.dataset[i]
        if image.shape[:2] != truth.shape:
            raise ValueError(f"image {image.shape[:2]} and mask {truth.shape} differ in size")
        start = time.perf_counter()
        mask = remove_background(image, method=self.method, settings=self.settings,
                                 rng=self.rng).mask
        seconds = time.perf_counter() - start
        return {**mask_scores(mask, truth), "foreground": float(truth.mean()),
                "predicted": float(mask.mean()),
                "complexity": background_complexity(image, truth), "seconds": seconds}


def evaluate(dataset, *, method="boundary", settings=None, rng=0, progress=True,
             workers=None, executor=None):
    """Run `bgcut.remove_background` over a dataset and score every image.

    Parameters
    ----------
    dataset : Dataset
    method, settings, rng
        As for `bgcut.remove_background`; checked before the first image.
    progress : bool
        Show a tqdm progress bar.
    workers, executor
        Where the images run (see `bgcut.batch.run`): by default on one
        process per core; ``workers=1`` here, one after another.

    Returns
    -------
    pandas.DataFrame
        One row per image, in dataset order, with the `COLUMNS`: ``name``,
        ``iou``, ``precision``, ``recall``, ``foreground`` (true foreground
        share), ``predicted`` (predicted foreground share), ``complexity``
        (see `background_complexity`), ``seconds`` (time of
        `remove_background`) and ``error`` (empty, or why the image could
        not be scored; its scores are then NaN). ``scores.attrs`` holds
        ``images_per_second``.
    """
    import pandas as pd

    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a Dataset, got {type(dataset).__name__}")
    settings = check_method(method, settings, rng=rng)
    start = time.perf_counter()
    task = _ScoreImage(dataset, method, settings, rng)
    outcomes = batch.run(task, range(len(dataset)), workers=workers,
                         executor=executor, progress=progress, desc=dataset.source)
    rows = [{"name": dataset.names[o.item], **(o.value or {}), "error": o.error}
            for o in outcomes]
    scores = pd.DataFrame(rows, columns=COLUMNS)
    scores.attrs["images_per_second"] = len(rows) / max(time.perf_counter() - start, 1e-9)
    return scores


def summarize(scores, column="iou"):
    """Statistics of one score column of an `evaluate` table.

    Rows with an error are counted as failed and left out of the statistics.

    Returns
    -------
    pandas.Series
        ``images``, ``failed``, ``mean``, ``std``, ``min``, ``25%``,
        ``median``, ``75%``, ``max``, ``share >= 0.5`` and ``share >= 0.7``.
    """
    import pandas as pd

    if column not in getattr(scores, "columns", ()) or "error" not in scores.columns:
        raise ValueError(f"scores must be a DataFrame with {column!r} and 'error' columns, "
                         f"got {type(scores).__name__}")
    ok = scores.loc[scores["error"] == "", column].astype(float)
    quartiles = ok.quantile([0.25, 0.5, 0.75]).to_numpy() if len(ok) else [np.nan] * 3
    return pd.Series({
        "images": len(ok), "failed": len(scores) - len(ok),
        "mean": ok.mean(), "std": ok.std(), "min": ok.min(), "25%": quartiles[0],
        "median": quartiles[1], "75%": quartiles[2], "max": ok.max(),
        "share >= 0.5": (ok >= 0.5).mean(), "share >= 0.7": (ok >= 0.7).mean(),
    }, name=column)
