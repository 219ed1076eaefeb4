"""Differentiable image losses: SSIM and the autoencoder reconstruction loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["RECONSTRUCTION_LOSSES", "ReconstructionLoss", "SSIMLoss", "ssim_map"]

#: Loss names accepted by :class:`ReconstructionLoss`.
RECONSTRUCTION_LOSSES = ("mse", "l1", "mse+ssim")


def _gaussian_window(size: int, sigma: float, channels: int, like: torch.Tensor):
    coords = torch.arange(size, dtype=like.dtype, device=like.device) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def ssim_map(
    x: torch.Tensor,
    y: torch.Tensor,
    window_size: int = 7,
    sigma: float = 1.5,
    data_range: float = 1.0,
) -> torch.Tensor:
    """Per-pixel SSIM of two ``(N, C, H, W)`` batches (Gaussian window).

    The window shrinks to the largest odd size that fits small images; the
    map covers the valid region only (no padding).
    """
    size = min(window_size, x.shape[-1], x.shape[-2])
    size -= 1 - size % 2
    channels = x.shape[1]
    w = _gaussian_window(size, sigma, channels, x)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2

    def blur(t):
        return F.conv2d(t, w, groups=channels)

    mu_x, mu_y = blur(x), blur(y)
    sxx = blur(x * x) - mu_x**2
    syy = blur(y * y) - mu_y**2
    sxy = blur(x * y) - mu_x * mu_y
    num = (2 * mu_x * mu_y + c1) * (2 * sxy + c2)
    den = (mu_x**2 + mu_y**2 + c1) * (sxx + syy + c2)
    return num / den  # (N, C, H - size + 1, W - size + 1)


class SSIMLoss(nn.Module):
    """``1 - SSIM`` averaged over pixels, channels and the batch.

    Parameters
    ----------
    window_size : int, default=7
        Side of the Gaussian window (scikit-image's default metric uses 7).
    sigma : float, default=1.5
        Standard deviation of the window.
    data_range : float, default=1.0
        Intensity range of the images.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import SSIMLoss
    >>> x = torch.rand(2, 1, 16, 16)
    >>> float(SSIMLoss()(x, x)) < 1e-6
    True
    """

    def __init__(
        self, window_size: int = 7, sigma: float = 1.5, data_range: float = 1.0
    ) -> None:
        super().__init__()
        self.window_size = window_size
        self.sigma = sigma
        self.data_range = data_range

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        s = ssim_map(x, y, self.window_size, self.sigma, self.data_range)
        return 1 - s.mean()


class ReconstructionLoss(nn.Module):
    """Image reconstruction loss: ``'mse'``, ``'l1'`` or ``'mse+ssim'``.

    ``'mse+ssim'`` is ``mse + ssim_weight * (1 - SSIM)``; the default weight
    keeps the squared error (hence PSNR) the main term while SSIM pushes
    towards sharper local structure.

    Parameters
    ----------
    kind : {'mse', 'l1', 'mse+ssim'}, default='mse'
        The loss.
    ssim_weight : float, default=0.05
        Weight of ``1 - SSIM`` in ``'mse+ssim'``.
    reduction : {'mean', 'none'}, default='mean'
        ``'none'`` gives one value per image (for weighted losses).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ReconstructionLoss
    >>> x = torch.zeros(2, 1, 8, 8)
    >>> float(ReconstructionLoss("l1")(x + 0.5, x))
    0.5
    """

    def __init__(
        self, kind: str = "mse", ssim_weight: float = 0.05, reduction: str = "mean"
    ) -> None:
        super().__init__()
        if kind not in RECONSTRUCTION_LOSSES:
            raise ValueError(
                f"loss must be one of {RECONSTRUCTION_LOSSES}, got {kind!r}"
            )
        self.kind = kind
        self.ssim_weight = ssim_weight
        self.reduction = reduction

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        diff = y_pred - y_true
        err = diff.abs() if self.kind == "l1" else diff * diff
        loss = err.flatten(1).mean(1)  # (N,)
        if self.kind == "mse+ssim":
            s = ssim_map(y_pred, y_true).flatten(1).mean(1)  # (N,)
            loss = loss + self.ssim_weight * (1 - s)
        return loss if self.reduction == "none" else loss.mean()
