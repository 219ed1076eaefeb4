"""The image toolbox: one resize, channel conversion, mask check, Poisson blend
and flip/shift augmentation for every estimator.

Each concern has its own module: resizing and channel conversion in
:mod:`._resize`, the mask validator in :mod:`._masks`, the Poisson blend in
:mod:`._poisson`, the augmentation in :mod:`._augment`. They are re-exported
here, the import path the estimators use
(``from skface.utils._image import resize``). Importing it stays light (no
torch, no cv2).
"""

from __future__ import annotations

from ._augment import flip_shift_augment
from ._masks import check_mask, check_masks
from ._poisson import _poisson, poisson_blend  # noqa: F401 (restoration._blend)
from ._resize import LUMA, convert_channels, resize

__all__ = [
    "LUMA",
    "check_mask",
    "check_masks",
    "convert_channels",
    "flip_shift_augment",
    "poisson_blend",
    "resize",
]
