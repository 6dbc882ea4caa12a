"""bgcut: background removal with K-means, beyond the course module.

`kmeans_utils` holds the course method; this package builds on it:

- `bgcut.boundary` -- the stronger method (superpixels, boundary
  connectivity, K-means colour models), step by step;
- `bgcut.cutout` -- `remove_background`, the project's best method by
  default, and `composite` for display;
- `bgcut.datasets`, `bgcut.demo` -- local folders, the DUTS download and the
  embedded demo set;
- `bgcut.evaluation` -- scores, `evaluate` over a dataset, `summarize`;
- `bgcut.batch` -- the one batch engine (serial, process pool or a cluster);
- `bgcut.folders`, `bgcut.cli` -- folders of files and ``python -m bgcut``.
"""

from .batch import process_pool
from .boundary import steps
from .cutout import METHODS, composite, remove_background
from .datasets import Dataset, Sample, demo_dataset, folder_dataset, open_dataset
from .evaluation import ABLATION, background_complexity, evaluate, mask_scores, summarize
from .folders import remove_backgrounds
from .io import read_image, read_mask

__all__ = ["remove_background", "METHODS", "composite", "steps", "Dataset", "Sample",
           "open_dataset", "folder_dataset", "demo_dataset", "evaluate", "summarize",
           "mask_scores", "background_complexity", "ABLATION", "remove_backgrounds",
           "process_pool", "read_image", "read_mask"]
