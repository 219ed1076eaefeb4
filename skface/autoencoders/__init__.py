"""Face autoencoders: compress a face to a small code and decode it back.

* :class:`FaceAutoencoder`: convolutional autoencoder (HyperFace or DCGAN
  encoder, DCGAN decoder) as a scikit-learn transformer: codes from
  ``transform``, images from ``inverse_transform``, PSNR from ``score`` and
  per-image anomaly scores from ``score_samples``.
* :class:`LatentDecoder`: face chips generated from landmarks and an 8x8x3
  thumbnail (the FaceSwap latent model, pixel-shuffle decoder).
* :class:`FaceAnonymizer`: photos in, the same photos with every face
  filled, blurred or pixelated (no training, no torch) or replaced by a
  generated one that keeps pose, expression and colour.
* :func:`anonymization_report` (with :func:`identity_distance`,
  :func:`identity_change_rate` and :func:`landmark_shift`): how well an
  anonymiser works, measured with a detector, dlib's encoder and landmarks.
"""

import importlib

from ..utils._optional import require_neural
from ._anonymization_report import (
    anonymization_report,
    identity_change_rate,
    identity_distance,
    landmark_shift,
)
from ._anonymizer import FaceAnonymizer, latent_features

__all__ = [
    "FaceAnonymizer",
    "FaceAutoencoder",
    "LatentDecoder",
    "anonymization_report",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
    "latent_features",
]

# The torch-based estimators load on first use, so that FaceAnonymizer's
# classical methods (blur, pixelate, fill) work without the `neural` extra.
_NEURAL = {
    "FaceAutoencoder": "._face_autoencoder",
    "LatentDecoder": "._latent_decoder",
}


def __getattr__(name):
    if name in _NEURAL:
        require_neural(f"skface.autoencoders.{name}")
        return getattr(importlib.import_module(_NEURAL[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_NEURAL))
