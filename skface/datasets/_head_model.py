"""A mean 3-D face and the depth model behind head turns and head pose.

The 2-D mean shape is the 68-point template of
:func:`skface.datasets.make_synthetic_faces` with every identity parameter at
the middle of its range (``_synthetic_shape``). Depth comes from a simple
anatomical model, the same one :func:`make_head_turn_pairs` warps photos
with, so that :func:`skface.landmarks.estimate_head_pose` reads back the yaw
the warp applied:

- the head: per image row, a vertical cylinder through the jaw contour
  (radius ``_HEAD_RADIUS`` times the jaw's half-width at that row, the
  half-width at the jaw's top above it), all rows sharing the front plane,
  so the chin stays as far forward as the cheeks;
- the nose: a ridge along the nose landmarks, ``nose_depth`` inter-ocular
  distances high at the tip (``_NOSE_PROFILE`` along its length);
- the eyes: sockets ``_EYE_DEPTH`` deep at each eye centre.

Units are inter-ocular distances (between the eye centres); ``x`` runs to
the image's right, ``y`` down, ``z`` towards the camera.
"""

from __future__ import annotations

import numpy as np

from ._synthetic_shape import _landmarks

__all__ = ["mean_face_3d"]

#: Height of the nose tip over the cheeks, in inter-ocular distances (an
#: adult nose protrudes 2-2.5 cm; the eye centres are ~6.3 cm apart).
NOSE_DEPTH = 0.35
#: Cylinder radius over the jaw contour's half-width (the head is wider
#: than the landmarks' jaw line: ears and hair).
_HEAD_RADIUS = 1.1
#: Depth of the eye sockets and their Gaussian width, in inter-ocular units.
_EYE_DEPTH, _EYE_SIGMA = 0.12, 0.22
#: Nose ridge height along the nose (fractions of ``nose_depth``) at the
#: bridge top (27), the tip (30) and under it (33).
_NOSE_PROFILE = (0.3, 1.0, 0.45)

# The synthetic template's identity with every parameter at the middle of
# its range in ``_synthetic_shape._draw_identity`` (shape only).
_MID_IDENTITY = {
    "face_w": 0.44,
    "jaw_top": -0.2,
    "chin": 0.49,
    "jaw_n": 2.25,
    "top": -0.80,
    "eye_x": 0.179,
    "eye_y": -0.19,
    "eye_w": 0.07,
    "eye_h": 0.026,
    "eye_tilt": 0.0,
    "brow_gap": 0.11,
    "brow_arch": 0.05,
    "brow_thick": 0.035,
    "brow_len": 1.0,
    "nose_tip": 0.01,
    "nose_base": 0.078,
    "nose_w": 0.087,
    "mouth_y": 0.22,  # 0.215 + U(-0.02, 0.03)
    "mouth_w": 0.17,
    "lip_up": 0.038,
    "lip_lo": 0.05,
}


def _monotone(curve):
    """``(y, x)`` of a contour with increasing ``y`` (for ``np.interp``)."""
    y = np.maximum.accumulate(curve[:, 1])
    y = y + np.arange(len(y)) * 1e-9
    return y, curve[:, 0]


