"""bgcut.matte: trimaps, closed-form alpha mattes, foreground colours and soft cutouts."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import red_square_scene
from PIL import Image

import bgcut
import kmeans_utils as ku
from bgcut import matte

ROOT = Path(__file__).resolve().parents[1]


def blend_scene(shape=(40, 60)):
    """Two flat colours blended by a horizontal ramp of alpha: the colour-line model exactly."""
    h, w = shape
    alpha = np.clip((np.arange(w) - 20) / 20, 0, 1)[None, :].repeat(h, axis=0)
    fg, bg = np.array([220.0, 60, 30]), np.array([20.0, 90, 200])
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    return image.astype(np.uint8), alpha, fg, bg


def test_trimap_band_by_hand():
    mask = np.zeros((1, 8), bool)
    mask[0, 4:] = True
    assert matte.trimap(mask, width=2).tolist() == [[0, 0, 128, 128, 128, 128, 255, 255]]
    assert (matte.trimap(np.ones((3, 3), bool)) == 255).all()  # no boundary, no band


@pytest.mark.parametrize("shape, width", [((320, 320), 2), ((300, 400), 2), ((3000, 4000), 6),
                                          ((1, 1), 2)], ids=["320", "400", "12MP", "tiny"])
def test_band_width_follows_the_photo_size(shape, width):
    assert matte.band_width(shape) == width


def test_alpha_matte_recovers_a_linear_blend():
    image, alpha, _, _ = blend_scene()
    tri = np.full(alpha.shape, 128, np.uint8)
    tri[:, :15], tri[:, 45:] = 0, 255
    estimate = bgcut.alpha_matte(image, tri)
    assert estimate.shape == alpha.shape and estimate.dtype == np.float64
    unknown = tri == 128
    assert np.abs(estimate - alpha)[unknown].max() < 0.02  # 8-bit colours, rounded
    np.testing.assert_array_equal(estimate[~unknown], tri[~unknown] / 255)


def test_alpha_matte_reads_arrays_of_any_memory_layout():
    image, _, _, _ = blend_scene()
    tri = matte.trimap(np.arange(60)[None, :].repeat(40, 0) >= 30, width=5)
    expected = bgcut.alpha_matte(image, tri)
    flipped = bgcut.alpha_matte(np.asfortranarray(image), np.asfortranarray(tri))
    np.testing.assert_array_equal(flipped, expected)
    assert 0 < expected[tri == 128].min() < expected[tri == 128].max() < 1


def test_alpha_matte_without_unknown_pixels_is_the_trimap():
    tri = np.zeros((4, 5), np.uint8)
    tri[:, 3:] = 255
    np.testing.assert_array_equal(bgcut.alpha_matte(np.zeros((4, 5, 3), np.uint8), tri),
                                  tri / 255)


def test_alpha_matte_leaves_its_inputs_alone():
    image, _, _, _ = blend_scene()
    tri = matte.trimap(np.arange(60)[None, :].repeat(40, 0) >= 30, width=5)
    before = image.copy(), tri.copy()
    bgcut.alpha_matte(image, tri)
    np.testing.assert_array_equal(image, before[0])
    np.testing.assert_array_equal(tri, before[1])


@pytest.mark.parametrize("trimap, match", [
    (np.zeros((5, 5), np.uint8), r"trimap must have the image's shape \(4, 5\)"),
    (np.zeros((4, 5)), "trimap must be uint8"),
    (np.full((4, 5), 7, np.uint8), "trimap values must be 0, 128 or 255, got 7"),
    (np.full((4, 5), 128, np.uint8), "got only unknown"),
], ids=["shape", "dtype", "values", "all-unknown"])
def test_alpha_matte_rejects_bad_trimaps(trimap, match):
    with pytest.raises(ValueError, match=match):
        bgcut.alpha_matte(np.zeros((4, 5, 3), np.uint8), trimap)


def test_alpha_matte_rejects_a_bad_epsilon():
    with pytest.raises(ValueError, match="epsilon must be a finite number > 0, got 0"):
        bgcut.alpha_matte(np.zeros((4, 5, 3), np.uint8), np.zeros((4, 5), np.uint8), epsilon=0)


def test_estimate_foreground_removes_the_old_background():
    image, alpha, fg, _ = blend_scene()
    estimate = bgcut.estimate_foreground(image, alpha)
    mixed = (alpha > 0.2) & (alpha < 1)
    assert np.abs(estimate[mixed] - fg).max() < np.abs(image[mixed] - fg).max() / 4
    pure = (alpha == 0) | (alpha == 1)
    np.testing.assert_array_equal(estimate[pure], image[pure])


@pytest.mark.parametrize("alpha, match", [
    (np.ones((4, 4)), r"alpha must be a float array of shape \(40, 60\)"),
    (np.full((40, 60), 2.0), r"alpha must lie in \[0, 1\]"),
], ids=["shape", "range"])
def test_estimate_foreground_rejects_bad_alpha(alpha, match):
    with pytest.raises(ValueError, match=match):
        bgcut.estimate_foreground(blend_scene()[0], alpha)


def band_errors(image, truth, mask, width=2):
    """Squared error to the true matte in the band: soft cutout, hard mask."""
    cutout, decided = matte.soft_cutout(image, mask, width=width)
    np.testing.assert_array_equal(decided, mask)
    band = matte.trimap(mask, width=width) == 128
    return (((cutout[..., 3] / 255 - truth) ** 2)[band].sum(),
            ((mask - truth) ** 2)[band].sum())


def test_soft_edges_beat_hard_ones_on_the_furry_scene():
    image, truth = bgcut.demo.soft_scene()
    soft, hard = band_errors(image, truth, truth >= 0.5)
    assert soft <= 0.7 * hard


def test_soft_alpha_keeps_the_mask_and_the_inside():
    image, _ = bgcut.demo.soft_scene()
    original = image.copy()
    hard = bgcut.remove_background(image, alpha="hard")
    cutout, mask = bgcut.remove_background(image, alpha="soft")
    np.testing.assert_array_equal(mask, hard.mask)
    np.testing.assert_array_equal(cutout[..., 3] >= 128, mask)
    band = matte.trimap(mask, width=matte.band_width(mask.shape)) == 128
    np.testing.assert_array_equal(cutout[~band], hard.cutout[~band])
    assert 0 < ((cutout[..., 3] > 0) & (cutout[..., 3] < 255)).sum() <= band.sum()
    np.testing.assert_array_equal(image, original)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (1, 500)], ids=["1x1", "2x2", "1x500"])
def test_soft_alpha_on_tiny_images(shape):
    cutout, mask = bgcut.remove_background(np.zeros(shape + (3,), np.uint8), alpha="soft")
    assert cutout.shape == shape + (4,) and mask.shape == shape


@pytest.mark.parametrize("alpha", ["Soft", "", None, 1], ids=["case", "empty", "none", "int"])
def test_bad_alpha_is_named(alpha):
    square, _ = red_square_scene()
    with pytest.raises(ValueError, match=f"alpha must be one of .*got {alpha!r}"):
        bgcut.remove_background(square, alpha=alpha)
    with pytest.raises(ValueError, match="alpha must be one of"):
        bgcut.remove_backgrounds(ROOT, ROOT / "out-never", alpha=alpha)


def test_folder_and_command_line_pass_the_alpha_through(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    image, _ = bgcut.demo.soft_scene()
    Image.fromarray(image).save(src / "fur.png")
    report = bgcut.remove_backgrounds(src, tmp_path / "api", alpha="soft", save_mask=True,
                                      progress=False)
    assert (report.error == "").all()
    expected = bgcut.remove_background(image, alpha="soft")
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "api" / "fur.png")),
                                  expected.cutout)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "api" / "masks" / "fur.png")),
                                  np.where(expected.mask, 255, 0))
    run = [sys.executable, "-m", "bgcut", str(src), "-o", str(tmp_path / "cli"), "--workers", "1"]
    done = subprocess.run(run + ["--alpha", "soft"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "cli" / "fur.png")),
                                  expected.cutout)
    bad = subprocess.run(run + ["--alpha", "fuzzy"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert bad.returncode == 2 and "invalid choice: 'fuzzy'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_soft_edges_on_true_mattes(shared_data):
    """On every development matte, with the mask right (alpha >= 0.5), the soft alpha
    lowers the squared error in the band by at least 30% in all."""
    folder = shared_data / "Matting"
    soft = hard = 0.0
    for path in sorted((folder / "images").glob("*.png")):
        image = np.asarray(Image.open(path).convert("RGB"))
        truth = np.asarray(Image.open(folder / "alpha" / path.name).convert("L")) / 255
        s, h = band_errors(image, truth, truth >= 0.5)
        soft, hard = soft + s, hard + h
    assert soft <= 0.7 * hard


def test_alpha_matte_on_a_true_matte(shared_data):
    """Crop 0 with its own trimap: closed-form matting's SAD (PyMatting's estimate_alpha_cf
    gives 1.27 on it; the benchmark compares them on all crops)."""
    folder = shared_data / "Matting"
    image = np.asarray(Image.open(folder / "images" / "0.png").convert("RGB"))
    tri = np.asarray(Image.open(folder / "trimaps" / "0.png").convert("L"))
    truth = np.asarray(Image.open(folder / "alpha" / "0.png").convert("L")) / 255
    sad = np.abs(bgcut.alpha_matte(image, tri) - truth)[tri == 128].sum() / 1000
    assert sad <= 1.25 * 1.27
    assert ku.iou(bgcut.alpha_matte(image, tri) >= 0.5, truth >= 0.5) > 0.95
