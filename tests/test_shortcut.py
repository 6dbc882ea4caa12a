"""The labelled sets of bgcut.shortcut: generated scenes, real-photo splits, class folders."""

import numpy as np
import pytest
from PIL import Image

from bgcut import shortcut


def _scenes(key, sets):
    data, labels = sets[key]
    return [data[i] for i in range(len(data))], labels


def test_shortcut_sets_are_deterministic_and_balanced():
    a = shortcut.shortcut_sets(n_train=6, n_test=4, size=32, rng=3)
    b = shortcut.shortcut_sets(n_train=6, n_test=4, size=32, rng=3)
    c = shortcut.shortcut_sets(n_train=6, n_test=4, size=32, rng=4)
    assert a["train"][0].names == b["train"][0].names != c["train"][0].names
    first, second = _scenes("train", a)[0], _scenes("train", b)[0]
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x.image, y.image)
        np.testing.assert_array_equal(x.mask, y.mask)
    assert a["train"][1] == ["horse", "star"] * 3 and a["mixed"][1] == ["horse", "star"] * 2
    image, mask = first[0].image, first[0].mask
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8 and mask.dtype == bool
    assert 0.1 < mask.mean() < 0.6  # an object, not the whole scene


def test_mixed_test_holds_the_original_objects_on_new_backgrounds():
    sets = shortcut.shortcut_sets(n_train=2, n_test=8, size=32, rng=0)
    original, labels = _scenes("original", sets)
    mixed, mixed_labels = _scenes("mixed", sets)
    assert labels == mixed_labels
    for o, m in zip(original, mixed):
        np.testing.assert_array_equal(o.mask, m.mask)  # the same object, same place
        assert not np.array_equal(o.image[~o.mask], m.image[~m.mask])  # a new background


@pytest.mark.parametrize("bias, same", [(1.0, True), (0.0, False)], ids=["own", "other"])
def test_bias_decides_whose_background_a_class_stands_on(bias, same):
    data, labels = shortcut.shortcut_sets(n_train=10, n_test=2, bias=bias)["train"]
    kinds = [name.split("-")[2] for name in data.names]
    own = {label: kind for label, kind in zip(shortcut.CLASSES, shortcut.BACKGROUNDS)}
    assert all((kind == own[label]) == same for label, kind in zip(labels, kinds))


@pytest.mark.parametrize("options, message", [
    (dict(n_train=1), "n_train"), (dict(n_test=0), "n_test"), (dict(size=8), "size"),
    (dict(bias=1.5), "bias"), (dict(rng=-1), "rng")], ids=lambda x: str(x))
def test_shortcut_sets_reject_bad_options(options, message):
    with pytest.raises(ValueError, match=message):
        shortcut.shortcut_sets(**options)


def test_fill_hole_mirrors_the_background_and_leaves_the_input_alone():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    hole = np.zeros((20, 30), bool)
    hole[5:15, 10:18] = True
    before = image.copy()
    filled = shortcut.fill_hole(image, hole)
    np.testing.assert_array_equal(image, before)
    np.testing.assert_array_equal(filled[~hole], image[~hole])
    # Row 10, columns 10..13: the pixels left of the hole mirrored about column 9.
    np.testing.assert_array_equal(filled[10, 10:14], image[10, [8, 7, 6, 5]])
    outside = {tuple(p) for p in image[~hole]}
    assert all(tuple(p) in outside for p in filled[hole])


def test_fill_hole_edge_cases():
    image = np.zeros((4, 4, 3), np.uint8)
    np.testing.assert_array_equal(shortcut.fill_hole(image, np.zeros((4, 4), bool)), image)
    with pytest.raises(ValueError, match="whole image"):
        shortcut.fill_hole(image, np.ones((4, 4), bool))
    with pytest.raises(ValueError, match="hole must be"):
        shortcut.fill_hole(image, np.ones((3, 4), bool))


