"""Common-test settings for skface.generation.ConditionalGAN (tiny networks)."""

from estimator_specs import EstimatorSpec


def _faces():
    """Six drawn 32x32 faces with their 68 landmarks as ``y``."""
    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(6, size=32, random_state=0)
    return faces.images, faces.landmarks


SPECS = {
    # The per-image output is the conditional discriminator's logit of each
    # face with its own landmarks (score_samples, landmarks detected per
    # image); transform regenerates faces from z = 0, also row by row.
    "ConditionalGAN": EstimatorSpec(
        init={
            "n_latent": 4,
            "image_size": 8,
            "landmarks": "5",
            "width": 2,
            "max_epochs": 1,
            "batch_size": 4,
            "device": "cpu",
            "random_state": 0,
        },
        data=_faces,
        output_method="score_samples",
    ),
}
