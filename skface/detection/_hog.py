"""Face detection with dlib's HOG + linear SVM sliding-window detector."""

from __future__ import annotations

import functools
import logging
from numbers import Integral, Real

import joblib
import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils._faces import clip_detections
from ..utils._optional import import_dlib
from ..utils.validation import check_images
from ._base import DetectorMixin
from ._common import (
    COMMON_CONSTRAINTS,
    MAX_SIZE,
    borrow,
    check_box_targets,
    detect_shrunk,
    detector_tags,
    dlib_to_boxes,
    from_file_bytes,
    pack_detections,
    to_dlib_rectangles,
    to_file_bytes,
)

__all__ = ["HOGFaceDetector"]

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _frontal_bytes():
    # dlib builds its frontal detector from an embedded string in ~0.3 s;
    # loading a saved copy takes ~2 ms, so further handles come from bytes.
    return to_file_bytes(import_dlib().get_frontal_face_detector().save)


def _load_hog(data):
    dlib = import_dlib()
    if data is None:
        data = _frontal_bytes()
    return from_file_bytes(dlib.fhog_object_detector, data)


def _run_hog(image, data, upsample, threshold):
    """Detect faces in one uint8 grey or RGB image; ``(k, 5)`` array."""
    with borrow(("hog", data), functools.partial(_load_hog, data)) as det:
        rects, scores, _ = det.run(image, upsample, threshold)
    return pack_detections(dlib_to_boxes(rects), scores)


def _is_class_labels(y):
    """Whether ``y`` is 1-D class labels (one scalar per image), not boxes."""
    if y is None:
        return False
    if hasattr(y, "to_numpy"):  # pandas Series
        y = y.to_numpy()
    if isinstance(y, np.ndarray) and y.dtype != object:
        return y.ndim == 1
    try:
        return len(y) > 0 and all(np.ndim(v) == 0 for v in y)
    except TypeError:
        return False


