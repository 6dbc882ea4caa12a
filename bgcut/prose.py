"""Sentences written from numbers: the words follow the data.

The notebook states results in prose. Every word that says a direction
("rises", "falls"), a strength or a count is chosen here from the value it
describes, so the same cell run on other data says what that data shows.
"""

import numbers

import numpy as np

__all__ = ["count", "change", "correlation", "convergence", "share_of", "mistake"]


def _real(name, value):
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating,
                                                         np.integer)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def count(n, noun, plural=None):
    """``n`` with its noun in the right number.

    Examples
    --------
    >>> count(1, "image"), count(3, "image"), count(0, "empty mask", "empty masks")
    ('1 image', '3 images', '0 empty masks')
    """
    n = _real("n", n)
    if n != int(n):
        raise ValueError(f"n must be a whole number, got {n!r}")
    n = int(n)
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def change(before, after, *, digits=3, verbs=("rises", "falls", "stays")):
    """How a value moves from `before` to `after`, in words chosen by the sign.

    Values that agree to `digits` decimals count as unchanged.

    Examples
    --------
    >>> change(0.632, 0.647)
    'rises from 0.632 to 0.647'
    >>> change(0.647, 0.632, verbs=("raises it", "lowers it", "leaves it"))
    'lowers it from 0.647 to 0.632'
    >>> change(0.5, 0.5001)
    'stays at 0.500'
    """
    before, after = _real("before", before), _real("after", after)
    if len(verbs) != 3 or not all(isinstance(v, str) for v in verbs):
        raise ValueError(f"verbs must be three strings (up, down, same), got {verbs!r}")
    up, down, same = verbs
    if round(after, digits) == round(before, digits):
        return f"{same} at {after:.{digits}f}"
    verb = up if after > before else down
    return f"{verb} from {before:.{digits}f} to {after:.{digits}f}"


def correlation(rho, x, y, *, p=None):
    """A Spearman correlation between `x` and `y` in words: direction and strength.

    ``|rho| < 0.1`` is no clear trend, below 0.3 weak, below 0.5 moderate,
    else strong (the usual rule of thumb for rank correlations). With its
    p-value `p`, the sentence also says whether the trend could be chance
    (significant below 0.05).

    Examples
    --------
    >>> correlation(-0.29, "complexity", "IoU")
    'IoU tends to fall as complexity rises, weakly (Spearman -0.29)'
    >>> correlation(-0.29, "complexity", "IoU", p=0.09)
    'IoU tends to fall as complexity rises, weakly (Spearman -0.29, p = 0.09: could be chance)'
    >>> correlation(0.01, "complexity", "IoU")
    'IoU shows no clear trend with complexity (Spearman 0.01)'
    """
    rho = _real("rho", rho)
    if not -1 <= rho <= 1:
        raise ValueError(f"rho must be in [-1, 1], got {rho!r}")
    detail = f"Spearman {rho:.2f}"
    if p is not None:
        p = _real("p", p)
        if not 0 <= p <= 1:
            raise ValueError(f"p must be in [0, 1], got {p!r}")
        shown = f"{p:.2g}" if p >= 0.001 else "< 0.001"
        detail += (f", p = {shown}: could be chance" if p >= 0.05 else
                   f", p {shown if shown.startswith('<') else '= ' + shown}: unlikely to be chance")
    size = abs(rho)
    if size < 0.1:
        return f"{y} shows no clear trend with {x} ({detail})"
    strength = "weakly" if size < 0.3 else "moderately" if size < 0.5 else "strongly"
    direction = "fall" if rho < 0 else "rise"
    return f"{y} tends to {direction} as {x} rises, {strength} ({detail})"


def convergence(curve, *, converged, cap):
    """What a run of Lloyd's loop did, from its inertia after every update.

    Parameters
    ----------
    curve : sequence of float
        The objective at the start and after each centre update.
    converged : bool
        Whether the last update left every label as it was.
    cap : int
        The most updates allowed.

    Examples
    --------
    >>> convergence([100.0, 60.0, 55.0, 55.0], converged=True, cap=30)
    'The first update lowers the inertia by 40% of its starting value, the remaining 2 updates by another 5% (45% in all). The labels last change in update 2; update 3 moves no pixel, so the loop stops there, before the cap of 30.'
    >>> convergence([100.0, 60.0, 59.0], converged=False, cap=2)
    'The first update lowers the inertia by 40% of its starting value, the remaining 1 update by another 1% (41% in all). The labels still change in update 2, the cap: the loop stops there unconverged.'
    """
    curve = np.asarray(curve, dtype=float)
    if curve.ndim != 1 or not 2 <= len(curve) <= int(cap) + 1:
        raise ValueError(f"curve must hold 2 to cap + 1 = {int(cap) + 1} values, "
                         f"got shape {curve.shape}")
    if not (np.isfinite(curve).all() and (curve > 0).all()):
        raise ValueError(f"curve must be positive and finite, got {curve!r}")
    updates = len(curve) - 1
    first, rest = (curve[0] - curve[1]) / curve[0], (curve[1] - curve[-1]) / curve[0]
    text = (f"The first update {'lowers' if first >= 0 else 'raises'} the inertia by "
            f"{abs(first):.0%} of its starting value")
    if updates > 1:
        same = (rest >= 0) == (first >= 0)
        text += (f", the remaining {count(updates - 1, 'update')} by "
                 f"{'another' if same else 'taking back'} {abs(rest):.0%} "
                 f"({abs(first + rest):.0%} in all)")
    if not converged:
        return text + (f". The labels still change in update {updates}, the cap: the loop "
                       f"stops there unconverged.")
    stop = f"before the cap of {cap}" if updates < cap else "at the cap"
    if updates == 1:
        return text + f". Update 1 moves no pixel, so the loop stops there, {stop}."
    return text + (f". The labels last change in update {updates - 1}; update {updates} "
                   f"moves no pixel, so the loop stops there, {stop}.")


def share_of(part, whole):
    """``part`` of ``whole`` as a count and a percentage.

    Examples
    --------
    >>> share_of(9, 36)
    '9 of 36 (25%)'
    """
    part, whole = int(_real("part", part)), int(_real("whole", whole))
    if not 0 <= part <= whole or whole == 0:
        raise ValueError(f"need 0 <= part <= whole and whole > 0, got {part} of {whole}")
    return f"{part:,} of {whole:,} ({part / whole:.0%})"


def mistake(precision, recall, predicted):
    """What is wrong with one mask, from its scores against the ground truth.

    An empty mask (`predicted`, the mask's share of the image, is 0) is its
    own kind, and so is a mask that covers none of the object (precision
    and recall both 0); otherwise the lower of precision and recall names
    the error: low precision means background kept as object, low recall
    object lost to the background.

    Examples
    --------
    >>> mistake(0.4, 0.9, 0.3), mistake(0.9, 0.4, 0.1)
    ('keeps background', 'loses object')
    >>> mistake(0.0, 0.0, 0.0), mistake(0.0, 0.0, 0.2)
    ('empty mask', 'misses the object')
    """
    precision, recall, predicted = (_real(name, v) for name, v in
                                    [("precision", precision), ("recall", recall),
                                     ("predicted", predicted)])
    if not all(0 <= v <= 1 for v in (precision, recall, predicted)):
        raise ValueError(f"precision, recall and predicted must be in [0, 1], got "
                         f"{precision}, {recall}, {predicted}")
    if predicted == 0:
        return "empty mask"
    if precision == recall == 0:
        return "misses the object"
    return "keeps background" if precision < recall else "loses object"
