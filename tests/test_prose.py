"""Sentences written from numbers say what the numbers say, whichever way they go."""

import numpy as np
import pytest

from bgcut import prose


@pytest.mark.parametrize("before, after, words", [
    (0.2, 0.8, "rises from 0.200 to 0.800"),
    (0.8, 0.2, "falls from 0.800 to 0.200"),
    (0.4, 0.4, "stays at 0.400"),
    (0.4, 0.4004, "stays at 0.400"),
], ids=["up", "down", "same", "same-to-3-digits"])
def test_change_follows_the_sign(before, after, words):
    assert prose.change(before, after) == words


def test_change_with_other_verbs_and_digits():
    verbs = ("raises it", "lowers it", "leaves it")
    assert prose.change(0.5, 0.25, verbs=verbs, digits=2) == "lowers it from 0.50 to 0.25"
    assert prose.change(0.25, 0.5, verbs=verbs, digits=2) == "raises it from 0.25 to 0.50"


@pytest.mark.parametrize("rho, expected", [
    (-0.6, "IoU tends to fall as clutter rises, strongly (Spearman -0.60)"),
    (0.6, "IoU tends to rise as clutter rises, strongly (Spearman 0.60)"),
    (-0.35, "IoU tends to fall as clutter rises, moderately (Spearman -0.35)"),
    (0.15, "IoU tends to rise as clutter rises, weakly (Spearman 0.15)"),
    (-0.05, "IoU shows no clear trend with clutter (Spearman -0.05)"),
])
def test_correlation_follows_sign_and_size(rho, expected):
    assert prose.correlation(rho, "clutter", "IoU") == expected


def test_convergence_says_whether_the_cap_stopped_the_loop():
    falling = [10.0, 5.0, 4.0, 4.0]
    assert prose.convergence(falling, converged=True, cap=30).endswith(
        "The labels last change in update 2; update 3 moves no pixel, so the loop stops "
        "there, before the cap of 30.")
    assert prose.convergence(falling, converged=True, cap=3).endswith("stops there, at the cap.")
    assert prose.convergence(falling, converged=False, cap=3).endswith(
        "The labels still change in update 3, the cap: the loop stops there unconverged.")
    assert prose.convergence([10.0, 10.0], converged=True, cap=30).endswith(
        "Update 1 moves no pixel, so the loop stops there, before the cap of 30.")


def test_convergence_reports_a_rise_as_a_rise():
    text = prose.convergence([10.0, 12.0, 13.0], converged=True, cap=30)
    assert text.startswith("The first update raises the inertia by 20% of its starting value, "
                           "the remaining 1 update by another 10% (30% in all)")
    text = prose.convergence([10.0, 5.0, 6.0], converged=True, cap=30)
    assert "lowers the inertia by 50% of its starting value, the remaining 1 update by " \
           "taking back 10% (40% in all)" in text


def test_correlation_with_p_says_whether_it_could_be_chance():
    assert prose.correlation(-0.29, "x", "y", p=0.09).endswith(
        "(Spearman -0.29, p = 0.09: could be chance)")
    assert prose.correlation(-0.29, "x", "y", p=0.01).endswith(
        "(Spearman -0.29, p = 0.01: unlikely to be chance)")
    assert prose.correlation(0.6, "x", "y", p=1e-6).endswith(
        "(Spearman 0.60, p < 0.001: unlikely to be chance)")


def test_count_and_share():
    assert prose.count(1, "photo") == "1 photo"
    assert prose.count(2, "photo") == "2 photos"
    assert prose.count(1234, "mouse", "mice") == "1,234 mice"
    assert prose.share_of(0, 5) == "0 of 5 (0%)"
    assert prose.share_of(5, 5) == "5 of 5 (100%)"


def test_mistake_names_the_lower_score():
    assert prose.mistake(0.3, 0.95, 0.4) == "keeps background"
    assert prose.mistake(0.95, 0.3, 0.05) == "loses object"
    assert prose.mistake(0.0, 0.0, 0.0) == "empty mask"
    assert prose.mistake(0.0, 0.0, 0.3) == "misses the object"


@pytest.mark.parametrize("call, error, match", [
    (lambda: prose.change("0.1", 0.2), TypeError, "before must be a real number, got str"),
    (lambda: prose.change(0.1, float("nan")), ValueError, "after must be finite"),
    (lambda: prose.change(0.1, 0.2, verbs=("up",)), ValueError, "verbs must be three"),
    (lambda: prose.correlation(1.5, "x", "y"), ValueError, r"rho must be in \[-1, 1\], got 1.5"),
    (lambda: prose.correlation(True, "x", "y"), TypeError, "got bool"),
    (lambda: prose.correlation(0.2, "x", "y", p=2), ValueError, r"p must be in \[0, 1\], got 2"),
    (lambda: prose.count(1.5, "image"), ValueError, "whole number, got 1.5"),
    (lambda: prose.share_of(6, 5), ValueError, "got 6 of 5"),
    (lambda: prose.convergence([1.0], converged=True, cap=3), ValueError, "2 to cap"),
    (lambda: prose.convergence(np.ones(6), converged=True, cap=3), ValueError, r"shape \(6,\)"),
    (lambda: prose.convergence([1.0, 0.0], converged=True, cap=3), ValueError, "positive"),
    (lambda: prose.mistake(1.2, 0.5, 0.1), ValueError, r"in \[0, 1\], got 1.2, 0.5, 0.1"),
], ids=["change-type", "change-nan", "verbs", "rho-range", "rho-bool", "p-range", "count", "share",
        "curve-short", "curve-long", "curve-zero", "mistake-range"])
def test_bad_input_is_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
