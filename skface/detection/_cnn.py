"""Face detection with dlib's CNN (max-margin object detection, MMOD)."""

from __future__ import annotations

import functools
import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval

from ..datasets import get_model_path
from ..utils._faces import clip_detections
from ..utils._optional import import_dlib
from ..utils.validation import check_images
from ._base import DetectorMixin
from ._common import (
    COMMON_CONSTRAINTS,
    borrow,
    detect_shrunk,
    detector_tags,
    dlib_to_boxes,
    pack_detections,
)

__all__ = ["CNNFaceDetector"]

# dlib's CNN raises on images whose filters do not fit (sides below ~10 px).
# No face can be found there anyway (the model's window is about 40 px), so
# such images get no detection without calling dlib.
_MIN_SIDE = 20


def _load_cnn(path):
    return import_dlib().cnn_face_detection_model_v1(path)


def _run_cnn_batch(batch, path, upsample, threshold):
    """Detect faces in a list of same-shape RGB uint8 images."""
    out = [np.empty((0, 5)) for _ in batch]
    todo = [
        i for i, im in enumerate(batch) if min(im.shape[:2]) << upsample >= _MIN_SIDE
    ]
    if not todo:
        return out
    with borrow(("cnn", path), functools.partial(_load_cnn, path)) as net:
        if len(todo) == 1:
            results = [net(batch[todo[0]], upsample)]
        else:
            results = net([batch[i] for i in todo], upsample, len(todo))
    for i, dets in zip(todo, results, strict=True):
        scores = np.array([d.confidence for d in dets], dtype=float)
        boxes = dlib_to_boxes([d.rect for d in dets])
        keep = scores >= threshold
        out[i] = pack_detections(boxes[keep], scores[keep])
    return out


