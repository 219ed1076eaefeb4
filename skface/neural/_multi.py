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
own ``<name>_optimizer__*``. ``net.set_params(lr=...)`` (what a warm start
does with a changed ``lr``) sets the learning rate of every optimizer that
has no ``<name>_optimizer__lr`` of its own, in place. Each name in
``loss_names`` gets a per-batch and a per-epoch entry in ``history_``; the
non-finite loss guard checks them all.

Validation. With a validation split, the default :meth:`validation_step`
scores the inference module (the first) against the target with the
net's criterion. A net trained without a target (a GAN) has no such loss:
it must override ``validation_step``, or ``fit`` with a validation split
fails at once with a message saying so.

Checkpoints. skorch's :class:`~skorch.callbacks.Checkpoint` and
:class:`~skorch.callbacks.LoadInitState` work unchanged: ``f_params``
holds the state dicts of *every* module and ``f_optimizer`` those of every
optimizer (``{name: state_dict}`` in one file each); ``f_<name>`` and
``f_<name>_optimizer`` still save single ones.

Inference with one module (generator-only sampling): the estimator calls
``self._forward(z, module='generator')``, which runs
:meth:`~skface.neural._net._Net.infer_module`: that module alone, batched,
in eval mode and without gradients; the other modules are not run::

    def sample(self, n_samples, random_state=None):
        z = check_random_state(random_state).normal(size=(n_samples, 8))
        return self._forward(z.astype(np.float32), module="generator")
