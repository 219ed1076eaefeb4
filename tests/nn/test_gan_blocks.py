"""Pure-torch GAN building blocks: networks, layers, losses, DiffAugment, EMA."""

import io
import math
import pickle

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from skface.nn import (  # noqa: E402
    EMA,
    GAN_LOSSES,
    ConditionalBatchNorm2d,
    ConditionalGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    EqualizedConv2d,
    EqualizedLinear,
    FiLM,
    MinibatchStdDev,
    PixelNorm,
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    ProjectionDiscriminator,
    SpectralNorm,
    d_hinge_loss,
    d_nonsaturating_loss,
    d_wgan_loss,
    diff_augment,
    g_hinge_loss,
    g_nonsaturating_loss,
    g_wgan_loss,
    gradient_penalty,
    per_sample_grad_norm,
    progressive_sizes,
    r1_penalty,
)
from skface.nn._dcgan import _widths  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# --------------------------------------------------------------------------
# DCGAN generator and discriminators


@pytest.mark.parametrize("image_size", [32, 64, 128])
@pytest.mark.parametrize("n_channels", [1, 3])
@pytest.mark.parametrize("output, lo, hi", [("tanh", -1, 1), ("sigmoid", 0, 1)])
def test_dcgan_generator_shape_and_output_range(image_size, n_channels, output, lo, hi):
    g = DCGANGenerator(8, image_size, n_channels, width=2, output=output)
    x = g(10 * torch.randn(3, 8))
    assert x.shape == (3, n_channels, image_size, image_size)
    assert lo <= x.min() and x.max() <= hi
    assert x.min() < (lo + hi) / 2 < x.max()  # not a constant


def test_dcgan_widths_follow_the_paper():
    assert _widths(64, 64) == [512, 256, 128, 64]
    assert _widths(32, 8) == [32, 16, 8]
    assert _widths(128, 8) == [64, 64, 32, 16, 8]  # capped at 8 * width
    convs = [
        m
        for m in DCGANGenerator(100, 64, width=64).modules()
        if isinstance(m, nn.ConvTranspose2d)
    ]
    assert [m.out_channels for m in convs] == [512, 256, 128, 64, 3]


@pytest.mark.parametrize("bad", [4, 48, 0])
def test_bad_image_size_raises(bad):
    with pytest.raises(ValueError, match="image_size"):
        DCGANGenerator(8, bad)
    with pytest.raises(ValueError, match="image_size"):
        DCGANDiscriminator(bad)


def test_bad_output_and_conditioning_raise():
    with pytest.raises(ValueError, match="output"):
        DCGANGenerator(8, 32, output="relu")
    with pytest.raises(ValueError, match="conditioning"):
        ConditionalGenerator(8, 4, 32, conditioning="concat")


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_dcgan_discriminator_returns_one_logit_per_image(spectral_norm):
    d = DCGANDiscriminator(32, 1, width=4, spectral_norm=spectral_norm)
    out = d(torch.randn(5, 1, 32, 32))
    assert out.shape == (5,)
    n_sn = sum(isinstance(m, SpectralNorm) for m in d.modules())
    assert n_sn == (4 if spectral_norm else 0)  # 3 convs + the logit layer


def test_spectral_norm_bounds_the_logit_layer():
    d = DCGANDiscriminator(32, 3, width=4, spectral_norm=True, batch_norm=False)
    d.logit.layer.weight.data.mul_(50.0)
    d(torch.randn(2, 3, 32, 32))  # one power iteration (exact for a 1 x F map)
    weight = d.logit.normalized_weight()
    assert torch.linalg.norm(weight).item() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize(
    "layer",
    [
        nn.Conv2d(3, 5, 3, padding=1),
        nn.ConvTranspose2d(3, 5, 4, 2, 1),
        nn.Linear(6, 4),
    ],
)
def test_spectral_norm_divides_by_the_largest_singular_value(layer):
    torch.manual_seed(0)
    sn = SpectralNorm(layer)
    x = torch.randn(2, 3, 8, 8) if layer.weight.dim() == 4 else torch.randn(2, 6)
    for _ in range(50):  # power iterations converge
        sn(x)
    w = layer.weight.detach()
    mat = (w.transpose(0, 1) if isinstance(layer, nn.ConvTranspose2d) else w).flatten(1)
    sigma = torch.linalg.matrix_norm(mat, ord=2)
    torch.testing.assert_close(sn.normalized_weight(), w / sigma, rtol=1e-3, atol=1e-5)
    sn.eval()
    expected = layer.__class__.forward(layer, x) / 1.0  # plain layer output ...
    scaled = sn(x)  # ... equals the layer run with weight / sigma
    bias = layer.bias.detach().view(1, -1, *([1] * (x.dim() - 2)))
    torch.testing.assert_close(
        scaled - bias, (expected - bias) / sigma, rtol=1e-3, atol=1e-5
    )


