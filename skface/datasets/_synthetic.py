"""Procedurally drawn faces with exact 68-point landmarks.

The faces are vector drawings: a 68-point template is built from simple
geometry (a super-ellipse jaw, arched brows, almond eyes, nose and lips),
deformed by per-identity shape parameters and per-sample pose and expression,
and filled as polygons (a vectorised numpy scan-line fill) at 2-3 times the
output resolution, then averaged down (anti-aliasing) and shaded with a
Lambertian head model and soft shadows.
The landmarks are the exact points the features were drawn from, so they are
ground truth, not estimates.

Coordinates follow the skface conventions: landmarks are ``(x, y)`` with pixel
centres at integer coordinates (as dlib and scikit-image use them), and boxes
are ``(left, top, right, bottom)`` pixel edges.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["make_synthetic_faces"]

BACKGROUNDS = ("noise", "flat", "gradient")

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


# Rendering -----------------------------------------------------------------
def _scanfill(rings, shape):
    """Pixels whose centre lies inside the polygons ``rings`` (even-odd rule).

    Returns ``(r0, c0, mask)``: a boolean mask of the polygon's bounding box
    clipped to ``shape``, or ``None`` when nothing is inside. A vectorised
    scan-line fill: cost grows with rows x edges, not area x edges like
    :func:`skimage.draw.polygon`, which matters for the smooth outlines here.
    """
    xy = np.concatenate(rings)
    (xmin, ymin), (xmax, ymax) = xy.min(axis=0), xy.max(axis=0)
    r0, r1 = max(int(np.ceil(ymin)), 0), min(int(np.floor(ymax)), shape[0] - 1)
    c0, c1 = max(int(np.ceil(xmin)), 0), min(int(np.floor(xmax)), shape[1] - 1)
    if r1 < r0 or c1 < c0:
        return None
    x, y = xy[:, 0], xy[:, 1]
    # Edge i runs from point i to the next point of the same ring.
    nxt = np.concatenate([np.concatenate([r[1:], r[:1]]) for r in rings])
    xb, yb = nxt[:, 0], nxt[:, 1]
    rows = np.arange(r0, r1 + 1, dtype=float)[:, None]
    ri, ei = np.nonzero((y <= rows) != (yb <= rows))  # edges crossing each row
    dy = yb[ei] - y[ei]
    xs = x[ei] + (rows[ri, 0] - y[ei]) / dy * (xb[ei] - x[ei])
    width = c1 - c0 + 2  # last column collects crossings right of the box
    col = np.clip(np.ceil(xs) - c0, 0, width - 1).astype(np.intp)
    counts = np.bincount(ri * width + col, minlength=len(rows) * width)
    mask = np.cumsum(counts.reshape(len(rows), width), axis=1)[:, :-1] & 1
    return r0, c0, mask.astype(bool)


class _Canvas:
    """Premultiplied RGBA canvas drawn at ``ss`` times the output size."""

    def __init__(self, size, ss):
        self.size, self.ss = size, ss
        n = size * ss
        self.rgba = np.zeros((n, n, 4), dtype=np.float32)
        self.face = np.zeros((n, n), dtype=np.float32)

    def to_canvas(self, xy):
        """Output pixel coordinates -> canvas coordinates."""
        return xy * self.ss + (self.ss - 1) / 2

    def fill(self, rings, color, alpha=1.0, face=False):
        """Fill polygons given in output pixels; return their ``_scanfill``."""
        if isinstance(rings, np.ndarray):
            rings = [rings]
        region = _scanfill([self.to_canvas(r) for r in rings], self.face.shape)
        if region is not None:
            self.blend(region, color, alpha)
            if face:
                r0, c0, m = region
                self.face[r0 : r0 + m.shape[0], c0 : c0 + m.shape[1]][m] = 1.0
        return region

    def ellipses(self, centres, radii, angles, color, alpha=1.0):
        rings = []
        for c, r, t in zip(centres, radii, angles, strict=True):
            rot = np.array([[np.cos(t), np.sin(t)], [-np.sin(t), np.cos(t)]])
            rings.append((_CIRCLE * r) @ rot + c)
        self.fill(rings, color, alpha)

    def blend(self, region, color, alpha):
        """Paint ``color`` (RGB, or one per masked pixel) over ``region``."""
        r0, c0, m = region
        sub = self.rgba[r0 : r0 + m.shape[0], c0 : c0 + m.shape[1]]
        color = np.asarray(color, np.float32)
        if alpha == 1 and color.ndim == 1:  # opaque: no need to read pixels
            sub[m] = (*color, 1.0)
            return
        px = sub[m]
        px[:, :3] = px[:, :3] * (1 - alpha) + color * alpha
        px[:, 3] = px[:, 3] * (1 - alpha) + alpha
        sub[m] = px

    def result(self):
        s, n = self.ss, self.size
        # Box-filter down: sum the s rows, then the s columns, of each block.
        rgba = self.rgba.reshape(n, s, -1).sum(axis=1).reshape(n, n, s, 4).sum(axis=2)
        face = self.face.reshape(n, s, -1).sum(axis=1).reshape(n, n, s).sum(axis=2)
        return rgba / s**2, face / s**2


def _smooth_upsample(coarse, size):
    """Upsample a small ``(h, w, 3)`` grid to ``(size, size, 3)`` smoothly."""

    def weights(n_in):
        pos = np.linspace(0, n_in - 1, size)
        i0 = np.minimum(pos.astype(int), n_in - 2)
        f = pos - i0
        f = f * f * (3 - 2 * f)  # smoothstep: no visible grid lines
        W = np.zeros((size, n_in))
        W[np.arange(size), i0] = 1 - f
        W[np.arange(size), i0 + 1] = f
        return W

    h, w, c = coarse.shape
    rows = (weights(h) @ coarse.reshape(h, w * c)).reshape(size, w, c)
    return (rows.transpose(0, 2, 1) @ weights(w).T).transpose(0, 2, 1)


def _background(kind, size, rng):
    if kind == "flat":
        return np.broadcast_to(rng.uniform(0.1, 0.9, 3), (size, size, 3)).copy()
    if kind == "gradient":
        yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1)
        ang = rng.uniform(0, 2 * np.pi)
        t = np.clip((np.cos(ang) * (xx - 0.5) + np.sin(ang) * (yy - 0.5)) + 0.5, 0, 1)
        c0, c1 = rng.uniform(0.05, 0.95, (2, 3))
        return c0 + t[..., None] * (c1 - c0)
    coarse = rng.uniform(0.05, 0.95, (rng.randint(3, 7), rng.randint(3, 7), 3))
    grey = coarse.mean(axis=2, keepdims=True)
    coarse = grey + rng.uniform(0.3, 0.8) * (coarse - grey)  # tone colours down
    bg = _smooth_upsample(coarse, size)
    return bg + rng.normal(0, 0.04, (size, size, 3))


def _gauss(u, v, cu, cv, su, sv):
    return np.exp(-(((u - cu) / su) ** 2) - ((v - cv) / sv) ** 2)


class _Face:
    """One face's geometry: face frame -> output pixels (yaw, then similarity)."""

    def __init__(self, p, L, pose):
        self.p, self.L, self.pose = p, L, pose
        self.sc, self.rot, self.yaw = pose["scale"], pose["rot"], pose["yaw"]
        self.cr, self.sr = np.cos(self.rot), np.sin(self.rot)
        # Row vectors times this matrix: rotate by rot and scale by sc.
        self.matrix = self.sc * np.array([[self.cr, self.sr], [-self.sr, self.cr]])
        self.a, self.top, self.chin = p["face_w"], p["top"], L[8, 1]
        self.vc, self.hb = (self.top + self.chin) / 2, (self.chin - self.top) / 2
        extra = np.zeros(68)
        extra[27:36] = _NOSE_DEPTH
        self.pts = self.to_px(L, extra)
        self.yawed = L + np.outer(self.yaw * self.depth(L, extra), [1, 0])

    def depth(self, xy, extra=0.0):
        """Depth on an ellipsoidal head (plus ``extra``), in face widths."""
        q = 1 - (xy[:, 0] / self.a) ** 2 - ((xy[:, 1] - self.vc) / self.hb) ** 2
        return 0.4 * self.a * np.sqrt(np.maximum(q, 0)) + extra

    def to_px(self, xy, extra=0.0):
        xy = xy + np.outer(self.yaw * self.depth(xy, extra), [1, 0])
        return xy @ self.matrix + self.pose["shift"]


