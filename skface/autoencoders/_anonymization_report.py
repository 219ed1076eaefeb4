"""How well a face anonymiser works, per face: identity gone, pose kept, no seam.

These evaluations run models (a face detector, dlib's face encoder, a
landmark extractor) on the photos, so they live next to
:class:`~skface.autoencoders.FaceAnonymizer` rather than in
:mod:`skface.metrics`, which holds pure array functions only (their
``skface.metrics`` names are deprecated aliases).

Every function compares two batches of photos: ``anonymized[i]`` is
``originals[i]`` after anonymisation (the output of an anonymiser such as
:class:`skface.autoencoders.FaceAnonymizer`). The faces are found once, in
the *originals* (by the detector, or given as ``boxes``), and each face is
measured in its original box on both images, so the same face is compared.
With ``faces='all'`` every face of a photo is a row of its own; with
``faces='largest'`` only the largest face of each photo is (one value per
photo, NaN for a photo without a face).
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import clone

from ..features import DlibFaceEncoder
from ..landmarks import LandmarkExtractor
from ..metrics import box_iou, seam_score
from ..metrics._landmarks import _interocular
from ..utils.validation import check_images
from ._report_faces import detections, find_faces, fit_detector, given_landmarks

__all__ = [
    "anonymization_report",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
]

#: dlib's same-person threshold on the euclidean distance of its embeddings.
SAME_PERSON_DISTANCE = 0.6


# --------------------------------------------------------------- validation
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


def _check_fraction(value, name):
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not 0 < value <= 1  # NaN fails too
    ):
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")


def _check_threshold(threshold):
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, Real)
        or not np.isfinite(threshold)
        or threshold <= 0
    ):
        raise ValueError(
            f"threshold must be a positive distance (dlib's is 0.6), got {threshold!r}"
        )


# ----------------------------------------------------------------- identity
def _identity_distance(a, b, found, encoder):
    out = np.full(len(found), np.nan)
    if len(found) == 0:
        return out
    enc = DlibFaceEncoder() if encoder is None else encoder
    faces_a = [a[i] for i in found.image]
    enc = clone(enc).set_params(input="photos", on_missing="nan").fit(faces_a[:1])
    ea = enc.transform(faces_a, boxes=found.boxes)
    eb = enc.transform([b[i] for i in found.image], boxes=found.boxes)
    return np.linalg.norm(ea - eb, axis=1)


def identity_distance(
    originals,
    anonymized,
    *,
    boxes=None,
    faces="largest",
    encoder=None,
    detector=None,
):
    """Distance between the dlib face embeddings of each original and output face.

    Parameters
    ----------
    originals, anonymized : images
        Same number of images, same sizes; ``anonymized[i]`` is
        ``originals[i]`` anonymised, its faces at the same places.
    boxes : array-like of shape (n_samples, 4), list of (k, 4) arrays, default=None
        The faces of the originals, ``(left, top, right, bottom)``: one box
        per image (a NaN row: no face), or a list with a ``(k, 4)`` array
        of boxes per image (``k`` may be 0). ``None`` runs ``detector`` on
        the originals.
    faces : {'largest', 'all'}, default='largest'
        Which faces of each image (found or given as a list): the largest
        one (one distance per image), or all of them (one distance per
        face). The ``(n_samples, 4)`` form of ``boxes`` has one face per
        image either way.
    encoder : DlibFaceEncoder, default=None
        The embedding (cloned; ``None`` uses dlib's ResNet with its 5-point
        alignment inside each box).
    detector : detector estimator, default=None
        Finds the faces when ``boxes`` is None (a fitted one is used as it
        is, an unfitted one is cloned and fitted); ``None`` uses
        ``HOGFaceDetector(upsample=1)``.

    Returns
    -------
    distance : ndarray of shape (n_samples,) or (n_faces,)
        Euclidean distances; below 0.6 dlib takes two faces for the same
        person. One per image (NaN for an image without a face) with
        ``faces='largest'`` or one box per image; otherwise one per face,
        image by image, in the order of the ``faces`` table of
        :func:`anonymization_report`.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage.data import astronaut
    >>> from skface.autoencoders import identity_distance
    >>> img = astronaut()[None]
    >>> box = np.array([[175, 76, 266, 167]])  # her face
    >>> identity_distance(img, img, boxes=box)
    array([0.])
    """
    a, b = _pair(originals, anonymized)
    found, _ = find_faces(a, boxes, faces, detector)
    return found.values(_identity_distance(a, b, found, encoder))


def identity_change_rate(
    originals,
    anonymized,
    *,
    threshold=SAME_PERSON_DISTANCE,
    boxes=None,
    faces="largest",
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
    boxes, faces, encoder, detector
        See :func:`identity_distance`.

    Returns
    -------
    rate : float
        In ``[0, 1]``, over the faces found or given (NaN if there is none).
    """
    _check_threshold(threshold)
    d = identity_distance(
        originals,
        anonymized,
        boxes=boxes,
        faces=faces,
        encoder=encoder,
        detector=detector,
    )
    d = d[np.isfinite(d)]
    return float(np.mean(d > threshold)) if d.size else float("nan")


