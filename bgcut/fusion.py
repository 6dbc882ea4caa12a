"""The learned fusion: boosted regression trees over the classical cues.

A fixed blend of two cues (0.6 / 0.4) cannot know which cue to trust on
which photo. This model learns it from human masks: gradient-boosted
regression trees map the `bgcut.cues.FEATURES` of a superpixel to the share
of it that is foreground (DRFI, Jiang et al., CVPR 2013). It is the one
supervised step of the project: the trees were fitted by
``python benchmarks/train.py`` on the photos of the SOD and Weizmann horse
sets (every image weighted equally), with scikit-learn's
``HistGradientBoostingRegressor``, and are stored as plain arrays in
``bgcut/fusion.npz``; they are evaluated here with numpy alone.

The raw prediction is then calibrated per image, ``sigmoid(5 (p - t))``
with ``t`` the image's own Otsu threshold of ``p`` (`calibrate`), so that
the colour models and the graph cut downstream get a prior of the same
shape as the hand-set blend's.
"""

import functools
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

import kmeans_utils as ku

from .cues import FEATURES, superpixel_cues
from .regions import otsu_threshold, resize_map

__all__ = ["MODEL_FILE", "Trees", "default_trees", "calibrate", "training_rows"]

MODEL_FILE = Path(__file__).with_name("fusion.npz")
"""The project's trained model."""


class Trees(NamedTuple):
    """An ensemble of binary regression trees, all nodes in flat arrays.

    Node ``i`` sends a row ``x`` to ``left[i]`` if ``x[feature[i]] <=
    threshold[i]`` and to ``right[i]`` otherwise; a leaf has threshold
    ``inf`` and points to itself. The prediction is ``baseline`` plus the
    sum, over the trees, of the ``value`` of the leaf each row reaches.
    """

    feature: np.ndarray
    """(N,) int, the feature each node tests."""
    threshold: np.ndarray
    """(N,) float, the split value (``inf`` on leaves)."""
    left: np.ndarray
    """(N,) int, the next node when the test holds."""
    right: np.ndarray
    """(N,) int, the next node otherwise."""
    value: np.ndarray
    """(N,) float, the contribution of a leaf."""
    roots: np.ndarray
    """(T,) int, the first node of each tree."""
    baseline: float
    """The prediction before any tree."""
    depth: int
    """The longest path from a root to a leaf."""
    features: tuple
    """Names of the features, in column order."""

    def predict(self, X):
        """The ensemble's prediction for each row of `X`, (n, F) -> (n,)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise ValueError(f"X must have shape (n, {len(self.features)}), got {X.shape}")
        if not np.isfinite(X).all():
            raise ValueError("X must hold finite values")
        rows = np.arange(len(X))[:, None]
        node = np.broadcast_to(self.roots, (len(X), len(self.roots)))
        for _ in range(self.depth):
            go_left = X[rows, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.baseline + self.value[node].sum(axis=1)

    @classmethod
    def from_histogram_gradient_boosting(cls, model, features=FEATURES):
        """The trees of a fitted scikit-learn ``HistGradientBoostingRegressor``.

        Reads the fitted predictors' node arrays (numerical splits, no
        missing values); scikit-learn itself is not imported.
        """
        parts, roots, offset, depth = [], [], 0, 0
        for (tree,) in model._predictors:
            nodes = tree.nodes
            if nodes["is_categorical"].any():
                raise ValueError("categorical splits are not supported")
            leaf = nodes["is_leaf"].astype(bool)
            own = np.arange(len(nodes))
            parts.append((np.where(leaf, 0, nodes["feature_idx"]),
                          np.where(leaf, np.inf, nodes["num_threshold"]),
                          np.where(leaf, own, nodes["left"]) + offset,
                          np.where(leaf, own, nodes["right"]) + offset,
                          np.where(leaf, nodes["value"], 0.0)))
            roots.append(offset)
            offset += len(nodes)
            depth = max(depth, int(nodes["depth"].max()))
        feature, threshold, left, right, value = (np.concatenate(p) for p in zip(*parts))
        return cls(feature.astype(np.int16), threshold.astype(np.float64),
                   left.astype(np.int32), right.astype(np.int32), value.astype(np.float64),
                   np.array(roots, np.int32), float(np.ravel(model._baseline_prediction)[0]),
                   depth, tuple(features))

    def save(self, path):
        """Write the trees to a compressed ``.npz`` file."""
        arrays = {name: getattr(self, name) for name in
                  ("feature", "threshold", "left", "right", "value", "roots")}
        np.savez_compressed(path, **arrays, baseline=self.baseline, depth=self.depth,
                            features=np.array(self.features))

    @classmethod
    def load(cls, path):
        """Read trees written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            return cls(data["feature"], data["threshold"], data["left"], data["right"],
                       data["value"], data["roots"], float(data["baseline"]),
                       int(data["depth"]), tuple(str(f) for f in data["features"]))


@functools.lru_cache(maxsize=1)
def default_trees():
    """The project's trained trees (`MODEL_FILE`), read once.

    Raises
    ------
    ValueError
        If the file's features are not `bgcut.cues.FEATURES` (the model
        must be retrained after the features change).
    """
    trees = Trees.load(MODEL_FILE)
    if trees.features != FEATURES:
        raise ValueError(f"{MODEL_FILE} was trained on other features; retrain it with "
                         f"python benchmarks/train.py")
    return trees


def calibrate(scores, weights, *, slope=5.0):
    """``sigmoid(slope (p - t))`` with ``t`` the weighted Otsu threshold of the scores.

    Centres each image's scores on its own split, so every image's prior
    crosses 0.5 where its scores divide best. Scores that cannot be split
    (all equal) give 0.5 everywhere.

    Examples
    --------
    >>> calibrate([0.1, 0.2, 0.8, 0.9], [1, 1, 1, 1]).round(2).tolist()
    [0.12, 0.18, 0.82, 0.88]
    """
    p = np.asarray(scores, dtype=np.float64)
    t = otsu_threshold(p, weights)
    if not np.isfinite(t):
        return np.full(p.shape, 0.5)
    return 1 / (1 + np.exp(-slope * (p - t)))


def training_rows(image, mask):
    """What a model learns from one image: features, targets and weights of its superpixels.

    The features are those `bgcut.boundary.steps` computes for the learned
    fusion (default options). The target of a superpixel is the share of it
    that the ground-truth mask covers; its weight is its share of the
    image, so every image weighs the same in total.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `kmeans_utils.to_rgb8` accepts
    mask : (H, W) bool array_like, the ground truth

    Returns
    -------
    features : (n, len(FEATURES)) ndarray
    target : (n,) ndarray in [0, 1]
    weight : (n,) ndarray, summing to 1
    """
    rgb = ku.to_rgb8(image)
    mask = ku.as_mask(mask)
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask must have shape {rgb.shape[:2]}, got {mask.shape}")
    cues = superpixel_cues(rgb)
    regions, graph = cues.regions, cues.graph
    if graph.n < 2:
        return np.zeros((0, len(FEATURES))), np.zeros(0), np.zeros(0)
    features = cues.features()
    covered = resize_map(mask, regions.shape, Image.Resampling.BOX)
    target = np.bincount(regions.ravel(), covered.ravel(), minlength=graph.n) / graph.size
    return features, np.clip(target, 0, 1), graph.size / graph.size.sum()
