"""Train the learned fusion of `bgcut.fusion` and write ``bgcut/fusion.npz``.

Usage::

    python benchmarks/train.py [--data ../shared/data] [--out bgcut/fusion.npz]
                               [--evaluate] [--workers N]

The training photos are the SOD and Weizmann horse sets of ``--data``; every
superpixel is a row (`benchmarks/training.py`), its target the share of
it the human mask covers, every image weighted equally. scikit-learn's
``HistGradientBoostingRegressor`` (fixed ``random_state``, no early stopping)
fits the trees, which are written as plain arrays. The same data give the
same file.

``--evaluate`` measures the default method's mean IoU honestly: out of fold
(5 folds by image over SOD + horses, each image scored by trees that never
saw it), across sets (trained on one, scored on the other) and, for the
trees trained on everything, on GrabCut and the DUTS sample, which training
never reads. The hand-set fusion is scored on the same images beside it.
``--results DIR`` (with ``--evaluate``) also writes the out-of-fold score of
every training photo to ``DIR/out_of_fold.csv`` (the columns of
``benchmarks/quality.py --results``, method ``default, out of fold``): the
notebook shows these for SOD and the horses instead of the in-sample ones.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bgcut  # noqa: E402
from bgcut import batch  # noqa: E402
from bgcut.fusion import MODEL_FILE  # noqa: E402
from benchmarks.quality import result_rows  # noqa: E402
from benchmarks.training import training_rows, trees_from_model  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
TRAINING_SETS = ("SOD", "WeizmannHorses")
CHECK_SETS = ("GrabCut20", "DUTS")
PARAMETERS = dict(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=50,
                  l2_regularization=1.0, early_stopping=False, random_state=0)
"""The regressor's settings."""
FOLDS = 5
OUT_OF_FOLD = "default, out of fold"
"""The method name of the out-of-fold rows in ``out_of_fold.csv``."""


def _rows(sample):
    return training_rows(sample.image, sample.mask)


def extract(data_root, *, workers=None):
    """Training rows of every image of the training sets.

    Returns a dict of arrays: ``X``, ``y``, ``weight``, ``image`` (a running
    image number per row) and the list of (set, name) of the images.
    """
    parts, images = [], []
    for set_name in TRAINING_SETS:
        data = bgcut.folder_dataset(Path(data_root) / set_name)
        outcomes = batch.run(_rows, (data[i] for i in range(len(data))), workers=workers)
        for name, outcome in zip(data.names, outcomes):
            if outcome.error:
                raise RuntimeError(f"{set_name}/{name}: {outcome.error}")
            parts.append(outcome.value)
            images.append((set_name, name))
    return {"X": np.concatenate([p[0] for p in parts]),
            "y": np.concatenate([p[1] for p in parts]),
            "weight": np.concatenate([p[2] for p in parts]),
            "image": np.repeat(np.arange(len(parts)), [len(p[1]) for p in parts]),
            "images": images}


def fit(rows, keep=None):
    """Trees fitted to the rows of the images where `keep` (an image mask) is True."""
    use = np.ones(len(rows["y"]), bool) if keep is None else keep[rows["image"]]
    model = HistGradientBoostingRegressor(**PARAMETERS)
    model.fit(rows["X"][use], rows["y"][use], sample_weight=rows["weight"][use])
    return trees_from_model(model)


def build(data_root=SHARED, out=MODEL_FILE, *, workers=None):
    """Extract, fit on every training image, write `out`; returns (trees, rows)."""
    rows = extract(data_root, workers=workers)
    trees = fit(rows)
    trees.save(out)
    return trees, rows


def _score(data, names, workers, fusion):
    """`bgcut.evaluate` of some images of a set, with the default settings but `fusion`."""
    subset = bgcut.Dataset(names, data.load, source=data.source)
    settings = bgcut.Settings(fusion=fusion)
    return bgcut.evaluate(subset, workers=workers, progress=False, settings=settings)


def evaluate(data_root, trees, rows, *, workers=None):
    """Honest mean IoU of the learned fusion (see the module's docstring) as a table."""
    images = rows["images"]
    sets = np.array([s for s, _ in images])
    fold = np.empty(len(images), int)
    fold[np.random.default_rng(0).permutation(len(images))] = np.arange(len(images)) % FOLDS
    schemes = [("out of fold", fold == f, fold != f) for f in range(FOLDS)]
    schemes += [(f"trained on {a}", sets == b, sets == a)
                for a, b in (TRAINING_SETS, TRAINING_SETS[::-1])]
    sets_data = {name: bgcut.folder_dataset(Path(data_root) / name)
                 for name in TRAINING_SETS + CHECK_SETS if (Path(data_root) / name).is_dir()}
    found = {}
    for label, test, train in schemes:
        model = fit(rows, train)
        for set_name in TRAINING_SETS:
            names = [n for (s, n), t in zip(images, test) if t and s == set_name]
            if names:
                scores = _score(sets_data[set_name], names, workers, model)
                found.setdefault((set_name, label), []).append(scores.assign(set=set_name))
    for set_name in CHECK_SETS:
        if set_name in sets_data:
            data = sets_data[set_name]
            found[(set_name, "trained on all")] = [_score(data, data.names, workers, trees)]
    fixed = {name: _score(data, data.names, workers, "fixed").set_index("name").iou
             for name, data in sets_data.items()}
    table = []
    for (set_name, label), parts in found.items():
        scores = pd.concat(parts)
        table.append({"set": set_name, "trees": label, "images": len(scores),
                      "learned IoU": scores.iou.mean(),
                      "fixed IoU": fixed[set_name].loc[scores.name].mean(),
                      "learned >= 0.7": (scores.iou >= 0.7).mean()})
    out_of_fold = pd.concat([scores for (_, label), parts in found.items()
                             if label == "out of fold" for scores in parts])
    return pd.DataFrame(table), out_of_fold


def out_of_fold_rows(out_of_fold):
    """The ``out_of_fold.csv`` rows: one per training photo, in set and name order."""
    rows = pd.concat([result_rows(set_name, OUT_OF_FOLD, part)
                      for set_name, part in out_of_fold.groupby("set", sort=True)])
    return rows.sort_values(["dataset", "image"], kind="stable")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(SHARED), help="folder holding SOD/ and "
                        "WeizmannHorses/ (and GrabCut20/, DUTS/ for --evaluate)")
    parser.add_argument("--out", default=str(MODEL_FILE))
    parser.add_argument("--evaluate", action="store_true",
                        help="also report out-of-fold and cross-set IoU")
    parser.add_argument("--results", metavar="DIR",
                        help="with --evaluate: write DIR/out_of_fold.csv")
    parser.add_argument("--workers", type=int, default=None, help="processes (all cores)")
    args = parser.parse_args(argv)
    if args.results and not args.evaluate:
        parser.error("--results needs --evaluate")
    trees, rows = build(args.data, args.out, workers=args.workers)
    size = Path(args.out).stat().st_size
    print(f"{len(rows['images'])} images, {len(rows['y'])} superpixels, "
          f"{len(trees.roots)} trees, {size / 1024:.0f} kB -> {args.out}")
    if args.evaluate:
        table, out_of_fold = evaluate(args.data, trees, rows, workers=args.workers)
        print(table.round(3).to_string(index=False))
        if args.results:
            Path(args.results).mkdir(parents=True, exist_ok=True)
            out_of_fold_rows(out_of_fold).to_csv(Path(args.results) / "out_of_fold.csv",
                                                 index=False, float_format="%.6g")


if __name__ == "__main__":
    main()
