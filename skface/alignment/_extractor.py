"""Aligned face chips from photos, with everything needed to put them back."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..landmarks import LandmarkExtractor
from ..utils._optional import import_cv2
from ..utils._registry import PARAMETER_OBJECTS, register_class
from ..utils.validation import check_images, check_landmarks
from ._transforms import (
    alignment_transform,
    apply_transform,
    invert_transform,
    warp_to_chip,
    whole_image_transform,
)

__all__ = ["FaceExtractor", "FaceRecords"]


@dataclass
class FaceRecords:
    """What :meth:`FaceExtractor.extract` found, one entry per input image.

    A plain picklable container; index it (``records[2:5]``, ``records[mask]``)
    to get the records of a subset of the images.

    Attributes
    ----------
    chips : ndarray of shape (n_samples, S, S, 3)
        The aligned face chips (what :meth:`FaceExtractor.transform` returns);
        all NaN for images whose face was not found with ``on_missing='nan'``.
    transforms : ndarray of shape (n_samples, 2, 3)
        Affine maps from photo to chip pixel coordinates,
        ``chip_xy = M[:, :2] @ xy + M[:, 2]`` (pixel centres at integers); NaN
        for images whose face was not found with ``on_missing='nan'``.
    masks : ndarray of shape (n_samples, S, S), dtype bool
        Convex hull of the landmarks in the chip, dilated; all False when no
        face was found.
    landmarks : ndarray of shape (n_samples, n_points, 2)
        Landmarks in chip coordinates; NaN when no face was found.
    image_shapes : ndarray of shape (n_samples, 2), dtype int
        ``(H, W)`` of each photo.
    found : ndarray of shape (n_samples,), dtype bool
        Whether a face was found (``False`` rows are handled by
        ``on_missing``; :class:`FaceReconstructor` leaves those photos as
        they are).
    """

    chips: np.ndarray
    transforms: np.ndarray
    masks: np.ndarray
    landmarks: np.ndarray
    image_shapes: np.ndarray
    found: np.ndarray

    def __len__(self):
        return len(self.found)

    def __getitem__(self, index):
        if isinstance(index, Integral):
            index = [index]
        return FaceRecords(
            chips=self.chips[index],
            transforms=self.transforms[index],
            masks=self.masks[index],
            landmarks=self.landmarks[index],
            image_shapes=self.image_shapes[index],
            found=self.found[index],
        )

    @property
    def chip_size(self):
        """Side ``S`` of the chips, in pixels."""
        return int(self.masks.shape[1])

    @property
    def inverse_transforms(self):
        """Chip to photo affine maps, ``(n_samples, 2, 3)``."""
        out = np.full_like(self.transforms, np.nan)
        ok = np.isfinite(self.transforms).all(axis=(1, 2))
        if ok.any():
            out[ok] = invert_transform(self.transforms[ok])
        return out


def _hull_mask(points, size, radius):
    cv2 = import_cv2()
    mask = np.zeros((size, size), np.uint8)
    hull = cv2.convexHull(points.astype(np.float32))
    cv2.fillConvexPoly(mask, np.round(hull * 16).astype(np.int32), 1, cv2.LINE_8, 4)
    if radius > 0:
        kernel = cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1)
        )
        mask = cv2.dilate(mask, kernel)
    return mask.astype(bool)


def _extract_one(task, *, size, interpolation, border, radius, dtype):
    image, M, points = task
    chip = warp_to_chip(image, M, size, interpolation=interpolation, border=border)
    if dtype == "float32":
        np.clip(chip, 0.0, 1.0, out=chip)
    if points is None:
        return chip, np.zeros((size, size), bool)
    return chip, _hull_mask(points, size, radius)


class FaceExtractor(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """Crop, align and mask faces: photos in, ``S x S`` face chips out.

    Landmarks come from ``landmark_extractor`` (or are given), then each face
    is warped onto a chip in one of three ways (see ``alignment``). Every
    photo gives exactly one chip. :meth:`extract` also returns the
    photo-to-chip transforms and face masks that
    :class:`FaceReconstructor` needs to put edited chips back.

    Parameters
    ----------
    output_size : int, default=128
        Side ``S`` of the square chips, in pixels.
    alignment : {'similarity', 'eyes', 'center'}, default='similarity'
        ``'similarity'``: least-squares similarity transform (rotation,
        scale, shift) of all landmarks onto the mean-face template
        (:func:`face_template`). ``'eyes'``: rotate so the eye line is
        level and scale by the inter-ocular distance, both eye centres
        landing on the template's (the FaceSwap seed's alignment).
        ``'center'``: no rotation; an axis-aligned square crop centred on
        the landmarks' centroid and sized by their spread (the HyperEncoder
        seed centres its crop on the face's key points).
    padding : float, default=0.25
        Margin around the template on each side, as a fraction of the face's
        extent (brow to chin): the face fills ``1 / (1 + 2 * padding)`` of
        the chip.
    landmark_extractor : estimator, default=None
        Gives the landmarks, through ``landmarks(X)`` returning
        ``(n_samples, 68 or 5, 2)``; ``None`` uses
        :class:`skface.landmarks.LandmarkExtractor`. An unfitted one is cloned
        and fitted without ``y`` in :meth:`fit`, a fitted one is used as it
        is; in both cases its ``on_missing`` is set to ``'nan'`` (on a
        copy) so that this estimator's ``on_missing`` decides.
    on_missing : {'raise', 'nan', 'whole'}, default='raise'
        An image without a face: ``'raise'`` raises a ``ValueError`` naming
        it; ``'nan'`` gives an all-NaN chip with NaN transform and
        landmarks, and needs ``dtype='float32'`` (``uint8`` cannot hold NaN,
        so ``on_missing='nan'`` with ``dtype='uint8'`` is refused rather
        than giving a black chip that looks like data); ``'whole'`` gives the
        whole photo resized to ``S x S`` (aspect not kept). Either way
        ``found`` is False for it and its mask is empty.
    mask_dilation : float, default=0.05
        Dilation of the landmarks' convex hull for the mask, as a fraction
        of ``output_size``.
    interpolation : {'linear', 'cubic'}, default='cubic'
        Interpolation of ``cv2.warpAffine``. Chips much smaller than the face
        are first area-averaged, so they do not alias.
    border : {'reflect', 'replicate', 'constant'}, default='reflect'
        How pixels beyond the photo's edge are filled.
    dtype : {'uint8', 'float32'}, default='uint8'
        Chip dtype; float chips are in ``[0, 1]`` (NaN for a missing face
        with ``on_missing='nan'``).
    n_jobs : int, default=None
        Workers for the per-image warps (joblib); ``None`` follows
        :func:`joblib.parallel_config`.

    Attributes
    ----------
    landmark_extractor_ : estimator
        The fitted landmark extractor.

    See Also
    --------
    FaceReconstructor : Puts edited chips back into the photos.
    face_template : The mean face the chips are aligned to.

    Examples
    --------
    >>> from skimage.data import astronaut
    >>> from skface.alignment import FaceExtractor
    >>> X = astronaut()[None]
    >>> ext = FaceExtractor(output_size=64).fit(X)
    >>> ext.transform(X).shape
    (1, 64, 64, 3)
    >>> rec = ext.extract(X)
    >>> rec.transforms.shape, rec.masks.shape, bool(rec.found[0])
    ((1, 2, 3), (1, 64, 64), True)
    """

    _parameter_constraints: dict = {
        "output_size": [Interval(Integral, 8, None, closed="left")],
        "alignment": [StrOptions({"similarity", "eyes", "center"})],
        "padding": [Interval(Real, -0.5, None, closed="neither")],
        "landmark_extractor": [HasMethods(["landmarks"]), None],
        "on_missing": [StrOptions({"raise", "nan", "whole"})],
        "mask_dilation": [Interval(Real, 0, 0.5, closed="left")],
        "interpolation": [StrOptions({"linear", "cubic"})],
        "border": [StrOptions({"reflect", "replicate", "constant"})],
        "dtype": [StrOptions({"uint8", "float32"})],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        output_size=128,
        *,
        alignment="similarity",
        padding=0.25,
        landmark_extractor=None,
        on_missing="raise",
        mask_dilation=0.05,
        interpolation="cubic",
        border="reflect",
        dtype="uint8",
        n_jobs=None,
    ):
        self.output_size = output_size
        self.alignment = alignment
        self.padding = padding
        self.landmark_extractor = landmark_extractor
        self.on_missing = on_missing
        self.mask_dilation = mask_dilation
        self.interpolation = interpolation
        self.border = border
        self.dtype = dtype
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Prepare the landmark extractor; nothing else is learned.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images (see :func:`skface.utils.check_images`).
        y : None
            Ignored.

        Returns
        -------
        self : FaceExtractor
            Fitted estimator.
        """
        self._check_on_missing()
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        extractor = self.landmark_extractor
        if extractor is None:
            extractor = LandmarkExtractor()
        try:
            check_is_fitted(extractor)
            extractor = copy.copy(extractor)  # prefit: same model, own params
            fitted = True
        except NotFittedError:
            extractor = clone(extractor)
            fitted = False
        if "on_missing" in extractor.get_params(deep=False):
            extractor.set_params(on_missing="nan")
        self.landmark_extractor_ = extractor if fitted else extractor.fit(images)
        return self

    def _check_on_missing(self):
        if self.on_missing == "nan" and np.dtype(self.dtype).kind != "f":
            raise ValueError(
                f"on_missing='nan' needs float chips: dtype={self.dtype!r} cannot "
                "hold NaN. Set dtype='float32' to get NaN chips for images "
                "without a face, or on_missing='whole' (the whole photo as the "
                "chip) or 'raise'"
            )

    def fit_transform(self, X, y=None, landmarks=None):
        """Fit, then return the chips of ``X`` (see :meth:`transform`)."""
        return self.fit(X, y).transform(X, landmarks=landmarks)

    def transform(self, X, landmarks=None):
        """Aligned face chips, one per image.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images: grey, RGB or RGBA; uint8, uint16 or float in [0, 1];
            sizes may differ.
        landmarks : array-like of shape (n_samples, 68 or 5, 2), default=None
            ``(x, y)`` landmarks to use instead of the landmark extractor's;
            a NaN row is a missing face.

        Returns
        -------
        chips : ndarray of shape (n_samples, S, S, 3)
            ``dtype`` chips; see ``on_missing`` for images without a face
            (all-NaN chips with ``on_missing='nan'``).
        """
        return self.extract(X, landmarks=landmarks).chips

    def extract(self, X, landmarks=None):
        """Chips plus the transforms, masks and landmarks that go with them.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.
        landmarks : array-like of shape (n_samples, 68 or 5, 2), default=None
            Landmarks to use instead of the landmark extractor's.

        Returns
        -------
        records : FaceRecords
            ``chips``, ``transforms`` (photo to chip), ``masks``,
            ``landmarks`` (chip coordinates), ``image_shapes`` and ``found``.
        """
        check_is_fitted(self)
        self._check_on_missing()  # on_missing or dtype may have been set since
        images = check_images(X, dtype=self.dtype, channels="rgb", stack=False)
        n = len(images)
        if landmarks is None:
            landmarks = self.landmark_extractor_.landmarks(images)
        L = check_landmarks(landmarks, n_samples=n, allow_nan=True)
        if L.shape[1] not in (68, 5):
            raise ValueError(
                f"landmarks have {L.shape[1]} points per face; FaceExtractor "
                "aligns 68-point (iBUG) or 5-point (dlib) landmarks"
            )
        size = int(self.output_size)
        shapes = np.array([im.shape[:2] for im in images], dtype=int)
        transforms = np.full((n, 2, 3), np.nan)
        found = np.zeros(n, bool)
        for i, pts in enumerate(L):
            if np.isfinite(pts).all():
                M = alignment_transform(
                    pts, alignment=self.alignment, size=size, padding=self.padding
                )
                if np.isfinite(M).all():
                    transforms[i], found[i] = M, True
            if found[i]:
                continue
            if self.on_missing == "raise":
                raise ValueError(
                    f"no face found in X[{i}] ({shapes[i][0]}x{shapes[i][1]} "
                    "pixels); set on_missing='whole' (or 'nan' with "
                    "dtype='float32') to keep such images"
                )
            if self.on_missing == "whole":
                transforms[i] = whole_image_transform(shapes[i], size)
        chip_landmarks = np.full_like(L, np.nan)
        chip_landmarks[found] = apply_transform(transforms[found], L[found])
        tasks = [
            (images[i], transforms[i], chip_landmarks[i] if found[i] else None)
            for i in range(n)
            if np.isfinite(transforms[i]).all()
        ]
        func = functools.partial(
            _extract_one,
            size=size,
            interpolation=self.interpolation,
            border=self.border,
            radius=int(round(self.mask_dilation * size)),
            dtype=self.dtype,
        )
        results = iter(self._map_images(func, tasks))
        # Rows left unfilled are missing faces with on_missing='nan' (float).
        fill = np.nan if np.dtype(self.dtype).kind == "f" else 0
        chips = np.full((n, size, size, 3), fill, dtype=self.dtype)
        masks = np.zeros((n, size, size), dtype=bool)
        for i in range(n):
            if np.isfinite(transforms[i]).all():
                chips[i], masks[i] = next(results)
        return FaceRecords(
            chips=chips,
            transforms=transforms,
            masks=masks,
            landmarks=chip_landmarks,
            image_shapes=shapes,
            found=found,
        )


# a model file may name it as a parameter (a neural estimator's front end)
register_class(PARAMETER_OBJECTS, FaceExtractor)
