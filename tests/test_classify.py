"""bgcut.classify: the versions of an image, the classifier, the table and its sentences."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bgcut import Dataset, classify, shortcut
from conftest import red_square_scene

RESULTS = Path(__file__).resolve().parents[1] / "results" / "classification.csv"


def test_wilson_interval_by_hand():
    # p = 0.5, n = 4, z**2 = 3.8415: centre (0.5 + 0.4802) / 1.9604 = 0.5,
    # half-width 1.96 / 1.9604 * sqrt(0.25 / 4 + 3.8415 / 64) = 0.3500
    low, high = classify.wilson(2, 4)
    assert low == pytest.approx(0.5 - 0.3500, abs=1e-4)
    assert high == pytest.approx(0.5 + 0.3500, abs=1e-4)
    assert classify.wilson(0, 10)[0] == pytest.approx(0, abs=1e-12)
    assert classify.wilson(10, 10)[1] == pytest.approx(1, abs=1e-12)
    assert classify.wilson(10, 10)[0] == pytest.approx(0.7225, abs=1e-4)


@pytest.mark.parametrize("correct, n, message", [(3, 2, "correct must be <= n=2"),
                                                 (-1, 2, "correct"), (0, 0, "n")])
def test_wilson_rejects_impossible_counts(correct, n, message):
    with pytest.raises(ValueError, match=message):
        classify.wilson(correct, n)


def test_variant_images_of_a_square_scene():
    image, truth = red_square_scene(shape=(60, 80), half=12)
    versions = classify.variant_images(image, truth, size=40)
    assert list(versions) == list(classify.VARIANTS)
    assert all(v.shape == (40, 40, 3) and v.dtype == np.uint8 for v in versions.values())
    full = classify.variant_images(image, truth, size=40, variants=("truth", "background"))
    big = classify.variant_images(image, truth, size=80, variants=("truth",))["truth"]
    assert np.array_equal(full["truth"], versions["truth"])
    # The truth cutout is black outside the square; the background is black inside its box.
    assert big.sum() > 0 and (big[:10] == 0).all() and (big[:, :20] == 0).all()
    hole = classify.variant_images(image, truth, size=80, variants=("background",))
    assert (hole["background"][25:55, 29:51] == 0).all()
    # Both methods find this square, so their cutouts are close to the truth's.
    for method in ("course", "default"):
        diff = np.abs(versions[method].astype(int) - versions["truth"].astype(int))
        assert diff.mean() < 5, method


def test_variant_images_without_a_mask_and_bad_input():
    image, truth = red_square_scene()
    assert list(classify.variant_images(image, size=32, variants=("photo", "truth"))) == ["photo"]
    with pytest.raises(ValueError, match="mask must have the image's shape"):
        classify.variant_images(image, truth[:10])
    with pytest.raises(ValueError, match="variants must be some of"):
        classify.variant_images(image, truth, variants=("sky",))


def test_features_are_hog_and_a_colour_histogram():
    image, _ = red_square_scene(shape=(64, 64))
    f = classify.features(image)
    assert f.shape == (7 * 7 * 4 * 9 + 4 * 6 * 6,)
    assert f[-144:].sum() == pytest.approx(1.0)  # shares of pixels
    np.testing.assert_array_equal(f, classify.features(image.copy()))
    with pytest.raises(ValueError, match="at least 16x16"):
        classify.features(image[:8])


def _tiny_sets():
    return shortcut.shortcut_sets(n_train=12, n_test=6, size=32, rng=1)


def test_compare_with_a_plugged_in_classifier_counts_by_hand():
    calls = []

    def always_horse(images, labels):
        calls.append((len(images), images[0].shape))
        return lambda test: ["horse"] * len(test)

    table = classify.compare(_tiny_sets(), regime="tiny", classifier=always_horse, size=32,
                             variants=("photo", "truth"))
    assert list(table.columns) == classify.COLUMNS
    assert calls == [(12, (32, 32, 3))] * 2  # trained once per variant
    assert (table.accuracy == 0.5).all() and (table.n == 6).all()  # half the tests are horses
    assert table[["test", "variant"]].values.tolist() == [
        ["original", "photo"], ["mixed", "photo"], ["original", "truth"], ["mixed", "truth"]]
    low, high = classify.wilson(3, 6)
    assert (table.low == low).all() and (table.high == high).all()


def test_compare_with_the_default_classifier_is_deterministic():
    first = classify.compare(_tiny_sets(), regime="tiny", size=32, variants=("truth",))
    second = classify.compare(_tiny_sets(), regime="tiny", size=32, variants=("truth",))
    pd.testing.assert_frame_equal(first, second)
    assert first.accuracy.between(0, 1).all()


class _Flaky:
    """A loader that fails on one name and has no masks."""

    def __call__(self, name):
        if name == "bad":
            raise OSError("cannot read bad")
        image, _ = red_square_scene(seed=len(name), shape=(32, 32), half=6)
        return image, None


def test_compare_skips_variants_without_masks_and_names_failed_images():
    data = Dataset(["a", "bb", "bad", "ccc"], _Flaky(), source="flaky")
    sets = {"train": (data, ["x", "y", "x", "y"]), "test": (data, ["x", "y", "x", "y"])}
    table = classify.compare(sets, regime="r", size=32, variants=("photo", "truth"),
                             classifier=lambda images, labels: lambda t: ["x"] * len(t))
    assert table.variant.tolist() == ["photo"] and table.n.tolist() == [3]
    assert table.attrs["skipped"] == {"truth": "6 images have no ground-truth mask"}
    assert table.attrs["failed"] == ["train bad: OSError: cannot read bad",
                                     "test bad: OSError: cannot read bad"]


def test_compare_rejects_bad_sets_and_classifiers():
    sets = _tiny_sets()
    data, labels = sets["train"]
    with pytest.raises(ValueError, match="'train' and at least one test set"):
        classify.compare({"train": sets["train"]}, regime="r")
    with pytest.raises(ValueError, match="at least two classes"):
        classify.compare({"train": (data, ["horse"] * len(data)), "t": sets["mixed"]},
                         regime="r")
    with pytest.raises(ValueError, match="12 images and 3 labels"):
        classify.compare({"train": (data, labels[:3]), "t": sets["mixed"]}, regime="r")
    with pytest.raises(ValueError, match=r"never seen in training: \['cow'\]"):
        classify.compare({"train": sets["train"], "t": (data, ["cow"] * len(data))},
                         regime="r")
    with pytest.raises(TypeError, match="classifier must be callable"):
        classify.compare(sets, regime="r", classifier="svm")
    with pytest.raises(ValueError, match="predict returned shape"):
        classify.compare(sets, regime="r", size=32, variants=("truth",),
                         classifier=lambda images, labels: lambda t: ["horse"])


def _table(photo, default, background, *, other_test=None):
    """A two-test table: accuracies of photo, default and background, n = 200."""
    rows = []
    for test, values in (("original", (photo[0], default[0], background[0])),
                         ("mixed", (photo[1], default[1], background[1]))):
        for variant, accuracy in zip(("photo", "default", "background"), values):
            low, high = classify.wilson(round(accuracy * 200), 200)
            rows.append(dict(regime="r", test=test, variant=variant, accuracy=accuracy,
                             low=low, high=high, n=200))
    return pd.DataFrame(rows, columns=classify.COLUMNS)


def test_describe_follows_the_numbers_and_flips_with_them():
    helps = classify.describe(_table((0.9, 0.6), (0.9, 0.9), (0.85, 0.5)))
    assert "Yes on the mixed test only: it makes no clear difference on the original test, " \
           "and helps on the mixed test" in helps
    assert "clearly lower than their 0.90 on the original test" in helps
    assert "box blacked out) scores 0.85, clearly above chance" in helps
    assert "background alone scores 0.50, not clearly different from chance (0.50)." in helps
    hurts = classify.describe(_table((0.6, 0.9), (0.6, 0.6), (0.3, 0.5)))
    assert "No: it hurts: it makes no clear difference on the original test, and hurts on " \
           "the mixed test" in hurts
    assert "clearly higher than their 0.60 on the original test" in hurts
    assert "background alone (the object's box blacked out) scores 0.30, clearly below " \
           "chance" in hurts
    box = classify.describe(_table((0.9, 0.6), (0.9, 0.9), (0.9, 0.9)))
    assert "scores 0.90, clearly above chance (0.50); so the blacked-out box itself" in box
    swapped = classify.describe(_table((0.9, 0.6), (0.9, 0.9), (0.9, 0.1)))
    assert "scores 0.10, clearly below chance (0.50); the classifier takes the new" in swapped
    depends = classify.describe(_table((0.9, 0.6), (0.7, 0.9), (0.5, 0.5)))
    assert "It depends on the background: it hurts on the original test, and helps on the " \
           "mixed test" in depends
    assert classify.describe(_table((0.6, 0.6), (0.9, 0.9), (0.5, 0.5))).count("Yes:") == 1
    none = classify.describe(_table((0.8, 0.8), (0.81, 0.79), (0.5, 0.5)))
    assert "No clear difference:" in none
    assert "not clearly different from (the 95% intervals overlap)" in none


def test_answer_follows_the_numbers_per_variant():
    helps = _table((0.9, 0.6), (0.9, 0.9), (0.85, 0.5))
    hurts = _table((0.6, 0.9), (0.6, 0.6), (0.3, 0.5))
    assert classify.answer(helps) == {"r": "yes on the mixed test only (no clear difference "
                                           "on the original test, helps on the mixed test)"}
    assert classify.answer(hurts)["r"] == ("no: it hurts (no clear difference on the original "
                                           "test, hurts on the mixed test)")
    # background alone against the photos: 0.85 vs 0.9 and 0.5 vs 0.6 overlap or fall
    assert classify.answer(helps, "background")["r"].startswith("no")
    assert classify.answer(helps, "course") == {"r": ""}  # not in the table
    with pytest.raises(ValueError, match="variant must be one of"):
        classify.answer(helps, "photo")
    with pytest.raises(ValueError, match="columns"):
        classify.answer(pd.DataFrame({"accuracy": [0.5]}))


def test_versus_reads_the_intervals_both_ways():
    from types import SimpleNamespace as Row
    high, low, middle = Row(low=0.7, high=0.9), Row(low=0.2, high=0.4), Row(low=0.35, high=0.75)
    assert classify.versus(high, low) == "clearly higher than"
    assert classify.versus(low, high) == "clearly lower than"
    assert classify.versus(middle, high).startswith("not clearly different")
    assert classify.versus(low, middle).startswith("not clearly different")
    with pytest.raises(ValueError, match=r"b must have low <= high in \[0, 1\], got \[0.9, 0.7\]"):
        classify.versus(high, Row(low=0.9, high=0.7))
    with pytest.raises(ValueError, match="a must have low <= high"):
        classify.versus(Row(accuracy=0.5), high)


def test_describe_takes_chance_and_checks_the_table():
    text = classify.describe(_table((0.9, 0.6), (0.9, 0.9), (0.4, 0.4)), chance=0.25)
    assert "clearly above chance (0.25)" in text
    with pytest.raises(ValueError, match="columns"):
        classify.describe(pd.DataFrame({"accuracy": [0.5]}))


def test_stored_table_is_complete():
    table = pd.read_csv(RESULTS)
    assert list(table.columns) == classify.COLUMNS
    assert set(table.regime) == {"shortcut", "photos"}
    for _, part in table.groupby("regime"):
        assert sorted(zip(part.test, part.variant)) == sorted(
            (t, v) for t in ("original", "mixed") for v in classify.VARIANTS)
    assert ((table.low <= table.accuracy) & (table.accuracy <= table.high)).all()


def test_stored_photo_rows_match_the_current_code(shared_data):
    """Recompute the rows that need no cutting: photo, truth and background."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "classify.py"
    spec = importlib.util.spec_from_file_location("classify_benchmark", path)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    if not all(p.is_dir() for p in benchmark.PHOTO_FOLDERS.values()):
        pytest.skip("WeizmannHorses or CCP is absent")
    variants = ("photo", "truth", "background")
    fresh = classify.compare(benchmark.photo_sets(), regime="photos", variants=variants,
                             workers=1, **benchmark.SETTINGS["photos"])
    stored = pd.read_csv(RESULTS).query("regime == 'photos' and variant in @variants")
    key = ["test", "variant"]
    fresh, stored = fresh.sort_values(key), stored.sort_values(key)
    assert fresh[key].values.tolist() == stored[key].values.tolist()
    np.testing.assert_array_equal(fresh.n.to_numpy(), stored.n.to_numpy())
    np.testing.assert_allclose(fresh.accuracy.to_numpy(), stored.accuracy.to_numpy(),
                               atol=1e-6)
