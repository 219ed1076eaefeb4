"""Conditional progressive GAN: growing generator and critic (pure torch).

Karras et al. (2018): training starts at ``4x4`` and adds a block per
doubling of the resolution; while a block fades in, its output is blended
with the upsampled (generator) or downsampled (critic) output of the
previous resolution, ``alpha * new + (1 - alpha) * old``. Every layer has
an equalised learning rate, the generator pixel-normalises its features,
the critic ends with a minibatch-stddev layer. Both networks hold all the
blocks up to ``max_size`` from the start; ``forward(..., size, alpha)``
picks the current resolution, so the estimator grows the model by changing
two numbers, not the module.

Conditioning on a vector ``c`` (68 landmarks and a ``2x2x3`` colour
thumbnail, flattened: 148 numbers): the generator concatenates it to the
pixel-normalised latent code, the critic adds a projection ``<V c, phi(x)>``
to its logit (Miyato & Koyama, 2018). Images are in ``[-1, 1]`` (the
generator's output is linear, as in the paper).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ._gan_blocks import EqualizedConv2d, EqualizedLinear, MinibatchStdDev, PixelNorm

__all__ = ["ProgressiveDiscriminator", "ProgressiveGenerator", "progressive_sizes"]


def progressive_sizes(max_size: int) -> list[int]:
    """The resolutions ``4, 8, ..., max_size`` (a power of two >= 4)."""
    n = int(round(math.log2(max_size))) - 2 if max_size >= 4 else -1
    if n < 0 or 4 * 2**n != max_size:
        raise ValueError(f"max_size must be a power of two >= 4, got {max_size}")
    return [4 * 2**i for i in range(n + 1)]


def _channels(size: int, width: int) -> int:
    """``width`` channels up to 16 px, halved at each doubling after (>= 4)."""
    return max(width * 16 // max(size, 16), 4)


def _stage(sizes: list[int], size: int | None) -> int:
    if size is None:
        return len(sizes) - 1
    if size not in sizes:
        raise ValueError(f"size must be one of {sizes}, got {size}")
    return sizes.index(size)


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


class _GeneratorBlock(nn.Module):
    """Upsample x2 (nearest) then two 3x3 convs, each lrelu + pixel norm."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = EqualizedConv2d(c_in, c_out, 3)
        self.conv2 = EqualizedConv2d(c_out, c_out, 3)
        self.norm = PixelNorm()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")  # (N, c_in, 2s, 2s)
        h = self.norm(_lrelu(self.conv1(h)))
        return self.norm(_lrelu(self.conv2(h)))  # (N, c_out, 2s, 2s)


class ProgressiveGenerator(nn.Module):
    """Growing generator: latent code (and condition) to a ``size`` image.

    ``[pixel_norm(z), c]`` -> equalised linear -> ``(N, c4, 4, 4)`` -> 3x3
    conv; then one :class:`_GeneratorBlock` per doubling up to ``size``; a
    1x1 ``to_rgb`` per resolution maps features to a linear image.

    Parameters
    ----------
    n_latent : int, default=128
        Size of the latent code.
    n_conditions : int, default=0
        Length of the condition vector (0: unconditional).
    max_size : int, default=64
        Largest resolution, a power of two >= 4 (128 on a GPU).
    n_channels : int, default=3
        Image channels.
    width : int, default=128
        Channels up to ``16x16``; each later doubling halves them (>= 4).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ProgressiveGenerator
    >>> g = ProgressiveGenerator(8, 4, max_size=16, width=8)
    >>> g(torch.zeros(2, 8), torch.zeros(2, 4), size=8, alpha=0.5).shape
    torch.Size([2, 3, 8, 8])
    """

    def __init__(
        self,
        n_latent: int = 128,
        n_conditions: int = 0,
        max_size: int = 64,
        n_channels: int = 3,
        width: int = 128,
    ) -> None:
        super().__init__()
        self.sizes = progressive_sizes(max_size)
        self.n_conditions = n_conditions
        chans = [_channels(s, width) for s in self.sizes]
        self.norm = PixelNorm()
        # gain sqrt(2)/4 as in the paper: the dense layer feeds 16 pixels
        self.input = EqualizedLinear(
            n_latent + n_conditions, chans[0] * 16, gain=math.sqrt(2) / 4
        )
        self.input_conv = EqualizedConv2d(chans[0], chans[0], 3)
        self.blocks = nn.ModuleList(
            [_GeneratorBlock(a, b) for a, b in zip(chans[:-1], chans[1:])]
        )
        self.to_rgb = nn.ModuleList(
            [EqualizedConv2d(c, n_channels, 1, gain=1.0) for c in chans]
        )

    def forward(
        self,
        z: torch.Tensor,
        condition: torch.Tensor | None = None,
        size: int | None = None,
        alpha: float = 1.0,
    ) -> torch.Tensor:
        """Images ``(N, n_channels, size, size)`` (``size=None``: the largest).

        ``alpha`` in ``[0, 1]`` fades the block of ``size`` in over the
        upsampled image of ``size / 2`` (ignored at 4 px).
        """
        stage = _stage(self.sizes, size)
        h = self.norm(z)  # (N, n_latent)
        if self.n_conditions:
            h = torch.cat([h, condition], dim=1)  # (N, n_latent + n_conditions)
        h = self.norm(_lrelu(self.input(h)).view(len(z), -1, 4, 4))  # (N, c4, 4, 4)
        h = self.norm(_lrelu(self.input_conv(h)))
        for block in self.blocks[: max(stage - 1, 0)]:
            h = block(h)  # (N, c_s, s, s) up to size / 2
        if stage == 0:
            return self.to_rgb[0](h)  # (N, C, 4, 4)
        new = self.to_rgb[stage](self.blocks[stage - 1](h))  # (N, C, size, size)
        if alpha >= 1:
            return new
        old = F.interpolate(self.to_rgb[stage - 1](h), scale_factor=2.0)
        return alpha * new + (1 - alpha) * old  # (N, C, size, size)


