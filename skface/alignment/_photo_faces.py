"""Landmarks of the faces of each photo, with a missing-face policy.

The photo-level estimators that align every face, edit it and paste it back
(:class:`skface.autoencoders.FaceAnonymizer`,
:class:`skface.generation.HeadTurnGenerator`) find their faces here, so that
"which faces" and "what if there is none" mean the same everywhere.
"""

from __future__ import annotations

import numpy as np

__all__ = ["photo_face_landmarks"]


def photo_face_landmarks(
    landmark_extractor, images, *, faces="all", on_missing="raise", whole=True
):
    """Per photo, the ``(k_i, n_points, 2)`` landmarks of its faces.

    Parameters
    ----------
    landmark_extractor : fitted LandmarkExtractor
        Finds the faces (its detector) and their landmarks.
    images : list of ndarray
        Photos, already validated.
    faces : {'all', 'largest'}, default='all'
        Every face the detector finds (``landmarks_all``), or one per photo.
    on_missing : {'raise', 'keep', 'whole'}, default='raise'
        A photo without a face: a ``ValueError`` naming it, no landmarks
        (``'keep'``), or landmarks fitted in the whole photo as the face box
        (``'whole'``, when ``whole`` is true; none where even that fails).
    whole : bool, default=True
        With ``on_missing='whole'``, fit landmarks in the whole photo; false
        leaves such photos without landmarks (the caller takes the photo).

    Returns
    -------
    per_image : list of ndarray of shape (k_i, n_points, 2)
        ``k_i = 0`` for a photo left without a face.

    Raises
    ------
    ValueError
        With ``on_missing='raise'``, for the first photo without a face.
    """
    lm = landmark_extractor
    if faces == "all" and hasattr(lm, "landmarks_all"):
        found = lm.landmarks_all(images)  # FaceRows, or a list per image
        per_image = found.split("landmarks") if hasattr(found, "split") else found
        per_image = [np.asarray(f, dtype=float) for f in per_image]
    else:
        L = np.asarray(lm.landmarks(images), dtype=float)
        per_image = [
            L[i : i + 1][np.isfinite(L[i]).all(axis=(0, 1))[None]]
            for i in range(len(L))
        ]
    missing = [i for i, f in enumerate(per_image) if len(f) == 0]
    if missing and on_missing == "raise":
        i = missing[0]
        h, w = images[i].shape[:2]
        raise ValueError(
            f"no face found in X[{i}] ({h}x{w} pixels); set on_missing='keep' "
            "to return such photos unchanged or 'whole' to treat the whole "
            "photo as the face"
        )
    if missing and on_missing == "whole" and whole:
        boxes = np.array(
            [[0, 0, images[i].shape[1], images[i].shape[0]] for i in missing],
            dtype=float,
        )
        L = lm.landmarks([images[i] for i in missing], boxes=boxes)
        for i, pts in zip(missing, np.asarray(L, dtype=float)):
            if np.isfinite(pts).all():
                per_image[i] = pts[None]
    return per_image
