"""LatentGAN: the L1 + adversarial objective, FaceAnonymizer drop-in, persistence."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skface.autoencoders import FaceAnonymizer, LatentDecoder  # noqa: E402
from skface.datasets import make_synthetic_faces  # noqa: E402
from skface.generation import LatentGAN  # noqa: E402
from skface.metrics import psnr  # noqa: E402
from skface.nn import SpectralNorm  # noqa: E402

TINY = dict(
    output_size=8,
    width=2,
    max_channels=8,
    discriminator_width=2,
    max_epochs=2,
    batch_size=4,
    device="cpu",
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    faces = make_synthetic_faces(12, size=16, random_state=0)
    rng = np.random.RandomState(0)
    X = np.hstack([faces.landmarks.reshape(12, -1) / 16, rng.normal(size=(12, 3))])
    return X, faces.images


@pytest.fixture(scope="module")
def fitted(data):
    return LatentGAN(**TINY).fit(*data)


def test_predict_shape_range_and_moving_average(fitted, data):
    X, _ = data
    out = fitted.predict(X[:5])
    assert out.shape == (5, 8, 8, 3) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(fitted.predict(X[2:3]), out[2:3], atol=1e-6)
    # predict runs the moving average, not the last generator weights
    net = fitted.net_
    z = torch.as_tensor(fitted._scale(X[:2]))
    net.generator_ema_.eval()
    net.generator_.eval()
    expected = net.generator_ema_(z).detach().permute(0, 2, 3, 1).numpy()
    assert not np.allclose(expected, net.generator_(z).detach().permute(0, 2, 3, 1))
    np.testing.assert_allclose(out[:2], expected, atol=1e-6)


def test_history_records_both_loss_terms(fitted):
    for row in fitted.history_:
        for key in (
            "l1_loss",
            "generator_loss",
            "discriminator_loss",
            "penalty",
            "train_loss",
        ):
            assert np.isfinite(row[key])
    assert 0 < fitted.history_[-1, "l1_loss"] < 1
    assert fitted.n_iter_ == 2


@pytest.mark.parametrize("l1_weight, adversarial_weight", [(0.5, 0.5), (2.0, 0.25)])
def test_train_loss_weighs_the_two_terms(data, l1_weight, adversarial_weight):
    gan = LatentGAN(
        **{**TINY, "max_epochs": 1},
        l1_weight=l1_weight,
        adversarial_weight=adversarial_weight,
    ).fit(*data)
    for b in gan.history_[0, "batches"]:
        expected = (
            adversarial_weight * b["generator_loss"]
            + l1_weight * b["l1_loss"]
            + b["discriminator_loss"]
            + b["penalty"]
        )
        assert b["train_loss"] == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_no_adversarial_term_is_the_l1_decoder(data):
    """adversarial_weight=0: the generator follows LatentDecoder's L1 path.

    With augmentation and mirroring on (they reach the discriminator only)
    and full batches (the discriminator draws random numbers, so batch
    orders would differ): same losses, same chips.
    """
    X, y = data
    shared = dict(
        output_size=8,
        width=2,
        max_channels=8,
        max_epochs=3,
        batch_size=len(X),
        lr=1e-2,
        device="cpu",
        random_state=0,
    )
    decoder = LatentDecoder(**shared).fit(X, y)
    gan = LatentGAN(
        **shared,
        discriminator_width=2,
        l1_weight=1.0,
        adversarial_weight=0.0,
        ema_decay=0.0,
        betas=(0.9, 0.999),  # torch's Adam default, LatentDecoder's
    ).fit(X, y)
    np.testing.assert_allclose(
        gan.history_[:, "l1_loss"], decoder.history_[:, "train_loss"], rtol=1e-5
    )
    np.testing.assert_allclose(gan.predict(X), decoder.predict(X), atol=1e-5)
    with_gan = LatentGAN(
        **shared,
        discriminator_width=2,
        l1_weight=1.0,
        adversarial_weight=0.5,
        ema_decay=0.0,
        betas=(0.9, 0.999),
    ).fit(X, y)
    assert not np.allclose(with_gan.predict(X), decoder.predict(X), atol=1e-4)


def test_zero_weights_leave_the_generator_untouched(data):
    gan = LatentGAN(
        **{**TINY, "max_epochs": 1, "warm_start": True},
        l1_weight=0.0,
        adversarial_weight=0.0,
        ema_decay=0.0,
    ).fit(*data)
    before = [p.detach().clone() for p in gan.net_.generator_.parameters()]
    d_before = [p.detach().clone() for p in gan.net_.discriminator_.parameters()]
    gan.fit(*data)
    after = list(gan.net_.generator_.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, after))
    d_after = list(gan.net_.discriminator_.parameters())
    assert not all(torch.equal(a, b) for a, b in zip(d_before, d_after))


def test_discriminator_inputs_are_mirrored_at_random(fitted):
    net = fitted.net_
    net.discriminator_.eval()  # no power iteration of the spectral norm
    x = torch.rand(64, 3, 8, 8) * 2 - 1
    with torch.no_grad():
        scores = net.discriminate(x, None)
        plain = net.discriminator_(x)
        mirrored = net.discriminator_(x.flip(3))
    same = torch.isclose(scores, plain, atol=1e-6)
    flipped = torch.isclose(scores, mirrored, atol=1e-6)
    assert bool((same | flipped).all())
    assert 10 < int(flipped.sum()) < 54  # about half
    assert net.horizontal_flip is False  # the L1 pairs are never mirrored


def test_deterministic_for_an_int_seed(fitted, data):
    X, y = data
    again = LatentGAN(**TINY).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    other = LatentGAN(**{**TINY, "random_state": 1}).fit(X, y)
    assert not np.array_equal(other.predict(X), fitted.predict(X))


def test_save_load_and_pickle_give_the_same_chips(fitted, data, tmp_path):
    X, _ = data
    path = tmp_path / "latent_gan.safetensors"
    fitted.save(path)
    loaded = LatentGAN.load(path)
    expected = fitted.predict(X)
    np.testing.assert_array_equal(loaded.predict(X), expected)
    np.testing.assert_array_equal(loaded.feature_mean_, fitted.feature_mean_)
    assert loaded.get_params()["adversarial_weight"] == 0.5
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), expected)


def test_score_is_the_mean_psnr(fitted, data):
    X, y = data
    small = np.stack([fitted._check_chips(y, len(X))]).squeeze(0).transpose(0, 2, 3, 1)
    assert fitted.score(X, y) == pytest.approx(psnr(small, fitted.predict(X)))


def test_warm_start_continues(data):
    gan = LatentGAN(**{**TINY, "max_epochs": 1, "warm_start": True}).fit(*data)
    before = gan.net_.generator_.dense.weight.detach().clone()
    mean = gan.feature_mean_.copy()
    X, y = data
    gan.fit(X + 1.0, y)
    assert gan.n_iter_ == 2
    assert not torch.equal(before, gan.net_.generator_.dense.weight)
    np.testing.assert_array_equal(gan.feature_mean_, mean)


def test_grey_chips_give_grey_chips(data):
    X, y = data
    gan = LatentGAN(**{**TINY, "max_epochs": 1}).fit(X, y.mean(axis=3).astype(np.uint8))
    assert gan.n_channels_ == 1
    assert gan.predict(X[:2]).shape == (2, 8, 8)


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_other_losses_train(data, loss):
    gan = LatentGAN(**{**TINY, "max_epochs": 1, "loss": loss}).fit(*data)
    penalties = [b["penalty"] for b in gan.history_[0, "batches"]]
    assert all(np.isfinite(penalties))
    if loss == "wgan-gp":
        assert all(p > 0 for p in penalties)


def test_verbose_2_shows_a_progress_bar(data, capsys):
    LatentGAN(**{**TINY, "max_epochs": 1, "verbose": 2}).fit(*data)
    captured = capsys.readouterr()
    assert "l1_loss" in captured.out
    assert "%" in captured.err or "it/s" in captured.err or "s/it" in captured.err


def test_spectral_norm_and_no_batch_norm_in_the_discriminator(fitted):
    d = fitted.net_.discriminator_
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    assert sum(isinstance(m, SpectralNorm) for m in d.modules()) >= 2


@pytest.mark.parametrize(
    "params, match",
    [
        ({"output_size": 12}, "output_size"),
        ({"augment": "colour"}, "augment"),
        ({"betas": (0.5, 1.5)}, "betas"),
        ({"l1_weight": -1.0}, "l1_weight"),
        ({"loss": "l1"}, "loss"),
    ],
)
def test_bad_parameters_are_named(data, params, match):
    with pytest.raises(ValueError, match=match):
        LatentGAN(**{**TINY, **params}).fit(*data)


def test_drop_in_decoder_of_face_anonymizer():
    photos = make_synthetic_faces(6, size=64, random_state=0).images
    decoder = LatentGAN(
        16, width=2, max_channels=8, discriminator_width=2, max_epochs=1, batch_size=8
    )
    anon = FaceAnonymizer(
        decoder, method="generate", k=2, random_state=0, on_missing="keep"
    ).fit(photos)
    assert isinstance(anon.decoder_, LatentGAN)
    assert anon.decoder_.n_features_in_ == 2 * 68 + 3 * 64
    result = anon.anonymize(photos)
    assert result.images.shape == photos.shape
    assert result.chips.shape[1:] == (16, 16, 3)
    assert result.n_faces.sum() >= 1
    changed = np.abs(result.images.astype(int) - photos.astype(int)).max(axis=3) > 0
    assert not changed[~np.stack(result.masks)].any() or changed.any()
    assert changed.any()
    again = FaceAnonymizer(
        decoder, method="generate", k=2, random_state=0, on_missing="keep"
    ).fit(photos)
    np.testing.assert_array_equal(again.transform(photos), result.images)
