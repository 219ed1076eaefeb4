"""The DeepFakes network, its masked loss and the random-warp augmentation."""

import pytest

torch = pytest.importorskip("torch")

from skface.nn import (  # noqa: E402
    FaceSwapNet,
    SwapEncoder,
    masked_reconstruction_loss,
    random_warp,
)


@pytest.fixture
def net():
    torch.manual_seed(0)
    return FaceSwapNet(3, image_size=16, width=4, max_channels=16, n_latent=8).eval()


def test_each_row_goes_through_its_own_decoder(net):
    x = torch.rand(5, 3, 16, 16)
    identity = torch.tensor([0, 2, 1, 2, 0])
    out = net(x, identity)
    code = net.encoder(x)
    for i, k in enumerate(identity.tolist()):
        expected = net.decoders[k](code[i : i + 1])
        torch.testing.assert_close(out[i : i + 1], expected)
    assert out.min() >= 0 and out.max() <= 1


def test_weights_blend_the_decoders(net):
    x = torch.rand(2, 3, 16, 16)
    code = net.encoder(x)
    blend = net(x, torch.tensor([[0.5, 0.0, 0.5]] * 2))
    expected = 0.5 * net.decoders[0](code) + 0.5 * net.decoders[2](code)
    torch.testing.assert_close(blend, expected)
    one_hot = net(x, torch.tensor([[0.0, 1.0, 0.0]] * 2))
    torch.testing.assert_close(one_hot, net(x, torch.tensor([1, 1])))
    with pytest.raises(ValueError, match="all zero"):
        net(x, torch.zeros(2, 3))


def test_encoder_sizes_and_bad_size():
    enc = SwapEncoder(3, input_size=32, width=4, max_channels=8, n_latent=5)
    assert enc(torch.rand(2, 3, 32, 32)).shape == (2, enc.out_channels, 8, 8)
    assert enc.bottleneck.out_features == 5
    with pytest.raises(ValueError, match="4 times a power of two"):
        SwapEncoder(3, input_size=24)


def test_masked_loss_ignores_zero_weight_pixels():
    pred = torch.zeros(2, 3, 16, 16)
    target = torch.zeros(2, 3, 16, 16)
    target[..., :8] = 1.0  # wrong on the left half only
    weight = torch.zeros(2, 1, 16, 16)
    weight[..., 8:] = 1.0
    assert float(masked_reconstruction_loss(pred, target, weight)) == 0.0
    weight[..., :8] = 1.0  # everything counts: plain L1
    full = masked_reconstruction_loss(pred, target, weight)
    assert float(full) == pytest.approx(float((pred - target).abs().mean()))
    ssim = masked_reconstruction_loss(pred, target, weight, kind="ssim+l1")
    assert float(ssim) > float(full)
    with pytest.raises(ValueError, match="kind"):
        masked_reconstruction_loss(pred, target, weight, kind="mse")


def test_random_warp_identity_and_warp():
    torch.manual_seed(0)
    x = torch.rand(3, 4, 16, 16)
    still = dict(rotation=0, zoom=0, shift=0, flip=False)
    target, warped = random_warp(x, warp=0.0, **still)
    torch.testing.assert_close(target, x, atol=1e-5, rtol=0)
    torch.testing.assert_close(warped, x, atol=1e-5, rtol=0)
    target, warped = random_warp(x, warp=0.05, **still)
    torch.testing.assert_close(target, x, atol=1e-5, rtol=0)  # target not warped
    assert (warped - x).abs().mean() > 0.05  # the input is


def test_random_warp_moves_weights_with_zeros_outside():
    torch.manual_seed(1)
    x = torch.ones(8, 4, 16, 16)
    target, _ = random_warp(x, rotation=30, shift=0.2, warp=0.0, n_image_channels=3)
    # images are reflected at the border (still ones), weights are not
    torch.testing.assert_close(target[:, :3], torch.ones(8, 3, 16, 16))
    assert target[:, 3].min() < 0.5
    with pytest.raises(ValueError, match="N, C, H, W"):
        random_warp(torch.rand(3, 16, 16))


def test_random_warp_flip_mirrors():
    x = torch.zeros(64, 1, 8, 8)
    x[..., :4] = 1.0  # left half bright
    target, _ = random_warp(x, rotation=0, zoom=0, shift=0, warp=0, flip=True)
    left = target[..., :4].mean((1, 2, 3))
    assert ((left > 0.99) | (left < 0.01)).all()
    assert 10 < int((left < 0.01).sum()) < 54  # about half mirrored


def test_mean_face_prior_starts_each_decoder_at_its_mean(net):
    torch.manual_seed(0)
    means = torch.rand(3, 3, 16, 16) * 0.8 + 0.1
    net.set_priors(means)
    x = torch.rand(4, 3, 16, 16)
    for k in range(3):
        out = net(x, torch.full((4,), k))
        # the untrained deviation is small: the output is about the mean face
        assert (out - means[k]).abs().mean() < 0.05
        assert torch.allclose(torch.sigmoid(net.decoders[k].prior), means[k], atol=1e-5)
    with pytest.raises(ValueError, match="3 decoders"):
        net.set_priors(means[:2])
    with pytest.raises(ValueError, match="mean_face must have shape"):
        net.decoders[0].set_prior(torch.rand(3, 8, 8))
