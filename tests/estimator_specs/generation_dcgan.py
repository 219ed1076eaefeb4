"""Common-test settings for skface.generation.DCGAN (tiny networks)."""

from estimator_specs import EstimatorSpec


def _faces():
    from skface.datasets import make_synthetic_faces

    return make_synthetic_faces(6, size=32, random_state=0).images, None


SPECS = {
    # The per-image output of a GAN is its discriminator's logit
    # (score_samples); transform maps latent codes, not images.
    "DCGAN": EstimatorSpec(
        init={
            "n_latent": 4,
            "image_size": 8,
            "width": 2,
            "max_epochs": 1,
            "batch_size": 4,
            "random_state": 0,
        },
        data=_faces,
        output_method="score_samples",
    ),
}