def test_paste_keeps_the_object_and_fits_the_background():
    image = np.full((10, 20, 3), 200, np.uint8)
    mask = np.zeros((10, 20), bool)
    mask[3:6, 5:9] = True
    background = np.zeros((40, 40, 3), np.uint8)
    out = shortcut.paste(image, mask, background)
    assert out.shape == image.shape
    assert (out[mask] == 200).all() and (out[~mask] == 0).all()
    with pytest.raises(ValueError, match="mask must be"):
        shortcut.paste(image, mask[:5], background)


def _write_pairs(folder, stems, colour):
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for stem in stems:
        image = np.zeros((24, 32, 3), np.uint8)
        image[:] = colour
        mask = np.zeros((24, 32), np.uint8)
        mask[8:16, 10:20] = 255
        image[mask > 0] = 255 - np.asarray(colour)
        Image.fromarray(image).save(folder / "images" / f"{stem}.png")
        Image.fromarray(mask).save(folder / "masks" / f"{stem}.png")


def test_photo_sets_split_balanced_and_swap_backgrounds(tmp_path):
    _write_pairs(tmp_path / "a", [f"a{i}" for i in range(5)], (0, 200, 0))
    _write_pairs(tmp_path / "b", [f"b{i}" for i in range(4)], (200, 0, 0))
    folders = {"a": tmp_path / "a", "b": tmp_path / "b"}
    sets = shortcut.photo_sets(folders, n_train=2, rng=0)
    assert sets["train"][1] == ["a", "a", "b", "b"]
    assert sets["original"][1] == ["a", "a", "b", "b"] == sets["mixed"][1]  # 2 left in b
    train, test = set(sets["train"][0].names), set(sets["original"][0].names)
    assert not train & test
    data, labels = sets["mixed"]
    for i in range(len(data)):
        name, image, mask = data[i]
        other_colour = (200, 0, 0) if labels[i] == "a" else (0, 200, 0)
        assert (image[~mask] == other_colour).all(), name  # the hole of the other photo filled
        assert name.split("@")[1].split("/")[0] != labels[i]
    assert shortcut.photo_sets(folders, n_train=2, rng=0)["mixed"][0].names == data.names


def test_photo_sets_errors(tmp_path):
    _write_pairs(tmp_path / "a", ["a0", "a1"], (0, 200, 0))
    _write_pairs(tmp_path / "b", ["b0", "b1", "b2"], (200, 0, 0))
    with pytest.raises(ValueError, match="at least two classes"):
        shortcut.photo_sets({"a": tmp_path / "a"})
    with pytest.raises(ValueError, match="class 'a' has 2 image/mask pairs"):
        shortcut.photo_sets({"a": tmp_path / "a", "b": tmp_path / "b"}, n_train=2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no DUTS-TE-Image"):
        shortcut.photo_sets({"a": tmp_path / "a", "e": tmp_path / "empty"}, n_train=1)


def test_class_folders_read_one_folder_per_class(tmp_path):
    for label, n in (("cat", 2), ("dog", 3)):
        (tmp_path / label).mkdir()
        for i in range(n):
            Image.new("RGB", (20, 16), (i * 40, 0, 0)).save(tmp_path / label / f"{i}.jpg")
    _write_pairs(tmp_path / "fox", ["f0"], (0, 0, 200))
    data, labels = shortcut.class_folders(tmp_path)
    assert labels == ["cat"] * 2 + ["dog"] * 3 + ["fox"]
    assert data.names[0] == "cat/0" and data[0].mask is None and data[0].image.shape == (16, 20, 3)
    assert data[5].mask.shape == (24, 32)  # images/ + masks/ give masks


def test_class_folders_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        shortcut.class_folders(tmp_path / "nothing")
    (tmp_path / "cat").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "cat" / "a.png")
    with pytest.raises(ValueError, match=r"at least two; found \['cat'\]"):
        shortcut.class_folders(tmp_path)
    (tmp_path / "dog").mkdir()
    with pytest.raises(ValueError, match="class 'dog' holds no image"):
        shortcut.class_folders(tmp_path)
