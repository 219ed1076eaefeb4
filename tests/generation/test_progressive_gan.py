"""Tests of skface.generation.ProgressiveGAN (tiny networks, seconds)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from skface.datasets import make_synthetic_faces
from skface.generation import ProgressiveGAN, mirror_landmarks, progressive_stage
from skface.generation._progressive import _real_at

SMALL = {
    "n_latent": 4,
    "image_size": 16,
    "width": 4,
    "batch_size": 4,
    "max_epochs": 1,
    "random_state": 0,
    "device": "cpu",
}


@pytest.fixture(scope="module")
def faces():
    data = make_synthetic_faces(12, size=32, random_state=0)
    return data.images, data.landmarks


# -- schedule ---------------------------------------------------------------


def test_progressive_stage_schedule():
    sizes = [4, 8, 16]
    got = [progressive_stage(t, sizes, 8) for t in range(0, 40, 2)]
    assert got[:4] == [(4, 1.0)] * 4  # 4 px: stabilise only
    assert got[4:8] == [(8, 0.0), (8, 0.5), (8, 1.0), (8, 1.0)]  # fade, stable
    assert got[8:12] == [(16, 0.0), (16, 0.5), (16, 1.0), (16, 1.0)]
    assert got[12:] == [(16, 1.0)] * 8  # the last stage lasts


def test_history_follows_schedule(faces):
    X, y = faces
    gan = ProgressiveGAN(
        condition=None, images_per_stage=8, **{**SMALL, "max_epochs": 2}
    ).fit(X)
    seen = np.cumsum([0] + [len(X)] * 2)
    rows = [b for epoch in gan.history_ for b in epoch["batches"]]
    images = np.cumsum([0] + [b["train_batch_size"] for b in rows])[:-1]
    expected = [progressive_stage(t, [4, 8, 16], 8) for t in images]
    assert [(b["resolution"], b["alpha"]) for b in rows] == expected
    assert gan.n_images_seen_ == seen[-1] == 24
    assert list(gan.history_[:, "images_seen"]) == [12, 24]
    assert (gan.resolution_, gan.alpha_) == progressive_stage(24, [4, 8, 16], 8)
    for key in ("generator_loss", "discriminator_loss", "penalty", "train_loss"):
        assert np.isfinite(gan.history_[:, key]).all()
    assert gan.history_[:, "mode_seeking_loss"] == [0, 0]  # off by default


def test_mode_seeking_term_at_every_stage(faces):
    X, y = faces
    gan = ProgressiveGAN(
        images_per_stage=8, mode_seeking_weight=0.5, **{**SMALL, "max_epochs": 2}
    ).fit(X, y)
    rows = [b for epoch in gan.history_ for b in epoch["batches"]]
    assert {b["resolution"] for b in rows} == {4, 8, 16}
    values = [b["mode_seeking_loss"] for b in rows]
    assert all(np.isfinite(values)) and min(values) > 0
    with pytest.raises(ValueError, match="mode_seeking_weight"):
        ProgressiveGAN(mode_seeking_weight=-1.0, **SMALL).fit(X, y)


def test_real_images_blended_during_fade_in():
    x = torch.rand(2, 3, 16, 16)
    down8 = torch.nn.functional.avg_pool2d(x, 2)
    down4 = torch.nn.functional.avg_pool2d(x, 4)
    up4 = down4.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    torch.testing.assert_close(_real_at(x, 8, 1.0), down8)  # area average
    torch.testing.assert_close(_real_at(x, 8, 0.0), up4)  # half resolution
    torch.testing.assert_close(_real_at(x, 8, 0.25), 0.25 * down8 + 0.75 * up4)
    torch.testing.assert_close(_real_at(x, 4, 0.3), down4)  # 4 px: no fade


def test_samples_before_last_stage_are_upsampled(faces):
    X, _ = faces
    gan = ProgressiveGAN(condition=None, images_per_stage=100, **SMALL).fit(X)
    assert (gan.resolution_, gan.alpha_) == (4, 1.0)
    s = gan.sample(2, random_state=0)
    assert s.shape == (2, 16, 16, 3)
    blocks = s[:, ::4, ::4].repeat(4, axis=1).repeat(4, axis=2)
    np.testing.assert_array_equal(s, blocks)  # 4x4 blocks: pixel repetition
    assert s.std(axis=(1, 2)).min() > 0


# -- gradient penalty at the estimator level --------------------------------


class _Capture(Callback):
    """Copies of the networks, RNG state and batch when the stage is reached."""

    def __init__(self, stage):
        self.stage = stage
        self.captured = None

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if self.captured is None and net.stage() == self.stage:
            self.captured = {
                "G": copy.deepcopy(net.generator_),
                "D": copy.deepcopy(net.discriminator_),
                "rng": torch.get_rng_state(),
                "batch": batch,
                "index": len(net.history[-1]["batches"]) - 1,  # this batch's row
            }


def test_penalty_is_per_sample_norm_over_chw(faces):
    X, y = faces
    capture = _Capture(stage=(8, 0.5))
    gan = ProgressiveGAN(
        images_per_stage=8,
        augment=None,
        horizontal_flip=False,
        callbacks=[("capture", capture)],
        **{**SMALL, "max_epochs": 2, "batch_size": 2},
    ).fit(X[:8], y[:8])
    c = capture.captured
    assert c is not None
    recorded = gan.history_[-1, "batches"][c["index"]]["penalty"]

    # the step by hand: same draws (latent codes, then mixing weights)
    real, cond = c["batch"]
    real = _real_at(real, 8, 0.5)
    torch.set_rng_state(c["rng"])
    z = torch.randn(len(real), 4)
    with torch.no_grad():
        fake = c["G"](z, cond, size=8, alpha=0.5)
    eps = torch.rand(len(real), 1, 1, 1)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(c["D"](x_hat, cond, alpha=0.5).sum(), x_hat)
    per_sample = grad.flatten(1).norm(dim=1)  # (N,): over C x H x W
    expected = 10.0 * (per_sample - 1).pow(2).mean().item()
    channel_only = 10.0 * (grad.norm(dim=1) - 1).pow(2).mean().item()  # seed's bug
    assert recorded == pytest.approx(expected, rel=1e-4)
    assert abs(recorded - channel_only) > 0.05 * abs(expected)


# -- conditions -------------------------------------------------------------


def test_conditions_follow_flips_and_shifts(faces):
    X, y = faces
    gan = ProgressiveGAN(images_per_stage=8, **SMALL).fit(X, y)
    C = torch.as_tensor(gan.encode_conditions(X, y))
    assert C.shape == (12, 148) and gan.n_conditions_ == 148
    C_flip = gan.encode_conditions(X[:, :, ::-1], mirror_landmarks(y, X.shape[2]))
    net = gan.net_
    flipped = torch.tensor([True] * 6 + [False] * 6)
    got = net.flip_condition(C, flipped).numpy()
    np.testing.assert_allclose(got[:6], C_flip[:6], atol=1e-5)
    np.testing.assert_array_equal(got[6:], C[6:].numpy())
    # a shift of (dx, dy) pixels at the current resolution
    net._size = 8
    shift = torch.tensor([[1, -2]] * 12)
    moved = net.shift_condition(C, shift).numpy()
    scale = X.shape[2] / 8  # input pixels per 8-px pixel
    C_moved = gan.encode_conditions(X, y + np.array([1, -2]) * scale)
    np.testing.assert_allclose(moved[:, :136], C_moved[:, :136], atol=1e-5)
    np.testing.assert_array_equal(moved[:, 136:], C[:, 136:].numpy())


def test_conditional_sampling_uses_its_conditions(faces):
    X, y = faces
    gan = ProgressiveGAN(images_per_stage=8, **{**SMALL, "max_epochs": 2}).fit(X, y)
    C = gan.encode_conditions(X[:4], y[:4])
    a = gan.sample(C, random_state=0)
    np.testing.assert_array_equal(a, gan.sample(C, random_state=0))
    b = gan.sample(C[::-1].copy(), random_state=0)  # same codes, other conditions
    assert np.abs(a - b).mean() > 1e-4
    # sample(conditions) is transform([z | c]) with the same codes
    z = np.random.RandomState(0).standard_normal((4, 4)).astype(np.float32)
    np.testing.assert_array_equal(gan.transform(np.hstack([z, C])), a)
    # random conditions from the fitted Gaussian
    assert gan.sample(3, random_state=0).shape == (3, 16, 16, 3)
    assert gan.condition_mean_.shape == (148,)
    with pytest.raises(ValueError, match="n_conditions_"):
        gan.sample(C[:, :10])
    with pytest.raises(ValueError, match="NaN"):
        gan.sample(np.full_like(C, np.nan))


def test_colour_only_and_unconditional(faces):
    X, _ = faces
    gan = ProgressiveGAN(condition="colour", images_per_stage=8, **SMALL).fit(X)
    assert gan.n_conditions_ == 12
    assert gan.sample(gan.encode_conditions(X[:2])).shape == (2, 16, 16, 3)
    grey = X.mean(axis=3) / 255.0  # grey faces: thumbnail repeated over RGB
    g = ProgressiveGAN(condition="colour", images_per_stage=8, **SMALL).fit(grey)
    assert (g.n_channels_, g.n_conditions_) == (1, 12)
    assert g.sample(2, random_state=0).shape == (2, 16, 16)
    plain = ProgressiveGAN(condition=None, images_per_stage=8, **SMALL).fit(X)
    assert plain.n_conditions_ == 0 and plain.condition_mean_ is None
    with pytest.raises(ValueError, match="unconditional"):
        plain.sample(np.zeros((2, 12)))
    with pytest.raises(ValueError, match="condition"):
        plain.set_params(warm_start=True, condition="colour").fit(X)


# -- critic scores ----------------------------------------------------------


def test_score_samples_independent_of_other_rows(faces):
    X, y = faces
    gan = ProgressiveGAN(images_per_stage=8, **SMALL).fit(X, y)
    full = gan.score_samples(X[:4], y[:4])
    assert full.shape == (4,) and full.dtype == np.float64
    other = np.concatenate([X[:1] / 255.0, np.random.RandomState(0).rand(3, 32, 32, 3)])
    mixed = gan.score_samples(other, np.concatenate([y[:1], y[5:8]]))
    assert mixed[0] == pytest.approx(full[0], rel=1e-5, abs=1e-6)


# -- persistence, determinism -----------------------------------------------


def test_save_load_mid_schedule_and_continue(faces, tmp_path):
    X, y = faces
    gan = ProgressiveGAN(images_per_stage=20, warm_start=True, **SMALL).fit(X, y)
    gan.fit(X, y)  # 24 images: 8 px, 4 of 10 fade-in images
    assert (gan.n_images_seen_, gan.resolution_, gan.alpha_) == (24, 8, 0.4)
    path = tmp_path / "pgan.safetensors"
    gan.save(path)
    loaded = ProgressiveGAN.load(path)
    assert (loaded.n_images_seen_, loaded.resolution_, loaded.alpha_) == (24, 8, 0.4)
    np.testing.assert_array_equal(
        loaded.sample(3, random_state=1), gan.sample(3, random_state=1)
    )
    np.testing.assert_allclose(
        loaded.score_samples(X[:3], y[:3]), gan.score_samples(X[:3], y[:3]), rtol=1e-6
    )
    loaded.fit(X, y)  # warm start continues the schedule
    assert loaded.n_images_seen_ == 36
    first = loaded.history_[-1, "batches"][0]
    assert (first["resolution"], first["alpha"]) == (8, 0.4)
    assert (loaded.resolution_, loaded.alpha_) == (8, 1.0)


def test_deterministic_and_verbose(faces, capsys):
    X, y = faces
    a = ProgressiveGAN(images_per_stage=8, **SMALL).fit(X, y)
    b = ProgressiveGAN(images_per_stage=8, **{**SMALL, "verbose": 2}).fit(X, y)
    np.testing.assert_array_equal(
        a.sample(4, random_state=0), b.sample(4, random_state=0)
    )
    np.testing.assert_array_equal(
        a.score_samples(X[:3], y[:3]), b.score_samples(X[:3], y[:3])
    )
    assert "images_seen" in capsys.readouterr().out


def test_unfitted_and_bad_input(faces):
    X, y = faces
    with pytest.raises(NotFittedError):
        ProgressiveGAN().sample(2)
    with pytest.raises(ValueError, match="power of two"):
        ProgressiveGAN(**{**SMALL, "image_size": 12}).fit(X)
    with pytest.raises(ValueError, match="y"):
        ProgressiveGAN(**SMALL).fit(X, y[:3])
