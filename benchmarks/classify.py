"""Does removing the background help a classifier? Accuracy on five versions of the images.

Usage::

    python benchmarks/classify.py [--regimes shortcut,photos] [--workers N]
                                  [--results results]

Two regimes (see `bgcut.shortcut` and `bgcut.classify`):

- ``shortcut``: generated scenes where each class mostly stands on its own
  background, tested with the same pairing (``original``) and with
  backgrounds drawn at random (``mixed``); the notebook runs it live;
- ``photos``: horses (``../shared/data/WeizmannHorses``) against people
  (``../shared/data/CCP``), 250 + 250 photos for training, the rest for
  testing, balanced; ``mixed`` pastes each test object onto the filled
  background of a test photo of the other class. Skipped when the photos are
  absent.

Prints the table and the wall time of each regime; ``--results DIR`` writes
``DIR/classification.csv`` (`bgcut.classify.COLUMNS`: numbers only), which
the notebook reads and ``tests/test_classify.py`` partly recomputes.
"""

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bgcut import classify, shortcut  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PHOTO_FOLDERS = {"horse": SHARED / "WeizmannHorses", "person": SHARED / "CCP"}
"""The classes of the ``photos`` regime and their folders."""

SETTINGS = {"shortcut": {"size": 64}, "photos": {"size": 96}}
"""Side of the square images the classifier sees, per regime."""


def photo_sets():
    """The split of the ``photos`` regime: 250 + 250 training photos, seed 0."""
    return shortcut.photo_sets(PHOTO_FOLDERS, n_train=250, rng=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regimes", default="shortcut,photos")
    parser.add_argument("--workers", type=int, default=None, help="processes (all cores)")
    parser.add_argument("--results", metavar="DIR",
                        help="write the table to DIR/classification.csv")
    args = parser.parse_args(argv)
    tables = []
    for regime in args.regimes.split(","):
        if regime == "photos" and not all(p.is_dir() for p in PHOTO_FOLDERS.values()):
            print(f"photos: skipped, {SHARED} lacks WeizmannHorses or CCP", file=sys.stderr)
            continue
        start = time.perf_counter()
        sets = shortcut.shortcut_sets(rng=0) if regime == "shortcut" else photo_sets()
        table = classify.compare(sets, regime=regime, workers=args.workers, progress=True,
                                 **SETTINGS[regime])
        seconds = time.perf_counter() - start
        sizes = ", ".join(f"{key} {len(data)}" for key, (data, _) in sets.items())
        print(f"{regime}: {seconds:.1f} s wall ({sizes} images); failed: "
              f"{table.attrs['failed'] or 'none'}", file=sys.stderr)
        tables.append(table)
    table = pd.concat(tables, ignore_index=True)
    print(table.round(3).to_string(index=False))
    print(classify.describe(table))
    if args.results:
        Path(args.results).mkdir(parents=True, exist_ok=True)
        table.to_csv(Path(args.results) / "classification.csv", index=False,
                     float_format="%.6g")


if __name__ == "__main__":
    main()
