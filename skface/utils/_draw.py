"""Draw face boxes, landmarks and labels on an image (Pillow only)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .validation import check_images

__all__ = ["draw_faces"]


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: a fixed-size bitmap font
        return ImageFont.load_default()


def _rgb(color, name):
    c = tuple(int(v) for v in np.ravel(color))
    if len(c) != 3 or not all(0 <= v <= 255 for v in c):
        raise ValueError(f"{name} must be an (r, g, b) triple in 0-255, got {color!r}")
    return c


def draw_faces(
    image,
    boxes=None,
    landmarks=None,
    labels=None,
    *,
    box_color=(0, 255, 0),
    landmark_color=(255, 0, 0),
    label_color=(255, 255, 255),
    line_width=None,
    point_radius=None,
    font_size=None,
):
    """Return a copy of an image with face boxes, landmarks and labels drawn.

    Parameters
    ----------
    image : (H, W[, C]) ndarray, str or path
        One image (grey, RGB or RGBA; uint8, uint16 or float in ``[0, 1]``)
        or its file name.
    boxes : array-like of shape (n_faces, 4) or (n_faces, 5), default=None
        ``(left, top, right, bottom[, score])`` boxes, e.g. a row of
        :meth:`~skface.detection.HOGFaceDetector.detect`; rows with NaN
        are skipped.
    landmarks : array-like of shape (n_faces, n_points, 2) or \
(n_points, 2), default=None
        ``(x, y)`` landmarks, drawn as dots.
    labels : sequence of str, default=None
        One label per box (e.g. the identities of
        :meth:`~skface.recognition.FaceRecognizer.predict_faces`), written
        on a filled band at the bottom of its box. ``None`` entries are
        skipped.
    box_color, landmark_color, label_color : tuple of int, \
default=(0, 255, 0), (255, 0, 0), (255, 255, 255)
        RGB colours of the boxes (and label bands), dots and label text.
    line_width : int, default=None
        Box outline width in pixels; ``None``: about 1/300 of the image
        size, at least 1.
    point_radius : int, default=None
        Landmark dot radius; ``None``: about 1/400 of the image size, at
        least 1.
    font_size : int, default=None
        Label text height; ``None``: about 1/40 of the image size, at least
        10 (Pillow < 10.1 has one fixed font size).

    Returns
    -------
    drawn : ndarray of shape (H, W, 3), dtype uint8
        A new RGB image; ``image`` is not modified.

    Raises
    ------
    ValueError
        If the image is invalid, the shapes are not as above, or there are
        not as many labels as boxes.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import draw_faces
    >>> img = np.zeros((64, 64, 3), dtype=np.uint8)
    >>> out = draw_faces(img, boxes=[[10, 10, 50, 50]], labels=["alice"])
    >>> out.shape, out.dtype, int(out[10, 30, 1])
    ((64, 64, 3), dtype('uint8'), 255)
    """
    (arr,) = check_images([image], dtype="uint8", channels="rgb", stack=False)
    h, w = arr.shape[:2]
    size = max(h, w)
    line_width = max(1, round(size / 300)) if line_width is None else int(line_width)
    radius = max(1, round(size / 400)) if point_radius is None else int(point_radius)
    font_size = max(10, round(size / 40)) if font_size is None else int(font_size)
    box_color = _rgb(box_color, "box_color")
    landmark_color = _rgb(landmark_color, "landmark_color")
    label_color = _rgb(label_color, "label_color")

    if boxes is not None:
        boxes = np.asarray(boxes, dtype=np.float64)
        if boxes.size == 0:
            boxes = np.empty((0, 4))
        if boxes.ndim == 1:
            boxes = boxes[None]
        if boxes.ndim != 2 or boxes.shape[1] not in (4, 5):
            raise ValueError(
                f"boxes has shape {boxes.shape}; expected (n_faces, 4) "
                "(left, top, right, bottom) or (n_faces, 5) with scores"
            )
    if labels is not None:
        labels = list(labels)
        n_boxes = 0 if boxes is None else len(boxes)
        if len(labels) != n_boxes:
            raise ValueError(
                f"{len(labels)} labels for {n_boxes} boxes; give one label per box"
            )
    if landmarks is not None:
        landmarks = np.asarray(landmarks, dtype=np.float64)
        if landmarks.ndim == 2:
            landmarks = landmarks[None]
        if landmarks.size and (landmarks.ndim != 3 or landmarks.shape[-1] != 2):
            raise ValueError(
                f"landmarks has shape {landmarks.shape}; expected (n_faces, "
                "n_points, 2) or (n_points, 2) (x, y) points"
            )

    canvas = Image.fromarray(arr.copy())
    draw = ImageDraw.Draw(canvas)
    if boxes is not None:
        font = _font(font_size) if labels is not None else None
        for i, box in enumerate(boxes[:, :4]):
            if not np.isfinite(box).all():
                continue
            left, top, right, bottom = box
            # Boxes are pixel edges (half-open); Pillow's corners are inclusive.
            draw.rectangle(
                [left, top, max(left, right - 1), max(top, bottom - 1)],
                outline=box_color,
                width=line_width,
            )
            if labels is not None and labels[i] is not None:
                text = str(labels[i])
                tl, tt, tr, tb = draw.textbbox((0, 0), text, font=font)
                pad = max(1, line_width)
                band_top = bottom - (tb - tt) - 2 * pad
                draw.rectangle(
                    [left, band_top, max(left, right - 1), max(top, bottom - 1)],
                    fill=box_color,
                )
                draw.text(
                    (left + pad - tl, band_top + pad - tt),
                    text,
                    fill=label_color,
                    font=font,
                )
    if landmarks is not None:
        for face in landmarks:
            for x, y in face:
                if np.isfinite(x) and np.isfinite(y):
                    draw.ellipse(
                        [x - radius, y - radius, x + radius, y + radius],
                        fill=landmark_color,
                    )
    return np.asarray(canvas, dtype=np.uint8)
