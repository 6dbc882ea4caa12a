"""Does removing the background help a classifier? Train and test on five versions.

`compare` trains a classifier on each version (`VARIANTS`) of the training
images and tests it on the same version of each test set:

- ``photo`` -- the images as they are;
- ``course`` -- cut out by the course method (`kmeans_utils.remove_background`);
- ``default`` -- cut out by the default method (`bgcut.remove_background`);
- ``truth`` -- cut out by the ground-truth mask: perfect removal, the ceiling;
- ``background`` -- the background alone: the ground truth's bounding box
  blacked out (a mask-shaped hole would still show the silhouette).

Cutouts are flattened onto black. The classifier (`hog_logistic` unless
another is given) sees every version through the same features. The sets
come from `bgcut.shortcut`; `describe` turns the table into sentences.
"""

import numpy as np
from PIL import Image

import kmeans_utils as ku

from . import validation, batch
from .cutout import remove_background
from .datasets import Dataset
from .io import check_image
from .prose import count

__all__ = ["VARIANTS", "COLUMNS", "variant_images", "features", "hog_logistic", "answer",
           "wilson", "compare", "describe", "versus"]

VARIANTS = ("photo", "course", "default", "truth", "background")
"""The versions of every image, in the order of the tables."""

COLUMNS = ["regime", "test", "variant", "accuracy", "low", "high", "n"]
"""Columns of a `compare` table: ``low`` and ``high`` bound the 95% Wilson interval."""

_NEED_MASK = ("truth", "background")


def _square(image, size):
    """An (H, W, 3) uint8 image resized to size x size (area averaging when shrinking)."""
    if image.shape[:2] == (size, size):
        return np.ascontiguousarray(image)
    return np.asarray(Image.fromarray(np.ascontiguousarray(image)).resize(
        (size, size), Image.Resampling.BOX))


def variant_images(image, mask=None, *, size=64, variants=VARIANTS):
    """The versions of one image, each square and flattened onto black.

    Cutting happens at the image's own size; the results are then resized
    to `size` x `size`.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
    mask : (H, W) bool ndarray, optional
        The ground truth; without it ``truth`` and ``background`` are left out.
    size : int, at least 16
    variants : sequence of str
        Which of `VARIANTS` to make.

    Returns
    -------
    dict of str to (size, size, 3) uint8 ndarray
    """
    rgb = check_image(image)
    size = validation.integer("size", size, 16)
    _check_variants(variants)
    if mask is not None:
        mask = ku.as_mask(mask)
        if mask.shape != rgb.shape[:2]:
            raise ValueError(f"mask must have the image's shape {rgb.shape[:2]}, "
                             f"got {mask.shape}")
    cut = {"course": lambda: ku.remove_background(rgb).mask,
           "default": lambda: remove_background(rgb).mask,
           "truth": lambda: mask}
    out = {}
    for name in variants:
        if name in _NEED_MASK and mask is None:
            continue
        if name == "photo":
            flat = rgb
        elif name == "background":
            flat = rgb.copy()
            rows, cols = np.nonzero(mask)
            if len(rows):
                flat[rows.min():rows.max() + 1, cols.min():cols.max() + 1] = 0
        else:
            flat = np.where(cut[name]()[..., None], rgb, 0).astype(np.uint8)
        out[name] = _square(flat, size)
    return out


def _check_variants(variants):
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not len(variants):
        raise ValueError(f"variants must be some of {VARIANTS}, got {list(variants)!r}")


def features(image, *, bins=(4, 6, 6)):
    """HOG of the grey image and a CIELAB colour histogram, as one vector.

    HOG: 9 orientations, 8x8-pixel cells, 2x2-cell blocks (L2-Hys), as
    `skimage.feature.hog` computes it. Colour: the share of pixels in each
    bin of a joint L* x a* x b* histogram over L* in [0, 100] and a*, b* in
    [-60, 60] (values beyond fall in the outer bins).

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray, at least 16 x 16
    bins : three ints

    Returns
    -------
    (n_features,) float ndarray
    """
    from skimage.color import rgb2gray, rgb2lab
    from skimage.feature import hog

    rgb = check_image(image)
    if min(rgb.shape[:2]) < 16:
        raise ValueError(f"image must be at least 16x16 for HOG, got {rgb.shape[:2]}")
    gradients = hog(rgb2gray(rgb), orientations=9, pixels_per_cell=(8, 8),
                    cells_per_block=(2, 2), block_norm="L2-Hys")
    lab = np.clip(rgb2lab(rgb).reshape(-1, 3), (0, -60, -60), (100, 60, 60))
    histogram, _ = np.histogramdd(lab, bins=bins, range=((0, 100), (-60, 60), (-60, 60)))
    return np.concatenate([gradients, histogram.ravel() / len(lab)])


