"""Common-test settings for skface.alignment."""

from . import EstimatorSpec


def _faces():
    """Six small drawn faces that the default HOG detector finds."""
    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(6, size=64, n_identities=2, random_state=0)
    return faces.images, None


SPECS = {
    "FaceExtractor": EstimatorSpec(init={"output_size": 32}, data=_faces),
}


def _reconstruct(estimator, X):
    """FaceReconstructor's output: colour-inverted chips put back into X.

    ``reconstruct`` needs chips and records besides ``X``, so the common
    tests call it through this function (``output_method`` callable).
    """
    from skface.alignment import FaceExtractor

    records = FaceExtractor(output_size=32, on_missing="whole").fit(X).extract(X)
    return estimator.reconstruct(X, 255 - records.chips, records)


SPECS["FaceReconstructor"] = EstimatorSpec(
    init={"blend": "poisson"}, data=_faces, output_method=_reconstruct
)
