"""Distribution metrics for generated faces, on constructed embeddings."""

import numpy as np
import pytest
from scipy import linalg
from scipy.ndimage import gaussian_filter

from skface.metrics import (
    embedding_recall,
    frechet_distance,
    kernel_distance,
    laplacian_sharpness,
    pair_collision_rate,
    sharpness_ratio,
)


def _normal(seed, n=400, d=8, shift=0.0):
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


# ---------------------------------------------------------------- kernel


def test_kernel_distance_is_unbiased_for_one_distribution():
    # Many independent pairs of samples of one distribution: the estimates
    # scatter around 0, negative ones included (a biased estimator would
    # stay above 0).
    values = [
        kernel_distance(_normal(2 * s, n=60), _normal(2 * s + 1, n=60))[0]
        for s in range(40)
    ]
    assert min(values) < 0 < max(values)
    assert abs(np.mean(values)) < 3 * np.std(values) / np.sqrt(len(values))


def test_kernel_distance_grows_with_the_shift():
    a = _normal(0)
    kids = [kernel_distance(a, _normal(1, shift=s))[0] for s in (0.0, 0.3, 1.0)]
    assert abs(kids[0]) < 0.1 * kids[1]
    assert kids[0] < kids[1] < kids[2]


def test_kernel_distance_matches_a_direct_computation():
    X, Y = _normal(0, n=5, d=3), _normal(1, n=7, d=3)

    def k(a, b):
        return (a @ b / 3 + 1) ** 3

    xx = np.mean([k(X[i], X[j]) for i in range(5) for j in range(5) if i != j])
    yy = np.mean([k(Y[i], Y[j]) for i in range(7) for j in range(7) if i != j])
    xy = np.mean([k(x, y) for x in X for y in Y])
    mean, std = kernel_distance(X, Y)
    assert mean == pytest.approx(xx + yy - 2 * xy)
    assert std == 0.0  # one subset holds every sample


def test_kernel_distance_subsets_are_seeded():
    a, b = _normal(0), _normal(1, shift=0.2)
    first = kernel_distance(a, b, n_subsets=5, subset_size=50, random_state=3)
    again = kernel_distance(a, b, n_subsets=5, subset_size=50, random_state=3)
    assert first == again
    assert first[1] > 0


# ---------------------------------------------------------------- Frechet


def test_frechet_distance_of_equal_gaussians_is_small():
    a, b = _normal(0, n=4000, d=4), _normal(1, n=4000, d=4)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-8)
    assert 0 <= frechet_distance(a, b) < 0.02


def test_frechet_distance_matches_the_closed_form():
    rng = np.random.default_rng(0)
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 0.5])
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    S1, S2 = A @ A.T + np.eye(3), B @ B.T + 0.5 * np.eye(3)
    X = rng.multivariate_normal(mu1, S1, size=200)
    Y = rng.multivariate_normal(mu2, S2, size=300)
    # The closed form on the samples' own moments.
    m1, m2 = X.mean(0), Y.mean(0)
    C1, C2 = np.cov(X, rowvar=False), np.cov(Y, rowvar=False)
    expected = np.sum((m1 - m2) ** 2) + np.trace(
        C1 + C2 - 2 * linalg.sqrtm(C1 @ C2).real
    )
    assert frechet_distance(X, Y) == pytest.approx(expected, rel=1e-9)
    # Diagonal covariances: sum((mu1-mu2)^2) + sum((sqrt(s1)-sqrt(s2))^2).
    Z = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])  # var 2/3, 8/3
    fd = frechet_distance(Z, 3 * Z + [1.0, 0.0])
    s1, s2 = np.array([2 / 3, 8 / 3]), 9 * np.array([2 / 3, 8 / 3])
    assert fd == pytest.approx(1.0 + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2))


def test_frechet_distance_with_singular_covariances_is_finite():
    # Fewer samples than features: singular covariances, eps on the diagonal.
    a, b = _normal(0, n=5, d=20), _normal(1, n=5, d=20)
    fd = frechet_distance(a, b)
    assert np.isfinite(fd) and fd > 0
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-3)


# ---------------------------------------------------------------- recall, pairs