class FaceGeometry:
    """The depth model of one face, fitted to its 68 landmarks (pixels).

    Parameters
    ----------
    landmarks : (68, 2) ndarray
        ``(x, y)`` landmarks of an upright face.
    nose_depth : float
        Nose tip height over the cheeks, in inter-ocular distances.
    """

    def __init__(self, landmarks, nose_depth=NOSE_DEPTH):
        L = np.asarray(landmarks, dtype=np.float64)
        self.L = L
        self.iod = float(np.hypot(*(L[42:48].mean(0) - L[36:42].mean(0))))
        self.cx = (L[0, 0] + L[16, 0]) / 2
        half = (L[16, 0] - L[0, 0]) / 2
        self.r0 = _HEAD_RADIUS * half
        self.jaw_top = min(L[0, 1], L[16, 1])
        self.chin = L[8, 1]
        self.brow = L[17:27, 1].mean()
        self.nose_depth = nose_depth
        self._left = _monotone(L[0:9])
        self._right = _monotone(L[8:17][::-1])

    def radius(self, y):
        """Cylinder radius at rows ``y``."""
        xl = np.interp(y, *self._left)
        xr = np.interp(y, *self._right)
        half = np.maximum((xr - xl) / 2, 0.0)
        half = np.where(y < self.jaw_top, (self.L[16, 0] - self.L[0, 0]) / 2, half)
        return _HEAD_RADIUS * half

    def depth(self, x, y):
        """Depth (pixels, towards the camera) of the face surface at ``(x, y)``.

        Outside the head's cylinder of a row, the depth of its edge.
        """
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        L, d = self.L, self.iod
        r = self.radius(y)
        dx = np.clip(np.abs(x - self.cx), 0, r)
        z = self.r0 - r + np.sqrt(np.maximum(r**2 - dx**2, 0.0))
        # Nose ridge: along the nose line, Gaussian across it.
        nose = L[[27, 30, 33]]
        ny = _monotone(nose)[0]
        height = np.interp(y, ny, _NOSE_PROFILE)
        # Fade in above the bridge and out below the base.
        above = np.clip(1 - (nose[0, 1] - y) / (0.25 * d), 0, 1)
        below = np.clip(1 - (y - nose[2, 1]) / (0.2 * d), 0, 1)
        fade = np.where(y < nose[0, 1], above, np.where(y > nose[2, 1], below, 1.0))
        centre = np.interp(y, *_monotone(L[27:31]))
        base_w = max(abs(L[35, 0] - L[31, 0]) / 2, 0.1 * d)
        width = np.interp(y, ny, [0.18 * d, 0.3 * d, 0.8 * base_w])
        z = z + self.nose_depth * d * height * fade * np.exp(
            -0.5 * ((x - centre) / width) ** 2
        )
        for eye in (L[36:42].mean(0), L[42:48].mean(0)):
            r2 = ((x - eye[0]) ** 2 + (y - eye[1]) ** 2) / (_EYE_SIGMA * d) ** 2
            z = z - _EYE_DEPTH * d * np.exp(-0.5 * r2)
        return z


def _mean_shape_2d():
    """The 68-point mean template, centred, in inter-ocular units."""
    L = _landmarks(_MID_IDENTITY)
    L = L - L.mean(axis=0)
    return L / np.hypot(*(L[42:48].mean(0) - L[36:42].mean(0)))


def mean_face_3d(nose_depth=NOSE_DEPTH):
    """The mean 3-D face: 68 landmarks with depth.

    The ``(x, y)`` of the points are the mean 68-point template of
    :func:`make_synthetic_faces` (every identity parameter at the middle of
    its range); their depth ``z`` comes from the anatomical model
    :func:`make_head_turn_pairs` warps faces with: a vertical cylinder per
    row through the jaw contour (1.1 times its half-width), a nose ridge
    ``nose_depth`` high at the tip, and eye sockets 0.12 deep.

    Parameters
    ----------
    nose_depth : float, default=0.35
        Height of the nose tip over the cheeks, in inter-ocular distances.

    Returns
    -------
    points : (68, 3) ndarray of float64
        ``(x, y, z)`` in units of the inter-ocular distance (between the eye
        centres), centred on the mean of the points; ``x`` to the image's
        right, ``y`` down, ``z`` towards the camera. dlib's 68-point order.

    See Also
    --------
    skface.landmarks.estimate_head_pose : Head pose from 68 landmarks.
    make_head_turn_pairs : Faces re-rendered at other yaws.

    Examples
    --------
    >>> from skface.datasets import mean_face_3d
    >>> P = mean_face_3d()
    >>> P.shape
    (68, 3)
    >>> bool(P[30, 2] > P[0, 2])  # the nose tip is in front of the jaw
    True
    """
    nose_depth = float(nose_depth)
    if not np.isfinite(nose_depth) or nose_depth < 0:
        raise ValueError(f"nose_depth must be a float >= 0, got {nose_depth!r}")
    L = _mean_shape_2d() * 100.0  # any scale: the model is scale-free
    z = FaceGeometry(L, nose_depth).depth(L[:, 0], L[:, 1])
    P = np.column_stack([L, z]) / 100.0
    return P - P.mean(axis=0)


