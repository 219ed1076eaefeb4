"""Biharmonic inpainting (scikit-image)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from skimage.restoration import inpaint_biharmonic

from ..utils._image import poisson_blend, resize
from ._base import BaseInpainter

__all__ = ["BiharmonicInpainter"]


#: Holes up to this many pixels are solved directly; larger ones on a
#: shrunk copy (the biharmonic fill is smooth), then Poisson-blended in.
_MAX_HOLE = 10_000


def _biharmonic(image, hole, split):
    return inpaint_biharmonic(
        image.astype(np.float64), hole, split_into_regions=split, channel_axis=-1
    )


def _biharmonic_one(item):
    image, hole, split = item
    out = np.array(image, dtype=np.float32, copy=True)
    if not hole.any():
        return out
    # The equation reaches two pixels beyond the hole: solve on the hole's
    # box plus a 3-pixel frame, not on the whole photo.
    rows, cols = np.flatnonzero(hole.any(1)), np.flatnonzero(hole.any(0))
    box = (
        slice(max(rows[0] - 3, 0), rows[-1] + 4),
        slice(max(cols[0] - 3, 0), cols[-1] + 4),
    )
    crop, h = image[box], hole[box]
    n = int(h.sum())
    if n <= _MAX_HOLE:
        fill = _biharmonic(crop, h, split)
    else:
        # A large hole: solve on a copy shrunk k times (cells touching the
        # hole are holes), enlarge the smooth fill, and Poisson-blend it in
        # so that it meets the known pixels exactly.
        k = int(np.ceil(np.sqrt(n / _MAX_HOLE)))
        shape = (max(1, -(-h.shape[0] // k)), max(1, -(-h.shape[1] // k)))
        small = resize(crop.astype(np.float32), shape, interpolation="area")
        small_hole = resize(h.astype(np.float32), shape, interpolation="area") > 0
        coarse = _biharmonic(small, small_hole, split).astype(np.float32)
        guide = resize(coarse, h.shape, interpolation="linear")
        fill = poisson_blend(crop, guide, h)
    out[box][h] = fill[h]
    return out


class BiharmonicInpainter(BaseInpainter):
    """Fill holes with the smoothest surface that meets their edge.

    Each hole is filled by solving the biharmonic equation
    (:func:`skimage.restoration.inpaint_biharmonic`, Damelin and Hoang,
    2018): a smooth continuation of the surrounding intensities, good for
    thin or small holes, blurry for large ones. Nothing is learnt. Holes
    over 10,000 pixels are solved on a shrunk copy (the solution is smooth)
    and Poisson-blended back, so a face-sized hole in a 24-megapixel photo
    takes seconds, not minutes.

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
