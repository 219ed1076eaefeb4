"""The DeepFakes face-swap network: one shared encoder, one decoder per person.

The encoder maps an aligned face chip to a small code (a dense bottleneck,
then a first upscale to 8x8) that every identity shares; each decoder learns
to draw *its* person from that code. Trained to reconstruct each person
from randomly warped copies of their own chips (:func:`random_warp`), the
shared code comes to hold what every person's faces have in common (pose,
expression, lighting) and the decoders the identity; a chip of person A
through the decoder of person B is then B with A's pose and expression.
"""

from __future__ import annotations

import torch
from torch import nn

from ._latent_decoder import (
    START_SIZE,
    UpscaleBlock,
    decoder_channels,
    init_decoder_weights,
)
from ._losses import ssim_map

__all__ = [
    "SWAP_LOSSES",
    "FaceSwapNet",
    "SwapDecoder",
    "SwapEncoder",
    "masked_reconstruction_loss",
]

#: Values of ``kind`` in :func:`masked_reconstruction_loss`.
SWAP_LOSSES = ("l1", "ssim+l1")


def _check_size(size: int) -> int:
    n = int(size) // START_SIZE
    if size < 2 * START_SIZE or size % START_SIZE or n & (n - 1):
        raise ValueError(
            f"chip size must be 4 times a power of two and at least 8 (8, 16, "
            f"32, 64, 128), got {size}"
        )
    return int(size)


