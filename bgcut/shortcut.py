"""Labelled image sets for asking how much a classifier reads the background.

Each set is a ``{"train": ..., "original": ..., "mixed": ...}`` mapping of
``(Dataset, labels)`` pairs (`bgcut.Dataset`, one label per image):

- `shortcut_sets` -- generated scenes with exact masks, made on the spot
  from scikit-image's bundled pictures like the demo set: a ``horse``
  silhouette or a ``star`` filled with a random colour or photo, on a crop of
  the ``grass`` or the ``brick`` photo. In training and in the ``original``
  test each class mostly stands on its own background (``bias``); in the
  ``mixed`` test the same objects stand on backgrounds drawn at random, as in
  the Backgrounds Challenge (Xiao et al., ICLR 2021, mixed-rand).
- `photo_sets` -- real photos of one class per folder, a fixed balanced
  split; the ``mixed`` test pastes each test object, cut by its ground
  truth, onto the background of a test photo of another class, whose own
  object is filled by `fill_hole` (mirrored background).
- `class_folders` -- a classification folder, ``ROOT/<class>/...``, for
  users' own data.
"""

import functools
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from . import validation
from .datasets import Dataset, folder_dataset
from .demo import fit_picture, skimage_picture
from .io import image_files, read_image

__all__ = ["CLASSES", "BACKGROUNDS", "shortcut_sets", "photo_sets", "class_folders",
           "fill_hole", "paste"]

CLASSES = ("horse", "star")
"""Classes of `shortcut_sets`: the object's shape."""

BACKGROUNDS = {"grass": (95, 150, 60), "brick": (175, 95, 75)}
"""The backgrounds of `shortcut_sets` (scikit-image photos) and the colour each is tinted
with; class ``CLASSES[i]`` mostly stands on the i-th."""

_FILLS = ("chelsea", "coffee", "astronaut", "rocket")


def _object_mask(label, rng, side):
    """A horse silhouette or a five-pointed star in a box of random size, shape and place.

    The box is drawn the same way for both classes, so that its shape, which
    the ``background`` variant shows, does not tell the class.
    """
    from skimage import draw

    area = rng.uniform(0.3, 0.5) * side * side
    aspect = np.exp(rng.uniform(-0.35, 0.35))  # height / width
    height, width = np.sqrt(area * aspect), np.sqrt(area / aspect)
    top = side / 2 - height / 2 + rng.uniform(-side / 10, side / 10)
    left = side / 2 - width / 2 + rng.uniform(-side / 10, side / 10)
    mask = np.zeros((side, side), bool)
    if label == "star":
        angles = np.linspace(0, 2 * np.pi, 11)[:-1] + rng.uniform(0, 2 * np.pi)
        radii = np.where(np.arange(10) % 2, rng.uniform(0.4, 0.5), 1.0)
        y, x = radii * np.sin(angles), radii * np.cos(angles)
        y, x = (y - y.min()) / np.ptp(y), (x - x.min()) / np.ptp(x)
        mask[draw.polygon(top + y * height, left + x * width, shape=mask.shape)] = True
        return mask
    silhouette = _horse()
    if rng.random() < 0.5:
        silhouette = silhouette[:, ::-1]
    shape = max(1, round(height)), max(1, round(width))
    small = np.asarray(Image.fromarray(silhouette).resize(shape[::-1])) > 127
    top, left = max(0, round(top)), max(0, round(left))
    part = mask[top:top + shape[0], left:left + shape[1]]
    part[...] = small[:part.shape[0], :part.shape[1]]
    return mask


@functools.lru_cache(maxsize=None)
def _horse():
    """scikit-image's horse silhouette cropped to its box, 0 or 255, read-only."""
    silhouette = ~skimage_picture("horse")[..., 0].astype(bool)
    rows, cols = np.nonzero(silhouette)
    crop = np.where(silhouette[rows.min():rows.max() + 1, cols.min():cols.max() + 1], 255, 0)
    crop = crop.astype(np.uint8)
    crop.flags.writeable = False
    return crop