class _CriticBlock(nn.Module):
    """Two 3x3 convs with lrelu, then 2x2 average pooling."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = EqualizedConv2d(c_in, c_in, 3)
        self.conv2 = EqualizedConv2d(c_in, c_out, 3)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = _lrelu(self.conv2(_lrelu(self.conv1(h))))  # (N, c_out, s, s)
        return F.avg_pool2d(h, 2)  # (N, c_out, s/2, s/2)


class ProgressiveDiscriminator(nn.Module):
    """Growing critic: a ``size`` image (and condition) to one score.

    A 1x1 ``from_rgb`` per resolution, one :class:`_CriticBlock` per
    halving down to ``4x4``, then minibatch stddev, a 3x3 conv, a dense
    layer to the features ``phi(x)`` ``(N, c4)`` and a linear score; with
    ``n_conditions``, ``<V c, phi(x)>`` is added (projection).

    Parameters
    ----------
    n_conditions : int, default=0
        Length of the condition vector (0: unconditional).
    max_size : int, default=64
        Largest resolution, a power of two >= 4.
    n_channels : int, default=3
        Image channels.
    width : int, default=128
        Channels up to ``16x16``; each later doubling halves them (>= 4).
    group_size : int, default=4
        Group of the minibatch-stddev layer.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ProgressiveDiscriminator
    >>> d = ProgressiveDiscriminator(4, max_size=16, width=8)
    >>> d(torch.zeros(2, 3, 8, 8), torch.zeros(2, 4), alpha=0.5).shape
    torch.Size([2])
    """

    def __init__(
        self,
        n_conditions: int = 0,
        max_size: int = 64,
        n_channels: int = 3,
        width: int = 128,
        group_size: int = 4,
    ) -> None:
        super().__init__()
        self.sizes = progressive_sizes(max_size)
        chans = [_channels(s, width) for s in self.sizes]
        self.from_rgb = nn.ModuleList(
            [EqualizedConv2d(n_channels, c, 1) for c in chans]
        )
        # blocks[i] takes resolution sizes[i + 1] down to sizes[i]
        self.blocks = nn.ModuleList(
            [_CriticBlock(b, a) for a, b in zip(chans[:-1], chans[1:])]
        )
        self.mbstd = MinibatchStdDev(group_size)
        self.final_conv = EqualizedConv2d(chans[0] + 1, chans[0], 3)
        self.dense = EqualizedLinear(chans[0] * 16, chans[0])
        self.logit = EqualizedLinear(chans[0], 1, gain=1.0)
        self.embed = (
            EqualizedLinear(n_conditions, chans[0], gain=1.0, bias=False)
            if n_conditions
            else None
        )

    def forward(
        self,
        x: torch.Tensor,
        condition: torch.Tensor | None = None,
        alpha: float = 1.0,
    ) -> torch.Tensor:
        """Scores ``(N,)`` of images ``(N, C, s, s)``, ``s`` in ``sizes``.

        ``alpha`` fades the block of ``s`` in over the downsampled image fed
        to ``s / 2``'s ``from_rgb`` (ignored at 4 px).
        """
        stage = _stage(self.sizes, x.shape[-1])
        h = _lrelu(self.from_rgb[stage](x))  # (N, c_s, s, s)
        if stage:
            h = self.blocks[stage - 1](h)  # (N, c_{s/2}, s/2, s/2)
            if alpha < 1:
                old = _lrelu(self.from_rgb[stage - 1](F.avg_pool2d(x, 2)))
                h = alpha * h + (1 - alpha) * old
            for i in range(stage - 2, -1, -1):
                h = self.blocks[i](h)  # down to (N, c4, 4, 4)
        h = _lrelu(self.final_conv(self.mbstd(h)))  # (N, c4, 4, 4)
        phi = _lrelu(self.dense(h.flatten(1)))  # (N, c4)
        out = self.logit(phi)[:, 0]  # (N,)
        if self.embed is not None:
            out = out + (self.embed(condition) * phi).sum(dim=1)
        return out
