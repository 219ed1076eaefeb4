"""Box helpers: pick one face box per image from per-image detections.

Pure NumPy: detectors (:mod:`skface.detection`), landmark extractors and
encoders all choose "the" face of an image the same way, through
:func:`select_boxes`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ON_MISSING", "SELECT", "box_area", "select_boxes"]

#: What an estimator does with an image without a face: raise a
#: ``ValueError`` naming it, give a NaN row, or use the whole image.
ON_MISSING = ("raise", "nan", "whole")
#: Which detection stands for an image: the largest box or the best-scored.
SELECT = ("largest", "best")


def box_area(boxes):
    """Area of ``(left, top, right, bottom)`` boxes (0 for inverted ones).

    Parameters
    ----------
    boxes : ndarray of shape (k, 4) or (k, 5)
        Boxes; a fifth (score) column is ignored.

    Returns
    -------
    area : ndarray of shape (k,)
    """
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(
        boxes[:, 3] - boxes[:, 1], 0, None
    )


def select_boxes(detections, shapes, *, select="largest", on_missing="raise"):
    """Pick one box per image from per-image detections.

    Parameters
    ----------
    detections : list of array-like of shape (k_i, 5)
        ``(left, top, right, bottom, score)`` rows per image.
    shapes : list of (H, W)
        Image sizes, for ``on_missing='whole'`` and error messages.
    select : {'largest', 'best'}, default='largest'
        The largest box, or the best-scored one.
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        An image without detections raises a ``ValueError`` naming it, gets
        a NaN row, or gets the whole image ``(0, 0, W, H)``.

    Returns
    -------
    boxes : ndarray of shape (n_samples, 4)

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import select_boxes
    >>> dets = [np.array([[0, 0, 10, 10, 0.9], [0, 0, 20, 20, 0.1]]),
    ...         np.empty((0, 5))]
    >>> select_boxes(dets, [(32, 32), (32, 48)], on_missing="whole")
    array([[ 0.,  0., 20., 20.],
           [ 0.,  0., 48., 32.]])
    """
    if select not in SELECT:
        raise ValueError(f"select must be one of {SELECT}, got {select!r}")
    if on_missing not in ON_MISSING:
        raise ValueError(f"on_missing must be one of {ON_MISSING}, got {on_missing!r}")
    out = np.empty((len(detections), 4))
    for i, (det, (h, w)) in enumerate(zip(detections, shapes)):
        det = np.asarray(det, dtype=float).reshape(-1, 5)
        if len(det) == 0:
            if on_missing == "raise":
                raise ValueError(
                    f"no face found in X[{i}] ({h}x{w} pixels); set "
                    "on_missing='nan' or 'whole' to keep such images"
                )
            out[i] = np.nan if on_missing == "nan" else (0, 0, w, h)
            continue
        k = np.argmax(box_area(det)) if select == "largest" else np.argmax(det[:, 4])
        out[i] = det[k, :4]
    return out
