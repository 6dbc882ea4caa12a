"""Background removal with K-means clustering in CIELAB, and its evaluation.

Two methods, both built on K-means and on the image border as evidence of
background (`remove_background`, ``method=...``):

``"seed"`` -- the plain method
    1. Rescale the image so that its longest side is at most 320 pixels.
    2. Convert it to CIELAB (``skimage.color.rgb2lab``), so that Euclidean
       distances follow perceived colour differences.
    3. Cluster the pixels with K-means (k=3, at most 30 Lloyd iterations).
    4. Count how many pixels of the image border each cluster holds. The
       cluster that holds most of the border, and every cluster holding at
       least ``border_share`` of it, is background; the rest is foreground.
    5. Bring the mask back to the input's resolution.

``"boundary"`` -- the default
    1. Rescale to 160 pixels and convert to CIELAB; build about 150 SLIC
       superpixels (K-means of the pixels in CIELAB + position) on a
       120-pixel copy.
    2. Score every superpixel: its *boundary connectivity* (how much of the
       border it reaches along paths of similar colour, over the square root
       of the area it reaches) gives a background probability; its colour
       contrast against likely background, weighted by distance, gives a
       foreground weight; a least-squares smoothing over neighbouring
       superpixels combines the two (Zhu et al., CVPR 2014).
    3. Split the scores at Otsu's threshold, fit K-means colour models to
       foreground (k) and background (2 k) superpixels, rescore every
       pixel's colour by which model it is nearer, blend with the saliency,
       and repeat (twice).
    4. Clean up: holes filled, parts much smaller than the largest dropped
       (a morphological opening is available, off by default: it helped
       on horses and hurt on cluttered scenes).

The module also holds what a study of the methods needs: IoU and friends,
a background-complexity score, dataset access (a local DUTS copy, the Kaggle
download, or an embedded demo set with exact masks) and batch evaluation.
"""

from __future__ import annotations

import contextlib
import functools
import numbers
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.cluster.vq import vq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from skimage import color

__all__ = [
    "Kmeans",
    "cluster_assignments",
    "inertia",
    "to_rgb8",
    "rescale",
    "distinct_colors",
    "border_counts",
    "background_clusters",
    "remove_background",
    "superpixels",
    "RegionGraph",
    "region_graph",
    "boundary_connectivity",
    "region_saliency",
    "saliency",
    "lab_from_rgb8",
    "clean_mask",
    "Cutout",
    "METHODS",
    "iou",
    "mask_scores",
    "background_complexity",
    "read_image",
    "read_mask",
    "Dataset",
    "folder_dataset",
    "demo_dataset",
    "open_dataset",
    "evaluate",
    "Sample",
    "image_files",
    "remove_backgrounds",
    "main",
    "process_pool",
    "summarize",
    "composite",
]

KAGGLE_DATASET = "balraj98/duts-saliency-detection-dataset"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


# ---------------------------------------------------------------------------
# K-means
# ---------------------------------------------------------------------------

def _asarray(value, name):
    """np.asarray with a clear message for ragged nested sequences."""
    try:
        return np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array, got a ragged sequence") from None


