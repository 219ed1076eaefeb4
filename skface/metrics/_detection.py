"""Detection metrics: IoU and average precision."""

from __future__ import annotations

import numpy as np

__all__ = ["box_iou", "average_precision"]


def box_iou(a, b):
    """Intersection over union of two sets of boxes.

    Parameters
    ----------
    a : array-like of shape (n, 4)
    b : array-like of shape (m, 4)
        ``(left, top, right, bottom)`` boxes.

    Returns
    -------
    iou : ndarray of shape (n, m)
    """
    a = np.asarray(a, dtype=float).reshape(-1, 4)
    b = np.asarray(b, dtype=float).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def average_precision(true_boxes, pred_boxes, *, iou_threshold=0.5):
    """Average precision of detections over a set of images (VOC, all points).

    Detections of all images are ranked by score; each is a true positive if
    it overlaps a not-yet-matched true box of its image with IoU at least
    ``iou_threshold``. AP is the area under the precision-recall curve with
    precision made monotone (all-point interpolation).

    Parameters
    ----------
    true_boxes : list of array-like of shape (k_i, 4)
        True boxes per image.
    pred_boxes : list of array-like of shape (m_i, 5) or (m_i, 4)
        Detections per image as ``(left, top, right, bottom, score)``;
        without a score column, rows are taken in the given order.
    iou_threshold : float, default=0.5

    Returns
    -------
    ap : float
        In ``[0, 1]``; 1.0 when every face is found with no false positive
        ranked above a true one. 0.0 if there are no true boxes.
    """
    if len(true_boxes) != len(pred_boxes):
        raise ValueError(
            f"true_boxes has {len(true_boxes)} images but pred_boxes has "
            f"{len(pred_boxes)}"
        )
    records = []  # (score, image, row)
    n_true = 0
    preds = []
    for i, (t, p) in enumerate(zip(true_boxes, pred_boxes)):
        t = np.asarray(t, dtype=float).reshape(-1, 4)
        n_true += len(t)
        p = np.asarray(p, dtype=float)
        p = p.reshape(-1, p.shape[-1] if p.size else 5)
        if p.shape[1] == 4:
            p = np.column_stack([p, -np.arange(len(p), dtype=float)])
        preds.append(p)
        records += [(p[j, 4], i, j) for j in range(len(p))]
    if n_true == 0:
        return 0.0
    records.sort(key=lambda r: -r[0])
    matched = [np.zeros(len(np.asarray(t).reshape(-1, 4)), bool) for t in true_boxes]
    tp = np.zeros(len(records))
    for k, (_, i, j) in enumerate(records):
        t = np.asarray(true_boxes[i], dtype=float).reshape(-1, 4)
        if len(t) == 0:
            continue
        iou = box_iou(preds[i][j, :4], t)[0]
        iou[matched[i]] = -1
        best = int(np.argmax(iou))
        if iou[best] >= iou_threshold:
            matched[i][best] = True
            tp[k] = 1
    if len(records) == 0:
        return 0.0
    ctp = np.cumsum(tp)
    recall = ctp / n_true
    precision = ctp / np.arange(1, len(records) + 1)
    # Monotone precision envelope, integrated over recall steps.
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[1.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))
