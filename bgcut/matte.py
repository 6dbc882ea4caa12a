"""Soft edges: an alpha matte along a mask's boundary, and the foreground's own colours.

Hair, fur and motion blur are neither object nor background: a pixel there is
a mix ``I = alpha F + (1 - alpha) B`` of a foreground colour F and a
background colour B. Given a trimap (0 background, 255 foreground, 128
unknown), `alpha_matte` solves for alpha in the unknown pixels by closed-form
matting (Levin, Lischinski and Weiss, "A Closed-Form Solution to Natural Image
Matting", PAMI 2008): in every 3x3 window alpha is close to an affine function
of the colour, which gives a sparse quadratic form, the matting Laplacian; the
known pixels are fixed and the unknown ones solve one sparse linear system
(conjugate gradients on a narrow band, else a direct sparse solve). Only the
windows that touch an unknown pixel are built, so the cost follows the
unknown band, not the size of the photo.

`estimate_foreground` gives F where alpha is strictly between 0 and 1 by
blur fusion (Forte and Pitie, "Approximate Fast Foreground Colour
Estimation", ICIP 2021): local means of the pure foreground and background
colours, corrected so that ``alpha F + (1 - alpha) B`` gives back the pixel.
Flattening the cutout onto a new background then carries no trace of the old
one (the halo).

`soft_cutout` puts the two together for a yes/no mask: a band along its
boundary (`band_width` pixels each side) becomes the unknown part of a
trimap; the matte inside it becomes the cutout's alpha, kept on the mask's
side of one half so that ``alpha >= 0.5`` is the mask.
"""

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse import linalg as splinalg

import kmeans_utils as ku

from . import validation
from .io import check_image

__all__ = ["band_width", "trimap", "alpha_matte", "estimate_foreground", "soft_cutout"]

UNKNOWN = 128
"""The trimap value of an unknown pixel (0 is background, 255 foreground)."""

_CG_STEPS = 300
"""Conjugate-gradient steps tried before a direct solve."""

_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


EPSILON = 1e-7
"""The default regularisation of `alpha_matte`."""

RADII = (90, 6)
"""The default box radii of `estimate_foreground`: the coarse and the fine pass."""


def band_width(shape):
    """Half-width in pixels of the unknown band `soft_cutout` puts along a mask's boundary.

    One pixel per 640 pixels of the longest side, at least 2: 2 pixels on
    photos up to about 1900 pixels, 6 on a 4000-pixel one. On the development
    mattes, with a right mask, wider bands lowered the error a little more
    and cost more time (the readme's "Soft edges"); 2 pixels keeps the soft
    cutout of a 400-pixel photo at about twice the hard one's time.
    """
    if len(shape) < 2 or min(shape[:2]) < 1:
        raise ValueError(f"shape must be (H, W, ...) with H, W >= 1, got {shape!r}")
    return max(2, round(max(shape[:2]) / 640))


def trimap(mask, *, width=2):
    """A trimap from a yes/no mask: the pixels within `width` of its boundary are unknown.

    Parameters
    ----------
    mask : (H, W) bool array_like
    width : int >= 1, half-width of the unknown band in pixels

    Returns
    -------
    (H, W) uint8 ndarray: 0 background, 255 foreground, 128 unknown.

    Examples
    --------
    >>> trimap([[0, 0, 1, 1]], width=1).tolist()
    [[0, 128, 128, 255]]
    """
    return _trimap(ku.as_mask(mask), validation.integer("width", width, 1))


def _trimap(mask, width):
    """`trimap` of a checked mask and width."""
    mask = np.ascontiguousarray(mask)
    cross = ndimage.generate_binary_structure(2, 1)
    grown = ndimage.binary_dilation(mask, cross, iterations=width)
    shrunk = ndimage.binary_erosion(mask, cross, iterations=width, border_value=1)
    out = np.where(mask, np.uint8(255), np.uint8(0))
    out[grown & ~shrunk] = UNKNOWN
    return out


def _check_trimap(trimap, shape):
    trimap = np.asarray(trimap)
    if trimap.shape != shape:
        raise ValueError(f"trimap must have the image's shape {shape}, got {trimap.shape}")
    if trimap.dtype != np.uint8:
        raise ValueError(f"trimap must be uint8 (0, 128, 255), got dtype {trimap.dtype}")
    bad = ~np.isin(trimap, (0, UNKNOWN, 255))
    if bad.any():
        raise ValueError(f"trimap values must be 0, 128 or 255, got {trimap[bad][0]}")
    return np.ascontiguousarray(trimap)  # flat indices below are in C order


