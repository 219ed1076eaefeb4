"""The faces an anonymisation report measures: found once, one row per face.

Private helpers of :mod:`skface.autoencoders._anonymization_report`: the
faces of the original photos (detected, or given as boxes in either of the
two accepted forms), and given landmarks matched to them by box.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..detection import HOGFaceDetector
from ..metrics import box_iou
from ..utils._boxes import box_area
from ..utils.validation import check_boxes

__all__ = ["FACES", "Faces", "find_faces", "fit_detector", "given_landmarks"]

#: Which faces of a photo are measured.
FACES = ("all", "largest")


def _check_faces(faces):
    if not isinstance(faces, str) or faces not in FACES:
        raise ValueError(f"faces must be 'all' or 'largest', got {faces!r}")


# -------------------------------------------------------------------- faces
class Faces:
    """The faces measured: one row per face of the originals.

    ``image[j]`` is the photo of face ``j``, ``face[j]`` its index among
    that photo's faces (detector order or the order of ``boxes``), and
    ``boxes[j]`` its ``(left, top, right, bottom)`` box in the original.
    ``per_image`` is true when there is at most one face per photo and the
    per-face values are reported one per photo (``faces='largest'`` or the
    ``(n_samples, 4)`` form of ``boxes``).
    """

    def __init__(self, image, face, boxes, n_images, per_image):
        self.image = np.asarray(image, dtype=np.int64)
        self.face = np.asarray(face, dtype=np.int64)
        self.boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        self.n_images = n_images
        self.per_image = per_image

    def __len__(self):
        return len(self.image)

    def values(self, per_face):
        """Per-face values as returned: one per photo (NaN where none) or
        one per face."""
        if not self.per_image:
            return per_face
        out = np.full(self.n_images, np.nan)
        out[self.image] = per_face
        return out


def fit_detector(detector, images):
    """A fitted detector: a prefitted one as it is, else a fitted clone."""
    det = HOGFaceDetector(upsample=1) if detector is None else detector
    if not hasattr(det, "detect"):
        raise ValueError(
            f"detector must have a detect method (a skface detector), got {det!r}"
        )
    try:
        check_is_fitted(det)
        return det
    except NotFittedError:
        return clone(det).fit(images)
    except TypeError:  # not an sklearn estimator: use as it is
        return det


def detections(det, images):
    """Per image, the ``(k, 5)`` detections of ``det`` as a float array."""
    return [np.asarray(d, dtype=float).reshape(-1, 5) for d in det.detect(images)]


def _is_old_form(boxes):
    """``(n_samples, 4)`` boxes, one per photo (not a list per photo)."""
    if isinstance(boxes, np.ndarray):
        return boxes.ndim != 3
    try:
        return all(np.ndim(b) == 1 for b in boxes)
    except TypeError:
        return True  # not a sequence: check_boxes names the problem


def _per_image_boxes(boxes, n_images):
    """Validate a list of ``(k_i, 4)`` box arrays, one per photo."""
    if len(boxes) != n_images:
        raise ValueError(
            f"boxes has {len(boxes)} entries but there are {n_images} images; "
            "expected one (k_i, 4) array of boxes per image"
        )
    out = []
    for i, b in enumerate(boxes):
        if np.size(b) == 0:
            out.append(np.empty((0, 4)))
            continue
        if np.ndim(b) != 2:
            raise ValueError(
                f"boxes[{i}] has shape {np.shape(b)}; expected (k, 4) boxes as "
                f"(left, top, right, bottom), one row per face of image {i}"
            )
        out.append(check_boxes(b, name=f"boxes[{i}]"))
    return out


def find_faces(images, boxes, faces, detector):
    """The faces of the originals, and the fitted detector (if it ran)."""
    _check_faces(faces)
    n = len(images)
    det = None
    if boxes is not None and _is_old_form(boxes):
        B = check_boxes(boxes, n_samples=n, allow_nan=True)
        rows = np.flatnonzero(np.isfinite(B).all(axis=1))
        return Faces(rows, np.zeros(len(rows)), B[rows], n, True), det
    if boxes is None:
        det = fit_detector(detector, images)
        per_image = [d[:, :4] for d in detections(det, images)]
    else:
        per_image = _per_image_boxes(boxes, n)
    if faces == "largest":
        per_image = [b[[np.argmax(box_area(b))]] if len(b) else b for b in per_image]
    counts = [len(b) for b in per_image]
    return (
        Faces(
            np.repeat(np.arange(n), counts),
            np.concatenate([np.arange(k) for k in counts] + [np.empty(0)]),
            np.concatenate([np.empty((0, 4)), *per_image]),
            n,
            faces == "largest",
        ),
        det,
    )


def given_landmarks(landmarks, found):
    """The given landmarks of each face row, ``(n_faces, n_points, 2)``.

    One set per image in the ``(n_samples, n_points, 2)`` form goes with
    that image's face when there is one face per image; otherwise (a list
    of ``(k_i, n_points, 2)`` arrays, or several faces per image) each set
    is matched by box: it belongs to the face of its image whose box holds
    the set's mean point (the one overlapping the set's bounding box most
    if several do). Faces without a set get NaN.
    """
    n = found.n_images
    per_image = isinstance(landmarks, np.ndarray) and landmarks.ndim == 3
    if not per_image:
        try:
            per_image = np.ndim(landmarks) == 3
        except ValueError:  # ragged list: one array per image
            per_image = False
    if per_image:
        L = np.asarray(landmarks, dtype=float)
        if len(L) != n or L.shape[2] != 2:
            raise ValueError(
                f"landmarks must be (n_samples, n_points, 2) with n_samples={n}, "
                f"or a list of (k, n_points, 2) arrays, one per image; got shape "
                f"{L.shape}"
            )
        if found.per_image:
            return L[found.image]
        sets = [L[i : i + 1] for i in range(n)]
    else:
        if len(landmarks) != n:
            raise ValueError(
                f"landmarks has {len(landmarks)} entries but there are {n} "
                "images; expected one (k, n_points, 2) array per image"
            )
        sets = []
        for i, s in enumerate(landmarks):
            s = np.asarray(s, dtype=float)
            if s.size == 0:
                s = s.reshape(0, 0, 2)
            elif s.ndim != 3 or s.shape[2] != 2:
                raise ValueError(
                    f"landmarks[{i}] has shape {s.shape}; expected (k, n_points, 2)"
                )
            sets.append(s)
    sizes = {s.shape[1] for s in sets if len(s)}
    if len(sizes) > 1:
        raise ValueError(f"landmarks have different numbers of points: {sorted(sizes)}")
    P = sizes.pop() if sizes else 68
    out = np.full((len(found), P, 2), np.nan)
    for i, s in enumerate(sets):
        rows = np.flatnonzero(found.image == i)
        for pts in s:
            if not len(rows) or not np.isfinite(pts).all():
                continue
            centre = pts.mean(axis=0)
            bx = found.boxes[rows]
            inside = (
                (bx[:, 0] <= centre[0])
                & (centre[0] < bx[:, 2])
                & (bx[:, 1] <= centre[1])
                & (centre[1] < bx[:, 3])
            )
            if not inside.any():
                continue
            hull = np.r_[pts.min(axis=0), pts.max(axis=0)]
            iou = np.where(inside, box_iou(hull, bx)[0], -1.0)
            out[rows[np.argmax(iou)]] = pts
    return out
