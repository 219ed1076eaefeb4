"""Training several modules with their own optimizers (GANs, inpainters).

:class:`MultiModuleNet` follows skorch's documented way to add modules and
optimizers (``docs/user/customization.rst``): each module is created in
``initialize_module`` as an attribute ending in ``_`` and each optimizer in
``initialize_optimizer``, so skorch moves them to the device, switches
train/eval mode, pickles them CUDA-safely, and routes
``generator__*``/``discriminator_optimizer__*`` parameters through
``get_params``/``set_params``.

How an estimator plugs in (a GAN, say)::

    class _GANNet(MultiModuleNet):
        module_names = ("generator", "discriminator")   # first: inference
        loss_names = ("generator_loss", "discriminator_loss")

        def train_step(self, batch, **fit_params):
            self._set_training(True)
            real, _ = batch
            real = real.to(self.device)
            ...
            self.step_module("discriminator", d_loss, batch)
            ...
            self.step_module("generator", g_loss, batch)
            self.record_losses(generator_loss=g_loss, discriminator_loss=d_loss)
            return {"loss": g_loss + d_loss, "y_pred": fake}

    class FaceGAN(BaseNeuralEstimator):
        _net_class = _GANNet

        def _net_params(self):
            return {
                "generator": Generator, "generator__n_latent": self.n_latent,
                "discriminator": Discriminator,
                "discriminator_optimizer__lr": self.lr_discriminator,
            }

The optimizer class is the estimator's ``optimizer`` unless
``<name>_optimizer`` gives another; every optimizer receives the shared
``optimizer__*`` arguments (``weight_decay``) and ``lr``, overridden by its
own ``<name>_optimizer__*``. Each name in ``loss_names`` gets a per-batch
and a per-epoch entry in ``history_``; the non-finite loss guard checks
them all.
"""

from __future__ import annotations

import torch
from skorch.utils import TeeGenerator

from ._net import _Net, _to_device

__all__ = ["MultiModuleNet"]


class MultiModuleNet(_Net):
    """skorch net owning several named modules, one optimizer each.

    Subclasses set ``module_names`` (the first module is the one
    ``forward``/``predict`` use), optionally ``loss_names``, and override
    ``train_step``, using :meth:`step_module` and :meth:`record_losses`.
    Constructed with ``<name>=ModuleClass`` and ``<name>__<arg>=value`` for
    each module. Creates ``<name>_`` and ``<name>_optimizer_``.
    """

    module_names: tuple[str, ...] = ()
    # Shared ``optimizer__*`` arguments are valid without an ``optimizer_``.
    prefixes_ = [*_Net.prefixes_, "optimizer"]
    restore_best = False  # early stopping cannot restore several modules

    def __init__(self, module=None, criterion=torch.nn.MSELoss, **kwargs):
        super().__init__(module, criterion, **kwargs)

    def initialize_module(self):
        if not self.module_names:
            raise TypeError(f"{type(self).__name__} must set module_names")
        for name in self.module_names:
            kwargs = self.get_params_for(name)
            module = self.initialized_instance(getattr(self, name), kwargs)
            setattr(self, name + "_", module)
        return self

    def initialize_optimizer(self, triggered_directly=None):
        shared = self.get_params_for("optimizer")
        shared.pop("param_groups", None)
        for name in self.module_names:
            prefix = name + "_optimizer"
            own = self.get_params_for(prefix)
            named = getattr(self, name + "_").named_parameters()
            args, kwargs = self.get_params_for_optimizer(prefix, named)
            kwargs = {**shared, **kwargs}
            kwargs["lr"] = own.get("lr", shared.get("lr", self.lr))
            optimizer = getattr(self, prefix, None) or self.optimizer
            setattr(self, prefix + "_", optimizer(*args, **kwargs))
        return self

    def infer(self, x, **fit_params):
        module = getattr(self, self.module_names[0] + "_")
        return module(_to_device(x, self.device), **fit_params)

    def step_module(self, name: str, loss: torch.Tensor, batch=None) -> None:
        """Back-propagate ``loss`` and update module ``name`` only.

        Zeroes that module's optimizer, calls ``loss.backward()``, notifies
        ``on_grad_computed`` (so e.g. gradient-clipping callbacks work) and
        steps ``<name>_optimizer_``. Gradients that ``loss`` leaves on other
        modules are zeroed by their own step before use.
        """
        optimizer = getattr(self, name + "_optimizer_")
        optimizer.zero_grad()
        loss.backward()
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(getattr(self, name + "_").named_parameters()),
            batch=batch,
            training=True,
        )
        optimizer.step()

    def record_losses(self, **losses) -> None:
        """Record named scalar losses for the current batch in the history."""
        for key, value in losses.items():
            value = value.item() if isinstance(value, torch.Tensor) else float(value)
            self.history.record_batch(key, value)