def _window_system(rgb, trimap, unknown, epsilon):
    """The matting Laplacian restricted to the unknown pixels, and the right-hand side.

    `unknown` holds the flat indices of the unknown pixels. Returns the
    (u, u) CSR matrix ``L_uu`` and ``-L_uk alpha_k``.
    """
    h, w = trimap.shape
    # Window centres: every interior pixel whose 3x3 window holds an unknown pixel.
    ys, xs = np.divmod(unknown, w)
    cy = (ys[:, None] + np.array([o[0] for o in _OFFSETS])).ravel()
    cx = (xs[:, None] + np.array([o[1] for o in _OFFSETS])).ravel()
    inside = (cy >= 1) & (cy < h - 1) & (cx >= 1) & (cx < w - 1)
    centres = np.unique(cy[inside] * w + cx[inside])
    cy, cx = np.divmod(centres, w)
    flat = np.stack([(cy + dy) * w + cx + dx for dy, dx in _OFFSETS], axis=1)  # (n, 9)
    colors = rgb.reshape(-1, 3)[flat].astype(np.float64) / 255  # (n, 9, 3)
    colors -= colors.mean(axis=1, keepdims=True)
    covariance = np.einsum("nki,nkj->nij", colors, colors) / 9 + epsilon / 9 * np.eye(3)
    weights = (1 + np.einsum("nki,nij,nlj->nkl", colors, np.linalg.inv(covariance),
                             colors)) / 9  # (n, 9, 9), each row sums to 1
    pixels, local = np.unique(flat, return_inverse=True)
    local = local.reshape(flat.shape)
    m = len(pixels)
    affinity = sparse.csr_matrix((weights.ravel(), (np.repeat(local, 9, axis=1).ravel(),
                                                    np.tile(local, (1, 9)).ravel())),
                                 shape=(m, m))
    laplacian = sparse.diags(np.bincount(local.ravel(), minlength=m).astype(np.float64)) \
        - affinity
    is_unknown = trimap.ravel()[pixels] == UNKNOWN
    rows = laplacian[is_unknown]
    known_alpha = trimap.ravel()[pixels[~is_unknown]] / 255.0
    return rows[:, is_unknown], -(rows[:, ~is_unknown] @ known_alpha)


def alpha_matte(image, trimap, *, epsilon=EPSILON):
    """The alpha matte of an image given a trimap, by closed-form matting.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `bgcut.io.check_image` accepts
    trimap : (H, W) uint8 ndarray
        0 background, 255 foreground, 128 unknown; at least one pixel known.
    epsilon : float > 0
        Regularisation of each window's colour covariance (Levin et al.'s
        epsilon, colours in [0, 1]); larger gives smoother mattes.

    Returns
    -------
    (H, W) float64 ndarray in [0, 1]: 0 and 1 on the known pixels, the
    closed-form solution (clipped) on the unknown ones.

    Raises
    ------
    ValueError
        For a trimap of another shape or dtype, other values, or one without
        a known pixel; for a bad `epsilon`.

    Examples
    --------
    >>> image = np.zeros((5, 6, 3), np.uint8)
    >>> image[:, 3:] = 200
    >>> t = np.full((5, 6), 128, np.uint8)
    >>> t[:, 0], t[:, -1] = 0, 255
    >>> alpha_matte(image, t).round(2)[0].tolist()
    [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    """
    rgb = check_image(image)
    trimap = _check_trimap(trimap, rgb.shape[:2])
    return _closed_form(rgb, trimap, validation.positive("epsilon", epsilon))


def _closed_form(rgb, trimap, epsilon):
    """`alpha_matte` of a checked image, trimap and epsilon."""
    alpha = np.zeros(trimap.shape)  # C order, so that ravel() is a view
    alpha[trimap == 255] = 1
    unknown = np.flatnonzero(trimap == UNKNOWN)
    if len(unknown) == 0:
        return alpha
    if len(unknown) == trimap.size:
        raise ValueError("trimap must mark some pixels as foreground or background, "
                         "got only unknown (128) pixels")
    if min(trimap.shape) < 3:  # no 3x3 window: the unknown pixels learn nothing
        alpha.ravel()[unknown] = 0.5
        return alpha
    matrix, rhs = _window_system(rgb, trimap, unknown, epsilon)
    alpha.ravel()[unknown] = np.clip(_solve(matrix, rhs), 0, 1)
    return alpha


def _solve(matrix, rhs):
    """Solve the symmetric positive definite system of the unknown pixels.

    Conjugate gradients with a Jacobi preconditioner converge in a few hundred
    steps on a narrow band (information crosses it quickly); on a wide unknown
    region they would take thousands, and a direct sparse solve (SuperLU,
    minimum-degree ordering) is faster there.
    """
    matrix = matrix.tocsr()
    jacobi = sparse.diags(1 / matrix.diagonal())
    solution, info = splinalg.cg(matrix, rhs, x0=np.full(len(rhs), 0.5), rtol=1e-6,
                                 maxiter=_CG_STEPS, M=jacobi)
    if info == 0:
        return solution
    return splinalg.splu(matrix.tocsc(), permc_spec="MMD_AT_PLUS_A",
                         options={"SymmetricMode": True}).solve(rhs)


