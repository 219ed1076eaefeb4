"""Landmark metrics: point-to-point error normalised by face size."""

from __future__ import annotations

import numpy as np

from ..utils.validation import check_landmarks

__all__ = ["landmark_error", "interocular_distance"]

_NORMALIZE = ("interocular", "diagonal", None)


def interocular_distance(landmarks):
    """Distance between the eyes of each face.

    Parameters
    ----------
    landmarks : array-like of shape (n_samples, n_points, 2) or \
(n_samples, 2 * n_points)
        68-point (iBUG 300-W) or 5-point (dlib) landmarks. For 68 points the
        distance is between the outer eye corners (points 36 and 45); for 5
        points between the eye centres (means of points 0, 1 and of 2, 3).

    Returns
    -------
    distance : ndarray of shape (n_samples,)
        NaN for samples whose landmarks are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import interocular_distance
    >>> L = np.zeros((1, 68, 2))
    >>> L[0, 45] = (30.0, 40.0)
    >>> interocular_distance(L)
    array([50.])
    """
    L = check_landmarks(landmarks, allow_nan=True)
    return _interocular(L)


def _interocular(L):
    p = L.shape[1]
    if p == 68:
        a, b = L[:, 36], L[:, 45]
    elif p == 5:
        a, b = L[:, 0:2].mean(axis=1), L[:, 2:4].mean(axis=1)
    else:
        raise ValueError(
            f"the inter-ocular distance is defined for 68- or 5-point landmarks, "
            f"got {p} points; use normalize='diagonal' or None"
        )
    return np.linalg.norm(a - b, axis=1)


def _diagonal(L):
    return np.linalg.norm(L.max(axis=1) - L.min(axis=1), axis=1)


def landmark_error(true, pred, *, normalize="interocular", average=True):
    """Mean point-to-point error between true and predicted landmarks.

    For each sample, the Euclidean distances between the true and predicted
    positions of every point are averaged, then divided by a face size
    measured on the *true* landmarks (the usual "normalised mean error" of
    the 300-W benchmark).

    Parameters
    ----------
    true : array-like of shape (n_samples, n_points, 2) or \
(n_samples, 2 * n_points)
        True ``(x, y)`` landmarks in pixels (flat form ``x0, y0, x1, ...``).
    pred : array-like of the same shape
        Predicted landmarks. Samples that are all NaN (faces that were not
        found, see ``on_missing='nan'``) give a NaN error.
    normalize : {'interocular', 'diagonal'} or None, default='interocular'
        ``'interocular'``: distance between the outer eye corners (points 36
        and 45) for 68 points, between the eye centres for 5 points (see
        :func:`interocular_distance`). ``'diagonal'``: diagonal of the
        bounding box of the true landmarks (any number of points). ``None``:
        error in pixels.
    average : bool, default=True
        Return the mean over samples (NaN if any sample is NaN) instead of
        the per-sample errors.

    Returns
    -------
    error : float or ndarray of shape (n_samples,)
        Lower is better; 0 for a perfect prediction.

    Raises
    ------
    ValueError
        If the shapes differ, the true landmarks are not finite, the face
        size is zero, or ``normalize='interocular'`` is used with a number
        of points other than 68 or 5.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import landmark_error
    >>> true = np.zeros((1, 5, 2))
    >>> true[0, :2, 0] = [0, 10]
    >>> true[0, 2:4, 0] = [30, 40]  # eye centres 5 and 35: distance 30
    >>> pred = true + [3.0, 0.0]
    >>> float(landmark_error(true, pred))
    0.1
    """
    if normalize not in _NORMALIZE:
        raise ValueError(f"normalize must be one of {_NORMALIZE}, got {normalize!r}")
    T = check_landmarks(true, name="true")
    P = check_landmarks(pred, allow_nan=True, name="pred")
    if P.shape != T.shape:
        raise ValueError(
            f"true has shape {T.shape} but pred has shape {P.shape}; expected "
            "the same number of samples and points"
        )
    err = np.linalg.norm(P - T, axis=2).mean(axis=1)
    if normalize is not None:
        size = _interocular(T) if normalize == "interocular" else _diagonal(T)
        if not (size > 0).all():
            i = int(np.flatnonzero(~(size > 0))[0])
            raise ValueError(
                f"true[{i}] has a zero {normalize} distance; cannot normalise"
            )
        err = err / size
    return float(err.mean()) if average else err
