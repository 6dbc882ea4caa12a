"""Soft edges measured: alpha mattes against true mattes, the halo, time and start-up cost.

Usage::

    python benchmarks/matting.py [--skip-big]

Needs ``../shared/data/Matting`` (320x320 crops with true alpha mattes and
trimaps). PyMatting is measured when it is installed (it is not a dependency).

Table 1, given each crop's trimap: SAD (sum of absolute differences / 1000)
and MSE in the unknown band, as alphamatting.com reports them, for
`bgcut.alpha_matte` (closed-form matting), PyMatting's ``estimate_alpha_cf``,
a guided filter of the trimap (He, Sun and Tang) and the likeness to K-means
colour models of the known pixels.

Table 2, end to end on right masks: the mask is the true matte's
``alpha >= 0.5``; `bgcut.matte.soft_cutout` makes the trimap from it; the
squared error to the true matte along the boundary (the trimap's band) and
over the whole crop, soft against hard, for band half-widths 1 to 4.

Table 3, the halo: each crop's true matte composites the crop over a new
background (scikit-image's ``coffee``); the foreground estimated from that
composite is flattened onto another (``astronaut``) and compared with the
true composite there, RMSE (0-255) over the pixels with 0 < alpha < 1.

Table 4: `bgcut.remove_background` hard and soft on a 400-pixel photo and a
12-megapixel one, and the import and first-call cost of bgcut and PyMatting
in fresh processes.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # timings without thread contention

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PIL import Image  # noqa: E402
from scipy import ndimage  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bgcut  # noqa: E402
from bgcut import matte  # noqa: E402
from bgcut.colour_models import fit_colour_models  # noqa: E402
from bgcut.colour import lab_image  # noqa: E402

MATTING = ROOT.parent / "shared" / "data" / "Matting"


def crops():
    """(name, image, trimap, true alpha in [0, 1]) of every development crop."""
    for path in sorted((MATTING / "images").glob("*.png"), key=lambda p: int(p.stem)):
        image = np.asarray(Image.open(path).convert("RGB"))
        tri = np.asarray(Image.open(MATTING / "trimaps" / path.name).convert("L"))
        alpha = np.asarray(Image.open(MATTING / "alpha" / path.name).convert("L")) / 255
        yield path.stem, image, tri, alpha


def guided_filter(image, trimap, radius=8, epsilon=1e-4):
    """He, Sun and Tang's guided filter of the trimap (unknown = 0.5), guided by the colours."""
    guide = image / 255.0
    p = np.where(trimap == 128, 0.5, trimap / 255.0)

    def box(x):
        return ndimage.uniform_filter(x, 2 * radius + 1, mode="reflect")

    mean_i = np.stack([box(guide[..., c]) for c in range(3)], -1)
    mean_p = box(p)
    cov_ip = np.stack([box(guide[..., c] * p) for c in range(3)], -1) - mean_i * mean_p[..., None]
    var = np.empty(p.shape + (3, 3))
    for i in range(3):
        for j in range(3):
            var[..., i, j] = box(guide[..., i] * guide[..., j]) - mean_i[..., i] * mean_i[..., j]
    a = np.linalg.solve(var + epsilon * np.eye(3), cov_ip[..., None])[..., 0]
    b = mean_p - (a * mean_i).sum(-1)
    q = (np.stack([box(a[..., c]) for c in range(3)], -1) * guide).sum(-1) + box(b)
    return np.where(trimap == 128, np.clip(q, 0, 1), trimap / 255.0)


def kmeans_likeness(image, trimap):
    """The likeness to K-means colour models fitted to the known foreground and background."""
    _, colors, index = lab_image(image)
    counts = [np.bincount(index.ravel(), (trimap == v).ravel(), minlength=len(colors))
              for v in (255, 0)]
    models = fit_colour_models((colors, counts[0]), (colors, counts[1]), k=3, rng=0)
    return np.where(trimap == 128, models.likeness(colors)[index], trimap / 255.0)


def pymatting():
    try:
        import pymatting as pm
    except ImportError:
        return None
    return pm


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def quality_table(data, pm):
    methods = {"bgcut.alpha_matte (closed form)": bgcut.alpha_matte,
               "guided filter of the trimap": guided_filter,
               "K-means colour likeness": kmeans_likeness}
    if pm is not None:
        methods["PyMatting estimate_alpha_cf"] = \
            lambda image, tri: pm.estimate_alpha_cf(image / 255.0, tri / 255.0)
    rows = []
    for name, image, tri, truth in data:
        unknown = tri == 128
        for method, function in methods.items():
            alpha, seconds = timed(function, image, tri)
            error = (alpha - truth)[unknown]
            rows.append({"method": method, "crop": name, "SAD": np.abs(error).sum() / 1000,
                         "MSE": (error ** 2).mean(), "s": seconds})
    table = pd.DataFrame(rows)
    return table, table.groupby("method", sort=False)[["SAD", "MSE", "s"]].mean()