def _crop(picture, rng, side):
    """A random square crop of a picture (a third to four fifths of its side), resized."""
    h, w = picture.shape[:2]
    n = round(rng.uniform(0.33, 0.8) * min(h, w))
    top, left = rng.integers(0, h - n + 1), rng.integers(0, w - n + 1)
    crop = picture[top:top + n, left:left + n]
    return fit_picture(crop[:, ::-1] if rng.random() < 0.5 else crop, (side, side)).astype(float)


def _background(kind, rng, side):
    """A tinted crop of the ``grass`` or ``brick`` photo, its colour jittered."""
    tint = np.asarray(BACKGROUNDS[kind]) * rng.uniform(0.8, 1.2, size=3)
    return _crop(skimage_picture(kind), rng, side) / 255 * tint * 1.3


def _fill(rng, side):
    """An object's fill: a noisy flat colour or a crop of a photo, whatever its class."""
    if rng.random() < 0.5:
        return rng.uniform(30, 230, size=3) + rng.normal(0, 8, size=(side, side, 3))
    return _crop(skimage_picture(_FILLS[rng.integers(len(_FILLS))]), rng, side)


class _Scenes:
    """Picklable loader of `shortcut_sets`: ``name -> (image, mask)``.

    A name is ``"<label>-<object seed>-<background>-<background seed>"``;
    the scene is drawn at twice its size and shrunk by area averaging, the
    mask being where the object covers at least half a pixel.
    """

    def __init__(self, size):
        self.size = size

    def __call__(self, name):
        label, seed, kind, bg_seed = name.split("-")
        side = 2 * self.size
        rng = np.random.default_rng(int(seed))
        mask = _object_mask(label, rng, side)
        scene = np.where(mask[..., None], _fill(rng, side),
                         _background(kind, np.random.default_rng(int(bg_seed)), side))
        image = Image.fromarray(np.clip(np.rint(scene), 0, 255).astype(np.uint8))
        cover = Image.fromarray(mask.astype(np.float32))
        shape = (self.size, self.size)
        return (np.asarray(image.resize(shape, Image.Resampling.BOX)),
                np.asarray(cover.resize(shape, Image.Resampling.BOX)) >= 0.5)


def shortcut_sets(*, n_train=80, n_test=48, size=64, bias=0.9, rng=0):
    """Generated scenes where the background predicts the class, and a test that breaks it.

    Parameters
    ----------
    n_train, n_test : int
        Images in the training set and in each test set, the classes
        (`CLASSES`) alternating; each at least 2.
    size : int
        Side of the square images, at least 16.
    bias : float in [0, 1]
        Share of the training and ``original`` test images on their class's
        own background (`BACKGROUNDS`); the others get the other one.
    rng : int
        Seed; the same seed gives the same scenes.

    Returns
    -------
    dict
        ``"train"``, ``"original"`` and ``"mixed"``, each a
        ``(bgcut.Dataset, labels)`` pair; ``"mixed"`` holds the objects of
        ``"original"`` on backgrounds drawn at random (new crops).

    Examples
    --------
    >>> sets = shortcut_sets(n_train=4, n_test=2, size=32)
    >>> data, labels = sets["mixed"]
    >>> labels, data[0].image.shape, data[0].mask.dtype
    (['horse', 'star'], (32, 32, 3), dtype('bool'))
    """
    n_train = validation.integer("n_train", n_train, 2)
    n_test = validation.integer("n_test", n_test, 2)
    size = validation.integer("size", size, 16)
    bias = validation.number("bias", bias, 0, 1)
    rng = np.random.default_rng(validation.integer("rng", rng, 0))
    kinds = list(BACKGROUNDS)
    seeds = iter(rng.permutation(10 * (n_train + 3 * n_test)))  # distinct seeds

    def names(n, mixed_from=None):
        out = []
        for i in range(n):
            label = CLASSES[i % len(CLASSES)]
            if mixed_from is None:
                own = rng.random() < bias
                kind = kinds[i % len(kinds)] if own else kinds[(i + 1) % len(kinds)]
                out.append(f"{label}-{next(seeds)}-{kind}-{next(seeds)}")
            else:
                seed = mixed_from[i].split("-")[1]
                out.append(f"{label}-{seed}-{kinds[rng.integers(len(kinds))]}-{next(seeds)}")
        return out

    train, original = names(n_train), names(n_test)
    mixed = names(n_test, mixed_from=original)
    load = _Scenes(size)
    return {key: (Dataset(split, load, source=f"shortcut {key}"),
                  [name.split("-")[0] for name in split])
            for key, split in (("train", train), ("original", original), ("mixed", mixed))}


