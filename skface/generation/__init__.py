"""Face generation: GANs trained on faces, as scikit-learn estimators.

* :class:`DCGAN`: faces from random latent codes.
* :class:`ConditionalGAN`: faces drawn to given landmarks (68, 10 or 5
  points) and optionally a colour thumbnail; :func:`mirror_landmarks`.
* :class:`LatentGAN`: face chips from landmarks and a thumbnail (the
  LatentDecoder with a discriminator; a FaceAnonymizer decoder).
* :class:`FaceSwapper`: the DeepFakes face swap (one shared encoder, a
  decoder per person) on every face of a photo.
* :class:`HeadTurnGenerator`: one yaw-conditioned network that turns a
  face's head (frames for a GIF, or every face of a photo).
* :class:`ProgressiveGAN`: grown from 4x4 to ``image_size``, optionally
  conditioned on landmarks and a colour thumbnail.

The face-quality panel on dlib face embeddings (:func:`face_embeddings`,
:func:`face_kid`, :func:`face_fd`, :func:`face_generation_report`; also in
:mod:`skface.metrics`) judges generated faces offline.

Every model trains with small-data defaults (differentiable augmentation,
mirroring, spectral norm, R1 or gradient penalty, a moving average of the
generator for sampling), draws faces with ``sample(n)`` and is scored with
the offline face-quality panel (:func:`skface.metrics.face_kid`,
:func:`skface.metrics.face_generation_report`) on dlib face embeddings.
"""

from ._conditional import LANDMARK_SUBSETS, ConditionalGAN, mirror_landmarks
from ._dcgan import DCGAN
from ._head_turn import HeadTurnGenerator
from ._latent_gan import LatentGAN
from ._progressive import ProgressiveGAN, progressive_stage
from ._quality import face_embeddings, face_fd, face_generation_report, face_kid
from ._swap import FaceSwapper, feature_weight_map

__all__ = [
    "LANDMARK_SUBSETS",
    "ConditionalGAN",
    "DCGAN",
    "FaceSwapper",
    "HeadTurnGenerator",
    "LatentGAN",
    "ProgressiveGAN",
    "face_embeddings",
    "face_fd",
    "face_generation_report",
    "face_kid",
    "feature_weight_map",
    "mirror_landmarks",
    "progressive_stage",
]
