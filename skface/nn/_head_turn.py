"""A yaw-conditioned U-Net that turns a face chip's head to a target yaw.

One network for every target angle (the seed drew each frame transition
with its own autoencoder and chained them): an encoder-decoder with U-Net
skips whose every stage is modulated by the yaw (:class:`FiLM` from a small
embedding of the target, and optionally the source, yaw) and whose input
carries the yaw as constant planes. Three output heads:

``'image'``
    The chip is drawn directly (a sigmoid).
``'residual'``
    The input plus a predicted change, clipped to ``[0, 1]`` (the seed's).
``'flow'``
    A backward flow field moves the input's pixels
    (:func:`torch.nn.functional.grid_sample`), a small additive residual
    corrects their shading, and a predicted blend mask mixes in a directly
    drawn image where the input has nothing to move (the cheek that turns
    into view). Pixels that are moved rather than redrawn keep the input's
    detail, hence its identity and sharpness.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._gan_blocks import FiLM

__all__ = [
    "HEAD_TURN_OUTPUTS",
    "HeadTurnNet",
    "init_head_turn_weights",
    "flow_warp",
]

#: Values of ``output`` in :class:`HeadTurnNet`.
HEAD_TURN_OUTPUTS = ("flow", "residual", "image")

#: Values of ``interpolation`` (how the ``'flow'`` head samples the input).
FLOW_INTERPOLATIONS = ("bicubic", "bilinear")

#: Largest flow, as a fraction of the chip's half side (grid_sample units).
_MAX_FLOW = 0.5
#: Initial blend-mask logit of the ``'flow'`` head: about 5% redrawn.
_MASK_BIAS = -3.0


def init_head_turn_weights(module: nn.Module) -> None:
    """Kaiming-normal convolutions and linear layers (LeakyReLU 0.2), zero bias."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.kaiming_normal_(module.weight, a=0.2, nonlinearity="leaky_relu")
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _n_down(image_size: int) -> int:
    """Halvings of the chip down to the bottleneck (4 at most, >= 4 pixels)."""
    if image_size < 8 or image_size % 2:
        raise ValueError(f"image_size must be even and at least 8, got {image_size}")
    n, s = 0, int(image_size)
    while n < 4 and s % 2 == 0 and s >= 8:
        s //= 2
        n += 1
    return n


class _Stage(nn.Module):
    """``[conv(stride) -> LeakyReLU ->] conv -> FiLM(yaw) -> LeakyReLU``.

    Full-resolution stages (``double=False``) have the second convolution
    only: they are the costly ones.
    """

    def __init__(
        self, c_in: int, c_out: int, n_embedding: int, stride: int = 1, double=True
    ):
        super().__init__()
        self.conv1 = (
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1) if double else None
        )
        self.conv2 = nn.Conv2d(c_out if double else c_in, c_out, 3, padding=1)
        self.film = FiLM(c_out, n_embedding)

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        if self.conv1 is not None:
            h = F.leaky_relu(self.conv1(h), 0.2)
        return F.leaky_relu(self.film(self.conv2(h), e), 0.2)


