"""The shape of a synthetic face: identity parameters and 68 landmarks.

Part of :func:`skface.datasets.make_synthetic_faces` (see
``_synthetic.py``): a 68-point template built from simple geometry (a
super-ellipse jaw, arched brows, almond eyes, nose and lips), deformed by
per-identity shape parameters and per-sample expression.
"""

from __future__ import annotations

import functools

import numpy as np

# Index of the mirror image of each of the 68 iBUG points (x -> -x).
_MIRROR = np.array(
    [*range(16, -1, -1), *range(26, 16, -1), 27, 28, 29, 30, 35, 34, 33, 32, 31]
    + [45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40]
    + [54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55]
    + [64, 63, 62, 61, 60, 67, 66, 65]
)
# Extra depth (in face widths) of the nose points 27..35 over the head ellipsoid.
_NOSE_DEPTH = np.array([0.02, 0.06, 0.11, 0.16, 0.06, 0.08, 0.09, 0.08, 0.06])
_SKIN_LIGHT = np.array([0.96, 0.80, 0.70])
_SKIN_DARK = np.array([0.40, 0.27, 0.20])
_HAIR = np.array(
    [[0.07, 0.05, 0.04], [0.30, 0.19, 0.11], [0.55, 0.40, 0.24], [0.80, 0.66, 0.42]]
    + [[0.55, 0.20, 0.08], [0.62, 0.62, 0.62]]
)
_T_TOP = np.linspace(0, -np.pi, 60)  # head top, right to left
_T_JAW = np.linspace(np.pi, 0, 80)  # jaw, left to right through the chin
_CIRCLE = np.column_stack(
    [
        np.cos(np.linspace(0, 2 * np.pi, 32, endpoint=False)),
        np.sin(np.linspace(0, 2 * np.pi, 32, endpoint=False)),
    ]
)
# Brow thickness profile from the outer end, at the 17 samples of its spline.
_BROW = np.interp(np.linspace(0, 1, 17), np.linspace(0, 1, 5), [0.6, 0.9, 1, 1, 0.95])
_IRIS = np.array([[0.30, 0.18, 0.08], [0.25, 0.42, 0.62], [0.30, 0.42, 0.25]])