def _blur_fusion(image, foreground, background, alpha, radius):
    """One pass of blur fusion; float arrays in [0, 1]. Returns F and the blurred B."""
    def blur(x):
        return ndimage.uniform_filter(x, size=(2 * radius + 1, 2 * radius + 1, 1)[:x.ndim],
                                      mode="nearest")

    a = alpha[..., None]
    blurred_alpha = blur(a)
    blurred_f = blur(foreground * a) / (blurred_alpha + 1e-5)
    blurred_b = blur(background * (1 - a)) / (1 - blurred_alpha + 1e-5)
    f = blurred_f + a * (image - a * blurred_f - (1 - a) * blurred_b)
    return np.clip(f, 0, 1), blurred_b


def estimate_foreground(image, alpha, *, radii=RADII):
    """The foreground colours of an image given its alpha matte, by blur fusion.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `bgcut.io.check_image` accepts
    alpha : (H, W) float array_like in [0, 1]
    radii : two ints >= 1, the box radii of the coarse and the fine pass

    Returns
    -------
    (H, W, 3) uint8 ndarray: the image where alpha is 0 or 1, the estimated
    foreground colour where it lies in between. Only the bounding box of
    those pixels, grown by the coarse radius, is worked on.

    Examples
    --------
    >>> image = np.full((3, 3, 3), 100, np.uint8)
    >>> bool((estimate_foreground(image, np.ones((3, 3))) == image).all())
    True
    """
    rgb = check_image(image)
    alpha = _check_alpha(alpha, rgb.shape[:2])
    if not (isinstance(radii, (tuple, list)) and len(radii) == 2):
        raise ValueError(f"radii must be two integers >= 1, got {radii!r}")
    coarse, fine = (validation.integer("radii", r, 1) for r in radii)
    return _blur_foreground(rgb, alpha, coarse, fine)


def _blur_foreground(rgb, alpha, coarse, fine):
    """`estimate_foreground` of a checked image, matte and radii."""
    out = rgb.copy()
    mixed = (alpha > 0) & (alpha < 1)
    if not mixed.any():
        return out
    rows, cols = np.nonzero(mixed)
    box = (slice(max(rows.min() - coarse, 0), rows.max() + coarse + 1),
           slice(max(cols.min() - coarse, 0), cols.max() + coarse + 1))
    crop, a = rgb[box].astype(np.float32) / 255, alpha[box].astype(np.float32)
    f, b = _blur_fusion(crop, crop, crop, a, coarse)
    f, _ = _blur_fusion(crop, f, b, a, fine)
    inside = mixed[box]
    out[box][inside] = np.rint(f[inside] * 255).astype(np.uint8)
    return out


def _check_alpha(alpha, shape):
    alpha = np.asarray(alpha)
    if alpha.shape != shape or not np.issubdtype(alpha.dtype, np.floating):
        raise ValueError(f"alpha must be a float array of shape {shape}, got "
                         f"{alpha.dtype} {alpha.shape}")
    if not np.isfinite(alpha).all() or alpha.min() < 0 or alpha.max() > 1:
        raise ValueError("alpha must lie in [0, 1], without NaN")
    return alpha


def soft_cutout(image, mask, *, width=None, check_input=True):
    """A cutout whose alpha is the matte along the mask's boundary.

    The mask's boundary becomes a trimap (`trimap`, half-width `width`,
    by default `band_width` of the image), `alpha_matte` solves the band, and
    the alpha is kept on the mask's side of one half: ``alpha >= 128`` is
    exactly the mask. The colours in the band are `estimate_foreground`'s.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, or anything `bgcut.io.check_image` accepts
    mask : (h, w) bool array_like, enlarged to the image's size if smaller
    width : int >= 1, optional
    check_input : bool
        False skips the checks of `image` and `mask`: they must then be a
        checked (H, W, 3) uint8 image and an (h, w) bool mask
        (`bgcut.remove_background` passes its own).

    Returns
    -------
    kmeans_utils.Cutout
        ``(cutout, mask)``: (H, W, 4) uint8 RGBA and the (H, W) bool mask.
    """
    rgb = check_image(image) if check_input else image
    mask = ku.resize_mask(ku.as_mask(mask) if check_input else mask, rgb.shape[:2],
                          check_input=False)
    width = band_width(rgb.shape) if width is None else validation.integer("width", width, 1)
    hard = ku.Cutout.from_mask(rgb, mask)
    if mask.all() or not mask.any() or min(mask.shape) < 3:
        return hard
    alpha = _closed_form(rgb, _trimap(mask, width), EPSILON)
    # The yes/no decision stays the mask's: alpha >= 128 exactly on the mask.
    alpha = np.where(mask, np.maximum(alpha, 128 / 255), np.minimum(alpha, 127 / 255))
    cutout = hard.cutout
    cutout[..., :3] = _blur_foreground(rgb, alpha, *RADII)
    cutout[..., 3] = np.rint(alpha * 255).astype(np.uint8)
    return ku.Cutout(cutout, mask)