def test_spectral_norm_inference_changes_no_state():
    sn = SpectralNorm(nn.Linear(4, 2)).eval()
    before = {k: v.clone() for k, v in sn.state_dict().items()}
    sn(torch.randn(3, 4))
    after = sn.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert set(vars(sn.layer)) == set(vars(nn.Linear(4, 2)))  # nothing cached


def test_spectrally_normalised_discriminator_pickles():
    # skorch pickles its nets: the parametrization-based spectral norm
    # raised "Serialization of parametrized modules is only supported
    # through state_dict()".
    d = DCGANDiscriminator(16, 3, width=2, spectral_norm=True).eval()
    x = torch.randn(2, 3, 16, 16)
    restored = pickle.loads(pickle.dumps(d))
    torch.testing.assert_close(restored(x), d(x))


def test_projection_discriminator_is_affine_in_the_condition():
    # logit = psi(phi(x)) + <V c, phi(x)>: affine in c, psi(phi(x)) at c = 0
    d = ProjectionDiscriminator(6, image_size=16, n_channels=3, width=4).eval()
    x = torch.randn(4, 3, 16, 16)
    c1, c2 = torch.randn(4, 6), torch.randn(4, 6)
    zero = torch.zeros(4, 6)
    lhs = d(x, c1 + c2) - d(x, c2)
    rhs = d(x, c1) - d(x, zero)
    torch.testing.assert_close(lhs, rhs, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(d(x, zero), d.logit(d.features(x))[:, 0])
    assert (d(x, c1) - d(x, zero)).abs().min() > 1e-4  # the condition matters


# --------------------------------------------------------------------------
# conditional generator: FiLM / conditional batch norm


def test_film_starts_as_identity_and_applies_scale_and_shift():
    film = FiLM(2, 3)
    h = torch.randn(2, 2, 3, 3)
    e = torch.randn(2, 3)
    torch.testing.assert_close(film(h, e), h)
    with torch.no_grad():
        film.affine.bias.copy_(torch.tensor([1.0, -0.5, 2.0, 3.0]))
    out = film(h, e)  # gamma = (1, -0.5), beta = (2, 3)
    torch.testing.assert_close(out[:, 0], 2 * h[:, 0] + 2)
    torch.testing.assert_close(out[:, 1], 0.5 * h[:, 1] + 3)


def test_conditional_batch_norm_starts_as_plain_batch_norm():
    cbn = ConditionalBatchNorm2d(3, 4)
    h = 5 + 2 * torch.randn(6, 3, 4, 4)
    expected = F.batch_norm(h, None, None, training=True)
    torch.testing.assert_close(cbn(h, torch.randn(6, 4)), expected)


@pytest.mark.parametrize("conditioning", ["cbn", "film"])
def test_conditional_generator_uses_its_condition(conditioning):
    g = ConditionalGenerator(8, 5, 16, 3, width=4, conditioning=conditioning)
    g.eval()
    z = torch.randn(3, 8).repeat(2, 1)
    c = torch.randn(6, 5)
    c[3:] = c[:3] + 1.0  # same z, other conditions
    x = g(z, c)
    assert x.shape == (6, 3, 16, 16)
    assert (x[:3] - x[3:]).abs().amax(dim=(1, 2, 3)).min() > 1e-4
    torch.testing.assert_close(g(z[:3], c[:3]), x[:3])  # deterministic


def test_condition_reaches_the_blocks_not_only_the_input():
    g = ConditionalGenerator(8, 5, 16, 1, width=4, conditioning="film").eval()
    with torch.no_grad():
        g.input.weight[:, 8:] = 0  # cut the concatenation path
    z = torch.randn(2, 8)
    c1, c2 = torch.randn(2, 5), torch.randn(2, 5)
    torch.testing.assert_close(g(z, c1), g(z, c2))  # FiLM starts at identity
    with torch.no_grad():
        g.norms[1].film.affine.weight.normal_()
    assert (g(z, c1) - g(z, c2)).abs().max() > 1e-4


def test_film_generator_is_batch_independent_cbn_is_not():
    z, c = torch.randn(4, 8), torch.randn(4, 5)
    film = ConditionalGenerator(8, 5, 16, 1, width=4, conditioning="film")
    torch.testing.assert_close(film(z, c)[:1], film(z[:1], c[:1]))
    cbn = ConditionalGenerator(8, 5, 16, 1, width=4, conditioning="cbn")
    assert (cbn(z, c)[:2] - cbn(z[:2], c[:2])).abs().max() > 1e-4


# --------------------------------------------------------------------------
# progressive GAN layers


def test_equalized_linear_scales_weights_at_run_time():
    layer = EqualizedLinear(4, 2, gain=2.0)
    assert layer.weight.std().item() > 0.3  # stored as N(0, 1) draws
    with torch.no_grad():
        layer.weight.fill_(1.0)
        layer.bias.fill_(0.5)
    # 4 inputs of 1 x weight 1 x (2 / sqrt(4)) + 0.5
    torch.testing.assert_close(layer(torch.ones(1, 4)), torch.full((1, 2), 4.5))


def test_equalized_conv_scales_weights_at_run_time():
    conv = EqualizedConv2d(2, 1, 3, gain=1.0)
    with torch.no_grad():
        conv.weight.fill_(1.0)
    out = conv(torch.ones(1, 2, 5, 5))
    assert out.shape == (1, 1, 5, 5)
    assert out[0, 0, 2, 2].item() == pytest.approx(18 / math.sqrt(18))
    assert out[0, 0, 0, 0].item() == pytest.approx(8 / math.sqrt(18))  # padded


def test_pixel_norm_gives_unit_mean_square_per_pixel():
    x = torch.zeros(1, 2, 1, 2)
    x[0, :, 0, 0] = torch.tensor([3.0, 4.0])
    x[0, :, 0, 1] = torch.tensor([1.0, 1.0])
    out = PixelNorm()(x)
    torch.testing.assert_close(
        out[0, :, 0, 0], torch.tensor([3.0, 4.0]) / math.sqrt(12.5)
    )
    torch.testing.assert_close(out[0, :, 0, 1], torch.tensor([1.0, 1.0]))


def test_minibatch_stddev_known_values():
    x = torch.tensor([0.0, 2.0, 1.0, 1.0]).view(4, 1, 1, 1)
    out = MinibatchStdDev(group_size=2, eps=0.0)(x)
    assert out.shape == (4, 2, 1, 1)
    # groups (0, 2) and (1, 1): biased std 1 and 0
    torch.testing.assert_close(out[:, 1, 0, 0], torch.tensor([1.0, 1.0, 0.0, 0.0]))
    # averaged over C x H x W; N = 3 -> one group of 3
    y = torch.zeros(3, 2, 2, 2)
    y[0, 0, 0, 0], y[1, 0, 0, 0] = 3.0, -3.0  # std sqrt(6) at 1 of 8 cells
    out = MinibatchStdDev(group_size=4, eps=0.0)(y)
    torch.testing.assert_close(out[:, 2], torch.full((3, 2, 2), math.sqrt(6) / 8))


def test_progressive_sizes():
    assert progressive_sizes(64) == [4, 8, 16, 32, 64]
    assert progressive_sizes(128)[-1] == 128
    with pytest.raises(ValueError, match="max_size"):
        progressive_sizes(48)
    with pytest.raises(ValueError, match="max_size"):
        progressive_sizes(0)


def test_progressive_networks_run_at_every_size_and_alpha():
    g = ProgressiveGenerator(8, 5, max_size=32, n_channels=3, width=8)
    d = ProgressiveDiscriminator(5, max_size=32, n_channels=3, width=8)
    z, c = torch.randn(4, 8), torch.randn(4, 5)
    for size in [4, 8, 16, 32]:
        for alpha in [0.0, 0.3, 1.0]:
            x = g(z, c, size=size, alpha=alpha)
            assert x.shape == (4, 3, size, size)
            assert d(x, c, alpha=alpha).shape == (4,)
    assert g(z, c).shape == (4, 3, 32, 32)  # size=None: the largest
    with pytest.raises(ValueError, match="size"):
        g(z, c, size=12)


def test_progressive_128_is_configurable():
    g = ProgressiveGenerator(4, 0, max_size=128, n_channels=1, width=4)
    d = ProgressiveDiscriminator(0, max_size=128, n_channels=1, width=4)
    x = g(torch.randn(2, 4))
    assert x.shape == (2, 1, 128, 128)
    assert d(x).shape == (2,)


def test_generator_fade_in_endpoints():
    g = ProgressiveGenerator(8, 3, max_size=16, width=8)
    z, c = torch.randn(2, 8), torch.randn(2, 3)
    low = g(z, c, size=8, alpha=1.0)
    at_zero = g(z, c, size=16, alpha=0.0)
    torch.testing.assert_close(at_zero, F.interpolate(low, scale_factor=2.0))
    half = g(z, c, size=16, alpha=0.5)
    full = g(z, c, size=16, alpha=1.0)
    torch.testing.assert_close(half, 0.5 * full + 0.5 * at_zero)


def test_discriminator_fade_in_endpoints():
    d = ProgressiveDiscriminator(3, max_size=16, width=8)
    x, c = torch.randn(4, 3, 16, 16), torch.randn(4, 3)
    torch.testing.assert_close(d(x, c, alpha=0.0), d(F.avg_pool2d(x, 2), c, alpha=1.0))
    assert (d(x, c, alpha=1.0) - d(x, c, alpha=0.0)).abs().max() > 1e-5


def test_progressive_conditioning_is_used():
    g = ProgressiveGenerator(8, 3, max_size=8, width=8)
    d = ProgressiveDiscriminator(3, max_size=8, width=8)
    z = torch.randn(2, 8)
    c1, c2 = torch.randn(2, 3), torch.randn(2, 3)
    assert (g(z, c1) - g(z, c2)).abs().max() > 1e-4
    x = torch.randn(2, 3, 8, 8)
    # projection: affine in c
    lhs = d(x, c1 + c2) - d(x, c2)
    rhs = d(x, c1) - d(x, torch.zeros(2, 3))
    torch.testing.assert_close(lhs, rhs, atol=1e-5, rtol=1e-5)
    assert (d(x, c1) - d(x, c2)).abs().max() > 1e-4


# --------------------------------------------------------------------------
# losses


def test_loss_values():
    real, fake = torch.tensor([2.0, 0.5]), torch.tensor([-2.0, 0.0])
    assert d_hinge_loss(real, fake).item() == pytest.approx(0.25 + 0.5)
    assert g_hinge_loss(fake).item() == pytest.approx(1.0)
    z = torch.zeros(3)
    assert d_nonsaturating_loss(z, z).item() == pytest.approx(2 * math.log(2))
    assert g_nonsaturating_loss(z).item() == pytest.approx(math.log(2))
    r, f = torch.randn(7), torch.randn(7)
    bce = F.binary_cross_entropy_with_logits
    expected = bce(r, torch.ones(7)) + bce(f, torch.zeros(7))
    torch.testing.assert_close(d_nonsaturating_loss(r, f), expected)
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 2.0])
    # 1 - 2 + 0.001 * (1 + 9) / 2
    assert d_wgan_loss(real, fake).item() == pytest.approx(-0.995)
    assert d_wgan_loss(real, fake, drift=0.0).item() == pytest.approx(-1.0)
    assert g_wgan_loss(fake).item() == pytest.approx(-1.0)
    assert set(GAN_LOSSES) == {"hinge", "nonsaturating", "wgan"}


