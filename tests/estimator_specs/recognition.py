"""Common-test settings for skface.recognition."""

from . import EstimatorSpec


def _landmarks_per_image(estimator, X):
    """FaceAnalyzer's output per image: the landmarks of each of its faces.

    ``analyze_rows`` gives one row per face; split by image it gives the
    one-entry-per-image output the common checks compare.
    """
    return estimator.analyze_rows(X).split("landmarks")


SPECS = {
    "FaceAnalyzer": EstimatorSpec(output_method=_landmarks_per_image),
    # tolerance=None: a plain nearest-known-face classifier, so scikit-learn's
    # classifier checks (which know no 'unknown' label) apply as they are.
    "FaceRecognizer": EstimatorSpec(init={"tolerance": None}),
}
