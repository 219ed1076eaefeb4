"""Mean-face templates: where the landmarks of an upright face lie.

:data:`TEMPLATE_68` (iBUG 68-point scheme) and :data:`TEMPLATE_5` (dlib's
5-point scheme: outer and inner corner of the image-right eye, outer and inner
corner of the image-left eye, base of the nose) give ``(x, y)`` positions in the
unit square, x to the right and y down. The 68-point shape's larger extent is
exactly 1 (brow top to chin) and its bounding box is centred in the square; the
5-point template lives in the same frame, so aligning a face by its 5 or by its
68 points gives nearly the same chip.

How they were made (``tools/make_template.py`` reproduces the numbers): dlib's
pretrained 68- and 5-point shape predictors were run on the 18 annotated faces
of dlib's ``examples/faces/training_with_face_landmarks.xml`` (four PASCAL VOC
photos, faces of 37-90 px), each photo upsampled 4x (bicubic) for sub-pixel
points; every shape was also mirrored, and the 36 shapes were aligned by
iterative generalised Procrustes analysis (similarity transforms) and averaged.
The mean was rotated so the eye centres are level, made exactly left-right
symmetric and scaled into the unit square. The 5-point template averages the
5-point predictions mapped by each face's 68-point Procrustes transform. RMS
distance of an aligned face to the mean: 0.068 (unit square).
"""

from __future__ import annotations

import numpy as np

__all__ = ["TEMPLATE_5", "TEMPLATE_68", "face_template"]

TEMPLATE_68 = np.array(
    [
        [0.00260, 0.19957],  # 0
        [0.00350, 0.33266],  # 1
        [0.01441, 0.46582],  # 2
        [0.04481, 0.59457],  # 3
        [0.10253, 0.71269],  # 4
        [0.18419, 0.81583],  # 5
        [0.28121, 0.90433],  # 6
        [0.38521, 0.97706],  # 7
        [0.50000, 1.00000],  # 8
        [0.61479, 0.97706],  # 9
        [0.71879, 0.90433],  # 10
        [0.81581, 0.81583],  # 11
        [0.89747, 0.71269],  # 12
        [0.95519, 0.59457],  # 13
        [0.98559, 0.46582],  # 14
        [0.99650, 0.33266],  # 15
        [0.99740, 0.19957],  # 16
        [0.12264, 0.07624],  # 17
        [0.17798, 0.02171],  # 18
        [0.25602, 0.00000],  # 19
        [0.34048, 0.00840],  # 20
        [0.41775, 0.04047],  # 21
        [0.58225, 0.04047],  # 22
        [0.65952, 0.00840],  # 23
        [0.74398, 0.00000],  # 24
        [0.82202, 0.02171],  # 25
        [0.87736, 0.07624],  # 26
        [0.50000, 0.15273],  # 27
        [0.50000, 0.23359],  # 28
        [0.50000, 0.31613],  # 29
        [0.50000, 0.40106],  # 30
        [0.39902, 0.45976],  # 31
        [0.44756, 0.48018],  # 32
        [0.50000, 0.49465],  # 33
        [0.55244, 0.48018],  # 34
        [0.60098, 0.45976],  # 35
        [0.22146, 0.17167],  # 36
        [0.27209, 0.14581],  # 37
        [0.32827, 0.14454],  # 38
        [0.37814, 0.17657],  # 39
        [0.32536, 0.18467],  # 40
        [0.27067, 0.18505],  # 41
        [0.62186, 0.17657],  # 42
        [0.67173, 0.14454],  # 43
        [0.72791, 0.14581],  # 44
        [0.77854, 0.17167],  # 45
        [0.72933, 0.18505],  # 46
        [0.67464, 0.18467],  # 47
        [0.30606, 0.62701],  # 48
        [0.37302, 0.59268],  # 49
        [0.44784, 0.58142],  # 50
        [0.50000, 0.59056],  # 51
        [0.55216, 0.58142],  # 52
        [0.62698, 0.59268],  # 53
        [0.69394, 0.62701],  # 54
        [0.62870, 0.70747],  # 55
        [0.55544, 0.73931],  # 56
        [0.50000, 0.74453],  # 57
        [0.44456, 0.73931],  # 58
        [0.37130, 0.70747],  # 59
        [0.33493, 0.63042],  # 60
        [0.44881, 0.61482],  # 61
        [0.50000, 0.61938],  # 62
        [0.55119, 0.61482],  # 63
        [0.66507, 0.63042],  # 64
        [0.55311, 0.68238],  # 65
        [0.50000, 0.68766],  # 66
        [0.44689, 0.68238],  # 67
    ]
)

TEMPLATE_5 = np.array(
    [
        [0.77226, 0.18021],  # 0
        [0.61828, 0.18417],  # 1
        [0.22774, 0.18021],  # 2
        [0.38172, 0.18417],  # 3
        [0.50000, 0.49738],  # 4
    ]
)


# Landmark groups used by the alignments.
_EYES = {
    68: (np.arange(36, 42), np.arange(42, 48)),  # image-left eye, image-right eye
    5: (np.array([2, 3]), np.array([0, 1])),
}


def _check_n_points(n_points):
    if n_points not in (68, 5):
        raise ValueError(f"n_points must be 68 or 5, got {n_points!r}")


def face_template(n_points=68, *, size=None, padding=0.0):
    """Return the mean-face template, optionally placed in a square chip.

    Parameters
    ----------
    n_points : {68, 5}, default=68
        Landmark scheme: iBUG 68 points or dlib's 5 points.
    size : int, default=None
        Side of the square chip, in pixels. ``None`` gives unit-square
        coordinates (with ``padding=0`` the template fills the unit square).
    padding : float, default=0.0
        Margin added on each side, as a fraction of the face's extent: the
        face occupies ``1 / (1 + 2 * padding)`` of the chip.

    Returns
    -------
    points : ndarray of shape (n_points, 2)
        ``(x, y)`` positions. With ``size`` they are pixel coordinates with
        pixel centres at integers, as OpenCV and dlib use: the chip spans
        ``[-0.5, size - 0.5]``.

    Examples
    --------
    >>> from skface.alignment import face_template
    >>> face_template(5, size=128, padding=0.25).shape
    (5, 2)
    """
    _check_n_points(n_points)
    unit = TEMPLATE_68 if n_points == 68 else TEMPLATE_5
    pts = (unit + padding) / (1.0 + 2.0 * padding)
    if size is None:
        return pts.copy()
    return pts * size - 0.5


def eye_centres(points):
    """Centres of the image-left and image-right eyes, ``(..., 2, 2)``."""
    points = np.asarray(points, dtype=float)
    left, right = _EYES[points.shape[-2]]
    return np.stack([points[..., left, :].mean(-2), points[..., right, :].mean(-2)], -2)
