"""Landmark-conditional GAN networks with spatial conditioning (pure torch).

A condition is a vector ``c = [x_0, y_0, x_1, y_1, ..., thumbnail]``:
``k`` landmarks in the normalised frame ``[-1, 1]`` (pixel ``(x, y)`` of
an ``S``-pixel image at ``2 (x + 0.5) / S - 1``, so a mirror is ``x ->
-x``), optionally followed by a colour thumbnail ``(3, t, t)`` flattened,
in ``[-1, 1]``.

Fed as a vector only (concatenated to ``z``, or through conditional batch
norm), 136 coordinates are followed loosely. Here the landmarks are also
*drawn*: :func:`landmark_heatmaps` renders one Gaussian heat map per
landmark group (differentiably, as a sum of separable Gaussians, so it is
a pair of small matrix products), and

* :class:`LandmarkGenerator` decodes the latent code through upsampling
  stages that each see the heat maps (and the thumbnail, upsampled) at
  their own resolution, so every pixel knows where the eyes and mouth go;
* :class:`LandmarkDiscriminator` is a spectrally normalised
  :class:`~skface.nn.ProjectionDiscriminator` whose input is the image
  stacked with the same maps (and the thumbnail), and whose logit also
  projects the condition vector on its features (Miyato & Koyama, 2018);
* :class:`LandmarkRegressor`, trained on the real faces, reads the
  landmarks off a generated face so that the generator can be penalised
  for missing its condition.

Neither tiles the condition vector over the image: the maps have one
channel per landmark group, whatever the number of points.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._dcgan import ProjectionDiscriminator, _activate, _check_output, _widths
from ._gan_blocks import init_gan_weights

__all__ = [
    "LandmarkDiscriminator",
    "LandmarkGenerator",
    "LandmarkRegressor",
    "landmark_heatmaps",
    "mirror_condition",
    "shift_condition",
]


def landmark_heatmaps(
    points: torch.Tensor,
    assignment: torch.Tensor,
    size: int,
    sigma: float,
) -> torch.Tensor:
    """Render landmarks as one Gaussian heat map per group, differentiably.

    Parameters
    ----------
    points : Tensor of shape (N, k, 2)
        ``(x, y)`` in the normalised frame ``[-1, 1]``.
    assignment : Tensor of shape (k, G)
        ``assignment[i, g] = 1`` when point ``i`` belongs to group ``g``.
    size : int
        Side of the maps (pixel ``j``'s centre at ``2 (j + 0.5) / size - 1``).
    sigma : float
        Standard deviation of each Gaussian in normalised units; it is
        raised to half a pixel of ``size`` when smaller (no aliasing).

    Returns
    -------
    Tensor of shape (N, G, size, size)
        ``sum_i in g exp(-|p - p_i|^2 / (2 sigma^2))``.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import landmark_heatmaps
    >>> maps = landmark_heatmaps(torch.zeros(1, 3, 2), torch.eye(3), 8, 0.2)
    >>> maps.shape
    torch.Size([1, 3, 8, 8])
    """
    s = max(float(sigma), 1.0 / size)
    n, k = points.shape[:2]
    grid = torch.arange(size, device=points.device, dtype=points.dtype) + 0.5
    grid = grid * (2.0 / size) - 1.0  # (size,)
    gx = torch.exp(-((grid - points[..., :1]) ** 2) / (2 * s * s))  # (N, k, size)
    gy = torch.exp(-((grid - points[..., 1:]) ** 2) / (2 * s * s))  # (N, k, size)
    a = assignment.to(points)
    g = a.shape[1]
    # sum_i a[i, g] gy[n, i, y] gx[n, i, x] as one batched matrix product
    rows = a.t()[None, :, None, :] * gy.transpose(1, 2)[:, None]  # (N, G, size, k)
    maps = torch.bmm(rows.reshape(n, g * size, k), gx)  # (N, G * size, size)
    return maps.view(n, g, size, size)


def mirror_condition(
    condition: torch.Tensor,
    permutation: torch.Tensor,
    thumbnail_size: int = 0,
) -> torch.Tensor:
    """Condition vectors of horizontally mirrored images.

    Parameters
    ----------
    condition : Tensor of shape (N, 2 k + 3 t^2)
        Normalised landmarks then the flattened thumbnail (module doc).
    permutation : LongTensor of shape (k,)
        Index of each point's mirror image (left eye corner <-> right...).
    thumbnail_size : int, default=0
        ``t``; the thumbnail is mirrored too.

    Returns
    -------
    Tensor of shape (N, 2 k + 3 t^2)
        ``x -> -x`` (pixel ``x -> S - 1 - x``), points re-indexed.
    """
    k = len(permutation)
    points = condition[:, : 2 * k].reshape(len(condition), k, 2)
    points = points[:, permutation.to(condition.device)]
    points = points * torch.tensor([-1.0, 1.0]).to(condition)
    parts = [points.reshape(len(condition), 2 * k)]
    if thumbnail_size:
        t = int(thumbnail_size)
        thumb = condition[:, 2 * k :].reshape(len(condition), 3, t, t)
        parts.append(thumb.flip(3).reshape(len(condition), -1))
    return torch.cat(parts, dim=1)


def shift_condition(
    condition: torch.Tensor, shift: torch.Tensor, n_points: int, image_size: int
) -> torch.Tensor:
    """Condition vectors of images translated by ``shift`` pixels.

    Parameters
    ----------
    condition : Tensor of shape (N, 2 k + ...)
        Normalised landmarks first (module doc); the rest is kept.
    shift : Tensor of shape (N, 2)
        ``(dx, dy)`` pixel shift of each image (pixel ``(x, y)`` moved to
        ``(x + dx, y + dy)``), as :func:`diff_augment` returns it.
    n_points : int
        ``k``.
    image_size : int
        ``S``: a pixel is ``2 / S`` in the normalised frame.

    Returns
    -------
    Tensor of the shape of ``condition``
    """
    k = int(n_points)
    step = shift.to(condition).repeat(1, k) * (2.0 / image_size)  # (N, 2 k)
    return torch.cat([condition[:, : 2 * k] + step, condition[:, 2 * k :]], dim=1)


class _SpatialCondition(nn.Module):
    """Condition vector -> ``(N, G [+ 3], size, size)`` maps (no parameters)."""

    def __init__(self, groups, n_points, thumbnail_size, sigma):
        super().__init__()
        assignment = torch.zeros(n_points, len(groups))
        for g, idx in enumerate(groups):
            assignment[list(idx), g] = 1.0
        self.register_buffer("assignment", assignment, persistent=False)
        self.n_points = int(n_points)
        self.thumbnail_size = int(thumbnail_size)
        self.sigma = float(sigma)
        self.n_maps = len(groups) + (3 if thumbnail_size else 0)

    def forward(self, condition: torch.Tensor, size: int) -> torch.Tensor:
        n, k = len(condition), self.n_points
        points = condition[:, : 2 * k].reshape(n, k, 2)
        maps = landmark_heatmaps(points, self.assignment, size, self.sigma)
        if self.thumbnail_size:
            t = self.thumbnail_size
            thumb = condition[:, 2 * k :].reshape(n, 3, t, t)
            thumb = F.interpolate(thumb, size=(size, size), mode="bilinear")
            maps = torch.cat([maps, thumb], dim=1)
        return maps  # (N, G [+ 3], size, size)


def _check_groups(groups, n_points):
    groups = tuple(tuple(int(i) for i in g) for g in groups)
    if not groups or any(not g for g in groups):
        raise ValueError(f"groups must be non-empty index lists, got {groups!r}")
    bad = [i for g in groups for i in g if not 0 <= i < n_points]
    if bad:
        raise ValueError(f"group indices {bad} out of range for {n_points} points")
    return groups


class LandmarkGenerator(nn.Module):
    """Latent code and landmark condition to image, decoded from heat maps.

    ``[z, c]`` -> linear and ReLU -> ``(N, c_0, 4, 4)`` -> stride-2
    transposed convolutions (``4x4``, batch norm and ReLU, as
    :class:`DCGANGenerator`'s) whose input at each resolution ``r`` is the
    previous map stacked with the condition maps at ``r``
    (:func:`landmark_heatmaps`, one channel per group, plus the bilinearly
    upsampled thumbnail) -> the last one, again with the maps, to
    ``(N, n_channels, S, S)`` through ``output``. Channels as
    :class:`DCGANGenerator`'s (``width`` at ``S/2``, doubling towards
    ``4x4``, capped at ``8 * width``); the maps add a few input channels
    per stage.

    Parameters
    ----------
    n_latent : int
        Size of the latent code.
    n_points : int
        Number of landmarks ``k`` (the condition starts with ``2 k``
        normalised coordinates).
    groups : sequence of sequence of int
        Point indices of each heat-map channel.
    image_size : int, default=64
        Output side, a power of two >= 8.
    n_channels : int, default=3
        1 for grey, 3 for RGB.
    width : int, default=64
        Channels of the last stage.
    thumbnail_size : int, default=0
        Side ``t`` of the colour thumbnail that ends the condition (0: none).
    sigma : float, default=1.0
        Width of the heat maps' Gaussians in pixels of an ``image_size``
        image (at least half a pixel of each stage).
    output : {'tanh', 'sigmoid'}, default='tanh'
        Output activation.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import LandmarkGenerator
    >>> g = LandmarkGenerator(8, 2, [[0], [1]], image_size=16, width=4)
    >>> g(torch.zeros(2, 8), torch.zeros(2, 4)).shape
    torch.Size([2, 3, 16, 16])
    """

    def __init__(
        self,
        n_latent: int,
        n_points: int,
        groups,
        image_size: int = 64,
        n_channels: int = 3,
        width: int = 64,
        thumbnail_size: int = 0,
        sigma: float = 1.0,
        output: str = "tanh",
    ) -> None:
        super().__init__()
        widths = _widths(image_size, width)
        groups = _check_groups(groups, n_points)
        self.output = _check_output(output)
        self.n_conditions = 2 * n_points + 3 * thumbnail_size**2
        self.maps = _SpatialCondition(
            groups, n_points, thumbnail_size, 2.0 * sigma / image_size
        )
        m = self.maps.n_maps
        self.input = nn.Linear(n_latent + self.n_conditions, widths[0] * 16)
        self.stages = nn.ModuleList()
        for c_in, c in zip(widths[:-1], widths[1:]):  # 4 -> 8 -> ... -> S/2
            self.stages.append(
                nn.Sequential(
                    nn.ConvTranspose2d(c_in + m, c, 4, 2, 1, bias=False),
                    nn.BatchNorm2d(c),
                    nn.ReLU(inplace=True),
                )
            )
        self.to_image = nn.ConvTranspose2d(widths[-1] + m, n_channels, 4, 2, 1)
        self.apply(init_gan_weights)

    def _with_maps(self, h: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        return torch.cat([h, self.maps(condition, h.shape[-1])], dim=1)

    def forward(self, z: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        h = self.input(torch.cat([z, condition], dim=1))  # (N, c0 * 16)
        h = torch.relu(h).view(len(z), -1, 4, 4)  # (N, c0, 4, 4)
        for stage in self.stages:
            h = stage(self._with_maps(h, condition))  # (N, c_i, 2r, 2r)
        x = self.to_image(self._with_maps(h, condition))  # (N, C, S, S)
        return _activate(x, self.output)


class LandmarkDiscriminator(ProjectionDiscriminator):
    """Projection discriminator on the image stacked with its condition maps.

    The image ``(N, n_channels, S, S)`` is concatenated with the heat maps
    of the condition's landmarks (and its upsampled thumbnail), run through
    :class:`ProjectionDiscriminator`'s strided convolutions, and scored as
    ``psi(phi) + <V c, phi>``: a fake whose eyes are not where the maps say
    is easy to tell from a real face.

    Parameters
    ----------
    n_points : int
        Number of landmarks.
    groups : sequence of sequence of int
        Point indices of each heat-map channel.
    image_size : int, default=64
        Input side, a power of two >= 8.
    n_channels : int, default=3
        Image channels.
    width : int, default=64
        Channels of the first convolution.
    thumbnail_size : int, default=0
        Side of the thumbnail that ends the condition (0: none).
    sigma : float, default=1.0
        Width of the Gaussians in pixels.
    spectral_norm : bool, default=True
        Spectral norm on every convolution and linear layer.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import LandmarkDiscriminator
    >>> d = LandmarkDiscriminator(2, [[0], [1]], image_size=16, width=4)
    >>> d(torch.zeros(2, 3, 16, 16), torch.zeros(2, 4)).shape
    torch.Size([2])
    """

    def __init__(
        self,
        n_points: int,
        groups,
        image_size: int = 64,
        n_channels: int = 3,
        width: int = 64,
        thumbnail_size: int = 0,
        sigma: float = 1.0,
        spectral_norm: bool = True,
    ) -> None:
        groups = _check_groups(groups, n_points)
        maps = _SpatialCondition(
            groups, n_points, thumbnail_size, 2.0 * sigma / image_size
        )
        n_conditions = 2 * n_points + 3 * thumbnail_size**2
        super().__init__(
            n_conditions,
            image_size,
            n_channels + maps.n_maps,
            width,
            spectral_norm=spectral_norm,
            batch_norm=False,
        )
        self.maps = maps

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        maps = self.maps(condition, x.shape[-1])  # (N, m, S, S)
        return super().forward(torch.cat([x, maps], dim=1), condition)  # (N,)


class LandmarkRegressor(nn.Module):
    """Image to normalised landmark coordinates (a small strided CNN).

    Trained on real faces alongside the GAN, it scores how well a
    generated face follows its condition: the generator is penalised by
    the distance between the landmarks this net reads off the fake and
    the ones it was asked for. The image is first area-averaged to
    ``input_size`` (cheap at any ``image_size``), then stride-2 ``4x4``
    convolutions with leaky ReLU (``width`` channels first, doubling, up
    to ``8 * width``) reach ``4x4``, and a linear layer gives ``2 k``
    coordinates.

    Parameters
    ----------
    n_points : int
        Number of landmarks ``k``.
    image_size : int, default=64
        Input side, a power of two >= 8.
    n_channels : int, default=3
        Image channels.
    width : int, default=32
        Channels of the first convolution.
    input_size : int, default=32
        Side the image is reduced to first (at most ``image_size``).

    Examples
    --------
    >>> import torch
    >>> from skface.nn import LandmarkRegressor
    >>> LandmarkRegressor(5, image_size=16, width=4)(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 10])
    """

    def __init__(
        self,
        n_points: int,
        image_size: int = 64,
        n_channels: int = 3,
        width: int = 32,
        input_size: int = 32,
    ) -> None:
        super().__init__()
        self.size = min(int(image_size), int(input_size))
        layers: list[nn.Module] = []
        c_in = n_channels
        for c in _widths(self.size, width)[::-1]:  # size/2 -> 4 px
            layers += [nn.Conv2d(c_in, c, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
            c_in = c
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(c_in * 16, 2 * n_points)
        self.apply(init_gan_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.size:
            x = F.adaptive_avg_pool2d(x, self.size)  # (N, C, size, size)
        return self.head(self.body(x).flatten(1))  # (N, 2 k)
