"""Named groups of facial landmarks (chin, eyebrows, nose, eyes, lips)."""

from __future__ import annotations

import numpy as np

__all__ = ["LANDMARK_GROUPS", "landmark_groups"]

# Lips as closed outlines, the same point sequences as face_recognition's
# ``face_landmarks``: outer edge then inner edge back (48-54, 64-60 and
# 54-59, 48, 60, 67-64).
_TOP_LIP = (*range(48, 55), 64, 63, 62, 61, 60)
_BOTTOM_LIP = (*range(54, 60), 48, 60, 67, 66, 65, 64)

#: Point indices of each named group, per number of landmarks, in skface's
#: convention: "left" and "right" are the *subject's* (the person's own left
#: eye is on the right of the image). 68 points: iBUG 300-W / dlib; 5 points:
#: dlib's ``shape_predictor_5_face_landmarks`` (two corners per eye, one
#: point under the nose).
LANDMARK_GROUPS = {
    68: {
        "chin": tuple(range(0, 17)),
        "right_eyebrow": tuple(range(17, 22)),
        "left_eyebrow": tuple(range(22, 27)),
        "nose_bridge": tuple(range(27, 31)),
        "nose_tip": tuple(range(31, 36)),
        "right_eye": tuple(range(36, 42)),
        "left_eye": tuple(range(42, 48)),
        "top_lip": _TOP_LIP,
        "bottom_lip": _BOTTOM_LIP,
    },
    5: {
        "left_eye": (0, 1),
        "right_eye": (2, 3),
        "nose_tip": (4,),
    },
}

#: Index of each point's mirror image under a horizontal flip (x -> -x),
#: per number of landmarks: ``landmarks[:, _MIRROR[n]]`` re-indexes the
#: points of a mirrored face so that each keeps its meaning.
_MIRROR = {
    68: np.array(
        [*range(16, -1, -1), *range(26, 16, -1), 27, 28, 29, 30, 35, 34, 33, 32, 31]
        + [45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40]
        + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55]
        + [64, 63, 62, 61, 60, 67, 66, 65]
    ),
    5: np.array([2, 3, 0, 1, 4]),
}

_SWAP = {
    "left_eye": "right_eye",
    "right_eye": "left_eye",
    "left_eyebrow": "right_eyebrow",
    "right_eyebrow": "left_eyebrow",
}
_ORDER = (
    "chin",
    "left_eyebrow",
    "right_eyebrow",
    "nose_bridge",
    "nose_tip",
    "left_eye",
    "right_eye",
    "top_lip",
    "bottom_lip",
)


def landmark_groups(landmarks, *, convention="subject"):
    """Split landmarks into named groups (eyes, eyebrows, nose, lips, chin).

    Parameters
    ----------
    landmarks : array-like of shape (n_points, 2), (n_faces, n_points, 2) \
or (n_faces, 2 * n_points)
        ``(x, y)`` landmarks of one face or of several faces (flat rows
        ``x0, y0, x1, ...`` as :meth:`LandmarkExtractor.transform` gives),
        with 68 or 5 points.
    convention : {'subject', 'image'}, default='subject'
        Meaning of "left" and "right". ``'subject'`` (skface's convention,
        see :ref:`conventions`): the person's own left, so ``left_eye`` is
        points 42-47, on the right of the image. ``'image'``: the side of
        the image, as face_recognition's ``face_landmarks`` names them
        (its ``left_eye`` is points 36-41, the subject's right eye).

    Returns
    -------
    groups : dict of str to ndarray
        For 68 points: ``chin`` (0-16), ``left_eyebrow`` (22-26),
        ``right_eyebrow`` (17-21), ``nose_bridge`` (27-30), ``nose_tip``
        (31-35), ``left_eye`` (42-47), ``right_eye`` (36-41), ``top_lip`` and
        ``bottom_lip`` (closed outlines: outer edge then inner edge, 12 points
        each as in face_recognition), with the subject convention; ``'image'``
        swaps the left and right names. For 5 points: ``left_eye`` (0-1),
        ``right_eye`` (2-3), ``nose_tip`` (4). Each value has shape
        ``(k, 2)`` for one face and ``(n_faces, k, 2)`` for several.

    Raises
    ------
    ValueError
        If the landmarks do not have 68 or 5 points, or ``convention`` is
        unknown.

    See Also
    --------
    LANDMARK_GROUPS : The point indices of each group.

    Notes
    -----
    face_recognition's names map to skface's (subject convention) as:
    ``left_eye`` -> ``right_eye``, ``right_eye`` -> ``left_eye``,
    ``left_eyebrow`` -> ``right_eyebrow``, ``right_eyebrow`` ->
    ``left_eyebrow``; ``chin``, ``nose_bridge``, ``nose_tip``, ``top_lip``
    and ``bottom_lip`` are the same. ``convention='image'`` gives
    face_recognition's names and points exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.landmarks import landmark_groups
    >>> L = np.arange(136, dtype=float).reshape(68, 2)
    >>> g = landmark_groups(L)
    >>> g["left_eye"][0], g["right_eye"][0]  # points 42 and 36
    (array([84., 85.]), array([72., 73.]))
    >>> landmark_groups(L, convention="image")["left_eye"][0]
    array([72., 73.])
    """
    if convention not in ("subject", "image"):
        raise ValueError(f"convention must be 'subject' or 'image', got {convention!r}")
    L = np.asarray(landmarks, dtype=np.float64)
    if L.ndim == 1 or (L.ndim == 2 and L.shape[-1] != 2):
        # flat rows x0, y0, x1, y1, ...
        L = L.reshape(*L.shape[:-1], -1, 2) if L.shape[-1] % 2 == 0 else L
    if L.ndim not in (2, 3) or L.shape[-1] != 2 or L.shape[-2] not in LANDMARK_GROUPS:
        raise ValueError(
            f"landmarks of shape {np.shape(landmarks)}: expected (n_points, 2) or "
            f"(n_faces, n_points, 2) with n_points in {sorted(LANDMARK_GROUPS)}"
        )
    groups = LANDMARK_GROUPS[L.shape[-2]]
    out = {}
    for name in _ORDER:
        source = _SWAP.get(name, name) if convention == "image" else name
        if source in groups:
            out[name] = L[..., list(groups[source]), :]
    return out
