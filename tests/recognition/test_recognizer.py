"""FaceRecognizer: known people, strangers 'unknown', every face of a photo."""

import pickle

import numpy as np
import pytest
from conftest import KNOWN_LFW, lfw_face, tile_of
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from skface.features import DlibFaceEncoder
from skface.metrics import face_distance
from skface.recognition import FaceRecognizer


def test_known_people_found_strangers_unknown(recognizer, astronaut, strangers):
    photos = [
        astronaut[:, ::-1],  # mirrored
        astronaut[:300, 50:450],  # cropped (without the badge HOG takes for a face)
        lfw_face(KNOWN_LFW[0])[:, ::-1],
        lfw_face(KNOWN_LFW[1], side=130),
    ]
    expected = ["eileen", "eileen", f"lfw{KNOWN_LFW[0]}", f"lfw{KNOWN_LFW[1]}"]
    assert recognizer.predict(photos).tolist() == expected
    # Strangers, each at least 0.6 from every known face: all 'unknown'.
    assert recognizer.predict(strangers).tolist() == ["unknown"] * len(strangers)
    assert recognizer.score(photos + strangers, expected + ["unknown"] * 6) == 1.0
    assert recognizer.classes_.tolist() == sorted(["eileen", "lfw12", "lfw18"])


def test_without_tolerance_everyone_gets_a_known_name(known_photos, strangers):
    photos, names = known_photos
    rec = FaceRecognizer(tolerance=None).fit(photos, names)
    pred = rec.predict(strangers)
    assert set(pred) <= set(names)
    # ... the one of the nearest known face
    E = DlibFaceEncoder().fit(strangers).transform(strangers)
    nearest = [names[int(np.argmin(face_distance(rec.embeddings_, e)))] for e in E]
    assert pred.tolist() == nearest


def test_tolerance_is_a_distance_threshold(recognizer):
    """Labels follow ``distance <= tolerance`` exactly (compare_faces)."""
    rng = np.random.default_rng(0)
    E = recognizer.embeddings_
    # Queries at known distances from the first known face.
    direction = rng.normal(size=E.shape[1])
    direction /= np.linalg.norm(direction)
    others = np.delete(E, 0, axis=0)
    for d in (0.0, 0.3, 0.59, 0.6, 0.61, 1.0):
        q = E[0] + d * direction
        dist = face_distance(E, q)
        rec = FaceRecognizer(tolerance=0.6).fit(E, recognizer.labels_)
        label = rec.predict(q[None])[0]
        if dist.min() <= 0.6:
            assert label == recognizer.labels_[int(np.argmin(dist))]
        else:
            assert label == "unknown"
        np.testing.assert_allclose(rec.kneighbors(q[None])[0][0, 0], dist.min())
    assert np.all(face_distance(others, E[0]) > 0.6)  # the data behind the test


def test_identity_distances_decision_function_and_kneighbors(recognizer, astronaut):
    X = [astronaut[:, ::-1]]
    D = recognizer.identity_distances(X)
    assert D.shape == (1, 3)
    j = recognizer.classes_.tolist().index("eileen")
    # compare_faces per identity: only the astronaut matches
    assert (D[0] <= 0.6).tolist() == [k == j for k in range(3)]
    np.testing.assert_array_equal(recognizer.decision_function(X), -D)
    dist, ind = recognizer.kneighbors(X, n_neighbors=3)
    assert np.all(np.diff(dist[0]) >= 0)
    assert recognizer.labels_[ind[0, 0]] == "eileen"
    np.testing.assert_allclose(D[0, j], dist[0, 0])
    only = recognizer.kneighbors(X, return_distance=False)
    np.testing.assert_array_equal(only, ind[:, :1])
    with pytest.raises(ValueError, match="n_neighbors"):
        recognizer.kneighbors(X, n_neighbors=4)


def test_binary_decision_function_follows_sklearn():
    E = np.array([[0.0, 0.0], [1.0, 0.0]])
    rec = FaceRecognizer(tolerance=None).fit(E, ["a", "b"])
    q = np.array([[0.2, 0.0], [0.9, 0.0]])
    scores = rec.decision_function(q)
    assert scores.shape == (2,)
    assert rec.classes_[(scores > 0).astype(int)].tolist() == rec.predict(q).tolist()
    np.testing.assert_allclose(scores, [0.2 - 0.8, 0.9 - 0.1])


def test_sklearn_checks_pass_without_tolerance():
    """The plain nearest-identity classifier is a regular sklearn classifier."""
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(FaceRecognizer(tolerance=None), on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []


def test_per_identity_minimum_with_several_photos():
    # Two photos of "a", one of "b": the score of "a" is its closer photo.
    E = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 3.0]])
    rec = FaceRecognizer(tolerance=0.6).fit(E, ["a", "a", "b"])
    q = np.array([[1.9, 0.0], [1.0, 2.5], [5.0, 5.0]])
    expected = [
        [face_distance(E[:2], v).min(), face_distance(E[2:], v).min()] for v in q
    ]
    np.testing.assert_allclose(rec.identity_distances(q), expected)
    assert expected[0][0] == pytest.approx(0.1)  # the closer of a's two photos
    assert rec.predict(q).tolist() == ["a", "b", "unknown"]


