"""Metrics for face detection, landmarks, image quality and generated faces.

Every function defined here works on arrays that are given (boxes,
landmarks, images, embeddings) and runs no model: the distribution metrics
for generated faces (:func:`kernel_distance`, :func:`frechet_distance`,
:func:`embedding_recall`, :func:`pair_collision_rate`,
:func:`laplacian_sharpness`) take embeddings or images.

Two groups of names are loaded from higher layers on first access, because
they run models (dlib's detector, encoder and shape predictor):

* the face-generation panel :func:`face_kid`, :func:`face_fd` and
  :func:`face_generation_report`, which embed the faces with dlib first;
  they live in :mod:`skface.generation` (the first access imports that
  family, torch included) and are available here too;
* the anonymisation evaluations, which moved to :mod:`skface.autoencoders`
  (:func:`~skface.autoencoders.anonymization_report` and its parts); their
  names here are deprecated aliases that warn.
"""

import warnings

from ._detection import average_precision, box_iou
from ._distance import face_distance
from ._generation import (
    embedding_recall,
    frechet_distance,
    kernel_distance,
    laplacian_sharpness,
    pair_collision_rate,
    sharpness_ratio,
)
from ._image import l1_error, psnr, seam_score, ssim
from ._landmarks import interocular_distance, landmark_error

__all__ = [
    "average_precision",
    "box_iou",
    "embedding_recall",
    "face_distance",
    "face_fd",
    "face_generation_report",
    "face_kid",
    "frechet_distance",
    "interocular_distance",
    "kernel_distance",
    "l1_error",
    "landmark_error",
    "laplacian_sharpness",
    "pair_collision_rate",
    "psnr",
    "seam_score",
    "sharpness_ratio",
    "ssim",
]

# The face-generation panel embeds faces with dlib (skface.generation, a
# higher layer): loaded on first access, not deprecated (tests/test_layers.py
# lists this import as an allowed exception).
_GENERATION = ("face_fd", "face_generation_report", "face_kid")

# Deprecated aliases, removed in skface 0.3. skface.autoencoders sits above
# this package in the layer order, so it is imported on access only
# (tests/test_layers.py lists this shim as an allowed exception).
_MOVED = (
    "anonymization_report",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
)


def __getattr__(name):
    if name in _GENERATION:
        from ..generation._quality import face_fd, face_generation_report, face_kid

        return {
            "face_fd": face_fd,
            "face_generation_report": face_generation_report,
            "face_kid": face_kid,
        }[name]
    if name not in _MOVED:
        raise AttributeError(f"module 'skface.metrics' has no attribute {name!r}")
    warnings.warn(
        f"skface.metrics.{name} is deprecated and will be removed in skface 0.3; "
        f"use skface.autoencoders.{name}",
        FutureWarning,
        stacklevel=2,
    )
    from ..autoencoders import _anonymization_report

    return getattr(_anonymization_report, name)