def _linear_critic(w, s):
    """D(x)_i = s_i * sum(w * x_i): per-sample gradient s_i * w."""
    return lambda x: s * (x * w).flatten(1).sum(1)


def _seed_gradient_penalty(critic, real, fake, generator):
    """The seed port's penalty: norm over the channel axis only."""
    eps = torch.rand(real.shape[0], 1, 1, 1, generator=generator)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    return (grad.norm(2, dim=1) - 1).pow(2).mean()  # one norm per pixel


def test_gradient_penalty_norm_is_per_sample_over_chw():
    gen = torch.Generator().manual_seed(0)
    w = torch.randn(3, 4, 4, generator=gen)
    s = torch.tensor([1.0, 2.0, -0.5])
    real, fake = torch.randn(3, 3, 4, 4), torch.randn(3, 3, 4, 4)
    critic = _linear_critic(w, s)
    x = real.clone().requires_grad_(True)
    norms = per_sample_grad_norm(critic(x), x)
    torch.testing.assert_close(norms, s.abs() * w.norm())
    per_channel = w.norm(dim=0)  # what a channel-only norm sees, (H, W)
    assert (per_channel - w.norm()).abs().min() > 0.1
    gp = gradient_penalty(critic, real, fake, generator=gen)
    expected = ((s.abs() * w.norm() - 1) ** 2).mean()
    assert gp.item() == pytest.approx(expected.item(), rel=1e-5)


