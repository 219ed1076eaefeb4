"""Fast-marching (Telea) and Navier-Stokes inpainting (OpenCV)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._optional import import_cv2
from ._base import BaseInpainter

__all__ = ["TeleaInpainter"]


def _telea_one(item):
    cv2 = import_cv2()
    image, hole, method, radius = item
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    out = np.array(image, dtype=np.float32, copy=True)
    if not hole.any():
        return out
    # Only known pixels within ``radius`` of the hole are read: work on the
    # hole's box plus that margin, not on the whole photo.
    m = int(np.ceil(radius)) + 2
    rows, cols = np.flatnonzero(hole.any(1)), np.flatnonzero(hole.any(0))
    box = (
        slice(max(rows[0] - m, 0), rows[-1] + m + 1),
        slice(max(cols[0] - m, 0), cols[-1] + m + 1),
    )
    mask = np.ascontiguousarray(hole[box], dtype=np.uint8)
    # 16-bit single-channel input keeps precision (cv2.inpaint's Telea gives
    # garbage on float32 images, OpenCV 4.x); one call per channel.
    u16 = np.rint(image[box] * 65535.0).astype(np.uint16)
    channels = [
        cv2.inpaint(np.ascontiguousarray(u16[:, :, c]), mask, float(radius), flag)
        for c in range(image.shape[2])
    ]
    out[box] = np.stack(channels, axis=2) / np.float32(65535.0)
    return out


class TeleaInpainter(BaseInpainter):
    """Fill holes by propagating the edge inwards (OpenCV ``cv2.inpaint``).

    ``method='telea'`` marches from the hole's edge to its centre, each new
    pixel a weighted mean of known pixels within ``radius`` (Telea, 2004);
    ``method='ns'`` follows isophotes with a Navier-Stokes fluid model
    (Bertalmio et al., 2001). Nothing is learnt.

    Parameters
    ----------
    method : {'telea', 'ns'}, default='telea'
        Fast-marching (Telea) or Navier-Stokes.
    radius : float, default=3.0
        Neighbourhood radius in pixels (> 0).
    masks : mask generator, default=None
        Draws holes when :meth:`transform` or :meth:`score` get none;
        None: ``CenterSquare()``.
    blend : {'none', 'feather', 'poisson'}, default='none'
        Blending of the fill into the hole.
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
    BiharmonicInpainter, RegressionInpainter

    References
    ----------
    A. Telea, "An image inpainting technique based on the fast marching
    method", Journal of Graphics Tools 9(1), 2004.
    M. Bertalmio, A. L. Bertozzi and G. Sapiro, "Navier-Stokes, fluid
    dynamics, and image and video inpainting", CVPR 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.restoration import TeleaInpainter
    >>> X = np.full((2, 24, 24), 0.5)
    >>> out = TeleaInpainter(method="ns").fit(X).transform(X)
    >>> bool(np.allclose(out, 0.5, atol=1e-3))
    True
    """

    _parameter_constraints = {
        **BaseInpainter._parameter_constraints,
        "method": [StrOptions({"telea", "ns"})],
        "radius": [Interval(Real, 0, None, closed="neither")],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        method="telea",
        *,
        radius=3.0,
        masks=None,
        blend="none",
        n_jobs=None,
        random_state=None,
    ):
        self.method = method
        self.radius = radius
        self.masks = masks
        self.blend = blend
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _inpaint(self, images, masks):
        items = [(im, m, self.method, self.radius) for im, m in zip(images, masks)]
        # cv2.inpaint releases the GIL: threads are enough.
        return self._map_images(_telea_one, items, prefer="threads")