def test_embedding_recall_on_constructed_points():
    fake = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [10.0, 10.0]])
    # k=1 radii: 1, 1, 1 and sqrt(181) for the far point, whose ball covers
    # everything within 13.45 of (10, 10).
    real = np.array([[0.5, 0.0], [0.0, -0.9], [30.0, 30.0], [15.0, 15.0]])
    assert embedding_recall(real, fake, k=1) == pytest.approx(0.75)
    # Without the outlier every ball has radius 1: (15, 15) is no longer covered.
    assert embedding_recall(real, fake[:3], k=1) == pytest.approx(0.5)
    # k=2: the radii grow.
    assert embedding_recall(real[:2], fake[:3], k=2) == 1.0


def test_embedding_recall_sees_mode_collapse():
    real = _normal(0, n=200, d=4)
    assert embedding_recall(real, _normal(1, n=200, d=4), k=5) > 0.8
    collapsed = np.repeat(_normal(2, n=4, d=4), 50, axis=0)
    # Duplicates are at distance 0: the balls shrink to the few points.
    assert embedding_recall(real, collapsed, k=5) == 0.0


def test_pair_collision_rate_on_constructed_points():
    emb = np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.59], [0.0, 5.0], [0.6, 5.0]])
    # Pairs under 0.6: (0, 1), (0, 2); (3, 4) is at exactly 0.6 (strict).
    assert pair_collision_rate(emb) == pytest.approx(2 / 10)
    assert pair_collision_rate(emb, threshold=0.61) == pytest.approx(3 / 10)
    # Chunks of 512 rows: pairs across chunks are counted once.
    big = np.repeat(np.arange(600.0)[:, None] * 10, 2, axis=0)  # 600 twin pairs
    n = len(big)
    assert pair_collision_rate(big) == pytest.approx(600 / (n * (n - 1) / 2))


# ---------------------------------------------------------------- sharpness


def test_laplacian_sharpness_is_lower_after_blur():
    rng = np.random.default_rng(0)
    images = rng.random((3, 32, 32, 3)).astype(np.float32)
    blurred = gaussian_filter(images, (0, 2, 2, 0))
    sharp, soft = laplacian_sharpness(images), laplacian_sharpness(blurred)
    assert sharp.shape == (3,)
    assert (soft < 0.1 * sharp).all()
    # uint8 and float in [0, 1] are the same scale.
    as_uint8 = (images * 255).round().astype(np.uint8)
    np.testing.assert_allclose(laplacian_sharpness(as_uint8), sharp, rtol=0.05)
    assert laplacian_sharpness(np.full((1, 8, 8), 0.5))[0] == 0
    assert sharpness_ratio(images, blurred) < 0.1
    assert sharpness_ratio(images, images) == 1.0


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize("func", [kernel_distance, frechet_distance, embedding_recall])
def test_pair_metrics_validate_their_inputs(func):
    good = _normal(0, n=30, d=4)
    with pytest.raises(
        ValueError, match="emb_real must be a 2-D array.*shape \\(30,\\)"
    ):
        func(good[:, 0], good)
    with pytest.raises(ValueError, match="emb_real has 4 features but emb_fake has 3"):
        func(good, good[:, :3])
    with pytest.raises(ValueError, match="emb_fake has 1 samples"):
        func(good, good[:1])
    bad = good.copy()
    bad[7, 2] = np.nan
    with pytest.raises(ValueError, match=r"emb_fake\[7\] contains NaN"):
        func(good, bad)
    with pytest.raises(ValueError, match="emb_real must be a numeric array"):
        func([["a", "b"]], good)


def test_parameters_are_validated():
    a = _normal(0, n=30, d=4)
    with pytest.raises(ValueError, match="n_subsets must be an int >= 1, got 0"):
        kernel_distance(a, a, n_subsets=0)
    with pytest.raises(ValueError, match="subset_size must be an int >= 2, got 1"):
        kernel_distance(a, a, subset_size=1)
    with pytest.raises(ValueError, match="gamma must be a finite number > 0"):
        kernel_distance(a, a, gamma=-1.0)
    with pytest.raises(ValueError, match="k=30 needs more than k"):
        embedding_recall(a, a, k=30)
    with pytest.raises(ValueError, match="k must be an int >= 1, got 0"):
        embedding_recall(a, a, k=0)
    with pytest.raises(ValueError, match="threshold must be a finite number > 0"):
        pair_collision_rate(a, threshold=0)
    with pytest.raises(ValueError, match="emb has 1 samples"):
        pair_collision_rate(a[:1])
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        laplacian_sharpness([np.zeros((8, 8)), np.full((8, 8), np.nan)])
