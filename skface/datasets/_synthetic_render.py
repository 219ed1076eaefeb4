"""Drawing a synthetic face: scan-line polygon fill, shading, background.

Part of :func:`skface.datasets.make_synthetic_faces` (see
``_synthetic.py``): the landmarks of ``_synthetic_shape`` are filled as
polygons at 2-3 times the output resolution, averaged down (anti-aliasing)
and shaded with a Lambertian head model and soft shadows.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

from ._synthetic_shape import (
    _BROW,
    _CIRCLE,
    _NOSE_DEPTH,
    _T_JAW,
    _T_TOP,
    _band,
    _spline,
    _superellipse,
)


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
        img = gaussian_filter(img, sigma=(size / 256, size / 256, 0))
    img += rng.normal(0, 0.012, img.shape)
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8), f.pts