def _draw_head(cv, f, skin):
    """Hair behind the head, neck, clothes, ears, face and hair cap."""
    p, L, a, chin, px = f.p, f.L, f.a, f.chin, f.to_px
    hair, jt, style = p["hair"], p["jaw_top"], p["hair_style"]
    head_top = _superellipse(a * 1.04, jt - f.top, 2.2, _T_TOP)
    head_top += [0, jt]
    if style == 2:  # long hair, behind the head
        hl = chin + p["hair_len"]
        back = head_top * [1.12, 1.0] + [0, -0.03]
        cv.fill(px(np.vstack([back, [[-a * 1.15, hl], [a * 1.15, hl]]])), hair * 0.8)
    cv.fill(
        px(np.array([[-0.27, 0.1], [0.27, 0.1], [0.3, 1.3], [-0.3, 1.3]])), skin * 0.62
    )  # neck
    clothes = np.array(
        [
            [-0.3, 0.3],
            [0.0, 0.45],
            [0.3, 0.3],
            [1.2, 0.6],
            [1.4, 3.0],
            [-1.4, 3.0],
            [-1.2, 0.6],
        ]
    ) + [0, chin]
    cv.fill(px(clothes), p["clothes"] * f.pose["bright"])
    jaw_low = L[3:14] * [0.9, 1.0]  # the chin casts a shadow on the neck
    cv.fill(px(_band(_spline(jaw_low, 3), 0.0, 0.07)), skin * 0.35, 0.6)
    ear_y = (L[27, 1] + L[30, 1]) / 2
    ears = px(np.array([[-a + 0.015, ear_y], [a - 0.015, ear_y]]))
    cv.ellipses(ears, [(0.05 * f.sc, 0.1 * f.sc)] * 2, [f.rot] * 2, skin * 0.8)
    jaw = _superellipse(a, chin - jt, p["jaw_n"], _T_JAW) + [0, jt]
    cv.fill(px(np.vstack([jaw, head_top[1:-1]])), skin, face=True)
    if style > 0:  # hair cap, with a hairline above the brows
        hl = L[17:27, 1].min() - p["hairline"]
        line = np.array(
            [
                [a, jt - 0.02],
                [a * 0.8, hl + 0.06],
                [0, hl],
                [-a * 0.8, hl + 0.06],
                [-a, jt - 0.02],
            ]
        )
        cap = np.vstack([head_top * [1.05, 1.0] + [0, -0.03], _spline(line, 8)[::-1]])
        cv.fill(px(cap), hair)


