"""Common-test settings for skface.restoration (classical inpainters and
MaskedFaceSynthesizer)."""

from . import EstimatorSpec


def _faces():
    """Six small drawn RGB faces (the default HOG detector finds them)."""
    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(6, size=64, n_identities=2, random_state=0)
    return faces.images, None


SPECS = {
    "BiharmonicInpainter": EstimatorSpec(data=_faces),
    "TeleaInpainter": EstimatorSpec(init={"method": "ns"}, data=_faces),
    "RegressionInpainter": EstimatorSpec(init={"random_state": 0}, data=_faces),
    # random_state=0 makes each photo's mask a function of its pixels, so the
    # output does not depend on batch order (subset invariance, pickling).
    "MaskedFaceSynthesizer": EstimatorSpec(
        init={"random_state": 0, "on_missing": "whole"}, data=_faces
    ),
}
