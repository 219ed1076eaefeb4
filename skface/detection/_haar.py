"""Face detection with OpenCV's Viola-Jones Haar cascades."""

from __future__ import annotations

import functools
import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._faces import clip_detections
from ..utils._optional import import_cv2
from ..utils.validation import check_images
from ._base import DetectorMixin
from ._common import (
    COMMON_CONSTRAINTS,
    MAX_SIZE,
    borrow,
    detect_shrunk,
    detector_tags,
    pack_detections,
)

__all__ = ["HaarFaceDetector"]

#: Cascades shipped with OpenCV, by short name.
CASCADES = ("frontalface_default", "frontalface_alt", "frontalface_alt2", "profileface")
_EYE_CASCADE = "eye"
# Eyes are looked for in this upper fraction of a face box.
_EYE_REGION = 0.6
# Faces narrower than this are enlarged before the eye search.
_EYE_FACE_WIDTH = 120


def _cascade_path(name):
    """Resolve a short cascade name or a path to an existing XML file."""
    if name in CASCADES or name == _EYE_CASCADE:
        cv2 = import_cv2()
        return os.path.join(cv2.data.haarcascades, f"haarcascade_{name}.xml")
    return os.fspath(name)


def _load_cascade(path):
    cv2 = import_cv2()
    cascade = cv2.CascadeClassifier()
    try:
        # The constructor turns a parse error into a SystemError; load() raises
        # cv2.error, or returns False, for a file that is not a cascade.
        loaded = cascade.load(path)
    except (cv2.error, SystemError) as exc:
        reason = str(exc).strip().splitlines()[-1][:200]
        raise ValueError(
            f"{path!r} is not a valid OpenCV cascade file: {reason}"
        ) from None
    if not loaded or cascade.empty():
        raise ValueError(f"{path!r} is not an OpenCV cascade file")
    return cascade


def _borrow_cascade(path):
    return borrow(("haar", path), functools.partial(_load_cascade, path))


def _preprocess(grey, equalize):
    cv2 = import_cv2()
    if equalize == "hist":
        return cv2.equalizeHist(grey)
    if equalize == "clahe":
        return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(grey)
    return grey


def _detect_cascade(cascade, grey, scale_factor, min_neighbors, min_size):
    """(x, y, w, h) boxes and scores of one cascade on one grey image."""
    cv2 = import_cv2()
    try:
        rects, _, weights = cascade.detectMultiScale3(
            grey,
            scaleFactor=scale_factor,
            minNeighbors=min_neighbors,
            minSize=min_size,
            outputRejectLevels=True,
        )
        scores = weights
    except cv2.error:  # pragma: no cover - cascades without stage weights
        rects, counts = cascade.detectMultiScale2(
            grey, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=min_size
        )
        scores = counts
    rects = np.asarray(rects, dtype=float).reshape(-1, 4)
    return rects, np.asarray(scores, dtype=float).reshape(-1)