def _draw_eyes(cv, f, skin):
    """Brows, lid creases, sclera, iris, pupil and lash lines."""
    p, L, px = f.p, f.L, f.to_px
    brows = [
        _band(_spline(L[17:22], 4), 0.004, p["brow_thick"] * _BROW),
        _band(_spline(L[22:27], 4), 0.004, p["brow_thick"] * _BROW[::-1]),
    ]
    cv.fill([px(b) for b in brows], p["hair"] * 0.55 + skin * 0.1, 0.9)
    lids = [
        (_spline(E[[0, 1, 2, 3]], 6), _spline(E[[3, 4, 5, 0]], 6))
        for E in (L[36:42], L[42:48])
    ]
    creases = [px(_band(up[3:-3] + [0, -0.022], 0.004, 0.004)) for up, _ in lids]
    cv.fill(creases, skin * 0.55, 0.6)
    sclera = np.array([0.86, 0.84, 0.82])
    region = cv.fill([px(np.vstack([up, lo[1:-1]])) for up, lo in lids], sclera)
    if region is not None:
        r0, c0, m = region
        rr, cc = np.nonzero(m)
        gaze = [f.pose["gaze"][0] * p["eye_w"], f.pose["gaze"][1] * p["eye_h"]]
        centres = (L[[36, 42]] + L[[39, 45]]) / 2 + gaze
        d = np.full(len(rr), np.inf)
        for c in cv.to_canvas(px(centres)):  # distance to the nearest iris centre
            d = np.minimum(d, np.hypot(cc + c0 - c[0], rr + r0 - c[1]))
        d /= f.sc * cv.ss
        ri = 0.39 * p["eye_w"]
        iris = p["iris"] * (0.8 + 0.4 * (d / ri))[:, None]
        col = np.where((d < ri)[:, None], iris, sclera)
        cv.blend(region, np.where((d < 0.42 * ri)[:, None], 0.03, col), 1.0)
    cv.fill([px(_band(up, 0.006, 0.003)) for up, _ in lids], p["hair"] * 0.2 + 0.02)
    cv.fill([px(_band(lo[1:-1], 0.001, 0.003)) for _, lo in lids], skin * 0.6, 0.7)


