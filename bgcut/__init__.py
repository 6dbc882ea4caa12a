"""bgcut: background removal with K-means, beyond the course module.

`kmeans_utils` holds the course method; this package builds on it:

- `bgcut.boundary` -- the stronger method, step by step (`steps`):
  `bgcut.regions` (superpixels, boundary connectivity), `bgcut.barrier`
  (minimum-barrier distance), `bgcut.cues` (every superpixel's classical
  cues), `bgcut.fusion` (trees trained on human masks that fuse them),
  `bgcut.graphcut` (K-means colour models and a graph cut) and
  `bgcut.edges` (the boundary at the input's resolution);
- `bgcut.cutout` -- `remove_background`, the project's best method by
  default (``method="fast"`` and ``"seed"`` too), and `composite` for display;
- `bgcut.io` -- reading images by the meaning of their mode, atomic writes;
- `bgcut.datasets`, `bgcut.demo` -- local folders, the DUTS download and the
  embedded demo set;
- `bgcut.evaluation` -- scores, `evaluate` over a dataset, `summarize`;
- `bgcut.batch` -- the one batch engine (serial, process pool or a cluster);
- `bgcut.folders`, `bgcut.cli` -- folders of files and ``python -m bgcut``;
- `bgcut.shortcut`, `bgcut.classify` -- does removing the background help a
  classifier? Labelled sets (generated and real) and the comparison.
"""

from . import classify, demo, shortcut
from .batch import process_pool
from .boundary import steps
from .cutout import BASIC, FAST, METHODS, composite, remove_background
from .datasets import Dataset, Sample, demo_dataset, folder_dataset, open_dataset
from .evaluation import ABLATION, background_complexity, evaluate, mask_scores, summarize
from .folders import remove_backgrounds
from .io import read_image, read_mask

__all__ = ["remove_background", "METHODS", "FAST", "BASIC", "composite", "steps", "Dataset",
           "Sample", "open_dataset", "folder_dataset", "demo_dataset", "demo", "classify",
           "shortcut", "evaluate", "summarize", "mask_scores", "background_complexity",
           "ABLATION", "remove_backgrounds", "process_pool", "read_image", "read_mask"]
