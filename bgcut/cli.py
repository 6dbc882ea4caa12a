"""The command line: ``python -m bgcut SRC -o OUT [options]``; nothing imports it."""

import argparse
import functools
import sys

from . import validation
from .batch import cores
from .cutout import ALPHAS, METHODS, check_color
from .folders import check_path, remove_backgrounds

PROG = "python -m bgcut"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line: the option and the problem."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _checked(check):
    """An argparse type from a library check: its ValueError becomes a usage error."""
    def parse(text):
        try:
            return check(text)
        except (ValueError, TypeError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return parse


def _path(name):
    """An argparse type: a path that is not empty (`bgcut.folders.check_path`)."""
    return _checked(functools.partial(check_path, name))


def _count(name):
    """An argparse type: an integer >= 1, checked (and named) as the library does."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = text  # the check names it
        return validation.integer(name, value, 1)
    return _checked(parse)


def _parser():
    parser = _Parser(
        prog=PROG,
        description="Remove the background of images with K-means clustering: writes "
                    "OUT/STEM.png (RGBA) for every image STEM.ext in SRC.")
    parser.add_argument("src", metavar="SRC", type=_path("SRC"),
                        help="an image file or a folder of images")
    parser.add_argument("-o", "--out", metavar="OUT", required=True,
                        type=_path("OUT"), help="output folder")
    parser.add_argument("--gt", metavar="MASK_DIR", type=_path("MASK_DIR"),
                        help="ground-truth masks by stem; writes OUT/iou.csv")
    parser.add_argument("--save-mask", action="store_true",
                        help="also write OUT/masks/STEM.png (0 or 255)")
    parser.add_argument("--background", metavar="COLOR", type=_checked(check_color),
                        help="flatten onto white, black or #RRGGBB instead of transparency")
    parser.add_argument("--workers", type=_count("workers"), default=cores(), metavar="N",
                        help="processes, at most one per core (default: all cores)")
    parser.add_argument("--max-side", type=_count("max_side"), metavar="N",
                        help="longest side of the working resolution (default: the method's)")
    parser.add_argument("--method", default="boundary", choices=sorted(METHODS),
                        help="boundary: the best masks (default); fast: about a tenth of "
                             "its time, for large batches; seed: the course method")
    parser.add_argument("--alpha", default="hard", choices=ALPHAS,
                        help="hard: alpha 0 or 255 (default, the fastest); soft: an alpha "
                             "matte along the boundary, with the foreground's own colours")
    parser.add_argument("--skip-existing", action="store_true",
                        help="skip images whose outputs exist (resume a run)")
    parser.add_argument("--recursive", action="store_true",
                        help="also the folders below SRC, keeping their layout "
                             "(SRC/cat/a.jpg -> OUT/cat/a.png)")
    return parser


def main(argv=None):
    """Run the command line; returns the exit status.

    0 when every image succeeded, 1 when any failed, 2 for a usage error
    (one line on stderr, no traceback). ``python -m bgcut`` adds
    ``128 + signal number`` for a run that a stop signal ended (see
    `bgcut.signals`).
    """
    args = _parser().parse_args(argv)
    settings = None if args.max_side is None \
        else METHODS[args.method].replace(max_side=args.max_side)
    try:
        report = remove_backgrounds(
            args.src, args.out, gt=args.gt, save_mask=args.save_mask,
            background=args.background, skip_existing=args.skip_existing,
            recursive=args.recursive,
            workers=args.workers, method=args.method, settings=settings, alpha=args.alpha)
    except (ValueError, TypeError, OSError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    failed = report[report.error != ""]
    for error in failed.error:
        print(f"failed: {error}", file=sys.stderr)
    if args.gt is not None:
        scored = report[report.iou.notna()]
        unscored = int((report.note != "").sum())
        if report.attrs["csv_error"]:
            print(f"failed: {report.attrs['csv_error']}", file=sys.stderr)
        where = "" if report.attrs["csv_error"] else f"; scores in {args.out / 'iou.csv'}"
        print((f"mean IoU {scored.iou.mean():.3f} over {len(scored)} images" if len(scored)
               else "no image scored")
              + (f" ({unscored} without a ground-truth mask)" if unscored else "") + where)
    skipped = int(report.skipped.sum())
    print(f"{len(report) - len(failed)} succeeded, {len(failed)} failed"
          + (f" ({skipped} skipped as done)" if skipped else ""), file=sys.stderr)
    return 1 if len(failed) or report.attrs["csv_error"] else 0