def _draw_nose_mouth(cv, f, skin):
    """Nostrils, alar creases, lips, mouth interior and corners."""
    p, L, px, sc, bright = f.p, f.L, f.to_px, f.sc, f.pose["bright"]
    up = sc * np.array([f.sr, -f.cr])  # one face unit "up", in output pixels
    nostrils = f.pts[[32, 34]] + 0.006 * up
    cv.ellipses(
        nostrils,
        [(0.02 * sc, 0.009 * sc)] * 2,
        [f.rot - 0.25, f.rot + 0.25],
        skin * 0.3,
    )
    alae = []
    for i, j, sgn in ((31, 32, -1), (35, 34, 1)):
        ala = np.array(
            [
                L[i] + [0.004 * sgn, -0.04],
                L[i] + [0.008 * sgn, -0.014],
                L[i],
                L[j] + [0, -0.006],
            ]
        )
        alae.append(px(_band(_spline(ala, 4), 0.003, 0.003), 0.06))
    cv.fill(alae, skin * 0.5, 0.6)
    upper = _spline(L[48:55], 4)
    lower = _spline(L[[54, 55, 56, 57, 58, 59, 48]], 4)
    inner_up = _spline(L[[48, 60, 61, 62, 63, 64, 54]], 4)
    inner_lo = _spline(L[[54, 64, 65, 66, 67, 60, 48]], 4)
    cv.fill(px(np.vstack([upper, inner_up[::-1]])), p["lips"] * 0.82 * bright)
    cv.fill(px(np.vstack([lower, inner_lo[::-1]])), p["lips"] * bright)
    if f.pose["mouth_open"] > 0.004:  # 60..64 then 64..60 (splines hold 4 a span)
        cv.fill(px(np.vstack([inner_up[4:-4], inner_lo[4:-4]])), [0.18, 0.06, 0.06])
    cv.fill(px(_band(inner_up, 0.002, 0.003)), p["lips"] * 0.3, 0.9)
    corners = f.pts[[48, 54]]  # dark mouth corners
    cv.ellipses(
        corners, [(0.012 * sc, 0.006 * sc)] * 2, [f.rot] * 2, p["lips"] * 0.3, 0.7
    )


