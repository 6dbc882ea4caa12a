"""K-means: hand-computed cases, convergence, empty clusters, weights, seeds."""

import numpy as np
import pytest

import kmeans_utils as ku

FOUR = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], dtype=float)


def sorted_rows(a):
    return a[np.lexsort(a.T[::-1])]


def same_partition(a, b):
    """Two labelings describe the same partition, whatever the label ids."""
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_four_points_explicit_init():
    X = FOUR.copy()
    centers, labels = ku.Kmeans(X, 2, init=np.array([[0.0, 0], [10, 10]]))
    np.testing.assert_allclose(centers, [[0, 0.5], [10, 10.5]])
    np.testing.assert_array_equal(labels, [0, 0, 1, 1])
    np.testing.assert_array_equal(X, FOUR)  # input untouched


def test_init_array_is_not_modified():
    init = np.array([[0.0, 0], [10, 10]])
    ku.Kmeans(FOUR, 2, init=init)
    np.testing.assert_array_equal(init, [[0, 0], [10, 10]])


def test_inertia_hand_computed():
    # Each of the four points lies 0.5 from its centre: 4 * 0.25.
    assert ku.inertia(FOUR, [[0, 0.5], [10, 10.5]]) == pytest.approx(1.0)
    # scikit-learn's case: weights 1, 1, 1, 1 around centres (0, 0.5) and (10, 10.5).
    X = np.array([[0, 0], [0.5, 0], [0.5, 1], [1, 1]])
    assert ku.inertia(X, [[0.25, 0], [0.75, 1]], [0, 0, 1, 1]) == pytest.approx(0.25)
    assert ku.inertia(X, [[0.25, 0], [0.75, 1]], weights=[1, 1, 1, 2]) == pytest.approx(0.3125)


def test_finds_well_separated_clusters():
    rng = np.random.default_rng(1)
    truth = np.repeat([0, 1, 2], 50)
    X = np.array([[0, 0], [20, 0], [0, 20]])[truth] + rng.normal(0, 1, (150, 2))
    centers, labels = ku.Kmeans(X, 3, rng=0)
    assert same_partition(labels, truth)
    np.testing.assert_allclose(sorted_rows(centers), sorted_rows(
        np.array([X[truth == j].mean(axis=0) for j in range(3)])))


def test_labels_match_returned_centers():
    X = np.random.default_rng(2).normal(size=(500, 3))
    for iterations in (0, 1, 2, 30):
        centers, labels = ku.Kmeans(X, 4, iterations=iterations, rng=0)
        np.testing.assert_array_equal(labels, ku.cluster_assignments(X, centers))


def test_zero_iterations_returns_the_start():
    init = np.array([[1.0, 1], [9, 9]])
    centers, _ = ku.Kmeans(FOUR, 2, iterations=0, init=init)
    np.testing.assert_array_equal(centers, init)


def test_stops_at_the_fixed_point():
    X = np.r_[np.zeros((5, 1)), np.full((5, 1), 1.0), np.full((5, 1), 10.0)]
    # 0.6 -> 5.5 (the ones change side) -> 10 (no label changes): converged
    # after two updates, so more iterations change nothing.
    two, two_labels = ku.Kmeans(X, 2, init=[[0.0], [0.6]], iterations=2)
    many, many_labels = ku.Kmeans(X, 2, init=[[0.0], [0.6]], iterations=30)
    np.testing.assert_array_equal(two, [[0.5], [10.0]])
    np.testing.assert_array_equal(many, two)
    np.testing.assert_array_equal(many_labels, two_labels)


def test_iteration_cap_is_respected():
    # Starting centres far off: one update moves them only part of the way.
    X = np.r_[np.zeros((5, 1)), np.full((5, 1), 1.0), np.full((5, 1), 10.0)]
    one, _ = ku.Kmeans(X, 2, init=[[0.0], [0.6]], iterations=1)
    full, _ = ku.Kmeans(X, 2, init=[[0.0], [0.6]], iterations=30)
    np.testing.assert_allclose(one, [[0.0], [5.5]])  # (5 * 1 + 5 * 10) / 10
    np.testing.assert_allclose(full, [[0.5], [10.0]])


def test_tol_stops_early():
    X = np.r_[np.zeros((5, 1)), np.full((5, 1), 1.0), np.full((5, 1), 10.0)]
    # The first update moves the centres by 0 + 4.9**2 = 24.01 <= tol: stop there.
    centers, _ = ku.Kmeans(X, 2, init=[[0.0], [0.6]], tol=25.0)
    np.testing.assert_allclose(centers, [[0.0], [5.5]])
    centers, _ = ku.Kmeans(X, 2, init=[[0.0], [0.6]], tol=24.0)
    np.testing.assert_allclose(centers, [[0.5], [10.0]])


