"""How well a face anonymiser works: identity gone, pose kept, no seam.

These evaluations run models (a face detector, dlib's face encoder, a
landmark extractor) on the photos, so they live next to
:class:`~skface.autoencoders.FaceAnonymizer` rather than in
:mod:`skface.metrics`, which holds pure array functions only (their
``skface.metrics`` names are deprecated aliases).

Every function compares two batches of photos row by row: ``originals[i]``
and ``anonymized[i]`` hold the same face at the same place (the output of an
anonymiser such as :class:`skface.autoencoders.FaceAnonymizer`). A row is
one face: pass a photo with several faces once per face, each time with its
own box in ``boxes``. Without ``boxes`` the largest face the detector finds
in each *original* is used; either way the same box is used on both images,
so the same face is compared.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ..detection import HOGFaceDetector
from ..features import DlibFaceEncoder
from ..landmarks import LandmarkExtractor
from ..metrics import box_iou, seam_score
from ..metrics._landmarks import _interocular
from ..utils._boxes import select_boxes
from ..utils.validation import check_boxes, check_images

__all__ = [
    "anonymization_report",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
]

#: dlib's same-person threshold on the euclidean distance of its embeddings.
SAME_PERSON_DISTANCE = 0.6


def _pair(originals, anonymized):
    a = check_images(originals, dtype="uint8", channels="rgb", stack=False)
    b = check_images(
        anonymized, dtype="uint8", channels="rgb", stack=False, name="anonymized"
    )
    if len(a) != len(b):
        raise ValueError(
            f"originals has {len(a)} images but anonymized has {len(b)}; "
            "expected one anonymised image per original"
        )
    for i, (x, y) in enumerate(zip(a, b)):
        if x.shape != y.shape:
            raise ValueError(
                f"originals[{i}] is {x.shape[0]}x{x.shape[1]} pixels but "
                f"anonymized[{i}] is {y.shape[0]}x{y.shape[1]}"
            )
    return a, b


def _default_detector():
    return HOGFaceDetector(upsample=1)


def _face_boxes(images, boxes, detector):
    """One box per row: the given ones, or the detector's largest face."""
    if boxes is not None:
        return check_boxes(boxes, n_samples=len(images), allow_nan=True)
    det = clone(detector if detector is not None else _default_detector())
    det.fit(images)
    return select_boxes(
        det.detect(images), [im.shape[:2] for im in images], on_missing="nan"
    )


def _encoder(encoder, images):
    enc = DlibFaceEncoder() if encoder is None else encoder
    return clone(enc).set_params(input="photos", on_missing="nan").fit(images[:1])


def _identity_distance(a, b, boxes, encoder):
    out = np.full(len(a), np.nan)
    ok = np.isfinite(boxes).all(axis=1)
    if ok.any():
        rows = np.flatnonzero(ok)
        enc = _encoder(encoder, [a[i] for i in rows])
        ea = enc.transform([a[i] for i in rows], boxes=boxes[rows])
        eb = enc.transform([b[i] for i in rows], boxes=boxes[rows])
        out[rows] = np.linalg.norm(ea - eb, axis=1)
    return out


def identity_distance(
    originals, anonymized, *, boxes=None, encoder=None, detector=None
):
    """Distance between the dlib face embeddings of each original and output.

    Parameters
    ----------
    originals, anonymized : images
        Same number of images, same sizes, row ``i`` showing the same face
        at the same place.
    boxes : array-like of shape (n_samples, 4), default=None
        Face box ``(left, top, right, bottom)`` of each row (NaN: no face);
        ``None`` detects the largest face in each original.
    encoder : DlibFaceEncoder, default=None
        The embedding (cloned; ``None`` uses dlib's ResNet with its 5-point
        alignment inside each box).
    detector : detector estimator, default=None
        Finds the boxes when ``boxes`` is None; ``None`` uses
        ``HOGFaceDetector(upsample=1)``.

    Returns
    -------
    distance : ndarray of shape (n_samples,)
        Euclidean distances; below 0.6 dlib takes two faces for the same
        person. NaN for rows without a face.
    """
    a, b = _pair(originals, anonymized)
    return _identity_distance(a, b, _face_boxes(a, boxes, detector), encoder)


