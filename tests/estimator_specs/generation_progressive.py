"""Common-test settings for skface.generation.ProgressiveGAN (tiny networks)."""

from estimator_specs import EstimatorSpec


def _faces():
    from skface.datasets import make_synthetic_faces

    return make_synthetic_faces(6, size=32, random_state=0).images, None


SPECS = {
    # The colour-conditioned model: the landmark one runs dlib's detector in
    # every score_samples call (x2 the time of these checks); its landmark
    # path is tested in tests/generation/test_progressive_gan.py. The
    # per-image output is the critic's score (score_samples), whose
    # minibatch-stddev companions are fixed, so each row depends on its own
    # image only. With 6 images and images_per_stage=4, one epoch reaches
    # the 8 px fade-in: the checks see the blended reals and both networks'
    # fade-in paths.
    "ProgressiveGAN": EstimatorSpec(
        init={
            "n_latent": 4,
            "image_size": 8,
            "condition": "colour",
            "width": 2,
            "images_per_stage": 4,
            "max_epochs": 1,
            "batch_size": 4,
            "random_state": 0,
        },
        data=_faces,
        output_method="score_samples",
    ),
}
