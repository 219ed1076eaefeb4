"""The core shared by every skface neural estimator.

:class:`BaseNeuralEstimator` turns a scikit-learn estimator with explicit
parameters into a private skorch net built in ``fit`` and kept as ``net_``.
"""

from __future__ import annotations

import inspect
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit
from skorch.utils import to_numpy

from ..utils._random import draw_seed, torch_rng_context
from ..utils._registry import NEURAL_ESTIMATORS, register_class
from ._callbacks import TrainingInterruptedWarning, verbosity_callbacks
from ._device import (
    accelerated_net_class,
    check_accelerator,
    resolve_device,
    rng_devices,
)
from ._net import _BatchLoader, _Net, _TensorDataset
from ._persistence import load_model, save_model

__all__ = ["BaseNeuralEstimator", "OPTIMIZERS", "resolve_device"]

#: Optimizer names accepted by the shared ``optimizer`` parameter.
OPTIMIZERS = {
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "NAdam",
    "rmsprop": "RMSprop",
    "sgd": "SGD",
}


def _optimizer_class(optimizer):
    if isinstance(optimizer, str):
        return getattr(torch.optim, OPTIMIZERS[optimizer])
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer
    raise ValueError(
        f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
        f"subclass, got {optimizer!r}"
    )


class BaseNeuralEstimator(BaseEstimator, metaclass=ABCMeta):
    """Base class of skface's neural estimators (skorch inside).

    A subclass declares its parameters explicitly in ``__init__`` (the
    shared ones below plus its own), validates and encodes the data in
    ``fit``, sets the fitted attributes its network depends on, and calls
    :meth:`_fit_net`. The network is described by:

    ``_net_class``
        The private skorch net: :class:`skface.neural._net._Net` (one
        module), ``_ClassifierNet`` (adds ``valid_acc``) or a
        :class:`skface.neural._multi.MultiModuleNet` subclass (several
        modules and optimizers with a custom ``train_step``).
    ``_net_params()``
        The net's module and criterion arguments, e.g. ``{'module': MLP,
        'module__n_inputs': self.n_features_in_, 'criterion':
        nn.CrossEntropyLoss}``; it may read fitted attributes only, so that
        :meth:`load` can rebuild the net without data.
    ``_fitted_attributes``
        Names of those fitted attributes (``classes_``, ``n_features_in_``,
        ...), stored by :meth:`save` next to the weights.

    Shared parameters (one meaning in every neural estimator):
    ``max_epochs``, ``batch_size``, ``lr``, ``optimizer`` (``'adam'``,
    ``'adamw'``, ``'nadam'``, ``'rmsprop'``, ``'sgd'`` or a
    ``torch.optim.Optimizer`` subclass), ``weight_decay`` (passed to every
    optimizer), ``device`` (``'auto'``: CUDA when available, else CPU),
    ``random_state``, ``verbose`` (0 silent, 1 one line per epoch, 2 adds a
    tqdm bar), ``validation_fraction`` (0 trains on everything; else that
    fraction is held out, stratified for classifiers, drawn from
    ``random_state``), ``early_stopping`` / ``n_iter_no_change`` (stop when
    the validation loss, or the training loss without a validation split,
    has not improved by 1e-4 relative for that many epochs, and restore the
    best weights of single-module nets), ``callbacks`` (extra skorch
    callbacks, used as given: skorch initialises them in place, and
    ``net_.callbacks_`` lists them all after ``fit``) and ``warm_start``
    (continue training the fitted network, optimizer state included, for
    ``max_epochs`` more epochs; ``lr``, ``batch_size``, ``max_epochs`` and
    ``verbose`` changed in between apply, ``lr`` to every optimizer that
    has no learning rate of its own, per-optimizer rates such as
    ``lr_discriminator`` to theirs), ``amp`` (mixed-precision training:
    float16 autocast with gradient scaling on CUDA, bfloat16 autocast on
    the CPU; inference stays in float32) and ``accelerator`` (an
    ``accelerate.Accelerator``: train through skorch's ``AccelerateMixin``
    on the accelerator's device(s), e.g. several GPUs under ``accelerate
    launch``; mixed precision is then the accelerator's ``mixed_precision``).
    A subclass that does not list ``amp`` or ``accelerator`` in its
    ``__init__`` trains without them.

    **On a GPU** batches are copied to the device from pinned memory
    without blocking, and the per-batch losses stay on the device until the
    end of each epoch (no host sync per batch; see
    :class:`skface.neural._net._Net`).

    **Reading the training history from a callback.** ``history_`` is the
    skorch history: one row per epoch with ``epoch``, ``train_loss``,
    ``valid_loss`` (with a validation split), the estimator's validation
    score (``valid_acc`` for classifiers), extra losses of multi-module
    models and ``dur``; ``history_[-1, 'batches']`` holds the per-batch
    values. A skorch callback passed in ``callbacks`` sees the same object
    as ``net.history`` in ``on_epoch_end(self, net, **kwargs)``, e.g.
    ``net.history[-1, 'valid_acc']``. Any exception it raises propagates
    out of ``fit`` and leaves the estimator as it was before the call (a
    warm start keeps its previous weights, optimizer states and history; a
    cold fit leaves it unfitted), so a pruning callback can raise
    ``optuna.TrialPruned`` to abandon a trial. ``KeyboardInterrupt``
    (Ctrl-C) is skorch's request to stop early: ``fit`` returns the model
    trained so far with a :class:`TrainingInterruptedWarning` naming the
    epoch. ``_validation_score`` names the key such a callback should
    report and whether lower is better (``('valid_acc', False)`` for
    classifiers, ``('valid_loss', True)`` otherwise); it is recorded only
    when ``validation_fraction > 0``.

    Training is reproducible: with an int ``random_state`` on the CPU two
    fits give identical weights; initialisation, shuffling, dropout and the
    validation split all draw from generators seeded from ``random_state``
    inside :func:`torch.random.fork_rng`, so the caller's global torch RNG
    is left as it was.
    """

    _net_class = _Net
    _fitted_attributes: tuple[str, ...] = ("n_features_in_",)
    #: History key of the per-epoch validation score and whether lower is
    #: better (what a pruning callback should report).
    _validation_score: tuple[str, bool] = ("valid_loss", True)

    _parameter_constraints: dict = {
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "amp": ["boolean"],
        "accelerator": [None, object],  # checked in fit (check_accelerator)
    }

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Public subclasses may be rebuilt from a model file (load_model).
        register_class(NEURAL_ESTIMATORS, cls)

    @abstractmethod
    def _net_params(self) -> dict:
        """Module/criterion arguments of the net (may read fitted attributes)."""

    # ------------------------------------------------------------------
    # fitted state

    def __sklearn_is_fitted__(self):
        return getattr(self, "net_", None) is not None

    @property
    def history_(self):
        """skorch ``History`` of the fit: one dict per epoch (see class doc)."""
        check_is_fitted(self)
        return self.net_.history

    @property
    def n_iter_(self) -> int:
        """Number of epochs trained (all warm-start fits included)."""
        return len(self.history_)

    # ------------------------------------------------------------------
    # training

    def _fit_net(self, X, y=None, *, sample_weight=None, stratify=None):
        """Train the net on validated arrays and return ``self``.

        A training error (a :class:`NonFiniteLossError`, an exception from a
        callback...) propagates, and the estimator is left as it was before
        the call: a warm start gets back its weights, optimizer states,
        training parameters and history; a cold fit leaves it unfitted. A
        ``KeyboardInterrupt`` (Ctrl-C), which skorch takes as a request to
        stop, keeps the weights reached and warns with a
        :class:`TrainingInterruptedWarning` naming the epoch.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...)
            Model input, already validated (float32 for most modules).
        y : ndarray of shape (n_samples, ...) or None
            Training target passed to the criterion (class indices, images,
            ...), or None for models whose ``train_step`` needs none.
        sample_weight : ndarray of shape (n_samples,) or None
            Per-sample loss weights.
        stratify : ndarray of shape (n_samples,) or None
            Labels the validation split is stratified on (classifiers).
        """
        _optimizer_class(self.optimizer)  # fail before building anything
        accelerator = getattr(self, "accelerator", None)
        if accelerator is not None:
            device = check_accelerator(accelerator, self.device, self._amp())
        else:
            device = resolve_device(self.device)
        seed = draw_seed(self.random_state)
        dataset = _TensorDataset(X, y, sample_weight)
        warm = self.warm_start and self.__sklearn_is_fitted__()
        if warm:
            # An int random_state gives the same seed on every call: offset
            # it by the epochs already trained, so that continuing training
            # epoch by epoch does not replay the same shuffles, noise and
            # augmentations (and stays reproducible).
            seed = (seed + len(self.net_.history)) % (2**31 - 1)
        net = self.net_ if warm else None
        snapshot = net.snapshot() if warm else None
        try:
            with torch_rng_context(seed, devices=rng_devices(device)):
                if warm:
                    # Training parameters changed since the last fit apply;
                    # lr (and <name>_optimizer__lr) in place, optimizer
                    # state kept.
                    own_lr = {
                        key: value
                        for key, value in self._net_params().items()
                        if key.endswith("_optimizer__lr")
                    }
                    net.set_params(
                        max_epochs=self.max_epochs,
                        batch_size=self.batch_size,
                        verbose=int(self.verbose),
                        lr=float(self.lr),
                        amp=self._amp(),
                        **own_lr,
                    )
                else:
                    net = self._make_net(device, seed).initialize()
                net.fit(dataset, stratify)
        except BaseException:
            if warm:
                net.restore(snapshot)
            else:
                self.__dict__.pop("net_", None)  # unfitted, not half-refitted
            raise
        self.net_ = net
        interrupted = net.interrupted_
        if interrupted is not None:
            complete = sum("dur" in row for row in net.history)
            warnings.warn(
                f"{type(self).__name__}.fit was interrupted (KeyboardInterrupt) in "
                f"epoch {interrupted}; the estimator keeps the weights reached "
                f"then ({complete} complete epochs in history_). Fit again with "
                "warm_start=True to continue training.",
                TrainingInterruptedWarning,
                stacklevel=3,
            )
        return self

    def _amp(self) -> bool:
        # Read through getattr: a subclass that does not list ``amp`` in its
        # __init__ (yet) trains in full precision.
        return bool(getattr(self, "amp", False))

    def _make_net(self, device: str, seed: int):
        optimizer = _optimizer_class(self.optimizer)
        params = {
            "optimizer": optimizer,
            "lr": float(self.lr),
            "max_epochs": int(self.max_epochs),
            "batch_size": int(self.batch_size),
            "iterator_train": _BatchLoader,
            "iterator_train__shuffle": True,
            "iterator_valid": _BatchLoader,
            "train_split": self._train_split(seed),
            "callbacks": self._all_callbacks(),
            # The estimator decides when to re-initialise (see _fit_net).
            "warm_start": True,
            "verbose": int(self.verbose),
            "device": device,
            "amp": self._amp(),
        }
        if "weight_decay" in inspect.signature(optimizer).parameters:
            params["optimizer__weight_decay"] = float(self.weight_decay)
        elif self.weight_decay:
            raise ValueError(
                f"weight_decay={self.weight_decay!r} but {optimizer.__name__} has "
                "no weight_decay argument; use weight_decay=0"
            )
        params.update(self._net_params())
        net_class = self._net_class
        accelerator = getattr(self, "accelerator", None)
        if accelerator is not None:
            net_class = accelerated_net_class(net_class)
            params["accelerator"] = accelerator
        return net_class(**params)

    def _train_split(self, seed: int):
        if not self.validation_fraction:
            return None
        return ValidSplit(
            float(self.validation_fraction),
            stratified=is_classifier(self),
            random_state=seed,
        )

    def _all_callbacks(self) -> list:
        callbacks = verbosity_callbacks(int(self.verbose))
        if self.early_stopping:
            monitor = "valid_loss" if self.validation_fraction else "train_loss"
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor=monitor,
                        patience=self.n_iter_no_change,
                        load_best=self._net_class.restore_best,
                    ),
                )
            )
        return callbacks + list(self.callbacks or [])

    # ------------------------------------------------------------------
    # inference

    def _forward(self, X, *more, module=None, **module_kwargs) -> np.ndarray:
        """Module output for validated ``X``, batched, in eval mode, as numpy.

        ``module`` names one module of a multi-module net (e.g.
        ``'generator'``) to run it alone, without the others, on ``X`` and
        the further inputs ``more`` (``module(x, *more_rows,
        **module_kwargs)`` per batch); None runs the net's inference module
        (its first) on ``X``.
        """
        if module is None:
            if more or module_kwargs:
                raise TypeError("further inputs need a named module")
            out = self.net_.forward(_TensorDataset(X))
        else:
            out = self.net_.infer_module(module, X, *more, **module_kwargs)
        if isinstance(out, tuple):
            return tuple(to_numpy(o) for o in out)
        return to_numpy(out)

    # ------------------------------------------------------------------
    # persistence

    def save(self, path) -> None:
        """Save weights, parameters and fitted attributes to ``path``.

        The file is a single safetensors file: the state dict of every
        module of ``net_`` plus JSON metadata (the estimator's class and
        parameters, the fitted attributes named in ``_fitted_attributes``
        and the training history). Loading it executes no pickle. The
        ``callbacks`` parameter and a ``RandomState`` ``random_state`` are
        not saved (they come back as None); the optimizer state is not saved
        either (use skorch's ``Checkpoint`` for resumable training).
        """
        save_model(self, path)

    @classmethod
    def load(cls, path, *, device=None):
        """Load an estimator written by :meth:`save` (see :func:`load_model`).

        Parameters
        ----------
        path : str or path-like
            File written by :meth:`save`.
        device : str or None, default=None
            Device to load on, also set as the ``device`` parameter (so the
            loaded model refits there); None keeps the saved one, or the CPU
            when it is not available.

        Returns
        -------
        estimator : BaseNeuralEstimator
            Fitted estimator of this class.
        """
        return load_model(path, device=device, expected_class=cls)

    def _build_net_for_loading(self, device: str):
        net = self._make_net(device, seed=0)
        with torch_rng_context(0, devices=rng_devices(device)):
            return net.initialize()