class HOGFaceDetector(DetectorMixin, BaseEstimator):
    """Face detector on dlib's HOG features and a linear SVM.

    Without targets, :meth:`fit` keeps dlib's pretrained frontal face
    detector (five HOG filters: front, left, right, and two rotated views),
    which an unfitted detector also uses: ``HOGFaceDetector().detect(X)``
    needs no ``fit``.
    With targets, ``fit(X, y=boxes)`` trains a new detector on the given
    boxes with dlib's structural SVM object-detector trainer, so the same
    estimator can learn another face scale, pose or another object.

    Parameters
    ----------
    upsample : int, default=1
        Times the image is doubled in size before detection. The pretrained
        detector finds faces of about 80x80 pixels and larger; each step
        halves that (one step finds about 40x40) and roughly quadruples the
        cost. A trained detector adds the upsampling dlib chose in training
        (``training_upsample_``).
    threshold : float, default=0.0
        Score threshold added to the SVM's (dlib's ``adjust_threshold``):
        lower finds more faces and more false ones.
    select : {'largest', 'best'}, default='largest'
        Which detection :meth:`transform` keeps per image: the largest box or
        the one with the highest score.
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        What :meth:`transform` returns for an image without a face: raise a
        ``ValueError`` naming it, a NaN row, or the whole image as the box.
    clip : bool, default=True
        Clip the boxes to the image, as face_recognition does, so
        ``image[top:bottom, left:right]`` is the visible part of a face cut
        by the border. ``False`` keeps the detector's raw box, which may
        extend past the border (negative ``left``...). Landmark extractors
        and encoders always work in the raw box.
    max_size : int or None, default=1600
        Photos whose longer side exceeds ``max_size`` pixels are searched on
        a copy shrunk to that size (area averaging,
        :func:`skface.utils.resize`) and the boxes are scaled back: a
        24-megapixel photo takes a second instead of minutes. Faces smaller
        than the detector's smallest face times ``max(H, W) / max_size``
        are missed (raise ``upsample`` or ``max_size`` for them). ``None``
        searches the full image.
    train : {'auto', True, False}, default='auto'
        Whether :meth:`fit` trains a new detector: ``'auto'`` trains when
        boxes ``y`` are given (a 1-D ``y`` of class labels, as a
        :class:`~sklearn.pipeline.Pipeline` passes to every step, keeps the
        pretrained detector); ``False`` always keeps the pretrained detector
        (``y`` then only serves :meth:`score`, e.g. to tune ``upsample`` and
        ``threshold`` with ``GridSearchCV``); ``True`` requires ``y``.
    C : float, default=5.0
        Training only. SVM regularisation: larger fits the training boxes
        more closely and may overfit.
    epsilon : float, default=0.01
        Training only. Stopping tolerance of the SVM solver.
    window_size : int, default=80
        Training only. Side, in pixels, of the sliding window (its area is
        ``window_size ** 2``; the aspect ratio follows the mean training
        box). Smaller windows find smaller faces with less detail.
    horizontal_flip : bool, default=True
        Training only. Also train on mirrored images (faces are left/right
        symmetric); doubles the training set.
    upsample_limit : int, default=2
        Training only. Training boxes too small for the window are made
        reachable by upsampling the training images at most this many times;
        a box still too small raises a ``ValueError``.
    max_train_time : float, default=None
        Training only. Stop the solver after this many seconds (``None``: no
        limit).
    n_jobs : int, default=None
        Parallel workers: images are split among threads (dlib releases the
        GIL while scanning) and the trainer uses this many threads. ``None``
        follows :func:`joblib.parallel_config` (1 when unset), ``-1`` uses
        every core.
    verbose : int, default=0
        Print dlib's training progress when positive.

    Attributes
    ----------
    pretrained_ : bool
        Whether the detector is dlib's pretrained frontal face detector.
    detector_bytes_ : bytes or None
        Serialized trained detector (dlib's file format), or ``None`` for the
        pretrained one. The native object is rebuilt from it on first use in
        each process, so the estimator pickles.
    training_upsample_ : int
        Upsampling dlib applied to the training images to reach small boxes,
        added to ``upsample`` at detection time (0 for the pretrained model).
    window_shape_ : tuple of int
        ``(height, width)`` of the detection window in pixels.
    n_filters_ : int
        Number of HOG filters (5 for the pretrained detector, 1 after
        training).

    See Also
    --------
    HaarFaceDetector : Faster, less accurate OpenCV cascades.
    CNNFaceDetector : Slower, more accurate dlib CNN (MMOD).
    skface.metrics.average_precision : The metric of :meth:`score`.

    Notes
    -----
    Boxes are ``(left, top, right, bottom)`` pixel edges: dlib's inclusive
    ``rectangle(l, t, r, b)`` becomes ``(l, t, r + 1, b + 1)``. With
    ``clip=False`` boxes may extend past the image border (a face cut by the
    border); by default they are clipped to it.

    References
    ----------
    .. [1] N. Dalal and B. Triggs, "Histograms of Oriented Gradients for
       Human Detection", CVPR 2005.
    .. [2] D. E. King, "Max-Margin Object Detection", arXiv:1502.00046, 2015.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.detection import HOGFaceDetector
    >>> det = HOGFaceDetector().fit([astronaut()])
    >>> det.detect([astronaut()])[0][0].round(2)
    array([175.  ,  76.  , 266.  , 167.  ,   1.16])
    >>> det.transform([astronaut()])
    array([[175.,  76., 266., 167.]])
    """

    _parameter_constraints = {
        "upsample": [Interval(Integral, 0, None, closed="left")],
        "threshold": [Interval(Real, None, None, closed="neither")],
        "train": [StrOptions({"auto"}), "boolean"],
        "C": [Interval(Real, 0, None, closed="neither")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "window_size": [Interval(Integral, 16, None, closed="left")],
        "horizontal_flip": ["boolean"],
        "upsample_limit": [Interval(Integral, 0, None, closed="left")],
        "max_train_time": [Interval(Real, 0, None, closed="neither"), None],
        "verbose": ["verbose"],
        **COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        upsample=1,
        *,
        threshold=0.0,
        select="largest",
        on_missing="raise",
        clip=True,
        max_size=MAX_SIZE,
        train="auto",
        C=5.0,
        epsilon=0.01,
        window_size=80,
        horizontal_flip=True,
        upsample_limit=2,
        max_train_time=None,
        n_jobs=None,
        verbose=0,
    ):
        self.upsample = upsample
        self.threshold = threshold
        self.select = select
        self.on_missing = on_missing
        self.clip = clip
        self.max_size = max_size
        self.train = train
        self.C = C
        self.epsilon = epsilon
        self.window_size = window_size
        self.horizontal_flip = horizontal_flip
        self.upsample_limit = upsample_limit
        self.max_train_time = max_train_time
        self.n_jobs = n_jobs
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Keep the pretrained detector, or train one on boxes ``y``.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images (see :func:`skface.utils.check_images`).
        y : list of array-like of shape (k_i, 4), default=None
            True ``(left, top, right, bottom)`` face boxes of each image
            (``k_i`` may be 0). ``None`` keeps dlib's pretrained detector
            (see ``train``), and so does a 1-D ``y``: class labels meant for
            a later step of a :class:`~sklearn.pipeline.Pipeline`.

        Returns
        -------
        self : HOGFaceDetector
            Fitted detector.
        """
        labels = _is_class_labels(y)
        if isinstance(self.train, str):
            # 1-D y: class labels of a later Pipeline step, not boxes.
            train = y is not None and not labels
        else:
            train = bool(self.train)
        if train and labels:
            raise ValueError(
                "train=True needs boxes y (one (k_i, 4) array per image), got "
                "a 1-D y of class labels"
            )
        # Training converts to RGB uint8 (dlib's trainer); otherwise validate only.
        dtype, channels = ("uint8", "rgb") if train else (None, "keep")
        images = check_images(X, dtype=dtype, channels=channels, stack=False)
        if train and y is None:
            raise ValueError("train=True needs the true boxes y")
        if not train:
            self.pretrained_ = True
            self.detector_bytes_ = None
            self.training_upsample_ = 0
        else:
            self._train(images, check_box_targets(y, len(images)))
        det = _load_hog(self.detector_bytes_)
        self.window_shape_ = (det.detection_window_height, det.detection_window_width)
        self.n_filters_ = det.num_detectors
        return self

    def _train(self, images, boxes):
        dlib = import_dlib()
        if not any(len(b) for b in boxes):
            raise ValueError("y holds no box at all; training needs at least one face")
        opts = dlib.simple_object_detector_training_options()
        opts.C = float(self.C)
        opts.epsilon = float(self.epsilon)
        opts.detection_window_size = int(self.window_size) ** 2
        opts.add_left_right_image_flips = bool(self.horizontal_flip)
        opts.num_threads = max(1, joblib.effective_n_jobs(self.n_jobs))
        opts.be_verbose = bool(self.verbose)
        if hasattr(opts, "upsample_limit"):
            opts.upsample_limit = int(self.upsample_limit)
        if self.max_train_time is not None and hasattr(opts, "max_runtime_seconds"):
            opts.max_runtime_seconds = float(self.max_train_time)
        rects = [to_dlib_rectangles(b) for b in boxes]
        logger.info("training a HOG detector on %d images", len(images))
        try:
            det = dlib.train_simple_object_detector(images, rects, opts)
        except RuntimeError as exc:  # dlib's message says which boxes fail
            raise ValueError(f"dlib could not train on these boxes: {exc}") from None
        self.pretrained_ = False
        self.training_upsample_ = int(det.upsampling_amount)
        # Kept as bytes: the native object is rebuilt (and pooled) per process.
        self.detector_bytes_ = to_file_bytes(det.save)

    @property
    def detector_(self):
        """The native ``dlib.fhog_object_detector`` (built lazily, not pickled)."""
        check_is_fitted(self)
        return _load_hog(getattr(self, "detector_bytes_", None))

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
            decreasing score; ``k_i`` is 0 when no face is found.
        """
        if not hasattr(self, "pretrained_"):  # unfitted: the pretrained model
            self._validate_params()
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        func = functools.partial(
            _run_hog,
            data=getattr(self, "detector_bytes_", None),
            upsample=int(self.upsample) + getattr(self, "training_upsample_", 0),
            threshold=float(self.threshold),
        )
        dets = detect_shrunk(
            images,
            self.max_size,
            lambda ims: self._map_images(func, ims, prefer="threads"),
        )
        return clip_detections(dets, images) if self.clip else dets

    def __sklearn_tags__(self):
        tags = detector_tags(super().__sklearn_tags__())
        tags.requires_fit = False  # unfitted, it is dlib's pretrained detector
        return tags
