"""FaceAnonymizer(method='morph'): a donor's face warped onto each face.

No training and no torch: the donors are scikit-image's astronaut and the
project's synthetic faces (no data download)."""

import pickle

import numpy as np
import pytest

from skface.autoencoders import FaceAnonymizer, identity_distance, landmark_shift
from skface.autoencoders._donor_morph import choose_donors
from skface.datasets import load_sample_images, make_synthetic_faces


@pytest.fixture(scope="module")
def astronaut():
    return load_sample_images().images[0]


@pytest.fixture(scope="module")
def donors():
    """Eight synthetic faces of four made-up people."""
    return list(
        make_synthetic_faces(8, size=160, n_identities=4, random_state=0).images
    )


@pytest.fixture(scope="module")
def fitted(donors):
    # synthetic donors are at most ~0.8 from the astronaut in dlib's space
    return FaceAnonymizer(method="morph", faces="largest", donor_distance=0.7).fit(
        donors
    )


def test_fit_builds_a_donor_pool_without_training(fitted, donors):
    assert fitted.n_faces_fit_ == len(donors)
    assert fitted.donor_chips_.shape == (len(donors), 128, 128, 3)
    assert fitted.donor_landmarks_.shape == (len(donors), 68, 2)
    assert np.isfinite(fitted.donor_embeddings_).all()
    assert fitted.decoder_ is None and fitted.swapper_ is None
    assert "torch" not in type(fitted.encoder_).__module__


def test_identity_changes_while_the_face_and_its_landmarks_stay(fitted, astronaut):
    result = fitted.anonymize([astronaut])
    out = result.images[0]
    assert result.n_faces.tolist() == [1]
    assert result.neighbors.shape == (1, 1)
    assert result.donor_distances[0, 0] >= fitted.donor_distance
    # a recogniser no longer matches the astronaut (dlib threshold 0.6) ...
    assert identity_distance([astronaut], [out]) > 0.6
    # ... while her landmarks (pose, expression, outline) stay put
    assert landmark_shift([astronaut], [out]) < 0.05
    # pixels away from the face are untouched
    assert (out[400:] == astronaut[400:]).all()
    assert not result.masks[0][400:].any()
    changed = np.abs(out.astype(int) - astronaut.astype(int)).max(-1) > 8
    assert changed[result.masks[0]].mean() > 0.5


def test_a_face_is_never_its_own_donor(donors):
    anon = FaceAnonymizer(method="morph", donor_distance=0.3).fit(donors)
    result = anon.anonymize(donors)
    donor_of = result.neighbors[:, 0]
    assert (donor_of != np.arange(len(donors))).all()
    assert (result.donor_distances >= 0.3).all()


def test_several_donors_are_averaged(donors, astronaut):
    anon = FaceAnonymizer(method="morph", n_donors=3, faces="largest").fit(donors)
    result = anon.anonymize([astronaut])
    assert result.neighbors.shape == (1, 3)
    assert len(set(result.neighbors[0])) == 3


def test_pickle_round_trip_gives_the_same_output(fitted, astronaut):
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        again.transform([astronaut]), fitted.transform([astronaut])
    )


def test_more_donors_than_faces_is_refused(donors):
    with pytest.raises(ValueError, match="fewer than n_donors=20"):
        FaceAnonymizer(method="morph", n_donors=20).fit(donors)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_donors": 0}, "n_donors"),
        ({"donor_distance": -0.1}, "donor_distance"),
    ],
)
def test_parameter_validation(donors, params, match):
    with pytest.raises(ValueError, match=match):
        FaceAnonymizer(method="morph", **params).fit(donors[:2])


def test_photo_without_face_follows_on_missing(fitted):
    blank = np.full((90, 90, 3), 128, np.uint8)
    with pytest.raises(ValueError, match="no face found in X\\[0\\]"):
        fitted.transform([blank])
    # a donor photo without a face is skipped (whatever on_missing says)
    with pytest.warns(UserWarning, match="no face found in 1 of the 3 donor"):
        kept = FaceAnonymizer(method="morph").fit([blank, *fitted_donors()])
    assert kept.n_faces_fit_ == 2
    kept.set_params(on_missing="keep")
    assert (kept.transform([blank])[0] == blank).all()


def fitted_donors():
    return list(
        make_synthetic_faces(2, size=160, n_identities=2, random_state=1).images
    )


class TestChooseDonors:
    # four donors: identity embeddings on a line, shapes on another
    pool_e = np.array([[0.0], [0.5], [1.0], [2.0]])
    pool_s = np.array([[[0.0, 0.0]], [[1.0, 0.0]], [[0.2, 0.0]], [[3.0, 0.0]]])

    def test_nearest_shape_among_those_far_enough(self):
        idx, dist = choose_donors(
            np.array([[0.0]]),
            np.array([[[0.0, 0.0]]]),
            self.pool_e,
            self.pool_s,
            min_distance=0.9,
            n_donors=2,
        )
        # eligible: donors 2 (shape 0.2) and 3 (shape 3.0), nearest first
        assert idx.tolist() == [[2, 3]]
        np.testing.assert_allclose(dist, [[1.0, 2.0]])

    def test_too_few_far_enough_takes_the_farthest(self):
        idx, _ = choose_donors(
            np.array([[0.0]]),
            np.array([[[0.0, 0.0]]]),
            self.pool_e,
            self.pool_s,
            min_distance=1.5,
            n_donors=2,
        )
        assert idx.tolist() == [[3, 2]]

    def test_a_face_without_embedding_takes_the_nearest_shape(self):
        idx, dist = choose_donors(
            np.array([[np.nan]]),
            np.array([[[0.9, 0.0]]]),
            self.pool_e,
            self.pool_s,
            min_distance=0.9,
            n_donors=1,
        )
        assert idx.tolist() == [[1]] and np.isnan(dist).all()


def test_three_donors_take_the_median_so_an_occluder_is_left_out():
    # each pixel whole from the donor of median brightness: no channel mixing
    from skface.autoencoders._donor_morph import morph_chips

    S = 32
    pts = np.array([[8.0, 8.0], [24.0, 8.0], [16.0, 24.0]])
    pool = np.full((3, S, S, 3), 100, np.uint8)
    pool[1, 10:20, 10:20] = 255  # something white before donor 1's face
    face = np.zeros((1, S, S, 3), np.uint8)
    out = morph_chips(face, pts[None], pool, np.stack([pts] * 3), np.array([[0, 1, 2]]))
    assert (out == 100).all()
    two = morph_chips(face, pts[None], pool, np.stack([pts] * 3), np.array([[0, 1]]))
    assert two[0, 15, 15, 0] == round((100 + 255) / 2)


def test_the_median_donor_gives_whole_pixels():
    from skface.autoencoders._donor_morph import _combine

    warped = np.array(
        [
            [[[0.9, 0.0, 0.0]]],  # bright red: brightness 0.30
            [[[0.0, 0.0, 0.3]]],  # dark blue: 0.10
            [[[0.0, 0.6, 0.0]]],  # green: 0.20, the median
        ]
    )
    np.testing.assert_array_equal(_combine(warped), [[[0.0, 0.6, 0.0]]])
