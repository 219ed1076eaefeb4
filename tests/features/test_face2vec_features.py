"""Tests for Face2VecFeatures (landmark geometry features)."""

import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import check_estimator

from skface.features import Face2VecFeatures


def _synthetic(n, n_identities, random_state):
    try:
        from skface.datasets import make_synthetic_faces
    except ImportError:  # not exported yet
        from skface.datasets._synthetic import make_synthetic_faces
    return make_synthetic_faces(
        n, size=16, n_identities=n_identities, random_state=random_state
    )


@pytest.fixture(scope="module")
def faces():
    return _synthetic(48, 4, 0)


def _similarity(L, angle, scale, shift):
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    return scale * L @ R.T + np.asarray(shift)


# --------------------------------------------------------------------------
# 'seed' normalisation


def test_seed_formula_on_a_hand_made_shape():
    # Three points, reference point 0 (the "nose"):
    # offsets (0, 0), (2, 1), (1, -4); distances 0, sqrt(5), sqrt(17).
    # Per image max abs: dx 2, dy 4, d sqrt(17).
    shape = np.array([[[5.0, 5.0], [7.0, 6.0], [6.0, 1.0]]])
    f2v = Face2VecFeatures(reference_point=0).fit(shape)
    expected = np.array(
        [
            [0.0, 0.0, 0.0],
            [1.0, 0.25, np.sqrt(5) / np.sqrt(17)],
            [0.5, -1.0, 1.0],
        ]
    ).ravel()
    np.testing.assert_allclose(f2v.transform(shape)[0], expected)
    # The flat layout x0, y0, x1, ... gives the same.
    np.testing.assert_allclose(f2v.transform(shape.reshape(1, -1))[0], expected)


def test_seed_matches_maxabsscaler_per_image(faces):
    # The seed scales each image's (68, 2) offsets with MaxAbsScaler.
    L = faces.landmarks[:5]
    F = Face2VecFeatures().fit_transform(L).reshape(5, 68, 3)
    for i in range(5):
        offsets = L[i] - L[i, 30]
        np.testing.assert_allclose(F[i, :, :2], MaxAbsScaler().fit_transform(offsets))
        dist = np.hypot(*offsets.T)
        np.testing.assert_allclose(F[i, :, 2], dist / dist.max())
    assert np.all(F[:, 30] == 0)  # the nose tip is the origin
    assert np.abs(F).max() == pytest.approx(1.0)


def test_seed_is_scale_and_translation_invariant(faces):
    L = faces.landmarks[:4]
    f2v = Face2VecFeatures().fit(L)
    moved = 2.5 * L + np.array([40.0, -7.0])
    np.testing.assert_allclose(f2v.transform(moved), f2v.transform(L), atol=1e-12)


def test_shapes_and_feature_names(faces):
    L = faces.landmarks
    f2v = Face2VecFeatures().fit(L.reshape(len(L), -1))
    assert f2v.n_features_in_ == 136 and f2v.n_points_ == 68
    assert f2v.reference_point_ == 30 and f2v.eye_points_ == (36, 45)
    F = f2v.transform(L)
    assert F.shape == (len(L), 204)
    names = f2v.get_feature_names_out()
    assert len(names) == 204
    assert names[:4].tolist() == ["dx0", "dy0", "d0", "dx1"]
    assert names[-1] == "d67"


def test_pandas_output_and_input_feature_names(faces):
    pd = pytest.importorskip("pandas")
    L = faces.landmarks[:6].reshape(6, -1)
    cols = [f"{a}{i}" for i in range(68) for a in ("x", "y")]
    df = pd.DataFrame(L, columns=cols)
    f2v = Face2VecFeatures().set_output(transform="pandas").fit(df)
    out = f2v.transform(df)
    assert list(out.columns[:3]) == ["dx0", "dy0", "d0"]
    np.testing.assert_allclose(out.to_numpy(), Face2VecFeatures().fit_transform(L))


# --------------------------------------------------------------------------
# NaN rows (faces not found)


@pytest.mark.parametrize("normalize", ["seed", "procrustes"])
def test_all_nan_rows_pass_through(faces, normalize):
    L = faces.landmarks[:6].reshape(6, -1).copy()
    L[2] = np.nan
    f2v = Face2VecFeatures(normalize).fit(L)
    F = f2v.transform(L)
    assert F.shape == (6, 204)
    assert np.isnan(F[2]).all()
    assert np.isfinite(np.delete(F, 2, axis=0)).all()
    # The other rows do not depend on the NaN row.
    ref = Face2VecFeatures(normalize).fit(np.delete(L, 2, axis=0))
    np.testing.assert_allclose(
        np.delete(F, 2, axis=0), ref.transform(np.delete(L, 2, axis=0))
    )