def hog_logistic(train_images, train_labels, *, C=0.1, rng=0):
    """The standard classifier: `features`, standardised, into a logistic regression.

    scikit-learn's ``LogisticRegression`` (L2 penalty, strength `C`, lbfgs)
    after a ``StandardScaler``; deterministic for a given seed.

    Parameters
    ----------
    train_images : sequence of (H, W, 3) uint8 ndarray, all of one size
    train_labels : sequence
    C : float > 0
    rng : int

    Returns
    -------
    callable
        ``predict(images) -> (n,) ndarray`` of labels.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    C = validation.positive("C", C)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000,
                                                               random_state=rng))
    model.fit(np.stack([features(image) for image in train_images]), np.asarray(train_labels))
    return lambda images: model.predict(np.stack([features(image) for image in images]))


def wilson(correct, n, *, z=1.959963984540054):
    """Wilson score interval of a proportion `correct` / `n` (95% by default).

    Returns
    -------
    (low, high) floats in [0, 1]

    Examples
    --------
    >>> low, high = wilson(8, 10)
    >>> print(f"{low:.3f} {high:.3f}")
    0.490 0.943
    """
    correct = validation.integer("correct", correct, 0)
    n = validation.integer("n", n, 1)
    if correct > n:
        raise ValueError(f"correct must be <= n={n}, got {correct}")
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


class _Versions:
    """Picklable task of `compare`: the variant images of one ``(set, index)``."""

    def __init__(self, datasets, size, variants):
        self.datasets, self.size, self.variants = datasets, size, variants

    def __call__(self, item):
        key, i = item
        _, image, mask = self.datasets[key][i]
        return variant_images(image, mask, size=self.size, variants=self.variants)


def _check_sets(sets):
    """``{"train": (Dataset, labels), test: ...}``: the pairs, checked."""
    if not isinstance(sets, dict) or "train" not in sets or len(sets) < 2:
        raise ValueError(f"sets must be a dict with 'train' and at least one test set, "
                         f"got {sorted(sets) if isinstance(sets, dict) else type(sets).__name__}")
    for key, pair in sets.items():
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], Dataset)):
            raise TypeError(f"sets[{key!r}] must be a (Dataset, labels) pair")
        if len(pair[0]) != len(pair[1]) or not len(pair[1]):
            raise ValueError(f"sets[{key!r}] has {len(pair[0])} images and {len(pair[1])} "
                             f"labels; they must match and not be empty")
    classes = set(sets["train"][1])
    if len(classes) < 2:
        raise ValueError(f"the training set must hold at least two classes, got {sorted(classes)}")
    for key, (_, labels) in sets.items():
        unseen = sorted(set(labels) - classes)
        if unseen:
            raise ValueError(f"sets[{key!r}] has labels never seen in training: {unseen}")


def compare(sets, *, regime, classifier=hog_logistic, size=64, variants=VARIANTS,
            workers=1, executor=None, progress=False):
    """Accuracy of a classifier trained and tested on each version of the images.

    For every variant the classifier is trained on that variant of the
    ``"train"`` images and tested on that variant of every other set.
    Images that fail (an unreadable file, say) are left out of every variant
    alike and listed in ``table.attrs["failed"]``; a variant that needs masks
    (``truth``, ``background``) is skipped when an image has none, and named
    in ``table.attrs["skipped"]``.

    Parameters
    ----------
    sets : dict
        ``{"train": (Dataset, labels), "<test>": (Dataset, labels), ...}``,
        as `bgcut.shortcut` makes them; ``load`` may return a None mask.
    regime : str
        The first column of the table.
    classifier : callable
        ``classifier(train_images, train_labels) -> predict``, where
        ``predict(images)`` returns one label per image; images are
        (size, size, 3) uint8. By default `hog_logistic`.
    size : int
        Side of the square images the classifier sees.
    variants : sequence of str
        Which of `VARIANTS` to measure.
    workers, executor, progress
        Where the cutting runs and whether a progress bar shows (see
        `bgcut.batch.run`).

    Returns
    -------
    pandas.DataFrame
        One row per test set and variant with the `COLUMNS`.
    """
    import pandas as pd

    _check_sets(sets)
    _check_variants(variants)
    if not isinstance(regime, str):
        raise TypeError(f"regime must be a str, got {type(regime).__name__}")
    if not callable(classifier):
        raise TypeError(f"classifier must be callable, got {type(classifier).__name__}")
    size = validation.integer("size", size, 16)
    items = [(key, i) for key, (data, _) in sets.items() for i in range(len(data))]
    task = _Versions({key: data for key, (data, _) in sets.items()}, size, tuple(variants))
    outcomes = batch.run(task, items, workers=workers, executor=executor, progress=progress,
                         desc=f"{regime}: cutting")
    done = [o for o in outcomes if not o.error]
    failed = [f"{o.item[0]} {sets[o.item[0]][0].names[o.item[1]]}: {o.error}"
              for o in outcomes if o.error]
    if not any(o.item[0] == "train" for o in done):
        raise ValueError(f"no training image could be read: {'; '.join(failed[:3])}")
    rows, skipped = [], {}
    for variant in variants:
        missing = sum(variant not in o.value for o in done)
        if missing:
            skipped[variant] = f"{missing} images have no ground-truth mask"
            continue
        images = {key: [o.value[variant] for o in done if o.item[0] == key] for key in sets}
        labels = {key: [sets[key][1][o.item[1]] for o in done if o.item[0] == key]
                  for key in sets}
        predict = classifier(images["train"], labels["train"])
        for key in sets:
            if key == "train" or not images[key]:
                continue
            predicted = np.asarray(predict(images[key]))
            if predicted.shape != (len(images[key]),):
                raise ValueError(f"the classifier's predict returned shape {predicted.shape} "
                                 f"for {len(images[key])} images")
            correct = int((predicted == np.asarray(labels[key])).sum())
            low, high = wilson(correct, len(predicted))
            rows.append({"regime": regime, "test": key, "variant": variant,
                         "accuracy": correct / len(predicted), "low": low, "high": high,
                         "n": len(predicted)})
    table = pd.DataFrame(rows, columns=COLUMNS)
    table.attrs.update(failed=failed, skipped=skipped)
    return table


def _check_table(table):
    if not set(COLUMNS) <= set(getattr(table, "columns", ())):
        raise ValueError(f"table must have the columns {COLUMNS}")


def _rows(part):
    """The rows of one regime's table by (test, variant)."""
    return {(r.test, r.variant): r for r in part.itertuples()}


