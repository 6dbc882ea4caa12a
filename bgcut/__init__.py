"""bgcut: background removal with K-means, beyond the course module.

`kmeans_utils` holds the course method; this package builds on it:

- `bgcut.settings` -- every option of the methods, declared once: `Settings`
  (frozen, checked when made) and the named settings `FAST` and `BASIC`;
- `bgcut.boundary` -- the stronger method, step by step (`steps`), built on
  `bgcut.colour` (CIELAB conversion once per distinct colour),
  `bgcut.regions` (superpixel regions and the cues read off their graph),
  `bgcut.barrier` (minimum-barrier distance), `bgcut.fusion` (every way the
  cues become one score: the trees trained on human masks and the hand-set
  blends), `bgcut.cues` (steps 1-3 and the fusion's features),
  `bgcut.colour_models` (K-means colour models), `bgcut.graphcut` (the graph
  cut) and `bgcut.edges` (the boundary at the input's resolution);
- `bgcut.cutout` -- `remove_background`, the project's best method by
  default (``method="fast"`` and ``"seed"`` too), and `composite` for display;
- `bgcut.matte` -- soft edges: the alpha matte given a trimap (closed-form
  matting) and the foreground's colours, for ``alpha="soft"``;
- `bgcut.io` -- the one check of an image (`check_image`), reading images by the
  meaning of their mode, atomic writes;
- `bgcut.datasets`, `bgcut.demo` -- local folders, the DUTS download and the
  embedded demo set;
- `bgcut.evaluation` -- scores, `evaluate` over a dataset, `summarize`;
- `bgcut.batch` -- the one batch engine (serial, process pool or a cluster);
- `bgcut.folders`, `bgcut.cli` -- folders of files and ``python -m bgcut``
  (`bgcut.signals`, `bgcut.streams`: stop signals, output streams that may
  close); `bgcut.validation` -- the checks of options;
- `bgcut.shortcut`, `bgcut.classify` -- does removing the background help a
  classifier? Labelled sets (generated and real) and the comparison.
"""

import importlib

_HOMES = {
    "remove_background": "cutout", "METHODS": "cutout", "FAST": "settings",
    "BASIC": "settings", "Settings": "settings", "CourseSettings": "settings",
    "composite": "cutout", "ALPHAS": "cutout", "alpha_matte": "matte", "trimap": "matte",
    "estimate_foreground": "matte", "steps": "boundary", "Dataset": "datasets", "Sample": "datasets",
    "open_dataset": "datasets", "folder_dataset": "datasets", "demo_dataset": "datasets",
    "evaluate": "evaluation", "summarize": "evaluation", "mask_scores": "evaluation",
    "background_complexity": "evaluation", "ABLATION": "evaluation",
    "remove_backgrounds": "folders", "process_pool": "batch", "read_image": "io",
    "read_mask": "io",
}
"""Public name -> the module that defines it."""

__all__ = ["remove_background", "METHODS", "ALPHAS", "Settings", "CourseSettings", "FAST",
           "BASIC", "composite", "steps",
           "alpha_matte", "trimap", "estimate_foreground", "Dataset", "Sample",
           "open_dataset", "folder_dataset", "demo_dataset", "demo", "classify", "shortcut",
           "evaluate", "summarize", "mask_scores", "background_complexity", "ABLATION",
           "remove_backgrounds", "process_pool", "read_image", "read_mask"]


def __getattr__(name):
    """Import a public name's module, or a submodule, on first use.

    As scikit-image does with lazy_loader: ``python -m bgcut`` so takes
    charge of stop signals and output streams within a fraction of a
    second, before numpy and scikit-image are imported, and
    ``bgcut.cues`` works after a bare ``import bgcut``.
    """
    if name in _HOMES:
        value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
