"""skface.utils.FaceRows, the pandas-free per-face result."""

import numpy as np
import pytest

from skface.utils import FaceRows
from skface.utils._faces import clip_boxes


def _rows(**extra):
    return FaceRows(
        image_index=np.array([0, 0, 2]),
        boxes=np.arange(12.0).reshape(3, 4),
        scores=np.array([0.9, 0.5, 0.7]),
        n_images=4,
        **extra,
    )


def test_indices_counts_and_split():
    rows = _rows(landmarks=np.zeros((3, 5, 2)))
    assert len(rows) == 3
    assert rows.face_index.tolist() == [0, 1, 0]
    assert rows.counts().tolist() == [2, 0, 1, 0]
    parts = rows.split("boxes")
    assert [p.shape for p in parts] == [(2, 4), (0, 4), (1, 4), (0, 4)]
    np.testing.assert_array_equal(parts[2], rows.boxes[2:])
    assert [p.shape for p in rows.split("landmarks")][0] == (2, 5, 2)
    with pytest.raises(ValueError, match="no embeddings"):
        rows.split("embeddings")
    with pytest.raises(ValueError, match="unknown per-face field"):
        rows.split("n_images")


def test_to_frame_columns():
    rows = _rows(
        landmarks=np.ones((3, 68, 2)),
        embeddings=np.ones((3, 128)),
        labels=np.array(["a", "unknown", "b"], dtype=object),
        distances=np.array([0.1, 0.7, 0.2]),
    )
    df = rows.to_frame(sources=["x.jpg", None, "z.jpg", "w.jpg"])
    assert df.columns.tolist() == [
        "image",
        "face",
        "left",
        "top",
        "right",
        "bottom",
        "score",
        "landmarks",
        "embedding",
        "identity",
        "distance",
        "source",
    ]
    assert df["face"].tolist() == [0, 1, 0]
    assert df["source"].tolist() == ["x.jpg", "x.jpg", "z.jpg"]
    assert df.loc[1, "landmarks"].shape == (68, 2)
    assert df["identity"].tolist() == ["a", "unknown", "b"]
    empty = FaceRows(np.zeros(0, int), np.empty((0, 4)), np.empty(0), 2).to_frame()
    assert len(empty) == 0 and empty.columns.tolist()[:3] == ["image", "face", "left"]


def test_clip_boxes_keeps_scores():
    out = clip_boxes([[-5, -2, 70, 40, 0.3]], (32, 64, 3))
    np.testing.assert_array_equal(out, [[0, 0, 64, 32, 0.3]])
    assert clip_boxes(np.empty((0, 5)), (8, 8)).shape == (0, 5)
