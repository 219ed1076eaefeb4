"""Surgical-mask shaped holes placed from 68 facial landmarks."""

from __future__ import annotations

from numbers import Real

import numpy as np
from skimage.draw import polygon as draw_polygon
from sklearn.utils._param_validation import Interval

from ...alignment._template import TEMPLATE_68
from ._base import BaseMaskGenerator, ensure_valid

__all__ = ["FaceMaskShape", "face_mask_polygon"]

# iBUG 68 indices.
_JAW = np.arange(1, 16)  # right cheek (image-left) ... left cheek (image-right)
_NOSE_BRIDGE = 28  # second point down the nose ridge, just below the eyes
_NOSE_TIP = 30


def _template_points(shape, box):
    """The mean face's 68 points mapped into the fraction ``box`` of an image."""
    h, w = shape
    left, top, right, bottom = box
    x = (left + TEMPLATE_68[:, 0] * (right - left)) * w - 0.5
    y = (top + TEMPLATE_68[:, 1] * (bottom - top)) * h - 0.5
    return np.stack([x, y], axis=1)


def face_mask_polygon(landmarks, *, top_offset=0.0, expand=0.06, n_curve=24):
    """Outline of a surgical mask worn on a face, as an ``(m, 2)`` (x, y) polygon.

    The upper edge is a smooth curve (quadratic Bezier) from the image-left
    cheek (jaw point 1) over the nose bridge (point 28) to the image-right
    cheek (point 15); the lower edge follows the jaw line (points 1-15)
    pushed outwards from the nose tip by ``expand`` times the face height,
    so the curved bottom of the mask wraps under the chin.

    Parameters
    ----------
    landmarks : ndarray of shape (68, 2)
        ``(x, y)`` iBUG landmarks in pixels.
    top_offset : float, default=0.0
        Vertical shift of the upper edge, as a fraction of the face height
        (positive: lower).
    expand : float, default=0.06
        Outward margin of the lower edge, as a fraction of the face height.
    n_curve : int, default=24
        Points on the upper curve.

    Returns
    -------
    polygon : ndarray of shape (m, 2)
    """
    pts = np.asarray(landmarks, dtype=float)
    face_h = max(pts[8, 1] - pts[19:25, 1].min(), 1e-6)
    centre = pts[_NOSE_TIP]
    jaw = pts[_JAW]
    d = jaw - centre
    norm = np.linalg.norm(d, axis=1, keepdims=True)
    jaw = jaw + d / np.maximum(norm, 1e-9) * expand * face_h
    shift = np.array([0.0, top_offset * face_h])
    p_left, p_right = jaw[0] + shift, jaw[-1] + shift
    bridge = pts[_NOSE_BRIDGE] + shift
    # Quadratic Bezier through ``bridge`` at t = 0.5.
    ctrl = 2 * bridge - (p_left + p_right) / 2
    t = np.linspace(0, 1, n_curve)[:, None]
    top = (1 - t) ** 2 * p_right + 2 * t * (1 - t) * ctrl + t**2 * p_left
    # Lower edge: jaw from image-left cheek to image-right cheek, then back
    # along the top (image-right to image-left).
    lower = jaw.copy()
    lower[0], lower[-1] = p_left, p_right
    return np.concatenate([lower, top[1:-1]])


def _fill_polygon(polygon, shape):
    mask = np.zeros(shape, dtype=bool)
    rr, cc = draw_polygon(polygon[:, 1], polygon[:, 0], shape=shape)
    mask[rr, cc] = True
    return mask


class FaceMaskShape(BaseMaskGenerator):
    """Holes shaped like a surgical face mask, placed from 68 landmarks.

    The hole runs from the nose bridge to under the chin and from cheek to
    cheek, with a curved upper edge over the nose and a lower edge that
    follows the jaw (see :func:`face_mask_polygon`). Where landmarks are not
    given (or a row is NaN, a face that was not found), the mean face
    template (:func:`skface.alignment.face_template`) placed in
    ``template_box`` stands in.

    Parameters
    ----------
    template_box : tuple of 4 floats, default=(-0.12, 0.12, 1.12, 1.0)
        ``(left, top, right, bottom)`` fractions of the image where the
        template's brow-to-chin square lies when landmarks are missing.
        The default fits tightly cropped faces such as the Olivetti set's
        (eyes at about 27% of the height, chin at the bottom edge); for
        :class:`~skface.alignment.FaceExtractor` chips with padding ``p``,
        use ``(p, p, 1 + p, 1 + p)`` divided by ``1 + 2 p``.
    expand : float, default=0.06
        Margin of the lower edge beyond the jaw, in face heights.
    jitter : float, default=0.0
        Random variation for training masks: the upper edge moves up or
        down by up to ``jitter`` face heights, the margin grows by up to
        ``jitter`` and the shape shifts sideways by up to ``jitter / 2``.
    random_state : int, RandomState, Generator or None, default=None
        Default random state of :meth:`generate` (used when ``jitter > 0``).

    See Also
    --------
    skface.restoration.MaskedFaceSynthesizer : Draws such a mask on photos.

    Examples
    --------
    >>> from skface.restoration.masks import FaceMaskShape
    >>> m = FaceMaskShape().generate((1, 64, 64))
    >>> bool(m[0, 50, 32]), bool(m[0, 20, 20])  # mouth covered, eye not
    (True, False)
    """

    _parameter_constraints = {
        "template_box": [tuple, list],
        "expand": [Interval(Real, 0, None, closed="left")],
        "jitter": [Interval(Real, 0, 1, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        template_box=(-0.12, 0.12, 1.12, 1.0),
        *,
        expand=0.06,
        jitter=0.0,
        random_state=None,
    ):
        self.template_box = template_box
        self.expand = expand
        self.jitter = jitter
        self.random_state = random_state

    def _check_box(self):
        box = np.asarray(self.template_box, dtype=float)
        if box.shape != (4,) or not (box[0] < box[2] and box[1] < box[3]):
            raise ValueError(
                "template_box must be (left, top, right, bottom) fractions with "
                f"left < right and top < bottom, got {self.template_box!r}"
            )
        return box

    def _generate_one(self, shape, rng, landmarks):
        if landmarks is not None and landmarks.shape[0] != 68:
            raise ValueError(
                f"FaceMaskShape needs 68-point landmarks, got {landmarks.shape[0]}"
            )
        if landmarks is None or not np.isfinite(landmarks).all():
            landmarks = _template_points(shape, self._check_box())
        top_offset, expand = 0.0, self.expand
        if self.jitter > 0:
            face_h = landmarks[8, 1] - landmarks[19:25, 1].min()
            top_offset = rng.uniform(-self.jitter, self.jitter)
            expand = expand + rng.uniform(0, self.jitter)
            dx = rng.uniform(-self.jitter / 2, self.jitter / 2) * face_h
            landmarks = landmarks + np.array([dx, 0.0])
        poly = face_mask_polygon(landmarks, top_offset=top_offset, expand=expand)
        return ensure_valid(_fill_polygon(poly, shape))
