"""The shared ``device`` parameter of the neural estimators, and the
Accelerate option (``accelerator``)."""

from __future__ import annotations

import torch

__all__ = [
    "accelerated_net_class",
    "check_accelerator",
    "resolve_device",
    "rng_devices",
]


def resolve_device(device) -> str:
    """Turn the shared ``device`` parameter into a torch device string.

    Parameters
    ----------
    device : str
        ``'auto'`` (CUDA when available, else the CPU), ``'cpu'``,
        ``'cuda'``, ``'cuda:1'``... or any torch device string.

    Returns
    -------
    device : str
        The torch device string, e.g. ``'cpu'`` or ``'cuda'``.

    Raises
    ------
    ValueError
        If ``device`` is not a device string, or names CUDA on a machine
        without CUDA.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or a torch device string, "
            f"got {device!r}"
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available; use 'auto'")
    return str(dev)


def rng_devices(device: str) -> list:
    """CUDA device indices whose RNG :func:`torch.random.fork_rng` must fork."""
    dev = torch.device(device)
    if dev.type != "cuda":
        return []
    return [dev.index if dev.index is not None else torch.cuda.current_device()]


# ----------------------------------------------------------------------
# The Accelerate option (several GPUs, or machines, through Hugging Face
# Accelerate and skorch's AccelerateMixin)

_ACCELERATED: dict = {}


def accelerated_net_class(net_class):
    """``net_class`` with skorch's :class:`~skorch.hf.AccelerateMixin` on top.

    skorch's mixin prepares the modules, criteria and optimizers with the
    accelerator (DDP wrapping on several processes, mixed precision as the
    ``Accelerator`` sets it) and unwraps the modules after training. On top
    of it, for skface's nets:

    * only modules and criteria with trainable parameters are prepared (a
      loss module or a generator's moving-average copy cannot be wrapped in
      DistributedDataParallel), and a DDP-wrapped module still answers its
      own attributes (``generator_.n_channels``);
    * the net's ``device`` is the accelerator's device (skorch's mixin
      wants ``device=None``; skface's train steps move tensors to
      ``net.device``, which then is where the accelerator placed the
      modules);
    * every train step, the multi-module ones included, runs under
      ``accelerator.autocast()`` and back-propagates with
      ``accelerator.backward``; the mixin's own ``train_step_single`` (which
      would skip the nets' augmentations) is not used;
    * skface's batch loader is not a ``DataLoader`` (``prepare`` leaves it
      alone): it shards the training rows between the processes itself
      (``_BatchLoader.num_processes``); validation and prediction run on
      every process unsharded and are not gathered;
    * on several processes, each fit draws one shuffle seed shared by all
      of them and then reseeds each process's torch RNG differently, so
      latent codes, dropout and augmentations differ between GPUs;
    * a warm start re-prepares the unwrapped modules.

    Classes are built once per ``net_class`` and pickle by reference to it.
    """
    cls = _ACCELERATED.get(net_class)
    if cls is not None:
        return cls
    from skorch.callbacks import LRScheduler
    from skorch.hf import AccelerateMixin  # needs the `accelerate` package

    base = net_class

    class _Accelerated(AccelerateMixin, base):
        def _validate_params(self):
            # The mixin refuses a device with device placement on; skface
            # sets device to the accelerator's own (see above).
            base._validate_params(self)

        def train_step(self, batch, **fit_params):
            first = getattr(self, self._modules[0] + "_")
            with self.accelerator.accumulate(first):
                return base.train_step(self, batch, **fit_params)

        def train_step_single(self, batch, **fit_params):
            return base.train_step_single(self, batch, **fit_params)

        def _step_optimizer(self, step_fn):
            return base._step_optimizer(self, step_fn)

        def evaluation_step(self, batch, training=False):
            return base.evaluation_step(self, batch, training=training)

        def autocast(self):
            return self.accelerator.autocast()

        def backward(self, loss):
            self.accelerator.backward(loss)

        def unscale(self, optimizer):
            pass  # accelerate's optimizer wrapper unscales in its step

        def step_optimizer(self, optimizer, update=True):
            optimizer.step()

        def get_iterator(self, dataset, training=False):
            iterator = super().get_iterator(dataset, training=training)
            n_processes = self.accelerator.num_processes
            if training and n_processes > 1 and hasattr(iterator, "num_processes"):
                iterator.num_processes = n_processes
                iterator.process_index = self.accelerator.process_index
                iterator.generator = torch.Generator().manual_seed(self.shard_seed_)
            return iterator

        def _initialize_accelerator(self):
            # As skorch's, but modules and criteria without trainable
            # parameters (a loss, an EMA copy) are not prepared: wrapping
            # them in DistributedDataParallel fails on several processes.
            if self._wrapped_with_accelerator:
                return self
            self._prepare_modules()
            for name in self._optimizers:
                optimizer = getattr(self, name + "_")
                if isinstance(optimizer, torch.optim.Optimizer):
                    setattr(self, name + "_", self.accelerator.prepare(optimizer))
            for _, callback in self.callbacks_:
                if isinstance(callback, LRScheduler):
                    callback.policy_ = self.accelerator.prepare(callback.policy_)
            self._wrapped_with_accelerator = True
            return self

        def _prepare_modules(self):
            for name in self._criteria + self._modules:
                module = getattr(self, name + "_")
                if isinstance(module, torch.nn.Module) and any(
                    p.requires_grad for p in module.parameters()
                ):
                    prepared = self.accelerator.prepare(module)
                    setattr(self, name + "_", _expose_module_attributes(prepared))

        def on_train_begin(self, net, X=None, y=None, **kwargs):
            if any(
                isinstance(getattr(self, name + "_"), torch.optim.LBFGS)
                for name in self._optimizers
            ):
                raise ValueError(
                    "an accelerator cannot train with LBFGS (its GradScaler "
                    "cannot step with a closure); use another optimizer"
                )
            if self.initialized_ and not self._wrapped_with_accelerator:
                self._rewrap_modules()
            if self.accelerator.num_processes > 1:
                # Modules were initialised alike everywhere (same seed; DDP
                # also broadcasts rank 0's weights). From here on: one
                # shuffle shared by all processes (the loader's generator),
                # and each process its own noise (latent codes, dropout,
                # augmentation), else every GPU would draw the same fakes.
                shared = int(torch.randint(2**31 - 1, (1,)))
                self.shard_seed_ = shared
                own = (shared + 1 + self.accelerator.process_index) % (2**31 - 1)
                torch.random.default_generator.manual_seed(own)
                if torch.device(self.device).type == "cuda":
                    torch.cuda.manual_seed(own)  # the current device only
            super().on_train_begin(net, X=X, y=y, **kwargs)

        def _rewrap_modules(self):
            # After unwrap_after_train only modules and criteria are
            # unwrapped; the optimizers are still prepared.
            self._prepare_modules()
            self._wrapped_with_accelerator = True

        def __reduce__(self):
            return (_new_accelerated, (base,), self.__getstate__())

    _Accelerated.__name__ = _Accelerated.__qualname__ = (
        f"_Accelerated{net_class.__name__.lstrip('_')}"
    )
    _ACCELERATED[net_class] = _Accelerated
    return _Accelerated


class _ExposingDDP(torch.nn.parallel.DistributedDataParallel):
    """DistributedDataParallel that also answers its module's attributes.

    skface's train steps read attributes of their modules
    (``generator_.n_channels``, ``autoencoder_.n_identities``...); a plain
    DDP wrapper only has ``.module``.
    """

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":
                raise
            return getattr(self.module, name)


def _expose_module_attributes(module):
    if type(module) is torch.nn.parallel.DistributedDataParallel:
        module.__class__ = _ExposingDDP
    return module


def _new_accelerated(net_class):
    """Unpickling helper: an empty instance of the accelerated ``net_class``."""
    cls = accelerated_net_class(net_class)
    return cls.__new__(cls)


def check_accelerator(accelerator, device, amp) -> str:
    """Validate the ``accelerator`` parameter; return the net's device.

    Raises
    ------
    ValueError
        If ``accelerator`` is not an ``accelerate.Accelerator``, if
        ``device`` names another device than the accelerator's, or if
        ``amp=True`` (mixed precision is then the accelerator's
        ``mixed_precision``).
    """
    try:
        from accelerate import Accelerator
    except ImportError as exc:
        raise ImportError(
            "accelerator= needs the `accelerate` package: pip install "
            "'skface[gpu]' (or pip install accelerate)"
        ) from exc
    if not isinstance(accelerator, Accelerator):
        raise ValueError(
            "accelerator must be None or an accelerate.Accelerator, got "
            f"{accelerator!r}"
        )
    if amp:
        raise ValueError(
            "amp=True with an accelerator: set mixed precision on the "
            "accelerator instead, e.g. Accelerator(mixed_precision='fp16'), "
            "and keep amp=False"
        )
    target = str(accelerator.device)
    if device != "auto" and not _same_device(device, target):
        raise ValueError(
            f"device={device!r} but the accelerator runs on {target!r}; use "
            "device='auto' with an accelerator"
        )
    return target


def _same_device(a, b) -> bool:
    """Whether two device strings name one device (``'cuda'`` is any index)."""
    a, b = torch.device(a), torch.device(b)
    if a.type != b.type:
        return False
    return a.index is None or b.index is None or a.index == b.index
