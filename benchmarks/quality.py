"""Mean and median IoU of background-removal methods on folders of image/mask pairs.

Usage::

    python benchmarks/quality.py [FOLDER ...] [--methods seed,...] [--workers N]

Each FOLDER is in the DUTS layout or holds ``images/`` + ``masks/``; ``demo``
names the embedded demo set. Without folders, the demo set and every set
under ``../shared/data`` (when present) are measured.
"""

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import kmeans_utils as ku  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


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
    parser.add_argument("--methods", default=",".join(ku.METHODS))
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--limit", type=int, default=None, help="first N images per set")
    args = parser.parse_args(argv)
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for folder in args.folders or default_folders():
            data = ku.demo_dataset() if folder == "demo" else ku.folder_dataset(folder)
            if args.limit:
                data.names = data.names[:args.limit]
            for method in args.methods.split(","):
                scores = ku.evaluate(data, method=method, executor=pool, progress=False)
                stats = ku.summarize(scores)
                rows.append({"set": Path(folder).name, "method": method,
                             "images": int(stats["images"]), "failed": int(stats["failed"]),
                             "mean IoU": stats["mean"], "median IoU": stats["median"],
                             "IoU >= 0.7": stats["share >= 0.7"],
                             "s/image": scores.seconds.mean()})
                print(rows[-1], file=sys.stderr)
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False, floatfmt=".3f") if _has_tabulate()
          else table.round(3).to_string(index=False))


def _has_tabulate():
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
