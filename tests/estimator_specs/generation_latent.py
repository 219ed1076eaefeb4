"""Common-test settings for skface.generation.LatentGAN."""

from . import EstimatorSpec


def _decoder_data():
    """Twelve feature rows and 16x16 colour chips to decode.

    ``y`` is a batch of images, so the common tests run the data checks of
    :mod:`skface.utils.estimator_checks` on this data (as for
    ``LatentDecoder``), with ``predict`` as the per-row output.
    """
    import numpy as np

    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(12, size=16, random_state=0)
    rng = np.random.RandomState(0)
    X = np.hstack([faces.landmarks.reshape(12, -1) / 16, rng.normal(size=(12, 4))])
    return X, faces.images


SPECS = {
    "LatentGAN": EstimatorSpec(
        init={
            "output_size": 16,
            "width": 4,
            "max_channels": 16,
            "discriminator_width": 2,
            "max_epochs": 1,
            "batch_size": 8,
            "device": "cpu",
            "random_state": 0,
        },
        data=_decoder_data,
        output_method="predict",
    ),
}
