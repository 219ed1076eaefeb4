"""Face recognition: nearest known face, with a tolerance and an "unknown" label."""

from __future__ import annotations

import dataclasses
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _assert_all_finite,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ..base import ImageEstimatorMixin
from ..features import DlibFaceEncoder
from ..features._dlib_encoder import N_FEATURES
from ..utils._boxes import ON_MISSING
from ..utils.validation import check_images

__all__ = ["FaceRecognizer"]

#: Rows of query embeddings compared with the known ones per block, so the
#: ``(rows, n_known, n_features)`` differences stay small.
_BLOCK_ELEMENTS = 1 << 22
#: Side of the blank image an encoder is fitted on when ``fit`` gets
#: embeddings (the pretrained encoder only validates its model files).
_BLANK_SIDE = 32


def _is_embeddings(X):
    """Whether ``X`` holds embeddings (tabular data) rather than images.

    Images are ``(n, H, W[, C])`` arrays or lists of 2-D/3-D arrays or
    paths; embeddings are 2-D arrays, data frames or lists of vectors (a
    1-D array is taken as malformed embeddings, so that validation says
    "Reshape your data").
    """
    if hasattr(X, "iloc"):  # pandas DataFrame
        return True
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and np.ndim(X[0]) <= 1 and not isinstance(X[0], str)
    if isinstance(X, np.ndarray):
        return X.ndim <= 2
    if hasattr(X, "__array__"):  # array-likes
        return np.asarray(X).ndim <= 2
    return False


