"""Convolutional face autoencoder: HyperFace or DCGAN encoder, DCGAN decoder.

The modules take images as ``(N, C, H, W)`` float tensors in ``[0, 1]`` and
give reconstructions in ``[0, 1]``; the input normalisation is a buffer of
the network (``(x - mean) / std`` per channel), so a saved state dict holds
it too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "ConvDecoder",
    "DCGANEncoder",
    "FaceAutoencoderNet",
    "HyperFaceEncoder",
    "init_autoencoder_weights",
]

#: Output activations of :class:`ConvDecoder`, all mapping to ``[0, 1]``.
OUTPUT_ACTIVATIONS = ("sigmoid", "tanh", "linear")


def init_autoencoder_weights(module: nn.Module) -> None:
    """He-normal conv/linear weights, zero biases, unit batch-norm scales.

    Use with ``module.apply(init_autoencoder_weights)``. (The DCGAN paper's
    ``N(0, 0.02)`` is tuned for GANs; with ReLU stacks and no batch norm it
    shrinks activations layer by layer, so a plain autoencoder starts slowly.)
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def _conv_block(c_in, c_out, kernel, stride, padding, batch_norm):
    layers = [
        nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=not batch_norm),
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class HyperFaceEncoder(nn.Module):
    """Truncated AlexNet with HyperFace's two side branches, to a linear code.

    At 227x227 input: ``conv1`` 11x11/4 96 -> 55x55, max-pool -> 27x27
    (``pool1``); ``conv2`` 5x5 256 -> 27x27, max-pool -> 13x13; ``conv3``
    384, ``conv4`` 384, ``conv5`` 256 (13x13), max-pool -> 7x7. Side branch
    1 takes ``pool1`` (96x27x27) through a 3x3/4 conv to 256x7x7; side branch
    2 takes ``conv3`` (384x13x13) through a 3x3/2 conv to 256x7x7. The three
    7x7 maps are concatenated (768 channels) and fused by a 1x1 conv to 192,
    then fully connected layers go 9408 -> ``hidden`` -> ``embedding_dim``.
    The last layer is linear (no ReLU), so codes can be negative. Other
    input sizes (at least 67) work: every branch ends in an adaptive max-pool
    to 7x7, a no-op at 227.

    Parameters
    ----------
    in_channels : int, default=3
        1 for grey images, 3 for RGB.
    embedding_dim : int, default=128
        Size of the code.
    hidden : int, default=512
        Width of the fully connected layer before the code.
    batch_norm : bool, default=True
        Batch norm after every conv and the hidden fully connected layer.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import HyperFaceEncoder
    >>> HyperFaceEncoder(embedding_dim=16)(torch.zeros(2, 3, 227, 227)).shape
    torch.Size([2, 16])
    """

    def __init__(
        self,
        in_channels: int = 3,
        embedding_dim: int = 128,
        hidden: int = 512,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        bn = batch_norm
        self.conv1 = _conv_block(in_channels, 96, 11, 4, 0, bn)
        self.pool1 = nn.MaxPool2d(3, 2)
        self.conv2 = _conv_block(96, 256, 5, 1, 2, bn)
        self.pool2 = nn.MaxPool2d(3, 2)
        self.conv3 = _conv_block(256, 384, 3, 1, 1, bn)
        self.conv4 = _conv_block(384, 384, 3, 1, 1, bn)
        self.conv5 = _conv_block(384, 256, 3, 1, 1, bn)
        self.pool5 = nn.Sequential(nn.MaxPool2d(3, 2, 1), nn.AdaptiveMaxPool2d(7))
        self.side1 = nn.Sequential(
            _conv_block(96, 256, 3, 4, 1, bn), nn.AdaptiveMaxPool2d(7)
        )
        self.side3 = nn.Sequential(
            _conv_block(384, 256, 3, 2, 1, bn), nn.AdaptiveMaxPool2d(7)
        )
        self.fuse = _conv_block(3 * 256, 192, 1, 1, 0, bn)
        fc = [nn.Linear(192 * 7 * 7, hidden, bias=not bn)]
        if bn:
            fc.append(nn.BatchNorm1d(hidden))
        fc += [nn.ReLU(inplace=True), nn.Linear(hidden, embedding_dim)]
        self.fc = nn.Sequential(*fc)
        self.apply(init_autoencoder_weights)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The fused ``(N, 192, 7, 7)`` map (before the fully connected part)."""
        p1 = self.pool1(self.conv1(x))  # (N, 96, 27, 27)
        c3 = self.conv3(self.pool2(self.conv2(p1)))  # (N, 384, 13, 13)
        c5 = self.pool5(self.conv5(self.conv4(c3)))  # (N, 256, 7, 7)
        branches = [self.side1(p1), self.side3(c3), c5]  # 3 x (N, 256, 7, 7)
        return self.fuse(torch.cat(branches, dim=1))  # (N, 192, 7, 7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).flatten(1))  # (N, embedding_dim)


class DCGANEncoder(nn.Module):
    """Strided 4x4 convolutions (DCGAN discriminator body) to a linear code.

    Four stride-2 convs take a 64x64 image to ``(8 * n_filters, 4, 4)``
    (an adaptive average pool makes other sizes, at least 16, end at 4x4 as
    well), then one linear layer gives the code (no activation).

    Parameters
    ----------
    in_channels : int, default=3
        1 for grey images, 3 for RGB.
    embedding_dim : int, default=128
        Size of the code.
    n_filters : int, default=32
        Channels of the first conv; doubled at each of the next three.
    batch_norm : bool, default=True
        Batch norm after every conv but the first (as in DCGAN).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import DCGANEncoder
    >>> DCGANEncoder(1, 8)(torch.zeros(2, 1, 64, 64)).shape
    torch.Size([2, 8])
    """

    def __init__(
        self,
        in_channels: int = 3,
        embedding_dim: int = 128,
        n_filters: int = 32,
        batch_norm: bool = True,
    ) -> None:
        super().__init__()
        widths = [in_channels] + [n_filters * 2**i for i in range(4)]
        self.convs = nn.Sequential(
            *[
                _conv_block(widths[i], widths[i + 1], 4, 2, 1, batch_norm and i > 0)
                for i in range(4)
            ],
            nn.AdaptiveAvgPool2d(4),
        )
        self.fc = nn.Linear(widths[-1] * 16, embedding_dim)
        self.apply(init_autoencoder_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.convs(x)  # (N, 8 * n_filters, 4, 4)
        return self.fc(h.flatten(1))  # (N, embedding_dim)


class ConvDecoder(nn.Module):
    """DCGAN generator: code -> 4x4 map -> stride-2 transposed convs.

    A linear layer maps the code to ``(8 * n_filters, 4, 4)``; each 4x4
    stride-2 transposed conv doubles the size and halves the channels, down
    to ``n_filters`` at half the output size; the last one gives
    ``out_channels`` at ``output_size``.

    Parameters
    ----------
    embedding_dim : int, default=128
        Size of the code.
    out_channels : int, default=3
        1 for grey, 3 for RGB.
    output_size : int, default=64
        A power of two, at least 8 (64 and 128 are the usual ones).
    n_filters : int, default=32
        Channels before the last layer.
    batch_norm : bool, default=True
        Batch norm after every layer but the last.
    output_activation : {'sigmoid', 'tanh', 'linear'}, default='sigmoid'
        Maps to ``[0, 1]``: ``sigmoid(z)``, DCGAN's ``tanh`` rescaled as
        ``(tanh(z) + 1) / 2``, or ``z`` itself ('linear', no saturation; the
        output is clamped to ``[0, 1]`` in eval mode only).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import ConvDecoder
    >>> ConvDecoder(8, 1, output_size=128)(torch.zeros(2, 8)).shape
    torch.Size([2, 1, 128, 128])
    """

    def __init__(
        self,
        embedding_dim: int = 128,
        out_channels: int = 3,
        output_size: int = 64,
        n_filters: int = 32,
        batch_norm: bool = True,
        output_activation: str = "sigmoid",
    ) -> None:
        super().__init__()
        n_up = int(round(math.log2(output_size))) - 2
        if n_up < 1 or 4 * 2**n_up != output_size:
            raise ValueError(
                f"output_size must be a power of two >= 8, got {output_size}"
            )
        if output_activation not in OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation must be one of {OUTPUT_ACTIVATIONS}, "
                f"got {output_activation!r}"
            )
        self.output_activation = output_activation
        top = n_filters * 2 ** min(n_up - 1, 3)
        widths = [top] + [max(top // 2**i, n_filters) for i in range(1, n_up)]
        widths[-1] = n_filters
        fc = [nn.Linear(embedding_dim, top * 16, bias=not batch_norm)]
        if batch_norm:
            fc.append(nn.BatchNorm1d(top * 16))
        fc.append(nn.ReLU(inplace=True))
        self.fc = nn.Sequential(*fc)
        self.top = top
        layers: list[nn.Module] = []
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers.append(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.ReLU(inplace=True))
        layers.append(nn.ConvTranspose2d(widths[-1], out_channels, 4, 2, 1))
        self.deconvs = nn.Sequential(*layers)
        self.apply(init_autoencoder_weights)
        # Start near mid-grey with small outputs: He-scaled logits would put
        # a 'linear' output far outside [0, 1] and saturate a sigmoid.
        last = layers[-1]
        with torch.no_grad():
            last.weight.mul_(0.1)
            last.bias.fill_(0.5 if output_activation == "linear" else 0.0)

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """Output before the activation."""
        h = self.fc(z).view(len(z), self.top, 4, 4)  # (N, top, 4, 4)
        return self.deconvs(h)  # (N, out_channels, output_size, output_size)

    def activate(self, y: torch.Tensor) -> torch.Tensor:
        """Map :meth:`logits` to ``[0, 1]`` with ``output_activation``."""
        if self.output_activation == "sigmoid":
            return torch.sigmoid(y)
        if self.output_activation == "tanh":
            return (torch.tanh(y) + 1) / 2
        return y if self.training else y.clamp(0, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.activate(self.logits(z))


class FaceAutoencoderNet(nn.Module):
    """Normalise -> encoder -> linear code -> decoder.

    ``forward(x)`` returns the reconstruction; :meth:`encode` and
    :meth:`decode` give the two halves. ``x`` is ``(N, C, S, S)`` in
    ``[0, 1]``; the per-channel ``mean`` and ``std`` (buffers) normalise it.

    With ``linear_path=True`` a linear map from the (normalised, flattened)
    input to the code is added to the convolutional encoder's output, and a
    linear map from the code to the image to the decoder's logits: the net
    can then represent PCA exactly, and :meth:`init_linear_path` starts it
    there (the convolutional paths start at zero and learn what PCA misses).

    Parameters
    ----------
    encoder : {'hyperface', 'dcgan'}, default='dcgan'
        :class:`HyperFaceEncoder` or :class:`DCGANEncoder`.
    in_channels : int, default=3
        Channels of input and output images.
    embedding_dim : int, default=128
        Size of the code.
    output_size : int, default=64
        Side of the reconstruction.
    n_filters : int, default=32
        Base width of the DCGAN encoder and of the decoder.
    batch_norm : bool, default=True
        Batch norm in encoder and decoder.
    output_activation : {'sigmoid', 'tanh', 'linear'}, default='sigmoid'
        See :class:`ConvDecoder`.
    mean, std : sequence of float or None, default=None
        Per-channel input normalisation; None: 0.5 and 0.5 (to ``[-1, 1]``).
    linear_path : bool, default=False
        Add the linear encoder and decoder paths (see above).
    input_size : int, default=64
        Side of the input images (needed by the linear path only).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import FaceAutoencoderNet
    >>> net = FaceAutoencoderNet("dcgan", 1, embedding_dim=8).eval()
    >>> net(torch.rand(2, 1, 64, 64)).shape, net.encode(torch.rand(2, 1, 64, 64)).shape
    (torch.Size([2, 1, 64, 64]), torch.Size([2, 8]))
    """

    def __init__(
        self,
        encoder: str = "dcgan",
        in_channels: int = 3,
        embedding_dim: int = 128,
        output_size: int = 64,
        n_filters: int = 32,
        batch_norm: bool = True,
        output_activation: str = "sigmoid",
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        linear_path: bool = False,
        input_size: int = 64,
    ) -> None:
        super().__init__()
        if encoder == "hyperface":
            self.encoder = HyperFaceEncoder(
                in_channels, embedding_dim, batch_norm=batch_norm
            )
        elif encoder == "dcgan":
            self.encoder = DCGANEncoder(
                in_channels, embedding_dim, n_filters, batch_norm=batch_norm
            )
        else:
            raise ValueError(f"encoder must be 'hyperface' or 'dcgan', got {encoder!r}")
        self.decoder = ConvDecoder(
            embedding_dim,
            in_channels,
            output_size,
            n_filters,
            batch_norm=batch_norm,
            output_activation=output_activation,
        )
        mean = [0.5] * in_channels if mean is None else list(mean)
        std = [0.5] * in_channels if std is None else list(std)
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1))
        self.out_shape = (in_channels, output_size, output_size)
        if linear_path:
            n_in = in_channels * input_size * input_size
            self.linear_encoder = nn.Linear(n_in, embedding_dim)
            self.linear_decoder = nn.Linear(embedding_dim, in_channels * output_size**2)
        else:
            self.linear_encoder = self.linear_decoder = None

    @torch.no_grad()
    def init_linear_path(self, enc_weight, enc_bias, dec_weight, dec_bias) -> None:
        """Set the linear paths and zero the convolutional paths' last layers.

        ``enc_weight`` is ``(embedding_dim, C * S * S)`` acting on the
        normalised flattened input (e.g. PCA components), ``dec_weight``
        ``(C * output_size ** 2, embedding_dim)`` giving decoder logits.
        """
        self.linear_encoder.weight.copy_(torch.as_tensor(enc_weight))
        self.linear_encoder.bias.copy_(torch.as_tensor(enc_bias))
        self.linear_decoder.weight.copy_(torch.as_tensor(dec_weight))
        self.linear_decoder.bias.copy_(torch.as_tensor(dec_bias))
        last_fc = self.encoder.fc
        if isinstance(last_fc, nn.Sequential):
            last_fc = last_fc[-1]
        last_deconv = self.decoder.deconvs[-1]
        for layer in (last_fc, last_deconv):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        xn = (x - self.mean) / self.std
        z = self.encoder(xn)  # (N, embedding_dim)
        if self.linear_encoder is not None:
            z = z + self.linear_encoder(xn.flatten(1))
        return z

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        y = self.decoder.logits(z)  # (N, C, output_size, output_size)
        if self.linear_decoder is not None:
            y = y + self.linear_decoder(z).view(len(z), *self.out_shape)
        return self.decoder.activate(y)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def _shift_batch(t: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """Translate each image of ``(n, C, H, W)`` by ``(dy[i], dx[i])`` pixels.

    Content moves down/right for positive offsets; the uncovered border
    repeats the edge pixels (``replicate`` padding).
    """
    pad = int(max(dy.abs().max(), dx.abs().max()))
    if pad == 0:
        return t
    n, c, h, w = t.shape
    p = F.pad(t, (pad, pad, pad, pad), mode="replicate")
    rows = torch.arange(h, device=t.device) + pad - dy.view(-1, 1)  # (n, h)
    cols = torch.arange(w, device=t.device) + pad - dx.view(-1, 1)  # (n, w)
    return p[
        torch.arange(n, device=t.device).view(-1, 1, 1, 1),
        torch.arange(c, device=t.device).view(1, -1, 1, 1),
        rows.view(n, 1, h, 1),
        cols.view(n, 1, 1, w),
    ]


def _shift_pair(x, y, dy, dx):
    """Shift inputs and targets together (offsets in target pixels)."""
    scale = x.shape[-1] / y.shape[-1]
    x = _shift_batch(x, torch.round(dy * scale).long(), torch.round(dx * scale).long())
    return x, _shift_batch(y, dy, dx)
