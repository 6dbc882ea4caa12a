"""The committed tables of results/ still describe the current code.

``python benchmarks/quality.py --results results`` wrote them from the real
photo sets; this test recomputes a few rows of each (five images per set,
every method) and requires the stored scores to match. When the code changes
a mask, it fails until the tables are regenerated. Without the photos it
skips.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bgcut

RESULTS = Path(__file__).resolve().parents[1] / "results"
TABLES = [RESULTS / f"{name}.csv" for name in ("DUTS", "GrabCut20", "SOD", "WeizmannHorses")]
SCORES = ["iou", "precision", "recall", "foreground", "predicted", "complexity"]


def test_every_table_is_complete():
    assert TABLES, f"no tables in {RESULTS}"
    for path in TABLES:
        table = pd.read_csv(path, keep_default_na=False)
        assert set(table.method) == set(bgcut.METHODS), path.name
        counts = table.groupby("method").image.nunique()
        assert (counts == table.image.nunique()).all(), path.name  # every image, every method
        assert not table.duplicated(["image", "method"]).any(), path.name
        assert table[SCORES].apply(lambda c: c.between(0, np.inf)).all().all(), path.name
        assert table.iou.between(0, 1).all() and (table.dataset == path.stem).all()


def test_out_of_fold_scores_cover_every_training_photo_once():
    # benchmarks/train.py --evaluate --results results: each SOD and horse photo
    # scored by the trees of the fold that left it out.
    table = pd.read_csv(RESULTS / "out_of_fold.csv", keep_default_na=False, dtype={"image": str})
    assert set(table.dataset) == {"SOD", "WeizmannHorses"}
    assert (table.method == "default, out of fold").all()
    assert not table.duplicated(["dataset", "image"]).any()
    for set_name, part in table.groupby("dataset"):
        stored = pd.read_csv(RESULTS / f"{set_name}.csv", keep_default_na=False,
                             dtype={"image": str})
        assert set(part.image) == set(stored.image), set_name
        # the photo-only columns agree with the per-set table's
        merged = part.merge(stored[stored.method == "boundary"], on="image")
        np.testing.assert_allclose(merged.foreground_x, merged.foreground_y, rtol=1e-5)
        np.testing.assert_allclose(merged.complexity_x, merged.complexity_y, rtol=1e-5)
    assert table[SCORES].apply(lambda c: c.between(0, np.inf)).all().all()
    assert table.iou.between(0, 1).all()


@pytest.mark.parametrize("path", TABLES, ids=[p.stem for p in TABLES])
def test_stored_rows_match_the_current_code(path, shared_data):
    folder = shared_data / path.stem
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    table = pd.read_csv(path, keep_default_na=False, dtype={"image": str})
    names = sorted(table.image.unique())
    picked = [names[i] for i in np.linspace(0, len(names) - 1, 5).astype(int)]
    data = bgcut.folder_dataset(folder)
    data.names = picked
    for method in bgcut.METHODS:
        fresh = bgcut.evaluate(data, method=method, progress=False, workers=1)
        stored = table[table.method == method].set_index("image").loc[picked]
        for column in SCORES:
            np.testing.assert_allclose(fresh[column].to_numpy(), stored[column].to_numpy(),
                                       rtol=1e-5, atol=1e-6, err_msg=f"{method} {column}")
