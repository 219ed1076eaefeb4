"""Upsampling decoder from a feature vector to an image (pixel-shuffle blocks)."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["PixelShuffleDecoder", "UpscaleBlock", "decoder_channels"]

#: Side of the feature map the dense layer produces.
START_SIZE = 4


def decoder_channels(output_size: int, width: int, max_channels: int = 512):
    """Channels of the feature maps, from the 4x4 start to ``output_size``.

    The last map (at full resolution) has ``width`` channels; each map before
    it has twice as many, capped at ``max_channels``.

    Returns
    -------
    channels : list of int
        ``n_blocks + 1`` entries, ``n_blocks = log2(output_size / 4)``.
    """
    n_blocks = _n_blocks(output_size)
    return [min(width * 2 ** (n_blocks - i), max_channels) for i in range(n_blocks + 1)]


def _n_blocks(output_size: int) -> int:
    n = int(output_size) // START_SIZE
    if output_size < 2 * START_SIZE or output_size % START_SIZE or n & (n - 1):
        raise ValueError(
            f"output_size must be 4 times a power of two and at least 8 (8, 16, "
            f"32, 64, 128, ...), got {output_size!r}"
        )
    return n.bit_length() - 1


class UpscaleBlock(nn.Module):
    """Double the resolution: 3x3 conv to ``4 * c_out``, LeakyReLU, shuffle.

    The DeepFakes decoder's ``upscale`` block, which the FaceSwap seed's
    latent model reused: sub-pixel convolution (Shi et al., 2016) rather than
    transposed convolution, so there is no checkerboard pattern.
    """

    def __init__(self, c_in: int, c_out: int, negative_slope: float = 0.1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, 4 * c_out, kernel_size=3, padding=1)
        self.act = nn.LeakyReLU(negative_slope)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.conv(x))  # (N, 4 * c_out, H, W)
        return self.shuffle(h)  # (N, c_out, 2H, 2W)


def init_decoder_weights(module: nn.Module) -> None:
    """Kaiming-normal (LeakyReLU 0.1) convolutions, zero biases."""
    if isinstance(module, nn.Conv2d):
        nn.init.kaiming_normal_(module.weight, a=0.1, nonlinearity="leaky_relu")
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


class PixelShuffleDecoder(nn.Module):
    """Decode a feature vector to an image with pixel-shuffle upsampling.

    A dense layer maps the ``n_inputs`` features to a ``4 x 4`` map, then
    :class:`UpscaleBlock` s double it up to ``output_size`` while halving
    the channels down to ``width``, and a 5x5 convolution with a sigmoid
    gives the image in ``[0, 1]``: the decoder of the FaceSwap seed's latent
    model (itself the DeepFakes decoder) with its depth set by the output
    size.

    Parameters
    ----------
    n_inputs : int
        Length of the feature vector.
    output_size : int, default=64
        Side of the square output image: 4 times a power of two, >= 8.
    n_channels : int, default=3
        Output channels (3 for RGB, 1 for grey).
    width : int, default=32
        Channels of the last (full resolution) feature map; each earlier
        map has twice as many, at most ``max_channels``.
    max_channels : int, default=512
        Cap on the channels of the early, small feature maps.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import PixelShuffleDecoder
    >>> net = PixelShuffleDecoder(10, output_size=32, width=8)
    >>> net(torch.zeros(2, 10)).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        n_inputs: int,
        output_size: int = 64,
        n_channels: int = 3,
        width: int = 32,
        max_channels: int = 512,
    ) -> None:
        super().__init__()
        channels = decoder_channels(output_size, width, max_channels)
        self.start_channels = channels[0]
        self.dense = nn.Linear(int(n_inputs), channels[0] * START_SIZE**2)
        self.act = nn.LeakyReLU(0.1)
        self.blocks = nn.Sequential(
            *[UpscaleBlock(a, b) for a, b in zip(channels[:-1], channels[1:])]
        )
        self.output = nn.Conv2d(channels[-1], int(n_channels), kernel_size=5, padding=2)
        self.apply(init_decoder_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.dense(x))  # (N, C0 * 16)
        h = h.view(len(x), self.start_channels, START_SIZE, START_SIZE)  # (N, C0, 4, 4)
        h = self.blocks(h)  # (N, width, S, S)
        return torch.sigmoid(self.output(h))  # (N, n_channels, S, S)