def _as_data(pixels, name="pixels"):
    """Return `pixels` as a finite 2-D float array (float32 kept, else float64)."""
    if isinstance(pixels, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {type(pixels).__name__}")
    arr = _asarray(pixels, name)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    arr = arr.astype(np.float32 if arr.dtype == np.float32 else np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite, got NaN or inf")
    return arr


def _as_weights(weights, n, k):
    """Validate per-row weights: shape (n,), finite, >= 0, at least k positive."""
    w = _as_data(np.reshape(weights, (-1, 1)) if np.ndim(weights) == 1 else weights,
                 "weights")
    if w.shape != (n, 1):
        raise ValueError(f"weights must have shape ({n},), got {np.shape(weights)}")
    w = w[:, 0].astype(np.float64)
    if (w < 0).any():
        raise ValueError(f"weights must be >= 0, got min {w.min()}")
    if np.count_nonzero(w) < k:
        raise ValueError(f"weights must have at least k={k} positive entries, "
                         f"got {np.count_nonzero(w)}")
    return w


def _kmeans_plusplus(X, k, w, rng):
    """Weighted k-means++ seeding; X and w are valid, k <= len(X)."""
    centers = np.empty((k, X.shape[1]), dtype=X.dtype)
    first = rng.choice(len(X), p=w / w.sum())
    centers[0] = X[first]
    closest = ((X - centers[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        p = w * closest
        total = p.sum()
        # Fewer distinct points than clusters: any point is as good as another.
        idx = rng.choice(len(X), p=p / total if total > 0 else w / w.sum())
        centers[j] = X[idx]
        np.minimum(closest, ((X - centers[j]) ** 2).sum(axis=1), out=closest)
    return centers


def _initial_centers(X, k, init, w, rng):
    """Starting centres from an init name or an explicit (k, D) array."""
    if isinstance(init, str):
        if init == "k-means++":
            return _kmeans_plusplus(X, k, w, rng)
        if init == "random":
            idx = rng.choice(len(X), size=k, replace=False, p=w / w.sum())
            return X[idx].copy()
        raise ValueError(f"init must be 'k-means++', 'random' or a (k, D) array, got {init!r}")
    centers = _as_data(init, "init")
    if centers.shape != (k, X.shape[1]):
        raise ValueError(f"init must have shape (k, D) = ({k}, {X.shape[1]}), "
                         f"got {centers.shape}")
    return centers.astype(X.dtype, copy=True)


def _assign(X, centers):
    """Nearest centre of each row and its squared distance; inputs are valid."""
    labels, dist = vq(X, centers, check_finite=False)
    return labels.astype(np.intp, copy=False), dist


def _squared_distance(XT, center):
    """Squared distance of each column of XT (D, n) to one centre, summed in order."""
    sq = (XT[0] - center[0]) ** 2
    for d in range(1, len(center)):
        sq += (XT[d] - center[d]) ** 2
    return sq


def _two_nearest(XT, centers):
    """Nearest centre of each column of XT, distances to the nearest and second nearest.

    XT is the data transposed, (D, n), so that every feature is contiguous.
    Squared distances are summed over features in order, exactly as
    `scipy.cluster.vq.vq` does, and ties go to the lower index, so the
    labels agree with `_assign`.
    """
    n = XT.shape[1]
    labels = np.zeros(n, dtype=np.intp)
    best = np.full(n, np.inf)
    second = np.full(n, np.inf)
    for j, c in enumerate(centers):
        sq = _squared_distance(XT, c)
        closer = sq < best
        np.minimum(second, np.where(closer, best, sq), out=second)
        np.minimum(best, sq, out=best)
        labels[closer] = j
    return labels, np.sqrt(best), np.sqrt(second)


class _ClusterSums:
    """Weighted sums and masses of the clusters, kept up to date as rows move.

    A full pass over the data costs one `np.bincount` per feature; once few
    rows change cluster, adding and subtracting just those rows is cheaper.
    Membership counts (rows of positive weight) are integers, so an empty
    cluster is detected exactly.
    """

    def __init__(self, XT, wXT, w, k):
        self.XT, self.wXT, self.w, self.k = XT, wXT, w, k
        self.positive = w > 0

    def recount(self, labels):
        k = self.k
        self.mass = np.bincount(labels, weights=self.w, minlength=k)
        self.sums = np.stack([np.bincount(labels, weights=col, minlength=k)
                              for col in self.wXT], axis=1)
        self.members = np.bincount(labels[self.positive], minlength=k)

    def move(self, rows, old, new):
        """Rows `rows` leave clusters `old` for clusters `new`."""
        k, w = self.k, self.w[rows]
        self.mass += np.bincount(new, weights=w, minlength=k) \
            - np.bincount(old, weights=w, minlength=k)
        for d, col in enumerate(self.wXT):
            self.sums[:, d] += np.bincount(new, weights=col[rows], minlength=k) \
                - np.bincount(old, weights=col[rows], minlength=k)
        keep = self.positive[rows]
        self.members += np.bincount(new[keep], minlength=k) - np.bincount(old[keep], minlength=k)

    def centers(self, previous, dist):
        """Means of the clusters; an empty cluster moves to the row farthest
        from its centre (`dist`). Returns new centres and the empty ids."""
        new = previous.copy()
        filled = self.members > 0
        new[filled] = self.sums[filled] / self.mass[filled, None]
        empty = np.flatnonzero(~filled)
        if empty.size:
            far = np.argsort(np.where(self.positive, dist, -1.0), kind="stable")[::-1]
            new[empty] = self.XT[:, far[:empty.size]].T
        return new, empty


def _lloyd(X, centers, w, iterations, tol):
    """Weighted Lloyd iterations from `centers`; inputs are valid.

    Lloyd's algorithm, accelerated without approximation by Hamerly's
    bounds: every row keeps an upper bound on the distance to its centre and
    a lower bound on the distance to any other centre. When centres move the
    bounds are loosened by the moves, and only rows whose bounds overlap are
    measured again; the cluster sums are updated by the rows that changed
    cluster. Late iterations, where few labels change, touch few rows.

    On small inputs (up to 1024 rows) the bookkeeping costs more than it
    saves, and every row is measured in every iteration.

    Returns centres and the labels of the nearest of those centres.
    """
    n, k = len(X), len(centers)
    bounded = n > 1024
    XT = np.ascontiguousarray(X.T)
    clusters = _ClusterSums(XT, XT * w, w, k)
    labels, upper, lower = _two_nearest(XT, centers)
    clusters.recount(labels)
    # Lower bounds are loosened by a hair more than the centres move, so that
    # rounding never hides a change of label.
    hair = 1e-9 * (float(np.abs(X).max()) + 1.0)
    for _ in range(iterations):
        new, empty = clusters.centers(centers, upper)
        moved = np.sqrt(((new - centers) ** 2).sum(axis=1))
        shift = float((moved ** 2).sum())
        centers = new
        if empty.size or not bounded:  # measure every row again
            new_labels, upper, lower = _two_nearest(XT, centers)
            changed = not np.array_equal(new_labels, labels)
            labels = new_labels
            clusters.recount(labels)
            if empty.size or (changed and shift > tol):
                continue
            break
        upper += moved[labels]
        lower -= moved.max() + hair
        between = np.sqrt(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
        np.fill_diagonal(between, np.inf)
        half = 0.5 * between.min(axis=1) - hair
        # Rows whose bounds overlap may have changed cluster; the cheap test first.
        stale = np.flatnonzero(upper >= lower)
        stale = stale[upper[stale] >= half[labels[stale]]]
        new_labels, upper[stale], lower[stale] = _two_nearest(XT[:, stale], centers)
        changed = new_labels != labels[stale]
        rows = stale[changed]
        if rows.size > n // 8:
            labels[rows] = new_labels[changed]
            clusters.recount(labels)
        elif rows.size:
            clusters.move(rows, labels[rows], new_labels[changed])
            labels[rows] = new_labels[changed]
        if not rows.size or shift <= tol:
            break
    return centers, labels


def _unique_rows(X):
    """Distinct rows of X and the index of each row's distinct row.

    Rows are hashed by their bytes; a hash collision (checked) gives ``None``.
    """
    bits = np.ascontiguousarray(X).view(np.uint64 if X.dtype == np.float64 else np.uint32)
    key = np.zeros(len(X), dtype=np.uint64)
    for d in range(bits.shape[1]):
        key = key * np.uint64(0x9E3779B97F4A7C15) + bits[:, d].astype(np.uint64)
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True,
                                          return_counts=True)
    rows = X[first]
    if not np.array_equal(rows[inverse], X):
        return None
    return rows, inverse, counts


def Kmeans(pixels, k=3, *, iterations=30, init="k-means++", rng=None, weights=None,
           tol=0.0):
    """Cluster the rows of `pixels` with K-means (Lloyd's algorithm).

    Parameters
    ----------
    pixels : (N, D) array_like of real numbers
        One observation per row, e.g. the CIELAB colours of an image's pixels.
    k : int, optional
        Number of clusters, ``1 <= k <= N``.
    iterations : int, optional
        Maximum number of Lloyd iterations (centre updates), ``>= 0``.
    init : {'k-means++', 'random'} or (k, D) array_like, optional
        Starting centres: weighted k-means++ seeding, k distinct rows drawn at
        random, or an explicit array used as given.
    rng : int, numpy.random.Generator or None, optional
        Source of randomness for the seeding. The same seed gives the same
        result.
    weights : (N,) array_like, optional
        Non-negative weight of each row; centres are weighted means. A row of
        weight ``w`` counts as ``w`` copies of itself, so duplicate colours can
        be merged into one weighted row.
    tol : float, optional
        Also stop when the squared centre shift summed over clusters is at
        most `tol`. The default, 0, iterates until the labels stop changing.

    Returns
    -------
    centers : (k, D) ndarray
        Final centres (float32 for float32 input, else float64).
    labels : (N,) ndarray of int
        Index of the nearest final centre of each row.

    Raises
    ------
    ValueError
        If `pixels` is not 2-D, empty or not finite, `k` is out of range, or
        `init`, `weights`, `iterations` or `tol` are invalid.
    TypeError
        If `pixels` does not hold real numbers.

    Notes
    -----
    An empty cluster is moved to the point farthest from its centre, so no
    centre is ever NaN. Two shortcuts change nothing in the result: Hamerly's
    distance bounds skip rows that provably keep their cluster, and large
    unweighted inputs (100,000 rows or more, at least a quarter of them
    repeats, as in an upscaled 8-bit photo) are clustered over their
    distinct rows, weighted by multiplicity.

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
    n = len(X)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an integer, got {k!r}")
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must be between 1 and n_samples={n}")
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) \
            or iterations < 0:
        raise ValueError(f"iterations must be an integer >= 0, got {iterations!r}")
    if not (isinstance(tol, numbers.Real) and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    rng = np.random.default_rng(rng)
    index = None
    if weights is None:
        w = np.ones(n)
        if n >= 100_000:
            unique = _unique_rows(X)
            if unique is not None and len(unique[0]) <= 0.75 * n and len(unique[0]) >= k:
                X, index, w = unique[0], unique[1], unique[2].astype(np.float64)
    else:
        w = _as_weights(weights, n, k)
    centers = _initial_centers(X, k, init, w, rng)
    centers, labels = _lloyd(X, centers, w, int(iterations), float(tol))
    if index is not None:
        labels = labels[index]
    return centers, labels


def cluster_assignments(pixels, centers):
    """Index of the nearest centre (Euclidean distance) of each row.

    Parameters
    ----------
    pixels : (N, D) array_like
    centers : (k, D) array_like

    Returns
    -------
    labels : (N,) ndarray of int
        Ties go to the centre with the lower index.

    Raises
    ------
    ValueError
        If either array is not 2-D, empty or not finite, or D differs.

    Examples
    --------
    >>> cluster_assignments([[0, 0], [9, 9]], [[1, 1], [10, 10]])
    array([0, 1])
    """
    X = _as_data(pixels)
    C = _as_data(centers, "centers")
    if C.shape[1] != X.shape[1]:
        raise ValueError(f"centers must have D={X.shape[1]} columns like pixels, "
                         f"got shape {C.shape}")
    dtype = np.result_type(X, C)
    return _assign(X.astype(dtype, copy=False), C.astype(dtype, copy=False))[0]


def inertia(pixels, centers, labels=None, *, weights=None):
    """Sum of squared distances from each row to its centre (the K-means objective).

    Parameters
    ----------
    pixels : (N, D) array_like
    centers : (k, D) array_like
    labels : (N,) array_like of int, optional
        Cluster of each row; by default the nearest centre.
    weights : (N,) array_like, optional
        Weight of each row.

    Returns
    -------
    float

    Examples
    --------
    >>> inertia([[0, 0], [0, 1], [10, 10], [10, 11]], [[0, 0.5], [10, 10.5]])
    1.0
    """
    X = _as_data(pixels)
    C = _as_data(centers, "centers")
    if C.shape[1] != X.shape[1]:
        raise ValueError(f"centers must have D={X.shape[1]} columns like pixels, "
                         f"got shape {C.shape}")
    if labels is None:
        labels = cluster_assignments(X, C)
    labels = np.asarray(labels)
    if labels.shape != (len(X),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be ({len(X)},) integers, got {labels.dtype} "
                         f"{labels.shape}")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(C)):
        raise ValueError(f"labels must lie in [0, {len(C) - 1}], "
                         f"got [{labels.min()}, {labels.max()}]")
    sq = ((X - C[labels]) ** 2).sum(axis=1)
    w = np.ones(len(X)) if weights is None else _as_weights(weights, len(X), 1)
    return float(w @ sq)


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------

def to_rgb8(image):
    """Validate an image and return it as (H, W, 3) uint8 RGB.

    What each kind of input gets:

    ==========================  =============================================
    (H, W, 3) uint8             returned as is (no copy)
    (H, W) or (H, W, 1)         greyscale, repeated over three channels
    (H, W, 4)                   RGBA; the alpha channel is dropped
    bool                        False -> 0, True -> 255
    uint16                      scaled to 8 bits (value / 257, rounded)
    other integers              must lie in [0, 255]
    floats                      must be finite and lie in [0, 1]; x * 255
    nested lists                converted with ``np.asarray``, then as above
    ==========================  =============================================

    Raises
    ------
    TypeError
        For strings, objects, complex numbers and other non-numeric input.
    ValueError
        For an empty image, a shape that is not (H, W), (H, W, 1), (H, W, 3)
        or (H, W, 4), non-finite floats and values out of range.
    """
    if isinstance(image, (str, bytes, Path)):
        raise TypeError(f"image must be an array, got {type(image).__name__} "
                        f"(use read_image for a path)")
    arr = _asarray(image, "image")
    if arr.dtype != bool and (not np.issubdtype(arr.dtype, np.number)
                              or np.iscomplexobj(arr)):
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
    elif arr.dtype == np.uint16:
        rgb = ((arr.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif np.issubdtype(arr.dtype, np.integer):
        lo, hi = arr.min(), arr.max()
        if lo < 0 or hi > 255:
            raise ValueError(f"integer image values must lie in [0, 255], "
                             f"got [{lo}, {hi}]")
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
    return rgb if rgb.shape[2] == 3 else rgb[:, :, :3]  # alpha checked above, dropped


def _check_max_side(max_side):
    if isinstance(max_side, bool) or not isinstance(max_side, numbers.Integral) \
            or max_side < 1:
        raise ValueError(f"max_side must be an integer >= 1, got {max_side!r}")
    return int(max_side)


def rescale(image, max_side=320):
    """Shrink an image so that its longest side is at most `max_side` pixels.

    Area averaging (Pillow's box filter) on 8 bits; smaller images are
    returned unchanged.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `to_rgb8` accepts
    max_side : int, optional

    Returns
    -------
    (h, w, 3) uint8 ndarray
    """
    rgb = to_rgb8(image)
    return _rescale(rgb, _check_max_side(max_side))


def _shrunk_size(shape, max_side):
    """(width, height) with the longest side at most `max_side`, or None if it fits."""
    h, w = shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return None
    return max(1, round(w * scale)), max(1, round(h * scale))


def _rescale(rgb, max_side):
    """`rescale` for valid (H, W, 3) uint8 input."""
    size = _shrunk_size(rgb.shape, max_side)
    if size is None:
        return rgb
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def distinct_colors(image):
    """The distinct colours of an image, each pixel's colour index, and counts.

    An 8-bit photo has far fewer distinct colours than pixels, so per-colour
    work (CIELAB conversion, K-means with ``weights=counts``) is cheaper than
    per-pixel work and gives the same result.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `to_rgb8` accepts

    Returns
    -------
    colors : (M, 3) uint8 ndarray
        Distinct RGB colours, sorted.
    index : (H, W) ndarray of int
        ``colors[index]`` rebuilds the image.
    counts : (M,) ndarray of int
        Number of pixels of each colour.

    Examples
    --------
    >>> colors, index, counts = distinct_colors(np.array([[[9, 9, 9], [0, 0, 0], [9, 9, 9]]], np.uint8))
    >>> colors.tolist(), index.tolist(), counts.tolist()
    ([[0, 0, 0], [9, 9, 9]], [[1, 0, 1]], [1, 2])
    """
    rgb = to_rgb8(image)
    flat = rgb.reshape(-1, 3)
    key = (flat[:, 0].astype(np.int32) << 16) | (flat[:, 1].astype(np.int32) << 8) | flat[:, 2]
    codes, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    colors = np.stack([codes >> 16, (codes >> 8) & 255, codes & 255], axis=1).astype(np.uint8)
    return colors, inverse.reshape(rgb.shape[:2]), counts


def _check_labels(labels, k):
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a non-empty 2-D integer array, got "
                         f"{labels.dtype} {labels.shape}")
    if k is None:
        k = int(labels.max()) + 1
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"labels must lie in [0, k-1] = [0, {k - 1}], got "
                         f"[{labels.min()}, {labels.max()}]")
    return labels, k


def _border(array, width):
    """The pixels of a frame `width` wide around a 2-D array, each once."""
    h, w = array.shape[:2]
    if 2 * width >= min(h, w):
        return array.reshape(-1)
    return np.concatenate([array[:width].ravel(), array[-width:].ravel(),
                           array[width:-width, :width].ravel(),
                           array[width:-width, -width:].ravel()])


def border_counts(labels, k=None, *, width=1):
    """Number of pixels of each cluster in the image border.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        Cluster map with values in ``[0, k)``.
    k : int, optional
        Number of clusters; by default ``labels.max() + 1``.
    width : int, optional
        Width of the border frame in pixels; a frame wider than half the
        image is the whole image.

    Returns
    -------
    counts : (k,) ndarray of int
        Each border pixel is counted once (corners too).

    Examples
    --------
    >>> border_counts(np.array([[0, 0, 0], [0, 1, 0], [0, 0, 2]]))
    array([7, 0, 1])
    """
    labels, k = _check_labels(labels, k)
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:
        raise ValueError(f"width must be an integer >= 1, got {width!r}")
    return np.bincount(_border(labels, int(width)), minlength=k)


def background_clusters(counts, *, share=0.25):
    """Which clusters are background, judged by their share of the border.

    The cluster holding most of the border is background, and so is every
    cluster holding at least `share` of it.

    Parameters
    ----------
    counts : (k,) array_like of int
        Border pixels per cluster, as from `border_counts`.
    share : float, optional
        Border share in (0, 1] from which a cluster is background.

    Returns
    -------
    (k,) ndarray of bool
        True for background clusters.

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
    fraction = counts / counts.sum()
    background = fraction >= share
    background[np.argmax(counts)] = True
    return background


class Cutout(NamedTuple):
    """Result of `remove_background`."""

    cutout: np.ndarray
    """(H, W, 4) uint8 RGBA: the input's colours, alpha 255 on foreground, 0 elsewhere."""
    mask: np.ndarray
    """(H, W) bool, True on foreground."""


def _seed_mask(rgb, *, k, rng, max_side=320, iterations=30, border_width=1,
               border_share=0.25):
    """Foreground mask of the seed method at the working resolution; input valid."""
    small = _rescale(rgb, max_side)
    colors, index, counts = distinct_colors(small)
    k = min(k, len(colors))
    _, labels = Kmeans(color.rgb2lab(colors), k, iterations=iterations, rng=rng,
                       weights=counts)
    label_map = labels[index]
    background = background_clusters(border_counts(label_map, k, width=border_width),
                                     share=border_share)
    return ~background[label_map]


# --- The boundary method ----------------------------------------------------
#
# Superpixels (K-means in CIELAB + xy), boundary connectivity of each
# superpixel as background evidence, contrast against the background, a
# smoothing of that saliency over the superpixel graph, then K-means colour
# models of foreground and background refine the mask at pixel level.
# After Zhu, Liang, Wei and Sun, "Saliency Optimization from Robust
# Background Detection", CVPR 2014, and GrabCut's iterated colour models.

def superpixels(lab, n_segments=150, *, compactness=10.0, iterations=10):
    """SLIC superpixels: K-means of the pixels in CIELAB + position.

    Parameters
    ----------
    lab : (H, W, 3) float ndarray
        A CIELAB image.
    n_segments : int, optional
        Approximate number of superpixels.
    compactness : float, optional
        Weight of position against colour; higher gives squarer superpixels.
    iterations : int, optional
        Maximum number of K-means iterations.

    Returns
    -------
    (H, W) ndarray of int
        Superpixel labels ``0 .. n-1``, each a connected region.
    """
    from skimage.segmentation import slic

    lab = np.asarray(lab, dtype=np.float64)
    if lab.ndim != 3 or lab.shape[2] != 3 or lab.shape[0] == 0 or lab.shape[1] == 0:
        raise ValueError(f"lab must have shape (H, W, 3), got {lab.shape}")
    if isinstance(n_segments, bool) or not isinstance(n_segments, numbers.Integral) \
            or n_segments < 1:
        raise ValueError(f"n_segments must be an integer >= 1, got {n_segments!r}")
    labels = slic(lab, n_segments=int(n_segments), compactness=compactness,
                  max_num_iter=iterations, convert2lab=False, start_label=0,
                  channel_axis=-1)
    # Relabel densely: SLIC may leave ids unused.
    used = np.bincount(labels.ravel()) > 0
    return labels if used.all() else (np.cumsum(used) - 1)[labels]


class RegionGraph(NamedTuple):
    """Regions of a label image: their statistics and which of them touch."""

    n: int
    """Number of regions."""
    size: np.ndarray
    """(n,) pixels per region."""
    color: np.ndarray
    """(n, 3) mean CIELAB colour."""
    position: np.ndarray
    """(n, 2) mean (row, column), each divided by the image's height and width."""
    edges: np.ndarray
    """(m, 2) pairs ``i < j`` of regions that share a pixel edge."""
    border: np.ndarray
    """Ids of the regions that touch the image border."""


def region_graph(labels, lab):
    """Statistics and adjacency of the regions of a label image.

    Parameters
    ----------
    labels : (H, W) ndarray of int
        Region ids ``0 .. n-1`` (every id used).
    lab : (H, W, 3) float ndarray
        The image in CIELAB.

    Returns
    -------
    RegionGraph
    """
    labels, n = _check_labels(labels, None)
    lab = np.asarray(lab, dtype=np.float64)
    if lab.shape != labels.shape + (3,):
        raise ValueError(f"lab must have shape {labels.shape + (3,)}, got {lab.shape}")
    h, w = labels.shape
    flat = labels.ravel()
    size = np.bincount(flat, minlength=n).astype(np.float64)
    if (size == 0).any():
        raise ValueError(f"labels must use every id 0..{n - 1}")
    color_ = np.stack([np.bincount(flat, weights=lab[..., c].ravel(), minlength=n)
                       for c in range(3)], axis=1) / size[:, None]
    rows, cols = np.divmod(np.arange(h * w), w)
    position = np.stack([np.bincount(flat, weights=(rows + 0.5) / h, minlength=n),
                         np.bincount(flat, weights=(cols + 0.5) / w, minlength=n)],
                        axis=1) / size[:, None]
    a = np.r_[labels[:, :-1].ravel(), labels[:-1, :].ravel()]
    b = np.r_[labels[:, 1:].ravel(), labels[1:, :].ravel()]
    differ = a != b
    lo, hi = np.minimum(a[differ], b[differ]), np.maximum(a[differ], b[differ])
    keys = np.unique(lo.astype(np.int64) * n + hi)
    edges = np.stack([keys // n, keys % n], axis=1).astype(np.intp)
    border = np.unique(_border(labels, 1))
    return RegionGraph(n, size, color_, position, edges, border)


def _check_positive(**values):
    """Each value must be a finite number > 0."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not 0 < value < np.inf:
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def boundary_connectivity(graph, *, sigma_color=10.0):
    """How strongly each region is connected to the image border.

    The boundary connectivity of Zhu et al. (2014): with geodesic colour
    distances over the region graph (border regions also linked to each
    other), a region's soft area is ``sum_i exp(-d(p, i)**2 / (2 sigma**2))``
    (in regions), its soft border length the same sum over border regions,
    and its connectivity the length over the square root of the area. A
    background region that holds the border scores well above 1; an object
    inside the image scores near 0.

    Parameters
    ----------
    graph : RegionGraph
    sigma_color : float, optional
        CIELAB distance at which regions stop counting as one.

    Returns
    -------
    (n,) ndarray of float
    """
    _check_positive(sigma_color=sigma_color)
    n = graph.n
    i, j = np.meshgrid(graph.border, graph.border)
    links = np.r_[graph.edges, np.stack([i[i < j], j[i < j]], axis=1)]
    weight = np.sqrt(((graph.color[links[:, 0]] - graph.color[links[:, 1]]) ** 2).sum(axis=1))
    # Regions farther apart than 4 sigma weigh less than exp(-8) for each
    # other: leave those paths out, and with them every longer edge.
    limit = 4 * sigma_color
    short = weight <= limit
    # Zero-weight edges would vanish from a sparse graph: keep them by a hair.
    matrix = coo_matrix((weight[short] + 1e-9, (links[short, 0], links[short, 1])),
                        shape=(n, n)).tocsr()
    geodesic = dijkstra(matrix, directed=False, limit=limit)
    similar = np.exp(-geodesic ** 2 / (2 * sigma_color ** 2))
    return similar[:, graph.border].sum(axis=1) / np.sqrt(similar.sum(axis=1))


def _pairwise(a):
    """Euclidean distances between the rows of a small (n, d) array."""
    sq = (a ** 2).sum(axis=1)
    return np.sqrt(np.maximum(sq[:, None] - 2 * a @ a.T + sq[None, :], 0))


def region_saliency(graph, *, sigma_color=10.0, sigma_boundary=1.0, sigma_space=0.25,
                    smoothness=0.1):
    """Foreground score in [0, 1] of each region, from the border inwards.

    1. Background probability from boundary connectivity:
       ``w_bg = 1 - exp(-bc**2 / (2 sigma_boundary**2))``.
    2. Contrast: each region's colour distance to all others, weighted by
       their background probability and spatial closeness (``sigma_space``
       in image widths), scaled to [0, 1].
    3. The scores ``s`` minimise ``sum w_bg s**2 + sum w_fg (s - 1)**2 +
       sum_edges w_ij (s_i - s_j)**2``, where neighbours of similar colour
       get a large ``w_ij``: one linear solve.

    Returns
    -------
    (n,) ndarray of float
    """
    _check_positive(sigma_boundary=sigma_boundary, sigma_space=sigma_space,
                    smoothness=smoothness)
    bc = boundary_connectivity(graph, sigma_color=sigma_color)
    background = 1 - np.exp(-bc ** 2 / (2 * sigma_boundary ** 2))
    closeness = np.exp(-_pairwise(graph.position) ** 2 / (2 * sigma_space ** 2))
    contrast = (_pairwise(graph.color) * closeness * background[None, :]).sum(axis=1)
    spread = np.ptp(contrast)
    foreground = (contrast - contrast.min()) / spread if spread > 0 else np.zeros(graph.n)
    i, j = graph.edges.T
    similar = np.exp(-((graph.color[i] - graph.color[j]) ** 2).sum(axis=1)
                     / (2 * sigma_color ** 2)) + smoothness
    # The graph Laplacian plus the data terms; edges are unique pairs i < j.
    degree = np.bincount(i, weights=similar, minlength=graph.n) \
        + np.bincount(j, weights=similar, minlength=graph.n)
    system = np.diag(background + foreground + degree + 1e-12)
    system[i, j] = -similar
    system[j, i] = -similar
    # background + foreground > 0 somewhere keeps the system positive definite
    # on every connected part; a lone region with both 0 gets score 0 (the
    # 1e-12 above keeps it solvable).
    return np.clip(np.linalg.solve(system, foreground), 0, 1)


def _threshold(values, weights):
    """Otsu's threshold of weighted values, as 1-D two-cluster K-means would split."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cw = np.cumsum(w)
    cm = np.cumsum(w * v)
    total_w, total_m = cw[-1], cm[-1]
    w0, w1 = cw[:-1], total_w - cw[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (cm[:-1] * total_w - total_m * w0) ** 2 / (w0 * w1)
    between[(w0 == 0) | (w1 == 0) | (v[1:] == v[:-1])] = -1
    if between.max() < 0:
        return np.inf
    cut = np.argmax(between)
    return 0.5 * (v[cut] + v[cut + 1])


def _nearest_distance(XT, centers):
    """Distance from each column of XT (D, n) to the nearest of `centers`."""
    best = np.full(XT.shape[1], np.inf, dtype=XT.dtype)
    for c in np.asarray(centers, dtype=XT.dtype):
        np.minimum(best, _squared_distance(XT, c), out=best)
    return np.sqrt(best)


def _fill_holes(mask):
    """Fill the parts of the background that do not reach the image border."""
    outside, _ = ndimage.label(~mask)
    reaches = np.zeros(outside.max() + 1, bool)
    reaches[_border(outside, 1)] = True
    reaches[0] = True
    return ~reaches[outside] | mask


def clean_mask(mask, *, opening=1, min_component=0.2):
    """Morphological clean-up of a foreground mask.

    Opening by `opening` pixels (3x3 square steps, so rectangles survive
    whole) removes specks and thin bridges, holes are
    filled, and connected parts smaller than `min_component` times the
    largest part are dropped.

    Parameters
    ----------
    mask : (H, W) bool array_like
    opening : int, optional
        Radius of the opening in pixels (0: none).
    min_component : float, optional
        In [0, 1]; 0 keeps every part.

    Returns
    -------
    (H, W) ndarray of bool
    """
    mask = _as_mask(mask, "mask")
    if isinstance(opening, bool) or not isinstance(opening, numbers.Integral) or opening < 0:
        raise ValueError(f"opening must be an integer >= 0, got {opening!r}")
    if not (isinstance(min_component, numbers.Real) and 0 <= min_component <= 1):
        raise ValueError(f"min_component must be in [0, 1], got {min_component!r}")
    if opening:
        mask = ndimage.binary_opening(mask, structure=np.ones((3, 3), bool),
                                      iterations=int(opening))
    mask = _fill_holes(mask)
    if min_component > 0:
        parts, count = ndimage.label(mask)
        if count > 1:
            sizes = np.bincount(parts.ravel())
            keep = sizes >= min_component * sizes[1:].max()
            keep[0] = False
            mask = keep[parts]
    return mask


def _shrink_lab(lab, max_side):
    """Area-averaged copy of a CIELAB image with longest side at most `max_side`."""
    size = _shrunk_size(lab.shape, max_side)
    if size is None:
        return lab
    return np.stack([np.asarray(Image.fromarray(lab[..., c].astype(np.float32)).resize(
        size, Image.Resampling.BOX)) for c in range(3)], axis=2).astype(np.float64)


def _regions(lab, max_side, n_segments, compactness, iterations=10):
    """Superpixels of a CIELAB image shrunk to `max_side`, and their graph."""
    small = _shrink_lab(lab, max_side)
    labels = superpixels(small, n_segments, compactness=compactness, iterations=iterations)
    return labels, region_graph(labels, small)


@functools.lru_cache(maxsize=1)
def _srgb_to_linear():
    """sRGB decoding of the 256 8-bit values, as `skimage.color.rgb2xyz` does it."""
    v = np.arange(256) / 255.0
    return np.where(v > 0.04045, ((v + 0.055) / 1.055) ** 2.4, v / 12.92)


def lab_from_rgb8(colors):
    """CIELAB (D65, 2 degree observer) of (M, 3) uint8 sRGB colours.

    The same formulas as `skimage.color.rgb2lab`, with the sRGB decoding
    looked up in a 256-entry table instead of computed per value; the
    results agree to rounding error (a test checks 1e-9).

    Parameters
    ----------
    colors : (M, 3) uint8 ndarray

    Returns
    -------
    (M, 3) float64 ndarray
    """
    from skimage.color.colorconv import xyz_from_rgb

    colors = np.asarray(colors)
    if colors.dtype != np.uint8 or colors.ndim != 2 or colors.shape[1] != 3:
        raise ValueError(f"colors must be (M, 3) uint8, got {colors.dtype} {colors.shape}")
    xyz = _srgb_to_linear()[colors] @ xyz_from_rgb.T
    xyz /= (0.95047, 1.0, 1.08883)
    small = xyz <= 0.008856
    f = np.cbrt(xyz)
    f[small] = 7.787 * xyz[small] + 16.0 / 116.0
    return np.stack([116.0 * f[:, 1] - 16.0, 500.0 * (f[:, 0] - f[:, 1]),
                     200.0 * (f[:, 1] - f[:, 2])], axis=1)


def _lab_image(rgb):
    """CIELAB of a uint8 image, converted once per distinct colour.

    Returns the (h, w, 3) CIELAB image, the distinct colours in CIELAB and
    each pixel's colour index.
    """
    colors, index, _ = distinct_colors(rgb)
    lab = lab_from_rgb8(colors)
    return lab[index], lab, index


def saliency(image, *, max_side=120, n_segments=150, compactness=10.0, **options):
    """Foreground score in [0, 1] of every pixel at the working resolution.

    Superpixels of the image shrunk to `max_side`, scored by
    `region_saliency` (further `options` go there). An image with a single
    superpixel scores 0 everywhere.

    Returns
    -------
    (h, w) ndarray of float
    """
    rgb = _rescale(to_rgb8(image), _check_max_side(max_side))
    labels, graph = _regions(_lab_image(rgb)[0], max_side, n_segments, compactness)
    if graph.n < 2:
        return np.zeros(labels.shape)
    return region_saliency(graph, **options)[labels]


def _boundary_mask(rgb, *, k, rng, max_side=160, saliency_side=120, n_segments=150,
                   slic_iterations=2, rounds=2, prior_weight=0.4, clean=True, opening=0,
                   min_component=0.2):
    """Foreground mask of the boundary method at the working resolution; input valid.

    The saliency of superpixels gives a first split (Otsu's threshold, the
    split 1-D two-cluster K-means would make). Then, `rounds` times, K-means
    fits `k` colour clusters to the foreground superpixels and `2 k` to the
    background ones; every pixel's colour is scored by how much nearer it is
    to the foreground clusters, blended with the saliency (`prior_weight`),
    and the blend above 0.5 is the new foreground. `clean_mask` finishes
    (unless `clean` is False).
    """
    for name, value, low in (("max_side", max_side, 1), ("saliency_side", saliency_side, 1),
                             ("slic_iterations", slic_iterations, 1), ("rounds", rounds, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if not (isinstance(prior_weight, numbers.Real) and 0 <= prior_weight <= 1):
        raise ValueError(f"prior_weight must be in [0, 1], got {prior_weight!r}")
    small = _rescale(rgb, max_side)
    lab_image, lab, index = _lab_image(small)
    labels, graph = _regions(lab_image, saliency_side, n_segments, 10.0, slic_iterations)
    if graph.n < 2:
        return np.zeros(small.shape[:2], bool)
    region_score = region_saliency(graph)
    cut = _threshold(region_score, graph.size)
    prior = np.asarray(Image.fromarray(region_score[labels].astype(np.float32)).resize(
        (small.shape[1], small.shape[0]), Image.Resampling.BILINEAR), dtype=np.float64)
    foreground = prior > cut
    in_front = region_score > cut
    colors_t = np.ascontiguousarray(lab.T, dtype=np.float32)  # scores need no more
    for _ in range(rounds):
        if in_front.all() or not in_front.any():
            break
        distance = []
        for part, n_clusters in ((in_front, k), (~in_front, 2 * k)):
            X, w = graph.color[part], graph.size[part]
            start = _kmeans_plusplus(X, min(n_clusters, len(X)), w, rng)
            centers, _ = _lloyd(X, start, w, 10, 0.0)
            distance.append(_nearest_distance(colors_t, centers))
        likeness = distance[1] / (distance[0] + distance[1] + 1e-12)
        foreground = prior_weight * prior + (1 - prior_weight) * likeness[index] > 0.5
        # A superpixel is foreground for the next round if most of it is.
        at_regions = _resize_mask(foreground, labels.shape)
        votes = np.bincount(labels.ravel(), weights=at_regions.ravel(), minlength=graph.n)
        in_front = votes > 0.5 * graph.size
    if not clean:
        return foreground
    return clean_mask(foreground, opening=opening, min_component=min_component)


METHODS = {"boundary": _boundary_mask, "seed": _seed_mask}
"""Mask functions by name; each takes a valid (H, W, 3) uint8 image."""


def _resize_mask(mask, shape):
    """Nearest-neighbour resize of a 2-D bool mask to `shape`."""
    if mask.shape == tuple(shape):
        return mask
    rows = (np.arange(shape[0]) * mask.shape[0]) // shape[0]
    cols = (np.arange(shape[1]) * mask.shape[1]) // shape[1]
    return mask[rows[:, None], cols[None, :]]


def remove_background(image, *, method="boundary", k=3, rng=0, max_side=None, **options):
    """Cut the foreground out of an image.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
        Also greyscale (H, W), RGBA (H, W, 4) (alpha ignored), bool, uint16
        and float images in [0, 1]; see `to_rgb8`.
    method : {'boundary', 'seed'}, optional
        Name of the method, a key of `METHODS`: ``"boundary"`` (the default)
        or ``"seed"``, both described in the module docstring.
    k : int, optional
        Number of K-means clusters (fewer when there is less to cluster):
        the colour clusters of ``"seed"``; for ``"boundary"``, the clusters
        of the foreground colour model (the background gets ``2 k``).
    rng : int, numpy.random.Generator or None, optional
        Seed of the K-means seeding; the default gives the same mask every
        time.
    max_side : int, optional
        Longest side of the working resolution; by default the method's own
        (320 for ``"seed"``, 160 for ``"boundary"``).
    **options
        Further options of the method. ``"seed"``: ``iterations=30``,
        ``border_width=1``, ``border_share=0.25`` (see
        `background_clusters`). ``"boundary"``: ``saliency_side=120``,
        ``n_segments=150``, ``slic_iterations=2``, ``rounds=2``,
        ``prior_weight=0.4``, ``clean=True``, ``opening=0``,
        ``min_component=0.2``.

    Returns
    -------
    Cutout
        ``(cutout, mask)``: (H, W, 4) uint8 RGBA whose RGB equals the input
        as 8-bit RGB and whose alpha is 255 on foreground and 0 on background;
        (H, W) bool mask, True on foreground, at the input's resolution.

    Raises
    ------
    ValueError, TypeError
        For an invalid image (see `to_rgb8`), unknown method or bad option.

    Examples
    --------
    >>> image = np.zeros((60, 80, 3), np.uint8)
    >>> image[20:40, 30:50] = (200, 30, 30)
    >>> cutout, mask = remove_background(image)
    >>> int(mask.sum()), bool((cutout[..., 3] == 255 * mask).all())
    (400, True)
    """
    rgb = to_rgb8(image)
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    if max_side is not None:
        options["max_side"] = _check_max_side(max_side)
    rng = np.random.default_rng(rng)
    try:
        small_mask = METHODS[method](rgb, k=int(k), rng=rng, **options)
    except TypeError as error:
        raise TypeError(f"bad option for method {method!r}: {error}") from None
    mask = _resize_mask(small_mask, rgb.shape[:2])
    cutout = np.empty(rgb.shape[:2] + (4,), dtype=np.uint8)
    cutout[..., :3] = rgb
    cutout[..., 3] = mask * np.uint8(255)
    return Cutout(cutout, mask)


def composite(cutout, background="checker", *, tile=8):
    """Flatten an RGBA cutout onto a background, for display or saving.

    Parameters
    ----------
    cutout : (H, W, 4) uint8 ndarray
    background : 'checker' or (3,) RGB tuple of 0..255, optional
        A grey checkerboard shows transparency.
    tile : int, optional
        Checkerboard square size in pixels.

    Returns
    -------
    (H, W, 3) uint8 ndarray
    """
    cutout = np.asarray(cutout)
    if cutout.dtype != np.uint8 or cutout.ndim != 3 or cutout.shape[2] != 4:
        raise ValueError(f"cutout must be (H, W, 4) uint8, got {cutout.dtype} {cutout.shape}")
    h, w = cutout.shape[:2]
    if isinstance(background, str):
        if background != "checker":
            raise ValueError(f"background must be 'checker' or an RGB triple, got {background!r}")
        yy, xx = np.mgrid[:h, :w]
        grey = np.where((yy // tile + xx // tile) % 2, 200, 250).astype(np.float64)
        base = np.repeat(grey[:, :, None], 3, axis=2)
    else:
        rgb = np.asarray(background)
        if rgb.shape != (3,) or not np.issubdtype(rgb.dtype, np.number) \
                or (rgb < 0).any() or (rgb > 255).any():
            raise ValueError(f"background must be 'checker' or an RGB triple in 0..255, "
                             f"got {background!r}")
        base = np.broadcast_to(rgb.astype(np.float64), (h, w, 3))
    alpha = cutout[..., 3:].astype(np.float64) / 255
    return np.rint(cutout[..., :3] * alpha + base * (1 - alpha)).astype(np.uint8)


# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------

def _as_mask(mask, name):
    arr = np.asarray(mask)
    if arr.dtype != bool:
        if not np.issubdtype(arr.dtype, np.number) or not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must be a boolean mask (or 0/1), got dtype {arr.dtype}")
        arr = arr.astype(bool)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}")
    return arr


def _check_pair(pred, truth):
    pred = _as_mask(pred, "pred")
    truth = _as_mask(truth, "truth")
    if pred.shape != truth.shape:
        raise ValueError(f"pred and truth must have the same shape, got {pred.shape} "
                         f"and {truth.shape}")
    return pred, truth


def _ratio(num, den):
    """num / den, or 1.0 when both are 0 (nothing to find and nothing found)."""
    return float(num / den) if den else (1.0 if num == 0 else 0.0)


def iou(pred, truth):
    """Intersection over union of two masks.

    Two empty masks agree perfectly: their IoU is 1.0.

    Parameters
    ----------
    pred, truth : (H, W) bool array_like of the same shape

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> iou([[1, 1, 0, 0]], [[0, 1, 1, 0]])
    0.3333333333333333
    """
    pred, truth = _check_pair(pred, truth)
    return _ratio(np.count_nonzero(pred & truth), np.count_nonzero(pred | truth))


def mask_scores(pred, truth):
    """IoU, precision and recall of a predicted mask.

    A score whose denominator is zero is 1.0 when both masks are empty and
    0.0 otherwise, so no score is ever NaN.

    Returns
    -------
    dict with float values ``iou``, ``precision``, ``recall``
    """
    pred, truth = _check_pair(pred, truth)
    hit = np.count_nonzero(pred & truth)
    n_pred, n_truth = np.count_nonzero(pred), np.count_nonzero(truth)
    both_empty = n_pred == n_truth == 0
    return {
        "iou": _ratio(hit, np.count_nonzero(pred | truth)),
        "precision": 1.0 if both_empty else _ratio(hit, n_pred) if n_pred else 0.0,
        "recall": 1.0 if both_empty else _ratio(hit, n_truth) if n_truth else 0.0,
    }


def background_complexity(image, mask=None, *, max_side=320):
    """How cluttered an image's background is: mean Sobel gradient of L*.

    The CIELAB lightness L* (0-100) of the image at the working resolution
    is filtered with a Sobel operator; the score is the mean gradient
    magnitude over the background (``~mask``), or over a border frame 1/8
    of the shorter side wide when no mask is given. A plain background
    scores near 0, noise and texture score higher.

    Parameters
    ----------
    image : anything `to_rgb8` accepts
    mask : (H, W) bool array_like, optional
        True on foreground, at the image's resolution.
    max_side : int, optional

    Returns
    -------
    float
    """
    from skimage.filters import sobel

    rgb = to_rgb8(image)
    small = _rescale(rgb, _check_max_side(max_side))
    gradient = sobel(_lab_image(small)[0][..., 0])
    if mask is None:
        width = max(1, min(gradient.shape) // 8)
        return float(_border(gradient, width).mean())
    mask = _as_mask(mask, "mask")
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask must have the image's shape {rgb.shape[:2]}, got {mask.shape}")
    # Leave out the object's outline: its edge is not background clutter.
    background = ndimage.binary_erosion(~_resize_mask(mask, gradient.shape), iterations=2)
    return float(gradient[background].mean()) if background.any() else 0.0


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def read_image(path):
    """Read an image file as (H, W, 3) uint8 RGB (greyscale and RGBA converted)."""
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def read_mask(path):
    """Read a mask file as (H, W) bool: foreground where 8-bit grey > 127.

    RGB, 1-bit and soft (anti-aliased) greyscale masks are all converted to
    8-bit grey first.
    """
    with Image.open(path) as im:
        return np.asarray(im.convert("L")) > 127


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

    def __repr__(self):
        return f"<Dataset {self.source}: {len(self)} images>"


def _files_by_stem(folder):
    return {p.stem: p for p in sorted(Path(folder).iterdir())
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}


class _FolderLoader:
    """Picklable loader of image/mask pairs from two folders."""

    def __init__(self, images, masks):
        self.images, self.masks = images, masks

    def __call__(self, name):
        return read_image(self.images[name]), read_mask(self.masks[name])


def _find_pair_dirs(root, max_depth=3):
    """(images, masks) folders under root: DUTS-TE layout first, then images/+masks/."""
    root = Path(root)
    level = [root]
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
    images, masks = (_files_by_stem(d) for d in dirs)
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


def open_dataset(root=None, *, download=None):
    """DUTS-TE from the first source that works, else the demo set.

    Order: (1) `root`, or the ``DUTS_DIR`` environment variable, a local
    folder (see `folder_dataset`); (2) ``kagglehub.dataset_download`` of
    ``balraj98/duts-saliency-detection-dataset`` unless `download` is False
    (default: True unless ``DUTS_DOWNLOAD=0`` is set); (3) `demo_dataset`.
    ``dataset.source`` and ``dataset.reason`` say which was used and why.

    Raises
    ------
    ValueError
        If a folder is given explicitly but holds no dataset.
    """
    root = root if root is not None else os.environ.get("DUTS_DIR") or None
    if root is not None:
        how = "given" if "DUTS_DIR" not in os.environ else "from DUTS_DIR"
        return folder_dataset(root, reason=f"local folder {how}")
    if download is None:
        download = os.environ.get("DUTS_DOWNLOAD", "1") != "0"
    if not download:
        return demo_dataset(reason="download turned off")
    try:
        import kagglehub

        path = kagglehub.dataset_download(KAGGLE_DATASET)
        return folder_dataset(path, source=f"kaggle:{KAGGLE_DATASET}",
                              reason="downloaded with kagglehub")
    except Exception as error:  # no network, no credentials, unexpected layout
        first_line = (str(error).splitlines() or [""])[0][:100]
        return demo_dataset(reason=f"kagglehub failed: {type(error).__name__}: {first_line}")


# --- The embedded demo set -------------------------------------------------

DEMO_SHAPE = (240, 320)
_DEMO_SHAPES = ("disk", "square", "horse", "blob", "ellipse", "star")
_DEMO_BACKGROUNDS = ("plain", "gradient", "noise", "stripes", "texture", "photo")
_DEMO_TEXTURES = ("red", "chelsea", "coffee", "astronaut", "rocket", "blue")


@functools.lru_cache(maxsize=None)
def _skimage_picture(name):
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


def _fit(picture, shape):
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


def _demo_mask(shape_name, rng):
    """Exact object mask of a demo scene."""
    from skimage import data, draw, segmentation, transform

    h, w = DEMO_SHAPE
    mask = np.zeros(DEMO_SHAPE, bool)
    cy = h // 2 + int(rng.integers(-20, 21))
    cx = w // 2 + int(rng.integers(-40, 41))
    size = int(rng.integers(55, 80))
    if shape_name == "disk":
        mask[draw.disk((cy, cx), size, shape=DEMO_SHAPE)] = True
    elif shape_name == "square":
        mask[cy - size:cy + size, cx - size:cx + size] = True
    elif shape_name == "ellipse":
        rr, cc = draw.ellipse(cy, cx, size * 0.7, size * 1.4, shape=DEMO_SHAPE,
                              rotation=float(rng.uniform(-0.6, 0.6)))
        mask[rr, cc] = True
    elif shape_name == "star":
        angles = np.linspace(0, 2 * np.pi, 11)[:-1] + rng.uniform(0, np.pi)
        radii = np.where(np.arange(10) % 2, size * 0.45, size * 1.1)
        mask[draw.polygon(cy + radii * np.sin(angles), cx + radii * np.cos(angles),
                          shape=DEMO_SHAPE)] = True
    else:
        if shape_name == "horse":
            silhouette = _skimage_picture("horse")[..., 0] < 128
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


def _demo_background(kind, rng):
    """Background of a demo scene, from plain to cluttered."""
    h, w = DEMO_SHAPE
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
        grey = _fit(_skimage_picture(name), DEMO_SHAPE).astype(np.float64) / 255
        return grey * base
    name = ("coffee", "hubble_deep_field", "immunohistochemistry", "astronaut")[
        int(rng.integers(4))]
    return _fit(_skimage_picture(name), DEMO_SHAPE).astype(np.float64)


def _demo_texture(kind, rng):
    """Fill of a demo object: a flat colour with noise or a photo."""
    h, w = DEMO_SHAPE
    if kind in ("red", "blue"):
        rgb = (200, 35, 40) if kind == "red" else (30, 60, 190)
        return np.asarray(rgb, float) + rng.normal(0, 8, size=(h, w, 3))
    return _fit(_skimage_picture(kind), DEMO_SHAPE).astype(np.float64)


def _demo_scene(name):
    """Generate the demo scene called `name` (deterministic)."""
    index = int(name.split("-")[0])
    rng = np.random.default_rng(index)
    n_bg = len(_DEMO_BACKGROUNDS)
    shape_name = _DEMO_SHAPES[index // n_bg]
    mask = _demo_mask(shape_name, rng)
    background = _demo_background(_DEMO_BACKGROUNDS[index % n_bg], rng)
    texture = _demo_texture(_DEMO_TEXTURES[(index + index // n_bg) % len(_DEMO_TEXTURES)],
                            rng)
    image = np.where(mask[:, :, None], texture, background)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), mask


def demo_dataset(*, reason="no dataset given"):
    """36 synthetic scenes with exact masks, built from scikit-image's own images.

    Six object shapes (disk, square, the ``horse`` silhouette, a random blob
    from ``binary_blobs``, ellipse, star) filled with a flat noisy colour or a photo
    (``chelsea``, ``coffee``, ``astronaut``, ``rocket``), each on six
    backgrounds from plain to cluttered: plain, gradient, noise, stripes,
    texture (``grass``, ``gravel``, ``brick``) and photo. Scenes are 240x320
    and generated when indexed, the same every time.
    """
    names = [f"{i:02d}-{shape}-{bg}" for i, (shape, bg) in enumerate(
        (s, b) for s in _DEMO_SHAPES for b in _DEMO_BACKGROUNDS)]
    return Dataset(names, _demo_scene, source="demo", reason=reason)


# ---------------------------------------------------------------------------
# Batch evaluation
# ---------------------------------------------------------------------------

COLUMNS = ["name", "iou", "precision", "recall", "foreground", "predicted",
           "complexity", "seconds", "error"]


def _evaluate_one(dataset, i, options):
    """One row of `evaluate`; never raises for a bad file."""
    name = dataset.names[i]
    try:
        _, image, truth = dataset[i]
        if image.shape[:2] != truth.shape:
            raise ValueError(f"image {image.shape[:2]} and mask {truth.shape} differ in size")
        start = time.perf_counter()
        mask = remove_background(image, **options).mask
        seconds = time.perf_counter() - start
        row = mask_scores(mask, truth)
        row.update(foreground=float(truth.mean()), predicted=float(mask.mean()),
                   complexity=background_complexity(image, truth), seconds=seconds,
                   error="")
    except Exception as error:  # a bad file becomes a row, the run goes on
        row = {"error": f"{type(error).__name__}: {error}"}
    return {"name": name, **row}


_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def process_pool(workers=None, *, initializer=None, initargs=()):
    """A process pool for batch work, one BLAS thread per worker.

    N worker processes that each start a multi-threaded BLAS fight over the
    cores (measured here: ten times slower than one process). The workers
    are therefore started fresh (``spawn``) with ``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to 1; the
    variables are set in this process only while the pool is open.

    Parameters
    ----------
    workers : int, optional
        Number of processes; by default one per core.
    initializer, initargs
        As for `concurrent.futures.ProcessPoolExecutor`.

    Yields
    ------
    concurrent.futures.ProcessPoolExecutor
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update(dict.fromkeys(_THREAD_VARIABLES, "1"))
    try:
        with ProcessPoolExecutor(workers or os.cpu_count() or 1,
                                 mp_context=multiprocessing.get_context("spawn"),
                                 initializer=initializer, initargs=initargs) as pool:
            yield pool
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


_worker_dataset = None


def _set_worker_dataset(dataset):
    """Process-pool initializer: each worker receives the dataset once."""
    global _worker_dataset
    _worker_dataset = dataset


def _evaluate_in_worker(i, options):
    return _evaluate_one(_worker_dataset, i, options)


def evaluate(dataset, *, progress=True, workers=None, executor=None, **options):
    """Run `remove_background` over a dataset and score every image.

    Parameters
    ----------
    dataset : Dataset
    progress : bool, optional
        Show a tqdm progress bar (with images per second).
    workers : int, optional
        Number of processes (see `process_pool`); by default one per core.
        1 runs in this process. A script that uses several needs the usual
        ``if __name__ == "__main__":`` guard, as workers start fresh.
    executor : concurrent.futures.Executor, optional
        Run the images on this executor instead (threads, processes or a
        cluster; the dataset must be picklable for processes).
    **options
        Passed to `remove_background` (``method``, ``rng``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per image, in dataset order (whatever ran where), with
        columns ``name``, ``iou``, ``precision``, ``recall``, ``foreground``
        (true foreground share), ``predicted`` (predicted foreground share),
        ``complexity`` (see `background_complexity`), ``seconds`` (time of
        `remove_background`) and ``error`` (empty, or why the image could
        not be scored; its scores are then NaN). ``scores.attrs`` holds
        ``images_per_second`` and ``workers``.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    if not isinstance(dataset, Dataset):
        raise TypeError(f"dataset must be a Dataset, got {type(dataset).__name__}")
    if workers is None:
        workers = os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
    n = len(dataset)
    start = time.perf_counter()
    workers = min(workers, max(n, 1)) if executor is None else workers
    with contextlib.ExitStack() as stack:
        if executor is not None:
            rows = executor.map(_evaluate_one, [dataset] * n, range(n), [options] * n)
        elif workers > 1:
            pool = stack.enter_context(process_pool(
                workers, initializer=_set_worker_dataset, initargs=(dataset,)))
            rows = pool.map(_evaluate_in_worker, range(n), [options] * n, chunksize=2)
        else:
            rows = (_evaluate_one(dataset, i, options) for i in range(n))
        rows = list(tqdm(rows, total=n, disable=not progress, desc=dataset.source,
                         unit="image"))
    scores = pd.DataFrame(rows, columns=COLUMNS)
    scores.attrs["images_per_second"] = n / max(time.perf_counter() - start, 1e-9)
    scores.attrs["workers"] = workers
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

    if column not in getattr(scores, "columns", ()):
        raise ValueError(f"scores must be a DataFrame with a {column!r} column")
    ok = scores.loc[scores["error"] == "", column].astype(float)
    quartiles = ok.quantile([0.25, 0.5, 0.75]).to_numpy() if len(ok) else [np.nan] * 3
    return pd.Series({
        "images": len(ok), "failed": len(scores) - len(ok),
        "mean": ok.mean(), "std": ok.std(), "min": ok.min(), "25%": quartiles[0],
        "median": quartiles[1], "75%": quartiles[2], "max": ok.max(),
        "share >= 0.5": (ok >= 0.5).mean(), "share >= 0.7": (ok >= 0.7).mean(),
    }, name=column)


# ---------------------------------------------------------------------------
# Folders of images: the command line
# ---------------------------------------------------------------------------

def _parse_color(text):
    """'white', 'black' or '#RRGGBB' as an RGB tuple."""
    named = {"white": (255, 255, 255), "black": (0, 0, 0)}
    if text.lower() in named:
        return named[text.lower()]
    if len(text) == 7 and text[0] == "#":
        try:
            return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            pass
    raise ValueError(f"background must be white, black or #RRGGBB, got {text!r}")


def _save_atomic(array, path):
    """Write a PNG under a temporary name in the same folder, then rename it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        Image.fromarray(array).save(tmp, format="PNG")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _process_file(path, out, options, background, save_mask, truth_path):
    """Cut out one file; a row for the report. Never raises for a bad file."""
    path, out = Path(path), Path(out)
    row = {"image": path.name, "iou": np.nan, "precision": np.nan, "recall": np.nan,
           "error": "", "skipped": False, "note": ""}
    try:
        image = read_image(path)
        cutout, mask = remove_background(image, **options)
        if save_mask:
            _save_atomic(np.where(mask, 255, 0).astype(np.uint8),
                         out / "masks" / f"{path.stem}.png")
        flat = cutout if background is None else composite(cutout, background)
        _save_atomic(flat, out / f"{path.stem}.png")
        if truth_path == "":
            row["note"] = "no ground-truth mask"
        elif truth_path is not None:
            truth = read_mask(truth_path)
            if truth.shape != mask.shape:
                raise ValueError(f"ground-truth mask is {truth.shape[1]}x{truth.shape[0]}, "
                                 f"image is {mask.shape[1]}x{mask.shape[0]}")
            row.update(mask_scores(mask, truth))
    except Exception as error:  # a bad file is reported, the batch goes on
        row["error"] = f"{type(error).__name__}: {error}"
    return row


def image_files(src):
    """The image files of a folder (or the one file), sorted by name.

    Files whose suffix is not one of jpg, jpeg, png, bmp, tif or tiff
    (any case) are ignored, and so are hidden files.
    """
    src = Path(src)
    if src.is_file():
        return [src]
    if not src.is_dir():
        raise ValueError(f"source {str(src)!r} does not exist")
    return [p for p in sorted(src.iterdir()) if p.is_file() and not p.name.startswith(".")
            and p.suffix.lower() in IMAGE_SUFFIXES]


def remove_backgrounds(src, out, *, gt=None, save_mask=False, background=None,
                       skip_existing=False, executor=None, progress=True, **options):
    """Remove the background of every image in a folder and write the cutouts.

    For each image ``STEM.ext`` in `src` (or the one file `src`) this writes
    ``out/STEM.png``: RGBA, the input's size, alpha 255 on foreground and 0
    on background, or RGB flattened onto `background`. Files are written
    under a temporary name and renamed, so an interrupted run leaves no
    half-written image, and the inputs are never touched.

    Parameters
    ----------
    src : path
        A folder of images (see `image_files`) or one image file.
    out : path
        Output folder, created if needed; must not be the source folder.
    gt : path, optional
        Folder of ground-truth masks matched by file stem (foreground where
        grey > 127); scores go to ``out/iou.csv``.
    save_mask : bool, optional
        Also write ``out/masks/STEM.png``, 8-bit, 0 or 255, equal to the
        cutout's alpha.
    background : str or (3,) tuple, optional
        ``"white"``, ``"black"``, ``"#RRGGBB"`` or an RGB tuple.
    skip_existing : bool, optional
        Leave images whose outputs already exist alone (resumes a run).
    executor : concurrent.futures.Executor, optional
        Runs the files in parallel: a process pool, or a cluster executor
        such as Dask's ``Client.get_executor()`` (the workers must see the
        same paths). By default files run one after another.
    progress : bool, optional
        Show a progress bar on stderr.
    **options
        Passed to `remove_background` (``method``, ``max_side``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per image: ``image``, ``iou``, ``precision``, ``recall``
        (NaN without `gt`, or for an image without a ground-truth mask),
        ``error`` (empty on success), ``skipped`` (left alone by
        `skip_existing`) and ``note``. Two files with the same stem (``a.jpg``,
        ``a.png``) would write the same cutout: the second is an error.

    Raises
    ------
    ValueError
        If `src` does not exist, `out` is `src`, `gt` is not a folder, or
        `background` or an option is invalid.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    files = image_files(src)
    src, out = Path(src), Path(out)
    if out.resolve() == (src if src.is_dir() else src.parent).resolve():
        raise ValueError(f"output folder {str(out)!r} must differ from the source folder")
    if isinstance(background, str):
        background = _parse_color(background)
    truths = None
    if gt is not None:
        if not Path(gt).is_dir():
            raise ValueError(f"ground-truth folder {str(gt)!r} does not exist")
        truths = _files_by_stem(gt)
    remove_background(np.zeros((2, 2, 3), np.uint8), **options)  # bad options fail now
    out.mkdir(parents=True, exist_ok=True)
    if save_mask:
        (out / "masks").mkdir(exist_ok=True)

    rows, todo, seen = {}, [], {}
    for path in files:
        if path.stem in seen:
            rows[path] = {"image": path.name, "error": f"ValueError: same stem as "
                          f"{seen[path.stem].name}, whose cutout is {path.stem}.png"}
            continue
        seen[path.stem] = path
        done = (out / f"{path.stem}.png").exists() and \
            (not save_mask or (out / "masks" / f"{path.stem}.png").exists())
        if skip_existing and done and truths is None:
            rows[path] = {"image": path.name, "skipped": True}
            continue
        todo.append(path)
    # "" marks an image without a ground-truth mask: cut out, not scored.
    arguments = [(str(p), str(out), options, background, save_mask,
                  None if truths is None else str(truths.get(p.stem, ""))) for p in todo]
    if executor is None:
        results = (_process_file(*a) for a in arguments)
    else:
        results = executor.map(_process_file, *zip(*arguments)) if arguments else []
    for path, row in zip(todo, tqdm(results, total=len(todo), disable=not progress,
                                    desc="cutouts", unit="image")):
        rows[path] = row
    blank = {"iou": np.nan, "precision": np.nan, "recall": np.nan, "error": "",
             "skipped": False, "note": ""}
    report = pd.DataFrame([{**blank, **rows[p]} for p in files],
                          columns=["image", "iou", "precision", "recall", "error", "skipped",
                                   "note"])
    if truths is not None:
        report.drop(columns="skipped").to_csv(out / "iou.csv", index=False)
    return report


def main(argv=None):
    """The command line: ``python -m kmeans_utils SRC -o OUT [options]``.

    Exit status: 0 when every image succeeded, 1 when any failed, 2 for a
    usage error.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m kmeans_utils",
        description="Remove the background of images with K-means clustering: writes "
                    "OUT/STEM.png (RGBA) for every image STEM.ext in SRC.")
    parser.add_argument("src", metavar="SRC", help="an image file or a folder of images")
    parser.add_argument("-o", "--out", metavar="OUT", required=True, help="output folder")
    parser.add_argument("--gt", metavar="MASK_DIR",
                        help="ground-truth masks by stem; writes OUT/iou.csv")
    parser.add_argument("--save-mask", action="store_true",
                        help="also write OUT/masks/STEM.png (0 or 255)")
    parser.add_argument("--background", metavar="COLOR",
                        help="flatten onto white, black or #RRGGBB instead of transparency")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="processes (default: all cores)")
    parser.add_argument("--max-side", type=int, metavar="N",
                        help="longest side of the working resolution (default: the method's)")
    parser.add_argument("--method", default="boundary", choices=sorted(METHODS))
    parser.add_argument("--skip-existing", action="store_true",
                        help="skip images whose outputs exist (resume a run)")
    args = parser.parse_args(argv)
    options = {"method": args.method}
    if args.max_side is not None:
        options["max_side"] = args.max_side
    try:
        if args.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {args.workers}")
        serial = contextlib.nullcontext()  # executor None: run in this process
        with process_pool(args.workers) if args.workers > 1 else serial as pool:
            report = remove_backgrounds(
                args.src, args.out, gt=args.gt, save_mask=args.save_mask,
                background=args.background, skip_existing=args.skip_existing,
                executor=pool, **options)
    except (ValueError, TypeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failed = report[report.error != ""]
    for _, row in failed.iterrows():
        print(f"failed: {row.image}: {row.error}", file=sys.stderr)
    if args.gt is not None:
        scored = report[report.iou.notna()]
        unscored = int((report.note != "").sum())
        print(f"mean IoU {scored.iou.mean():.3f} over {len(scored)} images"
              + (f" ({unscored} without a ground-truth mask)" if unscored else "")
              + f"; scores in {Path(args.out) / 'iou.csv'}")
    skipped = int(report.skipped.sum())
    print(f"{len(report) - len(failed)} succeeded, {len(failed)} failed"
          + (f" ({skipped} skipped as done)" if skipped else ""), file=sys.stderr)
    return 1 if len(failed) else 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
