"""FaceAutoencoder's private parts: image batches in and out, the skorch net.

* image preparation: validated images to ``(n, C, s, s)`` float32 stacks
  (:func:`skface.utils.resize`) and back to the image contract;
* :class:`_AutoencoderNet`: the skorch net that mirrors and shifts each
  training batch.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.dataset import unpack_data

from ..neural._net import _Net
from ..neural._schedule import CosineLR
from ..nn import flip_shift_batch
from ..utils._image import resize

__all__ = ["_AutoencoderNet", "_LRSchedule", "_channels_last", "_prepare"]


# ----------------------------------------------------------------------
# image preparation


def _resize_stack(stack: np.ndarray, size: int) -> np.ndarray:
    """``(n, C, H, W)`` float32 in [0, 1] -> ``(n, C, size, size)``.

    :func:`skface.utils.resize` (area averaging to shrink, bilinear to
    enlarge) on all images and channels at once, as channels of one image.
    """
    if stack.shape[-2:] == (size, size):
        return stack
    n, c, h, w = stack.shape
    planes = np.ascontiguousarray(stack.reshape(n * c, h, w).transpose(1, 2, 0))
    out = resize(planes, size)  # (size, size, n * C)
    return np.ascontiguousarray(out.transpose(2, 0, 1)).reshape(n, c, size, size)


def _to_stack(images: list, n_channels: int) -> list:
    """Per-shape groups of ``(rows, (k, C, H, W))`` from ``(H, W[, C])`` arrays."""
    groups: dict = {}
    for i, im in enumerate(images):
        groups.setdefault(im.shape, []).append(i)
    out = []
    for rows in groups.values():
        stack = np.stack([images[i] for i in rows])
        stack = stack[:, None] if n_channels == 1 else stack.transpose(0, 3, 1, 2)
        out.append((np.asarray(rows), stack))
    return out


def _prepare(images: list, n_channels: int, sizes) -> list:
    """Validated float images -> one ``(n, C, s, s)`` array per size in ``sizes``."""
    n = len(images)
    outs = [np.empty((n, n_channels, s, s), np.float32) for s in sizes]
    for rows, stack in _to_stack(images, n_channels):
        for out, s in zip(outs, sizes):
            out[rows] = _resize_stack(stack, s)
    return outs


def _channels_last(batch: np.ndarray) -> np.ndarray:
    """``(n, C, H, W)`` -> image contract ``(n, H, W)`` (grey) or ``(n, H, W, 3)``."""
    if batch.shape[1] == 1:
        return np.ascontiguousarray(batch[:, 0])
    return np.ascontiguousarray(batch.transpose(0, 2, 3, 1))


# ----------------------------------------------------------------------
# the private skorch net


# The cosine schedule of every optimizer is skface.neural.CosineLR; the name
# stays importable here for models pickled before the move.
_LRSchedule = CosineLR


class _AutoencoderNet(_Net):
    """:class:`_Net` that augments each training batch.

    Input and target rows are mirrored together (a random half of them; a
    face mirrored left-right is still a face) and shifted together by up to
    ``max_shift`` pixels, drawn from the torch RNG that the estimator seeds.
    """

    def __init__(
        self, *args, horizontal_flip=False, max_shift=0, linear_init=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.horizontal_flip = horizontal_flip
        self.max_shift = max_shift
        self.linear_init = linear_init

    def initialize_module(self):
        super().initialize_module()
        if self.linear_init is not None:
            self.module_.init_linear_path(*self.linear_init)
        return self

    def train_step_single(self, batch, **fit_params):
        if self.horizontal_flip or self.max_shift:
            Xi, yi = unpack_data(batch)
            # Input and target are usually the same image at the same size:
            # augment it once.
            same = Xi.shape == yi.shape and torch.equal(Xi, yi)
            aug = {
                "horizontal_flip": bool(self.horizontal_flip),
                "max_shift": int(self.max_shift),
            }
            if same:
                Xi = yi = flip_shift_batch(Xi, **aug)
            else:
                Xi, yi = flip_shift_batch(Xi, yi, **aug)
            batch = (Xi, yi)
        return super().train_step_single(batch, **fit_params)