def test_empty_cluster_is_reseeded_not_nan():
    X = np.array([[0.0], [1], [10], [11]])
    with np.errstate(all="raise"):
        centers, labels = ku.Kmeans(X, 3, init=[[0.0], [5], [100]])
    # Cluster 2 starts empty and is moved to the point farthest from its centre,
    # 11 (36 from 5); then 10 goes to cluster 1 and 11 stays in cluster 2.
    np.testing.assert_allclose(centers, [[0.5], [10.0], [11.0]])
    np.testing.assert_array_equal(labels, [0, 0, 1, 2])


def test_fewer_distinct_points_than_clusters():
    X = np.array([[1.0, 1]] * 6 + [[5.0, 5]] * 2)
    with np.errstate(all="raise"):
        centers, labels = ku.Kmeans(X, 3, rng=0)
    assert np.isfinite(centers).all()
    np.testing.assert_array_equal(labels, ku.cluster_assignments(X, centers))
    np.testing.assert_allclose(centers[labels], X)


def test_weights_equal_repeated_rows():
    X = np.array([[0.0, 0], [1, 0], [10, 10], [12, 10], [0, 1]])
    w = np.array([3, 1, 2, 1, 1])
    init = [[0.0, 0], [10, 10]]
    weighted, wl = ku.Kmeans(X, 2, init=init, weights=w)
    repeated, rl = ku.Kmeans(np.repeat(X, w, axis=0), 2, init=init)
    np.testing.assert_allclose(weighted, repeated)
    np.testing.assert_allclose(weighted, [[0.2, 0.2], [32 / 3, 10]])
    np.testing.assert_array_equal(np.repeat(wl, w), rl)


def test_zero_weight_rows_do_not_move_centres():
    X = np.array([[0.0], [2], [100]])
    centers, labels = ku.Kmeans(X, 1, init=[[0.0]], weights=[1, 1, 0])
    np.testing.assert_allclose(centers, [[1.0]])


def test_same_seed_same_result():
    X = np.random.default_rng(3).normal(size=(300, 3))
    a = ku.Kmeans(X, 5, rng=42)
    b = ku.Kmeans(X, 5, rng=np.random.default_rng(42))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = ku.Kmeans(X, 5, rng=7)
    assert not np.array_equal(a[0], c[0])


def test_does_not_touch_global_random_state():
    np.random.seed(0)
    before = np.random.get_state()[1].copy()
    ku.Kmeans(np.random.default_rng(0).normal(size=(50, 2)), 3, rng=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def plain_lloyd(X, centers, iterations):
    """Textbook Lloyd: assign every row, move every centre to its mean, repeat."""
    labels = ku.cluster_assignments(X, centers)
    for _ in range(iterations):
        centers = np.array([X[labels == j].mean(axis=0) for j in range(len(centers))])
        new = ku.cluster_assignments(X, centers)
        if np.array_equal(new, labels):
            break
        labels = new
    return centers, labels


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("k", [2, 3, 8])
def test_equals_textbook_lloyd(k, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3000, 3)) * [40, 10, 10] + rng.normal(size=(1, 3))
    init = X[rng.choice(len(X), k, replace=False)]
    for iterations in (1, 3, 30):
        ours, labels = ku.Kmeans(X, k, init=init, iterations=iterations)
        textbook, textbook_labels = plain_lloyd(X, init, iterations)
        np.testing.assert_allclose(ours, textbook, rtol=1e-10, atol=1e-10)
        np.testing.assert_array_equal(labels, textbook_labels)


def test_distinct_colours_with_weights_equal_every_pixel():
    """What the course method relies on: clustering the distinct colours of an
    image, weighted by their counts, is clustering its pixels."""
    rng = np.random.default_rng(4)
    image = rng.integers(0, 4, size=(60, 80, 3)).astype(np.uint8) * 60
    colors, index, counts = ku.distinct_colors(image)
    pixels = image.reshape(-1, 3).astype(float)
    init = colors[:3].astype(float)
    weighted, labels = ku.Kmeans(colors.astype(float), 3, init=init, weights=counts)
    every, every_labels = ku.Kmeans(pixels, 3, init=init)
    np.testing.assert_allclose(weighted, every, rtol=1e-12)
    np.testing.assert_array_equal(labels[index].ravel(), every_labels)


