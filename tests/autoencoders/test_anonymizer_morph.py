"""FaceAnonymizer(method='morph'): a donor's face warped onto each face.

No training and no torch: the donors are scikit-image's astronaut and the
project's synthetic faces (no data download)."""

import pickle

import numpy as np
import pytest

from skface.autoencoders import FaceAnonymizer, identity_distance, landmark_shift
from skface.autoencoders._donor_morph import choose_donors, face_boxes_from_landmarks
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
        ({"max_tries": 0}, "max_tries"),
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
    assert kept.donor_index_.tolist() == [1, 2]  # photos of X, the blank skipped
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


def test_the_median_choice_changes_by_regions_not_pixels():
    from skface.autoencoders._donor_morph import _combine

    # three donors of one brightness but other hues, each with its own
    # pixel noise: a per-pixel median choice flips hue from pixel to pixel
    rng = np.random.RandomState(0)
    hues = np.array([[0.6, 0.4, 0.4], [0.4, 0.6, 0.4], [0.4, 0.4, 0.6]])
    warped = hues[:, None, None, :] + rng.normal(0, 0.05, (3, 128, 128, 1))
    middle = np.argsort(warped.mean(-1), axis=0)[1]
    speckled = np.take_along_axis(warped, middle[None, ..., None], 0)[0]

    def hue_roughness(x):
        return np.abs(np.diff(x[..., 0] - x[..., 1], axis=1)).mean()

    out = _combine(warped)
    assert hue_roughness(out) < 0.2 * hue_roughness(speckled)
    # mostly one donor's hue, not the average of the three (grey)
    assert (np.abs(out - out.mean(-1, keepdims=True)).max(-1) > 0.06).mean() > 0.6


# ---------------------------------------------------------------- max_tries
@pytest.fixture(scope="module")
def pool_with_astronaut(astronaut, donors):
    """Donor photos with the astronaut among them (first)."""
    return [astronaut, *donors]


def test_one_try_is_unchecked(fitted, astronaut):
    result = fitted.anonymize([astronaut])
    assert result.tries.tolist() == [1] and result.passed is None


def test_a_face_that_is_still_recognised_gets_its_next_donor(
    pool_with_astronaut, astronaut
):
    # with donor_distance=0 the astronaut's nearest donor in shape is her own
    # photo: one try gives her face back; more tries move on to another donor
    once = FaceAnonymizer(method="morph", donor_distance=0.0, faces="largest")
    once.fit(pool_with_astronaut)
    first = once.anonymize([astronaut])
    assert first.neighbors.tolist() == [[0]]
    assert identity_distance([astronaut], [first.images[0]]) < 0.6

    checked = once.set_params(max_tries=5).anonymize([astronaut])
    assert checked.passed.tolist() == [True]
    assert checked.tries[0] >= 2 and checked.neighbors[0, 0] != 0
    out = checked.images[0]
    before = identity_distance([astronaut], [first.images[0]])
    assert identity_distance([astronaut], [out]) > before + 0.3
    assert landmark_shift([astronaut], [out]) < 0.05
    assert (out[400:] == astronaut[400:]).all()


def test_only_the_failing_face_of_a_photo_is_redone(
    pool_with_astronaut, astronaut, monkeypatch
):
    # a photo with two faces, the astronaut's (left) and a synthetic one;
    # the check fails her first try only
    other = make_synthetic_faces(1, size=256, n_identities=1, random_state=7)
    photo = np.concatenate([astronaut[:256, 96:352], other.images[0]], axis=1)
    anon = FaceAnonymizer(method="morph", donor_distance=0.0)
    anon.fit(pool_with_astronaut)
    once = anon.anonymize([photo])
    assert once.n_faces.tolist() == [2]
    her, synthetic = np.argsort(face_boxes_from_landmarks(once.records)[:, 0])
    her_scores = iter([-0.5, 0.5])

    def fake_check(self, out, records, owner, embeddings, which):
        faces = np.flatnonzero(which)
        return np.where(faces == her, next(her_scores), 1.0)

    monkeypatch.setattr(FaceAnonymizer, "_morph_check", fake_check)
    checked = anon.set_params(max_tries=5).anonymize([photo])
    assert checked.tries[her] == 2 and checked.tries[synthetic] == 1
    assert checked.passed.tolist() == [True, True]
    assert checked.neighbors[her, 0] != once.neighbors[her, 0]
    assert checked.neighbors[synthetic, 0] == once.neighbors[synthetic, 0]
    # the synthetic face (right half) is pasted as before, hers anew
    right = slice(300, None)
    np.testing.assert_array_equal(once.images[0][:, right], checked.images[0][:, right])
    assert not np.array_equal(once.images[0][:, :256], checked.images[0][:, :256])


def test_when_no_try_passes_the_best_one_is_kept(fitted, astronaut, monkeypatch):
    scores = iter([-0.5, -0.9, -0.7])  # try 1 does best, none passes

    def fake_check(self, out, records, owner, embeddings, which):
        return np.full(int(np.sum(which)), next(scores))

    once = fitted.anonymize([astronaut])
    monkeypatch.setattr(FaceAnonymizer, "_morph_check", fake_check)
    with pytest.warns(UserWarning, match="1 of 1 faces passed no check in 3 tries"):
        checked = clone_with(fitted, max_tries=3).anonymize([astronaut])
    assert checked.tries.tolist() == [1] and checked.passed.tolist() == [False]
    np.testing.assert_array_equal(checked.neighbors, once.neighbors)
    np.testing.assert_array_equal(checked.images, once.images)


def clone_with(fitted, **params):
    """The fitted anonymiser with other transform-time parameters."""
    again = pickle.loads(pickle.dumps(fitted))
    return again.set_params(**params)


def test_a_face_dlib_cannot_embed_passes_on_detection(
    pool_with_astronaut, astronaut, monkeypatch
):
    # the original has no embedding (dlib cannot match it): the first try,
    # her own face as donor, passes the check as long as it is still found
    import skface.autoencoders._donor_methods as methods

    real = methods.record_embeddings
    calls = []

    def first_unknown(encoder, images, owner, records):
        calls.append(1)
        emb = real(encoder, images, owner, records)
        return np.full_like(emb, np.nan) if len(calls) == 1 else emb

    anon = FaceAnonymizer(method="morph", donor_distance=0.0, faces="largest")
    anon.fit(pool_with_astronaut).set_params(max_tries=3)
    monkeypatch.setattr(methods, "record_embeddings", first_unknown)
    result = anon.anonymize([astronaut])
    assert result.neighbors.tolist() == [[0]]  # her own photo
    assert result.tries.tolist() == [1] and result.passed.tolist() == [True]
