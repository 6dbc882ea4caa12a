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

Table 3: batch evaluation of the photos (each four times), images per second
with 1 and with all cores, and one 4000x3000 photo.

Photos come from ``../shared/data`` when present, else from the demo set
(encoded to JPEG in memory).
"""

import argparse
import io
import os
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
    batch, big = batch_table(photos)
    print("Batch evaluation")
    print(batch.round(2).to_string(index=False))
    print(f"\n4000x3000 photo, remove_background: {big:.3f} s")


if __name__ == "__main__":
    main()
