"""Fusion: how the cues of every superpixel become one foreground score.

Each cue is right on some photos and wrong on others. Three fusions are
offered, all here (`fuse` picks one by ``settings.fusion``):

- the learned one, the default: gradient-boosted regression trees map the
  `FEATURES` of a superpixel (`bgcut.cues.region_features`) to the share of
  it that is foreground (DRFI, Jiang et al., CVPR 2013). It is the one
  supervised step of the project: the trees were fitted by
  ``python benchmarks/train.py`` on the photos of the SOD and Weizmann horse
  sets (every image weighted equally), with scikit-learn's
  ``HistGradientBoostingRegressor``, and are stored as plain arrays in
  ``bgcut/fusion.npz``; they are evaluated here with numpy alone (`Trees`).
  The raw prediction is calibrated per image, ``sigmoid(5 (p - t))`` with
  ``t`` the image's own Otsu threshold of ``p`` (`calibrate`), so that the
  colour models and the graph cut downstream get a prior of the same shape
  as a hand-set blend's;
- ``"fixed"``, the hand-set blend of the previous release: contrast
  saliency 0.6, minimum-barrier cue 0.4 (`fixed_blend`);
- a hand-set blend of named cues (`blend`, `BLEND_CUES`), as the fast
  setting uses.

`otsu_threshold` splits the fused score in two: the first guess of what is
foreground.
"""

import functools
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .barrier import normalise
from .regions import border_ranking, geodesic_distance

__all__ = ["FEATURES", "BLEND_CUES", "fixed_blend", "check_blend", "blend", "MODEL_FILE",
           "Trees", "default_trees", "calibrate", "otsu_threshold", "fuse"]

FEATURES = (
    "contrast", "connectivity", "background", "barrier", "barrier_raw", "fixed_fusion",
    "ranking_border", "ranking_object", "geodesic", "geodesic_raw",
    "L", "a", "b", "spread_L", "spread_a", "spread_b",
    "row", "column", "centre_distance", "size", "border_share",
    "border_contrast_mean", "border_contrast_min", "global_contrast", "colour_likeness",
    "contrast_coarse", "contrast_fine", "connectivity_coarse", "connectivity_fine",
    "rank_contrast", "rank_barrier", "rank_ranking", "rank_geodesic",
)
"""Names of the columns of `region_features`, in order."""


def fixed_blend(contrast, barrier, barrier_weight=0.4):
    """The hand-set fusion of two cues: ``(1 - w) contrast + w barrier``.

    `barrier` is the minimum-barrier cue normalised to [0, 1]; the default
    weight is that of ``fusion="fixed"`` in `bgcut.boundary.steps`.
    """
    return (1 - barrier_weight) * contrast + barrier_weight * barrier


BLEND_CUES = ("contrast", "barrier", "geodesic", "ranking_border")
"""The cues a hand-set `blend` can weigh; each is a column of `FEATURES` too."""


def check_blend(weights):
    """Validate blend weights: a mapping of `BLEND_CUES` names to numbers >= 0, not all 0.

    Returns the weights as a dict of floats.
    """
    if not isinstance(weights, Mapping):
        raise TypeError(f"blend weights must be a mapping of cue names to weights, "
                        f"got {type(weights).__name__}")
    unknown = sorted(set(weights) - set(BLEND_CUES), key=str)
    if unknown:
        raise ValueError(f"unknown cue {unknown[0]!r} in blend weights; "
                         f"the cues are {list(BLEND_CUES)}")
    for name, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) \
                or not 0 <= weight < np.inf:
            raise ValueError(f"blend weight of {name!r} must be a finite number >= 0, "
                             f"got {weight!r}")
    if sum(weights.values()) <= 0:
        raise ValueError(f"blend weights must not all be 0, got {dict(weights)!r}")
    return {name: float(weight) for name, weight in weights.items()}


def blend(cues, weights):
    """A hand-set fusion: the weighted mean of named cues of every superpixel.

    Parameters
    ----------
    cues : bgcut.cues.Cues
    weights : mapping of `BLEND_CUES` names to weights >= 0 (see `check_blend`)
        ``"contrast"``: the contrast saliency; ``"barrier"``: the
        minimum-barrier distance normalised to [0, 1] (zeros unless `cues`
        has it); ``"geodesic"``: `geodesic_distance` normalised the same way;
        ``"ranking_border"``: `border_ranking`. Only cues of positive weight
        are computed.

    Returns
    -------
    (n,) ndarray of float in [0, 1], the foreground score of each superpixel
    """
    return _blend(cues, check_blend(weights))


