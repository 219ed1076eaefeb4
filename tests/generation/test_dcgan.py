"""DCGAN: training step, sampling, persistence and validation."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skface.datasets import make_synthetic_faces  # noqa: E402
from skface.generation import DCGAN  # noqa: E402
from skface.generation._base import _GANNet  # noqa: E402
from skface.nn import SpectralNorm  # noqa: E402

TINY = dict(
    n_latent=4, image_size=8, width=2, max_epochs=2, batch_size=4, random_state=0
)


@pytest.fixture(scope="module")
def faces():
    return make_synthetic_faces(12, size=32, random_state=0).images


@pytest.fixture(scope="module")
def fitted(faces):
    return DCGAN(**TINY).fit(faces)


def test_sample_shape_range_and_seed(fitted):
    a = fitted.sample(5, random_state=1)
    assert a.shape == (5, 8, 8, 3) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, fitted.sample(5, random_state=1))
    assert not np.array_equal(a, fitted.sample(5, random_state=2))


def test_transform_maps_latent_codes(fitted):
    z = np.random.default_rng(0).standard_normal((3, 4))
    out = fitted.transform(z)
    assert out.shape == (3, 8, 8, 3)
    np.testing.assert_array_equal(out[1:2], fitted.transform(z[1:2]))


def test_fit_is_deterministic_for_an_int_seed(faces, fitted):
    again = DCGAN(**TINY).fit(faces)
    np.testing.assert_array_equal(
        again.sample(4, random_state=0), fitted.sample(4, random_state=0)
    )
    other = DCGAN(**{**TINY, "random_state": 1}).fit(faces)
    assert not np.array_equal(
        other.sample(4, random_state=0), fitted.sample(4, random_state=0)
    )


def test_history_records_every_loss(fitted):
    row = fitted.history_[-1]
    for key in ("generator_loss", "discriminator_loss", "penalty", "train_loss"):
        assert np.isfinite(row[key])
    # R1 every 16 steps: step 0 (epoch 1) has it, epoch 2 (steps 3-5) not.
    assert fitted.history_[0, "batches"][0]["penalty"] > 0
    assert fitted.history_[1, "batches"][0]["penalty"] == 0
    assert fitted.n_iter_ == 2
    assert row["mode_seeking_loss"] == 0  # off by default


def test_mode_seeking_term(faces, monkeypatch):
    from skface.generation._dcgan import _DCGANNet

    gan = DCGAN(**{**TINY, "mode_seeking_weight": 3.0}).fit(faces)
    rows = [row for epoch in gan.history_ for row in epoch["batches"]]
    values = [row["mode_seeking_loss"] for row in rows]
    assert all(np.isfinite(values)) and min(values) > 0
    # it is part of the generator's loss: training differs from the default
    plain = DCGAN(**TINY).fit(faces)
    assert not np.array_equal(gan.sample(2, random_state=0), plain.sample(2, 0))
    # the weight over the two batches' spread relative to the codes'
    fake = torch.zeros(3, 3, 8, 8)
    monkeypatch.setattr(_DCGANNet, "generate", lambda self, module, z, c: fake - 0.25)
    ratio = 0.25 / (2.0 / np.sqrt(np.pi))
    value = float(gan.net_.mode_seeking(fake, None))
    assert value == pytest.approx(3.0 / (ratio + 1e-5), rel=1e-5)
    with pytest.raises(ValueError, match="mode_seeking_weight"):
        DCGAN(**{**TINY, "mode_seeking_weight": -0.5}).fit(faces)


def test_samples_come_from_the_moving_average(fitted):
    net = fitted.net_
    assert fitted._inference_module() == "generator_ema"
    z = torch.randn(2, 4)
    net.generator_ema_.eval()
    net.generator_.eval()
    expected = net.generator_ema_(z)
    assert not torch.equal(expected, net.generator_(z))
    got = fitted.transform(z.numpy()) * 2 - 1
    np.testing.assert_allclose(got, expected.detach().permute(0, 2, 3, 1), atol=1e-5)


def test_ema_update_follows_its_schedule():
    net = _GANNet(
        generator=torch.nn.Linear,
        generator__in_features=1,
        generator__out_features=1,
        discriminator=torch.nn.Linear,
        discriminator__in_features=1,
        discriminator__out_features=1,
        ema_decay=0.9,
        max_epochs=1,
    ).initialize()
    with torch.no_grad():
        net.generator_.weight.fill_(0.0)
        net.generator_ema_.weight.fill_(0.0)
        net.generator_.weight.fill_(1.0)
    net.n_steps_ = 0  # decay min(0.9, 1/10) = 0.1: moves 90% of the way
    net.update_ema()
    assert net.generator_ema_.weight.item() == pytest.approx(0.9)
    net.n_steps_ = 1000  # decay 0.9
    net.update_ema()
    assert net.generator_ema_.weight.item() == pytest.approx(0.9 + 0.1 * 0.1)
    assert not net.generator_ema_.weight.requires_grad


def test_no_ema_samples_from_the_generator(faces):
    gan = DCGAN(**{**TINY, "ema_decay": 0.0, "max_epochs": 1}).fit(faces)
    assert "generator_ema" not in gan.net_._modules
    assert gan._inference_module() == "generator"


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_other_losses_train(faces, loss):
    gan = DCGAN(**{**TINY, "loss": loss, "max_epochs": 1, "augment": None})
    gan.fit(faces)
    penalties = [b["penalty"] for b in gan.history_[0, "batches"]]
    assert all(np.isfinite(penalties))
    if loss == "wgan-gp":  # the gradient penalty is there on every step
        assert all(p > 0 for p in penalties)


def test_grey_faces_give_grey_samples(faces):
    grey = faces.mean(axis=3).astype(np.uint8)
    gan = DCGAN(**{**TINY, "max_epochs": 1}).fit(grey)
    assert gan.n_channels_ == 1
    assert gan.sample(2, random_state=0).shape == (2, 8, 8)


def test_save_load_and_pickle_give_the_same_samples(fitted, tmp_path):
    path = tmp_path / "dcgan.safetensors"
    fitted.save(path)
    loaded = DCGAN.load(path)
    expected = fitted.sample(3, random_state=0)
    np.testing.assert_array_equal(loaded.sample(3, random_state=0), expected)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.sample(3, random_state=0), expected)


def test_warm_start_continues(faces):
    gan = DCGAN(**{**TINY, "max_epochs": 1, "warm_start": True}).fit(faces)
    before = gan.net_.generator_.net[0].weight.detach().clone()
    gan.fit(faces)
    assert gan.n_iter_ == 2
    assert not torch.equal(before, gan.net_.generator_.net[0].weight)


def test_verbose_2_shows_a_progress_bar(faces, capsys):
    DCGAN(**{**TINY, "max_epochs": 1, "verbose": 2}).fit(faces)
    captured = capsys.readouterr()
    assert "generator_loss" in captured.out
    assert "%" in captured.err or "it/s" in captured.err or "s/it" in captured.err


def test_score_samples_is_per_image(fitted, faces):
    scores = fitted.score_samples(faces[:4])
    assert scores.shape == (4,)
    np.testing.assert_allclose(scores[2:3], fitted.score_samples(faces[2:3]), rtol=1e-5)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"image_size": 12}, "power of two"),
        ({"augment": "colour"}, "augment"),
        ({"betas": (0.5, 1.5)}, "betas"),
    ],
)
def test_bad_parameters_are_named(faces, params, match):
    with pytest.raises(ValueError, match=match):
        DCGAN(**{**TINY, **params}).fit(faces)


def test_bad_latent_codes_are_named(fitted):
    with pytest.raises(ValueError, match="n_latent"):
        fitted.transform(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)


def test_unfitted_use_raises(faces):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        DCGAN(**TINY).sample(2)


def test_spectral_norm_and_no_batch_norm_in_the_discriminator(fitted):
    d = fitted.net_.discriminator_
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())
    assert sum(isinstance(m, SpectralNorm) for m in d.modules()) >= 2


def test_loaded_model_continues_the_step_count(fitted, tmp_path):
    # n_steps_ (EMA warm-up, lazy R1) restarted at 0 after save/load.
    path = tmp_path / "dcgan.safetensors"
    fitted.save(path)
    loaded = DCGAN.load(path)
    loaded.set_params(warm_start=True, max_epochs=1).fit(
        make_synthetic_faces(12, size=32, random_state=0).images
    )
    assert loaded.net_.n_steps_ == 3 * 3  # 2 epochs before + 1 now, 3 batches each
