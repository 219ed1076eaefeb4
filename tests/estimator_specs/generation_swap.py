"""Common-test settings for skface.generation.FaceSwapper."""

from . import EstimatorSpec


def _two_people():
    """Eight drawn faces of two people that the default HOG detector finds."""
    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(8, size=64, n_identities=2, random_state=0)
    return faces.images, faces.target


SPECS = {
    "FaceSwapper": EstimatorSpec(
        init={
            "chip_size": 16,
            "width": 4,
            "max_channels": 16,
            "n_latent": 8,
            "max_epochs": 1,
            "batch_size": 4,
            "device": "cpu",
            "random_state": 0,
        },
        data=_two_people,
    ),
}
