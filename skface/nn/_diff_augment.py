"""Differentiable augmentation for data-efficient GAN training (pure torch).

DiffAugment (Zhao et al., 2020): the discriminator sees real *and*
generated images through the same family of random transforms, and the
transforms are differentiable, so the generator is trained through them.
With a few thousand faces this keeps the discriminator from memorising
the training set. The transforms follow the paper's reference code, on
images in ``[-1, 1]``:

* ``'brightness'``: add ``U(-0.5, 0.5)``;
* ``'saturation'``: scale the distance to the grey (channel mean) value by
  ``U(0, 2)``;
* ``'contrast'``: scale the distance to the image mean by ``U(0.5, 1.5)``;
* ``'color'``: the three above, in that order;
* ``'translation'``: shift by whole pixels, up to ``translation`` of the
  size, filling with zeros;
* ``'cutout'``: zero a square of side ``cutout`` of the size at a random
  centre (it may reach past the border).

Each sample draws its own parameters, and every transform acts the same
on all its channels and pixels (a grey image stays grey). ``generator``
makes the draws reproducible.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["AUGMENT_POLICIES", "diff_augment"]

#: Transform names accepted in :func:`diff_augment`'s ``policy``.
AUGMENT_POLICIES = (
    "color",
    "brightness",
    "saturation",
    "contrast",
    "translation",
    "cutout",
)


def _parse(policy) -> list[str]:
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = [p.strip() for p in names if p.strip()]
    for p in names:
        if p not in AUGMENT_POLICIES:
            raise ValueError(
                f"unknown augmentation {p!r} in policy; use {AUGMENT_POLICIES}"
            )
    out: list[str] = []
    for p in names:
        out += ["brightness", "saturation", "contrast"] if p == "color" else [p]
    return out


def _where(generator) -> torch.device:
    """Draw on the generator's device (CPU for the global generator)."""
    return generator.device if generator is not None else torch.device("cpu")


def _uniform(n: int, generator, like: torch.Tensor) -> torch.Tensor:
    u = torch.rand(n, 1, 1, 1, generator=generator, device=_where(generator))
    return u.to(like)  # (N, 1, 1, 1)


def _randint(lo: int, hi: int, n: int, generator, like: torch.Tensor):
    out = torch.randint(lo, hi, (n,), generator=generator, device=_where(generator))
    return out.to(like.device)  # (N,)


def _translate(x: torch.Tensor, ratio: float, generator):
    n, c, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = _randint(-sy, sy + 1, n, generator, x)
    dx = _randint(-sx, sx + 1, n, generator, x)
    padded = F.pad(x, (sx, sx, sy, sy))  # (N, C, H + 2sy, W + 2sx), zeros
    rows = torch.arange(h, device=x.device) - dy.view(-1, 1) + sy  # (N, H)
    cols = torch.arange(w, device=x.device) - dx.view(-1, 1) + sx  # (N, W)
    out = padded[
        torch.arange(n, device=x.device).view(-1, 1, 1, 1),
        torch.arange(c, device=x.device).view(1, -1, 1, 1),
        rows.view(n, 1, h, 1),
        cols.view(n, 1, 1, w),
    ]  # (N, C, H, W): out[r, c] = x[r - dy, c - dx]
    return out, torch.stack([dx, dy], dim=1)  # (N, 2) as (x, y)


def _cutout(x: torch.Tensor, ratio: float, generator) -> torch.Tensor:
    n, _, h, w = x.shape
    kh, kw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = _randint(0, h, n, generator, x)
    cx = _randint(0, w, n, generator, x)
    r = torch.arange(h, device=x.device) - (cy.view(-1, 1) - kh // 2)  # (N, H)
    q = torch.arange(w, device=x.device) - (cx.view(-1, 1) - kw // 2)  # (N, W)
    inside = ((r >= 0) & (r < kh))[:, :, None] & ((q >= 0) & (q < kw))[:, None]
    return x * (~inside).to(x.dtype)[:, None]  # (N, C, H, W)


def diff_augment(
    x: torch.Tensor,
    policy="color,translation,cutout",
    *,
    translation: float = 0.125,
    cutout: float = 0.5,
    generator: torch.Generator | None = None,
    return_shift: bool = False,
):
    """Randomly transform a batch, differentiably (DiffAugment).

    Apply it to the real and to the generated batch before every
    discriminator call, in the discriminator's and the generator's steps.

    Parameters
    ----------
    x : Tensor of shape (N, C, H, W)
        Images in ``[-1, 1]``.
    policy : str or sequence of str, default='color,translation,cutout'
        Comma-separated transform names, applied in order; see
        :data:`AUGMENT_POLICIES` and the module docstring. ``''``: none.
    translation : float, default=0.125
        Largest shift as a fraction of the height and width.
    cutout : float, default=0.5
        Side of the cut-out square as a fraction of the height and width.
    generator : torch.Generator, default=None
        Source of the random draws (``None``: torch's global CPU
        generator); the draws are made on its device and moved to ``x``'s.
    return_shift : bool, default=False
        Also return each image's translation, so that conditions tied to
        pixel positions (landmarks) can be moved with the image; otherwise
        a conditional discriminator sees landmarks off by up to the shift.

    Returns
    -------
    Tensor of shape (N, C, H, W)
        Differentiable w.r.t. ``x``.
    shift : LongTensor of shape (N, 2)
        Only with ``return_shift``: the ``(dx, dy)`` pixel shift of each
        image (pixel ``(x, y)`` moved to ``(x + dx, y + dy)``), zero
        without ``'translation'``.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import diff_augment
    >>> diff_augment(torch.zeros(2, 3, 8, 8)).shape
    torch.Size([2, 3, 8, 8])
    """
    n = x.shape[0]
    shift = torch.zeros(n, 2, dtype=torch.long, device=x.device)
    for p in _parse(policy):
        if p == "brightness":
            x = x + (_uniform(n, generator, x) - 0.5)
        elif p == "saturation":
            mean = x.mean(dim=1, keepdim=True)  # (N, 1, H, W)
            x = (x - mean) * (_uniform(n, generator, x) * 2) + mean
        elif p == "contrast":
            mean = x.mean(dim=(1, 2, 3), keepdim=True)  # (N, 1, 1, 1)
            x = (x - mean) * (_uniform(n, generator, x) + 0.5) + mean
        elif p == "translation":
            x, step = _translate(x, translation, generator)
            shift = shift + step
        else:
            x = _cutout(x, cutout, generator)
    return (x, shift) if return_shift else x