class HeadTurnNet(nn.Module):
    """Face chip + target yaw -> the same face turned to that yaw.

    Parameters
    ----------
    in_channels : int, default=3
        Channels of the chips (3 RGB, 1 grey).
    image_size : int, default=64
        Side of the (square) chips; even, at least 8. The encoder halves it
        up to four times (while the map is at least 8 pixels).
    width : int, default=32
        Channels of the first stage; doubled at each halving, up to
        ``8 * width``.
    n_yaw_features : int, default=32
        Size of the yaw embedding that drives the :class:`FiLM` layers.
    output : {'flow', 'residual', 'image'}, default='flow'
        How the chip is drawn (see the module docstring).
    condition_on_source : bool, default=False
        Also condition on the source chip's yaw (``forward``'s
        ``source_yaw``); without it the network reads the source pose off
        the image.
    interpolation : {'bicubic', 'bilinear'}, default='bicubic'
        How the ``'flow'`` head samples the input (:func:`flow_warp`).
        Bilinear sampling at fractional offsets blurs: on 200 unseen
        faces, frames of one trained model had a Laplacian sharpness ratio
        of 0.66 with bilinear and 0.84 with bicubic sampling (the landmark
        warp: 0.82; ``benchmarks/RESULTS.md``, "Head turn").

    Examples
    --------
    >>> import torch
    >>> from skface.nn import HeadTurnNet
    >>> net = HeadTurnNet(3, 16, width=4, n_yaw_features=8)
    >>> net(torch.rand(2, 3, 16, 16), torch.tensor([-0.2, 0.2])).shape
    torch.Size([2, 3, 16, 16])
    """

    def __init__(
        self,
        in_channels: int = 3,
        image_size: int = 64,
        width: int = 32,
        n_yaw_features: int = 32,
        output: str = "flow",
        condition_on_source: bool = False,
        interpolation: str = "bicubic",
    ) -> None:
        super().__init__()
        if output not in HEAD_TURN_OUTPUTS:
            raise ValueError(
                f"output must be one of {HEAD_TURN_OUTPUTS}, got {output!r}"
            )
        if interpolation not in FLOW_INTERPOLATIONS:
            raise ValueError(
                f"interpolation must be one of {FLOW_INTERPOLATIONS}, "
                f"got {interpolation!r}"
            )
        self.interpolation = interpolation
        self.in_channels = int(in_channels)
        self.image_size = int(image_size)
        self.output = output
        self.condition_on_source = bool(condition_on_source)
        n_down = _n_down(self.image_size)
        n_yaw = 3 if self.condition_on_source else 1  # t (, s, t - s)
        e = int(n_yaw_features)
        self.embed = nn.Sequential(
            nn.Linear(n_yaw, e), nn.LeakyReLU(0.2), nn.Linear(e, e), nn.LeakyReLU(0.2)
        )
        w = int(width)
        chans = [min(w * 2**k, 8 * w) for k in range(n_down + 1)]
        self.stem = _Stage(self.in_channels + n_yaw, chans[0], e, double=False)
        self.down = nn.ModuleList(
            _Stage(chans[k], chans[k + 1], e, stride=2) for k in range(n_down)
        )
        self.middle = _Stage(chans[-1], chans[-1], e)
        self.up_convs = nn.ModuleList(
            nn.Conv2d(chans[k + 1], chans[k], 3, padding=1)
            for k in reversed(range(n_down))
        )
        self.up = nn.ModuleList(
            _Stage(2 * chans[k], chans[k], e, double=k > 0)
            for k in reversed(range(n_down))
        )
        c = self.in_channels
        n_out = {"image": c, "residual": c, "flow": 2 + 2 * c + 1}[output]
        self.head = nn.Conv2d(chans[0], n_out, 3, padding=1)
        self.apply(init_head_turn_weights)
        for film in self.modules():  # FiLM starts as the identity
            if isinstance(film, FiLM):
                nn.init.zeros_(film.affine.weight)
                nn.init.zeros_(film.affine.bias)
        if output != "image":  # start from the input itself (no change, no move)
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)
        if output == "flow":
            with torch.no_grad():
                self.head.bias[-1] = _MASK_BIAS

    def _yaw_inputs(self, target_yaw, source_yaw, like):
        t = torch.as_tensor(target_yaw, dtype=like.dtype, device=like.device)
        t = t.reshape(-1).expand(len(like))
        if not self.condition_on_source:
            return t[:, None]  # (N, 1)
        if source_yaw is None:
            raise ValueError("this HeadTurnNet is conditioned on the source yaw")
        s = torch.as_tensor(source_yaw, dtype=like.dtype, device=like.device)
        s = s.reshape(-1).expand(len(like))
        return torch.stack([t, s, t - s], dim=1)  # (N, 3)

    def _body(self, x, target_yaw, source_yaw):
        """The head's raw output, ``(N, n_out, S, S)``."""
        yaw = self._yaw_inputs(target_yaw, source_yaw, x)  # (N, k)
        e = self.embed(yaw)  # (N, E)
        planes = yaw[:, :, None, None].expand(-1, -1, *x.shape[-2:])
        h = self.stem(torch.cat([x, planes], dim=1), e)  # (N, w, S, S)
        skips = [h]
        for stage in self.down:
            h = stage(h, e)  # (N, 2c, S / 2, S / 2)
            skips.append(h)
        h = self.middle(skips.pop(), e)  # (N, c_max, S / 2^n, S / 2^n)
        for conv, stage in zip(self.up_convs, self.up):
            skip = skips.pop()
            h = F.interpolate(h, size=skip.shape[-2:], mode="nearest")
            h = F.leaky_relu(conv(h), 0.2)  # (N, c_skip, ...)
            h = stage(torch.cat([h, skip], dim=1), e)
        return self.head(h)  # (N, n_out, S, S)

    def forward(
        self,
        x: torch.Tensor,
        target_yaw: torch.Tensor,
        source_yaw: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Turned chips in ``[0, 1]``.

        Parameters
        ----------
        x : torch.Tensor of shape (N, C, S, S)
            Source chips in ``[0, 1]``.
        target_yaw : torch.Tensor of shape (N,) or a scalar
            Target yaw in degrees divided by 90 (positive: the nose moves
            to the image's right).
        source_yaw : torch.Tensor of shape (N,), optional
            The source chips' yaw, same units; required (and only read)
            with ``condition_on_source=True``.

        Returns
        -------
        y : torch.Tensor of shape (N, C, S, S)
        """
        out = self._body(x, target_yaw, source_yaw)
        if self.output == "image":
            return torch.sigmoid(out)
        if self.output == "residual":
            return (x + out).clamp(0, 1)
        c = self.in_channels
        flow = _MAX_FLOW * torch.tanh(out[:, :2])  # (N, 2, S, S), grid units
        residual = out[:, 2 : 2 + c]
        drawn = torch.sigmoid(out[:, 2 + c : 2 + 2 * c])
        mask = torch.sigmoid(out[:, -1:])  # (N, 1, S, S)
        warped = flow_warp(x, flow, mode=self.interpolation)
        return ((1 - mask) * (warped + residual) + mask * drawn).clamp(0, 1)

    def flow(
        self,
        x: torch.Tensor,
        target_yaw: torch.Tensor,
        source_yaw: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The ``'flow'`` head's backward flow (pixels) and blend mask.

        Returns
        -------
        flow : torch.Tensor of shape (N, 2, S, S)
            ``(dx, dy)`` in pixels: output pixel ``p`` comes from ``p + flow``.
        mask : torch.Tensor of shape (N, 1, S, S)
            Weight of the directly drawn image (0: moved pixels only).
        """
        if self.output != "flow":
            raise ValueError(f"a HeadTurnNet with output={self.output!r} has no flow")
        out = self._body(x, target_yaw, source_yaw)
        half = torch.tensor([x.shape[-1], x.shape[-2]], dtype=x.dtype) / 2
        flow = _MAX_FLOW * torch.tanh(out[:, :2])
        return flow * half.to(x.device)[None, :, None, None], torch.sigmoid(out[:, -1:])


def flow_warp(
    x: torch.Tensor, flow: torch.Tensor, mode: str = "bilinear"
) -> torch.Tensor:
    """Sample ``x`` at ``identity + flow`` (backward warp, border pixels repeat).

    Parameters
    ----------
    x : torch.Tensor of shape (N, C, H, W)
    flow : torch.Tensor of shape (N, 2, H, W)
        Offsets ``(dx, dy)`` in :func:`~torch.nn.functional.grid_sample`'s
        normalised units (2 is the whole width or height).
    mode : {'bilinear', 'bicubic'}, default='bilinear'
        Interpolation. Bilinear sampling at fractional offsets is a low-pass
        filter; bicubic keeps more of the input's detail (may overshoot
        slightly at edges: clip the result).

    Returns
    -------
    warped : torch.Tensor of shape (N, C, H, W)
    """
    n, _, h, w = x.shape
    ys = (torch.arange(h, dtype=x.dtype, device=x.device) * 2 + 1) / h - 1
    xs = (torch.arange(w, dtype=x.dtype, device=x.device) * 2 + 1) / w - 1
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([gx, gy], dim=-1)[None] + flow.permute(0, 2, 3, 1)
    return F.grid_sample(x, grid, mode=mode, padding_mode="border", align_corners=False)
