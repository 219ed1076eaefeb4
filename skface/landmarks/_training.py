"""Training a dlib shape predictor (ensemble of regression trees) in memory."""

from __future__ import annotations

import os
import tempfile

import numpy as np
from PIL import Image

from ..metrics import box_iou
from ..utils._optional import import_dlib

__all__ = ["landmark_boxes", "match_boxes", "train_shape_predictor"]

#: Padding of the landmarks' bounding box, as a fraction of its size on each
#: side, used for training boxes when none are given.
BOX_PADDING = 0.1


def landmark_boxes(landmarks, padding=BOX_PADDING):
    """Bounding boxes ``(l, t, r, b)`` of landmarks, widened by ``padding``.

    Parameters
    ----------
    landmarks : ndarray of shape (n_samples, n_points, 2)
    padding : float, default=0.1
        Fraction of the box width (height) added on the left and right (top
        and bottom).

    Returns
    -------
    boxes : ndarray of shape (n_samples, 4)
    """
    lo, hi = landmarks.min(axis=1), landmarks.max(axis=1)
    pad = padding * np.maximum(hi - lo, 1.0)
    return np.hstack([lo - pad, hi + pad + 1.0])


def match_boxes(detections, landmarks, min_iou=0.3):
    """Pick, for each face, the detection that matches its landmarks.

    Parameters
    ----------
    detections : list of ndarray of shape (k_i, 4 or 5)
        Detections of the image each face is in.
    landmarks : ndarray of shape (n_faces, n_points, 2)
    min_iou : float, default=0.3
        Smallest IoU between a detection and the landmarks' bounding box.

    Returns
    -------
    boxes : ndarray of shape (n_faces, 4)
        The best-matching detection; for faces without one, the landmarks'
        bounding box mapped to the detector's geometry (median offsets of
        the matched faces, relative to their landmark boxes).
    matched : ndarray of shape (n_faces,) of bool
    """
    tight = landmark_boxes(landmarks, padding=0.0)
    boxes = np.full((len(tight), 4), np.nan)
    for i, (dets, box) in enumerate(zip(detections, tight, strict=True)):
        dets = np.asarray(dets, dtype=np.float64)
        if dets.ndim == 2 and len(dets):
            dets = dets[:, :4]
            iou = box_iou(box, dets)[0]
            j = int(np.argmax(iou))
            if iou[j] >= min_iou:
                boxes[i] = dets[j]
    matched = ~np.isnan(boxes[:, 0])
    if matched.any() and not matched.all():
        size = np.tile(tight[:, 2:] - tight[:, :2], 2)
        rel = np.median((boxes[matched] - tight[matched]) / size[matched], axis=0)
        boxes[~matched] = tight[~matched] + rel * size[~matched]
    return boxes, matched


def _options(params, seed, n_threads, verbose):
    dlib = import_dlib()
    opts = dlib.shape_predictor_training_options()
    opts.tree_depth = int(params["tree_depth"])
    opts.nu = float(params["nu"])
    opts.cascade_depth = int(params["cascade_depth"])
    opts.feature_pool_size = int(params["feature_pool_size"])
    opts.num_test_splits = int(params["num_test_splits"])
    opts.num_trees_per_cascade_level = int(params["num_trees_per_cascade_level"])
    opts.oversampling_amount = int(params["oversampling_amount"])
    opts.oversampling_translation_jitter = float(
        params["oversampling_translation_jitter"]
    )
    opts.lambda_param = float(params["lambda_param"])
    opts.feature_pool_region_padding = float(params["feature_pool_region_padding"])
    opts.num_threads = int(n_threads)
    opts.random_seed = str(seed)
    opts.be_verbose = bool(verbose)
    return opts


def _write_dataset(folder, images, landmarks, boxes):
    """Write BMP images and a dlib XML dataset; return the XML path.

    Faces that share the same image array object go into one image entry.
    """
    groups = {}  # id(image) -> (image, [face indices]); keeps insertion order
    for i, img in enumerate(images):
        groups.setdefault(id(img), (img, []))[1].append(i)
    width = len(str(landmarks.shape[1] - 1))  # '00'..'67': dlib sorts names
    lines = ["<?xml version='1.0' encoding='ISO-8859-1'?>", "<dataset>", "<images>"]
    for k, (img, faces) in enumerate(groups.values()):
        name = f"{k}.bmp"  # lossless, and read by dlib without extra libraries
        Image.fromarray(img).save(os.path.join(folder, name))
        lines.append(f"<image file='{name}'>")
        for i in faces:
            left, top, right, bottom = (int(round(float(v))) for v in boxes[i])
            lines.append(
                f"<box top='{top}' left='{left}' width='{max(1, right - left)}' "
                f"height='{max(1, bottom - top)}'>"
            )
            for j, (x, y) in enumerate(np.rint(landmarks[i]).astype(int)):
                lines.append(f"<part name='{j:0{width}d}' x='{x}' y='{y}'/>")
            lines.append("</box>")
        lines.append("</image>")
    lines += ["</images>", "</dataset>"]
    path = os.path.join(folder, "dataset.xml")
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(lines))
    return path


def train_shape_predictor(
    images, landmarks, boxes, *, params, seed, n_threads, verbose=0
):
    """Train a shape predictor and return its serialised bytes.

    The images go to dlib's trainer through a temporary folder (BMP files and
    an XML dataset), not as numpy arrays: with the in-memory variant, dlib's
    training threads change the reference counts of Python objects without
    holding the GIL, which corrupts them when ``num_threads > 1``.

    Parameters
    ----------
    images : list of ndarray
        ``uint8`` grey or RGB, one per face. Faces that share the same array
        object are grouped into one training image, so a photo with several
        faces is written and held by dlib only once.
    landmarks : ndarray of shape (n_faces, n_points, 2)
        Rounded to whole pixels (dlib's points are integers).
    boxes : ndarray of shape (n_faces, 4)
        skface boxes ``(l, t, r, b)``.
    params : dict
        The estimator's training parameters (dlib option names).
    seed : int
        dlib's ``random_seed``.
    n_threads : int
        dlib's ``num_threads``.
    verbose : int, default=0

    Returns
    -------
    model : bytes
        The ``.dat`` file of the trained predictor.
    """
    dlib = import_dlib()
    opts = _options(params, seed, n_threads, verbose)
    with tempfile.TemporaryDirectory(prefix="skface_shape_") as folder:
        dataset = _write_dataset(folder, images, landmarks, boxes)
        model = os.path.join(folder, "model.dat")
        try:
            dlib.train_shape_predictor(dataset, model, opts)
        except RuntimeError as exc:  # dlib's checks, e.g. on option values
            msg = " ".join(str(exc).split())
            raise ValueError(
                f"dlib could not train the shape predictor: {msg}"
            ) from None
        with open(model, "rb") as f:
            return f.read()
