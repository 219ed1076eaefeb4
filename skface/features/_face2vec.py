"""Face2Vec geometry features: landmark offsets and distances to the nose tip.

The Face2Vec seed turns a face's 68 dlib landmarks into, per point, its
offset ``(dx, dy)`` from the nose tip (point 30) and scales each of these
vectors by its largest absolute value *in that image*
(``MaxAbsScaler().fit_transform`` on the ``(68, 2)`` offsets), so that faces
photographed at different sizes become comparable. :class:`Face2VecFeatures`
reproduces that (``normalize='seed'``) and adds the euclidean distance to the
nose tip, which the seed's text describes as the value passed to the net.

``normalize='procrustes'`` is the better-founded alternative: each shape is
aligned to a mean shape learned by generalised Procrustes analysis (removing
position, in-plane rotation and size), in units of the inter-ocular distance.
Unlike the per-image max-abs scaling, it keeps the face's proportions (a wide
face stays wide) and does not depend on a single extreme point.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from ..utils.validation import check_landmarks

__all__ = ["Face2VecFeatures"]

# Reference (nose) point and outer eye corners (image-left, image-right) of
# the two dlib landmark schemes. In dlib's 5-point scheme points 0/1 are the
# outer/inner corners of the image-right eye, 2/3 those of the image-left eye
# and 4 is the base of the nose.
_NOSE = {68: 30, 5: 4}
_EYES = {68: (36, 45), 5: (2, 0)}


def _similarity_align(X, target):
    """Least-squares similarity alignment (no reflection) of centred shapes.

    ``X`` is ``(n, p, d)`` centred shapes, ``target`` a centred ``(p, d)``
    shape. Returns ``s_i X_i R_i`` with ``R_i`` a proper rotation and
    ``s_i >= 0`` minimising ``||s_i X_i R_i - target||`` (Umeyama, 1991).
    """
    M = np.einsum("npi,pj->nij", X, target)
    U, S, Vt = np.linalg.svd(M)
    sign = np.sign(np.linalg.det(U @ Vt))
    sign[sign == 0] = 1.0
    U[:, :, -1] *= sign[:, None]  # U diag(1, ..., sign) Vt is a rotation
    R = U @ Vt
    trace = S[:, :-1].sum(axis=1) + sign * S[:, -1]
    norm = np.einsum("npi,npi->n", X, X)
    # trace >= 0 when d >= 2; in 1-D a negative scale would be a reflection.
    scale = np.where(norm > 0, np.clip(trace, 0, None) / np.where(norm > 0, norm, 1), 0)
    return scale[:, None, None] * (X @ R)


def _centre(X):
    return X - X.mean(axis=1, keepdims=True)


class Face2VecFeatures(TransformerMixin, BaseEstimator):
    """Per-point offsets and distances of face landmarks to the nose tip.

    For every landmark ``i`` the features are ``dx_i, dy_i, d_i``: its offset
    from the reference point (the nose tip) and the euclidean distance to it,
    after a size normalisation chosen by ``normalize``. This is the Face2Vec
    representation (68 dlib landmarks -> 204 numbers) that a small classifier
    can learn identities from.

    Parameters
    ----------
    normalize : {'seed', 'procrustes'}, default='seed'
        ``'seed'`` reproduces Face2Vec: per image, ``dx``, ``dy`` and ``d``
        are each divided by their largest absolute value over the image's
        points (scikit-learn's ``MaxAbsScaler`` applied per image), so each
        lies in ``[-1, 1]`` (``d`` in ``[0, 1]``). Needs no fitting.
        ``'procrustes'`` aligns each shape to :attr:`mean_shape_` with the
        least-squares similarity transform (translation, rotation, scale),
        the mean shape being learned in :meth:`fit` by generalised Procrustes
        analysis, scaled to unit inter-ocular distance (and, in 2-D, rotated
        so the eye line is horizontal); features are then in inter-ocular
        units and invariant to where the face is, its size and its in-plane
        rotation.
    n_dims : int, default=2
        Coordinates per point: 2 for image landmarks ``(x, y)``, 3 for 3-D
        landmarks ``(x, y, z)`` (e.g. face meshes). The algorithm is the same
        in any dimension (offsets, euclidean distance, Umeyama similarity
        alignment), so ``n_features`` must be a multiple of ``n_dims``.
    reference_point : 'auto' or int, default='auto'
        Index of the point offsets are measured from. ``'auto'``: 30 (nose
        tip) for 68-point shapes, 4 (base of the nose) for 5-point shapes,
        and the centroid of the points for any other number of points.
    eye_points : 'auto' or tuple of two int, default='auto'
        Indices of the (image-left, image-right) outer eye corners that fix
        the scale and orientation of the mean shape with
        ``normalize='procrustes'``. ``'auto'``: ``(36, 45)`` for 68 points,
        ``(2, 0)`` for 5 points; for other shapes the mean shape is scaled to
        unit centroid size instead. Ignored with ``normalize='seed'``.
    max_iter : int, default=20
        Maximum number of generalised Procrustes iterations.
    tol : float, default=1e-8
        Stop iterating when the mean shape moves less than this (RMS, in
        units of its centroid size).

    Attributes
    ----------
    n_points_ : int
        Number of landmarks per face, ``n_features_in_ // n_dims``.
    reference_point_ : int or None
        Index of the reference point; ``None`` means the centroid.
    eye_points_ : tuple of two int or None
        Outer eye corners used to scale the mean shape; ``None`` means unit
        centroid size.
    mean_shape_ : ndarray of shape (`n_points_`, n_dims) or None
        The Procrustes mean shape, centred, in inter-ocular units (or unit
        centroid size); ``None`` with ``normalize='seed'``.
    n_iter_ : int
        Procrustes iterations run (0 with ``normalize='seed'``).
    n_features_in_ : int
        ``n_dims * n_points_``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.

    See Also
    --------
    skface.landmarks.LandmarkExtractor : images -> the landmarks used here.

    Notes
    -----
    ``X`` is the flat landmark layout ``x0, y0, x1, y1, ...`` of
    :class:`~skface.landmarks.LandmarkExtractor` or a
    ``(n_samples, n_points, 2)`` array. Rows that are entirely NaN (images
    where no face was found, ``on_missing='nan'``) give all-NaN feature rows,
    so rows stay aligned with ``y``; partly NaN rows are an error.

    The seed's README prints its features as a ``(2, 68)`` array: the
    vertical and horizontal offsets of the nose tip from each point
    (``nose - point``), each row scaled to ``[-1, 1]`` by ``MaxAbsScaler``.
    Here the offsets are ``point - nose`` (x to the right, y down),
    interleaved per point: the same numbers up to sign and order, plus the
    distance to the nose tip that the seed's text describes.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.features import Face2VecFeatures
    >>> shape = np.array([[[0.0, 0.0], [2.0, 1.0], [1.0, -4.0]]])
    >>> f2v = Face2VecFeatures(reference_point=0).fit(shape)
    >>> f2v.transform(shape).reshape(3, 3).round(3)
    array([[ 0.   ,  0.   ,  0.   ],
           [ 1.   ,  0.25 ,  0.542],
           [ 0.5  , -1.   ,  1.   ]])
    >>> f2v.get_feature_names_out()[:4].tolist()
    ['dx0', 'dy0', 'd0', 'dx1']
    """

    _parameter_constraints: dict = {
        "normalize": [StrOptions({"seed", "procrustes"})],
        "n_dims": [Interval(Integral, 1, None, closed="left")],
        "reference_point": [
            StrOptions({"auto"}),
            Interval(Integral, 0, None, closed="left"),
        ],
        "eye_points": [StrOptions({"auto"}), tuple, list],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        normalize="seed",
        *,
        n_dims=2,
        reference_point="auto",
        eye_points="auto",
        max_iter=20,
        tol=1e-8,
    ):
        self.normalize = normalize
        self.n_dims = n_dims
        self.reference_point = reference_point
        self.eye_points = eye_points
        self.max_iter = max_iter
        self.tol = tol

    # ------------------------------------------------------------------ input
    def _validate_X(self, X, *, reset):
        """Return ``X`` as ``(n_samples, n_points, n_dims)`` float64."""
        d = self.n_dims
        if not hasattr(X, "iloc") and not hasattr(X, "tocsr"):
            arr = X if isinstance(X, np.ndarray) else None
            if isinstance(X, (list, tuple)):
                arr = np.asarray(X)
            if arr is not None and arr.ndim == 3:
                if arr.shape[-1] != d:
                    raise ValueError(
                        f"X has shape {arr.shape}: points of {arr.shape[-1]} "
                        f"coordinates, but n_dims={d}"
                    )
                X = arr.reshape(len(arr), -1)
        X = validate_data(
            self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan"
        )
        nan = np.isnan(X)
        partial = nan.any(axis=1) & ~nan.all(axis=1)
        if partial.any():
            i = int(np.flatnonzero(partial)[0])
            raise ValueError(
                f"X[{i}] contains NaN in some coordinates only; only whole-NaN "
                "rows (faces that were not found) are allowed"
            )
        if X.shape[1] % d:
            raise ValueError(
                f"X has n_features = {X.shape[1]}, not a multiple of n_dims={d}; "
                "landmarks are flat as x0, y0, x1, y1, ... (n_samples, "
                "n_points * n_dims) or (n_samples, n_points, n_dims)"
            )
        if d == 2:
            return check_landmarks(X, allow_nan=True, name="X")
        return X.reshape(len(X), -1, d)

    def _resolve_points(self, p):
        ref = self.reference_point
        if ref == "auto":
            ref = _NOSE.get(p)
        elif ref >= p:
            raise ValueError(
                f"reference_point={ref} is out of range for shapes of n_points={p} "
                f"(valid: 0 to {p - 1}, or 'auto')"
            )
        eyes = self.eye_points
        if isinstance(eyes, str):  # 'auto'
            eyes = _EYES.get(p)
        else:
            eyes = tuple(eyes)
            if (
                len(eyes) != 2
                or not all(isinstance(e, Integral) and 0 <= e < p for e in eyes)
                or eyes[0] == eyes[1]
            ):
                raise ValueError(
                    f"eye_points={self.eye_points!r} must be two distinct point "
                    f"indices in [0, {p - 1}] for shapes of n_points={p}, or 'auto'"
                )
        return (None if ref is None else int(ref)), eyes

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate the landmarks and, for ``'procrustes'``, learn the mean shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points * n_dims) or \
(n_samples, n_points, n_dims)
            Landmarks, flat ``x0, y0, x1, ...``. All-NaN rows are ignored.
        y : None
            Ignored.

        Returns
        -------
        self : Face2VecFeatures
        """
        L = self._validate_X(X, reset=True)
        p = L.shape[1]
        self.n_points_ = p
        self.reference_point_, self.eye_points_ = self._resolve_points(p)
        self.mean_shape_ = None
        self.n_iter_ = 0
        if self.normalize == "procrustes":
            valid = ~np.isnan(L).any(axis=(1, 2))
            if not valid.any():
                raise ValueError(
                    "every row of X is NaN; Procrustes analysis needs at least "
                    "one face's landmarks"
                )
            self.mean_shape_, self.n_iter_ = self._procrustes_mean(L[valid])
        return self

    def _procrustes_mean(self, L):
        Z = _centre(L)
        size = np.sqrt(np.einsum("npi,npi->n", Z, Z))
        ok = size > 0
        if not ok.any():  # every shape is one repeated point
            return np.zeros(L.shape[1:]), 0
        Z = Z[ok] / size[ok, None, None]
        mean = Z[0]
        n_iter, shift = 0, np.inf
        while n_iter < self.max_iter and shift >= self.tol:
            new = _similarity_align(Z, mean).mean(axis=0)
            new = _similarity_align(new[None], mean)[0]  # no drift in rotation
            new /= max(np.linalg.norm(new), np.finfo(float).tiny)
            shift = np.linalg.norm(new - mean) / np.sqrt(len(new))
            mean, n_iter = new, n_iter + 1
        eyes = self.eye_points_
        if eyes is not None:
            axis = mean[eyes[1]] - mean[eyes[0]]
            iod = np.linalg.norm(axis)
            if iod > 0:
                if mean.shape[1] == 2:  # eye line along +x
                    c, s = axis / iod
                    mean = mean @ np.array([[c, -s], [s, c]])
                mean = mean / iod
        return mean, n_iter

    # -------------------------------------------------------------- transform
    def transform(self, X):
        """Return offsets and distance of every point to the reference point.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_points * n_dims) or \
(n_samples, n_points, n_dims)
            Landmarks with the number of points seen in :meth:`fit`.

        Returns
        -------
        features : ndarray of shape (n_samples, n_points * (n_dims + 1))
            ``dx0, dy0, d0, dx1, ...``; all-NaN for all-NaN input rows.
        """
        check_is_fitted(self)
        L = self._validate_X(X, reset=False)
        n, p, d = L.shape
        out = np.full((n, p, d + 1), np.nan)
        valid = ~np.isnan(L).any(axis=(1, 2))
        if valid.any():
            out[valid] = self._features(L[valid])
        return out.reshape(n, p * (d + 1))

    def _features(self, L):
        if self.normalize == "procrustes":
            L = _similarity_align(_centre(L), self.mean_shape_)
        ref = self.reference_point_
        origin = L.mean(axis=1) if ref is None else L[:, ref]
        D = L - origin[:, None, :]
        F = np.concatenate([D, np.linalg.norm(D, axis=-1, keepdims=True)], axis=-1)
        if self.normalize == "seed":
            scale = np.abs(F).max(axis=1, keepdims=True)
            F = F / np.where(scale > 0, scale, 1.0)
        return F

    def get_feature_names_out(self, input_features=None):
        """Names ``dx0, dy0, d0, dx1, ...`` of the output features.

        With ``n_dims=3`` the offsets are ``dx, dy, dz``; with other
        ``n_dims`` they are ``dx, dy, dz, dw, d4_, d5_, ...`` in order.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the fitted input features.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        axes = ["dx", "dy", "dz", "dw"][: self.n_dims]
        axes += [f"d{k}_" for k in range(len(axes), self.n_dims)]
        kinds = [*axes, "d"]
        names = [f"{k}{i}" for i in range(self.n_points_) for k in kinds]
        return np.asarray(names, dtype=object)
