"""Common-test settings for skface.landmarks."""

from . import EstimatorSpec


def _synthetic_faces_with_landmarks():
    """Four 64x64 synthetic faces and their 68 landmarks (y trains a model)."""
    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(4, size=64, random_state=0)
    return faces.images, faces.landmarks


SPECS = {
    "LandmarkExtractor": EstimatorSpec(
        # A tiny trained predictor (well under a second), so the pickle round
        # trip covers a model kept as bytes; 'whole' keeps a missed face from
        # raising.
        init={
            "cascade_depth": 2,
            "num_trees_per_cascade_level": 10,
            "oversampling_amount": 2,
            "on_missing": "whole",
            "random_state": 0,
        },
        data=_synthetic_faces_with_landmarks,
    ),
}
