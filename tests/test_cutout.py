"""bgcut.remove_background: the methods by name, their options, and composite."""

import numpy as np
import pytest
from conftest import red_square_scene

import bgcut
import kmeans_utils as ku
from bgcut.cutout import check_color, check_method
from bgcut.edges import refine_edges

SQUARE, SQUARE_TRUTH = red_square_scene()


@pytest.mark.parametrize("method", sorted(bgcut.METHODS))
def test_red_square_on_noisy_grey(method):
    original = SQUARE.copy()
    cutout, mask = bgcut.remove_background(SQUARE, method=method)
    np.testing.assert_array_equal(cutout[..., 3], np.where(mask, 255, 0))
    np.testing.assert_array_equal(cutout[..., :3], SQUARE)
    assert ku.iou(mask, SQUARE_TRUTH) >= 0.95
    np.testing.assert_array_equal(bgcut.remove_background(SQUARE, method=method).mask, mask)
    np.testing.assert_array_equal(SQUARE, original)


def test_seed_is_the_course_method():
    image = bgcut.demo_dataset()[15].image
    ours = bgcut.remove_background(image, method="seed", rng=4,
                                   settings=bgcut.CourseSettings(max_side=200))
    course = ku.remove_background(image, rng=4, max_side=200)
    np.testing.assert_array_equal(ours.cutout, course.cutout)


def test_default_is_the_boundary_method_step_by_step():
    image = bgcut.demo_dataset()[29].image
    steps = bgcut.steps(image, rng=0)
    cutout, mask = bgcut.remove_background(image)
    np.testing.assert_array_equal(mask, steps.full_mask)
    # The 240x320 scene is cut at 280 px and its boundary decided again at 320.
    assert steps.mask.shape == (210, 280) and mask.shape == image.shape[:2]
    np.testing.assert_array_equal(mask, refine_edges(image, steps.mask, steps.models))


@pytest.mark.parametrize("method", sorted(bgcut.METHODS))
def test_same_seed_same_mask_on_a_harder_scene(method):
    image = bgcut.demo_dataset()[5].image
    a = bgcut.remove_background(image, method=method, rng=3).mask
    np.testing.assert_array_equal(bgcut.remove_background(image, method=method, rng=3).mask, a)


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "magic"}, "method must be one of"),
    ({"alpha": "half"}, "alpha must be one of"),
    ({"method": "seed", "settings": bgcut.BASIC}, "not those of method 'seed'"),
    ({"settings": bgcut.CourseSettings()}, "not those of method 'boundary'"),
], ids=["method", "alpha", "boundary-settings-on-seed", "seed-settings-on-boundary"])
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bgcut.remove_background(SQUARE, **kwargs)
    with pytest.raises(ValueError, match=match):
        check_method(**kwargs)


def test_settings_that_are_not_settings_are_named():
    with pytest.raises(TypeError, match="settings must be a bgcut.Settings or "
                                        "bgcut.CourseSettings, got {'k': 3}"):
        bgcut.remove_background(SQUARE, settings={"k": 3})
    with pytest.raises(TypeError, match="settings must be a bgcut.Settings, got None"):
        bgcut.steps(SQUARE, settings=None)


@pytest.mark.parametrize("make, match", [
    (lambda: bgcut.Settings(k=0), "k must be an integer >= 1, got 0"),
    (lambda: bgcut.Settings(max_side=0), "max_side must be an integer >= 1, got 0"),
    (lambda: bgcut.CourseSettings(border_share=2.0), "share must be in"),
    (lambda: bgcut.CourseSettings().replace(colour=1),
     "unknown setting 'colour' of CourseSettings"),
    (lambda: bgcut.CourseSettings().replace(rounds=1), "unknown setting 'rounds'"),
    (lambda: bgcut.FAST.replace(colour=1), "unknown setting 'colour' of Settings"),
    (lambda: bgcut.Settings(rounds=-1), "rounds must be an integer >= 0, got -1"),
    (lambda: bgcut.Settings(prior_weight=1.5),
     r"prior_weight must be a number in \[0, 1\], got 1.5"),
    (lambda: bgcut.Settings(saliency_side=0), "saliency_side must be an integer >= 1"),
    (lambda: bgcut.Settings(n_segments=0), "n_segments must be an integer >= 1"),
    (lambda: bgcut.Settings(min_component=2), r"min_component must be a number in \[0, 1\]"),
    (lambda: bgcut.Settings(edges="yes"), "edges must be True or False, got 'yes'"),
], ids=["k", "max-side", "share", "unknown-seed-setting", "boundary-setting-on-seed",
        "unknown-setting", "rounds", "prior-weight", "saliency-side", "segments",
        "min-component", "edges"])
