"""GAN losses and gradient regularisers as pure functions of logits.

Every loss takes the discriminator's raw outputs (``(N,)`` logits or
critic scores) and returns a scalar averaged over the batch; the
regularisers return the penalty *without* its weight (the estimator
multiplies: ``10 * gradient_penalty(...)``, ``gamma / 2 * r1_penalty(...)``).

The gradient norms are taken **per sample over all of C x H x W**, as in
Gulrajani et al. (2017) and Mescheder et al. (2018). (The seed's port took
the norm over the channel axis only, one norm per pixel, which penalises
something else: a critic whose per-sample gradient has unit norm gets a
non-zero penalty, and one that should be penalised may not be.)
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "GAN_LOSSES",
    "d_hinge_loss",
    "d_nonsaturating_loss",
    "d_wgan_loss",
    "g_hinge_loss",
    "g_nonsaturating_loss",
    "g_wgan_loss",
    "gradient_penalty",
    "per_sample_grad_norm",
    "r1_penalty",
]


def d_hinge_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """``mean(relu(1 - D(x))) + mean(relu(1 + D(G(z))))`` (Lim & Ye, 2017)."""
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def g_hinge_loss(fake: torch.Tensor) -> torch.Tensor:
    """``-mean(D(G(z)))``: the generator's side of the hinge loss."""
    return -fake.mean()


def d_nonsaturating_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on logits: ``softplus(-D(x)) + softplus(D(G(z)))``."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def g_nonsaturating_loss(fake: torch.Tensor) -> torch.Tensor:
    """``mean(softplus(-D(G(z))))`` = ``-log sigmoid(D(G(z)))`` (Goodfellow)."""
    return F.softplus(-fake).mean()


def d_wgan_loss(
    real: torch.Tensor, fake: torch.Tensor, drift: float = 1e-3
) -> torch.Tensor:
    """Wasserstein critic loss with the drift term of Karras et al. (2018).

    ``mean(D(G(z))) - mean(D(x)) + drift * mean(D(x)**2)``; the drift keeps
    the scores near zero. Add the gradient penalty separately.
    """
    return fake.mean() - real.mean() + drift * real.pow(2).mean()


def g_wgan_loss(fake: torch.Tensor) -> torch.Tensor:
    """``-mean(D(G(z)))``."""
    return -fake.mean()


#: Generator and discriminator loss pairs by name.
GAN_LOSSES = {
    "hinge": (g_hinge_loss, d_hinge_loss),
    "nonsaturating": (g_nonsaturating_loss, d_nonsaturating_loss),
    "wgan": (g_wgan_loss, d_wgan_loss),
}


def per_sample_grad_norm(
    scores: torch.Tensor, inputs: torch.Tensor, create_graph: bool = True
) -> torch.Tensor:
    """``||d scores_i / d inputs_i||`` over all non-batch axes, ``(N,)``.

    ``scores`` ``(N,)`` must come from ``inputs`` ``(N, C, H, W)`` (with
    ``requires_grad``) through a network whose samples do not interact
    (no batch norm); the gradient of ``scores.sum()`` then holds each
    sample's own gradient in its row. (A minibatch-stddev layer couples
    the samples weakly; Karras et al. accept that.)
    """
    (grad,) = torch.autograd.grad(
        scores.sum(), inputs, create_graph=create_graph, retain_graph=True
    )
    return grad.flatten(1).norm(2, dim=1)  # (N,), over C x H x W


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    target: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty ``mean_i (||grad D(x_hat_i)|| - target)**2``.

    ``x_hat_i = eps_i * real_i + (1 - eps_i) * fake_i`` with one
    ``eps_i ~ U(0, 1)`` per sample; the norm is over the sample's whole
    ``C x H x W`` gradient (Gulrajani et al., 2017).

    Parameters
    ----------
    critic : callable
        Maps ``(N, C, H, W)`` images to ``(N,)`` scores (wrap a conditional
        critic: ``lambda x: d(x, c)``).
    real, fake : Tensor of shape (N, C, H, W)
        Real and generated images (``fake`` is detached here).
    target : float, default=1.0
        Wanted gradient norm (Karras et al. use 1; some use 750 with
        ``gamma`` scaling).
    generator : torch.Generator, default=None
        Source of the mixing weights, drawn on its device (``None``:
        torch's global CPU generator).

    Returns
    -------
    penalty : Tensor
        Scalar, differentiable w.r.t. the critic's parameters.
    """
    n = real.shape[0]
    where = generator.device if generator is not None else torch.device("cpu")
    eps = torch.rand(n, 1, 1, 1, generator=generator, device=where).to(real)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    norms = per_sample_grad_norm(critic(x_hat), x_hat)
    return (norms - target).pow(2).mean()


def r1_penalty(real_scores: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """R1 penalty ``mean_i ||grad D(x_i)||**2`` on real images (Mescheder).

    Parameters
    ----------
    real_scores : Tensor of shape (N,)
        ``D(real)``, computed from ``real`` with ``requires_grad`` set, so
        the same forward pass serves the loss and the penalty.
    real : Tensor of shape (N, C, H, W)
        The real images.

    Returns
    -------
    penalty : Tensor
        Scalar; the usual weight is ``gamma / 2``.
    """
    return per_sample_grad_norm(real_scores, real).pow(2).mean()
