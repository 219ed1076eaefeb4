"""DeepFakes' training augmentation: a random affine move and a grid warp.

Each chip of a batch gets a random rotation, zoom, shift and (optionally)
mirror, applied alike to the network's input and its target, and the
*input* alone is bent further by a smooth random displacement field: the
offsets of a ``grid_points x grid_points`` control grid, drawn from a normal
distribution and interpolated bicubically over the chip (the 5x5 jittered
grid of the DeepFakes ``random_warp``). A network that must undo the warp
cannot copy pixels through; it has to learn what a face of its person looks
like, which is what makes the decoders swap faces. Done with
:func:`torch.nn.functional.grid_sample` on the batch's device (fast on a GPU).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ["random_warp"]


def _affine(n, rotation, zoom, shift, flip, device, dtype):
    """``(n, 2, 3)`` affine matrices in grid_sample's normalised coordinates."""

    def uniform(scale):
        return (torch.rand(n, device=device, dtype=dtype) * 2 - 1) * scale

    angle = uniform(math.radians(rotation))
    scale = 1.0 + uniform(zoom)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    sign = torch.ones(n, device=device, dtype=dtype)
    if flip:
        sign = torch.where(torch.rand(n, device=device) < 0.5, -sign, sign)
    theta = torch.zeros(n, 2, 3, device=device, dtype=dtype)
    theta[:, 0, 0] = cos * sign
    theta[:, 0, 1] = -sin
    theta[:, 1, 0] = sin * sign
    theta[:, 1, 1] = cos
    theta[:, 0, 2] = uniform(2 * shift)  # shift: fraction of the side
    theta[:, 1, 2] = uniform(2 * shift)
    return theta


def random_warp(
    x: torch.Tensor,
    *,
    rotation: float = 10.0,
    zoom: float = 0.05,
    shift: float = 0.05,
    flip: bool = True,
    warp: float = 0.04,
    grid_points: int = 5,
    n_image_channels: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Randomly moved batch, and the same batch moved *and* warped.

    Parameters
    ----------
    x : torch.Tensor of shape (N, C, H, W)
        The batch (images, possibly with extra channels such as a loss
        weight map that must move with them).
    rotation : float, default=10.0
        Largest rotation, in degrees (uniform in ``[-rotation, rotation]``).
    zoom : float, default=0.05
        Largest relative zoom in or out.
    shift : float, default=0.05
        Largest shift, as a fraction of the side.
    flip : bool, default=True
        Mirror half of the chips (left-right).
    warp : float, default=0.04
        Standard deviation of the control points' offsets, as a fraction of
        the side (0.04 of a 64-pixel chip is 2.6 pixels; DeepFakes draws 5
        pixels on a 256-pixel frame whose central 160 become the chip).
        0 disables the warp.
    grid_points : int, default=5
        Control points per side.
    n_image_channels : int, default=None
        With extra channels in ``x``, the first ``n_image_channels`` are
        resampled with reflected borders and the others with zeros outside
        (a weight map gets no weight from outside the chip). None: all
        channels are images.

    Returns
    -------
    target : torch.Tensor of shape (N, C, H, W)
        ``x`` after the affine move (what the network must produce).
    warped : torch.Tensor of shape (N, C, H, W)
        ``x`` after the affine move and the warp (the network's input).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import random_warp
    >>> x = torch.rand(4, 3, 32, 32)
    >>> target, warped = random_warp(x)
    >>> target.shape, warped.shape
    (torch.Size([4, 3, 32, 32]), torch.Size([4, 3, 32, 32]))
    """
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {tuple(x.shape)}")
    if int(grid_points) < 2:
        raise ValueError(f"grid_points must be >= 2, got {grid_points}")
    n, c, h, w = x.shape
    theta = _affine(n, rotation, zoom, shift, flip, x.device, x.dtype)
    grid = F.affine_grid(theta, (n, c, h, w), align_corners=False)  # (N, H, W, 2)
    if warp > 0:
        g = int(grid_points)
        offsets = torch.randn(n, 2, g, g, device=x.device, dtype=x.dtype)
        offsets = offsets * (2.0 * float(warp))  # fraction of side -> [-1, 1] units
        field = F.interpolate(offsets, size=(h, w), mode="bicubic", align_corners=True)
        warped_grid = grid + field.permute(0, 2, 3, 1)
    else:
        warped_grid = grid
    k = c if n_image_channels is None else int(n_image_channels)

    def sample(g):
        parts = [
            F.grid_sample(
                x[:, :k],
                g,
                mode="bilinear",
                padding_mode="reflection",
                align_corners=False,
            )
        ]
        if k < c:
            parts.append(
                F.grid_sample(
                    x[:, k:],
                    g,
                    mode="bilinear",
                    padding_mode="zeros",
                    align_corners=False,
                )
            )
        return torch.cat(parts, 1) if len(parts) > 1 else parts[0]

    return sample(grid), sample(warped_grid)