"""

from __future__ import annotations

import os

import torch
from safetensors.torch import load as safetensors_load
from safetensors.torch import save as safetensors_save
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator, get_map_location

from ._net import _History, _Net, _to_device

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

    # -- learning rates --------------------------------------------------
    def set_params(self, **kwargs):
        """As skorch's, and ``lr`` reaches every optimizer (see module doc)."""
        super().set_params(**kwargs)
        for key, value in kwargs.items():
            # skorch sets <name>_optimizer__* on the optimizer only (a virtual
            # parameter); keep get_params (read by lr schedules) in step.
            if any(key.startswith(n + "_optimizer__") for n in self.module_names):
                setattr(self, key, value)
        if "lr" in kwargs and getattr(self, "initialized_", False):
            for name in self.module_names:
                if "lr" in self.get_params_for(name + "_optimizer"):
                    continue  # its own <name>_optimizer__lr wins
                for group in getattr(self, name + "_optimizer_").param_groups:
                    group["lr"] = kwargs["lr"]
        return self

    # -- validation ------------------------------------------------------
    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        own_step = type(self).validation_step is not MultiModuleNet.validation_step
        target = getattr(X, "y", y)
        if self.train_split is not None and not own_step and target is None:
            raise ValueError(self._no_validation_message())

    def _no_validation_message(self) -> str:
        return (
            f"{type(self).__name__} has no validation loss: it trains without a "
            "target (y is None) and does not override validation_step. Train "
            "without a validation split (validation_fraction=0), or override "
            "validation_step to return {'loss': ..., 'y_pred': ...} for a "
            "held-out batch."
        )

    def validation_step(self, batch, **fit_params):
        """Loss of the inference module (the first) on a validation batch.

        The criterion compares its output with the batch's target, as in
        skorch; nets trained without a target override this method.
        """
        if unpack_data(batch)[1] is None:
            raise ValueError(self._no_validation_message())
        return super().validation_step(batch, **fit_params)

    # -- checkpoints -----------------------------------------------------
    def _bundle(self, key):
        names = list(self.module_names)
        return names if key == "f_params" else [n + "_optimizer" for n in names]

    def save_params(
        self,
        f_params=None,
        f_optimizer=None,
        f_criterion=None,
        f_history=None,
        use_safetensors=False,
        **kwargs,
    ):
        """Save module, optimizer, criterion states and history (skorch API).

        ``f_params`` gets the state dicts of every module and
        ``f_optimizer`` those of every optimizer, ``{name: state_dict}``;
        ``f_<name>`` saves one component, as in skorch.
        """
        if f_params is None:  # Checkpoint passes f_params as f_module
            f_params = kwargs.pop("f_module", None)
        for key, f in (("f_params", f_params), ("f_optimizer", f_optimizer)):
            if f is None:
                continue
            if not self.initialized_:
                raise ValueError(
                    "Cannot save state of an un-initialized model; call "
                    ".initialize() or fit first"
                )
            states = {
                name: getattr(self, name + "_").state_dict()
                for name in self._bundle(key)
            }
            if not use_safetensors:
                torch.save(states, f)
                continue
            if key == "f_optimizer":
                raise ValueError(
                    "safetensors can only store tensors, not optimizer states; "
                    "save f_optimizer with use_safetensors=False"
                )
            flat = {
                f"{name}.{k}": v.detach().contiguous()
                for name, state in states.items()
                for k, v in state.items()
            }
            data = safetensors_save(flat)
            if isinstance(f, (str, os.PathLike)):
                with open(f, "wb") as fh:
                    fh.write(data)
            else:
                f.write(data)
        rest = {
            "f_criterion": f_criterion,
            "f_history": f_history,
            **kwargs,
        }
        if any(v is not None for v in rest.values()):
            super().save_params(use_safetensors=use_safetensors, **rest)

    def load_params(
        self,
        f_params=None,
        f_optimizer=None,
        f_criterion=None,
        f_history=None,
        checkpoint=None,
        use_safetensors=False,
        **kwargs,
    ):
        """Load what :meth:`save_params` saved (skorch API, checkpoints too)."""
        files = {}
        if checkpoint is not None:
            if not self.initialized_:
                self.initialize()
            if f_history is None and checkpoint.f_history is not None:
                # as skorch: file names may format values of the history
                self.history = _History.from_file(checkpoint.f_history_)
            files.update(checkpoint.get_formatted_files(self))
        files.update(kwargs)
        explicit = {
            "f_params": f_params,
            "f_optimizer": f_optimizer,
            "f_criterion": f_criterion,
            "f_history": f_history,
        }
        files.update({k: v for k, v in explicit.items() if v})
        if "f_module" in files:
            files["f_params"] = files.pop("f_module")
        for key in ("f_params", "f_optimizer"):
            f = files.pop(key, None)
            if f is not None:
                self._load_bundle(key, f, use_safetensors)
        if any(v is not None for v in files.values()):
            super().load_params(use_safetensors=use_safetensors, **files)

    def _load_bundle(self, key, f, use_safetensors):
        names = self._bundle(key)
        if use_safetensors:
            if isinstance(f, (str, os.PathLike)):
                with open(f, "rb") as fh:
                    flat = safetensors_load(fh.read())
            else:
                flat = safetensors_load(f.read())
            states = {}
            for k, v in flat.items():
                name, _, param = k.partition(".")
                states.setdefault(name, {})[param] = v.to(self.device)
        else:
            kwargs = self.torch_load_kwargs or {"weights_only": True}
            location = get_map_location(self.device)
            states = torch.load(f, map_location=location, **kwargs)
        if not isinstance(states, dict) or sorted(states) != sorted(names):
            found = sorted(states) if isinstance(states, dict) else type(states)
            raise ValueError(
                f"{f!r} holds {found}, expected the states of {names} (a "
                f"{type(self).__name__} {key} file)"
            )
        for name in names:
            getattr(self, name + "_").load_state_dict(states[name])

    def step_module(self, name: str, loss: torch.Tensor, batch=None) -> None:
        """Back-propagate ``loss`` and update module ``name`` only.

        Zeroes that module's optimizer, back-propagates ``loss`` (scaled by
        the GradScaler with ``amp=True`` on CUDA, through the accelerator
        with the Accelerate option), notifies ``on_grad_computed`` (so e.g.
        gradient-clipping callbacks work; with a GradScaler the gradients
        are unscaled first) and steps ``<name>_optimizer_`` (a scaled step
        is skipped when the gradients overflowed). Gradients that ``loss``
        leaves on other modules are zeroed by their own step before use.
        """
        optimizer = getattr(self, name + "_optimizer_")
        optimizer.zero_grad()
        self.backward(loss)
        if self._grad_listeners():
            self.unscale(optimizer)
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(
                    getattr(self, name + "_").named_parameters()
                ),
                batch=batch,
                training=True,
            )
        # Each backward pass has its own step: adapt the loss scale now, so
        # that a module stepped twice per batch (n_critic > 1) works.
        self.step_optimizer(optimizer, update=True)

    def record_losses(self, **losses) -> None:
        """Record named scalar losses for the current batch in the history.

        Tensors are detached; on CUDA they stay on the device until the
        epoch ends (see :meth:`~skface.neural._net._Net.sync_history`), so
        recording costs no host sync.
        """
        for key, value in losses.items():
            if not isinstance(value, torch.Tensor):
                value = float(value)
            self.record_value(key, value)