def test_predict_faces_labels_every_face(recognizer, group_photo, astronaut):
    photo, labels = group_photo
    rows = recognizer.predict_faces([photo, astronaut, np.zeros((80, 80, 3), np.uint8)])
    on_group = rows.image_index == 0
    assert on_group.sum() == 4  # one row per face, not one per photo
    got = dict(zip(tile_of(rows.boxes[on_group]), rows.labels[on_group]))
    assert got == dict(enumerate(labels))
    # distances: the nearest known face; unknown exactly when above 0.6
    unknown = rows.labels == "unknown"
    assert np.all(rows.distances[unknown] > 0.6)
    assert np.all(rows.distances[~unknown] <= 0.6)
    assert rows.n_images == 3 and rows.counts()[2] == 0  # blank: no row
    assert rows.embeddings.shape == (len(rows), 128)


def test_fit_on_embeddings_then_photos(known_photos, astronaut):
    photos, names = known_photos
    E = DlibFaceEncoder().fit(photos).transform(photos)
    rec = FaceRecognizer().fit(E, names)
    assert rec.n_features_in_ == 128
    assert rec.predict([astronaut[:, ::-1]]).tolist() == ["eileen"]
    assert rec.predict(E).tolist() == names
    with pytest.raises(ValueError, match="features"):
        rec.predict(E[:, :10])
    # other widths: embeddings only
    rec10 = FaceRecognizer().fit(E[:, :10], names)
    assert rec10.encoder_ is None
    with pytest.raises(ValueError, match="without an encoder"):
        rec10.predict([astronaut])


def test_unknown_label_and_dtypes():
    E = np.eye(3)
    rec = FaceRecognizer(tolerance=0.1, unknown_label=-1).fit(E, [10, 20, 30])
    pred = rec.predict(np.vstack([E, np.ones((1, 3))]))
    assert pred.tolist() == [10, 20, 30, -1] and pred.dtype.kind == "i"
    mixed = FaceRecognizer(tolerance=0.1).fit(E, [10, 20, 30]).predict(np.ones((1, 3)))
    assert mixed.dtype == object and mixed.tolist() == ["unknown"]
    # training strangers are left out, so they stay unknown
    rec = FaceRecognizer(tolerance=0.1).fit(E, ["a", "unknown", "b"])
    assert rec.classes_.tolist() == ["a", "b"] and len(rec.embeddings_) == 2
    assert rec.predict(E).tolist() == ["a", "unknown", "b"]
    with pytest.raises(ValueError, match="no known face"):
        FaceRecognizer().fit(E[:1], ["unknown"])
    with pytest.raises(InvalidParameterError, match="tolerance"):
        FaceRecognizer(tolerance=-1).fit(E, [1, 2, 3])


def test_photos_without_face_follow_on_missing(known_photos):
    photos, names = known_photos
    blank = np.full((120, 120, 3), 128, np.uint8)
    with pytest.raises(ValueError, match="3 photos but y has 2 labels"):
        FaceRecognizer().fit(photos, names[:2])
    with pytest.raises(ValueError, match=r"no face found in X\[3\]"):
        FaceRecognizer().fit(photos + [blank], names + ["nobody"])
    with pytest.warns(UserWarning, match=r"1 of 4 training photos have no face"):
        rec = FaceRecognizer(on_missing="nan").fit(photos + [blank], names + ["nobody"])
    assert "nobody" not in rec.classes_
    assert rec.predict([blank, photos[0]]).tolist() == ["unknown", "eileen"]
    dist, ind = rec.kneighbors([blank])
    assert np.isnan(dist[0, 0]) and ind[0, 0] == -1
    with pytest.raises(ValueError, match="NaN"):
        FaceRecognizer().fit(np.array([[0.0, np.nan]]), ["a"])


def test_pickle_and_grid_search(recognizer, astronaut, strangers):
    again = pickle.loads(pickle.dumps(recognizer))
    X = [astronaut[:, ::-1], *strangers[:2]]
    assert again.predict(X).tolist() == recognizer.predict(X).tolist()
    # tolerance is tunable: accuracy on embeddings of known + strangers
    E = DlibFaceEncoder().fit(X).transform(X)
    y = ["eileen", "unknown", "unknown"]
    known = recognizer.embeddings_
    search = GridSearchCV(
        FaceRecognizer(),
        {"tolerance": [0.01, 0.6]},
        cv=[(np.arange(3), np.arange(3, 6))],
    ).fit(np.vstack([known, E]), list(recognizer.labels_) + y)
    assert search.best_params_ == {"tolerance": 0.6}
    assert search.best_score_ == 1.0
