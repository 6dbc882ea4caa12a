"""Speed of the K-means core and of the whole pipeline, as ratios measured in one run.

Usage::

    python benchmarks/speed.py [--photos N] [--repeats N]

Table 1: ``Kmeans`` against scikit-learn's ``KMeans`` (Lloyd, one start, the same
explicit starting centres, 30 iterations at most, tol=0) on the CIELAB pixels of
real photos resized to a longest side of 160, 320 and 640 pixels. Runs are
interleaved and repeated; times are medians.

Table 2: ``bgcut.remove_background`` (the default method and ``seed``, the course
method) against decoding the same photo's JPEG with Pillow, median of the per-photo
ratios.

Table 3: where the default's time goes: each step's time in milliseconds and its
share of the call, medians over the photos. Every call of a step's functions is
timed (`PROFILE`), each moment counted once, for the innermost step running.

Table 4: batch evaluation of the photos (each four times), images per second
with 1 and with all cores, and one 4000x3000 photo.

Photos come from ``../shared/data`` when present, else from the demo set
(encoded to JPEG in memory).
"""

import argparse
import functools
import importlib
import io
import os
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from skimage import color

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import bgcut  # noqa: E402
import kmeans_utils as ku  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def jpeg_photos(n):
    """Up to n JPEG files as bytes, with their names."""
    paths = sorted(SHARED.glob("*/images/*.jpg")) + sorted(SHARED.glob("DUTS/*/*-Image/*.jpg"))
    if paths:
        step = max(1, len(paths) // n)
        return [(p.name, p.read_bytes()) for p in paths[::step][:n]], "shared/data JPEGs"
    photos = []
    for name, image, _ in bgcut.demo_dataset()[:n]:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", quality=90)
        photos.append((name, buffer.getvalue()))
    return photos, "demo set encoded as JPEG"


def decode(data):
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def timed(f, *args, **kwargs):
    start = time.perf_counter()
    result = f(*args, **kwargs)
    return time.perf_counter() - start, result


def kmeans_table(photos, repeats):
    from sklearn.cluster import KMeans

    rows = []
    for side in (160, 320, 640):
        ours, theirs, agree = [], [], []
        for _, data in photos:
            image = decode(data)  # resized to the side, enlarged if smaller
            rgb = np.asarray(Image.fromarray(image).resize(_size(image.shape, side),
                                                           Image.Resampling.BOX))
            X = color.rgb2lab(rgb).reshape(-1, 3)
            C0 = X[np.random.default_rng(0).choice(len(X), 3, replace=False)]
            reference = KMeans(3, init=C0, n_init=1, max_iter=30, tol=0, algorithm="lloyd")
            a, b = [], []
            for _ in range(repeats):  # interleaved
                t, (centers, _) = timed(ku.Kmeans, X, 3, init=C0, iterations=30)
                a.append(t)
                t, fitted = timed(reference.fit, X)
                b.append(t)
            ours.append(np.median(a))
            theirs.append(np.median(b))
            agree.append(np.allclose(centers, fitted.cluster_centers_, rtol=1e-4, atol=1e-6))
        rows.append({"longest side": side, "pixels": len(X), "photos": len(photos),
                     "ours ms": 1e3 * np.median(ours), "sklearn ms": 1e3 * np.median(theirs),
                     "ratio ours/sklearn": np.exp(np.mean(np.log(np.divide(ours, theirs)))),
                     "centres agree": f"{sum(agree)}/{len(agree)}"})
    table = pd.DataFrame(rows)
    geomean = np.exp(np.log(table["ratio ours/sklearn"]).mean())
    return table, geomean


def _size(shape, side):
    h, w = shape[:2]
    scale = side / max(h, w)
    return max(1, round(w * scale)), max(1, round(h * scale))


def pipeline_table(photos, repeats):
    methods = list(bgcut.METHODS)
    ratios = {m: [] for m in methods}
    times = {m: [] for m in methods}
    decodes = []
    for _, data in photos:
        image = decode(data)
        d = [timed(decode, data)[0] for _ in range(repeats)]
        decodes.append(np.median(d))
        for m in methods:
            t = np.median([timed(bgcut.remove_background, image, method=m)[0]
                           for _ in range(repeats)])
            times[m].append(t)
            ratios[m].append(t / np.median(d))
    return pd.DataFrame([{"method": m, "photos": len(photos),
                          "median decode ms": 1e3 * np.median(decodes),
                          "median remove_background ms": 1e3 * np.median(times[m]),
                          "median ratio to decode": np.median(ratios[m]),
                          "90th pct ratio": np.percentile(ratios[m], 90)} for m in methods])


PROFILE = {
    "working copies and CIELAB": ("rescale", "lab_image", "rgb_to_lab", "shrink_lab"),
    "superpixels (SLIC)": ("superpixels",),
    "region graph": ("region_graph",),
    "boundary connectivity": ("boundary_connectivity",),
    "contrast saliency": ("region_saliency",),
    "minimum-barrier scans": ("minimum_barrier_distance",),
    "manifold ranking": ("manifold_ranking",),
    "geodesic distance": ("geodesic_distance",),
    "cues at two other superpixel scales": ("_other_scale",),
    "other region features": ("region_features",),
    "trees of the fusion": ("Trees.predict",),
    "K-means colour models": ("fit_colour_models",),
    "colour likeness": ("ColourModels.likeness",),
    "graph cut: contrast weights": ("contrast_weights",),
    "graph cut: max-flow": ("cut",),
    "clean-up": ("_clean",),
    "edges at full resolution": ("refine_edges",),
}
"""The steps of the profile and the functions (or ``Class.method``) each one times.
A step's time leaves out the other steps it calls, except that of `WHOLE`."""
WHOLE = "cues at two other superpixel scales"
"""A step timed with everything it calls (superpixels, connectivity, ... of its own)."""


class StepClock:
    """Times every call of the `PROFILE` functions while installed (`with`)."""

    def __init__(self):
        self.seconds, self._stack, self._undo = {}, [], []

    def _wrap(self, step, function):
        @functools.wraps(function)
        def timed_call(*args, **kwargs):
            if any(s == WHOLE for s, _ in self._stack):
                return function(*args, **kwargs)
            start = time.perf_counter()
            self._stack.append([step, 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                _, inner = self._stack.pop()
                spent = time.perf_counter() - start
                self.seconds[step] = self.seconds.get(step, 0.0) + spent - inner
                if self._stack:
                    self._stack[-1][1] += spent
        return timed_call

    def __enter__(self):
        modules = [ku] + [importlib.import_module(f"bgcut.{m.name}")
                          for m in pkgutil.iter_modules(bgcut.__path__)
                          if m.name not in ("__main__", "cli", "signals", "streams")]
        wanted = {name: step for step, names in PROFILE.items() for name in names}
        found = set()
        for module in modules:
            for attribute, value in list(vars(module).items()):
                if isinstance(value, type) and value.__module__ == module.__name__:
                    for method, function in list(vars(value).items()):
                        name = f"{value.__name__}.{method}"
                        if name in wanted and callable(function):
                            self._patch(value, method, self._wrap(wanted[name], function))
                            found.add(name)
                elif callable(value) and getattr(value, "__name__", None) in wanted \
                        and getattr(value, "__module__", "").split(".")[0] in ("bgcut",
                                                                              "kmeans_utils"):
                    self._patch(module, attribute, self._wrap(wanted[value.__name__], value))
                    found.add(value.__name__)
        missing = sorted(set(wanted) - found)
        if missing:
            self.__exit__()
            raise LookupError(f"PROFILE names functions that no longer exist: {missing}")
        return self

    def _patch(self, owner, name, value):
        self._undo.append((owner, name, vars(owner)[name]))
        setattr(owner, name, value)

    def __exit__(self, *_):
        for owner, name, value in reversed(self._undo):
            setattr(owner, name, value)
        self._undo.clear()


def profile_table(photos):
    """Milliseconds and share of each step of the default, medians over the photos."""
    images = [decode(data) for _, data in photos]
    bgcut.remove_background(images[0])  # the trees read, caches warm
    per_photo = []
    with StepClock() as clock:
        for image in images:
            clock.seconds.clear()
            total, _ = timed(bgcut.remove_background, image)
            per_photo.append({**clock.seconds, "total": total})
    times = pd.DataFrame(per_photo).fillna(0.0)
    times["the rest"] = times["total"] - times.drop(columns="total").sum(axis=1)
    steps = [s for s in [*PROFILE, "the rest"] if s in times]
    table = pd.DataFrame({"step": steps + ["the whole call"],
                          "median ms": 1e3 * times[steps + ["total"]].median().to_numpy(),
                          "median share %": 100 * times[steps + ["total"]].div(
                              times["total"], axis=0).median().to_numpy()})
    return table


def batch_table(photos, copies=4):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sub in ("images", "masks"):
            (folder / sub).mkdir()
        for i, (name, data) in enumerate(photos * copies):  # enough work to spread
            stem = f"{i:04d}-{Path(name).stem}"
            (folder / "images" / f"{stem}.jpg").write_bytes(data)
            Image.fromarray(np.zeros(decode(data).shape[:2], np.uint8)).save(
                folder / "masks" / f"{stem}.png")
        dataset = bgcut.folder_dataset(folder)
        rows = []
        for workers in sorted({1, os.cpu_count()}):
            scores = bgcut.evaluate(dataset, workers=workers, progress=False)
            rows.append({"workers": workers, "images": len(dataset),
                         "images/s (incl. pool start)": scores.attrs["images_per_second"]})
    big = np.asarray(Image.fromarray(decode(photos[0][1])).resize((4000, 3000)))
    t = np.median([timed(bgcut.remove_background, big)[0] for _ in range(3)])
    return pd.DataFrame(rows), t


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    photos, origin = jpeg_photos(args.photos)
    print(f"{len(photos)} photos ({origin}); {os.cpu_count()} cores; numpy {np.__version__}\n")
    table, geomean = kmeans_table(photos[:10], args.repeats)
    print("Kmeans vs scikit-learn KMeans (k=3, same start, <= 30 iterations)")
    print(table.round(3).to_string(index=False))
    print(f"geometric mean of ratios over the sizes: {geomean:.3f}\n")
    print("remove_background vs JPEG decoding (Pillow)")
    print(pipeline_table(photos, args.repeats).round(2).to_string(index=False), "\n")
    print(f"Where the default's time goes ({len(photos)} photos; each step without the "
          f"steps it calls)")
    print(profile_table(photos).round(1).to_string(index=False), "\n")
    batch, big = batch_table(photos)
    print("Batch evaluation")
    print(batch.round(2).to_string(index=False))
    print(f"\n4000x3000 photo, remove_background: {big:.3f} s")


if __name__ == "__main__":
    main()