def fill_hole(image, hole):
    """Fill a region of an image with the background around it, mirrored.

    Each pixel of the hole takes the pixel as far beyond its nearest pixel
    outside the hole as it lies inside: the surrounding background reflected
    across the hole's edge, so its texture carries on. Where the reflection
    leaves the image or lands in the hole, the nearest outside pixel is used.

    Parameters
    ----------
    image : (H, W, 3) ndarray
    hole : (H, W) bool array_like

    Returns
    -------
    (H, W, 3) ndarray of the image's dtype; the input is not modified.

    Raises
    ------
    ValueError
        If the shapes differ or the hole covers the whole image.

    Examples
    --------
    >>> image = np.arange(6).reshape(1, 6, 1).repeat(3, axis=2)
    >>> fill_hole(image, [[False, False, False, True, True, True]])[0, :, 0]
    array([0, 1, 2, 1, 0, 2])
    """
    image = np.asarray(image)
    hole = np.asarray(hole, bool)
    if image.ndim != 3 or hole.shape != image.shape[:2]:
        raise ValueError(f"hole must be (H, W) for an (H, W, C) image, got {hole.shape} "
                         f"and {image.shape}")
    if hole.all():
        raise ValueError("hole covers the whole image: no background to fill it from")
    if not hole.any():
        return image.copy()
    near_r, near_c = ndimage.distance_transform_edt(hole, return_distances=False,
                                                    return_indices=True)
    rows, cols = np.indices(hole.shape)
    far_r, far_c = 2 * near_r - rows, 2 * near_c - cols
    inside = (far_r >= 0) & (far_r < hole.shape[0]) & (far_c >= 0) & (far_c < hole.shape[1])
    far_r, far_c = np.where(inside, far_r, near_r), np.where(inside, far_c, near_c)
    usable = inside & ~hole[far_r, far_c]
    src_r, src_c = np.where(usable, far_r, near_r), np.where(usable, far_c, near_c)
    return np.where(hole[..., None], image[src_r, src_c], image)


def paste(image, mask, background):
    """The masked object of `image` on `background`, fitted to the image's size.

    `background` is cropped to the image's aspect about its centre and resized
    (bilinear), so the object keeps its own size and place. Returns
    (H, W, 3) uint8.
    """
    image, mask = np.asarray(image), np.asarray(mask, bool)
    if image.ndim != 3 or mask.shape != image.shape[:2]:
        raise ValueError(f"mask must be (H, W) for an (H, W, 3) image, got {mask.shape} "
                         f"and {image.shape}")
    fitted = fit_picture(np.ascontiguousarray(background), image.shape[:2])
    return np.where(mask[..., None], image, fitted)


