"""Inpainting as multi-output regression for one fixed hole."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

from ..utils._random import draw_seed
from ._base import BaseInpainter

__all__ = ["RegressionInpainter"]


class RegressionInpainter(BaseInpainter):
    """Learn the hidden pixels from the visible ones with any regressor.

    scikit-learn's *face completion* example as an estimator: for one fixed
    hole, a multi-output regressor maps the flattened visible pixels of a
    face to its hidden pixels. :meth:`fit` learns the hole (all training
    holes must be the same) and the regressor; :meth:`transform` fills that
    hole, or any hole inside it, in images of the training size.

    Parameters
    ----------
    estimator : regressor, default=None
        Multi-output scikit-learn regressor, cloned in :meth:`fit` (its
        ``random_state``, when None, is seeded from ``random_state``);
        None: ``ExtraTreesRegressor(n_estimators=10, max_features=32)``.
        ``KNeighborsRegressor`` or ``RidgeCV`` also work.
    masks : mask generator, default=None
        Draws the (single) hole when :meth:`fit` gets none; None:
        ``CenterSquare()``. It must give the same hole for every image.
    blend : {'none', 'feather', 'poisson'}, default='none'
        Blending of the predicted pixels into the hole.
    random_state : int, RandomState instance or None, default=None
        Seeds the regressor and the mask generator.

    Attributes
    ----------
    mask_ : bool ndarray of shape (H, W)
        The hole learnt at fit.
    image_shape_ : tuple
        ``(H, W, C)`` of the training images (``C = 1`` for grey).
    estimator_ : regressor
        The fitted regressor.
    mask_generator_ : mask generator
        The generator used when no masks are given.

    See Also
    --------
    BiharmonicInpainter, TeleaInpainter

    References
    ----------
    scikit-learn example "Face completion with a multi-output estimators".

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skface.restoration import RegressionInpainter
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((20, 12, 12))
    >>> inp = RegressionInpainter(Ridge()).fit(X)
    >>> inp.transform(X).shape
    (20, 12, 12)
    """

    _parameter_constraints = {
        **BaseInpainter._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict"]), None],
    }

    def __init__(self, estimator=None, *, masks=None, blend="none", random_state=None):
        self.estimator = estimator
        self.masks = masks
        self.blend = blend
        self.random_state = random_state

    def _check_size(self, images, shape=None):
        shape = images[0].shape if shape is None else shape
        for i, im in enumerate(images):
            if im.shape != shape:
                raise ValueError(
                    f"RegressionInpainter needs images of one size: X[{i}] has "
                    f"shape {im.shape[:2]} with {im.shape[2]} channel(s), expected "
                    f"{shape[:2]} with {shape[2]} (resize them, e.g. with "
                    "ImageResizer)"
                )
        return shape

    def _fit(self, images, masks):
        shape = self._check_size(images)
        hole = masks[0]
        for i, m in enumerate(masks):
            if not np.array_equal(m, hole):
                raise ValueError(
                    f"RegressionInpainter learns one fixed hole, but masks[{i}] "
                    "differs from masks[0]; pass a single (H, W) mask or a "
                    "deterministic generator such as CenterSquare()"
                )
        if self.estimator is None:
            est = ExtraTreesRegressor(n_estimators=10, max_features=32)
        else:
            est = clone(self.estimator)
        params = est.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            est.set_params(random_state=draw_seed(self.random_state))
        Xf, Yf = self._split(np.stack(images), hole)
        est.fit(Xf, Yf)
        self.mask_ = hole.copy()
        self.image_shape_ = shape
        self.estimator_ = est

    @staticmethod
    def _split(batch, hole):
        n = len(batch)
        return batch[:, ~hole].reshape(n, -1), batch[:, hole].reshape(n, -1)

    def _inpaint(self, images, masks):
        check_is_fitted(self, "estimator_")
        self._check_size(images, self.image_shape_)
        for i, m in enumerate(masks):
            if (m & ~self.mask_).any():
                raise ValueError(
                    f"masks[{i}] reaches outside the hole learnt at fit "
                    f"({int(self.mask_.sum())} pixels); RegressionInpainter fills "
                    "only that hole (or holes inside it): refit with the new mask"
                )
        batch = np.stack(images)
        Xf, _ = self._split(batch, self.mask_)
        pred = np.asarray(self.estimator_.predict(Xf), dtype=np.float32)
        fills = batch.copy()
        fills[:, self.mask_] = pred.reshape(len(batch), -1, batch.shape[3])
        return list(np.clip(fills, 0.0, 1.0))