def versus(a, b):
    """How accuracy `a` compares with `b`, by whether their 95% intervals overlap.

    Parameters
    ----------
    a, b : rows of a `compare` table (anything with ``low`` and ``high``, the
        interval's ends in [0, 1])

    Returns
    -------
    str
        "clearly higher than", "clearly lower than" or "not clearly different
        from (the 95% intervals overlap)", to read "a ... b".

    Examples
    --------
    >>> from types import SimpleNamespace as Row
    >>> versus(Row(low=0.6, high=0.8), Row(low=0.3, high=0.5))
    'clearly higher than'
    """
    for name, row in (("a", a), ("b", b)):
        ends = [getattr(row, end, None) for end in ("low", "high")]
        if not all(isinstance(e, (int, float, np.floating)) and 0 <= e <= 1 for e in ends) \
                or ends[0] > ends[1]:
            raise ValueError(f"{name} must have low <= high in [0, 1], got {ends}")
    if a.low > b.high:
        return "clearly higher than"
    if a.high < b.low:
        return "clearly lower than"
    return "not clearly different from (the 95% intervals overlap)"


def _effect(cut, photo):
    return {"clearly higher than": "helps", "clearly lower than": "hurts"}.get(
        versus(cut, photo), "makes no clear difference")


def _verdict(effects):
    """yes / no / it depends, from the default method's effect on each test."""
    values = set(effects.values())
    if values == {"helps"}:
        return "yes"
    if "helps" in values and "hurts" in values:
        return "it depends on the background"
    if "helps" in values:
        return "yes on the " + " and ".join(t for t, e in effects.items() if e == "helps") \
            + " test only"
    return "no: it hurts" if "hurts" in values else "no clear difference"


