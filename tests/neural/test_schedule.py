"""CosineLR: one cosine learning-rate schedule for every optimizer of a net."""

import math

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from torch import nn

from skface.neural import CosineLR
from skface.neural._multi import MultiModuleNet


class _Recorder(Callback):
    """Every optimizer's param-group rates at the start of each epoch."""

    def __init__(self):
        self.rates = []

    def on_epoch_begin(self, net, **kwargs):
        self.rates.append(
            {
                name: [g["lr"] for g in getattr(net, name + "_").param_groups]
                for name in net._optimizers
            }
        )


class _TwoNets(MultiModuleNet):
    module_names = ("first", "second")
    loss_names = ("first_loss", "second_loss")

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, y = batch
        losses = {}
        for name in self.module_names:
            loss = (getattr(self, name + "_")(X)[:, 0] - y).pow(2).mean()
            self.step_module(name, loss, batch)
            losses[name + "_loss"] = loss
        self.record_losses(**losses)
        return {"loss": losses["first_loss"].detach(), "y_pred": X}


def _cos(k, n):
    return 0.5 * (1 + math.cos(math.pi * k / n))


def _net(recorder, max_epochs=5, **kwargs):
    return _TwoNets(
        first=nn.Linear,
        first__in_features=2,
        first__out_features=1,
        second=nn.Linear,
        second__in_features=2,
        second__out_features=1,
        second_optimizer__lr=0.03,
        optimizer=torch.optim.SGD,
        lr=0.1,
        max_epochs=max_epochs,
        batch_size=8,
        train_split=None,
        callbacks=[("lr_schedule", CosineLR()), ("rec", recorder)],
        verbose=0,
        **kwargs,
    )


DATA = (
    np.random.default_rng(0).random((16, 2)).astype(np.float32),
    np.zeros(16, np.float32),
)


def test_every_optimizer_follows_the_cosine():
    # skorch's LRScheduler steps only `optimizer_`: the second optimizer of
    # a multi-module net kept its rate. CosineLR decays all of them, each
    # from its own base rate.
    rec = _Recorder()
    net = _net(rec).fit(*DATA)
    assert set(net._optimizers) == {"first_optimizer", "second_optimizer"}
    for k, rates in enumerate(rec.rates):
        assert rates["first_optimizer"] == [pytest.approx(0.1 * _cos(k, 5))]
        assert rates["second_optimizer"] == [pytest.approx(0.03 * _cos(k, 5))]


def test_warm_start_restarts_the_decay_with_a_changed_lr():
    rec = _Recorder()
    net = _net(rec, max_epochs=3, warm_start=True).fit(*DATA)
    rec.rates.clear()
    net.set_params(lr=0.05, max_epochs=2)
    net.fit(*DATA)
    assert [r["first_optimizer"][0] for r in rec.rates] == pytest.approx(
        [0.05, 0.05 * _cos(1, 2)]
    )
    assert [r["second_optimizer"][0] for r in rec.rates] == pytest.approx(
        [0.03, 0.03 * _cos(1, 2)]
    )


def test_lr_scale_groups_min_factor_and_constant():
    rec = _Recorder()
    net = _net(rec, max_epochs=4)
    net.set_params(
        callbacks__lr_schedule__min_factor=0.1,
        first_optimizer__param_groups=[("bias", {"lr_scale": 0.5})],
    )
    net.fit(*DATA)
    for k, rates in enumerate(rec.rates):
        factor = 0.1 + 0.9 * _cos(k, 4)
        assert sorted(rates["first_optimizer"]) == pytest.approx(
            [0.05 * factor, 0.1 * factor]
        )
    rec = _Recorder()
    _net(rec, callbacks__lr_schedule__cosine=False).fit(*DATA)
    assert all(r["second_optimizer"] == [pytest.approx(0.03)] for r in rec.rates)


def test_face_inpainter_decays_generator_and_discriminator():
    from skface.restoration import FaceInpainter

    rec = _Recorder()
    faces = np.random.default_rng(0).random((8, 16, 16)).astype(np.float32)
    FaceInpainter(
        image_size=16,
        width=2,
        batch_size=8,
        max_epochs=3,
        lr=1e-3,
        lr_discriminator=4e-4,
        callbacks=[rec],
        random_state=0,
        device="cpu",
    ).fit(faces)
    for k, rates in enumerate(rec.rates):
        assert rates["generator_optimizer"] == [pytest.approx(1e-3 * _cos(k, 3))]
        assert rates["discriminator_optimizer"] == [pytest.approx(4e-4 * _cos(k, 3))]