# ---------------------------------------------------------------- landmarks
def _landmark_shift(a, b, found, landmarks, landmark_extractor):
    out = np.full(len(found), np.nan)
    ok = np.ones(len(found), bool)
    L0 = None
    if landmarks is not None:
        L0 = given_landmarks(landmarks, found)
        ok &= np.isfinite(L0).all(axis=(1, 2))
    if not ok.any():
        return out
    rows = np.flatnonzero(ok)
    imgs_a = [a[found.image[j]] for j in rows]
    lm = LandmarkExtractor() if landmark_extractor is None else landmark_extractor
    lm = clone(lm).set_params(on_missing="nan").fit(imgs_a[:1])
    if L0 is None:
        L0 = np.full((len(found), lm.n_points_, 2), np.nan)
        L0[rows] = lm.landmarks(imgs_a, boxes=found.boxes[rows])
    L1 = lm.landmarks([b[found.image[j]] for j in rows], boxes=found.boxes[rows])
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
    faces="largest",
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
    boxes : array-like of shape (n_samples, 4), list of (k, 4) arrays, default=None
        The faces of the originals; see :func:`identity_distance`.
    faces : {'largest', 'all'}, default='largest'
        The largest face of each image, or all of them; see
        :func:`identity_distance`.
    landmarks : array-like of shape (n_samples, n_points, 2), list, default=None
        The originals' landmarks (e.g. ground truth): one set per image, or
        a list with a ``(k, n_points, 2)`` array per image. With one face per
        image (``faces='largest'`` or one box per image) set ``i`` is image
        ``i``'s face; otherwise each set goes to the face whose box holds
        its mean point ("match by box") and faces without a set get NaN.
        ``None`` predicts them with ``landmark_extractor`` in the boxes.
    landmark_extractor : LandmarkExtractor, default=None
        Cloned and fitted without targets; ``None`` uses dlib's 68 points.
    detector : detector estimator, default=None
        Finds the faces when ``boxes`` is None.
    average : bool, default=True
        Mean over the faces, or the values (as :func:`identity_distance`
        orders them; NaN for an image without a face).

    Returns
    -------
    error : float or ndarray of shape (n_samples,) or (n_faces,)
    """
    a, b = _pair(originals, anonymized)
    found, _ = find_faces(a, boxes, faces, detector)
    err = _landmark_shift(a, b, found, landmarks, landmark_extractor)
    if not average:
        return found.values(err)
    return float(np.nanmean(err)) if np.isfinite(err).any() else float("nan")


# --------------------------------------------------------------- detection
def _redetection(b, found, det, min_iou):
    """Per face, the best IoU of a detection in the anonymised image."""
    iou = np.zeros(len(found))
    images = np.unique(found.image)
    if len(images) == 0:
        return iou
    dets = detections(det, [b[i] for i in images])
    for i, d in zip(images, dets):
        rows = np.flatnonzero(found.image == i)
        if len(d):
            iou[rows] = box_iou(found.boxes[rows], d[:, :4]).max(axis=1)
    return iou


def _seam(b, masks):
    if isinstance(masks, np.ndarray) and masks.ndim == 2:
        masks = [masks] * len(b)
    if len(masks) != len(b):
        raise ValueError(f"got {len(masks)} masks for {len(b)} images")
    masks = [np.asarray(m) for m in masks]
    for i, (m, im) in enumerate(zip(masks, b)):
        if m.shape != im.shape[:2]:
            raise ValueError(
                f"masks[{i}] has shape {m.shape} but anonymized[{i}] is "
                f"{im.shape[0]}x{im.shape[1]} pixels"
            )
    rows = [i for i, m in enumerate(masks) if m.any()]
    if not rows:
        return float("nan")
    return seam_score([b[i] for i in rows], [masks[i] for i in rows])


def _mean(values):
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def anonymization_report(
    originals,
    anonymized,
    *,
    masks=None,
    boxes=None,
    faces="all",
    landmarks=None,
    threshold=SAME_PERSON_DISTANCE,
    encoder=None,
    landmark_extractor=None,
    detector=None,
    min_iou=0.5,
):
    """Per face: identity change, pose kept, face still a face; and the seam.

    Every face of each original is found once (by ``detector``, or given as
    ``boxes``) and measured in its box on the original and on the
    anonymised image: dlib embedding distance, landmark shift, and whether
    ``detector`` still finds a face there in the anonymised image (a
    detection whose box overlaps the original's with IoU >= ``min_iou``:
    faces are matched by box). The detector runs once on the originals
    (unless ``boxes`` are given) and once on the anonymised images.

    Parameters
    ----------
    originals, anonymized : images
        Same number of images, same sizes; ``anonymized[i]`` is
        ``originals[i]`` anonymised, its faces at the same places.
    masks : bool array of shape (n_samples, H, W), list of such, or None
        The blend region of each image (e.g.
        ``FaceAnonymizer.anonymize(X).masks``); with it the report has
        ``seam_score``. Images with an empty mask are left out of it.
    boxes : array-like of shape (n_samples, 4), list of (k, 4) arrays, default=None
        The faces of the originals, ``(left, top, right, bottom)``: a list
        with a ``(k, 4)`` array of boxes per image (``k`` may be 0), or one
        box per image (a NaN row: no face; the older form). ``None`` runs
        ``detector`` on the originals.
    faces : {'all', 'largest'}, default='all'
        Every face of each image (found or given as a list), or only the
        largest one (one row per image with a face).
    landmarks : array-like of shape (n_samples, n_points, 2), list, default=None
        The originals' landmarks, if known (see :func:`landmark_shift`).
    threshold : float, default=0.6
        dlib's same-person distance.
    encoder, landmark_extractor : estimators, default=None
        See :func:`identity_distance` and :func:`landmark_shift`.
    detector : detector estimator, default=None
        Finds the faces of the originals (when ``boxes`` is None) and of
        the anonymised images; a fitted one is used as it is, an unfitted
        one is cloned and fitted. ``None`` uses
        ``HOGFaceDetector(upsample=1)``.
    min_iou : float, default=0.5
        Overlap with the original's box that a detection in the anonymised
        image needs to count as the same face, in ``(0, 1]``.

    Returns
    -------
    report : dict
        ``faces``: a :class:`pandas.DataFrame` with one row per face of the
        originals, columns ``image`` and ``face`` (its index in the image,
        in the detector's order or that of ``boxes``), its box ``left``,
        ``top``, ``right``, ``bottom``, ``identity_distance``,
        ``identity_changed`` (distance above ``threshold``),
        ``landmark_shift``, ``redetection_iou`` (best overlap of a
        detection in the anonymised image, 0 if none) and ``redetected``
        (``redetection_iou >= min_iou``). The summary, means over those
        rows: ``n_faces`` (rows); ``identity_change_rate``: fraction of
        faces whose distance exceeds ``threshold`` (higher is better);
        ``identity_distance``: mean distance; ``landmark_shift``: mean
        landmark error of the anonymised faces, in inter-ocular distances
        (lower is better); ``detection_rate``: fraction of faces
        redetected; ``seam_score``: mean :func:`skface.metrics.seam_score`
        along the blend boundary (about 0 is seamless; only with
        ``masks``). A mean over no face is NaN.

    See Also
    --------
    skface.autoencoders.FaceAnonymizer : Blurs, pixelates, fills or replaces
        every face.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.autoencoders import anonymization_report
    >>> img = astronaut()[None]
    >>> report = anonymization_report(img, img, faces="largest")  # unchanged
    >>> report["identity_change_rate"], report["landmark_shift"]
    (0.0, 0.0)
    >>> report["faces"][["image", "face", "identity_distance", "redetected"]]
       image  face  identity_distance  redetected
    0      0     0                0.0        True
    """
    _check_threshold(threshold)
    _check_fraction(min_iou, "min_iou")
    a, b = _pair(originals, anonymized)
    found, det = find_faces(a, boxes, faces, detector)
    dist = _identity_distance(a, b, found, encoder)
    shift = _landmark_shift(a, b, found, landmarks, landmark_extractor)
    if det is None and len(found):
        det = fit_detector(detector, [a[i] for i in np.unique(found.image)])
    iou = _redetection(b, found, det, min_iou)

    import pandas as pd

    table = pd.DataFrame(
        {
            "image": found.image,
            "face": found.face,
            "left": found.boxes[:, 0],
            "top": found.boxes[:, 1],
            "right": found.boxes[:, 2],
            "bottom": found.boxes[:, 3],
            "identity_distance": dist,
            "identity_changed": dist > threshold,
            "landmark_shift": shift,
            "redetection_iou": iou,
            "redetected": iou >= min_iou,
        }
    )
    changed = (dist > threshold)[np.isfinite(dist)]
    report = {
        "n_faces": len(found),
        "identity_change_rate": (
            float(changed.mean()) if changed.size else float("nan")
        ),
        "identity_distance": _mean(dist),
        "landmark_shift": _mean(shift),
        "detection_rate": (
            float(np.mean(iou >= min_iou)) if len(found) else float("nan")
        ),
    }
    if masks is not None:
        report["seam_score"] = _seam(b, masks)
    report["faces"] = table
    return report
