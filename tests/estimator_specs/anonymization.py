"""Common-test settings for LatentDecoder and FaceAnonymizer (skface.autoencoders)."""

from . import EstimatorSpec


def _decoder_data():
    """Twelve feature rows and 16x16 colour chips to decode.

    ``y`` is a batch of images, so the common tests run the data checks of
    :mod:`skface.utils.estimator_checks` on this data instead of
    scikit-learn's (which fit on 1-D targets only).
    """
    import numpy as np

    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(12, size=16, random_state=0)
    rng = np.random.RandomState(0)
    X = np.hstack([faces.landmarks.reshape(12, -1) / 16, rng.normal(size=(12, 4))])
    return X, faces.images


def _tiny_decoder():
    from skface.autoencoders import LatentDecoder

    return LatentDecoder(16, width=4, max_channels=16, max_epochs=1, device="cpu")


def _faces():
    """Six drawn faces that the default HOG detector finds."""
    from skface.datasets import make_synthetic_faces

    return make_synthetic_faces(6, size=64, n_identities=2, random_state=0).images, None


SPECS = {
    "LatentDecoder": EstimatorSpec(
        init={
            "output_size": 16,
            "width": 4,
            "max_channels": 16,
            "max_epochs": 1,
            "device": "cpu",
            "random_state": 0,
        },
        data=_decoder_data,
        output_method="predict",
    ),
    "FaceAnonymizer": EstimatorSpec(
        init={"decoder": _tiny_decoder(), "random_state": 0}, data=_faces
    ),
}
