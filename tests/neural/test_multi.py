"""Multi-module training: a tiny 1-D GAN built on MultiModuleNet."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback, Checkpoint
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


def _optimizer_states(net):
    return {
        name: net.__dict__[name + "_optimizer_"].state_dict()
        for name in net.module_names
    }


def _assert_same(a, b, path="state"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _assert_same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, z) in enumerate(zip(a, b)):
            _assert_same(x, z, f"{path}[{i}]")
    elif torch.is_tensor(a):
        assert torch.equal(a, b), path
    else:
        assert a == b, path


def _snapshot(est):
    import copy

    net = est.net_
    return copy.deepcopy(
        {
            "modules": {
                n: getattr(net, n + "_").state_dict() for n in net.module_names
            },
            "optimizers": _optimizer_states(net),
        }
    )


def test_checkpoint_and_load_init_state_restore_every_module_and_optimizer(tmp_path):
    # skorch's default Checkpoint saved nothing of a multi-module net (no
    # module_): f_params now holds every module, f_optimizer every optimizer.
    from skorch.callbacks import LoadInitState

    def checkpoint():
        return Checkpoint(monitor=None, dirname=str(tmp_path))

    first = ToyGAN(max_epochs=3, random_state=0, callbacks=[checkpoint()]).fit(X_REAL)
    saved = _snapshot(first)
    assert {"params.pt", "optimizer.pt", "history.json"} <= {
        p.name for p in tmp_path.iterdir()
    }
    seen = {}

    class Spy(Callback):
        def on_train_begin(self, net, **kwargs):
            seen.update(_snapshot(type("E", (), {"net_": net})))

    cp = checkpoint()
    resumed = ToyGAN(
        max_epochs=1, random_state=1, callbacks=[cp, LoadInitState(cp), Spy()]
    )
    resumed.fit(X_REAL)
    _assert_same(seen["modules"], saved["modules"])
    _assert_same(seen["optimizers"], saved["optimizers"])
    assert resumed.history_[:, "epoch"] == [1, 2, 3, 4]
    # load_params on a net with another module layout is refused by name
    other = ToyGAN(max_epochs=1, random_state=0).fit(X_REAL)
    with pytest.raises(ValueError, match="expected the states of"):
        other.net_.load_params(f_params=str(tmp_path / "optimizer.pt"))


def test_face_inpainter_checkpoint_holds_generator_and_optimizers(tmp_path):
    from skorch.callbacks import LoadInitState

    from skface.datasets import make_synthetic_faces
    from skface.restoration import FaceInpainter

    faces = make_synthetic_faces(8, size=16, random_state=0).images

    def inpainter(**kwargs):
        return FaceInpainter(
            image_size=16, width=2, batch_size=4, random_state=0, **kwargs
        )

    cp = Checkpoint(monitor=None, dirname=str(tmp_path))
    first = inpainter(max_epochs=2, callbacks=[cp]).fit(faces)
    saved = _snapshot(first)
    seen = {}

    class Spy(Callback):
        def on_train_begin(self, net, **kwargs):
            seen.update(_snapshot(type("E", (), {"net_": net})))

    cp = Checkpoint(monitor=None, dirname=str(tmp_path))
    inpainter(max_epochs=1, callbacks=[cp, LoadInitState(cp), Spy()]).fit(faces)
    assert set(seen["modules"]) == {"generator", "discriminator"}
    _assert_same(seen["modules"], saved["modules"])
    _assert_same(seen["optimizers"], saved["optimizers"])


def test_warm_start_applies_changed_learning_rates_to_every_optimizer():
    gan = ToyGAN(max_epochs=1, lr=0.01, lr_discriminator=0.01, warm_start=True)
    gan.set_params(random_state=0).fit(X_REAL)
    gan.set_params(lr=0.002, lr_discriminator=0.003).fit(X_REAL)
    assert gan.n_iter_ == 2
    g_group = gan.net_.generator_optimizer_.param_groups[0]
    d_group = gan.net_.discriminator_optimizer_.param_groups[0]
    assert g_group["lr"] == 0.002 and d_group["lr"] == 0.003
    assert gan.net_.get_params()["discriminator_optimizer__lr"] == 0.003
    # optimizer state is kept (a warm start), not rebuilt
    assert int(gan.net_.generator_optimizer_.state_dict()["state"][0]["step"]) == 8


def test_non_finite_loss_in_warm_start_restores_every_module_and_optimizer():
    gan = ToyGAN(max_epochs=2, random_state=0, warm_start=True).fit(X_REAL)
    before = _snapshot(gan)
    sample = gan.sample(20)
    history = [{k: v for k, v in row.items() if k != "batches"} for row in gan.history_]
    with pytest.raises(NonFiniteLossError):
        gan.fit(np.full(64, np.inf))
    _assert_same(_snapshot(gan), before)
    assert [
        {k: v for k, v in row.items() if k != "batches"} for row in gan.history_
    ] == history
    np.testing.assert_array_equal(gan.sample(20), sample)


def test_validation_without_target_fails_clearly_and_with_target_works():
    gan = ToyGAN(max_epochs=2, validation_fraction=0.25, random_state=0)
    with pytest.raises(ValueError, match="_GANNet has no validation loss"):
        gan.fit(X_REAL)
    assert not hasattr(gan, "net_")  # failed before training, left unfitted

    reg = ToyRegressor(validation_fraction=0.25, max_epochs=3, random_state=0)
    valid = []

    class Spy(Callback):
        def on_train_begin(self, net, X=None, y=None, **kwargs):
            valid.extend(net.get_split_datasets(X, y)[1].indices)

    X = np.random.RandomState(1).normal(size=(40, 3)).astype(np.float32)
    y = (X @ np.array([1.0, -2.0, 0.5], dtype=np.float32))[:, None]
    reg.set_params(callbacks=[Spy()]).fit(X, y)
    losses = reg.history_[:, "valid_loss"]
    assert len(losses) == 3 and np.all(np.isfinite(losses))
    # the validation loss is the criterion (MSE) of the inference module
    pred = reg.net_.infer_module("predictor", X[valid]).numpy()
    assert losses[-1] == pytest.approx(float(np.mean((pred - y[valid]) ** 2)), rel=1e-5)


def test_infer_module_runs_one_module_in_eval_mode():
    gan = ToyGAN(max_epochs=1, random_state=0).fit(X_REAL)
    net = gan.net_
    z = np.random.RandomState(0).normal(size=(70, 2)).astype(np.float32)
    calls = []
    hook = net.discriminator_.register_forward_hook(lambda *a: calls.append(1))
    net.generator_.train()  # infer_module switches to eval and back
    try:
        out = gan._forward(z, module="generator")
    finally:
        hook.remove()
    assert calls == [] and net.generator_.training
    assert out.shape == (70, 1)
    with torch.no_grad():
        expected = net.generator_.eval()(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    # ToyGAN.sample (the first module through net.forward) agrees
    z5 = np.random.RandomState(0).normal(size=(5, 2)).astype(np.float32)
    np.testing.assert_array_equal(
        gan.sample(5), gan._forward(z5, module="generator")[:, 0]
    )
    with pytest.raises(ValueError, match="no module 'critic'"):
        net.infer_module("critic", z)
    with pytest.raises(ValueError, match="X is empty"):
        net.infer_module("generator", z[:0])


class _RegressionNet(MultiModuleNet):
    """Two modules, a target: the default validation_step applies."""

    module_names = ("predictor", "helper")

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, y = batch
        pred = self.predictor_(X)
        loss = nn.functional.mse_loss(pred, y)
        self.step_module("predictor", loss, batch)
        helper_loss = self.helper_(X).pow(2).mean()
        self.step_module("helper", helper_loss, batch)
        return {"loss": loss.detach(), "y_pred": pred.detach()}


class ToyRegressor(BaseNeuralEstimator):
    _net_class = _RegressionNet

    def __init__(
        self,
        *,
        optimizer="adam",
        lr=0.01,
        weight_decay=0.0,
        batch_size=16,
        max_epochs=3,
        validation_fraction=0.0,
        early_stopping=False,
        n_iter_no_change=5,
        callbacks=None,
        warm_start=False,
        device="auto",
        random_state=None,
        verbose=0,
    ):
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
        n = int(self.n_features_in_)
        return {
            "predictor": nn.Linear,
            "predictor__in_features": n,
            "predictor__out_features": 1,
            "helper": nn.Linear,
            "helper__in_features": n,
            "helper__out_features": 2,
        }

    def fit(self, X, y):
        self._validate_params()
        self.n_features_in_ = X.shape[1]
        return self._fit_net(X, y)


def test_save_and_load_params_of_every_module_with_safetensors(tmp_path):
    a = ToyGAN(max_epochs=2, random_state=0).fit(X_REAL)
    b = ToyGAN(max_epochs=1, random_state=1).fit(X_REAL)
    path = tmp_path / "params.safetensors"
    a.net_.save_params(f_params=str(path), use_safetensors=True)
    b.net_.load_params(f_params=str(path), use_safetensors=True)
    _assert_same(_snapshot(b)["modules"], _snapshot(a)["modules"])
    np.testing.assert_array_equal(b.sample(10), a.sample(10))
    with pytest.raises(ValueError, match="not optimizer states"):
        a.net_.save_params(f_optimizer=str(tmp_path / "o"), use_safetensors=True)