def test_partial_nan_and_inf_raise(faces):
    L = faces.landmarks[:3].reshape(3, -1).copy()
    f2v = Face2VecFeatures().fit(L)
    bad = L.copy()
    bad[1, 5] = np.nan
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        f2v.transform(bad)
    bad[1, 5] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        f2v.transform(bad)


def test_procrustes_needs_one_face():
    with pytest.raises(ValueError, match="every row of X is NaN"):
        Face2VecFeatures("procrustes").fit(np.full((3, 136), np.nan))


# --------------------------------------------------------------------------
# 'procrustes' normalisation


def test_procrustes_invariant_to_similarity_transforms(faces):
    L = faces.landmarks
    f2v = Face2VecFeatures("procrustes").fit(L)
    F = f2v.transform(L[:8])
    rng = np.random.RandomState(0)
    moved = np.stack(
        [
            _similarity(
                L[i],
                rng.uniform(-np.pi, np.pi),
                rng.uniform(0.2, 5),
                rng.uniform(-99, 99, 2),
            )
            for i in range(8)
        ]
    )
    np.testing.assert_allclose(f2v.transform(moved), F, atol=1e-9)
    # ... which the seed's max-abs scaling is not (rotation changes it).
    seed = Face2VecFeatures().fit(L)
    assert np.abs(seed.transform(moved) - seed.transform(L[:8])).max() > 0.1


def test_procrustes_mean_shape_is_normalised(faces):
    L = faces.landmarks
    f2v = Face2VecFeatures("procrustes").fit(L)
    M = f2v.mean_shape_
    assert M.shape == (68, 2)
    np.testing.assert_allclose(M.mean(axis=0), 0, atol=1e-12)
    left, right = M[36], M[45]
    assert np.linalg.norm(right - left) == pytest.approx(1.0)  # unit inter-ocular
    assert right[0] > left[0] and right[1] == pytest.approx(left[1])  # horizontal
    assert M[8, 1] > M[30, 1] > M[36, 1]  # chin below nose below eyes (y down)
    assert 1 <= f2v.n_iter_ <= f2v.max_iter
    # Features are in inter-ocular units: the eye corners' x offsets differ by ~1.
    F = f2v.transform(L).reshape(len(L), 68, 3)
    assert np.median(F[:, 45, 0] - F[:, 36, 0]) == pytest.approx(1.0, abs=0.1)
    # The mean shape does not depend on where, how large and how rotated the
    # training faces are.
    moved = np.stack([_similarity(s, 0.3 * k, 1 + k, (k, -k)) for k, s in enumerate(L)])
    M2 = Face2VecFeatures("procrustes").fit(moved).mean_shape_
    np.testing.assert_allclose(M2, M, atol=1e-6)


def test_five_point_shapes():
    # dlib's 5-point order: image-right eye (outer, inner), image-left eye
    # (outer, inner), base of the nose.
    shape = np.array([[255, 104], [238, 105], [195, 101], [212, 103], [224, 135.0]])
    rng = np.random.RandomState(1)
    L = np.stack([shape + rng.normal(0, 2, shape.shape) for _ in range(10)])
    f2v = Face2VecFeatures("procrustes").fit(L)
    assert f2v.reference_point_ == 4 and f2v.eye_points_ == (2, 0)
    F = f2v.transform(L)
    assert F.shape == (10, 15)
    moved = np.stack([_similarity(s, 1.0, 3.0, (5, 5)) for s in L])
    np.testing.assert_allclose(f2v.transform(moved), F, atol=1e-9)
    np.testing.assert_allclose(F.reshape(10, 5, 3)[:, 4], 0, atol=1e-12)
    M = f2v.mean_shape_
    assert np.linalg.norm(M[0] - M[2]) == pytest.approx(1.0)


def test_other_point_counts_use_the_centroid():
    L = np.random.RandomState(0).uniform(size=(7, 3, 2))
    f2v = Face2VecFeatures().fit(L)
    assert f2v.reference_point_ is None and f2v.eye_points_ is None
    offsets = L - L.mean(axis=1, keepdims=True)
    F = f2v.transform(L).reshape(7, 3, 3)
    np.testing.assert_allclose(
        F[..., :2], offsets / np.abs(offsets).max(axis=1, keepdims=True)
    )


