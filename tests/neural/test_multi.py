"""Multi-module training: a tiny 1-D GAN built on MultiModuleNet."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Checkpoint
from torch import nn

from skface.neural import BaseNeuralEstimator, NonFiniteLossError
from skface.neural._multi import MultiModuleNet


class Generator(nn.Module):
    def __init__(self, n_latent: int = 2, n_hidden: int = 8) -> None:
        super().__init__()
        self.n_latent = n_latent
        self.body = nn.Sequential(
            nn.Linear(n_latent, n_hidden), nn.ReLU(), nn.Linear(n_hidden, 1)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(z)  # (N, 1)


class Discriminator(nn.Module):
    def __init__(self, n_hidden: int = 8) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(1, n_hidden), nn.ReLU(), nn.Linear(n_hidden, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)[:, 0]  # (N,) logits


class _GANNet(MultiModuleNet):
    module_names = ("generator", "discriminator")
    loss_names = ("generator_loss", "discriminator_loss")

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        real, _ = batch
        real = real.to(self.device)
        n = len(real)
        bce = nn.functional.binary_cross_entropy_with_logits
        ones, zeros = (
            torch.ones(n, device=self.device),
            torch.zeros(n, device=self.device),
        )
        fake = self.generator_(
            torch.randn(n, self.generator_.n_latent, device=self.device)
        )
        d_loss = bce(self.discriminator_(real), ones) + bce(
            self.discriminator_(fake.detach()), zeros
        )
        self.step_module("discriminator", d_loss, batch)
        g_loss = bce(self.discriminator_(fake), ones)
        self.step_module("generator", g_loss, batch)
        self.record_losses(generator_loss=g_loss, discriminator_loss=d_loss)
        return {"loss": (g_loss + d_loss).detach(), "y_pred": fake.detach()}


class ToyGAN(BaseNeuralEstimator):
    """1-D GAN: learns to sample from the distribution of ``X``."""

    _net_class = _GANNet
    _fitted_attributes = ("n_features_in_",)

    def __init__(
        self,
        n_hidden=8,
        *,
        lr_discriminator=0.01,
        optimizer="adam",
        lr=0.01,
        weight_decay=0.0,
        batch_size=32,
        max_epochs=10,
        validation_fraction=0.0,
        early_stopping=False,
        n_iter_no_change=5,
        callbacks=None,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.n_hidden = n_hidden
        self.lr_discriminator = lr_discriminator
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _net_params(self):
        return {
            "generator": Generator,
            "generator__n_hidden": self.n_hidden,
            "discriminator": Discriminator,
            "discriminator__n_hidden": self.n_hidden,
            "discriminator_optimizer__lr": self.lr_discriminator,
        }

    def fit(self, X, y=None):
        self._validate_params()
        X = np.asarray(X, dtype=np.float32).reshape(-1, 1)
        self.n_features_in_ = 1
        return self._fit_net(X)

    def sample(self, n, seed=0):
        check_is_fitted(self)
        z = np.random.RandomState(seed).normal(size=(n, 2)).astype(np.float32)
        return self._forward(z)[:, 0]


X_REAL = np.random.RandomState(0).normal(3.0, 0.5, size=128)


def _state(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def test_both_losses_recorded_and_both_modules_trained():
    gan = ToyGAN(max_epochs=1, random_state=0).fit(X_REAL)
    g0, d0 = _state(gan.net_.generator_), _state(gan.net_.discriminator_)
    gan = ToyGAN(max_epochs=40, random_state=0).fit(X_REAL)
    h = gan.history_
    for key in ("generator_loss", "discriminator_loss", "train_loss"):
        assert len(h[:, key]) == 40 and np.all(np.isfinite(h[:, key])), key
        batches = h[-1, "batches", :, key]
        assert len(batches) == 4  # 128 rows / 32
        assert h[-1, key] == pytest.approx(np.mean(batches)), key
    for before, module in ((g0, gan.net_.generator_), (d0, gan.net_.discriminator_)):
        after = module.state_dict()
        assert all(not torch.equal(before[k], after[k]) for k in before)
    # separate optimizers over disjoint parameters
    g_opt, d_opt = gan.net_.generator_optimizer_, gan.net_.discriminator_optimizer_
    g_params = {id(p) for g in g_opt.param_groups for p in g["params"]}
    d_params = {id(p) for g in d_opt.param_groups for p in g["params"]}
    assert g_params == {id(p) for p in gan.net_.generator_.parameters()}
    assert d_params == {id(p) for p in gan.net_.discriminator_.parameters()}
    # the generator moved from its initial outputs towards the real data
    start = ToyGAN(max_epochs=1, random_state=0).fit(X_REAL).sample(500)
    assert abs(gan.sample(500).mean() - 3.0) < abs(start.mean() - 3.0) - 0.5


def test_module_and_optimizer_params_are_tunable():
    gan = ToyGAN(
        n_hidden=5,
        lr=0.02,
        lr_discriminator=0.003,
        weight_decay=1e-4,
        max_epochs=1,
        random_state=0,
    ).fit(X_REAL)
    params = gan.net_.get_params()
    assert params["generator__n_hidden"] == 5 and params["discriminator__n_hidden"] == 5
    assert gan.net_.generator_.body[0].out_features == 5
    g_group = gan.net_.generator_optimizer_.param_groups[0]
    d_group = gan.net_.discriminator_optimizer_.param_groups[0]
    assert g_group["lr"] == 0.02 and d_group["lr"] == 0.003
    assert g_group["weight_decay"] == d_group["weight_decay"] == 1e-4
    # skorch routes <name>_optimizer__* to that optimizer only
    gan.net_.set_params(discriminator_optimizer__lr=0.5)
    assert d_group["lr"] == 0.5 and g_group["lr"] == 0.02
    # and <name>__* re-initialises that module
    gan.net_.set_params(generator__n_hidden=7)
    assert gan.net_.generator_.body[0].out_features == 7
    # estimator level: plain parameter names, as GridSearchCV sets them
    other = clone(gan).set_params(n_hidden=3).fit(X_REAL)
    assert other.net_.discriminator_.body[0].out_features == 3


def test_seeded_pickled_saved_and_checkpointed(tmp_path):
    a = ToyGAN(max_epochs=3, random_state=0).fit(X_REAL)
    b = ToyGAN(max_epochs=3, random_state=0).fit(X_REAL)
    np.testing.assert_array_equal(a.sample(50), b.sample(50))
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(a)).sample(50), a.sample(50)
    )
    a.save(tmp_path / "gan.safetensors")
    loaded = ToyGAN.load(tmp_path / "gan.safetensors")
    np.testing.assert_array_equal(loaded.sample(50), a.sample(50))
    assert loaded.history_[:, "generator_loss"] == a.history_[:, "generator_loss"]
    cp = Checkpoint(
        monitor=None,
        dirname=str(tmp_path / "cp"),
        f_params=None,
        f_optimizer=None,
        f_criterion=None,
        f_generator="g.pt",
        f_discriminator="d.pt",
        f_generator_optimizer="go.pt",
        f_discriminator_optimizer="do.pt",
    )
    ToyGAN(max_epochs=1, random_state=0, callbacks=[cp]).fit(X_REAL)
    names = sorted(p.name for p in (tmp_path / "cp").iterdir())
    assert names == ["d.pt", "do.pt", "g.pt", "go.pt", "history.json"]


def test_early_stopping_on_the_training_loss():
    # Multi-module nets stop early without restoring weights (no single
    # module_ to restore); the monitor is train_loss without validation.
    gan = ToyGAN(max_epochs=200, early_stopping=True, n_iter_no_change=2)
    gan.set_params(random_state=0).fit(X_REAL)
    assert gan.n_iter_ < 200
    stopper = dict(gan.net_.callbacks_)["early_stopping"]
    assert stopper.monitor == "train_loss" and not stopper.load_best


def test_non_finite_extra_loss_is_caught():
    with pytest.raises(NonFiniteLossError, match="loss became (nan|inf) at epoch 1"):
        ToyGAN(max_epochs=2, random_state=0).fit(np.full(64, np.inf))