def _count_eyes(eye_cascade, grey, box):
    cv2 = import_cv2()
    x, y, w, h = (int(v) for v in box)
    roi = grey[max(y, 0) : y + int(round(_EYE_REGION * h)), max(x, 0) : x + w]
    if roi.shape[0] < 4 or roi.shape[1] < 4:
        return 0
    # The eye cascade's window is 20x20 pixels: enlarge small faces so that
    # their eyes (about a fifth of the face width) can be seen at all.
    if roi.shape[1] < _EYE_FACE_WIDTH:
        scale = _EYE_FACE_WIDTH / roi.shape[1]
        size = (_EYE_FACE_WIDTH, max(int(round(roi.shape[0] * scale)), 1))
        roi = cv2.resize(roi, size, interpolation=cv2.INTER_LINEAR)
    side = max(roi.shape[1] // 10, 20)
    eyes = eye_cascade.detectMultiScale(
        np.ascontiguousarray(roi), scaleFactor=1.1, minNeighbors=3, minSize=(side, side)
    )
    return len(eyes)


def _run_haar(image, path, eye_path, equalize, scale_factor, min_neighbors, min_size):
    """Detect faces in one uint8 grey or RGB image; ``(k, 5)`` array."""
    cv2 = import_cv2()
    if image.ndim == 3:
        # OpenCV's BT.601 conversion, per image (in the worker): much cheaper
        # than a float conversion of the whole batch.
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    grey = _preprocess(image, equalize)
    with _borrow_cascade(path) as cascade:
        rects, scores = _detect_cascade(
            cascade, grey, scale_factor, min_neighbors, min_size
        )
    if eye_path is not None and len(rects):
        with _borrow_cascade(eye_path) as eyes:
            keep = np.array([_count_eyes(eyes, grey, r) >= 2 for r in rects])
        rects, scores = rects[keep], scores[keep]
    boxes = np.column_stack([rects[:, :2], rects[:, :2] + rects[:, 2:]])
    return pack_detections(boxes, scores)


def _check_min_size(min_size):
    if isinstance(min_size, Integral) and not isinstance(min_size, bool):
        min_size = (min_size, min_size)
    try:
        w, h = min_size
        ok = all(isinstance(v, Integral) and not isinstance(v, bool) for v in (w, h))
    except (TypeError, ValueError):
        ok = False
    if not ok or w < 1 or h < 1:
        raise ValueError(
            f"min_size must be a positive int or a (width, height) pair of positive "
            f"ints, got {min_size!r}"
        )
    return int(w), int(h)


class HaarFaceDetector(DetectorMixin, BaseEstimator):
    """Face detector on OpenCV's Viola-Jones Haar cascades.

    The fastest and least accurate detector: boosted cascades of Haar-like
    features scanned over an image pyramid. Optional pre-steps equalise the
    histogram of the grey image (as Face2Vec does) and an eye check keeps
    only faces in which a second cascade finds two eyes. Stateless:
    :meth:`fit` validates the parameters and loads the cascade.

    Parameters
    ----------
    cascade : {'frontalface_default', 'frontalface_alt', 'frontalface_alt2', \
'profileface'} or path, default='frontalface_default'
        One of the cascades shipped with OpenCV, or the path of a cascade
        XML file.
    scale_factor : float, default=1.1
        Size ratio between two pyramid levels (> 1). Smaller is slower and
        finds more faces.
    min_neighbors : int, default=5
        Overlapping raw detections needed to keep a face. Higher gives fewer
        false faces and misses more faces.
    min_size : int or tuple of (int, int), default=(30, 30)
        Smallest face ``(width, height)`` in pixels of the searched image
        (the copy shrunk to ``max_size`` for a large photo).
    equalize : {'hist', 'clahe'} or None, default=None
        Contrast pre-step on the grey image: global histogram equalisation or
        CLAHE (clip 2.0, 8x8 tiles).
    eye_check : bool, default=False
        Keep only faces with at least two eyes found by OpenCV's eye cascade
        in the upper 60% of the box. Removes false faces, and faces with
        closed eyes or glasses.
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
    max_size : int or None, default=1600
        Photos whose longer side exceeds ``max_size`` pixels are searched on
        a copy shrunk to that size (area averaging,
        :func:`skface.utils.resize`) and the boxes are scaled back: a
        24-megapixel photo takes a second instead of minutes. Faces smaller
        than the detector's smallest face times ``max(H, W) / max_size``
        are missed (raise ``upsample`` or ``max_size`` for them). ``None``
        searches the full image.
    n_jobs : int, default=None
        Threads over images (OpenCV releases the GIL; it also parallelises
        inside one image). ``None`` follows :func:`joblib.parallel_config`.

    Attributes
    ----------
    cascade_path_ : str
        Path of the face cascade file.
    eye_cascade_path_ : str or None
        Path of the eye cascade when ``eye_check`` is set.
    min_size_ : tuple of int
        Validated ``(width, height)``.

    See Also
    --------
    HOGFaceDetector : More accurate dlib HOG detector; trainable.
    CNNFaceDetector : Most accurate, slowest.

    Notes
    -----
    The score column is the cascade's last-stage weight
    (``detectMultiScale3(..., outputRejectLevels=True)``), which ranks the
    detections for :meth:`score`'s average precision.

    References
    ----------
    .. [1] P. Viola and M. Jones, "Rapid Object Detection using a Boosted
       Cascade of Simple Features", CVPR 2001.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.detection import HaarFaceDetector
    >>> det = HaarFaceDetector().fit([astronaut()])
    >>> det.transform([astronaut()])
    array([[177.,  66., 272., 161.]])
    """

    _parameter_constraints = {
        "cascade": [StrOptions(set(CASCADES)), str, os.PathLike],
        "scale_factor": [Interval(Real, 1, None, closed="neither")],
        "min_neighbors": [Interval(Integral, 0, None, closed="left")],
        "min_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "equalize": [StrOptions({"hist", "clahe"}), None],
        "eye_check": ["boolean"],
        **COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        cascade="frontalface_default",
        *,
        scale_factor=1.1,
        min_neighbors=5,
        min_size=(30, 30),
        equalize=None,
        eye_check=False,
        select="largest",
        on_missing="raise",
        clip=True,
        max_size=MAX_SIZE,
        n_jobs=None,
    ):
        self.cascade = cascade
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = min_size
        self.equalize = equalize
        self.eye_check = eye_check
        self.select = select
        self.on_missing = on_missing
        self.clip = clip
        self.max_size = max_size
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the parameters and the images, and load the cascades.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images; only validated (the cascades are pretrained).
        y : object, default=None
            Ignored (true boxes may be passed, as in ``GridSearchCV``).

        Returns
        -------
        self : HaarFaceDetector
            Fitted detector.
        """
        check_images(X, dtype=None, channels="keep", stack=False)
        self.min_size_, self.cascade_path_, self.eye_cascade_path_ = self._settings()
        with _borrow_cascade(self.cascade_path_):  # fails early on a bad file
            pass
        return self

    def _settings(self):
        """Validated ``min_size`` and cascade paths, from the current params.

        Read again by :meth:`detect`, so detection-time parameters changed
        with ``set_params`` after fitting take effect, as in the other
        detectors.
        """
        min_size = _check_min_size(self.min_size)
        path = _cascade_path(self.cascade)
        if os.path.isdir(path):
            raise ValueError(
                f"cascade {self.cascade!r} is a folder, not a cascade XML file"
            )
        if not os.path.isfile(path):
            raise ValueError(
                f"cascade must be one of {list(CASCADES)} or the path of a cascade "
                f"XML file; {self.cascade!r} does not exist"
            )
        eye_path = _cascade_path(_EYE_CASCADE) if self.eye_check else None
        return min_size, path, eye_path

    def detect(self, X):
        """Find every face of every image.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images: grey, RGB or RGBA; ``uint8``, ``uint16`` or float in
            ``[0, 1]``; sizes may differ. They are converted to grey.

        Returns
        -------
        detections : list of ndarray of shape (k_i, 5)
            Per image, ``(left, top, right, bottom, score)`` rows sorted by
            decreasing score.
        """
        if not hasattr(self, "cascade_path_"):  # unfitted: pretrained cascades
            self._validate_params()
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        min_size, path, eye_path = self._settings()
        func = functools.partial(
            _run_haar,
            path=path,
            eye_path=eye_path,
            equalize=self.equalize,
            scale_factor=float(self.scale_factor),
            min_neighbors=int(self.min_neighbors),
            min_size=min_size,
        )
        dets = detect_shrunk(
            images,
            self.max_size,
            lambda ims: self._map_images(func, ims, prefer="threads"),
        )
        return clip_detections(dets, images) if self.clip else dets

    def __sklearn_tags__(self):
        tags = detector_tags(super().__sklearn_tags__())
        tags.requires_fit = False  # unfitted, the cascades are pretrained
        return tags