# Geometry ------------------------------------------------------------------
def _resample(curve, k):
    """``k`` points spaced evenly by arc length along a polyline."""
    seg = np.hypot(*np.diff(curve, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, s[-1], k)
    return np.column_stack([np.interp(t, s, curve[:, 0]), np.interp(t, s, curve[:, 1])])


def _superellipse(a, b, n, t):
    c, s = np.cos(t), np.sin(t)
    return np.column_stack(
        [a * np.sign(c) * np.abs(c) ** (2 / n), b * np.sign(s) * np.abs(s) ** (2 / n)]
    )


@functools.lru_cache(maxsize=64)
def _spline_matrix(n, k, closed):
    """Matrix mapping ``n`` control points to a Catmull-Rom spline's samples."""
    t = np.linspace(0.0, 1.0, k, endpoint=False)[:, None]
    basis = 0.5 * np.hstack(  # weights of p0..p3 for each t, shape (k, 4)
        [
            -t + 2 * t**2 - t**3,
            2 - 5 * t**2 + 3 * t**3,
            t + 4 * t**2 - 3 * t**3,
            -(t**2) + t**3,
        ]
    )
    if closed:
        ext = np.vstack([np.eye(n)[-1], np.eye(n), np.eye(n)[:2]])
    else:  # phantom end points 2 * P[0] - P[1] and 2 * P[-1] - P[-2]
        eye = np.eye(n)
        ext = np.vstack([2 * eye[0] - eye[1], eye, 2 * eye[-1] - eye[-2]])
    n_seg = n if closed else n - 1
    M = np.vstack([basis @ ext[i : i + 4] for i in range(n_seg)])
    return M if closed else np.vstack([M, np.eye(n)[-1]])


def _spline(P, k=4, closed=False):
    """Catmull-Rom spline through the points ``P`` (``k`` samples a segment)."""
    return _spline_matrix(len(P), k, closed) @ P


def _band(P, up, down):
    """Closed polygon around the polyline ``P``, ``up``/``down`` thick."""
    tan = np.empty_like(P)
    tan[1:-1] = P[2:] - P[:-2]
    tan[0], tan[-1] = P[1] - P[0], P[-1] - P[-2]
    nrm = tan[:, ::-1] * [1, -1]  # (dy, -dx): points up for left-to-right lines
    nrm /= np.maximum(np.sqrt((nrm**2).sum(axis=1)), 1e-12)[:, None]
    up, down = np.asarray(up), np.asarray(down)
    return np.vstack([P + nrm * up[..., None], (P - nrm * down[..., None])[::-1]])


def _draw_identity(rng):
    """Shape and colour parameters shared by all images of one person."""
    u = rng.uniform
    p = {
        "face_w": 0.44 * u(0.93, 1.07),
        "jaw_top": -0.2 + u(-0.02, 0.02),
        "chin": 0.49 * u(0.95, 1.05),
        "jaw_n": u(1.9, 2.6),
        "top": -0.80 * u(0.95, 1.05),
        "eye_x": 0.179 * u(0.94, 1.06),
        "eye_y": -0.19 + u(-0.015, 0.015),
        "eye_w": 0.07 * u(0.9, 1.1),
        "eye_h": 0.026 * u(0.8, 1.2),
        "eye_tilt": u(-0.008, 0.008),
        "brow_gap": 0.11 * u(0.85, 1.15),
        "brow_arch": 0.05 * u(0.7, 1.3),
        "brow_thick": 0.035 * u(0.75, 1.3),
        "brow_len": u(0.92, 1.08),
        "nose_tip": 0.01 + u(-0.03, 0.03),
        "nose_base": 0.078 * u(0.9, 1.1),
        "nose_w": 0.087 * u(0.85, 1.15),
        "mouth_y": 0.215 + u(-0.02, 0.03),
        "mouth_w": 0.17 * u(0.88, 1.12),
        "lip_up": 0.038 * u(0.75, 1.25),
        "lip_lo": 0.05 * u(0.75, 1.25),
        "hair_style": rng.choice(3, p=[0.12, 0.5, 0.38]),
        "hairline": u(0.13, 0.22),
        "hair_len": u(0.2, 0.7),
    }
    tone = u(0.0, 1.0) ** 1.3
    p["skin"] = np.clip(
        _SKIN_LIGHT + tone * (_SKIN_DARK - _SKIN_LIGHT) + rng.normal(0, 0.02, 3), 0, 1
    )
    p["hair"] = np.clip(_HAIR[rng.randint(len(_HAIR))] * u(0.8, 1.2), 0, 1)
    p["iris"] = _IRIS[rng.randint(len(_IRIS))] * u(0.7, 1.2)
    p["lips"] = np.clip(p["skin"] * [0.82, 0.52, 0.52] + [0.06, 0.0, 0.02], 0, 1)
    p["clothes"] = rng.uniform(0.05, 0.9, 3)
    return p


def _landmarks(p, mouth_open=0.0, smile=0.0):
    """68 template points of identity ``p`` in the face frame.

    The face frame has the origin at the centre of a dlib-style face box of
    width 1, x to the subject's left (image right) and y down.
    """
    L = np.zeros((68, 2))
    a, jt, chin = p["face_w"], p["jaw_top"], p["chin"] + 0.5 * mouth_open
    jaw = _superellipse(a, chin - jt, p["jaw_n"], np.linspace(np.pi, 0, 200))
    L[0:17] = _resample(jaw + [0, jt], 17)
    # Right brow (image left), outer -> inner; its points sit on the upper edge.
    s = np.linspace(0, 1, 5)
    ey, gap = p["eye_y"], p["brow_gap"]
    outer, inner = 0.335 * p["brow_len"], 0.072
    L[17:22, 0] = -(outer + (inner - outer) * s)
    L[17:22, 1] = ey - gap * (0.78 + 0.22 * s) - p["brow_arch"] * np.sin(np.pi * s)
    # Right eye: 36 outer corner, 37-38 upper lid, 39 inner corner, 40-41 lower.
    ex, ew, eh = -p["eye_x"], p["eye_w"], p["eye_h"]
    L[36] = ex - ew, ey - p["eye_tilt"]
    L[37] = ex - ew / 3, ey - eh
    L[38] = ex + ew / 3, ey - eh
    L[39] = ex + ew, ey + 0.003
    L[40] = ex + ew / 3, ey + 0.55 * eh
    L[41] = ex - ew / 3, ey + 0.55 * eh
    # Nose: bridge 27-30 (tip), base 31-33 (33 under the tip).
    tip, base, nw = p["nose_tip"], p["nose_tip"] + p["nose_base"], p["nose_w"]
    L[27:31, 1] = np.linspace(ey - 0.015, tip, 4)
    L[31] = -nw, base - 0.034
    L[32] = -0.54 * nw, base - 0.016
    L[33] = 0.0, base
    # Mouth: 48 corner, 49-51 upper outer, 57-59 lower outer, 60-67 inner.
    my, mw, lu, ll = p["mouth_y"], p["mouth_w"] + smile, p["lip_up"], p["lip_lo"]
    mo = mouth_open
    L[48] = -mw, my - smile
    L[49] = -0.66 * mw, my - 0.80 * lu - 0.4 * smile
    L[50] = -0.27 * mw, my - lu
    L[51] = 0.0, my - 0.86 * lu
    L[57] = 0.0, my + mo + ll
    L[58] = -0.29 * mw, my + mo + 0.96 * ll
    L[59] = -0.67 * mw, my + 0.6 * mo + 0.68 * ll - 0.4 * smile
    L[60] = -0.86 * mw, my - 0.8 * smile
    L[61] = -0.29 * mw, my - 0.006 - 0.2 * smile
    L[62] = 0.0, my - 0.006
    L[66] = 0.0, my - 0.004 + mo
    L[67] = -0.29 * mw, my - 0.004 + mo - 0.2 * smile
    right = [*range(0, 8), *range(17, 22), 31, 32, *range(36, 42), 48, 49, 50]
    right += [58, 59, 60, 61, 67]
    L[_MIRROR[right]] = L[right] * [-1, 1]
    return L
