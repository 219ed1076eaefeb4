"""Biharmonic inpainting (scikit-image)."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ._base import BaseInpainter

__all__ = ["BiharmonicInpainter"]


def _biharmonic_one(item):
    from skimage.restoration import inpaint_biharmonic

    image, hole, split = item
    out = inpaint_biharmonic(
        image.astype(np.float64), hole, split_into_regions=split, channel_axis=-1
    )
    return out.astype(np.float32)


class BiharmonicInpainter(BaseInpainter):
    """Fill holes with the smoothest surface that meets their edge.

    Each hole is filled by solving the biharmonic equation
    (:func:`skimage.restoration.inpaint_biharmonic`, Damelin and Hoang,
    2018): a smooth continuation of the surrounding intensities, good for
    thin or small holes, blurry for large ones. Nothing is learnt.

    Parameters
    ----------
    masks : mask generator, default=None
        Draws holes when :meth:`transform` or :meth:`score` get none (see
        :mod:`skface.restoration.masks`); None: ``CenterSquare()``.
    blend : {'none', 'feather', 'poisson'}, default='none'
        Blending of the fill into the hole (see
        :func:`~skface.restoration.blend_fill`); the biharmonic fill already
        meets the edge smoothly.
    split_into_regions : bool, default=False
        Solve each connected hole separately (faster for many small holes).
    n_jobs : int, default=None
        Workers for per-image work (joblib).
    random_state : int, RandomState instance or None, default=None
        Seeds the mask generator when masks are drawn.

    Attributes
    ----------
    mask_generator_ : mask generator
        The generator used when no masks are given.

    See Also
    --------
    TeleaInpainter, RegressionInpainter

    References
    ----------
    S. B. Damelin and N. S. Hoang, "On surface completion and image
    inpainting by biharmonic functions: numerical aspects", International
    Journal of Mathematics and Mathematical Sciences, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.restoration import BiharmonicInpainter
    >>> X = np.tile(np.linspace(0, 1, 24), (2, 24, 1))
    >>> inp = BiharmonicInpainter().fit(X)
    >>> round(inp.score(X), 1) > 40
    True
    """

    _parameter_constraints = {
        **BaseInpainter._parameter_constraints,
        "split_into_regions": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        *,
        masks=None,
        blend="none",
        split_into_regions=False,
        n_jobs=None,
        random_state=None,
    ):
        self.masks = masks
        self.blend = blend
        self.split_into_regions = split_into_regions
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _inpaint(self, images, masks):
        items = [(im, m, self.split_into_regions) for im, m in zip(images, masks)]
        return self._map_images(_biharmonic_one, items)
