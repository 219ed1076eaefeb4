"""Procedurally drawn faces with exact 68-point landmarks.

The faces are vector drawings: a 68-point template is built from simple
geometry (a super-ellipse jaw, arched brows, almond eyes, nose and lips),
deformed by per-identity shape parameters and per-sample pose and expression,
and filled as polygons (a vectorised numpy scan-line fill) at 2-3 times the
output resolution, then averaged down (anti-aliasing) and shaded with a
Lambertian head model and soft shadows.
The landmarks are the exact points the features were drawn from, so they are
ground truth, not estimates.

The drawing lives in two private modules: ``_synthetic_shape`` (identity
and landmarks) and ``_synthetic_render`` (polygons, shading); this module
draws poses and builds the data set.

Coordinates follow the skface conventions: landmarks are ``(x, y)`` with pixel
centres at integer coordinates (as dlib and scikit-image use them), and boxes
are ``(left, top, right, bottom)`` pixel edges.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._synthetic_render import _render
from ._synthetic_shape import _draw_identity, _landmarks

__all__ = ["make_synthetic_faces"]

BACKGROUNDS = ("noise", "flat", "gradient")


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