def identity_change_rate(
    originals,
    anonymized,
    *,
    threshold=SAME_PERSON_DISTANCE,
    boxes=None,
    encoder=None,
    detector=None,
):
    """Fraction of faces that no longer look like the same person to dlib.

    A face counts as changed when the distance between the dlib embeddings
    of the original and the anonymised face (:func:`identity_distance`)
    exceeds ``threshold``, dlib's same-person threshold 0.6 by default.
    Higher is better for an anonymiser.

    Parameters
    ----------
    originals, anonymized : images
        See :func:`identity_distance`.
    threshold : float, default=0.6
        Same-person distance.
    boxes, encoder, detector
        See :func:`identity_distance`.

    Returns
    -------
    rate : float
        In ``[0, 1]``, over the rows with a face in the original (NaN if
        there is none).
    """
    d = identity_distance(
        originals, anonymized, boxes=boxes, encoder=encoder, detector=detector
    )
    d = d[np.isfinite(d)]
    return float(np.mean(d > threshold)) if d.size else float("nan")


def _landmark_shift(a, b, boxes, landmarks, landmark_extractor):
    n = len(a)
    out = np.full(n, np.nan)
    ok = np.isfinite(boxes).all(axis=1)
    if landmarks is not None:
        L0 = np.asarray(landmarks, dtype=float)
        if L0.ndim != 3 or len(L0) != n:
            raise ValueError(
                f"landmarks must be (n_samples, n_points, 2) with n_samples={n}, "
                f"got shape {L0.shape}"
            )
        ok &= np.isfinite(L0).all(axis=(1, 2))
    if not ok.any():
        return out
    rows = np.flatnonzero(ok)
    lm = LandmarkExtractor() if landmark_extractor is None else landmark_extractor
    lm = clone(lm).set_params(on_missing="nan").fit([a[i] for i in rows])
    if landmarks is None:
        L0 = np.full((n, lm.n_points_, 2), np.nan)
        L0[rows] = lm.landmarks([a[i] for i in rows], boxes=boxes[rows])
    L1 = lm.landmarks([b[i] for i in rows], boxes=boxes[rows])
    if L1.shape[1:] != L0.shape[1:]:
        raise ValueError(
            f"landmarks have {L0.shape[1]} points but the landmark extractor "
            f"gives {L1.shape[1]}"
        )
    err = np.linalg.norm(L1 - L0[rows], axis=2).mean(axis=1)
    out[rows] = err / _interocular(L0[rows])
    return out


def landmark_shift(
    originals,
    anonymized,
    *,
    boxes=None,
    landmarks=None,
    landmark_extractor=None,
    detector=None,
    average=True,
):
    """How far the landmarks moved: pose and expression kept or not.

    The landmarks are predicted again on the anonymised image, in the same
    face box as on the original, and compared with the original's
    landmarks: the mean point-to-point distance divided by the
    inter-ocular distance (as :func:`skface.metrics.landmark_error`). Lower
    is better; dlib's own error on real faces is about 0.05.

    Parameters
    ----------
    originals, anonymized : images
        See :func:`identity_distance`.
    boxes : array-like of shape (n_samples, 4), default=None
        Face boxes; ``None`` detects the largest face in each original.
    landmarks : array-like of shape (n_samples, 68 or 5, 2), default=None
        The originals' landmarks (e.g. ground truth); ``None`` predicts
        them with ``landmark_extractor`` in ``boxes``.
    landmark_extractor : LandmarkExtractor, default=None
        Cloned and fitted without targets; ``None`` uses dlib's 68 points.
    detector : detector estimator, default=None
        Finds the boxes when ``boxes`` is None.
    average : bool, default=True
        Mean over the rows with a face, or the per-row values (NaN for rows
        without a face).

    Returns
    -------
    error : float or ndarray of shape (n_samples,)
    """
    a, b = _pair(originals, anonymized)
    err = _landmark_shift(
        a, b, _face_boxes(a, boxes, detector), landmarks, landmark_extractor
    )
    if not average:
        return err
    return float(np.nanmean(err)) if np.isfinite(err).any() else float("nan")


