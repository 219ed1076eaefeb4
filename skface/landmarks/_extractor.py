"""Facial landmarks with dlib's shape predictor (ensemble of regression trees)."""

from __future__ import annotations

import functools
import os
import warnings
from numbers import Integral, Real

import joblib
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..datasets import get_model_path
from ..detection import HOGFaceDetector
from ..metrics._landmarks import landmark_error
from ..utils._boxes import ON_MISSING
from ..utils._faces import FaceRows
from ..utils._random import draw_seed
from ..utils._registry import PARAMETER_OBJECTS, register_class
from ..utils.validation import check_boxes, check_images, check_landmarks
from ._native import load_predictor, predictor_n_points
from ._predict import _detect, _landmarks_chunk
from ._training import BOX_PADDING, landmark_boxes, match_boxes, train_shape_predictor

__all__ = ["LandmarkExtractor"]

_PRETRAINED = {68: "landmarks_68", 5: "landmarks_5"}
_TRAINING_PARAMS = (
    "tree_depth",
    "nu",
    "cascade_depth",
    "feature_pool_size",
    "num_test_splits",
    "num_trees_per_cascade_level",
    "oversampling_amount",
    "oversampling_translation_jitter",
    "lambda_param",
    "feature_pool_region_padding",
)
#: Error, in inter-ocular distances, that :meth:`LandmarkExtractor.score`
#: counts for a face the detector missed.
MISSING_FACE_ERROR = 1.0


