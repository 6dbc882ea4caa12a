"""Shared fixtures; also pins the notebook run to the embedded demo set."""

import os
from pathlib import Path

import numpy as np
import pytest

# The notebook re-executed by nbval must reproduce its committed outputs, which
# come from the demo set: never download DUTS or read a local copy during tests.
os.environ.pop("DUTS_DIR", None)
os.environ["DUTS_DOWNLOAD"] = "0"

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data():
    """The folder of real photographs with masks, or a skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA


def red_square_scene(seed=0, shape=(120, 160), half=25, noise=10.0):
    """Noisy grey background with a red square in the middle, and its mask."""
    rng = np.random.default_rng(seed)
    image = 128 + rng.normal(0, noise, size=shape + (3,))
    truth = np.zeros(shape, bool)
    cy, cx = shape[0] // 2, shape[1] // 2
    truth[cy - half:cy + half, cx - half:cx + half] = True
    image[truth] = (200, 30, 30)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8), truth
