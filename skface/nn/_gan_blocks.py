"""Layers shared by the GAN networks (pure torch).

* Equalised learning rate (Karras et al., 2018): weights are stored as
  ``N(0, 1)`` draws and multiplied at run time by He's constant
  ``gain / sqrt(fan_in)``, so Adam's per-parameter step has the same
  effect on every layer.
* :class:`PixelNorm` normalises each pixel's feature vector to unit mean
  square; :class:`MinibatchStdDev` appends the batch's standard deviation
  as a feature map, so the discriminator can see a collapsed batch.
* :class:`FiLM` and :class:`ConditionalBatchNorm2d` inject a condition
  vector into convolutional blocks as a per-channel scale and shift
  (Perez et al., 2018; de Vries et al., 2017) instead of tiling a
  high-dimensional vector over the image.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "ConditionalBatchNorm2d",
    "EqualizedConv2d",
    "EqualizedLinear",
    "FiLM",
    "MinibatchStdDev",
    "PixelNorm",
    "SpectralNorm",
    "init_gan_weights",
    "spectral_norm_all",
]


def init_gan_weights(module: nn.Module) -> None:
    """DCGAN initialisation: ``N(0, 0.02)`` weights, ``N(1, 0.02)`` norm scales.

    Use with ``module.apply(init_gan_weights)`` *before* adding spectral
    norm. Equalised layers keep their own ``N(0, 1)`` weights, and
    :class:`FiLM` layers start at the identity (zero scale and shift maps;
    ``apply`` visits them after their linear map).
    """
    if isinstance(module, FiLM):
        nn.init.zeros_(module.affine.weight)
        nn.init.zeros_(module.affine.bias)
    elif isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class SpectralNorm(nn.Module):
    """A convolution or linear layer with its weight divided by its spectral norm.

    Miyato et al. (2018): the largest singular value ``sigma`` of the weight
    (as a ``(out, -1)`` matrix; ``(in, -1)`` for transposed convolutions) is
    estimated by one power iteration per training forward pass, kept in the
    buffers ``u`` and ``v``; the layer runs with ``weight / sigma``. In eval
    mode the stored vectors are used as they are.

    Unlike :func:`torch.nn.utils.parametrizations.spectral_norm`, the
    wrapped module pickles (skorch pickles its nets), and unlike the
    hook-based :func:`torch.nn.utils.spectral_norm`, no normalised weight
    is stored on the layer between calls: inference changes no state.

    Parameters
    ----------
    layer : nn.Conv2d, nn.ConvTranspose2d or nn.Linear
        The layer; its ``weight`` stays the trained parameter.
    eps : float, default=1e-12
        Guards the normalisations.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import SpectralNorm
    >>> layer = SpectralNorm(torch.nn.Linear(4, 1))
    >>> layer(torch.zeros(2, 4)).shape
    torch.Size([2, 1])
    """

    def __init__(self, layer: nn.Module, eps: float = 1e-12) -> None:
        super().__init__()
        if not isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            raise TypeError(
                f"SpectralNorm wraps Conv2d, ConvTranspose2d or Linear, got "
                f"{type(layer).__name__}"
            )
        self.layer = layer
        self.eps = eps
        mat = self._matrix(layer.weight.detach())
        u = F.normalize(torch.randn(mat.shape[0]), dim=0, eps=eps)
        v = F.normalize(mat.t() @ u, dim=0, eps=eps)
        self.register_buffer("u", u)
        self.register_buffer("v", v)

    def _matrix(self, weight: torch.Tensor) -> torch.Tensor:
        if isinstance(self.layer, nn.ConvTranspose2d):
            weight = weight.transpose(0, 1)  # (out, in, kh, kw)
        return weight.flatten(1)

    def normalized_weight(self) -> torch.Tensor:
        """``weight / sigma``, with one power iteration in training mode.

        Computed in the weight's own precision (float32) even under mixed
        precision (``torch.autocast``), which would run the matrix products
        in float16/bfloat16 next to the float32 vectors.
        """
        weight = self.layer.weight
        with torch.autocast(weight.device.type, enabled=False):
            mat = self._matrix(weight)
            if self.training:
                with torch.no_grad():
                    self.v.copy_(F.normalize(mat.t() @ self.u, dim=0, eps=self.eps))
                    self.u.copy_(F.normalize(mat @ self.v, dim=0, eps=self.eps))
            u, v = self.u.clone(), self.v.clone()  # used by autograd below
            sigma = torch.dot(u, mat @ v)
            return weight / sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.normalized_weight()
        layer = self.layer
        if isinstance(layer, nn.Linear):
            return F.linear(x, weight, layer.bias)
        if isinstance(layer, nn.ConvTranspose2d):
            return F.conv_transpose2d(
                x,
                weight,
                layer.bias,
                layer.stride,
                layer.padding,
                layer.output_padding,
                layer.groups,
                layer.dilation,
            )
        return layer._conv_forward(x, weight, layer.bias)


def spectral_norm_all(module: nn.Module) -> nn.Module:
    """Wrap every conv and linear layer in :class:`SpectralNorm`.

    Returns ``module`` itself, changed in place (layers already wrapped are
    left alone).
    """
    layers = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
    for parent in list(module.modules()):
        if isinstance(parent, SpectralNorm):
            continue
        for name, child in list(parent.named_children()):
            if isinstance(child, layers):
                setattr(parent, name, SpectralNorm(child))
    return module


class EqualizedLinear(nn.Module):
    """Linear layer with the equalised learning rate of Karras et al. (2018).

    Parameters
    ----------
    in_features, out_features : int
        Input and output sizes.
    gain : float, default=sqrt(2)
        He gain: ``sqrt(2)`` before a (leaky) ReLU, 1 before a linear output.
    bias : bool, default=True
        Learn an additive bias (initialised at zero).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import EqualizedLinear
    >>> EqualizedLinear(4, 3)(torch.zeros(2, 4)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        gain: float = math.sqrt(2),
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(out_features)) if bias else None
        self.scale = gain / math.sqrt(in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)  # (N, out)