def test_gradient_penalty_differs_from_seed_channel_only_version():
    # ||w|| = 1 over C x H x W: the right penalty is 0, the seed's is not
    w = torch.randn(3, 4, 4)
    w = w / w.norm()
    critic = _linear_critic(w, torch.ones(2))
    real, fake = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 4, 4)
    gp = gradient_penalty(critic, real, fake, generator=torch.Generator())
    assert gp.item() == pytest.approx(0.0, abs=1e-10)
    seed = _seed_gradient_penalty(critic, real, fake, torch.Generator())
    expected_seed = ((w.norm(dim=0) - 1) ** 2).mean()
    assert seed.item() == pytest.approx(expected_seed.item(), rel=1e-5)
    assert seed.item() > 0.5


def test_gradient_penalty_interpolates_per_sample_with_the_generator():
    # D(x) = sum(x**2) / 2 -> gradient x_hat; real = 1, fake = 0 -> eps_i
    n, shape = 5, (2, 3, 3)
    critic = lambda x: 0.5 * x.pow(2).flatten(1).sum(1)  # noqa: E731
    real, fake = torch.ones(n, *shape), torch.zeros(n, *shape)
    gp = gradient_penalty(
        critic, real, fake, generator=torch.Generator().manual_seed(3)
    )
    eps = torch.rand(n, generator=torch.Generator().manual_seed(3))
    expected = ((eps * math.sqrt(18) - 1) ** 2).mean()
    assert gp.item() == pytest.approx(expected.item(), rel=1e-5)


