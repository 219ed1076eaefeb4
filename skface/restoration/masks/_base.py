"""Shared machinery of the mask generators: shapes, random states, stacking."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator

from ...utils._registry import PARAMETER_OBJECTS, register_class
from ...utils.validation import check_images, check_landmarks

__all__ = ["BaseMaskGenerator", "as_generator"]


def as_generator(random_state):
    """A ``np.random.Generator`` from None, an int, a RandomState or a Generator.

    The same int always gives the same stream; a ``RandomState`` is advanced
    by one draw (its seed for the new generator); a ``Generator`` is used as
    it is (so successive calls continue its stream).
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(int(random_state.randint(2**31 - 1)))
    raise ValueError(
        "random_state must be None, an int, a numpy RandomState or a numpy "
        f"Generator, got {random_state!r}"
    )


def _shapes(X):
    """``[(H, W), ...]`` from images or from a shape tuple ``(n, H, W)``."""
    if isinstance(X, tuple) and all(isinstance(v, numbers.Integral) for v in X):
        if len(X) != 3 or min(X) < 1:
            raise ValueError(
                f"a shape given as X must be (n_samples, H, W) with positive "
                f"sizes, got {X!r}"
            )
        n, h, w = (int(v) for v in X)
        return [(h, w)] * n
    if isinstance(X, np.ndarray) and X.dtype != object and X.ndim in (3, 4):
        if X.ndim == 3 and X.shape[-1] in (3, 4) and X.shape[1] > 4:
            pass  # let check_images give its single-colour-image message
        else:
            return [X.shape[1:3]] * len(X) if len(X) else _empty()
    images = check_images(X, dtype=None, channels="keep", stack=False)
    return [im.shape[:2] for im in images]


def _empty():
    raise ValueError("X is empty; expected images or a shape (n_samples, H, W)")


def stack_masks(masks):
    """One bool ``(n, H, W)`` array when all sizes agree, else a list."""
    if all(m.shape == masks[0].shape for m in masks):
        return np.stack(masks).astype(bool, copy=False)
    return masks


class BaseMaskGenerator(BaseEstimator):
    """Base class of the hole-mask generators (parameter objects, no ``fit``).

    Subclasses implement ``_generate_one(shape, rng, landmarks) -> bool (H, W)``
    where ``landmarks`` is a ``(68, 2)`` array or None. Generators never
    return an empty hole nor one that covers the whole image. Public
    subclasses register themselves as parameter objects, so an estimator
    holding one (``FaceInpainter(masks=...)``) saves and loads it
    (:mod:`skface.utils._registry`).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        register_class(PARAMETER_OBJECTS, cls)

    def generate(self, X, *, landmarks=None, random_state=None):
        """Draw one hole mask per image.

        Parameters
        ----------
        X : images or tuple (n_samples, H, W)
            Images (any form :func:`skface.utils.check_images` accepts; only
            their sizes are used) or the shape of the batch.
        landmarks : array-like of shape (n_samples, 68, 2), default=None
            ``(x, y)`` landmarks per image, NaN rows allowed; used by
            :class:`FaceMaskShape` (others ignore them).
        random_state : int, RandomState, Generator or None, default=None
            ``None`` uses the generator's own ``random_state`` parameter.
            The same int gives the same masks.

        Returns
        -------
        masks : bool ndarray of shape (n_samples, H, W)
            True marks the hole (unknown pixels). A list of ``(H_i, W_i)``
            arrays when the images differ in size.
        """
        self._validate_params()
        shapes = _shapes(X)
        if random_state is None:
            random_state = getattr(self, "random_state", None)
        rng = as_generator(random_state)
        lms = None
        if landmarks is not None:
            lms = check_landmarks(landmarks, n_samples=len(shapes), allow_nan=True)
        masks = [
            self._generate_one(tuple(shape), rng, None if lms is None else lms[i])
            for i, shape in enumerate(shapes)
        ]
        return stack_masks(masks)

    def _generate_one(self, shape, rng, landmarks):  # pragma: no cover
        raise NotImplementedError


def ensure_valid(mask):
    """Make sure a drawn hole is neither empty nor the whole image."""
    h, w = mask.shape
    if not mask.any():
        mask[h // 2, w // 2] = True
    if mask.all():
        mask[0, 0] = False
    return mask
