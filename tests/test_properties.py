"""Property-based tests: any image gets a valid result or a clear error."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bgcut
import kmeans_utils as ku



def _bgcut_remover(image, *, k=3, rng=0):
    """bgcut.remove_background with `k` foreground colour clusters."""
    return bgcut.remove_background(image, settings=bgcut.Settings(k=k), rng=rng)


REMOVERS = {"kmeans_utils": ku.remove_background, "bgcut": _bgcut_remover}

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

shapes = st.tuples(st.integers(1, 40), st.integers(1, 40)).flatmap(
    lambda hw: st.sampled_from([hw, hw + (1,), hw + (3,), hw + (4,)]))


@st.composite
def valid_images(draw):
    shape = draw(shapes)
    dtype = draw(st.sampled_from(["uint8", "uint16", "float32", "float64", "bool", "int16"]))
    if dtype == "bool":
        elements = st.booleans()
    elif dtype.startswith("float"):
        elements = st.floats(0, 1, width=32 if dtype == "float32" else 64)
    elif dtype == "int16":
        elements = st.integers(0, 255)
    else:
        elements = st.integers(0, np.iinfo(dtype).max)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@pytest.mark.parametrize("module", REMOVERS)
@SETTINGS
@given(image=valid_images(), k=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_any_valid_image_gets_a_valid_result(module, image, k, seed):
    remove_background = REMOVERS[module]
    before = image.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cutout, mask = remove_background(image, k=k, rng=seed)
    h, w = image.shape[:2]
    assert cutout.shape == (h, w, 4) and cutout.dtype == np.uint8
    assert mask.shape == (h, w) and mask.dtype == bool
    np.testing.assert_array_equal(cutout[..., 3], np.where(mask, 255, 0))
    np.testing.assert_array_equal(cutout[..., :3], ku.to_rgb8(image))
    np.testing.assert_array_equal(image, before)
    again = remove_background(image, k=k, rng=seed).mask
    np.testing.assert_array_equal(again, mask)


@st.composite
def invalid_float_images(draw):
    image = draw(hnp.arrays("float64", draw(shapes), elements=st.floats(0, 1)))
    bad = draw(st.sampled_from([np.nan, np.inf, -np.inf, -0.25, 1.5, 300.0]))
    index = tuple(draw(st.integers(0, n - 1)) for n in image.shape)
    image[index] = bad
    return image


@pytest.mark.parametrize("module", REMOVERS)
@SETTINGS
@given(image=invalid_float_images())
def test_bad_float_values_raise_value_error(module, image):
    with pytest.raises(ValueError, match="finite|must lie in"):
        REMOVERS[module](image)


@SETTINGS
@given(shape=st.one_of(
    st.tuples(st.integers(0, 5)),
    st.tuples(st.integers(1, 5), st.integers(1, 5), st.sampled_from([2, 5, 6])),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 4)),
    st.tuples(st.integers(0, 3), st.just(0), st.just(3))))
def test_bad_shapes_raise_value_error(shape):
    for remove_background in REMOVERS.values():
        with pytest.raises(ValueError, match="image must"):
            remove_background(np.zeros(shape, np.uint8))


@SETTINGS
@given(X=hnp.arrays("float64", st.tuples(st.integers(1, 60), st.integers(1, 4)),
                    elements=st.floats(-1e3, 1e3)),
       k=st.integers(1, 6), seed=st.integers(0, 1000))
def test_kmeans_properties(X, k, seed):
    if k > len(X):
        with pytest.raises(ValueError, match=f"k={k} must be between 1 and n_samples"):
            ku.Kmeans(X, k, rng=seed)
        return
    before = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        centers, labels = ku.Kmeans(X, k, rng=seed)
    assert centers.shape == (k, X.shape[1]) and np.isfinite(centers).all()
    assert labels.shape == (len(X),)
    np.testing.assert_array_equal(labels, ku.cluster_assignments(X, centers))
    np.testing.assert_array_equal(X, before)
    # Lloyd never ends worse than its start, and a fixed seed repeats itself.
    start, _ = ku.Kmeans(X, k, rng=seed, iterations=0)
    assert ku.inertia(X, centers) <= ku.inertia(X, start) * (1 + 1e-9) + 1e-9
    np.testing.assert_array_equal(ku.Kmeans(X, k, rng=seed)[0], centers)