class LandmarkExtractor(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """Facial landmarks with a dlib shape predictor, pretrained or trained.

    Faces are found by ``detector`` (or given as ``boxes``), then a cascade
    of regression trees (Kazemi and Sullivan, 2014) places ``n_points``
    landmarks in each face box. Without ``y``, :meth:`fit` keeps dlib's
    pretrained 68- or 5-point model; with ``y``, it trains a new predictor
    with ``dlib.train_shape_predictor``, whose options are the parameters
    below (same names and defaults as ``dlib.shape_predictor_training_options``).
    An unfitted extractor uses the pretrained model and the default
    detector: ``LandmarkExtractor().landmarks(X)`` needs no ``fit``.

    Parameters
    ----------
    n_points : int, default=68
        Number of landmarks. 68 (iBUG 300-W) and 5 (eye corners and nose)
        have pretrained models; any other number needs ``model_path`` or
        ``fit`` with ``y``.
    model_path : str or path-like, default=None
        Shape predictor ``.dat`` file or model name for
        :func:`skface.datasets.get_model_path`; ``None`` uses
        ``'landmarks_68'`` or ``'landmarks_5'``. Ignored when fitting with
        ``y``.
    detector : estimator, default=None
        skface face detector (any estimator with ``detect``, or with
        ``transform`` giving one box per image), used when no ``boxes`` are
        passed. ``None`` uses ``HOGFaceDetector(upsample=1)``. An unfitted
        detector is cloned and fitted without ``y`` in :meth:`fit`; a fitted
        one is used as it is.
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        What to do with an image without a face (or with a NaN box):
        raise a ``ValueError`` naming it, return NaN landmarks, or predict
        in the whole-image box.
    select : {'largest', 'best'}, default='largest'
        Which face to keep when the detector finds several: the largest box
        or the highest score.
    n_jobs : int, default=None
        Workers for per-image detection and prediction (joblib), and the
        threads of dlib's trainer in :meth:`fit`; ``None`` follows
        :func:`joblib.parallel_config` (1 when unset). A fixed
        ``random_state`` and ``n_jobs`` reproduce a trained model exactly;
        another number of threads sums floats in another order and gives a
        slightly different model.
    train_boxes : {'detector', 'landmarks'}, default='detector'
        Training face boxes when :meth:`fit` gets ``y`` but no ``boxes``.
        ``'detector'``: the detection that best overlaps each face's
        landmarks (IoU >= 0.3 with their bounding box), so the predictor is
        trained on the kind of box it gets at transform time; faces the
        detector misses get their landmarks' bounding box mapped to the
        detector's geometry (median offsets over the found faces).
        ``'landmarks'``: the landmarks' bounding box widened by 10% of its
        size on each side (for predictors used with ``boxes`` of that kind).
    tree_depth : int, default=4
        Depth of each regression tree (``2**tree_depth`` leaves).
    nu : float, default=0.1
        Shrinkage (learning rate) in ``(0, 1]``.
    cascade_depth : int, default=10
        Number of cascade levels.
    feature_pool_size : int, default=400
        Pixels sampled per cascade level to build split features (> 1).
    num_test_splits : int, default=20
        Random splits tried at each tree node.
    num_trees_per_cascade_level : int, default=500
        Trees per cascade level.
    oversampling_amount : int, default=20
        Random initial shapes per training face (data augmentation).
    oversampling_translation_jitter : float, default=0.0
        Random translation of the training boxes, as a fraction of their size.
    lambda_param : float, default=0.1
        Locality prior of the split features (larger: closer pixel pairs).
    feature_pool_region_padding : float, default=0.0
        Padding of the region where feature pixels are sampled.
    random_state : int, RandomState instance or None, default=None
        Seeds dlib's trainer (its ``random_seed`` string).
    verbose : int, default=0
        Whether dlib prints training progress.

    Attributes
    ----------
    n_points_ : int
        Number of landmarks per face.
    model_path_ : str or None
        The pretrained model file in use; None for a trained model.
    model_bytes_ : bytes or None
        The trained model (its ``.dat`` file); None for a pretrained one.
        The native predictor is rebuilt from it, once per process, so the
        estimator pickles and gives identical output after unpickling.
    detector_ : estimator
        The fitted detector.

    See Also
    --------
    skface.detection.HOGFaceDetector : Default face detector.
    skface.metrics.landmark_error : The error :meth:`score` negates.

    Notes
    -----
    A shape predictor works well only on boxes like the ones it was trained
    on (on synthetic faces, a predictor trained on landmark bounding boxes
    and run on HOG boxes is about ten times worse than one trained on HOG
    boxes), hence ``train_boxes='detector'`` by default. dlib works on whole
    pixels: landmarks are rounded for training and predicted landmarks are
    integers. Training images reach dlib as temporary BMP files: dlib's
    in-memory trainer is not safe with several threads.

    References
    ----------
    V. Kazemi and J. Sullivan, "One millisecond face alignment with an
    ensemble of regression trees", CVPR 2014.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.landmarks import LandmarkExtractor
    >>> X = astronaut()[None]
    >>> ext = LandmarkExtractor().fit(X)
    >>> ext.transform(X).shape
    (1, 136)
    >>> ext.get_feature_names_out()[:3].tolist()
    ['x0', 'y0', 'x1']
    """

    _parameter_constraints: dict = {
        "n_points": [Interval(Integral, 1, None, closed="left")],
        "model_path": [str, os.PathLike, None],
        "detector": [HasMethods(["detect"]), HasMethods(["transform"]), None],
        "on_missing": [StrOptions({"raise", "nan", "whole"})],
        "select": [StrOptions({"largest", "best"})],
        "n_jobs": [Integral, None],
        "train_boxes": [StrOptions({"detector", "landmarks"})],
        "tree_depth": [Interval(Integral, 1, None, closed="left")],
        "nu": [Interval(Real, 0, 1, closed="right")],
        "cascade_depth": [Interval(Integral, 1, None, closed="left")],
        "feature_pool_size": [Interval(Integral, 2, None, closed="left")],
        "num_test_splits": [Interval(Integral, 1, None, closed="left")],
        "num_trees_per_cascade_level": [Interval(Integral, 1, None, closed="left")],
        "oversampling_amount": [Interval(Integral, 1, None, closed="left")],
        "oversampling_translation_jitter": [Interval(Real, 0, None, closed="left")],
        "lambda_param": [Interval(Real, 0, None, closed="neither")],
        "feature_pool_region_padding": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_points=68,
        *,
        model_path=None,
        detector=None,
        on_missing="raise",
        select="largest",
        n_jobs=None,
        train_boxes="detector",
        tree_depth=4,
        nu=0.1,
        cascade_depth=10,
        feature_pool_size=400,
        num_test_splits=20,
        num_trees_per_cascade_level=500,
        oversampling_amount=20,
        oversampling_translation_jitter=0.0,
        lambda_param=0.1,
        feature_pool_region_padding=0.0,
        random_state=None,
        verbose=0,
    ):
        self.n_points = n_points
        self.model_path = model_path
        self.detector = detector
        self.on_missing = on_missing
        self.select = select
        self.n_jobs = n_jobs
        self.train_boxes = train_boxes
        self.tree_depth = tree_depth
        self.nu = nu
        self.cascade_depth = cascade_depth
        self.feature_pool_size = feature_pool_size
        self.num_test_splits = num_test_splits
        self.num_trees_per_cascade_level = num_trees_per_cascade_level
        self.oversampling_amount = oversampling_amount
        self.oversampling_translation_jitter = oversampling_translation_jitter
        self.lambda_param = lambda_param
        self.feature_pool_region_padding = feature_pool_region_padding
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, boxes=None):
        """Keep the pretrained predictor, or train one on ``y``.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images (see :func:`skface.utils.check_images`), one face each.
            A photo with several faces is passed once per face; the same
            ``uint8`` array object repeated is held by dlib's trainer once.
        y : array-like of shape (n_samples, n_points, 2) or \
(n_samples, 2 * n_points), default=None
            True ``(x, y)`` landmarks (flat form ``x0, y0, x1, ...``).
            ``None`` keeps the pretrained model, and so does a 1-D ``y``:
            inside a ``Pipeline`` or ``cross_val_score`` the class labels
            meant for a later step reach every step's ``fit``, and they
            are not landmarks.
        boxes : array-like of shape (n_samples, 4), default=None
            Training face boxes ``(left, top, right, bottom)``; ``None``
            derives them as ``train_boxes`` says. Used only with ``y``.

        Returns
        -------
        self : LandmarkExtractor
            Fitted estimator.
        """
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        self.detector_ = self._fit_detector(images)
        if y is None or np.ndim(y) < 2:  # class labels of a later step
            self._fit_pretrained()
        else:
            self._fit_trained(images, y, boxes)
        return self

    def fit_transform(self, X, y=None, boxes=None):
        """Fit, then transform ``X`` (with the same ``boxes``)."""
        return self.fit(X, y, boxes=boxes).transform(X, boxes=boxes)

    def _fit_detector(self, images):
        detector = self.detector
        if detector is None:
            detector = HOGFaceDetector(upsample=1)
        try:
            check_is_fitted(detector)
            return detector  # prefit: use as it is
        except NotFittedError:
            return clone(detector).fit(images)
        except TypeError:  # not an sklearn estimator: use as it is
            return detector

    def _fit_pretrained(self):
        self.model_path_, self.model_bytes_ = self._pretrained_path(), None
        self.n_points_ = self.n_points

    def _pretrained_path(self):
        """Path of the pretrained model, checked to predict ``n_points``."""
        name = self.model_path
        if name is None:
            if self.n_points not in _PRETRAINED:
                raise ValueError(
                    f"there is no pretrained model for n_points={self.n_points} "
                    f"(only for {sorted(_PRETRAINED)}); pass model_path or fit "
                    "with y to train one"
                )
            name = _PRETRAINED[self.n_points]
        path = get_model_path(name)
        found = predictor_n_points(load_predictor(("path", path)))
        if found != self.n_points:
            raise ValueError(
                f"model {path!r} predicts {found} points but n_points="
                f"{self.n_points}; set n_points={found}"
            )
        return path

    def _fit_trained(self, images, y, boxes):
        n = len(images)
        if np.ndim(y) == 1:
            raise ValueError(
                f"y has shape {np.shape(y)}; expected landmarks of shape "
                f"(n_samples, {self.n_points}, 2) or (n_samples, {2 * self.n_points})"
            )
        y = check_landmarks(y, n_samples=n, n_points=self.n_points, name="y")
        if boxes is not None:
            boxes = check_boxes(boxes, n_samples=n)
        elif self.train_boxes == "landmarks":
            boxes = landmark_boxes(y, BOX_PADDING)
        else:
            boxes = self._detected_training_boxes(images, y)
        n_threads = joblib.effective_n_jobs(self.n_jobs)
        params = {name: getattr(self, name) for name in _TRAINING_PARAMS}
        self.model_bytes_ = train_shape_predictor(
            images,
            y,
            boxes,
            params=params,
            seed=draw_seed(self.random_state),
            n_threads=n_threads,
            verbose=self.verbose,
        )
        self.model_path_ = None
        self.n_points_ = self.n_points

    def _detected_training_boxes(self, images, y):
        # Detect once per distinct image (a photo repeated for each face).
        first = {}
        for img in images:
            first.setdefault(id(img), img)
        unique = list(first.values())
        dets = dict(zip(first, _detect(self.detector_, unique), strict=True))
        boxes, matched = match_boxes([dets[id(img)] for img in images], y)
        if not matched.any():
            raise ValueError(
                f"the detector found none of the {len(images)} training faces, "
                "so there are no training boxes; pass boxes=... or set "
                "train_boxes='landmarks'"
            )
        if not matched.all():
            warnings.warn(
                f"the detector missed {int((~matched).sum())} of {len(images)} "
                "training faces (e.g. X[{}]); their boxes are estimated from "
                "their landmarks".format(int(np.flatnonzero(~matched)[0])),
                UserWarning,
            )
        return boxes

    # ------------------------------------------------------------ predict
    @property
    def _n_points(self):
        """Points per face: the fitted model's, or ``n_points`` unfitted."""
        return getattr(self, "n_points_", self.n_points)

    def _model_key(self):
        if not hasattr(self, "n_points_"):  # unfitted: the pretrained model
            return ("path", self._pretrained_path())
        if self.model_bytes_ is not None:
            return ("bytes", self.model_bytes_)
        return ("path", self.model_path_)

    def _run(self, images, boxes, *, all_faces=False):
        on_missing = self.on_missing
        if on_missing not in ON_MISSING:
            raise ValueError(
                f"on_missing must be 'raise', 'nan' or 'whole', got {on_missing!r}"
            )
        if hasattr(self, "detector_"):
            detector = self.detector_
        else:  # unfitted: the pretrained model and the default detector
            self._validate_params()
            detector = self._fit_detector(images)
        func = functools.partial(
            _landmarks_chunk,
            model=self._model_key(),
            detector=detector,
            select=self.select,
            on_missing=on_missing,
            n_points=self._n_points,
            all_faces=all_faces,
        )
        # Chunks, not single images, so that a detector can batch its work
        # and the model key is sent to each worker a few times only.
        n_workers = joblib.effective_n_jobs(self.n_jobs)
        n_chunks = 1 if n_workers == 1 else min(len(images), 2 * n_workers)
        bounds = [round(i * len(images) / n_chunks) for i in range(n_chunks + 1)]
        tasks = [
            (a, images[a:b], None if boxes is None else list(boxes[a:b]))
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
            if b > a
        ]
        # The shape predictor takes ~1 ms a face: with given boxes, or a
        # detector that releases the GIL, threads beat pickling photos.
        prefer = (
            "threads"
            if boxes is not None
            else getattr(detector, "_parallel_prefer", None)
        )
        parts = self._map_images(func, tasks, prefer=prefer)
        return [r for part in parts for r in part]

    def landmarks(self, X, boxes=None):
        """Landmarks of one face per image.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images, grey, RGB or RGBA; uint8, uint16 or float in [0, 1].
        boxes : array-like of shape (n_samples, 4), default=None
            Face boxes ``(left, top, right, bottom)``, ``right = left +
            width``; the detector is skipped. A NaN row is a missing face
            (see ``on_missing``). ``None`` runs the detector and keeps one
            face per image (see ``select``).

        Returns
        -------
        landmarks : ndarray of shape (n_samples, n_points, 2)
            ``(x, y)`` in pixels; NaN rows for missing faces with
            ``on_missing='nan'``.
        """
        check_is_fitted(self)
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        if boxes is not None:
            boxes = check_boxes(boxes, n_samples=len(images), allow_nan=True)
        out = self._run(images, boxes)
        return np.stack(out).reshape(len(images), self._n_points, 2)

    def landmarks_all(self, X):
        """Landmarks of every face the detector finds in each image.

        Every image is searched once; each face gets its landmarks, its box
        and its detection score.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.

        Returns
        -------
        faces : :class:`skface.utils.FaceRows`
            One row per face: ``image_index`` ``(n_faces,)``, ``boxes``
            ``(n_faces, 4)`` (clipped to the image when the detector's
            ``clip`` is true), ``scores`` ``(n_faces,)`` and ``landmarks``
            ``(n_faces, n_points, 2)``; faces of one image are consecutive,
            in the detector's order (decreasing score), and an image without
            a face has no row. ``faces.split("landmarks")`` gives the
            ``(k_i, n_points, 2)`` landmarks of each image.

        Examples
        --------
        >>> from skimage.data import astronaut
        >>> from skface.landmarks import LandmarkExtractor
        >>> faces = LandmarkExtractor().fit([astronaut()]).landmarks_all([astronaut()])
        >>> faces.boxes[0], faces.landmarks.shape[1:]  # best face first
        (array([175.,  76., 266., 167.]), (68, 2))
        """
        check_is_fitted(self)
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        per_image = self._run(images, None, all_faces=True)
        dets = [d for d, _ in per_image]
        counts = [len(d) for d in dets]
        found = np.concatenate([np.empty((0, 5)), *dets])
        landmarks = np.concatenate(
            [np.empty((0, self._n_points, 2)), *(lm for _, lm in per_image)]
        )
        return FaceRows(
            image_index=np.repeat(np.arange(len(images)), counts),
            boxes=found[:, :4],
            scores=found[:, 4],
            n_images=len(images),
            landmarks=landmarks,
        )

    def transform(self, X, boxes=None):
        """Landmarks as features ``x0, y0, x1, y1, ...``.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.
        boxes : array-like of shape (n_samples, 4), default=None
            Face boxes; see :meth:`landmarks`.

        Returns
        -------
        features : ndarray of shape (n_samples, 2 * n_points), dtype float64
        """
        L = self.landmarks(X, boxes=boxes)
        return L.reshape(len(L), -1)

    def get_feature_names_out(self, input_features=None):
        """Names ``x0, y0, x1, y1, ...`` of the :meth:`transform` columns.

        Parameters
        ----------
        input_features : None
            Ignored (the input is images).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names = [f"{c}{i}" for i in range(self._n_points) for c in "xy"]
        return np.asarray(names, dtype=object)

    def score(self, X, y, boxes=None):
        """Negative mean landmark error, normalised by face size.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.
        y : array-like of shape (n_samples, n_points, 2) or \
(n_samples, 2 * n_points)
            True landmarks.
        boxes : array-like of shape (n_samples, 4), default=None
            Face boxes; see :meth:`landmarks`.

        Returns
        -------
        score : float
            ``-landmark_error(y, landmarks)`` with the inter-ocular
            normalisation for 68 and 5 points (the landmark bounding box
            diagonal otherwise). Higher is better. A face the detector
            misses (with ``on_missing='nan'``) counts as an error of 1.0.
        """
        check_is_fitted(self)
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        y = check_landmarks(y, n_samples=len(images), n_points=self._n_points, name="y")
        pred = self.landmarks(images, boxes=boxes)
        normalize = "interocular" if self._n_points in (68, 5) else "diagonal"
        err = landmark_error(y, pred, normalize=normalize, average=False)
        err = np.where(np.isnan(err), MISSING_FACE_ERROR, err)
        return -float(err.mean())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False  # unfitted, it uses the pretrained model
        return tags


# a model file may name it as a parameter (a neural estimator's front end)
register_class(PARAMETER_OBJECTS, LandmarkExtractor)