def _shading(f, size):
    """Multiplicative shading of the face: a lit ellipsoid plus soft shadows."""
    tx, ty = f.pose["shift"]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    xx, yy = xx - tx, yy - ty
    u = (f.cr * xx + f.sr * yy) / f.sc  # face frame (after yaw)
    v = (-f.sr * xx + f.cr * yy) / f.sc
    nx, ny = u / f.a, (v - f.vc) / f.hb
    nz = np.sqrt(np.clip(1 - nx**2 - ny**2, 0, None))
    lx, ly = f.pose["light"]
    lz = np.sqrt(max(1 - lx**2 - ly**2, 0.1))
    shade = 0.55 + 0.55 * np.clip(nx * lx + ny * ly + nz * lz, 0, None)
    Y = f.yawed
    for c in (Y[36:42].mean(axis=0), Y[42:48].mean(axis=0)):  # eye sockets
        shade -= 0.22 * _gauss(u, v, c[0], c[1] - 0.01, 0.09, 0.05)
    side = -np.sign(lx) if abs(lx) > 0.05 else 1.0
    bridge = (Y[27] + Y[30]) / 2
    shade -= 0.25 * _gauss(u, v, bridge[0] + side * 0.045, bridge[1], 0.02, 0.1)
    shade -= 0.25 * _gauss(u, v, Y[33, 0], Y[33, 1] + 0.018, 0.06, 0.015)
    shade += 0.12 * _gauss(u, v, Y[30, 0], Y[30, 1], 0.025, 0.025)  # nose tip
    shade -= 0.18 * _gauss(u, v, Y[57, 0], Y[57, 1] + 0.03, 0.07, 0.02)
    shade += 0.08 * _gauss(u, v, Y[27, 0], Y[27, 1] - 0.12, 0.12, 0.07)  # brow
    return shade


def _render(p, L, pose, size, background, rng):
    """Draw one face; return the uint8 image and its landmarks in pixels."""
    f = _Face(p, L, pose)
    cv = _Canvas(size, 3 if size <= 128 else 2)
    skin = p["skin"] * pose["bright"]
    _draw_head(cv, f, skin)
    _draw_eyes(cv, f, skin)
    _draw_nose_mouth(cv, f, skin)
    rgba, face = cv.result()
    rgb = rgba[..., :3] * (1 + face * (_shading(f, size) - 1))[..., None]
    img = _background(background, size, rng) * (1 - rgba[..., 3:]) + rgb
    if size >= 96:  # soften the vector look at large sizes
        from scipy.ndimage import gaussian_filter

        img = gaussian_filter(img, sigma=(size / 256, size / 256, 0))
    img += rng.normal(0, 0.012, img.shape)
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8), f.pts


def _draw_pose(rng, size):
    scale = size * rng.uniform(0.5, 0.62)
    slack = max(size / 2 - 0.62 * scale, 0)  # room to move the face around
    shift = size / 2 + rng.uniform(-0.6, 0.6, 2) * slack + [0, 0.03 * scale]
    return {
        "scale": scale,
        "rot": np.deg2rad(np.clip(rng.normal(0, 6), -15, 15)),
        "shift": shift,
        "yaw": np.sin(np.deg2rad(rng.uniform(-15, 15))),
        "mouth_open": rng.uniform(0.0, 0.07) if rng.uniform() < 0.3 else 0.0,
        "smile": rng.uniform(0, 0.025),
        "gaze": rng.uniform(-0.25, 0.25, 2) * [1, 0.3],
        "light": (rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.05)),
        "bright": rng.uniform(0.85, 1.1),
    }


def _face_box(pts):
    """dlib-style square box around landmarks, enclosing them all."""
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    w = hi[0] - lo[0]
    side = max(w * 1.08, hi[1] - lo[1])
    cx = (lo[0] + hi[0]) / 2
    bottom = hi[1] + 0.01 * side
    return np.array(
        [cx - side / 2 + 0.5, bottom - side + 0.5, cx + side / 2 + 0.5, bottom + 0.5]
    )


