"""Context encoder for inpainting: generator and discriminator (pure torch).

The generator follows Pathak et al. (2016): a convolutional encoder, a
bottleneck, and a decoder that paints the missing region. The seed's
bottleneck is the *channel-wise fully connected* layer: every feature map of
the encoder's last layer is fully connected to itself (each output position
sees the whole image, so a hole in the middle can use context from every
side), followed by a 1x1 convolution that mixes the channels. It costs
``C * (h*w)**2`` weights instead of the ``(C*h*w)**2`` of a dense layer.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "BOTTLENECKS",
    "ChannelwiseFC",
    "ContextDiscriminator",
    "ContextEncoder",
    "init_context_weights",
]

#: Bottleneck names accepted by :class:`ContextEncoder`.
BOTTLENECKS = ("channelwise", "plain")

#: Number of stride-2 stages of the encoder (and of the decoder).
N_STAGES = 4


def init_context_weights(module: nn.Module) -> None:
    """DCGAN-style initialisation: N(0, 0.02) conv weights, N(1, 0.02) norms.

    Use with ``module.apply(init_context_weights)``.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _widths(width: int) -> list[int]:
    return [width * 2**i for i in range(N_STAGES)]


def _check_size(image_size: int) -> int:
    step = 2**N_STAGES
    if image_size < step or image_size % step:
        raise ValueError(
            f"image_size must be a positive multiple of {step}, got {image_size}"
        )
    return image_size // step