def _background_alone(row, test, *, first, chance):
    """What the ``background`` variant says on one test: the first has the training pairing."""
    level = ("clearly above" if row.low > chance else "clearly below" if row.high < chance
             else "not clearly different from")
    if first:
        return (f"On the {test} test the background alone (the object's box blacked out) "
                f"scores {row.accuracy:.2f}, {level} chance ({chance:.2f}).")
    why = {"clearly above": "; so the blacked-out box itself (its shape, size and place) "
                            "must tell the class",
           "clearly below": "; the classifier takes the new backgrounds for their own class"}
    return (f"On the {test} test, where the backgrounds no longer go with the classes, the "
            f"background alone scores {row.accuracy:.2f}, {level} chance ({chance:.2f})"
            f"{why.get(level, '')}.")


def describe(table, *, chance=0.5):
    """Sentences that say what a `compare` table shows, one paragraph per regime.

    Every direction comes from the numbers: one accuracy is called higher or
    lower than another only when their 95% intervals do not overlap.

    Parameters
    ----------
    table : pandas.DataFrame with the `COLUMNS`
    chance : float
        Accuracy of guessing (1 / number of classes on a balanced test).

    Returns
    -------
    str
        Markdown.
    """
    _check_table(table)
    chance = validation.number("chance", chance, 0, 1)
    return "\n\n".join(_paragraph(regime, part, chance)
                       for regime, part in table.groupby("regime", sort=False))


def _paragraph(regime, part, chance):
    """The sentences of one regime; its first test set has the training pairing."""
    rows = _rows(part)
    tests = list(dict.fromkeys(part.test))
    sizes = ", ".join(f"{t}: {count(part.n[part.test == t].max(), 'test image')}"
                      for t in tests)
    text = [f"**{regime}** ({sizes})."]
    for test in tests:
        text += _test_sentences(rows, test, first=test == tests[0], chance=chance)
    photos = [rows.get((t, "photo")) for t in tests]
    if len(tests) > 1 and all(p is not None for p in photos):
        text.append(f"The photos score {photos[1].accuracy:.2f} on the {tests[1]} test, "
                    f"{versus(photos[1], photos[0])} their {photos[0].accuracy:.2f} on "
                    f"the {tests[0]} test.")
    text.append(_answer(rows, tests))
    return " ".join(t for t in text if t)


def _effects(rows, tests, variant):
    """{test: helps / hurts / makes no clear difference}: `variant` against the photos."""
    return {t: _effect(rows[(t, variant)], rows[(t, "photo")]) for t in tests
            if (t, variant) in rows and (t, "photo") in rows}


def _answer(rows, tests):
    """Whether the default method's cutouts help, over the tests of one regime ('' if unmeasured)."""
    effects = _effects(rows, tests, "default")
    if not effects:
        return ""
    return ("Does removing the background (default method) help here? "
            f"{_verdict(effects).capitalize()}: it "
            + ", and ".join(f"{e} on the {t} test" for t, e in effects.items()) + ".")


def answer(table, variant="default"):
    """Whether cutouts of `variant` help against the photos, per regime, in a few words.

    Parameters
    ----------
    table : pandas.DataFrame with the `COLUMNS`
    variant : str
        One of `VARIANTS` other than ``"photo"``.

    Returns
    -------
    dict
        ``{regime: answer}`` in the table's order, such as ``"yes on the mixed
        test only (no clear difference on the original test, helps on the
        mixed test)"``; ``""`` where the table lacks the variant or the photos.
    """
    _check_table(table)
    if variant not in VARIANTS or variant == "photo":
        raise ValueError(f"variant must be one of {[v for v in VARIANTS if v != 'photo']}, "
                         f"got {variant!r}")
    answers = {}
    for regime, part in table.groupby("regime", sort=False):
        rows = _rows(part)
        effects = _effects(rows, list(dict.fromkeys(part.test)), variant)
        answers[regime] = "" if not effects else (
            f"{_verdict(effects)} ("
            + ", ".join(f"{e.replace('makes no clear difference', 'no clear difference')} on "
                        f"the {t} test" for t, e in effects.items()) + ")")
    return answers


def _test_sentences(rows, test, *, first, chance):
    """The background alone and each cutout against the photos, on one test set."""
    photo, alone = rows.get((test, "photo")), rows.get((test, "background"))
    text = [] if alone is None else [_background_alone(alone, test, first=first,
                                                       chance=chance)]
    if photo is None:
        return text
    for variant, words in (("default", "the default method"), ("course", "the course method"),
                           ("truth", "the ground truth")):
        cut = rows.get((test, variant))
        if cut is not None:
            text.append(f"Cut out by {words}: {cut.accuracy:.2f}, "
                        f"{versus(cut, photo)} the photos' {photo.accuracy:.2f}.")
    return text
