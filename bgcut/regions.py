"""Superpixels and the first border cues: boundary connectivity and contrast.

The image (in CIELAB) is cut into SLIC superpixels -- K-means of the pixels
in colour plus position (`superpixels`); `region_graph` measures them and
finds which touch. Every superpixel then gets its *boundary connectivity*
(how much of the border it reaches along paths of similar colour, over the
square root of the area it reaches) and a saliency that combines it with
colour contrast by a least-squares smoothing over neighbours
(`boundary_connectivity`, `region_saliency`; Zhu, Liang, Wei and Sun,
"Saliency Optimization from Robust Background Detection", CVPR 2014).
`otsu_threshold` splits such scores in two.
"""

from typing import NamedTuple

import numpy as np
from PIL import Image
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from skimage import color
from skimage.segmentation import slic

import kmeans_utils as ku

from . import _validate

__all__ = ["rgb_to_lab", "lab_image", "resize_map", "superpixels", "RegionGraph",
           "region_graph", "border_frame", "boundary_connectivity", "region_saliency",
           "otsu_threshold"]

_LEVELS = np.arange(256) * (1.0 / 255)
_LINEAR = np.where(_LEVELS > 0.04045, np.power((_LEVELS + 0.055) / 1.055, 2.4), _LEVELS / 12.92)
"""sRGB's transfer curve for every 8-bit level: linear light, as `skimage.color.rgb2xyz`."""
_WHITE = color.xyz_tristimulus_values(illuminant="D65", observer="2", dtype=np.float64)


def rgb_to_lab(colors):
    """CIELAB (D65, 2 degree observer) of (M, 3) uint8 sRGB colours.

    `skimage.color.rgb2lab`'s arithmetic step by step, with the transfer
    curve read from a table of the 256 levels instead of raised to a power
    for every value: the same numbers, bit for bit, in about half the time.
    """
    xyz = _LINEAR[colors] @ color.colorconv.xyz_from_rgb.T / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    x, y, z = f.T
    return np.stack([116.0 * y - 16.0, 500.0 * (x - y), 200.0 * (y - z)], axis=1)


def lab_image(image):
    """CIELAB of an image, converted once per distinct colour.

    Returns the (H, W, 3) CIELAB image, the (M, 3) CIELAB distinct colours
    and the (H, W) index of each pixel's colour (see
    `kmeans_utils.distinct_colors`).
    """
    colors, index, _ = ku.distinct_colors(image)
    lab = rgb_to_lab(colors)
    return lab[index], lab, index


def resize_map(values, shape, resample=Image.Resampling.BILINEAR):
    """A 2-D map of floats resized to `shape` (rows, columns) by Pillow (float32 inside).

    ``Image.Resampling.BOX`` averages areas when shrinking; the default
    interpolates when enlarging. Returns float64.
    """
    return np.asarray(Image.fromarray(np.asarray(values, dtype=np.float32)).resize(
        (shape[1], shape[0]), resample), dtype=np.float64)


def superpixels(lab, n_segments=150, *, compactness=10.0, iterations=10):
    """SLIC superpixels: K-means of the pixels in CIELAB + position.

    Parameters
    ----------
    lab : (H, W, 3) float ndarray, a CIELAB image
    n_segments : int, the approximate number of superpixels
    compactness : float, weight of position against colour (squarer when higher)
    iterations : int, the most K-means iterations

    Returns
    -------
    (H, W) ndarray of int
        Superpixel labels ``0 .. n-1``, each a connected region.
    """
    lab = np.asarray(lab, dtype=np.float64)
    if lab.ndim != 3 or lab.shape[2] != 3 or lab.shape[0] == 0 or lab.shape[1] == 0:
        raise ValueError(f"lab must have shape (H, W, 3), got {lab.shape}")
    n_segments = _validate.integer("n_segments", n_segments, 1)
    iterations = _validate.integer("iterations", iterations, 1)
    compactness = _validate.positive("compactness", compactness)
    labels = slic(lab, n_segments=n_segments, compactness=compactness,
                  max_num_iter=iterations, convert2lab=False, start_label=0,
                  channel_axis=-1)
    used = np.bincount(labels.ravel()) > 0  # SLIC may leave ids unused
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


def border_frame(shape, width=1):
    """(H, W) bool, True on a frame `width` pixels wide around the image."""
    frame = np.ones(shape, bool)
    frame[width:-width, width:-width] = False
    return frame


def region_graph(labels, lab):
    """Statistics and adjacency of the regions of a label image.

    Parameters
    ----------
    labels : (H, W) ndarray of int, region ids ``0 .. n-1``, every id used
    lab : (H, W, 3) float ndarray, the image in CIELAB

    Returns
    -------
    RegionGraph
    """
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer) \
            or labels.min() < 0:
        raise ValueError(f"labels must be a non-empty 2-D array of ids >= 0, got "
                         f"{labels.dtype} {labels.shape}")
    lab = np.asarray(lab, dtype=np.float64)
    if lab.shape != labels.shape + (3,):
        raise ValueError(f"lab must have shape {labels.shape + (3,)}, got {lab.shape}")
    h, w = labels.shape
    flat = labels.ravel()
    n = int(flat.max()) + 1
    size = np.bincount(flat, minlength=n).astype(np.float64)
    if (size == 0).any():
        raise ValueError(f"labels must use every id 0..{n - 1}")
    mean_color = np.stack([np.bincount(flat, weights=lab[..., c].ravel(), minlength=n)
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
    border = np.unique(labels[border_frame(labels.shape)])
    return RegionGraph(n, size, mean_color, position, edges, border)


def boundary_connectivity(graph, *, sigma_color=10.0):
    """How strongly each region is connected to the image border.

    The boundary connectivity of Zhu et al. (2014): with geodesic colour
    distances over the region graph (border regions also linked to each
    other), a region's soft area is ``sum_i exp(-d(p, i)**2 / (2 sigma**2))``
    (in regions), its soft border length the same sum over border regions,
    and its connectivity the length over the square root of the area. A
    background region that holds the border scores well above 1; an object
    inside the image scores near 0.

    Returns
    -------
    (n,) ndarray of float
    """
    sigma_color = _validate.positive("sigma_color", sigma_color)
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


def region_saliency(graph, connectivity=None, *, sigma_color=10.0, sigma_boundary=1.0,
                    sigma_space=0.25, smoothness=0.1):
    """Foreground score in [0, 1] of each region, from the border inwards.

    1. Background probability from the boundary connectivity ``bc`` (by
       default `boundary_connectivity` of the graph):
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
    sigma_color = _validate.positive("sigma_color", sigma_color)
    sigma_boundary = _validate.positive("sigma_boundary", sigma_boundary)
    sigma_space = _validate.positive("sigma_space", sigma_space)
    smoothness = _validate.positive("smoothness", smoothness)
    if connectivity is None:
        connectivity = boundary_connectivity(graph, sigma_color=sigma_color)
    background = 1 - np.exp(-connectivity ** 2 / (2 * sigma_boundary ** 2))
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
