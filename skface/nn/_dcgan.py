"""DCGAN generator and discriminators, plain and conditional (pure torch).

Radford et al. (2016): the generator grows a ``4x4`` map by stride-2
transposed convolutions to the image; the discriminator mirrors it with
stride-2 convolutions back to ``4x4``. The conditional variants take a
condition *vector* (e.g. flattened landmarks, optionally followed by a
flattened colour thumbnail) without tiling it over the image: the
generator concatenates it to the latent code and modulates every block
with it (conditional batch norm or FiLM); the discriminator projects it on
its features (Miyato & Koyama, 2018).

Images are ``(N, C, S, S)`` tensors; the generators' ``output`` fixes the
range (``'tanh'``: ``[-1, 1]``, the usual GAN convention, which the
estimator maps to ``[0, 1]`` as ``(x + 1) / 2``; ``'sigmoid'``: ``[0, 1]``).
The discriminators take images in the range the generator gives.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._gan_blocks import (
    ConditionalBatchNorm2d,
    FiLM,
    PixelNorm,
    init_gan_weights,
    spectral_norm_all,
)

__all__ = [
    "CONDITIONINGS",
    "GAN_OUTPUTS",
    "ConditionalGenerator",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "ProjectionDiscriminator",
]

#: Output activations of the generators.
GAN_OUTPUTS = ("tanh", "sigmoid")

#: How :class:`ConditionalGenerator` modulates its blocks.
CONDITIONINGS = ("cbn", "film")


def _widths(image_size: int, width: int) -> list[int]:
    """Channels at ``4, 8, ..., S/2`` px: ``width`` at ``S/2``, doubling
    towards ``4x4`` and capped at ``8 * width``."""
    n = int(round(math.log2(image_size))) - 2 if image_size >= 8 else 0
    if n < 1 or 4 * 2**n != image_size:
        raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
    return [min(width * 2 ** (n - 1 - i), 8 * width) for i in range(n)]


def _check_output(output: str) -> str:
    if output not in GAN_OUTPUTS:
        raise ValueError(f"output must be one of {GAN_OUTPUTS}, got {output!r}")
    return output


def _activate(x: torch.Tensor, output: str) -> torch.Tensor:
    return torch.tanh(x) if output == "tanh" else torch.sigmoid(x)


class _PixelNormFiLM(nn.Module):
    """:class:`PixelNorm` then :class:`FiLM`: per-sample, no batch statistics.

    (FiLM alone on DCGAN's ``N(0, 0.02)`` weights shrinks the activations by
    about 10x per block; the pixel norm keeps them at unit scale.)
    """

    def __init__(self, n_channels: int, n_embedding: int) -> None:
        super().__init__()
        self.norm = PixelNorm()
        self.film = FiLM(n_channels, n_embedding)

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        return self.film(self.norm(h), e)  # (N, C, H, W)


class DCGANGenerator(nn.Module):
    """Latent vector to image by stride-2 transposed convolutions.

    ``z`` ``(N, n_latent)`` -> ``4x4`` map (a ``4x4`` transposed conv on
    the ``1x1`` input) -> doubling stages with batch norm and ReLU ->
    ``(N, n_channels, S, S)`` through ``output``. At ``S = 64`` and
    ``width = 64`` the channels are 512, 256, 128, 64 (the DCGAN paper's).

    Parameters
    ----------
    n_latent : int, default=100
        Size of the latent code.
    image_size : int, default=64
        Output side ``S``, a power of two >= 8 (32, 64, 128).
    n_channels : int, default=3
        1 for grey, 3 for RGB.
    width : int, default=64
        Channels of the last stage before the image; earlier stages double
        it, up to ``8 * width``.
    output : {'tanh', 'sigmoid'}, default='tanh'
        Output activation: images in ``[-1, 1]`` or in ``[0, 1]``.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import DCGANGenerator
    >>> DCGANGenerator(8, image_size=32, width=4)(torch.zeros(2, 8)).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        n_latent: int = 100,
        image_size: int = 64,
        n_channels: int = 3,
        width: int = 64,
        output: str = "tanh",
    ) -> None:
        super().__init__()
        widths = _widths(image_size, width)
        self.output = _check_output(output)
        layers: list[nn.Module] = []
        c_in, kernel = n_latent, (4, 1, 0)  # 1x1 -> 4x4, then 4x4 stride 2
        for c in widths:
            layers += [
                nn.ConvTranspose2d(c_in, c, *kernel, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
            ]
            c_in, kernel = c, (4, 2, 1)
        layers.append(nn.ConvTranspose2d(c_in, n_channels, 4, 2, 1))
        self.net = nn.Sequential(*layers)
        self.apply(init_gan_weights)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.net(z[:, :, None, None])  # (N, n_channels, S, S)
        return _activate(x, self.output)


class DCGANDiscriminator(nn.Module):
    """Image to one logit by stride-2 convolutions.

    ``(N, n_channels, S, S)`` -> stride-2 ``4x4`` convolutions with leaky
    ReLU (0.2) down to ``(N, c, 4, 4)`` -> flattened features ``phi(x)``
    -> linear logit ``psi(phi(x))``.

    Parameters
    ----------
    image_size : int, default=64
        Input side, a power of two >= 8.
    n_channels : int, default=3
        Image channels.
    width : int, default=64
        Channels of the first convolution; later ones double, up to
        ``8 * width``.
    spectral_norm : bool, default=False
        Spectral norm on every convolution and linear layer.
    batch_norm : bool, default=True
        Batch norm after every convolution but the first, as in DCGAN. Turn
        it off with a gradient or R1 penalty: batch statistics tie each
        sample's logit to the rest of its batch.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import DCGANDiscriminator
    >>> DCGANDiscriminator(32, width=4)(torch.zeros(2, 3, 32, 32)).shape
    torch.Size([2])
    """

    def __init__(
        self,
        image_size: int = 64,
        n_channels: int = 3,
        width: int = 64,
        spectral_norm: bool = False,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        widths = _widths(image_size, width)[::-1]  # S/2 -> 4 px
        layers: list[nn.Module] = []
        c_in = n_channels
        for i, c in enumerate(widths):
            bn = batch_norm and i > 0
            layers.append(nn.Conv2d(c_in, c, 4, 2, 1, bias=not bn))
            if bn:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            c_in = c
        self.body = nn.Sequential(*layers)
        self.n_features = c_in * 16
        self.logit = nn.Linear(self.n_features, 1)
        self._finish(spectral_norm)

    def _finish(self, spectral_norm: bool) -> None:
        self.apply(init_gan_weights)
        if spectral_norm:
            spectral_norm_all(self)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``phi(x)``: the flattened ``(N, c * 16)`` features of the last map."""
        return self.body(x).flatten(1)  # (N, c * 4 * 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logit(self.features(x))[:, 0]  # (N,) logits


class ProjectionDiscriminator(DCGANDiscriminator):
    """Conditional discriminator with a projection of the condition.

    Miyato & Koyama (2018): ``logit = psi(phi(x)) + <V c, phi(x)>``, where
    ``phi`` is :class:`DCGANDiscriminator`'s feature map, ``psi`` its linear
    logit and ``V`` a bias-free linear embedding of the condition vector
    ``c``. The condition enters as an inner product with the features, not
    as extra input channels, which keeps a high-dimensional condition (136
    landmark coordinates, a flattened thumbnail) from swamping the image.

    Parameters
    ----------
    n_conditions : int
        Length of the condition vector.
    image_size : int, default=64
        Input side, a power of two >= 8.
    n_channels : int, default=3
        Image channels.
    width : int, default=64
        Channels of the first convolution.
    spectral_norm : bool, default=True
        Spectral norm on every convolution and linear layer (the embedding
        too), as in the paper.
    batch_norm : bool, default=False
        Batch norm after every convolution but the first.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ProjectionDiscriminator
    >>> d = ProjectionDiscriminator(10, image_size=32, width=4)
    >>> d(torch.zeros(2, 3, 32, 32), torch.zeros(2, 10)).shape
    torch.Size([2])
    """

    def __init__(
        self,
        n_conditions: int,
        image_size: int = 64,
        n_channels: int = 3,
        width: int = 64,
        spectral_norm: bool = True,
        batch_norm: bool = False,
    ) -> None:
        super().__init__(image_size, n_channels, width, False, batch_norm)
        self.embed = nn.Linear(n_conditions, self.n_features, bias=False)
        self._finish(spectral_norm)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        phi = self.features(x)  # (N, F)
        projection = (self.embed(condition) * phi).sum(dim=1)  # (N,)
        return self.logit(phi)[:, 0] + projection  # (N,) logits


class ConditionalGenerator(nn.Module):
    """Latent code and condition vector to image.

    The condition ``c`` ``(N, n_conditions)`` enters twice: concatenated to
    ``z`` at the input (a linear layer to the ``4x4`` map), and through an
    embedding ``e = relu(W c + b)`` ``(N, n_embedding)`` that scales and
    shifts every block's channels (:class:`ConditionalBatchNorm2d`, or
    :class:`PixelNorm` and :class:`FiLM`). The blocks are
    :class:`DCGANGenerator`'s stride-2 transposed convolutions.

    Parameters
    ----------
    n_latent : int, default=100
        Size of the latent code.
    n_conditions : int, default=136
        Length of the condition vector (68 landmarks x 2).
    image_size : int, default=64
        Output side, a power of two >= 8.
    n_channels : int, default=3
        1 for grey, 3 for RGB.
    width : int, default=64
        Channels of the last stage before the image.
    conditioning : {'cbn', 'film'}, default='cbn'
        ``'cbn'``: conditional batch norm; ``'film'``: pixel norm and FiLM,
        without batch statistics (a sample's image does not depend on the
        rest of its batch).
    n_embedding : int, default=128
        Size of the condition embedding.
    output : {'tanh', 'sigmoid'}, default='tanh'
        Output activation: images in ``[-1, 1]`` or in ``[0, 1]``.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ConditionalGenerator
    >>> g = ConditionalGenerator(8, 10, image_size=32, width=4)
    >>> g(torch.zeros(2, 8), torch.zeros(2, 10)).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        n_latent: int = 100,
        n_conditions: int = 136,
        image_size: int = 64,
        n_channels: int = 3,
        width: int = 64,
        conditioning: str = "cbn",
        n_embedding: int = 128,
        output: str = "tanh",
    ) -> None:
        super().__init__()
        if conditioning not in CONDITIONINGS:
            raise ValueError(
                f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}"
            )
        widths = _widths(image_size, width)
        self.output = _check_output(output)
        norm = ConditionalBatchNorm2d if conditioning == "cbn" else _PixelNormFiLM
        bias = conditioning == "film"
        self.embed = nn.Sequential(
            nn.Linear(n_conditions, n_embedding), nn.ReLU(inplace=True)
        )
        self.input = nn.Linear(n_latent + n_conditions, widths[0] * 16, bias=bias)
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList([norm(widths[0], n_embedding)])
        for c_in, c in zip(widths[:-1], widths[1:]):
            self.convs.append(nn.ConvTranspose2d(c_in, c, 4, 2, 1, bias=bias))
            self.norms.append(norm(c, n_embedding))
        self.to_image = nn.ConvTranspose2d(widths[-1], n_channels, 4, 2, 1)
        self.apply(init_gan_weights)

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        e = self.embed(condition)  # (N, n_embedding)
        h = self.input(torch.cat([z, condition], dim=1))  # (N, c0 * 16)
        h = h.view(len(z), -1, 4, 4)  # (N, c0, 4, 4)
        h = torch.relu(self.norms[0](h, e))
        for conv, norm in zip(self.convs, self.norms[1:]):
            h = torch.relu(norm(conv(h), e))  # (N, c_i, 4 * 2**i, ...)
        return _activate(self.to_image(h), self.output)  # (N, C, S, S)
