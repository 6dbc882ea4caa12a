"""Background removal with K-means clustering in CIELAB: the course method.

In the order of this file: check the image (`to_rgb8`), shrink it to 320 pixels (`rescale`),
take its distinct colours with their pixel counts (`distinct_colors`), convert them to
CIELAB, where Euclidean distance follows perceived colour difference, and cluster them with
K-means (`Kmeans`: k=3, k-means++, at most 30 Lloyd iterations). The clusters that own the
image border are background (`border_counts`, `background_clusters`); `remove_background`
cuts out the rest; `iou` scores it against a human mask. ``bgcut`` builds on this module,
never the reverse.
"""

import numbers
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy.cluster.vq import vq
from skimage import color

__all__ = ["to_rgb8", "rescale", "distinct_colors", "Kmeans", "cluster_assignments", "inertia",
           "border_counts", "background_clusters", "resize_mask", "Cutout", "remove_background",
           "as_mask", "iou"]


def _check_integer(name, value, low):
    """`value` must be an integer >= `low`; returns it as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _as_array(value, name):
    """np.asarray, with a clear error for strings and ragged sequences."""
    if isinstance(value, (str, bytes, Path, Image.Image)):  # convert images to arrays first
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__}")
    try:
        return np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array, got a ragged sequence") from None


def to_rgb8(image):
    """Validate an image and return it as (H, W, 3) uint8 RGB.

    (H, W, 3) uint8 is returned as is; (H, W) and (H, W, 1) are greyscale; (H, W, 4) is
    RGBA, alpha dropped; bool gives 0 or 255; uint16 (either byte order) is scaled to 8
    bits; other integers must lie in [0, 255]; floats in [0, 1]. Raises TypeError for
    strings, paths and other non-numbers, ValueError for another shape, NaN or values out
    of range.
    """
    arr = _as_array(image, "image")
    if arr.dtype != bool and (not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr)):
        raise TypeError(f"image must hold real numbers or booleans, got dtype {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
        raise ValueError(f"image must have shape (H, W), (H, W, 1), (H, W, 3) or "
                         f"(H, W, 4), got {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"image must not be empty, got shape {arr.shape}")
    if arr.dtype == np.uint8:
        rgb = arr
    elif arr.dtype == bool:
        rgb = arr.astype(np.uint8) * np.uint8(255)
    elif arr.dtype.kind == "u" and arr.dtype.itemsize == 2:  # uint16, any byte order
        rgb = ((arr.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.integer):
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi > 255:
            raise ValueError(f"integer image values must lie in [0, 255], got [{lo}, {hi}]")
        rgb = arr.astype(np.uint8)
    else:
        if not np.isfinite(arr).all():
            raise ValueError("float image must be finite, got NaN or inf")
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi > 1:
            raise ValueError(f"float image values must lie in [0, 1], got [{lo:g}, {hi:g}]")
        rgb = np.rint(arr * 255).astype(np.uint8)
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    return rgb if rgb.shape[2] == 3 else rgb[:, :, :3]  # RGBA: alpha dropped


def rescale(image, max_side=320, *, check_input=True):
    """Shrink an image so that its longest side is at most `max_side` pixels.

    Area averaging (Pillow's box filter); an image that fits is returned unchanged. `image`
    is anything `to_rgb8` accepts; returns (h, w, 3) uint8. ``check_input=False`` skips the
    image's checks (as scikit-learn's trees do): it must then be (H, W, 3) uint8.
    """
    rgb = to_rgb8(image) if check_input else image
    max_side = _check_integer("max_side", max_side, 1)
    h, w = rgb.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def distinct_colors(image, *, check_input=True):
    """The distinct colours of an image, each pixel's colour index, and counts.

    Returns the sorted distinct colours (M, 3) uint8, an (H, W) index such
    that ``colors[index]`` rebuilds the image, and the (M,) pixel counts
    (`check_input` as in `rescale`).

    Examples
    --------
    >>> image = np.array([[[9, 9, 9], [0, 0, 0], [9, 9, 9]]], np.uint8)
    >>> colors, index, counts = distinct_colors(image)
    >>> colors.tolist(), index.tolist(), counts.tolist()
    ([[0, 0, 0], [9, 9, 9]], [[1, 0, 1]], [1, 2])
    """
    rgb = to_rgb8(image) if check_input else image
    flat = rgb.reshape(-1, 3).astype(np.int32)
    key = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    codes, index, counts = np.unique(key, return_inverse=True, return_counts=True)
    colors = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.uint8)
    return colors, index.reshape(rgb.shape[:2]), counts


def _as_data(pixels, name="pixels"):
    """`pixels` as a finite, non-empty 2-D float array (float32 kept, else float64)."""
    arr = _as_array(pixels, name)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    arr = arr.astype(np.float32 if arr.dtype == np.float32 else np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return arr


# Beyond this, weight * squared distance could overflow float64.
_LARGEST = 1e100


def _as_weights(weights, n, k):
    """Per-row weights: shape (n,), finite, >= 0, at least `k` of them positive."""
    w = _as_data(np.reshape(weights, (-1, 1)) if np.ndim(weights) == 1 else weights, "weights")
    if w.shape != (n, 1):
        raise ValueError(f"weights must have shape ({n},), got {np.shape(weights)}")
    w = w[:, 0].astype(np.float64)
    if (w < 0).any():
        raise ValueError(f"weights must be >= 0, got min {w.min()}")
    if np.count_nonzero(w) < k:
        raise ValueError(f"weights must have at least k={k} positive entries, "
                         f"got {np.count_nonzero(w)}")
    if w.sum() > _LARGEST:
        raise ValueError(f"weights must sum to at most {_LARGEST:g}, got {w.sum():g}")
    return w


def _kmeans_plusplus(X, k, w, rng):
    """Weighted k-means++: each next centre drawn with probability ~ w * distance**2."""
    centers = np.empty((k, X.shape[1]), dtype=X.dtype)
    centers[0] = X[rng.choice(len(X), p=w / w.sum())]
    closest = ((X - centers[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        p = w * closest  # all 0 when fewer distinct points than clusters: draw by weight
        p = p / p.sum() if p.sum() > 0 else w / w.sum()
        centers[j] = X[rng.choice(len(X), p=p)]
        np.minimum(closest, ((X - centers[j]) ** 2).sum(axis=1), out=closest)
    return centers


def _initial_centers(X, k, init, w, rng):
    """Starting centres from an init name or an explicit (k, D) array."""
    if isinstance(init, str):
        if init == "k-means++":
            return _kmeans_plusplus(X, k, w, rng)
        raise ValueError(f"init must be 'k-means++' or a (k, D) array, got {init!r}")
    centers = _as_data(init, "init")
    if centers.shape != (k, X.shape[1]):
        raise ValueError(f"init must have shape (k, D) = ({k}, {X.shape[1]}), "
                         f"got {centers.shape}")
    return centers.astype(X.dtype, copy=True)


def _update_centers(X, w, weighted, labels, centers, distance):
    """Weighted means (`weighted` = X.T * w); an empty cluster takes the farthest row."""
    k = len(centers)
    mass = np.bincount(labels, weights=w, minlength=k)
    sums = np.stack([np.bincount(labels, weights=f, minlength=k) for f in weighted], axis=1)
    filled = mass > 0  # weights are >= 0: a cluster with mass has a member
    new = centers.copy()
    new[filled] = sums[filled] / mass[filled, None]
    empty = np.flatnonzero(~filled)
    if empty.size:
        farthest = np.argsort(np.where(w > 0, distance, -1.0), kind="stable")[::-1]
        new[empty] = X[farthest[:empty.size]]
    return new, empty.size


def Kmeans(pixels, k=3, *, iterations=30, init="k-means++", rng=None, weights=None,
           tol=0.0):
    """Cluster the rows of `pixels` with K-means (Lloyd's algorithm).

    Assign every row to its nearest centre, move every centre to the weighted mean of its
    rows, repeat until no label changes. An empty cluster moves to the row farthest from
    its centre, so no centre is ever NaN.

    Parameters
    ----------
    pixels : (N, D) array_like of real numbers, e.g. the CIELAB colours of an image
    k : int, the number of clusters, ``1 <= k <= N``
    iterations : int, the most Lloyd iterations (centre updates), ``>= 0``
    init : 'k-means++' (weighted k-means++ seeding) or given (k, D) centres
    rng : int, numpy.random.Generator or None; the same seed, the same result
    weights : (N,) array_like, optional
        A row of weight ``w`` counts as ``w`` copies of it: repeated colours merge.
    tol : float, also stop when the summed squared centre shift is <= `tol`

    Returns
    -------
    centers : (k, D) ndarray, float32 for float32 input, else float64
    labels : (N,) ndarray of int, the nearest final centre of each row

    Examples
    --------
    >>> X = [[0, 0], [0, 1], [10, 10], [10, 11]]
    >>> centers, labels = Kmeans(X, 2, init=[[0, 0], [10, 10]])
    >>> centers
    array([[ 0. ,  0.5],
           [10. , 10.5]])
    >>> labels
    array([0, 0, 1, 1])
    """
    X = _as_data(pixels)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an integer, got {k!r}")
    if not 1 <= k <= len(X):
        raise ValueError(f"k={k} must be between 1 and n_samples={len(X)}")
    iterations = _check_integer("iterations", iterations, 0)
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    largest = float(np.abs(X).max())
    if largest > _LARGEST:
        raise ValueError(f"pixels must lie within +-{_LARGEST:g}, got {largest:g}")
    w = np.ones(len(X)) if weights is None else _as_weights(weights, len(X), k)
    rng = np.random.default_rng(rng)

    centers = _initial_centers(X, k, init, w, rng)
    weighted = np.ascontiguousarray((X * w[:, None]).T)  # the same in every iteration
    labels, distance = vq(X, centers, check_finite=False)
    for _ in range(iterations):
        new_centers, n_empty = _update_centers(X, w, weighted, labels, centers, distance)
        new_labels, distance = vq(X, new_centers, check_finite=False)
        shift = float(((new_centers - centers) ** 2).sum())
        converged = n_empty == 0 and (np.array_equal(new_labels, labels) or shift <= tol)
        centers, labels = new_centers, new_labels
        if converged:
            break
    return centers, labels.astype(np.intp)


def cluster_assignments(pixels, centers):
    """Index of the nearest centre (Euclidean distance) of each row.

    `pixels` is (N, D), `centers` (k, D); returns (N,) int labels. Ties go
    to the centre with the lower index.

    Examples
    --------
    >>> cluster_assignments([[0, 0], [9, 9]], [[1, 1], [10, 10]])
    array([0, 1])
    """
    X = _as_data(pixels)
    C = _as_data(centers, "centers")
    if C.shape[1] != X.shape[1]:
        raise ValueError(f"centers must have D={X.shape[1]} columns like pixels, got shape {C.shape}")
    dtype = np.result_type(X, C)
    labels, _ = vq(X.astype(dtype), C.astype(dtype), check_finite=False)
    return labels.astype(np.intp)


def inertia(pixels, centers, labels=None, *, weights=None):
    """Sum of squared distances from each row to its centre (the K-means objective).

    `labels` (N,) gives each row's cluster, by default its nearest centre;
    `weights` (N,) weighs the rows.

    Examples
    --------
    >>> inertia([[0, 0], [0, 1], [10, 10], [10, 11]], [[0, 0.5], [10, 10.5]])
    1.0
    """
    X = _as_data(pixels)
    C = _as_data(centers, "centers")
    if labels is None:
        labels = cluster_assignments(X, C)
    labels = np.asarray(labels)
    if labels.shape != (len(X),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be ({len(X)},) integers, got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() >= len(C):
        raise ValueError(f"labels must lie in [0, {len(C) - 1}], "
                         f"got [{labels.min()}, {labels.max()}]")
    w = np.ones(len(X)) if weights is None else _as_weights(weights, len(X), 1)
    return float(w @ ((X - C[labels]) ** 2).sum(axis=1))


def border_counts(labels, k=None, *, width=1):
    """Number of pixels of each cluster in the image border.

    `labels` is an (H, W) cluster map with values in ``[0, k)`` (by default
    ``k = labels.max() + 1``); the frame is `width` pixels wide. Returns (k,)
    counts; each border pixel is counted once, corners too.

    Examples
    --------
    >>> border_counts(np.array([[0, 0, 0], [0, 1, 0], [0, 0, 2]]))
    array([7, 0, 1])
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a non-empty 2-D integer array, got "
                         f"{labels.dtype} {labels.shape}")
    k = int(labels.max()) + 1 if k is None else _check_integer("k", k, 1)
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"labels must lie in [0, k-1] = [0, {k - 1}], got "
                         f"[{labels.min()}, {labels.max()}]")
    width = _check_integer("width", width, 1)
    frame = np.ones(labels.shape, bool)
    frame[width:-width, width:-width] = False  # a frame wider than half is everything
    return np.bincount(labels[frame], minlength=k)