def make_synthetic_faces(
    n_samples=100, *, size=64, n_identities=None, background="noise", random_state=None
):
    """Generate drawn faces with exact 68-point landmarks and boxes.

    Each face is drawn procedurally from a 68-point template built from
    simple geometry (jaw, brows, eyes, nose, lips). Every identity has its own
    shape and colour parameters (face width and height, eye spacing and size,
    nose length, mouth width, skin tone, hair); every sample gets its own pose
    and expression (scale, in-plane rotation up to 15 degrees, translation, a
    small yaw-like horizontal squeeze, open mouth, smile, gaze, lighting).
    Faces are drawn at 2-4 times the output size and averaged down.

    Parameters
    ----------
    n_samples : int, default=100
        Number of images.
    size : int, default=64
        Height and width of the square images, at least 16.
    n_identities : int, default=None
        Number of distinct people. Samples are spread evenly over them in a
        random order. ``None`` gives every sample its own identity.
    background : {'noise', 'flat', 'gradient'}, default='noise'
        Smooth coloured noise, one random colour, or a linear gradient.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives identical arrays.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : (n_samples, size, size, 3) ndarray of uint8
            RGB images.
        landmarks : (n_samples, 68, 2) ndarray of float64
            True ``(x, y)`` positions of the iBUG 300-W / dlib 68 points
            (jaw 0-16, right brow 17-21, left brow 22-26, nose bridge 27-30,
            nose base 31-35, right eye 36-41, left eye 42-47, outer lip
            48-59, inner lip 60-67; "right" is the subject's right, on the
            image's left). Pixel centres are at integer coordinates.
        boxes : (n_samples, 4) ndarray of float64
            Square ``(left, top, right, bottom)`` face boxes in the style of
            dlib's detector, enclosing all 68 landmarks.
        target : (n_samples,) ndarray of int
            Identity of each sample.
        DESCR : str
            Description of the data.

    Raises
    ------
    ValueError
        If ``n_samples < 1``, ``size < 16``, ``n_identities < 1`` or
        ``background`` is not one of the options.

    See Also
    --------
    load_sample_images : Real photographs shipped with scikit-image.

    Examples
    --------
    >>> from skface.datasets import make_synthetic_faces
    >>> faces = make_synthetic_faces(4, size=64, n_identities=2, random_state=0)
    >>> faces.images.shape, faces.images.dtype
    ((4, 64, 64, 3), dtype('uint8'))
    >>> faces.landmarks.shape, faces.boxes.shape, sorted(set(faces.target.tolist()))
    ((4, 68, 2), (4, 4), [0, 1])
    """
    for name, value, low in (("n_samples", n_samples, 1), ("size", size, 16)):
        if (
            not isinstance(value, numbers.Integral)
            or isinstance(value, bool)
            or value < low
        ):
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if n_identities is not None and (
        not isinstance(n_identities, numbers.Integral)
        or isinstance(n_identities, bool)
        or n_identities < 1
    ):
        raise ValueError(
            f"n_identities must be None or an int >= 1, got {n_identities!r}"
        )
    if background not in BACKGROUNDS:
        raise ValueError(f"background must be one of {BACKGROUNDS}, got {background!r}")
    rng = check_random_state(random_state)
    n, size = int(n_samples), int(size)
    if n_identities is None:
        target = np.arange(n)
    else:
        target = rng.permutation(np.arange(n) % int(n_identities))
    people = [_draw_identity(rng) for _ in range(int(target.max()) + 1)]
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    landmarks = np.empty((n, 68, 2))
    boxes = np.empty((n, 4))
    for i in range(n):
        pose = _draw_pose(rng, size)
        p = people[target[i]]
        L = _landmarks(p, pose["mouth_open"], pose["smile"])
        images[i], landmarks[i] = _render(p, L, pose, size, background, rng)
        boxes[i] = _face_box(landmarks[i])
    return Bunch(
        images=images, landmarks=landmarks, boxes=boxes, target=target, DESCR=_DESCR
    )


_DESCR = """Synthetic faces
---------------

Procedurally drawn frontal faces with exact iBUG 300-W / dlib 68-point
landmarks, produced by :func:`skface.datasets.make_synthetic_faces`. Each
identity has its own face shape, feature sizes and colours; each sample its
own pose (scale, in-plane rotation up to 15 degrees, translation, slight yaw),
expression (open mouth, smile), gaze and lighting. The images are meant for
fast, deterministic tests and demos of detectors, landmark models and
generative models, not for judging accuracy on real photographs.
"""