def _blend(cues, weights):
    """`blend` with weights already checked (a dict of floats)."""
    cue = {"contrast": lambda: cues.contrast,
           "barrier": lambda: normalise(cues.barrier),
           "geodesic": lambda: normalise(geodesic_distance(cues.graph)),
           "ranking_border": lambda: border_ranking(cues.graph)}
    total = sum(w * cue[name]() for name, w in weights.items() if w > 0)
    return total / sum(weights.values())


_ARRAYS = ("feature", "threshold", "left", "right", "value", "roots")
"""The node arrays of `Trees`, as stored in a file."""

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
        # Flat indices into X and a (node, test holds) table of children: one
        # gather per level instead of two-dimensional indexing and a select.
        values = X.ravel()
        row_start = (np.arange(len(X)) * X.shape[1])[:, None]
        feature = self.feature.astype(np.intp)
        children = np.stack([self.right, self.left], axis=1).astype(np.intp)
        node = np.broadcast_to(self.roots.astype(np.intp), (len(X), len(self.roots)))
        for _ in range(self.depth):
            go_left = values[row_start + feature[node]] <= self.threshold[node]
            node = children[node, go_left.view(np.int8)]
        return self.baseline + self.value[node].sum(axis=1)

    def save(self, path):
        """Write the trees to a compressed ``.npz`` file."""
        arrays = {name: getattr(self, name) for name in _ARRAYS}
        np.savez_compressed(path, **arrays, baseline=self.baseline, depth=self.depth,
                            features=np.array(self.features))

    @classmethod
    def load(cls, path):
        """Read trees written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in _ARRAYS}
            return cls(**arrays, baseline=float(data["baseline"]), depth=int(data["depth"]),
                       features=tuple(str(f) for f in data["features"]))


@functools.lru_cache(maxsize=1)
def default_trees():
    """The project's trained trees (`MODEL_FILE`), read once.

    Raises
    ------
    ValueError
        If the file's features are not `FEATURES` (the model
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


def otsu_threshold(values, weights):
    """Otsu's threshold of weighted values: the split 1-D two-cluster K-means makes.

    Returns the midpoint between the two groups, or ``inf`` when the values
    cannot be split (all equal).
    """
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    if values.ndim != 1 or values.size == 0 or weights.shape != values.shape:
        raise ValueError(f"values and weights must be non-empty 1-D arrays of one length, "
                         f"got {values.shape} and {weights.shape}")
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cw, cm = np.cumsum(w), np.cumsum(w * v)
    w0, w1 = cw[:-1], cw[-1] - cw[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (cm[:-1] * cw[-1] - cm[-1] * w0) ** 2 / (w0 * w1)
    between[(w0 == 0) | (w1 == 0) | (v[1:] == v[:-1])] = -1
    if between.size == 0 or between.max() < 0:
        return np.inf
    cut = np.argmax(between)
    return 0.5 * (v[cut] + v[cut + 1])


def fuse(cues, settings):
    """The foreground score of each superpixel, by the fusion ``settings.fusion`` names.

    Parameters
    ----------
    cues : bgcut.cues.Cues, of an image with at least two superpixels
    settings : bgcut.settings.Settings (``fusion``, ``barrier_weight``)

    Returns
    -------
    score : (n,) ndarray of float, the fused foreground score
    features : (n, len(FEATURES)) ndarray for the learned fusion, else None
    barrier : (n,) ndarray, the minimum-barrier cue normalised to [0, 1] (zeros if not computed)
    """
    barrier = normalise(cues.barrier)
    fusion = settings.fusion
    if isinstance(fusion, Mapping):
        return _blend(cues, fusion), None, barrier  # checked by the settings
    if isinstance(fusion, str) and fusion == "fixed":
        return fixed_blend(cues.contrast, barrier, settings.barrier_weight), None, barrier
    trees = default_trees() if isinstance(fusion, str) else fusion
    features = cues.features()
    return calibrate(trees.predict(features), cues.graph.size), features, barrier