def background_clusters(counts, *, share=0.25):
    """Which clusters are background (True), judged by their share of the border.

    The cluster holding most of the border is background, and so is every
    cluster holding at least `share` (in (0, 1]) of it. `counts` are border
    pixels per cluster, as from `border_counts`.

    Examples
    --------
    >>> background_clusters([70, 2, 28])
    array([ True, False,  True])
    """
    counts = np.asarray(counts)
    if counts.ndim != 1 or counts.size == 0 or not np.issubdtype(counts.dtype, np.number) \
            or (counts < 0).any() or counts.sum() <= 0:
        raise ValueError(f"counts must be a non-empty 1-D array of counts >= 0 with a "
                         f"positive sum, got {counts!r}")
    if not (isinstance(share, numbers.Real) and 0 < share <= 1):
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    background = counts / counts.sum() >= share
    background[np.argmax(counts)] = True
    return background


def resize_mask(mask, shape, *, check_input=True):
    """Nearest-neighbour resize of a 2-D mask to `shape` (rows, columns); `check_input`
    False: `mask` is (H, W) bool and `shape` two ints >= 1."""
    mask = as_mask(mask, "mask") if check_input else mask
    if check_input and (len(shape) != 2 or min(shape) < 1):
        raise ValueError(f"shape must be (rows, columns) >= 1, got {shape!r}")
    rows = (np.arange(shape[0]) * mask.shape[0]) // shape[0]
    cols = (np.arange(shape[1]) * mask.shape[1]) // shape[1]
    return mask[rows][:, cols]  # rows, then columns: two cheap 1-D takes