class CNNFaceDetector(DetectorMixin, BaseEstimator):
    """Face detector on dlib's CNN trained with max-margin object detection.

    The most accurate of skface's detectors (profiles, occlusions, hard
    light) and by far the slowest on a CPU: about a second per 512x512 photo
    without upsampling. Images of the same shape are passed to dlib
    together, ``batch_size`` at a time. The model file comes from the
    ``face-recognition-models`` package (or ``model_path``); nothing is
    downloaded.

    Parameters
    ----------
    upsample : int, default=0
        Times the image is doubled before detection. The model finds faces
        of about 80x80 pixels and larger; each step halves that and
        quadruples the (already high) cost.
    threshold : float, default=0.0
        Minimum detection confidence kept. dlib reports only detections with
        positive confidence, so values below 0 change nothing.
    batch_size : int, default=8
        Same-shape images passed to the network in one call.
    select : {'largest', 'best'}, default='largest'
        Which detection :meth:`transform` keeps per image.
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        What :meth:`transform` returns for an image without a face.
    clip : bool, default=True
        Clip the boxes to the image, as face_recognition does, so
        ``image[top:bottom, left:right]`` is the visible part of a face cut
        by the border. ``False`` keeps the detector's raw box, which may
        extend past the border (negative ``left``...). Landmark extractors
        and encoders always work in the raw box.
    max_size : int or None, default=800
        Photos whose longer side exceeds ``max_size`` pixels are searched on
        a copy shrunk to that size (area averaging,
        :func:`skface.utils.resize`) and the boxes are scaled back. The
        network's cost grows with the pixels searched (on a 2-core CPU,
        measured on a 6000x4000 photo: about 2.7 s at 800, 4.1 s at 1000,
        5.8 s at 1200, 10.6 s at 1600, over a minute with ``None``), so the
        default keeps a 24-megapixel photo under 5 s. The trade-off: at
        ``upsample=0`` the network finds faces of about 90 pixels and larger
        on the searched copy, so with the default it misses faces narrower
        than about ``90 / 800``, a ninth of the photo's longer side (about
        670 pixels on a 6000x4000 photo, 110 on a 1000-pixel one). For
        smaller faces raise ``max_size`` (1600 halves that fraction for four
        times the time), set ``upsample=1``, or set ``None`` to search the
        full image. Photos within ``max_size`` are searched as they are.
    model_path : str or path-like, default=None
        MMOD model file; ``None`` uses ``'mmod_human_face_detector'`` through
        :func:`skface.datasets.get_model_path`.
    n_jobs : int, default=None
        Worker processes over batches (dlib holds the GIL while the network
        runs, so threads would not help). ``None`` follows
        :func:`joblib.parallel_config`.

    Attributes
    ----------
    model_path_ : str
        Resolved path of the model file. The network is loaded on first use
        in each process and never pickled.

    See Also
    --------
    HOGFaceDetector : Much faster; frontal faces only; trainable.
    HaarFaceDetector : Fastest, least accurate.

    References
    ----------
    .. [1] D. E. King, "Max-Margin Object Detection", arXiv:1502.00046, 2015.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.detection import CNNFaceDetector
    >>> det = CNNFaceDetector().fit([astronaut()])
    >>> det.transform([astronaut()])  # about 1 s on a CPU  # doctest: +SKIP
    array([[168.,  69., 264., 165.]])
    """

    _parallel_prefer = "processes"  # dlib's CNN holds the GIL

    _parameter_constraints = {
        "upsample": [Interval(Integral, 0, None, closed="left")],
        "threshold": [Interval(Real, None, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "model_path": [str, os.PathLike, None],
        **COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        upsample=0,
        *,
        threshold=0.0,
        batch_size=8,
        select="largest",
        on_missing="raise",
        clip=True,
        max_size=800,
        model_path=None,
        n_jobs=None,
    ):
        self.upsample = upsample
        self.threshold = threshold
        self.batch_size = batch_size
        self.select = select
        self.on_missing = on_missing
        self.clip = clip
        self.max_size = max_size
        self.model_path = model_path
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and images and locate the model.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images; only validated (the network is pretrained).
        y : object, default=None
            Ignored.

        Returns
        -------
        self : CNNFaceDetector
            Fitted detector.
        """
        check_images(X, dtype=None, channels="keep", stack=False)
        name = self.model_path
        self.model_path_ = get_model_path(name or "mmod_human_face_detector")
        try:
            loader = functools.partial(_load_cnn, self.model_path_)
            with borrow(("cnn", self.model_path_), loader):
                pass
        except RuntimeError as exc:
            raise ValueError(
                f"{self.model_path_!r} is not a dlib MMOD model file: {exc}"
            ) from None
        return self

    def detect(self, X):
        """Find every face of every image.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images: grey, RGB or RGBA; ``uint8``, ``uint16`` or float in
            ``[0, 1]``; sizes may differ.

        Returns
        -------
        detections : list of ndarray of shape (k_i, 5)
            Per image, ``(left, top, right, bottom, score)`` rows sorted by
            decreasing score.
        """
        if hasattr(self, "model_path_"):
            model_path = self.model_path_
        else:  # unfitted: the pretrained model
            self._validate_params()
            model_path = get_model_path(self.model_path or "mmod_human_face_detector")
        images = check_images(X, dtype="uint8", channels="rgb", stack=False)
        func = functools.partial(
            _run_cnn_batch,
            path=model_path,
            upsample=int(self.upsample),
            threshold=float(self.threshold),
        )

        def run(images):
            # Batches of same-shape images, in order of first appearance.
            groups = {}
            for i, im in enumerate(images):
                groups.setdefault(im.shape, []).append(i)
            bs = int(self.batch_size)
            index_batches = [
                idx[k : k + bs]
                for idx in groups.values()
                for k in range(0, len(idx), bs)
            ]
            batches = [[images[i] for i in idx] for idx in index_batches]
            results = self._map_images(func, batches, prefer="processes")
            out = [None] * len(images)
            for idx, dets in zip(index_batches, results, strict=True):
                for i, d in zip(idx, dets, strict=True):
                    out[i] = d
            return out

        out = detect_shrunk(images, self.max_size, run)
        return clip_detections(out, images) if self.clip else out

    def __sklearn_tags__(self):
        tags = detector_tags(super().__sklearn_tags__())
        tags.requires_fit = False  # unfitted, it uses the pretrained model
        return tags
