"""benchmarks/speed.py's profile: its steps name functions that exist, and it times them."""

import numpy as np
import pytest

import bgcut
from benchmarks import speed


def test_profile_finds_every_step_and_restores_the_functions():
    before = bgcut.fusion.Trees.predict
    with speed.StepClock() as clock:
        assert bgcut.fusion.Trees.predict is not before
        image = np.zeros((40, 50, 3), np.uint8)
        image[10:30, 15:35] = (200, 40, 40)
        bgcut.remove_background(image)
    assert bgcut.fusion.Trees.predict is before
    assert set(clock.seconds) <= set(speed.PROFILE)
    assert "trees of the fusion" in clock.seconds
    assert all(seconds >= 0 for seconds in clock.seconds.values())


def test_profile_names_a_missing_function(monkeypatch):
    before = bgcut.fusion.Trees.predict
    monkeypatch.setitem(speed.PROFILE, "gone", ("no_such_function",))
    with pytest.raises(LookupError, match="no_such_function"):
        with speed.StepClock():
            pass
    assert bgcut.fusion.Trees.predict is before
