"""Common-test settings for the neural FaceInpainter (tiny networks)."""

import numpy as np

from . import EstimatorSpec

_HOLE = np.zeros((64, 64), dtype=bool)
_HOLE[20:44, 16:48] = True


def _faces():
    from skface.datasets import make_synthetic_faces

    faces = make_synthetic_faces(6, size=64, n_identities=2, random_state=0)
    return faces.images, None


def _transform_fixed_hole(estimator, X):
    # transform(X) without masks draws random holes from the training mix, so
    # the output of a subset would differ (another draw); compare on one hole.
    return estimator.transform(X, masks=_HOLE)


SPECS = {
    "FaceInpainter": EstimatorSpec(
        init={
            "image_size": 16,
            "width": 4,
            "max_epochs": 1,
            "batch_size": 4,
            "random_state": 0,
        },
        data=_faces,
        output_method=_transform_fixed_hole,
    ),
}