def _pairwise(Q, K):
    """Exact euclidean distances ``(len(Q), len(K))`` (0 for identical rows).

    The ``|a|^2 + |b|^2 - 2ab`` shortcut loses ~1e-8 to rounding; like
    face_recognition, subtract first so that a face is at distance 0 from
    itself.
    """
    out = np.empty((len(Q), len(K)))
    step = max(1, _BLOCK_ELEMENTS // max(1, K.size))
    for a in range(0, len(Q), step):
        out[a : a + step] = np.linalg.norm(Q[a : a + step, None] - K[None], axis=2)
    return out


class FaceRecognizer(ClassifierMixin, ImageEstimatorMixin, BaseEstimator):
    """Recognise known people, and say ``'unknown'`` for everyone else.

    :meth:`fit` embeds one photo per known face (or takes embeddings);
    :meth:`predict` labels each photo's largest face with the identity of
    the nearest known face when it is within ``tolerance``, and with
    ``unknown_label`` otherwise. This is face_recognition's
    ``compare_faces``/``face_distance`` recipe as a scikit-learn classifier:
    ``score`` is the accuracy (strangers count as correct when labelled
    ``unknown_label``), so ``GridSearchCV`` can tune ``tolerance``.
    :meth:`predict_faces` labels every face of every photo.

    Parameters
    ----------
    tolerance : float or None, default=0.6
        Largest euclidean distance to a known face that still counts as
        that person. 0.6 is dlib's threshold for its 128-d embeddings (lower
        is stricter: fewer strangers taken for known people, more known
        people missed). ``None``: always the nearest identity, never
        ``unknown_label``.
    unknown_label : str, int or None, default='unknown'
        Label of faces farther than ``tolerance`` from every known face (and
        of photos without a face when ``on_missing='nan'``). Training
        samples with this label are strangers: :meth:`fit` leaves them out.
    encoder : transformer, default=None
        Turns photos into embeddings; ``None`` uses
        ``DlibFaceEncoder(n_jobs=n_jobs)`` (128-d dlib embeddings with the
        HOG detector). :meth:`predict_faces` needs an encoder with
        ``transform_faces``. Cloned in :meth:`fit`; its ``on_missing`` is set
        to this estimator's.
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        Photos without a face: ``'raise'`` a ``ValueError`` naming the
        photo; ``'nan'``: in :meth:`fit` the photo is left out (with a
        warning), in :meth:`predict` it gets ``unknown_label``; ``'whole'``:
        the whole photo is taken as the face.
    n_jobs : int, default=None
        Workers of the default encoder (joblib); ``None`` follows
        :func:`joblib.parallel_config`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The known identities, sorted. :meth:`predict` may also return
        ``unknown_label``, which is not among them.
    embeddings_ : ndarray of shape (n_known, n_features)
        Embeddings of the known faces.
    labels_ : ndarray of shape (n_known,)
        Identity of each known face.
    encoder_ : transformer or None
        The fitted encoder; ``None`` when :meth:`fit` got embeddings of
        another width than the default encoder's 128 and no ``encoder``
        (then only embeddings can be predicted).
    n_features_in_ : int
        Width of the embeddings, when :meth:`fit` got embeddings.

    See Also
    --------
    skface.metrics.face_distance : The distance used here.
    skface.features.DlibFaceEncoder : The default encoder.
    FaceAnalyzer : One table row per face with boxes, landmarks, identity.

    Notes
    -----
    The identity is the one of the nearest known face, which is also the
    identity with the smallest per-identity minimum distance
    (:meth:`identity_distances`); several photos per person help. Labels
    come back in the dtype of ``y`` when ``unknown_label`` fits it (e.g.
    ``unknown_label=-1`` with integer identities, or ``tolerance=None``),
    as objects otherwise. A photo
    with several faces is labelled by its largest face in :meth:`predict`
    (the encoder's detector ``select``); use :meth:`predict_faces` for
    every face.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.recognition import FaceRecognizer
    >>> known = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> rec = FaceRecognizer(tolerance=0.3).fit(known, ["ann", "bob"])
    >>> rec.predict(np.array([[0.1, 0.0], [0.9, 0.1], [0.5, 2.0]])).tolist()
    ['ann', 'bob', 'unknown']
    >>> rec.identity_distances(np.array([[0.1, 0.0]])).round(2)
    array([[0.1, 0.9]])
    """

    _parameter_constraints: dict = {
        "tolerance": [Interval(Real, 0, None, closed="left"), None],
        "unknown_label": [str, Integral, None],
        "encoder": [HasMethods(["fit", "transform"]), None],
        "on_missing": [StrOptions(set(ON_MISSING))],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        tolerance=0.6,
        *,
        unknown_label="unknown",
        encoder=None,
        on_missing="raise",
        n_jobs=None,
    ):
        self.tolerance = tolerance
        self.unknown_label = unknown_label
        self.encoder = encoder
        self.on_missing = on_missing
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Remember the known faces.

        Parameters
        ----------
        X : images or array-like of shape (n_samples, n_features)
            Photos of known people, one face each (the largest face is used,
            see ``on_missing`` for photos without one), as an
            ``(n_samples, H, W[, C])`` array or a list of arrays or paths;
            or their precomputed embeddings (a 2-D array).
        y : array-like of shape (n_samples,)
            Identity of each photo; several photos per person are welcome.
            Samples labelled ``unknown_label`` (strangers, e.g. in a
            cross-validation fold) are not remembered.

        Returns
        -------
        self : FaceRecognizer
            Fitted recognizer.
        """
        y = column_or_1d(np.asarray(y), warn=True)
        if y.dtype.kind == "f":
            _assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        if _is_embeddings(X):
            E = validate_data(self, X, dtype=np.float64, ensure_all_finite=False)
            E = self._check_finite(E, "X")
            self.encoder_ = self._fit_encoder(None, E.shape[1])
        else:
            for name in ("n_features_in_", "feature_names_in_"):  # from a refit
                if hasattr(self, name):
                    delattr(self, name)
            images = check_images(X, dtype=None, channels="keep", stack=False)
            if len(y) != len(images):  # before the slow part
                raise ValueError(
                    f"X has {len(images)} photos but y has {len(y)} labels"
                )
            self.encoder_ = self._fit_encoder(images, None)
            E = np.asarray(self.encoder_.transform(images), dtype=np.float64)
        if len(y) != len(E):
            raise ValueError(f"X has {len(E)} samples but y has {len(y)} labels")
        found = np.isfinite(E).all(axis=1)
        if not found.all():
            missing = np.flatnonzero(~found)
            warnings.warn(
                f"{len(missing)} of {len(E)} training photos have no face (e.g. "
                f"X[{missing[0]}]) and are left out (on_missing='nan')",
                UserWarning,
            )
            E, y = E[found], y[found]
        if self.unknown_label is not None:
            # Strangers in the training data (e.g. a cross-validation fold)
            # are nobody to remember; they only matter to score.
            known = np.asarray(y, dtype=object) != self.unknown_label
            E, y = E[known], y[known]
        if len(E) == 0:
            raise ValueError(
                "no known face to learn from: every photo lacks a face or is "
                f"labelled unknown_label={self.unknown_label!r}"
            )
        self.classes_, self._class_index = np.unique(y, return_inverse=True)
        self.embeddings_ = E
        self.labels_ = y
        return self

    def _check_finite(self, E, name):
        """NaN rows are photos without a face; inf is always an error."""
        if np.isinf(E).any():
            raise ValueError(f"{name} contains inf")
        bad = np.isnan(E).any(axis=1)
        if bad.any() and self.on_missing == "raise":
            raise ValueError(
                f"{name}[{int(np.flatnonzero(bad)[0])}] contains NaN (a photo "
                "without a face?); set on_missing='nan' to skip such rows"
            )
        return E

    def _fit_encoder(self, images, n_features):
        encoder = self.encoder
        if encoder is None:
            if images is None and n_features != N_FEATURES:
                return None  # embeddings of another model: no photos then
            encoder = DlibFaceEncoder(n_jobs=self.n_jobs)
        encoder = clone(encoder)
        if "on_missing" in encoder.get_params(deep=False):
            encoder.set_params(on_missing=self.on_missing)
        if images is None:
            # Pretrained: fitting only validates the model files.
            images = [np.zeros((_BLANK_SIDE, _BLANK_SIDE, 3), dtype=np.uint8)]
        return encoder.fit(images)

    # -------------------------------------------------------------- embed
    def _embed(self, X):
        """Query embeddings ``(n, n_features)``; NaN rows: no face."""
        check_is_fitted(self)
        if _is_embeddings(X):
            E = validate_data(
                self, X, dtype=np.float64, ensure_all_finite=False, reset=False
            )
            n_known = self.embeddings_.shape[1]
            if E.shape[1] != n_known:
                raise ValueError(
                    f"X has {E.shape[1]} features, but FaceRecognizer was fitted "
                    f"on {n_known}-d embeddings"
                )
            return self._check_finite(E, "X")
        if self.encoder_ is None:
            raise ValueError(
                f"this recognizer was fitted on {self.embeddings_.shape[1]}-d "
                "embeddings without an encoder; pass embeddings, or refit with "
                "encoder=... to recognise photos"
            )
        return np.asarray(self.encoder_.transform(X), dtype=np.float64)

    def _identity_distances(self, E):
        """Per-identity minimum distance ``(n, n_classes)``; NaN for NaN rows."""
        D = _pairwise(np.nan_to_num(E), self.embeddings_)
        out = np.full((len(E), len(self.classes_)), np.inf)
        np.minimum.at(out.T, self._class_index, D.T)
        out[np.isnan(E).any(axis=1)] = np.nan
        return out

    def _identify(self, E):
        """Labels and nearest distances of embeddings (NaN rows: unknown)."""
        D = self._identity_distances(E)
        missing = np.isnan(D).any(axis=1)
        best = np.argmin(np.where(missing[:, None], 0, D), axis=1)
        dist = np.where(missing, np.nan, D[np.arange(len(D)), best])
        known = ~missing
        if self.tolerance is not None:
            known &= dist <= self.tolerance
        labels = np.empty(len(E), dtype=self._label_dtype(missing.any()))
        if not known.all():
            labels[~known] = self.unknown_label
        labels[known] = self.classes_[best[known]]
        return labels, dist

    def _label_dtype(self, faceless):
        """The classes' dtype if ``unknown_label`` fits in it, else object."""
        if self.tolerance is None and not faceless:  # never unknown
            return self.classes_.dtype
        unknown = np.asarray(self.unknown_label)
        kinds = {self.classes_.dtype.kind, unknown.dtype.kind}
        if kinds <= {"U"} or kinds <= {"i", "u"}:
            return np.result_type(self.classes_.dtype, unknown.dtype)
        return object

    # ------------------------------------------------------------ predict
    def predict(self, X):
        """Identity of each photo's face, or ``unknown_label``.

        Parameters
        ----------
        X : images or array-like of shape (n_samples, n_features)
            Photos (their largest face is recognised) or embeddings.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            The nearest known identity within ``tolerance``, else
            ``unknown_label`` (also for photos without a face when
            ``on_missing='nan'``).
        """
        return self._identify(self._embed(X))[0]

    def identity_distances(self, X):
        """Distance to the nearest known face of each identity.

        Parameters
        ----------
        X : images or array-like of shape (n_samples, n_features)
            Photos (their largest face) or embeddings.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_classes)
            Column ``j``: the smallest euclidean distance to a known face of
            ``classes_[j]``. ``distances <= tolerance`` is
            face_recognition's ``compare_faces`` per identity. NaN rows for
            photos without a face.
        """
        return self._identity_distances(self._embed(X))

    def decision_function(self, X):
        """Confidence scores: the closer an identity, the higher its score.

        Parameters
        ----------
        X : images or array-like of shape (n_samples, n_features)
            Photos or embeddings.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            Minus :meth:`identity_distances`; with two identities,
            scikit-learn's binary form: ``distance to classes_[0] -
            distance to classes_[1]`` (positive when ``classes_[1]`` is
            nearer). ``tolerance`` is not applied here.
        """
        D = self.identity_distances(X)
        if len(self.classes_) == 2:
            return D[:, 0] - D[:, 1]
        return -D

    def kneighbors(self, X, n_neighbors=1, return_distance=True):
        """Nearest known faces of each photo or embedding.

        Parameters
        ----------
        X : images or array-like of shape (n_samples, n_features)
            Photos or embeddings.
        n_neighbors : int, default=1
            Number of known faces to return, nearest first.
        return_distance : bool, default=True
            Also return the distances.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_neighbors)
            Euclidean distances (NaN for photos without a face); only with
            ``return_distance``.
        indices : ndarray of shape (n_samples, n_neighbors)
            Rows of ``embeddings_`` / ``labels_`` (-1 for photos without a
            face).
        """
        check_is_fitted(self)
        n_known = len(self.embeddings_)
        if not 1 <= int(n_neighbors) <= n_known:
            raise ValueError(
                f"n_neighbors={n_neighbors} must be in [1, {n_known}] (the "
                "number of known faces)"
            )
        E = self._embed(X)
        D = _pairwise(np.nan_to_num(E), self.embeddings_)
        ind = np.argsort(D, axis=1, kind="stable")[:, : int(n_neighbors)]
        dist = np.take_along_axis(D, ind, axis=1)
        missing = np.isnan(E).any(axis=1)
        ind[missing], dist[missing] = -1, np.nan
        return (dist, ind) if return_distance else ind

    def predict_faces(self, X):
        """Recognise every face of every photo.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos; each is searched once by the encoder's detector.

        Returns
        -------
        faces : :class:`skface.utils.FaceRows`
            One row per face: ``image_index``, ``boxes`` (clipped to the
            photo by default), ``scores``, ``embeddings``, ``labels`` (the
            identity or ``unknown_label``) and ``distances`` (to the nearest
            known face). A photo without a face has no row.
        """
        check_is_fitted(self)
        if _is_embeddings(X):
            raise ValueError(
                "predict_faces needs photos (it finds every face); for "
                "embeddings use predict"
            )
        if self.encoder_ is None or not hasattr(self.encoder_, "transform_faces"):
            raise ValueError(
                "predict_faces needs an encoder with transform_faces, such as "
                "skface.features.DlibFaceEncoder"
            )
        rows = self.encoder_.transform_faces(X)
        labels, dist = self._identify(np.asarray(rows.embeddings, dtype=np.float64))
        return dataclasses.replace(rows, labels=labels, distances=dist)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = True  # precomputed embeddings
        tags.input_tags.allow_nan = self.on_missing != "raise"
        return tags
