"""Base class of the inpainters: masks, blending and the transform contract."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..metrics import psnr
from ..utils.validation import check_images
from ._blend import BLEND_METHODS, blend_fill
from .masks import CenterSquare, check_masks

__all__ = ["BaseInpainter"]


def _blend_one(item):
    image, fill, hole, method = item
    return blend_fill(image, fill, hole, method)


class BaseInpainter(
    TransformerMixin, ImageEstimatorMixin, BaseEstimator, metaclass=ABCMeta
):
    """Base class for inpainters: fill the holes of images, keep the rest.

    Subclasses declare explicit parameters, including ``masks`` (a mask
    generator from :mod:`skface.restoration.masks`, or None for
    :class:`~skface.restoration.masks.CenterSquare`), ``blend``
    (``'none'``, ``'feather'`` or ``'poisson'``) and ``random_state``, and
    implement

    * ``_fit(images, masks)``: ``images`` is a list of float32
      ``(H, W, C)`` arrays in [0, 1] (``C = 1`` for grey input, 3 for RGB),
      ``masks`` a list of bool ``(H, W)`` holes (True = unknown);
    * ``_inpaint(images, masks)``: a list of float32 ``(H, W, C)`` fills;
      only their hole pixels are used.

    The base class validates images and masks, blends the fills in and
    returns images whose known pixels are bit-identical to
    ``check_images(X, dtype='float32')``.
    """

    _parameter_constraints: dict = {
        "masks": [HasMethods(["generate"]), None],
        "blend": [StrOptions(set(BLEND_METHODS))],
        "random_state": ["random_state"],
    }

    # -- hooks -----------------------------------------------------------
    def _fit(self, images, masks):
        """Learn from ``images`` with holes ``masks`` (default: nothing)."""

    @abstractmethod
    def _inpaint(self, images, masks):
        """One float32 ``(H, W, C)`` fill per image (hole pixels used)."""

    # -- helpers ---------------------------------------------------------
    def _validate_images(self, X):
        """``(images, stacked)``: float32 (H, W, C) list and the output form.

        ``stacked`` is True when ``check_images`` would return one array
        (all images of one shape); grey images come back with ``C = 1``.
        """
        out = check_images(X, dtype="float32", channels="keep", stack="auto")
        stacked = isinstance(out, np.ndarray)
        images = [im[:, :, None] if im.ndim == 2 else im for im in out]
        return images, stacked

    def _mask_generator(self):
        gen = getattr(self, "mask_generator_", None)
        if gen is None:
            gen = CenterSquare() if self.masks is None else self.masks
        return gen

    def _get_masks(self, images, masks):
        """One bool ``(H, W)`` hole per image, drawn or validated.

        ``masks=None`` draws them with the ``masks`` generator (seeded by
        ``random_state``); otherwise a bool ``(n, H, W)`` array, a list of
        ``(H_i, W_i)`` arrays or one ``(H, W)`` mask for all images.
        """
        shapes = [im.shape[:2] for im in images]
        if masks is None:
            gen = self._mask_generator()
            if all(s == shapes[0] for s in shapes):
                X = (len(shapes), *shapes[0])
            else:
                X = [np.zeros(s, dtype=np.uint8) for s in shapes]
            masks = gen.generate(X, random_state=getattr(self, "random_state", None))
        return check_masks(masks, shapes)

    @staticmethod
    def _restack(images, stacked):
        images = [im[:, :, 0] if im.shape[2] == 1 else im for im in images]
        return np.stack(images) if stacked else images

    # -- public API ------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, masks=None):
        """Fit the inpainter on images (most classical ones learn nothing).

        Parameters
        ----------
        X : images
            See :func:`skface.utils.check_images`.
        y : None
            Ignored.
        masks : bool array-like of shape (n_samples, H, W) or (H, W), default=None
            Holes to learn from; ``None`` draws them with ``masks``.

        Returns
        -------
        self : object
        """
        images, _ = self._validate_images(X)
        self.mask_generator_ = (
            CenterSquare() if self.masks is None else clone(self.masks)
        )
        self._fit(images, self._get_masks(images, masks))
        return self

    def inpaint(self, X, masks=None):
        """Raw fills, before blending (the hole pixels are the prediction).

        Returns images like :meth:`transform`, with the fill pasted into the
        hole (``blend='none'``), and the masks used.
        """
        check_is_fitted(self)
        images, stacked = self._validate_images(X)
        holes = self._get_masks(images, masks)
        fills = self._inpaint(images, holes)
        items = [(im, f, m, "none") for im, f, m in zip(images, fills, holes)]
        return self._restack(self._map_images(_blend_one, items), stacked), holes

    def transform(self, X, masks=None):
        """Fill the holes of ``X``.

        Parameters
        ----------
        X : images
            See :func:`skface.utils.check_images`; grey or RGB, uint8 or float.
        masks : bool array-like of shape (n_samples, H, W) or (H, W), default=None
            True on the pixels to fill; ``None`` draws them with the
            ``masks`` generator seeded by ``random_state``.

        Returns
        -------
        images : float32 ndarray of shape (n_samples, H, W[, C]) or list
            One completed image per input, in [0, 1], with the input's
            shape and channels (a list when sizes differ). Pixels outside
            the hole are exactly ``check_images(X, dtype='float32')``.
        """
        check_is_fitted(self)
        images, stacked = self._validate_images(X)
        holes = self._get_masks(images, masks)
        return self._complete(images, holes, stacked)

    def _complete(self, images, holes, stacked):
        fills = self._inpaint(images, holes)
        if len(fills) != len(images):
            raise RuntimeError(
                f"{type(self).__name__}._inpaint returned {len(fills)} fills for "
                f"{len(images)} images"
            )
        method = getattr(self, "blend", "none")
        items = [(im, f, m, method) for im, f, m in zip(images, fills, holes)]
        return self._restack(self._map_images(_blend_one, items), stacked)

    def fit_transform(self, X, y=None, masks=None):
        """``fit(X, masks=masks).transform(X, masks=masks)``."""
        return self.fit(X, y, masks=masks).transform(X, masks=masks)

    def score(self, X, y=None, masks=None):
        """PSNR (dB) of the completion on the hole pixels, higher is better.

        Parameters
        ----------
        X : images
            Complete images; their hole pixels are the ground truth.
        y : None
            Ignored.
        masks : bool array-like, default=None
            Holes; ``None`` draws them as :meth:`transform` does.

        Returns
        -------
        psnr : float
            Mean over images of :func:`skface.metrics.psnr` on the hole.
        """
        check_is_fitted(self)
        images, stacked = self._validate_images(X)
        holes = self._get_masks(images, masks)
        completed = self._complete(images, holes, stacked)
        return psnr(self._restack(images, stacked), completed, masks=holes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags
