"""Colour models: K-means centres of the foreground's and the background's colours.

A split of an image into likely foreground and background is turned into two
sets of K-means centres in CIELAB (`fit_colour_models`): ``k`` for the
foreground, ``2 k`` for the usually more varied background. Any colour is
then scored by which set it is nearer (`ColourModels.likeness`). The rounds
of the boundary method on superpixels, the graph cut, the full-resolution
edges and one of the learned fusion's features all use them.
"""

from typing import NamedTuple

import numpy as np

import kmeans_utils as ku

from . import validation

__all__ = ["ColourModels", "fit_colour_models"]


class ColourModels(NamedTuple):
    """K-means colour models of foreground and background: their centres in CIELAB."""

    foreground: np.ndarray
    """(k, 3) centres of the foreground colours."""
    background: np.ndarray
    """(2 k, 3) centres of the background colours."""

    def likeness(self, colors):
        """How much nearer each colour is to the foreground model than to the background one.

        ``d_bg / (d_fg + d_bg)`` with ``d`` the distance to the nearest centre
        of each model: 1 on a foreground centre, 0 on a background one.
        `colors` is (M, 3) CIELAB; returns (M,) floats in [0, 1].
        """
        colors = np.asarray(colors)
        if colors.ndim != 2 or colors.shape[1] != 3:
            raise ValueError(f"colors must be (M, 3), got shape {colors.shape}")
        channels = np.ascontiguousarray(colors.T, dtype=np.float32)  # scores need no more
        d_fg, d_bg = (_nearest_distance(channels, c) for c in self)
        return d_bg / (d_fg + d_bg + 1e-12)


def fit_colour_models(foreground, background, *, k=3, rng=0):
    """Fit K-means colour models: `k` clusters to the foreground, ``2 k`` to the background.

    The background is usually the more varied of the two, hence twice the
    clusters (fewer when there are fewer samples).

    Parameters
    ----------
    foreground, background : ((N, 3), (N,)) pairs of CIELAB colours and weights
        The samples of each model, e.g. superpixel colours and sizes or
        distinct pixel colours and counts; rows of weight 0 are ignored.
    k : int
    rng : int, numpy.random.Generator or None, seed of the K-means seeding

    Returns
    -------
    ColourModels
    """
    k = validation.integer("k", k, 1)
    rng = np.random.default_rng(rng)
    centers = []
    for (X, w), n_clusters in ((foreground, k), (background, 2 * k)):
        X, w = np.asarray(X, dtype=np.float64), np.asarray(w, dtype=np.float64)
        keep = w > 0
        if not keep.any():
            raise ValueError("each colour model needs at least one sample of weight > 0")
        X, w = X[keep], w[keep]
        centers.append(ku.Kmeans(X, min(n_clusters, len(X)), iterations=10, rng=rng,
                                 weights=w)[0])
    return ColourModels(foreground=centers[0], background=centers[1])


def _nearest_distance(channels, centers):
    """Distance from each column of `channels` (3, M) to the nearest of `centers`."""
    best = np.full(channels.shape[1], np.inf, dtype=channels.dtype)
    for c in np.asarray(centers, dtype=channels.dtype):
        np.minimum(best, (channels[0] - c[0]) ** 2 + (channels[1] - c[1]) ** 2
                   + (channels[2] - c[2]) ** 2, out=best)
    return np.sqrt(best)