def test_bad_settings_raise_when_made(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_settings_are_frozen_and_replace_makes_a_checked_copy():
    fast = bgcut.FAST.replace(max_side=120)
    assert fast.max_side == 120 and bgcut.FAST.max_side == 90 and fast.rounds == 1
    with pytest.raises(AttributeError):
        bgcut.FAST.max_side = 120
    assert repr(bgcut.BASIC) == ("Settings(fusion='fixed', barrier_weight=0.0, cut_rounds=0, "
                                 "edges=False)")
    assert bgcut.Settings() == bgcut.METHODS["boundary"] and bgcut.METHODS["fast"] is bgcut.FAST


def test_course_settings_are_the_course_methods_defaults():
    import dataclasses
    import inspect

    defaults = {name: p.default for name, p in
                inspect.signature(ku.remove_background).parameters.items()
                if p.kind is p.KEYWORD_ONLY and name != "rng"}
    assert dataclasses.asdict(bgcut.CourseSettings()) == defaults


def test_composite_over_colour_and_checker():
    cutout = np.zeros((2, 2, 4), np.uint8)
    cutout[0, 0] = (10, 20, 30, 255)
    flat = bgcut.composite(cutout, (255, 255, 255))
    np.testing.assert_array_equal(flat[0, 0], [10, 20, 30])
    np.testing.assert_array_equal(flat[1, 1], [255, 255, 255])
    np.testing.assert_array_equal(bgcut.composite(cutout, "#ffffff"), flat)
    checker = bgcut.composite(np.zeros((16, 16, 4), np.uint8), tile=8)
    assert checker[0, 0, 0] != checker[0, 8, 0]
    with pytest.raises(ValueError, match="background must be"):
        bgcut.composite(cutout, "pink")
    with pytest.raises(ValueError, match=r"cutout must be \(H, W, 4\) uint8"):
        bgcut.composite(cutout[..., :3])


@pytest.mark.parametrize("value, expected", [
    ("white", (255, 255, 255)), ("Black", (0, 0, 0)), ("#0a10FF", (10, 16, 255)),
    ((1, 2, 3), (1, 2, 3)), (np.array([0.0, 127.6, 255]), (0, 128, 255)),
], ids=["white", "black", "hex", "tuple", "floats"])
def test_check_color(value, expected):
    assert check_color(value) == expected


@pytest.mark.parametrize("value", ["#-1-1-1", "#12345", "pink", (300, 0, 0), (1, 2),
                                   ("a", "b", "c")],
                         ids=["signs", "short", "name", "range", "two", "strings"])
def test_check_color_rejects(value):
    with pytest.raises(ValueError, match="background must be"):
        check_color(value)


def test_basic_options_keep_the_earlier_default_masks():
    """bgcut.BASIC is the boundary method as it was before the barrier cue and the
    graph cut: the same masks on the demo set (the digest changed once since, with
    boundary connectivity's links between neighbouring border regions counted once)."""
    import hashlib

    digest = hashlib.sha256()
    for _, image, _ in bgcut.demo_dataset():
        mask = bgcut.remove_background(image, settings=bgcut.BASIC).mask
        digest.update(np.packbits(mask).tobytes())
    assert digest.hexdigest() == \
        "ad5d53e9aa56add1e2e074449fbc7818c54b9b2e0c6023ee92f24b07a686585b"


def test_fast_setting_is_not_worse_than_the_basic_options_on_real_photos(shared_data):
    """The fast setting's smaller copy and blended cues lose nothing on any set."""
    for name in ("SOD", "WeizmannHorses", "GrabCut20"):
        data = bgcut.folder_dataset(shared_data / name)
        fast = bgcut.evaluate(data, method="fast", progress=False).iou.mean()
        basic = bgcut.evaluate(data, progress=False, settings=bgcut.BASIC).iou.mean()
        assert fast >= basic, name


def test_default_beats_the_fast_setting_on_the_demo_set():
    data = bgcut.demo_dataset()
    fast = bgcut.evaluate(data, method="fast", progress=False, workers=1).iou.mean()
    default = bgcut.evaluate(data, progress=False, workers=1).iou.mean()
    assert default > fast + 0.03
