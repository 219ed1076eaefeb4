"""Per-face results: :class:`FaceRows`, box clipping, raw detections.

Pure NumPy (pandas only inside :meth:`FaceRows.to_frame`): detectors,
landmark extractors, encoders and recognisers all report "every face of
every image" in this one form.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, fields

import numpy as np

__all__ = ["FaceRows", "clip_boxes", "clip_detections", "detect_unclipped"]


def clip_boxes(boxes, shape):
    """Clip ``(left, top, right, bottom)`` boxes to an image.

    Parameters
    ----------
    boxes : array-like of shape (k, 4) or (k, 5)
        Boxes in pixel edges; a fifth (score) column is kept as it is.
    shape : tuple of int
        The image's shape ``(H, W[, C])``.

    Returns
    -------
    clipped : ndarray of shape (k, 4) or (k, 5), dtype float64
        ``left, right`` within ``[0, W]`` and ``top, bottom`` within
        ``[0, H]``, so ``image[top:bottom, left:right]`` is the visible part
        of the face.

    Examples
    --------
    >>> from skface.utils._faces import clip_boxes
    >>> clip_boxes([[-56, 10, 40, 90]], (64, 64, 3))
    array([[ 0., 10., 40., 64.]])
    """
    out = np.array(boxes, dtype=np.float64, copy=True)
    if out.size == 0:
        return out
    h, w = shape[:2]
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, w)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, h)
    return out


def clip_detections(detections, images):
    """Clip per-image ``(k, 5)`` detections to their images (scores kept).

    Parameters
    ----------
    detections : list of ndarray of shape (k_i, 5)
    images : list of ndarray
        The images, for their shapes.

    Returns
    -------
    clipped : list of ndarray of shape (k_i, 5)
    """
    return [clip_boxes(d, im.shape) for d, im in zip(detections, images, strict=True)]


def detect_unclipped(detector, images):
    """Run ``detector.detect`` with clipping off; also say whether it clips.

    Landmarks and embeddings are computed in the detector's raw box (a face
    cut by the border keeps its true size and centre), while the boxes
    reported to the user follow the detector's ``clip`` parameter.

    Parameters
    ----------
    detector : fitted detector
        An object with ``detect``; a ``clip`` parameter (skface detectors)
        is switched off on a shallow copy, the detector itself is unchanged.
    images : list of ndarray
        Validated images.

    Returns
    -------
    detections : list of ndarray of shape (k_i, 5)
        Raw ``(left, top, right, bottom, score)`` rows per image.
    clip : bool
        Whether the detector's own output would be clipped.
    """
    params = detector.get_params(deep=False) if hasattr(detector, "get_params") else {}
    clip = bool(params.get("clip", False))
    if clip:
        detector = copy.copy(detector)
        detector.clip = False
    dets = []
    for d in detector.detect(images):
        d = np.asarray(d, dtype=np.float64)
        if d.size == 0:
            dets.append(np.empty((0, 5)))
            continue
        d = d.reshape(len(d), -1)
        if d.shape[1] == 4:
            d = np.hstack([d, np.ones((len(d), 1))])
        dets.append(d[:, :5])
    return dets, clip


@dataclass(frozen=True, eq=False)
class FaceRows:
    """Every face of every image, one row per face.

    The pandas-free per-face result of
    :meth:`skface.landmarks.LandmarkExtractor.landmarks_all`,
    :meth:`skface.features.DlibFaceEncoder.transform_faces` and
    :meth:`skface.recognition.FaceRecognizer.predict_faces`;
    :meth:`to_frame` turns it into the table of
    :meth:`skface.recognition.FaceAnalyzer.analyze`. Faces of one image are
    consecutive, in the detector's order (decreasing score); images without
    a face have no row.

    Attributes
    ----------
    image_index : ndarray of shape (n_faces,), dtype int64
        Index of the image each face was found in.
    boxes : ndarray of shape (n_faces, 4)
        ``(left, top, right, bottom)`` boxes, clipped to the image when the
        detector's ``clip`` is true (the default).
    scores : ndarray of shape (n_faces,)
        Detection scores.
    n_images : int
        Number of images (those without a face included).
    landmarks : ndarray of shape (n_faces, n_points, 2) or None
        ``(x, y)`` landmarks of each face, when computed.
    embeddings : ndarray of shape (n_faces, n_features) or None
        Face embeddings (128-d for dlib's model), when computed.
    labels : ndarray of shape (n_faces,) or None
        Recognised identity of each face (``unknown_label`` for strangers),
        when computed.
    distances : ndarray of shape (n_faces,) or None
        Distance from each face to the nearest known face, when computed.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.utils import FaceRows
    >>> rows = FaceRows(np.array([0, 0, 2]), np.zeros((3, 4)), np.ones(3), 3)
    >>> len(rows), rows.face_index.tolist(), rows.counts().tolist()
    (3, [0, 1, 0], [2, 0, 1])
    >>> [len(b) for b in rows.split("boxes")]
    [2, 0, 1]
    """

    image_index: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    n_images: int
    landmarks: np.ndarray | None = None
    embeddings: np.ndarray | None = None
    labels: np.ndarray | None = None
    distances: np.ndarray | None = None

    def __len__(self):
        return len(self.image_index)

    @property
    def face_index(self):
        """Index of each face within its image, ``(n_faces,)`` int."""
        idx = np.asarray(self.image_index)
        if len(idx) == 0:
            return np.zeros(0, dtype=np.int64)
        starts = np.searchsorted(idx, idx, side="left")
        return np.arange(len(idx)) - starts

    def counts(self):
        """Number of faces per image, ``(n_images,)`` int."""
        return np.bincount(self.image_index, minlength=self.n_images)

    def split(self, field):
        """One array per image of a per-face field.

        Parameters
        ----------
        field : str
            ``'boxes'``, ``'scores'``, ``'landmarks'``, ``'embeddings'``,
            ``'labels'`` or ``'distances'``.

        Returns
        -------
        per_image : list of ndarray
            ``n_images`` arrays; the ``i``-th holds the rows of image ``i``
            (length 0 for an image without a face).
        """
        names = [f.name for f in fields(self)]
        if field not in names or field in ("n_images", "image_index"):
            raise ValueError(f"unknown per-face field {field!r}")
        values = getattr(self, field)
        if values is None:
            raise ValueError(f"these face rows have no {field}")
        cuts = np.cumsum(self.counts())[:-1]
        return np.split(np.asarray(values), cuts)

    def to_frame(self, sources=None):
        """The rows as a :class:`pandas.DataFrame`, one row per face.

        Parameters
        ----------
        sources : sequence of str or None, default=None
            Per image, its file name (``None`` for in-memory images); adds
            a ``source`` column.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``image``, ``face``, ``left``, ``top``, ``right``,
            ``bottom``, ``score``, then ``landmarks`` and ``embedding``
            (object columns of arrays), ``identity`` and ``distance`` when
            present, and ``source`` when ``sources`` is given.
        """
        import pandas as pd

        boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        data = {
            "image": np.asarray(self.image_index, dtype=np.int64),
            "face": self.face_index.astype(np.int64),
            "left": boxes[:, 0],
            "top": boxes[:, 1],
            "right": boxes[:, 2],
            "bottom": boxes[:, 3],
            "score": np.asarray(self.scores, dtype=np.float64),
        }
        for name, values in (
            ("landmarks", self.landmarks),
            ("embedding", self.embeddings),
        ):
            if values is not None:
                col = np.empty(len(self), dtype=object)
                for i, v in enumerate(values):  # one array per cell
                    col[i] = np.asarray(v)
                data[name] = col
        if self.labels is not None:
            data["identity"] = np.asarray(self.labels, dtype=object)
        if self.distances is not None:
            data["distance"] = np.asarray(self.distances, dtype=np.float64)
        if sources is not None:
            sources = list(sources)
            data["source"] = np.asarray(
                [sources[i] for i in data["image"]], dtype=object
            ).reshape(-1)
        return pd.DataFrame(data)
