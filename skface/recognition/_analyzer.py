"""One table row per face: box, score, landmarks, embedding, identity."""

from __future__ import annotations

import dataclasses
import os
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..detection import HOGFaceDetector
from ..features import DlibFaceEncoder
from ..landmarks import LandmarkExtractor
from ..utils._faces import FaceRows, clip_boxes, detect_unclipped
from ..utils.validation import check_images

__all__ = ["FaceAnalyzer"]


def _sources(X):
    """Per image, its path as a string (None for arrays); None if no path."""
    if isinstance(X, (str, os.PathLike)) or not isinstance(X, (list, tuple)):
        return None
    paths = [os.fspath(x) if isinstance(x, (str, os.PathLike)) else None for x in X]
    return paths if any(p is not None for p in paths) else None


def _fit_or_keep(estimator, images):
    """A fitted estimator as it is; an unfitted one cloned and fitted."""
    try:
        check_is_fitted(estimator)
        return estimator
    except NotFittedError:
        return clone(estimator).fit(images)


class FaceAnalyzer(ImageEstimatorMixin, BaseEstimator):
    """Every face of every photo as a table row.

    :meth:`analyze` searches each photo once and returns a
    :class:`pandas.DataFrame` with one row per face: its image, its index
    within the image, its box and detection score, and on request its
    landmarks, its embedding and, with a fitted
    :class:`FaceRecognizer`, its identity and distance to the nearest known
    face. :meth:`analyze_rows` gives the same result without pandas.

    Parameters
    ----------
    detector : detector, default=None
        Any skface detector (an object with ``detect``). ``None`` uses
        ``HOGFaceDetector(upsample=1, n_jobs=n_jobs)``. An unfitted detector
        is cloned and fitted (pretrained models); a fitted one is used as
        it is. Its ``clip`` decides whether the reported boxes are clipped
        to the image; landmarks and embeddings always use the raw box.
    landmarks : bool or landmark extractor, default=True
        Add a ``landmarks`` column of ``(n_points, 2)`` arrays: ``True`` uses
        ``LandmarkExtractor(n_jobs=n_jobs)`` (68 points); or pass an
        extractor with ``landmarks(X, boxes=...)``.
    embeddings : bool or encoder, default=False
        Add an ``embedding`` column of ``(128,)`` arrays: ``True`` uses the
        recognizer's encoder when there is one, else
        ``DlibFaceEncoder(n_jobs=n_jobs)``; or pass an encoder with
        ``transform(X, boxes=...)``.
    recognizer : FaceRecognizer, default=None
        A fitted :class:`FaceRecognizer`: adds ``identity`` (the known
        person, or its ``unknown_label``) and ``distance`` columns.
    n_jobs : int, default=None
        Workers of the default detector, extractor and encoder (joblib);
        ``None`` follows :func:`joblib.parallel_config`.

    Attributes
    ----------
    detector_ : detector
        The fitted detector.
    landmark_extractor_ : LandmarkExtractor or None
        The fitted landmark extractor, when ``landmarks``.
    encoder_ : encoder or None
        The fitted encoder, when ``embeddings`` or ``recognizer``.

    See Also
    --------
    FaceRecognizer : Identities with an ``unknown`` label.
    skface.utils.FaceRows : The pandas-free result of :meth:`analyze_rows`.
    skface.utils.draw_faces : Draw the boxes, landmarks and identities.

    Notes
    -----
    :meth:`fit` is optional: :meth:`analyze` on an unfitted analyzer builds
    its parts for the call (the models are pretrained), a fitted one reuses
    them.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.recognition import FaceAnalyzer
    >>> table = FaceAnalyzer(embeddings=True).analyze([astronaut()])
    >>> table.columns.tolist()
    ['image', 'face', 'left', 'top', 'right', 'bottom', 'score', 'landmarks', \
'embedding']
    >>> table.loc[0, ["left", "top", "right", "bottom"]].tolist()
    [175.0, 76.0, 266.0, 167.0]
    >>> table.loc[0, "landmarks"].shape, table.loc[0, "embedding"].shape
    ((68, 2), (128,))
    """

    _parameter_constraints: dict = {
        "detector": [HasMethods(["detect"]), None],
        "landmarks": ["boolean", HasMethods(["landmarks"])],
        "embeddings": ["boolean", HasMethods(["transform"])],
        "recognizer": [HasMethods(["predict_faces"]), None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        detector=None,
        *,
        landmarks=True,
        embeddings=False,
        recognizer=None,
        n_jobs=None,
    ):
        self.detector = detector
        self.landmarks = landmarks
        self.embeddings = embeddings
        self.recognizer = recognizer
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Build and fit the detector, landmark extractor and encoder.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images; only validated (the models are pretrained).
        y : None
            Ignored.

        Returns
        -------
        self : FaceAnalyzer
            Fitted analyzer.
        """
        images = check_images(X, dtype="uint8", channels="rgb", stack=False)
        self.detector_, self.landmark_extractor_, self.encoder_ = self._build(images)
        return self

    def _build(self, images):
        detector = self.detector
        if detector is None:
            detector = HOGFaceDetector(upsample=1, n_jobs=self.n_jobs)
        detector = _fit_or_keep(detector, images)
        extractor = None
        if self.landmarks is not False:
            extractor = self.landmarks
            if extractor is True:
                extractor = LandmarkExtractor(detector=detector, n_jobs=self.n_jobs)
            extractor = _fit_or_keep(extractor, images)
        encoder = None
        if self.recognizer is not None:
            try:
                check_is_fitted(self.recognizer)
            except NotFittedError:
                raise ValueError(
                    "recognizer must be a FaceRecognizer fitted on the known "
                    "faces; call recognizer.fit(photos, names) first"
                ) from None
            if getattr(self.recognizer, "encoder_", None) is None:
                raise ValueError(
                    "the recognizer was fitted on embeddings without an encoder; "
                    "it cannot recognise photos"
                )
        if self.embeddings is not False:
            encoder = self.embeddings
            if encoder is True:
                encoder = getattr(self.recognizer, "encoder_", None)
            if encoder is True or encoder is None:
                encoder = DlibFaceEncoder(n_jobs=self.n_jobs)
            encoder = _fit_or_keep(encoder, images)
        elif self.recognizer is not None:
            encoder = self.recognizer.encoder_
        return detector, extractor, encoder

    def analyze_rows(self, X):
        """Every face of every image, without pandas.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.

        Returns
        -------
        faces : :class:`skface.utils.FaceRows`
            ``image_index``, ``boxes``, ``scores`` and, as configured,
            ``landmarks``, ``embeddings``, ``labels`` and ``distances``.
        """
        images = check_images(X, dtype="uint8", channels="rgb", stack=False)
        if hasattr(self, "detector_"):  # fitted (fit is optional)
            detector, extractor, encoder = (
                self.detector_,
                self.landmark_extractor_,
                self.encoder_,
            )
        else:
            self._validate_params()
            detector, extractor, encoder = self._build(images)
        found, clip = detect_unclipped(detector, images)
        counts = [len(d) for d in found]
        dets = np.concatenate([np.empty((0, 5)), *found])
        image_index = np.repeat(np.arange(len(images)), counts)
        raw = dets[:, :4]
        # The photo of each face, by reference: every face is one "image".
        face_images = [images[i] for i in image_index]
        boxes = raw
        if clip:
            boxes = np.concatenate(
                [np.empty((0, 4))]
                + [clip_boxes(d[:, :4], im.shape) for d, im in zip(found, images)]
            )
        rows = FaceRows(
            image_index=image_index,
            boxes=boxes,
            scores=dets[:, 4],
            n_images=len(images),
        )
        if extractor is not None:
            n_points = getattr(extractor, "n_points_", 68)
            L = (
                extractor.landmarks(face_images, boxes=raw)
                if len(raw)
                else np.empty((0, n_points, 2))
            )
            rows = dataclasses.replace(rows, landmarks=np.asarray(L, dtype=np.float64))
        if encoder is not None:
            E = (
                np.asarray(encoder.transform(face_images, boxes=raw), dtype=np.float64)
                if len(raw)
                else np.empty((0, getattr(encoder, "n_features_out_", 128)))
            )
            if self.embeddings is not False:
                rows = dataclasses.replace(rows, embeddings=E)
            if self.recognizer is not None:
                labels, dist = self.recognizer._identify(E)
                rows = dataclasses.replace(rows, labels=labels, distances=dist)
        return rows

    def analyze(self, X):
        """Every face of every image, one table row per face.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images (a list may mix arrays and paths).

        Returns
        -------
        table : pandas.DataFrame
            One row per face, faces of an image in the detector's order
            (decreasing score); an image without a face has no row. Columns:
            ``image`` (index in ``X``), ``face`` (index within the image),
            ``left``, ``top``, ``right``, ``bottom``, ``score``; then
            ``landmarks`` (``(n_points, 2)`` arrays) when ``landmarks``,
            ``embedding`` (``(128,)`` arrays) when ``embeddings``,
            ``identity`` and ``distance`` with a ``recognizer``, and
            ``source`` (the file name; missing for in-memory images) when
            ``X`` holds paths.
        """
        return self.analyze_rows(X).to_frame(sources=_sources(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.requires_fit = False
        return tags