class _Union:
    """Picklable loader over several datasets: ``"<class>/<name>" -> (image, mask)``."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __call__(self, name):
        label, stem = name.split("/", 1)
        return self.datasets[label].load(stem)


class _Swap(_Union):
    """Picklable loader of the ``mixed`` test: ``"<object>@<background photo>"``."""

    def __call__(self, name):
        obj, other = name.split("@")
        image, mask = super().__call__(obj)
        photo, hole = super().__call__(other)
        hole = ndimage.binary_dilation(hole, iterations=3)  # the object's edge goes too
        return paste(image, mask, fill_hole(photo, hole)), mask


def photo_sets(folders, *, n_train=250, rng=0):
    """A fixed, balanced split of real photos by class, and a test with swapped backgrounds.

    Parameters
    ----------
    folders : mapping of str to path
        One folder per class, each in a layout `bgcut.folder_dataset` reads
        (``images/`` + ``masks/``); masks are needed for the ``mixed`` test.
    n_train : int
        Training photos per class, drawn at random; of the rest, every class
        gives as many test photos as the smallest one has left.
    rng : int
        Seed of the split and of the pairing.

    Returns
    -------
    dict
        ``"train"``, ``"original"`` and ``"mixed"``, each a
        ``(bgcut.Dataset, labels)`` pair, names ``"<class>/<stem>"``. In
        ``"mixed"`` each test object, cut by its ground truth, stands on the
        background of a test photo of another class (drawn at random), whose
        own object (its mask grown by 3 pixels) is filled by `fill_hole`.

    Raises
    ------
    ValueError
        For fewer than two classes, a folder without image/mask pairs, or a
        class with no photo left for testing.
    """
    folders = dict(folders)
    if len(folders) < 2:
        raise ValueError(f"need at least two classes, got {sorted(folders)}")
    n_train = validation.integer("n_train", n_train, 1)
    rng = np.random.default_rng(validation.integer("rng", rng, 0))
    datasets, train, rest = {}, {}, {}
    for label, folder in folders.items():
        datasets[label] = data = folder_dataset(folder)
        if len(data) <= n_train:
            raise ValueError(f"class {label!r} has {len(data)} image/mask pairs in "
                             f"{str(folder)!r}: none left for testing after n_train={n_train}")
        order = rng.permutation(len(data))
        train[label] = sorted(data.names[i] for i in order[:n_train])
        rest[label] = [data.names[i] for i in order[n_train:]]
    n_test = min(len(names) for names in rest.values())
    test = {label: sorted(names[:n_test]) for label, names in rest.items()}
    labels = list(folders)
    mixed = []
    for label in labels:
        for stem in test[label]:
            other = labels[(labels.index(label) + rng.integers(1, len(labels))) % len(labels)]
            mixed.append(f"{label}/{stem}@{other}/{test[other][rng.integers(n_test)]}")

    def pair(names, load, key):
        return Dataset(names, load, source=f"photos {key}"), [n.split("/")[0] for n in names]

    union = _Union(datasets)
    return {"train": pair([f"{c}/{s}" for c in labels for s in train[c]], union, "train"),
            "original": pair([f"{c}/{s}" for c in labels for s in test[c]], union, "original"),
            "mixed": pair(mixed, _Swap(datasets), "mixed")}


class _Unmasked:
    """Picklable loader of a folder of images without masks: the mask is None."""

    def __init__(self, paths):
        self.paths = paths

    def __call__(self, name):
        return read_image(self.paths[name]), None


def class_folders(root):
    """A classification folder as one labelled set: ``ROOT/<class>/`` per class.

    A class folder either holds its images directly (``train/cat/a.jpg``),
    or ``images/`` + ``masks/`` (any layout `bgcut.folder_dataset` reads).
    Without masks the ``truth`` and ``background`` variants of
    `bgcut.classify.compare` are skipped.

    Returns
    -------
    (bgcut.Dataset, labels)
        Names ``"<class>/<stem>"``; the mask is None where there is none.

    Raises
    ------
    ValueError
        If `root` is not a folder, has fewer than two class folders, or a
        class folder holds no image.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"class folder root {str(root)!r} does not exist")
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and d.name[0] != ".")
    if len(classes) < 2:
        raise ValueError(f"{str(root)!r} must hold one folder per class, at least two; "
                         f"found {classes}")
    datasets = {}
    for label in classes:
        files = image_files(root / label)
        if files:
            datasets[label] = Dataset([p.stem for p in files],
                                      _Unmasked({p.stem: p for p in files}), source=label)
        else:
            try:
                datasets[label] = folder_dataset(root / label)
            except ValueError:
                raise ValueError(f"class {label!r} holds no image: "
                                 f"{str(root / label)!r} is empty") from None
        if not len(datasets[label]):
            raise ValueError(f"class {label!r} holds no image: "
                             f"{str(root / label)!r} is empty")
    names = [f"{label}/{name}" for label in classes for name in datasets[label].names]
    return (Dataset(names, _Union(datasets), source=str(root)),
            [name.split("/")[0] for name in names])