class Cutout(NamedTuple):
    """Result of `remove_background`: an (H, W, 4) uint8 RGBA `cutout`, the input's
    colours with alpha 255 on foreground and 0 elsewhere, and the (H, W) bool `mask`."""

    cutout: np.ndarray
    mask: np.ndarray

    @classmethod
    def from_mask(cls, rgb, mask):
        """The cutout of an (H, W, 3) uint8 image with an (h, w) bool mask (checked inputs)."""
        mask = resize_mask(mask, rgb.shape[:2], check_input=False)
        cutout = np.empty(rgb.shape[:2] + (4,), dtype=np.uint8)
        for channel, values in enumerate([*np.moveaxis(rgb, 2, 0), mask * np.uint8(255)]):
            cutout[..., channel] = values  # a channel at a time: long, fast copies
        return cls(cutout, mask)


def remove_background(image, *, k=3, rng=0, max_side=320, iterations=30, border_width=1,
                      border_share=0.25):
    """Cut the foreground out of an image with K-means and the border rule.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything else `to_rgb8` accepts
    k, iterations, rng : K-means options; the default `rng` repeats its mask
    max_side : int, the longest side of the working copy (see `rescale`)
    border_width, border_share : see `border_counts` and `background_clusters`

    Returns
    -------
    Cutout : ``(cutout, mask)``, (H, W, 4) uint8 RGBA (the input's colours,
    alpha 255 on foreground) and the (H, W) bool mask at the input's size.

    Examples
    --------
    >>> image = np.zeros((60, 80, 3), np.uint8)
    >>> image[20:40, 30:50] = (200, 30, 30)
    >>> cutout, mask = remove_background(image)
    >>> int(mask.sum()), bool((cutout[..., 3] == 255 * mask).all())
    (400, True)
    """
    rgb = to_rgb8(image)
    k = _check_integer("k", k, 1)
    small = rescale(rgb, max_side, check_input=False)
    colors, index, counts = distinct_colors(small, check_input=False)
    k = min(k, len(colors))
    _, labels = Kmeans(color.rgb2lab(colors), k, iterations=iterations, rng=rng,
                       weights=counts)
    label_map = labels[index]
    background = background_clusters(border_counts(label_map, k, width=border_width),
                                     share=border_share)
    return Cutout.from_mask(rgb, ~background[label_map])


def as_mask(mask, name="mask"):
    """Validate a mask: (H, W) bool, or 0/1 numbers turned into bool."""
    arr = np.asarray(mask)
    if arr.dtype != bool:
        if not np.issubdtype(arr.dtype, np.number) or not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must be a boolean mask (or 0/1), got dtype {arr.dtype}")
        arr = arr.astype(bool)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D mask, got shape {arr.shape}")
    return arr


def iou(pred, truth):
    """Intersection over union of two masks of the same shape.

    `pred` and `truth` are (H, W) bool (or 0/1) masks. Two empty masks agree
    perfectly: their IoU is 1.0.

    Examples
    --------
    >>> iou([[1, 1, 0, 0]], [[0, 1, 1, 0]])
    0.3333333333333333
    """
    pred, truth = as_mask(pred, "pred"), as_mask(truth, "truth")
    if pred.shape != truth.shape:
        raise ValueError(f"pred and truth must have the same shape, got {pred.shape} "
                         f"and {truth.shape}")
    union = np.count_nonzero(pred | truth)
    return float(np.count_nonzero(pred & truth) / union) if union else 1.0
