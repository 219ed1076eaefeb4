"""Common-test settings for skface.autoencoders (A: FaceAutoencoder)."""

from estimator_specs import EstimatorSpec


def _faces():
    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(8, size=32, n_identities=2, random_state=0)
    return faces.images, None


SPECS = {
    # Tiny 'dcgan' net on 32x32 input (decoded at 64x64), one epoch.
    "FaceAutoencoder": EstimatorSpec(
        init={
            "embedding_dim": 8,
            "input_size": 32,
            "width": 4,
            "max_epochs": 1,
            "batch_size": 4,
            "random_state": 0,
        },
        data=_faces,
    ),
}
