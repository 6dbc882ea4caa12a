"""Progress bars that leave a true record behind.

In a terminal the bar is tqdm's, on stderr. In a Jupyter notebook it is the
same text bar drawn into one output that is updated in place, so that the
saved notebook shows the bar as it ended (``36/36``), not as it began, as a
widget bar's saved text would.
"""

import sys

from . import streams

__all__ = ["bar"]


class _DisplayLine:
    """A file for tqdm that redraws one notebook output in place."""

    encoding = "utf-8"  # tqdm then draws its bar with block characters

    def __init__(self):
        from IPython.display import display

        self._handle = display({"text/plain": ""}, raw=True, display_id=True)

    def write(self, text):
        line = text.strip("\r\n")
        if line:
            self._handle.update({"text/plain": line}, raw=True)

    def flush(self):
        pass


def _in_notebook():
    """True inside a Jupyter kernel (checked without importing IPython)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and "IPKernelApp" in shell.config


def bar(total, *, desc=None, disable=False):
    """A tqdm progress bar over `total` images (see the module docstring).

    A stderr that is missing or fails (closed, full, a pipe whose reader
    went away) loses the bar, never the work (`bgcut.streams.Forgiving`).
    """
    from tqdm import tqdm

    if not disable and _in_notebook():
        file, width = _DisplayLine(), 80
    else:
        file, width = streams.forgiving(sys.stderr), None
        disable = disable or file is None
    return tqdm(total=total, desc=desc, unit="image", disable=disable, file=file,
                ncols=width)