# Head pose ------------------------------------------------------------------
def angles_to_rotation(yaw, pitch, roll):
    """Rotation matrix of ``(yaw, pitch, roll)`` degrees in skface's convention.

    The matrix acts on model points ``(x, y, -z)`` (x right, y down, away
    from the camera, i.e. OpenCV's camera axes): ``R = Rz(roll) Rx(pitch)
    Ry(-yaw)``, so a positive yaw moves the nose tip to larger ``x``, a
    positive pitch to larger ``y`` and a positive roll turns the face
    clockwise in the image.
    """
    q, p, r = np.deg2rad([-yaw, pitch, roll])
    Ry = np.array([[np.cos(q), 0, np.sin(q)], [0, 1, 0], [-np.sin(q), 0, np.cos(q)]])
    Rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    Rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return Rz @ Rx @ Ry


def rotation_to_angles(R):
    """``(yaw, pitch, roll)`` degrees of a rotation built by ``angles_to_rotation``."""
    pitch = np.arcsin(np.clip(R[2, 1], -1, 1))
    yaw = -np.arctan2(-R[2, 0], R[2, 2])
    roll = np.arctan2(-R[0, 1], R[1, 1])
    return np.rad2deg([yaw, pitch, roll])


#: dlib's 5-point model as indices of the 68 points: the subject's left eye
#: outer and inner corners, the right eye's, and the point under the nose.
FIVE_FROM_68 = np.array([45, 42, 36, 39, 33])


def solve_head_pose(landmarks, *, image_size=None, focal_length=None):
    """``(n, 3)`` ``(yaw, pitch, roll)`` of ``(n, k, 2)`` landmarks (k = 68 or 5).

    No validation: :func:`skface.landmarks.estimate_head_pose` validates.
    NaN rows give NaN angles.
    """
    import cv2

    L = np.asarray(landmarks, dtype=np.float64)
    model = mean_face_3d()
    if L.shape[1] == 5:
        model = model[FIVE_FROM_68]
    # OpenCV's object frame: x right, y down, z away from the camera.
    obj = np.ascontiguousarray(model * [1.0, 1.0, -1.0])
    out = np.full((len(L), 3), np.nan)
    for i, pts in enumerate(L):
        if not np.isfinite(pts).all():
            continue
        centre = pts.mean(axis=0)
        spread = float(np.sqrt(((pts - centre) ** 2).sum(axis=1).mean()))
        if focal_length is not None:
            f = float(focal_length)
        elif image_size is not None:
            f = float(max(image_size))
        else:  # a moderate perspective, as in a portrait photo
            f = 15.0 * spread
        c = (
            np.array([image_size[1], image_size[0]], float) / 2
            if image_size is not None
            else centre
        )
        K = np.array([[f, 0, c[0]], [0, f, c[1]], [0, 0, 1.0]])
        model_spread = float(np.sqrt((obj[:, :2] ** 2).sum(axis=1).mean()))
        tz = f * model_spread / max(spread, 1e-9)
        tvec = np.array(
            [[(centre[0] - c[0]) * tz / f], [(centre[1] - c[1]) * tz / f], [tz]]
        )
        rvec = np.zeros((3, 1))
        ok, rvec, tvec = cv2.solvePnP(
            obj,
            np.ascontiguousarray(pts),
            K,
            None,
            rvec=rvec,
            tvec=tvec,
            useExtrinsicGuess=True,
            flags=cv2.SOLVEPNP_ITERATIVE,
        )
        if ok:
            out[i] = rotation_to_angles(cv2.Rodrigues(rvec)[0])
    return out
