"""Pure torch modules behind FaceAutoencoder: shapes and the SSIM loss."""

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from skface.nn import (
    ConvDecoder,
    DCGANEncoder,
    FaceAutoencoderNet,
    HyperFaceEncoder,
    ReconstructionLoss,
    SSIMLoss,
    ssim_map,
)


def test_hyperface_encoder_shapes_and_linear_code():
    torch.manual_seed(0)
    enc = HyperFaceEncoder(3, embedding_dim=10).eval()
    x = torch.rand(2, 3, 227, 227)
    with torch.no_grad():
        assert enc.features(x).shape == (2, 192, 7, 7)
        z = enc(x)
    assert z.shape == (2, 10)
    assert isinstance(enc.fc[-1], torch.nn.Linear)  # no ReLU after the code
    assert (z < 0).any()


@pytest.mark.parametrize("size", [16, 32, 64, 100])
def test_dcgan_encoder_any_size(size):
    assert DCGANEncoder(1, 5, n_filters=4)(torch.zeros(2, 1, size, size)).shape == (
        2,
        5,
    )


@pytest.mark.parametrize("out", [64, 128])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "linear"])
def test_decoder_range(out, activation):
    dec = ConvDecoder(6, 3, output_size=out, n_filters=4, output_activation=activation)
    y = dec.eval()(torch.randn(3, 6) * 50)
    assert y.shape == (3, 3, out, out)
    assert y.min() >= 0 and y.max() <= 1


def test_decoder_rejects_bad_settings():
    with pytest.raises(ValueError, match="power of two"):
        ConvDecoder(4, 1, output_size=96)
    with pytest.raises(ValueError, match="output_activation"):
        ConvDecoder(4, 1, output_activation="relu")
    with pytest.raises(ValueError, match="encoder"):
        FaceAutoencoderNet("vgg")


def test_autoencoder_net_normalises_its_input():
    net = FaceAutoencoderNet("dcgan", 1, 4, n_filters=4, mean=[0.3], std=[0.2]).eval()
    x = torch.rand(2, 1, 64, 64)
    with torch.no_grad():
        np.testing.assert_allclose(net.encode(x), net.encoder((x - 0.3) / 0.2))
    assert "mean" in net.state_dict() and "std" in net.state_dict()


def test_ssim_matches_scikit_image():
    rng = np.random.default_rng(0)
    a = rng.random((32, 32))
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1)
    expected = structural_similarity(
        a,
        b,
        data_range=1.0,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )  # 11x11 window (truncate 3.5)
    t = [torch.from_numpy(v)[None, None] for v in (a, b)]
    got = ssim_map(*t, window_size=11, sigma=1.5).mean().item()
    assert got == pytest.approx(expected, abs=1e-6)
    assert SSIMLoss()(t[0], t[0]).item() == pytest.approx(0, abs=1e-6)


def test_reconstruction_losses_and_gradients():
    torch.manual_seed(0)
    x = torch.rand(2, 1, 16, 16)
    y = (x + 0.1).requires_grad_()
    assert ReconstructionLoss("mse")(y, x).item() == pytest.approx(0.01, rel=1e-4)
    assert ReconstructionLoss("l1")(y, x).item() == pytest.approx(0.1, rel=1e-4)
    mixed = ReconstructionLoss("mse+ssim")(y, x)
    assert mixed.item() > 0.01
    mixed.backward()
    assert torch.isfinite(y.grad).all() and y.grad.abs().sum() > 0
    per_image = ReconstructionLoss("mse", reduction="none")(y, x)
    assert per_image.shape == (2,)
    with pytest.raises(ValueError, match="loss must be one of"):
        ReconstructionLoss("huber")