def test_gradient_penalty_backpropagates_to_the_critic():
    w = nn.Parameter(torch.randn(1, 2, 2))
    critic = lambda x: (x * w).flatten(1).sum(1)  # noqa: E731
    gp = gradient_penalty(critic, torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2))
    gp.backward()
    norm = w.detach().norm()
    # d/dw (||w|| - 1)**2 = 2 (||w|| - 1) w / ||w||
    torch.testing.assert_close(w.grad, 2 * (norm - 1) * w.detach() / norm)


@pytest.mark.parametrize("kind", ["projection", "progressive"])
def test_penalties_backpropagate_through_the_discriminators(kind):
    c = torch.randn(4, 6)
    if kind == "projection":  # spectral norm in training mode
        d = ProjectionDiscriminator(6, image_size=16, n_channels=3, width=4)
    else:  # equalised layers, minibatch stddev, fade-in
        d = ProgressiveDiscriminator(6, max_size=16, width=8)
    real, fake = torch.randn(4, 3, 16, 16), torch.randn(4, 3, 16, 16)
    gp = gradient_penalty(lambda x: d(x, c), real, fake)
    real.requires_grad_(True)
    r1 = r1_penalty(d(real, c), real)
    (gp + r1).backward()
    grads = {k: p.grad for k, p in d.named_parameters() if p.grad is not None}
    assert all(torch.isfinite(g).all() for g in grads.values())
    # every weight on the path from the image and the condition is reached
    # (not the logit's bias, nor the from_rgb layers of other sizes)
    used = [k for k in dict(d.named_parameters()) if "weight" in k or "original" in k]
    if kind == "progressive":
        used = [k for k in used if not k.startswith(("from_rgb.0", "from_rgb.1"))]
    assert all(grads[k].abs().sum() > 0 for k in used), sorted(set(used) - set(grads))