def test_float32_stays_float32():
    X = np.random.default_rng(5).normal(size=(100, 3)).astype(np.float32)
    centers, _ = ku.Kmeans(X, 3, rng=0)
    assert centers.dtype == np.float32


def test_matches_scikit_learn_from_the_same_start():
    sklearn = pytest.importorskip("sklearn.cluster")
    X = np.random.default_rng(6).normal(size=(2000, 3)) * [10, 5, 1]
    init = X[:4].copy()
    ours, labels = ku.Kmeans(X, 4, init=init, iterations=30)
    ref = sklearn.KMeans(4, init=init, n_init=1, max_iter=30, tol=0,
                         algorithm="lloyd").fit(X)
    np.testing.assert_allclose(ours, ref.cluster_centers_, rtol=1e-10)
    np.testing.assert_array_equal(labels, ref.labels_)


def test_cluster_assignments_nearest_and_ties():
    labels = ku.cluster_assignments([[0, 0], [5, 0], [9, 0]], [[0, 0], [10, 0]])
    np.testing.assert_array_equal(labels, [0, 0, 1])  # (5, 0) is a tie: lower index
    assert labels.shape == (3,) and np.issubdtype(labels.dtype, np.integer)


@pytest.mark.parametrize("pixels, k, kwargs, error, match", [
    (FOUR, 0, {}, ValueError, "k=0 must be between 1 and n_samples=4"),
    (FOUR, 5, {}, ValueError, "k=5 must be between 1 and n_samples=4"),
    (FOUR, 2.5, {}, TypeError, "k must be an integer"),
    (FOUR[:, 0], 2, {}, ValueError, r"must be 2-D .* got shape \(4,\)"),
    (FOUR[None], 2, {}, ValueError, "must be 2-D"),
    (np.empty((0, 3)), 1, {}, ValueError, "must not be empty"),
    ([[0, np.nan], [1, 1]], 1, {}, ValueError, "must be finite"),
    ([[0, np.inf], [1, 1]], 1, {}, ValueError, "must be finite"),
    ([["a", "b"]], 1, {}, TypeError, "must hold real numbers"),
    ("pixels", 1, {}, TypeError, "got str"),
    (FOUR, 2, {"init": "kmeans"}, ValueError, "init must be 'k-means\\+\\+'"),
    (FOUR, 2, {"init": [[0, 0]]}, ValueError, r"init must have shape \(k, D\) = \(2, 2\)"),
    (FOUR, 2, {"iterations": -1}, ValueError, "iterations must be an integer >= 0, got -1"),
    (FOUR, 2, {"tol": -1.0}, ValueError, "tol must be"),
    (FOUR, 2, {"weights": [1, 1]}, ValueError, r"weights must have shape \(4,\)"),
    (FOUR, 2, {"weights": [1, -1, 1, 1]}, ValueError, "weights must be >= 0"),
    (FOUR, 2, {"weights": [1, 0, 0, 0]}, ValueError, "at least k=2 positive"),
    (FOUR, 2, {"weights": [1e300, 1, 1, 1]}, ValueError, "weights must sum to at most"),
    (FOUR * 1e200, 2, {}, ValueError, r"pixels must lie within \+-1e\+100, got 1\.1e\+201"),
], ids=["k0", "k-too-large", "k-float", "1-D", "3-D", "empty", "nan", "inf", "strings",
        "str", "init-name", "init-shape", "iterations", "tol", "weights-shape",
        "weights-negative", "weights-too-few", "weights-huge", "values-huge"])
def test_kmeans_rejects_bad_input(pixels, k, kwargs, error, match):
    with pytest.raises(error, match=match):
        ku.Kmeans(pixels, k, **kwargs)


@pytest.mark.parametrize("centers, match", [
    ([[0, 0, 0]], "D=2 columns"),
    ([[np.nan, 0]], "must be finite"),
    ([0, 0], "must be 2-D"),
], ids=["columns", "nan", "1-D"])
def test_cluster_assignments_rejects_bad_centers(centers, match):
    with pytest.raises(ValueError, match=match):
        ku.cluster_assignments(FOUR, centers)


def test_inertia_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 1\]"):
        ku.inertia(FOUR, [[0, 0], [1, 1]], [0, 1, 2, 0])
    with pytest.raises(ValueError, match="labels must be"):
        ku.inertia(FOUR, [[0, 0], [1, 1]], [0, 1])