class ChannelwiseFC(nn.Module):
    """Channel-wise fully connected layer of Pathak et al. (2016).

    Each of the ``n_channels`` maps of size ``(size, size)`` goes through
    its own dense ``(size*size) -> (size*size)`` layer (no mixing between
    channels); a 1x1 convolution then mixes the channels.

    Parameters
    ----------
    n_channels : int
        Number of feature maps.
    size : int
        Height and width of the maps.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ChannelwiseFC
    >>> ChannelwiseFC(8, 4)(torch.zeros(2, 8, 4, 4)).shape
    torch.Size([2, 8, 4, 4])
    """

    def __init__(self, n_channels: int, size: int) -> None:
        super().__init__()
        n = size * size
        self.size = size
        self.weight = nn.Parameter(torch.randn(n_channels, n, n) / n**0.5)
        self.bias = nn.Parameter(torch.zeros(n_channels, n))
        self.mix = nn.Conv2d(n_channels, n_channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape  # (N, C, s, s)
        flat = x.reshape(n, c, h * w)  # (N, C, s*s)
        out = torch.einsum("nci,cij->ncj", flat, self.weight) + self.bias
        return self.mix(out.reshape(n, c, h, w))  # (N, C, s, s)


class _PlainBottleneck(nn.Module):
    """A ``(C, s, s) -> latent -> (C, s, s)`` dense bottleneck (as convs)."""

    def __init__(self, n_channels: int, size: int, n_latent: int) -> None:
        super().__init__()
        self.down = nn.Conv2d(n_channels, n_latent, kernel_size=size)
        self.up = nn.ConvTranspose2d(n_latent, n_channels, kernel_size=size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = nn.functional.leaky_relu(self.down(x), 0.2)  # (N, latent, 1, 1)
        return self.up(z)  # (N, C, s, s)


class ContextEncoder(nn.Module):
    """Inpainting generator: encoder -> bottleneck -> decoder.

    The input stacks the image channels and the hole mask, ``(N, C + 1, S,
    S)`` with pixel values in ``[0, 1]`` and the mask (1 = hole) last; what
    lies under the hole is ignored (set to mid-grey inside). The encoder
    halves the size four times (``4x4`` stride-2 convolutions, batch norm,
    leaky ReLU, plus a ``3x3`` convolution per stage), the bottleneck
    connects the ``S/16 x S/16`` maps globally, and the decoder doubles the
    size four times (bilinear upsampling and ``3x3`` convolutions, which
    avoid the checkerboard of transposed convolutions) back to ``(N, C, S,
    S)`` in ``[0, 1]`` (sigmoid).

    Parameters
    ----------
    n_channels : int, default=3
        Image channels ``C`` (1 grey, 3 RGB).
    image_size : int, default=64
        Input height and width ``S``, a multiple of 16.
    width : int, default=32
        Channels of the first stage; each stage doubles them.
    bottleneck : {'channelwise', 'plain'}, default='channelwise'
        The seed's channel-wise fully connected layer, or a plain dense
        bottleneck through ``n_latent`` units.
    n_latent : int, default=256
        Units of the plain bottleneck (unused by ``'channelwise'``).
    skip : bool, default=False
        U-Net style skip connections: each decoder stage also sees the
        encoder's maps of its size (the masked input at full size), which
        sharpens the fill near the hole's edge. The seed had none.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ContextEncoder
    >>> net = ContextEncoder(n_channels=1, image_size=32, width=8)
    >>> net(torch.zeros(2, 2, 32, 32)).shape
    torch.Size([2, 1, 32, 32])
    """

    def __init__(
        self,
        n_channels: int = 3,
        image_size: int = 64,
        width: int = 32,
        bottleneck: str = "channelwise",
        n_latent: int = 256,
        skip: bool = False,
    ) -> None:
        super().__init__()
        if bottleneck not in BOTTLENECKS:
            raise ValueError(
                f"bottleneck must be one of {BOTTLENECKS}, got {bottleneck!r}"
            )
        size = _check_size(image_size)
        widths = _widths(width)
        self.n_channels = n_channels
        self.skip = skip
        stages = []
        c_in = n_channels + 1
        for i, c in enumerate(widths):
            layers: list[nn.Module] = [nn.Conv2d(c_in, c, 4, stride=2, padding=1)]
            if i:
                layers += [nn.BatchNorm2d(c)]
            layers += [
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(c, c, 3, padding=1),
                nn.BatchNorm2d(c),
                nn.LeakyReLU(0.2, inplace=True),
            ]
            stages.append(nn.Sequential(*layers))
            c_in = c
        self.encoder = nn.ModuleList(stages)
        if bottleneck == "channelwise":
            self.bottleneck = ChannelwiseFC(widths[-1], size)
        else:
            self.bottleneck = _PlainBottleneck(widths[-1], size, n_latent)
        self.bottleneck_act = nn.Sequential(
            nn.BatchNorm2d(widths[-1]), nn.ReLU(inplace=True)
        )
        # decoder stage j doubles the size; with skips it also sees the
        # encoder's maps of its output size (the input itself at full size)
        skips = [*widths[:-1][::-1], n_channels + 1] if skip else [0] * N_STAGES
        outs = [*widths[::-1][1:], widths[0]]
        stages = []
        for c_in, c_skip, c in zip(widths[::-1], skips, outs):
            stages.append(
                nn.Sequential(
                    nn.Conv2d(c_in + c_skip, c, 3, padding=1),
                    nn.BatchNorm2d(c),
                    nn.ReLU(inplace=True),
                )
            )
        self.decoder = nn.ModuleList(stages)
        self.output = nn.Conv2d(widths[0], n_channels, 3, padding=1)
        self.apply(init_context_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        image, mask = x[:, :-1], x[:, -1:]  # (N, C, S, S), (N, 1, S, S)
        known = (image * 2 - 1) * (1 - mask)  # hole -> 0 (mid-grey)
        h = torch.cat([known, mask], 1)  # (N, C + 1, S, S)
        features = [h]
        for stage in self.encoder:
            h = stage(h)  # (N, w * 2**i, S / 2**(i+1), ...)
            features.append(h)
        h = self.bottleneck_act(self.bottleneck(h))  # (N, 8w, S/16, S/16)
        for j, stage in enumerate(self.decoder):
            h = F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
            if self.skip:
                h = torch.cat([h, features[N_STAGES - 1 - j]], 1)
            h = stage(h)  # (N, ., S / 2**(3-j), ...)
        return torch.sigmoid(self.output(h))  # (N, C, S, S)


class ContextDiscriminator(nn.Module):
    """Image discriminator: stride-2 convolutions and a linear logit.

    Parameters
    ----------
    n_channels : int, default=3
        Image channels.
    image_size : int, default=64
        Input height and width, a multiple of 16.
    width : int, default=32
        Channels of the first stage; each stage doubles them.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ContextDiscriminator
    >>> ContextDiscriminator(1, 32, width=8)(torch.zeros(2, 1, 32, 32)).shape
    torch.Size([2])
    """

    def __init__(
        self, n_channels: int = 3, image_size: int = 64, width: int = 32
    ) -> None:
        super().__init__()
        size = _check_size(image_size)
        layers: list[nn.Module] = []
        c_in = n_channels
        for i, c in enumerate(_widths(width)):
            layers += [nn.Conv2d(c_in, c, 4, stride=2, padding=1)]
            if i:
                layers += [nn.BatchNorm2d(c)]
            layers += [nn.LeakyReLU(0.2, inplace=True)]
            c_in = c
        self.features = nn.Sequential(*layers)
        self.logit = nn.Linear(c_in * size * size, 1)
        self.apply(init_context_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x * 2 - 1)  # (N, 8w, S/16, S/16)
        return self.logit(h.flatten(1))[:, 0]  # (N,) logits