class EqualizedConv2d(nn.Module):
    """2-d convolution with the equalised learning rate (stride 1).

    Parameters
    ----------
    in_channels, out_channels : int
        Input and output channels.
    kernel_size : int
        Side of the square kernel; padding keeps the size (``kernel // 2``).
    gain : float, default=sqrt(2)
        He gain (1 for the ``to_rgb`` layers).
    bias : bool, default=True
        Learn an additive bias (initialised at zero).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import EqualizedConv2d
    >>> EqualizedConv2d(3, 8, 3)(torch.zeros(2, 3, 5, 5)).shape
    torch.Size([2, 8, 5, 5])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        gain: float = math.sqrt(2),
        bias: bool = True,
    ) -> None:
        super().__init__()
        k = kernel_size
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, k, k))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.scale = gain / math.sqrt(in_channels * k * k)
        self.padding = k // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight * self.scale
        return F.conv2d(x, w, self.bias, padding=self.padding)  # (N, out, H, W)


class PixelNorm(nn.Module):
    """Scale each pixel's feature vector to unit mean square over channels.

    ``x / sqrt(mean_c(x**2) + eps)`` for ``(N, C, H, W)`` maps, or over the
    features of ``(N, C)`` vectors.

    Parameters
    ----------
    eps : float, default=1e-8
        Added under the square root.
    """

    def __init__(self, eps: float = 1e-8) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + self.eps)


class MinibatchStdDev(nn.Module):
    """Append the batch's mean standard deviation as one more feature map.

    The batch is split into groups of ``group_size`` consecutive samples
    (the largest divisor of ``N`` not above ``group_size``); inside each
    group the standard deviation (biased, ``+ eps`` under the root) of
    every feature at every pixel is averaged over ``C x H x W`` into one
    number, which fills an extra channel of every sample of the group.

    Parameters
    ----------
    group_size : int, default=4
        Largest group.
    eps : float, default=1e-8
        Added to the variance.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import MinibatchStdDev
    >>> MinibatchStdDev()(torch.zeros(4, 8, 4, 4)).shape
    torch.Size([4, 9, 4, 4])
    """

    def __init__(self, group_size: int = 4, eps: float = 1e-8) -> None:
        super().__init__()
        self.group_size = group_size
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = max(d for d in range(1, min(self.group_size, n) + 1) if n % d == 0)
        y = x.reshape(n // g, g, c, h, w)  # (N/G, G, C, H, W), groups in order
        std = (y.var(dim=1, unbiased=False) + self.eps).sqrt()  # (N/G, C, H, W)
        s = std.mean(dim=(1, 2, 3))  # (N/G,)
        s = s.repeat_interleave(g).view(n, 1, 1, 1).expand(n, 1, h, w)
        return torch.cat([x, s], dim=1)  # (N, C + 1, H, W)


class FiLM(nn.Module):
    """Feature-wise linear modulation: ``(1 + gamma(e)) * h + beta(e)``.

    ``gamma`` and ``beta`` are linear maps of the condition embedding ``e``,
    initialised at zero, so the layer starts as the identity. No batch
    statistics: a sample's output does not depend on the rest of its batch.

    Parameters
    ----------
    n_channels : int
        Channels of the modulated maps.
    n_embedding : int
        Size of the condition embedding.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import FiLM
    >>> FiLM(8, 5)(torch.ones(2, 8, 4, 4), torch.zeros(2, 5)).shape
    torch.Size([2, 8, 4, 4])
    """

    def __init__(self, n_channels: int, n_embedding: int) -> None:
        super().__init__()
        self.affine = nn.Linear(n_embedding, 2 * n_channels)
        nn.init.zeros_(self.affine.weight)
        nn.init.zeros_(self.affine.bias)

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.affine(e).chunk(2, dim=1)  # 2 x (N, C)
        return h * (1 + gamma[:, :, None, None]) + beta[:, :, None, None]


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose scale and shift come from the condition embedding.

    :class:`torch.nn.BatchNorm2d` without its own affine part, then
    :class:`FiLM`; at initialisation it equals plain batch norm.

    Parameters
    ----------
    n_channels : int
        Channels of the normalised maps.
    n_embedding : int
        Size of the condition embedding.
    """

    def __init__(self, n_channels: int, n_embedding: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(n_channels, affine=False)
        self.film = FiLM(n_channels, n_embedding)

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        return self.film(self.norm(h), e)  # (N, C, H, W)