def test_r1_penalty_known_value():
    w = torch.randn(2, 3, 3)
    s = torch.tensor([1.0, 3.0])
    real = torch.randn(2, 2, 3, 3).requires_grad_(True)
    scores = _linear_critic(w, s)(real)
    r1 = r1_penalty(scores, real)
    expected = ((s * w.norm()) ** 2).mean()
    assert r1.item() == pytest.approx(expected.item(), rel=1e-5)


# --------------------------------------------------------------------------
# DiffAugment

POLICIES = ["color", "brightness", "saturation", "contrast", "translation", "cutout"]


@pytest.mark.parametrize("policy", [*POLICIES, "color,translation,cutout"])
@pytest.mark.parametrize("n_channels", [1, 3])
def test_diff_augment_keeps_shapes_and_passes_gradients(policy, n_channels):
    x = torch.rand(4, n_channels, 8, 12).mul(2).sub(1).requires_grad_(True)
    out = diff_augment(x, policy, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    if policy == "saturation" and n_channels == 1:
        torch.testing.assert_close(out, x)  # grey stays grey
    else:
        assert (out - x).abs().max() > 1e-3  # it did something
    out.pow(2).sum().backward()
    assert torch.isfinite(x.grad).all()
    assert x.grad.abs().sum() > 0


def test_diff_augment_is_deterministic_given_a_generator():
    x = torch.randn(6, 3, 8, 8)
    a = diff_augment(x, generator=torch.Generator().manual_seed(1))
    b = diff_augment(x, generator=torch.Generator().manual_seed(1))
    c = diff_augment(x, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert (a - c).abs().max() > 1e-3


def test_diff_augment_acts_the_same_on_every_channel():
    grey = torch.rand(5, 1, 8, 8) * 2 - 1
    out = diff_augment(grey.expand(5, 3, 8, 8), generator=torch.Generator())
    torch.testing.assert_close(out[:, 0], out[:, 1])
    torch.testing.assert_close(out[:, 0], out[:, 2])


def test_diff_augment_colour_transforms_keep_their_invariants():
    x = torch.rand(6, 3, 5, 5) * 2 - 1
    gen = torch.Generator().manual_seed(0)
    shift = diff_augment(x, "brightness", generator=gen) - x  # constant / sample
    assert (shift.flatten(1).std(1) < 1e-6).all()
    assert (shift.abs() <= 0.5).all() and shift.abs().max() > 0.05
    sat = diff_augment(x, "saturation", generator=gen)
    torch.testing.assert_close(sat.mean(1), x.mean(1))  # grey level kept
    con = diff_augment(x, "contrast", generator=gen)
    torch.testing.assert_close(con.mean((1, 2, 3)), x.mean((1, 2, 3)))


def _shift(img, dy, dx):
    out = torch.zeros_like(img)
    h, w = img.shape[-2:]
    src = img[..., max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)]
    out[..., max(dy, 0) : h - max(-dy, 0), max(dx, 0) : w - max(-dx, 0)] = src
    return out


def test_diff_augment_translation_is_a_zero_filled_shift():
    x = torch.rand(12, 2, 8, 8) + 1  # strictly positive
    out = diff_augment(x, "translation", translation=0.25, generator=torch.Generator())
    shifts = []
    for i in range(len(x)):
        found = [
            (dy, dx)
            for dy in range(-2, 3)
            for dx in range(-2, 3)
            if torch.equal(out[i], _shift(x[i], dy, dx))
        ]
        assert len(found) == 1, i
        shifts.append(found[0])
    assert len(set(shifts)) > 1


def test_diff_augment_returns_the_shift_it_applied():
    x = torch.rand(8, 1, 8, 8) + 1
    gen = torch.Generator().manual_seed(4)
    out, shift = diff_augment(
        x, "translation", translation=0.25, generator=gen, return_shift=True
    )
    assert shift.shape == (8, 2) and shift.abs().max() <= 2
    for img, src, (dx, dy) in zip(out, x, shift.tolist()):
        assert torch.equal(img, _shift(src, dy, dx))
    # same draws with and without return_shift; none without translation
    again = diff_augment(
        x, "translation", translation=0.25, generator=gen.manual_seed(4)
    )
    assert torch.equal(again, out)
    _, none = diff_augment(x, "color,cutout", return_shift=True)
    assert not none.any()


def test_diff_augment_cutout_zeroes_one_square():
    x = torch.ones(16, 1, 8, 8)
    out = diff_augment(x, "cutout", cutout=0.5, generator=torch.Generator())
    sides = []
    for img in out[:, 0]:
        rows, cols = torch.nonzero(img == 0, as_tuple=True)
        assert set(img.unique().tolist()) <= {0.0, 1.0}
        h = rows.max() - rows.min() + 1
        w = cols.max() - cols.min() + 1
        assert len(rows) == h * w <= 16  # a rectangle, at most 4 x 4
        sides.append((h.item(), w.item()))
    assert (4, 4) in sides


def test_diff_augment_bad_or_empty_policy():
    x = torch.randn(2, 3, 4, 4)
    with pytest.raises(ValueError, match="flip"):
        diff_augment(x, "color,flip")
    assert diff_augment(x, "") is x


# --------------------------------------------------------------------------
# EMA


def _net():
    net = nn.Sequential(nn.Linear(1, 1, bias=False), nn.BatchNorm1d(1))
    with torch.no_grad():
        net[0].weight.fill_(0.0)
    return net


def test_ema_known_numbers_and_buffers_copied():
    net = _net()
    ema = EMA(net, decay=0.75)
    with torch.no_grad():
        net[0].weight.fill_(4.0)
        net[1].running_mean.fill_(8.0)
        net[1].num_batches_tracked.fill_(5)
    ema.update(net)
    assert ema.shadow["0.weight"].item() == 1.0  # 0.75 * 0 + 0.25 * 4
    assert ema.shadow["1.running_mean"].item() == 8.0  # copied, not averaged
    assert ema.shadow["1.num_batches_tracked"].item() == 5
    ema.update(net)
    assert ema.shadow["0.weight"].item() == 1.75  # 0.75 * 1 + 0.25 * 4
    assert net[0].weight.item() == 4.0  # the trained module is untouched
    target = _net()
    assert ema.copy_to(target) is target
    assert target[0].weight.item() == 1.75
    assert target[1].running_mean.item() == 8.0
    with torch.no_grad():
        target[0].weight.fill_(-1.0)
    assert ema.shadow["0.weight"].item() == 1.75  # no aliasing


def test_ema_state_dict_round_trip():
    net = _net()
    ema = EMA(net, decay=0.5)
    with torch.no_grad():
        net[0].weight.fill_(2.0)
    ema.update(net)
    buf = io.BytesIO()
    torch.save(ema.state_dict(), buf)
    buf.seek(0)
    other = EMA(_net(), decay=0.9)
    other.load_state_dict(torch.load(buf, weights_only=True))
    assert other.decay == 0.5
    assert other.shadow["0.weight"].item() == 1.0
    with pytest.raises(ValueError, match="keys"):
        other.load_state_dict({"decay": 0.5, "shadow": {}})


def test_ema_bad_decay_raises():
    with pytest.raises(ValueError, match="decay"):
        EMA(_net(), decay=1.5)


def test_ema_follows_a_spectral_norm_discriminator():
    d = DCGANDiscriminator(8, 1, width=2, spectral_norm=True)
    ema = EMA(d, decay=0.0)  # decay 0: the average is the last state
    d(torch.randn(2, 1, 8, 8))  # power iteration moves the u vectors
    with torch.no_grad():
        for p in d.parameters():
            p.add_(1.0)
    ema.update(d)
    copy = EMA(d, 0.0).copy_to(DCGANDiscriminator(8, 1, width=2, spectral_norm=True))
    ema.copy_to(copy)
    for (k, a), b in zip(d.state_dict().items(), copy.state_dict().values()):
        torch.testing.assert_close(a, b, msg=k)
