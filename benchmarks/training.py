"""What the learned fusion learns from one photo: the rows of `benchmarks/train.py`.

Training code, kept beside the script that trains and out of the package
that removes backgrounds; it uses the package's public functions only.
"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import kmeans_utils as ku  # noqa: E402
from bgcut.colour import resize_map  # noqa: E402
from bgcut.cues import superpixel_cues  # noqa: E402
from bgcut.fusion import FEATURES, Trees  # noqa: E402
from bgcut.io import check_image  # noqa: E402


def training_rows(image, mask):
    """Features, targets and weights of the superpixels of one image.

    The features are those `bgcut.boundary.steps` computes for the learned
    fusion (default settings). The target of a superpixel is the share of it
    that the ground-truth mask covers; its weight is its share of the
    image, so every image weighs the same in total.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `bgcut.io.check_image` accepts
    mask : (H, W) bool array_like, the ground truth

    Returns
    -------
    features : (n, len(FEATURES)) ndarray
    target : (n,) ndarray in [0, 1]
    weight : (n,) ndarray, summing to 1
    """
    rgb = check_image(image)
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


def trees_from_model(model, features=FEATURES):
    """The `bgcut.fusion.Trees` of a fitted scikit-learn ``HistGradientBoostingRegressor``.

    Reads the fitted predictors' node arrays (numerical splits, no missing
    values): scikit-learn has no public accessor for them, so this lives
    with the training code, and the package never imports scikit-learn.
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
    return Trees(feature=feature.astype(np.int16), threshold=threshold.astype(np.float64),
                 left=left.astype(np.int32), right=right.astype(np.int32),
                 value=value.astype(np.float64), roots=np.array(roots, np.int32),
                 baseline=float(np.ravel(model._baseline_prediction)[0]), depth=depth,
                 features=tuple(features))
