"""Random mirror and shift of ``(n, C, H, W)`` training batches (pure torch)."""

from __future__ import annotations

import torch

__all__ = ["flip_shift_batch"]


def _take(t: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """``t[i, :, rows[i], cols[i]]`` for every image ``i`` of ``(n, C, H, W)``."""
    n, c, h, w = t.shape
    return t[
        torch.arange(n, device=t.device).view(-1, 1, 1, 1),
        torch.arange(c, device=t.device).view(1, -1, 1, 1),
        rows.view(n, 1, h, 1),
        cols.view(n, 1, 1, w),
    ]


def _indices(h, w, flip, dy, dx, device):
    rows = (torch.arange(h, device=device) - dy.view(-1, 1)).clamp(0, h - 1)
    cols = (torch.arange(w, device=device) - dx.view(-1, 1)).clamp(0, w - 1)
    cols = torch.where(flip.view(-1, 1), w - 1 - cols, cols)  # mirror, then shift
    return rows, cols


def flip_shift_batch(
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    horizontal_flip: bool = True,
    max_shift: int = 0,
    generator: torch.Generator | None = None,
):
    """Mirror a random half of a batch and shift it by whole pixels.

    The torch twin of :func:`skface.utils.flip_shift_augment`: each image
    is mirrored left-right with probability 1/2 and moved by up to
    ``max_shift`` pixels down/right or up/left; the uncovered border repeats
    the edge pixels. ``y`` (targets, holes) gets the same flips and shifts,
    the shifts scaled by its width over ``x``'s.

    Parameters
    ----------
    x : Tensor of shape (n, C, H, W)
        Images.
    y : Tensor of shape (n, C', H', W'), default=None
        Images that move with ``x``.
    horizontal_flip : bool, default=True
        Mirror a random half of the images.
    max_shift : int, default=0
        Largest shift, in pixels of ``x``.
    generator : torch.Generator, default=None
        Source of the random draws (``None``: torch's global generator,
        which skface's estimators seed from their ``random_state``).

    Returns
    -------
    x : Tensor of shape (n, C, H, W)
    y : Tensor of shape (n, C', H', W')
        Only when ``y`` is given.
    """
    n, _, h, w = x.shape
    if horizontal_flip:
        flip = torch.rand(n, generator=generator) < 0.5
    else:
        flip = torch.zeros(n, dtype=torch.bool)
    s = int(max_shift)
    if s:
        dy, dx = torch.randint(-s, s + 1, (2, n), generator=generator)
    else:
        dy = dx = torch.zeros(n, dtype=torch.long)
    flip, dy, dx = flip.to(x.device), dy.to(x.device), dx.to(x.device)
    if not (flip.any() or s):
        return x if y is None else (x, y)
    x_out = _take(x, *_indices(h, w, flip, dy, dx, x.device))
    if y is None:
        return x_out
    scale = y.shape[-1] / w
    dy_y = torch.round(dy * scale).long()
    dx_y = torch.round(dx * scale).long()
    y_out = _take(y, *_indices(y.shape[-2], y.shape[-1], flip, dy_y, dx_y, y.device))
    return x_out, y_out
