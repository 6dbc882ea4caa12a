"""Mean and median IoU of background-removal methods on folders of image/mask pairs.

Usage::

    python benchmarks/quality.py [FOLDER ...] [--methods boundary,seed] [--ablation]
                                 [--results results]

Each FOLDER is in the DUTS layout or holds ``images/`` + ``masks/``; ``demo``
names the embedded demo set. Without folders, the demo set and every set
under ``../shared/data`` (when present) are measured. ``--ablation`` measures
the steps of the boundary method one by one instead of the named methods.

``--results DIR`` also writes one table per set, ``DIR/<set>.csv``, with a
row per image and method (`RESULT_COLUMNS`): numbers and file names only, so
the tables may be shared where the photos may not. The notebook's section
"On real photographs" reads them; ``tests/test_results.py`` recomputes a few
rows of each with the current code.
"""

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bgcut  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
RESULT_COLUMNS = ["dataset", "image", "method", "iou", "precision", "recall", "foreground",
                  "predicted", "complexity", "seconds"]
"""Columns of a ``--results`` table; ``foreground`` is the ground truth's share of the
image, ``predicted`` the mask's, ``complexity`` `bgcut.background_complexity`."""


def result_rows(set_name, method, scores):
    """The ``--results`` rows of one `bgcut.evaluate` table."""
    rows = scores.rename(columns={"name": "image"}).assign(dataset=set_name, method=method)
    return rows[RESULT_COLUMNS]


def default_folders():
    folders = ["demo"]
    if SHARED.is_dir():
        folders += [str(SHARED / name) for name in ("DUTS", "SOD", "WeizmannHorses",
                                                    "GrabCut20")
                    if (SHARED / name).is_dir()]
    return folders


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*")
    parser.add_argument("--methods", default=",".join(bgcut.METHODS))
    parser.add_argument("--workers", type=int, default=None, help="processes (all cores)")
    parser.add_argument("--limit", type=int, default=None, help="first N images per set")
    parser.add_argument("--ablation", action="store_true",
                        help="measure the boundary method step by step")
    parser.add_argument("--results", metavar="DIR",
                        help="write a per-image table of every set to DIR/<set>.csv")
    args = parser.parse_args(argv)
    variants = bgcut.ABLATION if args.ablation else {
        name: dict(method=name) for name in args.methods.split(",")}
    rows = []
    for folder in args.folders or default_folders():
        data = bgcut.demo_dataset() if folder == "demo" else bgcut.folder_dataset(folder)
        if args.limit:
            data.names = data.names[:args.limit]
        per_image = []
        for label, options in variants.items():
            scores = bgcut.evaluate(data, workers=args.workers, progress=False, **options)
            per_image.append(result_rows(Path(folder).name, label, scores))
            stats = bgcut.summarize(scores)
            rows.append({"set": Path(folder).name, "method": label,
                         "images": int(stats["images"]), "failed": int(stats["failed"]),
                         "mean IoU": stats["mean"], "median IoU": stats["median"],
                         "IoU >= 0.7": stats["share >= 0.7"],
                         "s/image": scores.seconds.mean()})
            print(rows[-1], file=sys.stderr)
        if args.results and folder != "demo":  # the demo set is measured live
            Path(args.results).mkdir(parents=True, exist_ok=True)
            pd.concat(per_image).to_csv(Path(args.results) / f"{Path(folder).name}.csv",
                                        index=False, float_format="%.6g")
    table = pd.DataFrame(rows)
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
