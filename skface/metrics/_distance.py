"""Euclidean distances between face embeddings, as face_recognition computes them."""

from __future__ import annotations

import numpy as np

__all__ = ["face_distance"]


def face_distance(face_encodings, face_to_compare):
    """Euclidean distance from each known embedding to one face.

    The same computation as ``face_recognition.face_distance``: with dlib's
    128-d embeddings (:class:`skface.features.DlibFaceEncoder`), two photos
    of one person are usually closer than 0.6, so
    ``face_distance(known, face) <= 0.6`` is face_recognition's
    ``compare_faces(known, face, tolerance=0.6)``.

    Parameters
    ----------
    face_encodings : array-like of shape (n_faces, n_features)
        Known embeddings. An empty sequence gives an empty result.
    face_to_compare : array-like of shape (n_features,)
        The embedding to compare with each of them.

    Returns
    -------
    distances : ndarray of shape (n_faces,), dtype float64
        ``distances[i] = ||face_encodings[i] - face_to_compare||``.

    Raises
    ------
    ValueError
        If the embeddings are not 2-D / 1-D with the same number of features,
        or hold NaN or inf.

    See Also
    --------
    skface.recognition.FaceRecognizer : Nearest known face with a tolerance
        and an ``unknown`` label.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import face_distance
    >>> known = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> face_distance(known, np.array([0.0, 0.0]))
    array([0., 5.])
    >>> face_distance([], np.zeros(128))
    array([], dtype=float64)
    """
    face = np.asarray(face_to_compare, dtype=np.float64)
    if face.ndim != 1:
        raise ValueError(
            f"face_to_compare must be one embedding of shape (n_features,), got "
            f"shape {face.shape}"
        )
    if len(face_encodings) == 0:
        return np.empty(0, dtype=np.float64)
    known = np.asarray(face_encodings, dtype=np.float64)
    if known.ndim == 1:
        known = known[None]
    if known.ndim != 2 or known.shape[1] != face.shape[0]:
        raise ValueError(
            f"face_encodings has shape {known.shape}; expected (n_faces, "
            f"{face.shape[0]}) like face_to_compare"
        )
    if not (np.isfinite(known).all() and np.isfinite(face).all()):
        raise ValueError("face embeddings contain NaN or inf")
    return np.linalg.norm(known - face, axis=1)
