"""Common-test settings for LatentDecoder and FaceAnonymizer (skface.autoencoders)."""

from . import EstimatorSpec

_Y_IMAGES = (
    "the target y is a batch of face chips (n_samples, H, W[, C]) that the "
    "decoder learns to generate; sklearn feeds a 1-D target, which fit rejects "
    "with a ValueError naming the expected image shape"
)


#: sklearn checks that fit on a 1-D target (all those that fit at all).
_Y_CHECKS = [
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
]


def _decoder_data():
    """Twelve feature rows and 16x16 colour chips to decode."""
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
        expected_failed_checks={name: _Y_IMAGES for name in _Y_CHECKS},
    ),
    "FaceAnonymizer": EstimatorSpec(
        init={"decoder": _tiny_decoder(), "random_state": 0}, data=_faces
    ),
}