def end_to_end_table(data):
    rows = []
    for name, image, _, truth in data:
        mask = truth >= 0.5
        for width in (1, 2, 3, 4):
            (cutout, decided), seconds = timed(matte.soft_cutout, image, mask, width=width)
            assert (decided == mask).all()
            band = matte.trimap(mask, width=width) == 128
            soft, hard = cutout[..., 3] / 255, mask.astype(float)
            rows.append({"width": width, "crop": name,
                         "band SSE hard": ((hard - truth) ** 2)[band].sum(),
                         "band SSE soft": ((soft - truth) ** 2)[band].sum(),
                         "crop SSE hard": ((hard - truth) ** 2).sum(),
                         "crop SSE soft": ((soft - truth) ** 2).sum(), "s": seconds})
    table = pd.DataFrame(rows).groupby("width").sum(numeric_only=True)
    table["band: soft lowers by"] = 1 - table["band SSE soft"] / table["band SSE hard"]
    table["crop: soft lowers by"] = 1 - table["crop SSE soft"] / table["crop SSE hard"]
    table["s"] /= len(data)
    return table


def halo_table(data, pm):
    from skimage import data as pictures

    def picture(name, shape):
        return np.asarray(Image.fromarray(getattr(pictures, name)()).resize(shape[::-1]))

    rows = []
    for name, image, _, truth in data:
        a = truth[..., None]
        old, new = picture("coffee", truth.shape), picture("astronaut", truth.shape)
        composite = np.rint(a * image + (1 - a) * old).astype(np.uint8)
        target = a * image + (1 - a) * new
        mixed = (truth > 0) & (truth < 1)
        estimates = {"none (the composite's colours)": composite,
                     "bgcut.estimate_foreground (blur fusion)":
                         bgcut.estimate_foreground(composite, truth)}
        if pm is not None:
            estimates["PyMatting estimate_foreground_ml"] = np.rint(255 * np.clip(
                pm.estimate_foreground_ml(composite / 255.0, truth), 0, 1))
        for method, foreground in estimates.items():
            flat = a * foreground + (1 - a) * new
            rows.append({"foreground": method, "crop": name,
                         "RMSE": np.sqrt(((flat - target)[mixed] ** 2).mean())})
    return pd.DataFrame(rows).groupby("foreground", sort=False)[["RMSE"]].mean()


def speed_table(skip_big):
    horse = sorted((ROOT.parent / "shared" / "data" / "WeizmannHorses" / "images").glob("*"))
    photo = np.asarray(Image.open(horse[0]).convert("RGB")) if horse else \
        bgcut.demo_dataset()[14].image
    sizes = {"400 px": 400} if skip_big else {"400 px": 400, "4000x3000 (12 MP)": 4000}
    rows = []
    for label, side in sizes.items():
        scale = side / max(photo.shape[:2])
        shape = (round(photo.shape[1] * scale), round(photo.shape[0] * scale))
        if side == 4000:
            shape = (4000, 3000)
        image = np.asarray(Image.fromarray(photo).resize(shape, Image.Resampling.BICUBIC))
        bgcut.remove_background(image)  # warm-up
        _, hard = timed(bgcut.remove_background, image, alpha="hard")
        _, soft = timed(bgcut.remove_background, image, alpha="soft")
        rows.append({"photo": f"{label} {image.shape[1]}x{image.shape[0]}", "hard s": hard,
                     "soft s": soft, "soft / hard": soft / hard})
    return pd.DataFrame(rows).set_index("photo")


def start_up_table(pm):
    load = ("from PIL import Image; import numpy as np; "
            f"p = {str(MATTING)!r}; i = np.asarray(Image.open(p + '/images/0.png').convert('RGB')); "
            "t = np.asarray(Image.open(p + '/trimaps/0.png').convert('L')); import time; s = time.perf_counter(); ")
    cases = {"bgcut": ("import bgcut", "bgcut.alpha_matte(i, t)")}
    if pm is not None:
        cases["PyMatting"] = ("import pymatting", "pymatting.estimate_alpha_cf(i / 255, t / 255)")
    rows = []
    for name, (imports, call) in cases.items():
        code = (load + imports + "; a = time.perf_counter(); " + call +
                "; b = time.perf_counter(); " + call +
                "; c = time.perf_counter(); print(a - s, b - a, c - b)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout.split()
        rows.append({"package": name, "import s": float(out[0]), "first call s": float(out[1]),
                     "second call s": float(out[2])})
    return pd.DataFrame(rows).set_index("package")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-big", action="store_true", help="no 12-megapixel photo")
    args = parser.parse_args()
    if not MATTING.is_dir():
        sys.exit(f"{MATTING} is absent: nothing to measure")
    pd.set_option("display.width", 140)
    data, pm = list(crops()), pymatting()
    per_crop, quality = quality_table(data, pm)
    print("Alpha given the trimap: mean over the", len(data), "crops (SAD / 1000, MSE in "
          "the unknown band, seconds per crop)")
    print(quality.round(4).to_string(), "\n")
    print("SAD per crop")
    print(per_crop.pivot(index="method", columns="crop", values="SAD").round(2).to_string(),
          "\n")
    print("End to end on right masks (mask = true alpha >= 0.5): squared error summed over "
          "the crops")
    print(end_to_end_table(data).round(3).to_string(), "\n")
    print("Halo: RMSE (0-255) of the flattened cutout where 0 < alpha < 1, true matte given")
    print(halo_table(data, pm).round(2).to_string(), "\n")
    print("bgcut.remove_background, seconds")
    print(speed_table(args.skip_big).round(3).to_string(), "\n")
    print("Start-up, fresh process: import, first and second alpha matte of crop 0 (s)")
    print(start_up_table(pm).round(3).to_string())


if __name__ == "__main__":
    main()