def _detection_rate(b, boxes, detector, min_iou=0.5):
    ok = np.isfinite(boxes).all(axis=1)
    if not ok.any():
        return float("nan")
    rows = np.flatnonzero(ok)
    det = clone(detector if detector is not None else _default_detector())
    imgs = [b[i] for i in rows]
    found = []
    for d, box in zip(det.fit(imgs).detect(imgs), boxes[rows]):
        d = np.asarray(d, dtype=float).reshape(-1, 5)
        found.append(len(d) > 0 and box_iou(box[None], d[:, :4]).max() >= min_iou)
    return float(np.mean(found))


def anonymization_report(
    originals,
    anonymized,
    *,
    masks=None,
    boxes=None,
    landmarks=None,
    threshold=SAME_PERSON_DISTANCE,
    encoder=None,
    landmark_extractor=None,
    detector=None,
):
    """Identity change, pose kept, face still a face, and seam, in one dict.

    Parameters
    ----------
    originals, anonymized : images
        Row ``i`` of both shows the same face at the same place (a photo
        with several faces is passed once per face, with ``boxes``).
    masks : bool array of shape (n, H, W), list of such, or None
        The blend region of each row (e.g. ``FaceAnonymizer.anonymize(X).masks``);
        with it the report has ``seam_score``. Rows with an empty mask are
        left out of it.
    boxes : array-like of shape (n_samples, 4), default=None
        Face box of each row; ``None`` detects the largest face in each
        original.
    landmarks : array-like of shape (n_samples, n_points, 2), default=None
        The originals' landmarks, if known.
    threshold : float, default=0.6
        dlib's same-person distance.
    encoder, landmark_extractor, detector : estimators, default=None
        See :func:`identity_distance` and :func:`landmark_shift`.

    Returns
    -------
    report : dict
        ``n_faces``: rows with a face in the original (the others are left
        out of every mean); ``identity_change_rate``: fraction of faces
        whose embedding distance exceeds ``threshold`` (higher is better);
        ``identity_distance``: mean distance; ``landmark_shift``: mean
        landmark error of the anonymised faces, in inter-ocular distances
        (lower is better); ``detection_rate``: fraction of anonymised faces
        the detector still finds (IoU >= 0.5 with the original's box);
        ``seam_score``: mean :func:`skface.metrics.seam_score` along the
        blend boundary (about 0 is seamless; only with ``masks``).

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.autoencoders import anonymization_report
    >>> img = astronaut()[None]
    >>> report = anonymization_report(img, img)  # nothing anonymised
    >>> report["identity_change_rate"], report["landmark_shift"]
    (0.0, 0.0)
    """
    a, b = _pair(originals, anonymized)
    boxes = _face_boxes(a, boxes, detector)
    dist = _identity_distance(a, b, boxes, encoder)
    shift = _landmark_shift(a, b, boxes, landmarks, landmark_extractor)
    face = np.isfinite(dist)
    report = {
        "n_faces": int(face.sum()),
        "identity_change_rate": (
            float(np.mean(dist[face] > threshold)) if face.any() else float("nan")
        ),
        "identity_distance": float(dist[face].mean()) if face.any() else float("nan"),
        "landmark_shift": (
            float(np.nanmean(shift)) if np.isfinite(shift).any() else float("nan")
        ),
        "detection_rate": _detection_rate(b, boxes, detector),
    }
    if masks is not None:
        if isinstance(masks, np.ndarray) and masks.ndim == 2:
            masks = [masks] * len(b)
        if len(masks) != len(b):
            raise ValueError(f"got {len(masks)} masks for {len(b)} images")
        rows = [i for i, m in enumerate(masks) if np.asarray(m).any()]
        report["seam_score"] = (
            seam_score([b[i] for i in rows], [np.asarray(masks[i]) for i in rows])
            if rows
            else float("nan")
        )
    return report
