"""The settings of the methods: every option declared once, checked when it is made.

A `Settings` is the whole boundary method's configuration (scikit-learn
declares each parameter once, in one place, with its constraint): frozen,
validated in its constructor, and passed unchanged from `bgcut.remove_background`,
`bgcut.evaluate`, `bgcut.remove_backgrounds` and the command line down to
the step that reads it. The named settings are instances:

- `DEFAULT` -- the boundary method, ``method="boundary"``;
- `FAST` -- ``method="fast"``, for large batches;
- `BASIC` -- the method before the minimum-barrier cue, the graph cut and the
  learned fusion.

Change one with `Settings.replace`: ``bgcut.FAST.replace(max_side=120)``.
`CourseSettings` holds the options of the course method
(`kmeans_utils.remove_background`, ``method="seed"``).
"""

import dataclasses
from collections.abc import Mapping

from . import validation
from .fusion import Trees, check_blend

__all__ = ["Settings", "CourseSettings", "DEFAULT", "FAST", "BASIC", "SEED"]

_INTEGERS = {"k": 1, "max_side": 1, "saliency_side": 1, "n_segments": 1, "slic_iterations": 1,
             "barrier_scans": 1, "rounds": 0, "cut_side": 1, "cut_rounds": 0}
"""Integer settings and their least value."""
_FRACTIONS = ("barrier_weight", "prior_weight", "min_component")
"""Settings that are numbers in [0, 1]."""