def test_three_d_landmarks_are_rotation_invariant():
    from scipy.spatial.transform import Rotation

    rng = np.random.RandomState(0)
    base = rng.normal(size=(12, 3))
    L = np.stack([base + rng.normal(0, 0.05, base.shape) for _ in range(9)])
    f2v = Face2VecFeatures("procrustes", n_dims=3, reference_point=0).fit(L)
    assert f2v.get_feature_names_out()[:5].tolist() == [
        "dx0",
        "dy0",
        "dz0",
        "d0",
        "dx1",
    ]
    R = Rotation.random(9, random_state=1).as_matrix()
    moved = np.einsum("npi,nji->npj", L, R) * 4.0 + 3.0
    F = f2v.transform(L)
    assert F.shape == (9, 48)
    np.testing.assert_allclose(f2v.transform(moved), F, atol=1e-9)
    np.testing.assert_allclose(f2v.transform(moved.reshape(9, -1)), F, atol=1e-9)


# --------------------------------------------------------------------------
# Validation


def test_bad_shapes_and_parameters():
    L = np.zeros((2, 136))
    with pytest.raises(ValueError, match="n_features = 5, not a multiple of n_dims=2"):
        Face2VecFeatures().fit(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"reference_point=70 .* n_points=68"):
        Face2VecFeatures(reference_point=70).fit(L)
    with pytest.raises(ValueError, match=r"eye_points=\(1, 99\)"):
        Face2VecFeatures("procrustes", eye_points=(1, 99)).fit(L)
    with pytest.raises(ValueError, match="n_dims=3"):
        Face2VecFeatures(n_dims=3).fit(np.zeros((2, 68, 2)))
    with pytest.raises(ValueError, match="normalize"):
        Face2VecFeatures(normalize="minmax").fit(L)
    f2v = Face2VecFeatures().fit(L)
    with pytest.raises(ValueError, match="136 features"):
        f2v.transform(np.zeros((2, 10)))


def test_degenerate_shapes_give_zeros():
    L = np.ones((3, 68, 2))  # every point at the same place
    for normalize in ("seed", "procrustes"):
        F = Face2VecFeatures(normalize).fit_transform(L)
        assert np.all(F == 0)


def test_pickle_round_trip(faces):
    f2v = Face2VecFeatures("procrustes").fit(faces.landmarks)
    again = pickle.loads(pickle.dumps(f2v))
    np.testing.assert_array_equal(
        again.transform(faces.landmarks), f2v.transform(faces.landmarks)
    )


# --------------------------------------------------------------------------
# sklearn's common checks for the 'seed' setting (test_common runs
# 'procrustes'); n_dims=1 lets the checks' odd-width 2-D data through.


def test_sklearn_checks_seed():
    check_estimator(
        Face2VecFeatures("seed", n_dims=1),
        expected_failed_checks={
            "check_transformer_n_iter": (
                "'seed' runs no iterative solver (n_iter_ = 0); max_iter is "
                "for 'procrustes'"
            )
        },
    )


# --------------------------------------------------------------------------
# Pipelines


def test_pipeline_identifies_synthetic_people(faces):
    X = faces.landmarks.reshape(len(faces.landmarks), -1)
    y = faces.target
    scores = {}
    for normalize in ("seed", "procrustes"):
        pipe = make_pipeline(Face2VecFeatures(normalize), StandardScaler(), SVC())
        scores[normalize] = cross_val_score(pipe, X, y, cv=3).mean()
    raw = cross_val_score(make_pipeline(StandardScaler(), SVC()), X, y, cv=3).mean()
    assert scores["procrustes"] >= 0.9, scores
    assert scores["seed"] >= 0.6, scores
    assert raw < 0.6 < min(scores.values())  # raw pixel positions do not work
    # The bare pipeline from the issue fits and predicts.
    pipe = make_pipeline(Face2VecFeatures(), SVC()).fit(X[:36], y[:36])
    assert pipe.predict(X[36:]).shape == (12,)


def test_grid_search_over_normalisation(faces):
    X = faces.landmarks.reshape(len(faces.landmarks), -1)
    pipe = make_pipeline(Face2VecFeatures(), StandardScaler(), SVC())
    grid = GridSearchCV(
        pipe, {"face2vecfeatures__normalize": ["seed", "procrustes"]}, cv=3
    )
    grid.fit(X, faces.target)
    assert grid.best_params_["face2vecfeatures__normalize"] == "procrustes"
