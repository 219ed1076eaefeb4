"""Detect faces, then predict landmarks in their boxes: the work of
:class:`~skface.landmarks.LandmarkExtractor` on a chunk of images (run in a
joblib worker)."""

from __future__ import annotations

import numpy as np

from ..utils._boxes import select_boxes
from ..utils._faces import clip_boxes, detect_unclipped
from ._native import load_predictor, predict_shape

__all__ = []


def _detect(detector, images, *, with_clip=False):
    """Per image, the ``(k, 5)`` detections (a ``(0, 5)`` array if none).

    Boxes are the detector's raw ones (not clipped to the image: the shape
    predictor needs the whole face box). With ``with_clip``, also return
    whether the detector clips the boxes it reports.
    """
    if hasattr(detector, "detect"):
        dets, clip = detect_unclipped(detector, images)
    else:
        boxes = np.asarray(detector.transform(images), dtype=np.float64).reshape(-1, 4)
        dets = [
            np.empty((0, 5)) if np.isnan(b).any() else np.append(b, 1.0)[None]
            for b in boxes
        ]
        clip = False
    return (dets, clip) if with_clip else dets


def _landmarks_chunk(task, *, model, detector, select, on_missing, n_points, all_faces):
    """Landmarks of a chunk of images (runs in a joblib worker).

    ``task`` is ``(start, images, boxes)``; ``boxes`` is None to detect.
    Returns a list with one ``(p, 2)`` array per image (or, with
    ``all_faces``, a ``((k, 5) detections, (k, p, 2) landmarks)`` pair).
    """
    start, images, boxes = task
    predictor = load_predictor(model)
    if all_faces:
        out = []
        found, clip = _detect(detector, images, with_clip=True)
        for img, dets in zip(images, found, strict=True):
            faces = [predict_shape(predictor, img, box) for box in dets[:, :4]]
            shown = clip_boxes(dets, img.shape) if clip else dets
            out.append((shown, np.array(faces).reshape(len(faces), n_points, 2)))
        return out
    if boxes is None:
        # Missing faces come back as NaN rows, handled below with the
        # image's index in the whole batch.
        shapes = [img.shape[:2] for img in images]
        boxes = select_boxes(
            _detect(detector, images), shapes, select=select, on_missing="nan"
        )
    out = []
    for i, (img, box) in enumerate(zip(images, boxes, strict=True)):
        if box is None or np.isnan(box).any():
            h, w = img.shape[:2]
            if on_missing == "raise":
                raise ValueError(
                    f"no face found in X[{start + i}] ({h}x{w} pixels); set "
                    "on_missing='nan' or 'whole' to keep such images"
                )
            if on_missing == "nan":
                out.append(np.full((n_points, 2), np.nan))
                continue
            box = (0, 0, w, h)
        out.append(predict_shape(predictor, img, box))
    return out