class _Replaceable:
    """`replace` and a repr that shows what differs from the defaults."""

    def replace(self, **changes):
        """A copy with some settings changed (and checked); an unknown name is an error."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r} of {type(self).__name__}; "
                             f"the settings are {[f.name for f in dataclasses.fields(self)]}")
        return dataclasses.replace(self, **changes)

    def __repr__(self):
        changed = [f"{f.name}={_short(getattr(self, f.name))}" for f in dataclasses.fields(self)
                   if getattr(self, f.name) is not f.default
                   and not _equal(getattr(self, f.name), f.default)]
        return f"{type(self).__name__}({', '.join(changed)})"


def _equal(a, b):
    return not isinstance(a, Trees) and not isinstance(b, Trees) and a == b


def _short(value):
    return f"<Trees: {len(value.roots)} trees>" if isinstance(value, Trees) else repr(value)


@dataclasses.dataclass(frozen=True, repr=False)
class Settings(_Replaceable):
    """The boundary method's settings (`bgcut.boundary.steps`), checked when made.

    Parameters
    ----------
    k : int, clusters of the foreground colour model (the background gets 2 k)
    max_side : int, longest side of the working image of the colour models
    saliency_side : int, longest side of the copy cut into superpixels
    n_segments, slic_iterations : int, superpixel count and SLIC iterations
    fusion : 'learned', 'fixed', `bgcut.fusion.Trees` or a mapping
        How the cues become one score per superpixel (`bgcut.fusion.fuse`):
        the project's trained trees over `bgcut.fusion.FEATURES`
        (``"learned"``, the default), other trees, the hand-set blend of the
        contrast saliency and the minimum-barrier cue (``"fixed"``, weighted
        by `barrier_weight`), or a hand-set blend of other cues, e.g.
        ``{"contrast": 0.6, "geodesic": 0.2, "ranking_border": 0.2}``
        (`bgcut.fusion.blend`).
    barrier_weight : float in [0, 1], weight of the minimum-barrier cue in the
        ``"fixed"`` blend (0: not computed)
    barrier_scans : int, rounds of its raster scans
    rounds : int >= 0, rounds of colour models on superpixels (0: the score's split alone)
    prior_weight : float in [0, 1], weight of the score against the colours
    cut_side : int, longest side of the image of the graph cut
    cut_rounds : int >= 0, graph cuts, each after fitting the colour models to
        the pixels of the mask so far (0: none)
    smoothness : float >= 0, weight of the graph cut's contrast term
    clean : bool, fill holes and drop small parts (`bgcut.boundary.clean_mask`)
    min_component : float in [0, 1], parts smaller than this share of the
        largest are dropped by the clean-up
    edges : bool, decide the boundary at the input's resolution with the
        colour models (else the mask is enlarged by nearest neighbour)

    Raises
    ------
    ValueError, TypeError
        Naming the setting and its bad value.

    Examples
    --------
    >>> Settings(max_side=90, cut_rounds=0)
    Settings(max_side=90, cut_rounds=0)
    >>> Settings(rounds=-1)
    Traceback (most recent call last):
    ValueError: rounds must be an integer >= 0, got -1
    """

    k: int = 3
    max_side: int = 160
    saliency_side: int = 120
    n_segments: int = 150
    slic_iterations: int = 2
    fusion: object = "learned"
    barrier_weight: float = 0.4
    barrier_scans: int = 2
    rounds: int = 2
    prior_weight: float = 0.4
    cut_side: int = 280
    cut_rounds: int = 1
    smoothness: float = 10.0
    clean: bool = True
    min_component: float = 0.2
    edges: bool = True

    def __post_init__(self):
        checked = {name: validation.integer(name, getattr(self, name), low)
                   for name, low in _INTEGERS.items()}
        checked.update({name: validation.number(name, getattr(self, name), 0, 1)
                        for name in _FRACTIONS})
        checked["smoothness"] = validation.number("smoothness", self.smoothness, 0, float("inf"))
        checked["clean"] = validation.flag("clean", self.clean)
        checked["edges"] = validation.flag("edges", self.edges)
        checked["fusion"] = _check_fusion(self.fusion)
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def uses_barrier(self):
        """Whether the fusion reads the minimum-barrier cue (else it is not computed)."""
        if isinstance(self.fusion, Mapping):
            return self.fusion.get("barrier", 0) > 0
        if isinstance(self.fusion, str) and self.fusion == "fixed":
            return self.barrier_weight > 0
        return True


def _check_fusion(fusion):
    """'learned', 'fixed', Trees, or blend weights (checked, as a dict of floats)."""
    if isinstance(fusion, Mapping):
        return check_blend(fusion)
    if isinstance(fusion, Trees) or isinstance(fusion, str) and fusion in ("learned", "fixed"):
        return fusion
    raise ValueError(f"fusion must be 'learned', 'fixed', Trees or a mapping of cue "
                     f"weights, got {fusion!r}")


@dataclasses.dataclass(frozen=True, repr=False)
class CourseSettings(_Replaceable):
    """The course method's options (`kmeans_utils.remove_background`), checked when made.

    Parameters
    ----------
    k : int, the K-means clusters
    max_side : int, the longest side of the working copy
    iterations : int >= 0, the most Lloyd iterations
    border_width : int, the width of the border frame in pixels
    border_share : float in (0, 1], the border share that makes a cluster background
    """

    k: int = 3
    max_side: int = 320
    iterations: int = 30
    border_width: int = 1
    border_share: float = 0.25

    def __post_init__(self):
        for name, low in (("k", 1), ("max_side", 1), ("iterations", 0), ("border_width", 1)):
            object.__setattr__(self, name, validation.integer(name, getattr(self, name), low))
        share = self.border_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) \
                or not 0 < share <= 1:
            raise ValueError(f"border_share must be in (0, 1], got {share!r}")
        object.__setattr__(self, "border_share", float(share))


DEFAULT = Settings()
"""The boundary method: ``method="boundary"``, the default of `bgcut.remove_background`."""

FAST = Settings(fusion={"contrast": 0.6, "geodesic": 0.2, "ranking_border": 0.2},
                max_side=90, n_segments=120, slic_iterations=1, rounds=1, cut_rounds=0,
                edges=False)
"""``method="fast"``, for large batches: a 90-pixel working copy in about 120 superpixels
(one SLIC iteration); instead of the learned fusion, a hand-set blend of three cheap border
cues (contrast saliency, geodesic distance and manifold ranking, `bgcut.fusion.blend`), no
minimum-barrier cue; one round of colour models; no graph cut; the mask enlarged from the
working copy."""

BASIC = Settings(fusion="fixed", barrier_weight=0.0, cut_rounds=0, edges=False)
"""The boundary method before the minimum-barrier cue, the graph cut and the learned
fusion: contrast saliency and two rounds of colour models at 160 pixels. The first steps
of `bgcut.evaluation.ABLATION`; ``remove_background(image, settings=BASIC)``."""

SEED = CourseSettings()
"""``method="seed"``: the course method with its own defaults."""