class SwapEncoder(nn.Module):
    """Face chip to the shared 8x8 code of the DeepFakes autoencoder.

    5x5 stride-2 convolutions (LeakyReLU 0.1) halve the chip down to 4x4,
    a dense bottleneck of ``n_latent`` numbers and a dense layer back to a
    4x4 map follow, and one :class:`UpscaleBlock` makes it 8x8.

    Parameters
    ----------
    n_channels : int, default=3
        Channels of the chips.
    input_size : int, default=64
        Side of the chips (4 times a power of two, >= 8).
    width : int, default=32
        Channels of the first convolution; each next one doubles, up to
        ``max_channels``.
    max_channels : int, default=512
        Cap on the channels.
    n_latent : int, default=512
        Size of the dense bottleneck.

    Attributes
    ----------
    out_channels : int
        Channels of the 8x8 code.
    """

    def __init__(
        self,
        n_channels: int = 3,
        input_size: int = 64,
        width: int = 32,
        max_channels: int = 512,
        n_latent: int = 512,
    ) -> None:
        super().__init__()
        size = _check_size(input_size)
        layers: list[nn.Module] = []
        c_in, c = int(n_channels), int(width)
        while size > START_SIZE:
            c_out = min(c, int(max_channels))
            layers += [
                nn.Conv2d(c_in, c_out, 5, stride=2, padding=2),
                nn.LeakyReLU(0.1),
            ]
            c_in, c, size = c_out, 2 * c, size // 2
        self.convs = nn.Sequential(*layers)
        self.code_channels = c_in
        area = START_SIZE * START_SIZE
        self.bottleneck = nn.Linear(c_in * area, int(n_latent))
        self.expand = nn.Linear(int(n_latent), c_in * area)
        self.out_channels = max(c_in // 2, 1)
        self.upscale = UpscaleBlock(c_in, self.out_channels)
        self.apply(init_decoder_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.convs(x).flatten(1)  # (N, C * 16)
        h = self.expand(self.bottleneck(h))  # linear bottleneck, as DeepFakes
        h = h.view(len(x), self.code_channels, START_SIZE, START_SIZE)
        return self.upscale(h)  # (N, C / 2, 8, 8)


class SwapDecoder(nn.Module):
    """The shared 8x8 code to one person's face chip in ``[0, 1]``.

    :class:`UpscaleBlock` s double the code up to ``output_size`` (channels
    halving down to ``width``), and a 5x5 convolution with a sigmoid draws
    the chip, as the DeepFakes decoder.

    Parameters
    ----------
    in_channels : int
        Channels of the code (:attr:`SwapEncoder.out_channels`).
    output_size : int, default=64
        Side of the chips.
    n_channels : int, default=3
        Channels of the chips.
    width : int, default=32
        Channels of the last (full-resolution) feature map.
    max_channels : int, default=512
        Cap on the channels.
    """

    def __init__(
        self,
        in_channels: int,
        output_size: int = 64,
        n_channels: int = 3,
        width: int = 32,
        max_channels: int = 512,
    ) -> None:
        super().__init__()
        size = _check_size(output_size)
        channels = decoder_channels(size, int(width), int(max_channels))[1:]  # 8 -> S
        channels = [int(in_channels), *channels[1:]]
        self.blocks = nn.Sequential(
            *[UpscaleBlock(a, b) for a, b in zip(channels[:-1], channels[1:])]
        )
        self.output = nn.Conv2d(channels[-1], int(n_channels), 5, padding=2)
        self.apply(init_decoder_weights)
        # The person's mean face, in logits: the decoder draws the deviation
        # from it (zeros: no prior). A buffer, saved with the weights.
        self.register_buffer("prior", torch.zeros(int(n_channels), size, size))

    def set_prior(self, mean_face: torch.Tensor, eps: float = 1e-3) -> None:
        """Start from ``mean_face`` ``(C, S, S)`` in ``[0, 1]``.

        The output becomes ``sigmoid(logit(mean_face) + f(code))`` and the
        last convolution is scaled down, so that the untrained decoder
        draws (about) the person's mean face and training learns the
        deviations: pose, expression, lighting.
        """
        m = mean_face.to(self.prior).clamp(eps, 1 - eps)
        if m.shape != self.prior.shape:
            raise ValueError(
                f"mean_face must have shape {tuple(self.prior.shape)}, got "
                f"{tuple(m.shape)}"
            )
        self.prior.copy_(torch.log(m) - torch.log1p(-m))
        with torch.no_grad():
            self.output.weight.mul_(0.1)
            self.output.bias.zero_()

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.output(self.blocks(code)) + self.prior)


class FaceSwapNet(nn.Module):
    """Shared :class:`SwapEncoder` and one :class:`SwapDecoder` per identity.

    Parameters
    ----------
    n_identities : int
        Number of people (decoders), at least 2.
    n_channels : int, default=3
        Channels of the chips.
    image_size : int, default=64
        Side of the chips.
    width : int, default=32
        Width of the encoder's first and the decoders' last feature maps.
    max_channels : int, default=512
        Cap on the channels.
    n_latent : int, default=512
        Size of the shared dense bottleneck.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import FaceSwapNet
    >>> net = FaceSwapNet(2, image_size=16, width=4, max_channels=16, n_latent=8)
    >>> x = torch.rand(3, 3, 16, 16)
    >>> net(x, torch.tensor([0, 1, 1])).shape
    torch.Size([3, 3, 16, 16])
    >>> blend = torch.tensor([[0.5, 0.5]] * 3)  # the mean of both decoders
    >>> net(x, blend).shape
    torch.Size([3, 3, 16, 16])
    """

    def __init__(
        self,
        n_identities: int,
        n_channels: int = 3,
        image_size: int = 64,
        width: int = 32,
        max_channels: int = 512,
        n_latent: int = 512,
    ) -> None:
        super().__init__()
        if int(n_identities) < 1:
            raise ValueError(f"n_identities must be >= 1, got {n_identities}")
        self.n_identities = int(n_identities)
        self.encoder = SwapEncoder(
            n_channels, image_size, width, max_channels, n_latent
        )
        self.decoders = nn.ModuleList(
            SwapDecoder(
                self.encoder.out_channels, image_size, n_channels, width, max_channels
            )
            for _ in range(self.n_identities)
        )

    def set_priors(self, mean_faces: torch.Tensor) -> None:
        """Start each decoder from its person's mean face ``(n, C, S, S)``.

        See :meth:`SwapDecoder.set_prior`.
        """
        if len(mean_faces) != self.n_identities:
            raise ValueError(
                f"got {len(mean_faces)} mean faces for {self.n_identities} decoders"
            )
        for decoder, mean in zip(self.decoders, mean_faces):
            decoder.set_prior(mean)

    def forward(self, x: torch.Tensor, identity: torch.Tensor) -> torch.Tensor:
        """Chips of ``x`` drawn by the decoders named in ``identity``.

        ``identity`` is ``(N,)`` integer decoder indices, or ``(N,
        n_identities)`` float weights: the weighted sum of the decoders'
        outputs (a blend of people; rows summing to 1).
        """
        code = self.encoder(x)
        if identity.ndim == 2:
            weights = identity.to(code.dtype)
            out = None
            for k in range(self.n_identities):
                w = weights[:, k]
                if not bool((w != 0).any()):
                    continue
                term = w[:, None, None, None] * self.decoders[k](code)
                out = term if out is None else out + term
            if out is None:
                raise ValueError("identity weights are all zero")
            return out
        identity = identity.long()
        out = None
        for k in torch.unique(identity).tolist():
            rows = torch.nonzero(identity == k).flatten()
            part = self.decoders[k](code[rows])
            if out is None:
                out = part.new_empty((len(x), *part.shape[1:]))
            out[rows] = part
        return out


def masked_reconstruction_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor,
    kind: str = "l1",
    ssim_weight: float = 0.5,
) -> torch.Tensor:
    """Mean absolute error (and SSIM) weighted per pixel, e.g. by a face mask.

    Parameters
    ----------
    pred, target : torch.Tensor of shape (N, C, H, W)
        Images in ``[0, 1]``.
    weight : torch.Tensor of shape (N, 1, H, W)
        Non-negative pixel weights (1 on the face, more on eyes and mouth,
        little or nothing outside the face).
    kind : {'l1', 'ssim+l1'}, default='l1'
        ``'ssim+l1'`` adds ``ssim_weight * (1 - SSIM)``, the SSIM map
        averaged with the same weights.
    ssim_weight : float, default=0.5
        Weight of the SSIM term.

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    if kind not in SWAP_LOSSES:
        raise ValueError(f"kind must be one of {SWAP_LOSSES}, got {kind!r}")
    total = weight.sum().clamp_min(1e-8)
    loss = ((pred - target).abs().mean(1, keepdim=True) * weight).sum() / total
    if kind == "ssim+l1":
        s = ssim_map(pred, target).mean(1, keepdim=True)  # valid region only
        dh = (weight.shape[-2] - s.shape[-2]) // 2
        dw = (weight.shape[-1] - s.shape[-1]) // 2
        w = weight[..., dh : dh + s.shape[-2], dw : dw + s.shape[-1]]
        loss = loss + ssim_weight * ((1 - s) * w).sum() / w.sum().clamp_min(1e-8)
    return loss
