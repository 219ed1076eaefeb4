"""FaceAnalyzer: one table row per detected face, any detector, any backend."""

import joblib
import numpy as np
import pandas as pd
import pytest
from conftest import tile_of
from skimage.io import imsave

from skface.detection import CNNFaceDetector, HaarFaceDetector, HOGFaceDetector
from skface.features import DlibFaceEncoder
from skface.landmarks import LandmarkExtractor
from skface.recognition import FaceAnalyzer

BASE = ["image", "face", "left", "top", "right", "bottom", "score"]


@pytest.mark.parametrize(
    "detector",
    [
        HOGFaceDetector(upsample=1),
        HaarFaceDetector(),
        CNNFaceDetector(upsample=1),
    ],
    ids=["hog", "haar", "cnn"],
)
def test_one_row_per_detected_face(detector, group_photo, astronaut_face):
    photo, _ = group_photo
    X = [photo, astronaut_face, np.zeros((60, 60, 3), np.uint8)]
    table = FaceAnalyzer(detector).analyze(X)
    dets = detector.fit(X).detect(X)
    assert len(table) == sum(len(d) for d in dets)
    assert table.columns.tolist() == BASE + ["landmarks"]
    assert table["image"].tolist() == [i for i, d in enumerate(dets) for _ in d]
    for i, d in enumerate(dets):
        rows = table[table["image"] == i]
        assert rows["face"].tolist() == list(range(len(d)))
        np.testing.assert_array_equal(rows[BASE[2:]].to_numpy(), d)
    assert all(lm.shape == (68, 2) for lm in table["landmarks"])


def test_landmarks_embeddings_identity_match_the_estimators(
    group_photo, recognizer, astronaut
):
    photo, labels = group_photo
    X = [photo, astronaut[:300]]
    table = FaceAnalyzer(embeddings=True, recognizer=recognizer).analyze(X)
    assert table.columns.tolist() == BASE + [
        "landmarks",
        "embedding",
        "identity",
        "distance",
    ]
    # the same numbers as the per-face methods of each estimator
    lm_rows = LandmarkExtractor().fit(X).landmarks_all(X)
    np.testing.assert_array_equal(np.stack(table["landmarks"]), lm_rows.landmarks)
    np.testing.assert_array_equal(table[BASE[2:6]].to_numpy(), lm_rows.boxes)
    faces = recognizer.predict_faces(X)
    np.testing.assert_allclose(np.stack(table["embedding"]), faces.embeddings)
    assert table["identity"].tolist() == faces.labels.tolist()
    np.testing.assert_allclose(table["distance"], faces.distances)
    group = table[table["image"] == 0]
    got = dict(
        zip(tile_of(group[["left", "top", "right", "bottom"]]), group["identity"])
    )
    assert got == dict(enumerate(labels))
    assert table.loc[table["image"] == 1, "identity"].tolist() == ["eileen"]


def test_threading_and_loky_give_identical_tables(group_photo, astronaut_face):
    photo, _ = group_photo
    X = [photo, astronaut_face[:, ::-1]]
    est = FaceAnalyzer(embeddings=True)
    with joblib.parallel_config(backend="threading", n_jobs=2):
        threads = est.analyze(X)
    with joblib.parallel_config(backend="loky", n_jobs=2):
        loky = est.analyze(X)
    serial = FaceAnalyzer(embeddings=True, n_jobs=1).analyze(X)
    for other in (loky, serial):
        pd.testing.assert_frame_equal(
            threads.drop(columns=["landmarks", "embedding"]),
            other.drop(columns=["landmarks", "embedding"]),
        )
        for col in ("landmarks", "embedding"):
            np.testing.assert_array_equal(np.stack(threads[col]), np.stack(other[col]))
    dets = HOGFaceDetector(upsample=1).fit(X).detect(X)
    assert len(threads) == sum(len(d) for d in dets) >= 4 + 1


def test_paths_give_a_source_column_and_fit_is_optional(tmp_path, astronaut_face):
    path = tmp_path / "face.png"
    imsave(path, astronaut_face)
    X = [str(path), astronaut_face, path]
    est = FaceAnalyzer(landmarks=False)
    table = est.analyze(X)
    assert table.columns.tolist() == BASE + ["source"]
    assert table["source"].isna().tolist() == [False, True, False]
    assert table["source"][0] == table["source"][2] == str(path)
    fitted = FaceAnalyzer(landmarks=False).fit(X)
    assert hasattr(fitted, "detector_") and not hasattr(est, "detector_")
    pd.testing.assert_frame_equal(fitted.analyze(X), table)


def test_no_face_anywhere_gives_an_empty_table_with_columns():
    X = [np.zeros((50, 50, 3), np.uint8)]
    table = FaceAnalyzer(embeddings=True).analyze(X)
    assert len(table) == 0
    assert table.columns.tolist() == BASE + ["landmarks", "embedding"]
    rows = FaceAnalyzer().analyze_rows(X)
    assert rows.n_images == 1 and rows.landmarks.shape == (0, 68, 2)


def test_custom_parts_and_bad_recognizer(astronaut_face, known_photos):
    from skface.recognition import FaceRecognizer

    X = [astronaut_face]
    table = FaceAnalyzer(
        landmarks=LandmarkExtractor(n_points=5),
        embeddings=DlibFaceEncoder(shape_model_path="landmarks_68"),
    ).analyze(X)
    assert table.loc[0, "landmarks"].shape == (5, 2)
    assert table.loc[0, "embedding"].shape == (128,)
    with pytest.raises(ValueError, match="fitted on the known faces"):
        FaceAnalyzer(recognizer=FaceRecognizer()).analyze(X)


def test_partial_face_box_is_clipped_landmarks_use_the_raw_box(astronaut):
    cut = astronaut[:, 210:]  # the face is cut by the left border
    table = FaceAnalyzer(HOGFaceDetector(upsample=1)).analyze([cut])
    raw = FaceAnalyzer(HOGFaceDetector(upsample=1, clip=False)).analyze([cut])
    assert table.loc[0, "left"] == 0 and raw.loc[0, "left"] < 0
    np.testing.assert_array_equal(table.loc[0, "landmarks"], raw.loc[0, "landmarks"])
