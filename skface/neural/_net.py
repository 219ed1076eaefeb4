"""Private skorch nets and the tensor data pipeline behind skface estimators.

The public estimators (:mod:`skface.neural`) never expose these classes:
they build one in ``fit`` and keep it as ``net_``.

* :class:`_TensorDataset` holds ``X``, ``y`` and per-sample weights as
  tensors; :class:`_BatchLoader` cuts shuffled mini-batches from them by
  indexing, with no per-sample ``collate`` (the cost a plain PyTorch loop
  pays too, and no more).
* :class:`_Net` is a :class:`skorch.NeuralNet` with per-sample weighted
  losses, an L2 penalty hook, per-batch validation metrics passed through to
  the epoch history, extra named losses for multi-module training
  (:mod:`skface.neural._multi`) and the non-finite loss guard; it notes
  the epoch a ``KeyboardInterrupt`` stopped training in (``interrupted_``),
  takes a :meth:`~_Net.snapshot` of its state that :meth:`~_Net.restore`
  puts back after a failed warm start, and runs one module alone with
  :meth:`~_Net.infer_module`.
* :class:`_ClassifierNet` adds the validation accuracy ``valid_acc``.

GPU path (see :class:`_Net`): batches are gathered into pinned host memory
and copied to a CUDA device without blocking; ``amp=True`` trains under
:func:`torch.autocast` (float16 with a :class:`torch.amp.GradScaler` on
CUDA, bfloat16 on the CPU); on CUDA the per-batch losses stay on the device
until the end of the epoch (one host sync per epoch instead of one per
batch).
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Mapping

import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, EpochTimer
from skorch.dataset import get_len, unpack_data
from skorch.history import History
from skorch.utils import TeeGenerator, to_tensor
from torch.utils.data import Subset

from ._callbacks import BatchMean, EpochLog, NonFiniteLossGuard

__all__ = ["_BatchLoader", "_ClassifierNet", "_History", "_Net", "_TensorDataset"]


class _TensorDataset(torch.utils.data.Dataset):
    """``X``, optional ``y`` and optional sample weights, as tensors.

    A batch is ``(X[rows], target)`` where ``target`` is ``None`` (no ``y``),
    ``y[rows]``, or ``{'y': y[rows], 'sample_weight': w[rows]}`` when sample
    weights are given; :meth:`_Net.get_loss` unpacks the last form.
    """

    def __init__(self, X, y=None, sample_weight=None):
        self.X = _as_tensor(X)
        self.y = None if y is None else _as_tensor(y)
        self.sample_weight = (
            None if sample_weight is None else _as_tensor(sample_weight)
        )

    def __len__(self) -> int:
        return len(self.X)

    def batch(self, rows):
        if self.y is None:
            return self.X[rows], None
        if self.sample_weight is None:
            return self.X[rows], self.y[rows]
        return self.X[rows], {
            "y": self.y[rows],
            "sample_weight": self.sample_weight[rows],
        }

    def __getitem__(self, i):
        return self.batch(i)


def _as_tensor(a):
    if isinstance(a, torch.Tensor):
        return a
    # torch.from_numpy shares memory; copy read-only (e.g. memmapped) arrays,
    # which torch would otherwise warn about.
    if not a.flags.writeable or not a.flags.c_contiguous:
        a = a.copy(order="C")
    return torch.from_numpy(a)


def _base_and_rows(dataset):
    """``(base _TensorDataset, row indices or None)`` through nested Subsets."""
    rows = None
    while isinstance(dataset, Subset):
        idx = torch.as_tensor(dataset.indices, dtype=torch.long)
        rows = idx if rows is None else idx[rows]
        dataset = dataset.dataset
    if not isinstance(dataset, _TensorDataset):
        raise TypeError(
            f"skface nets iterate over their own datasets, got {type(dataset).__name__}"
        )
    return dataset, rows


class _BatchLoader:
    """Mini-batches of a :class:`_TensorDataset` (or a Subset of one).

    Shuffling draws ``torch.randperm`` from the global torch RNG, which the
    estimators fork and seed from ``random_state`` around ``fit``
    (:func:`skface.utils.torch_rng_context`): runs are reproducible and the
    caller's RNG is left untouched.

    The net sets ``device`` (see :meth:`_Net.get_iterator`): batches are
    moved there as they are cut. On a CUDA device each batch is gathered
    straight into pinned (page-locked) host memory and copied with
    ``non_blocking=True``, so the copy overlaps the previous batch's
    compute instead of synchronising the stream. ``num_processes`` and
    ``process_index`` shard the rows between data-parallel processes (the
    Accelerate option): every process draws the same permutation (from
    ``generator``, seeded alike on every process), pads it to a multiple of
    ``num_processes`` by repeating its first rows, and keeps every
    ``num_processes``-th row from ``process_index``, so all processes run
    the same number of batches.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.device = None
        self.num_processes = 1
        self.process_index = 0
        self.generator = None  # the shuffles' torch.Generator (None: global)

    def _rows(self, n):
        """Row order for this process, or None for ``0..n-1`` in order."""
        rows = torch.randperm(n, generator=self.generator) if self.shuffle else None
        if self.num_processes > 1:
            if rows is None:
                rows = torch.arange(n)
            pad = -n % self.num_processes
            if pad:
                rows = torch.cat([rows, rows[:pad].repeat(math.ceil(pad / n))[:pad]])
            rows = rows[self.process_index :: self.num_processes]
        return rows

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.num_processes > 1:
            n = math.ceil(n / self.num_processes)
        return math.ceil(n / self.batch_size)

    def __iter__(self):
        base, rows = _base_and_rows(self.dataset)
        n = len(base) if rows is None else len(rows)
        order = self._rows(n)
        if order is not None:
            rows = order if rows is None else rows[order]
        n = n if rows is None else len(rows)
        device = self.device
        # CPU batches stay as they are (.to() would parse the device string)
        move = device is not None and torch.device(device).type != "cpu"
        pin = _is_cuda(device)
        for start in range(0, n, self.batch_size):
            if rows is None:
                batch = base.batch(slice(start, start + self.batch_size))
            else:
                batch = base.batch(rows[start : start + self.batch_size])
            if move:
                batch = _move(batch, device, pin)
            yield batch


def _is_cuda(device) -> bool:
    return device is not None and torch.device(device).type == "cuda"


def _pinned_like(t: torch.Tensor) -> torch.Tensor:
    """An empty pinned host tensor of ``t``'s shape and dtype (CUDA only)."""
    return torch.empty(t.shape, dtype=t.dtype, pin_memory=True)


def _transfer(t: torch.Tensor, device, pin: bool) -> torch.Tensor:
    """``t`` on ``device``; through pinned memory without blocking if ``pin``.

    A copy from pageable memory synchronises the CUDA stream before it
    starts; one from pinned memory with ``non_blocking=True`` is queued and
    returns at once. PyTorch's caching host allocator keeps the pinned
    block alive until the queued copy has finished.
    """
    if t.device.type != "cpu" or not pin:
        return t.to(device)
    staged = _pinned_like(t)
    staged.copy_(t)
    return staged.to(device, non_blocking=True)


def _move(batch, device, pin: bool):
    """A ``(X, target)`` batch (target None, a tensor or a dict) on ``device``."""
    if isinstance(batch, torch.Tensor):
        return _transfer(batch, device, pin)
    if isinstance(batch, Mapping):
        return {k: _move(v, device, pin) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(_move(v, device, pin) for v in batch)
    return batch


class _History(History):
    """skorch ``History`` with constant-time integer indexing.

    skorch reads and writes ``history[-1]`` several times per batch; its
    generic ``__getitem__`` copies the list of epochs each time.
    """

    def __getitem__(self, i):
        if type(i) is int:
            return list.__getitem__(self, i)
        return super().__getitem__(i)


def _to_device(data, device):
    if isinstance(data, torch.Tensor):
        # .to() parses the device string each call: skip it on the CPU
        return data if device == "cpu" and not data.is_cuda else data.to(device)
    return to_tensor(data, device=device)


class _Net(NeuralNet):
    """The skorch net that skface estimators build in ``fit`` (private).

    On top of :class:`skorch.NeuralNet`:

    * with sample weights, the criterion is applied per sample
      (``reduction='none'``) and reduced to the weighted mean; without, it
      keeps its own reduction (the mean), the same value for unit weights;
    * ``alpha`` adds ``alpha * sum(p ** 2)`` over all learnable parameters
      (weights and biases) to the training loss, as Keras' L2 kernel and bias
      regularisers do; the validation loss is the plain data loss;
    * subclasses name batch-level validation metrics in ``metric_names``
      (computed by :meth:`batch_metrics`) and extra training losses in
      ``loss_names`` (recorded by their ``train_step``); each gets an
      epoch-level entry in the history, averaged over batches;
    * a :class:`NonFiniteLossGuard` stops training on a NaN/inf loss.

    GPU path:

    * ``amp=True`` runs every training and validation step under
      :func:`torch.autocast` (float16 on CUDA, with a
      :class:`torch.amp.GradScaler` kept as ``amp_scaler_``; bfloat16 on
      the CPU, no scaler). Backward passes and optimizer steps go through
      :meth:`backward` and :meth:`step_optimizer`, which scale, unscale
      (before ``on_grad_computed``, so gradient clipping sees true
      gradients) and skip steps with overflowing gradients. Inference runs
      in full precision. Optimizers that re-evaluate the loss (LBFGS) are
      refused: the scaler cannot step them with a closure.
    * batches reach the device through :class:`_BatchLoader` (pinned
      memory, non-blocking copies on CUDA);
    * ``defer_sync`` (None: on CUDA) records each batch's losses and
      metrics in the history as 0-dim device tensors and turns them into
      floats once, at the end of the epoch (:meth:`sync_history`), so the
      training loop never waits for the GPU; the non-finite loss guard then
      checks the epoch's batches at its end. On the CPU the values are
      floats at once, as in skorch.
    """

    #: Extra batch-level training losses recorded by ``train_step``.
    loss_names: tuple[str, ...] = ()
    #: Validation metrics from :meth:`batch_metrics`, name -> lower_is_better.
    metric_names: dict[str, bool] = {}
    #: Whether early stopping can restore the best ``module_`` weights.
    restore_best: bool = True

    def __init__(self, *args, alpha=0.0, amp=False, defer_sync=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.alpha = alpha
        self.amp = amp
        self.defer_sync = defer_sync
        #: Epoch a KeyboardInterrupt stopped the last fit in, else None.
        self.interrupted_ = None
        #: GradScaler of float16 training on CUDA (amp=True), else None.
        self.amp_scaler_ = None

    @property
    def _default_callbacks(self):
        callbacks = [
            ("epoch_timer", EpochTimer()),
            ("train_loss", BatchMean(name="train_loss", on_train=True)),
        ]
        for name in self.loss_names:
            callbacks.append((name, BatchMean(name=name, on_train=True)))
        if self.train_split:  # validation scores only with a validation split
            callbacks.append(("valid_loss", BatchMean(name="valid_loss")))
            for name, lower_is_better in self.metric_names.items():
                callbacks.append(
                    (
                        name,
                        BatchMean(name=name, lower_is_better=lower_is_better),
                    )
                )
        callbacks += [("nan_guard", NonFiniteLossGuard()), ("print_log", EpochLog())]
        return callbacks

    # -- per-batch bookkeeping kept lean: the estimators' networks are often
    # small enough for skorch's Python overhead to show next to a plain loop.

    def initialize_history(self):
        if isinstance(self.history_, _History):
            self.history_.clear()
        else:
            self.history_ = _History()
        return self

    def notify(self, method_name, **cb_kwargs):
        # As NeuralNet.notify, but callbacks that inherit a hook from
        # skorch's Callback (a no-op) are not called for it.
        getattr(self, method_name)(self, **cb_kwargs)
        for cb in self._listeners(method_name):
            getattr(cb, method_name)(self, **cb_kwargs)

    def _listeners(self, method_name):
        callbacks = self.callbacks_
        cache = self.__dict__.get("listeners_")
        if cache is None or cache[0] is not callbacks or cache[1] != len(callbacks):
            cache = (callbacks, len(callbacks), {})
            self.__dict__["listeners_"] = cache
        listeners = cache[2].get(method_name)
        if listeners is None:
            noop = getattr(Callback, method_name, None)
            listeners = [
                cb
                for _, cb in callbacks
                if not (
                    isinstance(cb, Callback) and getattr(type(cb), method_name) is noop
                )
            ]
            cache[2][method_name] = listeners
        return listeners

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("listeners_", None)  # a cache, rebuilt on the next notify
        return state

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        # skorch's partial_fit swallows a KeyboardInterrupt from its loop (a
        # request to stop early); note the epoch so the estimator can warn.
        self.interrupted_ = None
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except KeyboardInterrupt as exc:
            if not _raised_by_early_stopping(exc):
                history = self.history
                self.interrupted_ = history[-1].get("epoch", 0) if len(history) else 0
            raise

    # -- the GPU path: transfers, mixed precision, host syncs

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        if isinstance(iterator, _BatchLoader):
            iterator.device = self.device
        return iterator

    def _defers_sync(self) -> bool:
        if self.defer_sync is not None:
            return bool(self.defer_sync)
        return _is_cuda(self.device)

    def _amp_dtype(self):
        kind = torch.device(self.device).type
        if kind == "cuda":
            return torch.float16
        if kind == "cpu":
            return torch.bfloat16
        raise ValueError(
            f"amp=True supports CUDA (float16) and the CPU (bfloat16), not "
            f"device={self.device!r}; use amp=False"
        )

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.defer_sync_ = self._defers_sync()
        if not self.amp:
            self.amp_scaler_ = None
            return
        if any(
            isinstance(getattr(self, name + "_"), torch.optim.LBFGS)
            for name in self._optimizers
        ):
            raise ValueError(
                "amp=True cannot train with LBFGS (a GradScaler cannot step an "
                "optimizer that re-evaluates the loss); use amp=False"
            )
        dtype = self._amp_dtype()
        if dtype == torch.float16 and self.amp_scaler_ is None:
            self.amp_scaler_ = _grad_scaler()
        elif dtype != torch.float16:
            self.amp_scaler_ = None

    def autocast(self):
        """Context of one training or validation step (mixed precision)."""
        if not self.amp:
            return contextlib.nullcontext()
        return torch.autocast(torch.device(self.device).type, dtype=self._amp_dtype())

    def backward(self, loss: torch.Tensor) -> None:
        """``loss.backward()``, scaled first when a GradScaler is active."""
        scaler = self.amp_scaler_
        if scaler is not None:
            loss = scaler.scale(loss)
        loss.backward()

    def unscale(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the loss scale, if scaled."""
        if self.amp_scaler_ is not None:
            self.amp_scaler_.unscale_(optimizer)

    def step_optimizer(self, optimizer, update: bool = True) -> None:
        """``optimizer.step()``, through the GradScaler when one is active.

        The scaler skips the step when the gradients overflowed and, with
        ``update`` (after the last optimizer of a backward pass), adapts the
        loss scale.
        """
        scaler = self.amp_scaler_
        if scaler is None:
            optimizer.step()
            return
        scaler.step(optimizer)
        if update:
            scaler.update()

    def _grad_listeners(self) -> bool:
        return bool(self._listeners("on_grad_computed")) or (
            type(self).on_grad_computed is not NeuralNet.on_grad_computed
        )

    def record_value(self, key: str, value) -> None:
        """Record a batch value: a tensor stays on its device when deferring."""
        if isinstance(value, torch.Tensor):
            value = value.detach()
            if not self.__dict__.get("defer_sync_", False):
                value = value.item()
        self.history.record_batch(key, value)

    def sync_history(self) -> None:
        """Turn the tensors recorded in this epoch's batches into floats.

        One device-to-host copy for all of them (``torch.stack`` then
        ``tolist``), instead of one ``.item()`` per batch and value.
        """
        if not len(self.history):
            return
        batches = list.__getitem__(self.history, -1).get("batches", ())
        where, tensors = [], []
        for row in batches:
            for key, value in row.items():
                if isinstance(value, torch.Tensor):
                    where.append((row, key))
                    tensors.append(value)
        if not tensors:
            return
        device = tensors[0].device
        dtype = (
            torch.float64
            if any(t.dtype == torch.float64 for t in tensors)
            else torch.float32
        )
        values = torch.stack(
            [t.reshape(()).to(device=device, dtype=dtype) for t in tensors]
        ).tolist()
        for (row, key), value in zip(where, values):
            row[key] = value

    def on_epoch_end(self, net, **kwargs):
        self.sync_history()  # before the scoring callbacks read the batches
        super().on_epoch_end(net, **kwargs)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.sync_history()  # an interrupted epoch
        super().on_train_end(net, X=X, y=y, **kwargs)

    # -- rolling back a failed fit

    def snapshot(self) -> dict:
        """Copies of all the state a fit changes (see :meth:`restore`).

        The state dicts of every module, criterion and optimizer (deep
        copies: optimizer states are updated in place), the history and the
        net's parameters (``max_epochs``, ``lr``, ``<name>_optimizer__lr``...).
        """
        states = {}
        for name in [*self._modules, *self._criteria, *self._optimizers]:
            component = getattr(self, name + "_", None)
            if hasattr(component, "state_dict"):
                states[name] = copy.deepcopy(component.state_dict())
        if self.amp_scaler_ is not None:
            states["amp_scaler"] = copy.deepcopy(self.amp_scaler_.state_dict())
        params = {k: v for k, v in vars(self).items() if not k.endswith("_")}
        return {
            "states": states,
            "history": copy.deepcopy(list(self.history)),
            "params": params,
        }

    def restore(self, snapshot: dict) -> None:
        """Put back the state saved by :meth:`snapshot`, in place."""
        for name, state in snapshot["states"].items():
            getattr(self, name + "_").load_state_dict(state)
        # (a scaler created by the failed fit itself is harmless: it is
        # re-created or dropped at the next fit's start)
        self.history = _History(snapshot["history"])
        vars(self).update(snapshot["params"])
        self.interrupted_ = None

    # -- inference with one module

    def infer_module(self, name: str, X, *more, **fit_params):
        """Output of module ``name`` alone for ``X``, in eval mode, no grad.

        The path for generator-only inference in multi-module nets: e.g.
        ``net.infer_module('generator', z)`` samples from a GAN without
        touching the discriminator. ``X`` (ndarray, tensor or a
        :class:`_TensorDataset`) and the further inputs ``more`` (e.g. the
        conditions of a conditional generator, ``module(z, c)``) are cut
        into the same ``batch_size`` batches on the net's device;
        ``fit_params`` go to every call as keywords. The module's
        train/eval mode is put back afterwards.

        Returns
        -------
        out : torch.Tensor or tuple of torch.Tensor
            The module's output for all of ``X``, on the CPU.
        """
        if name not in self._modules:
            raise ValueError(
                f"{type(self).__name__} has no module {name!r}; its modules are "
                f"{list(self._modules)}"
            )
        module = getattr(self, name + "_")
        inputs = [
            _as_tensor(a.X if isinstance(a, _TensorDataset) else a) for a in (X, *more)
        ]
        n = len(inputs[0])
        if not n:
            raise ValueError(f"X is empty; {name} needs at least one sample")
        if any(len(t) != n for t in inputs[1:]):
            raise ValueError(
                f"the inputs of {name} differ in length: {[len(t) for t in inputs]}"
            )
        step = self.batch_size if self.batch_size > 0 else n
        outputs = []
        was_training = module.training
        module.train(False)
        try:
            with torch.no_grad():
                for start in range(0, n, step):
                    batch = [
                        _to_device(t[start : start + step], self.device) for t in inputs
                    ]
                    out = module(*batch, **fit_params)
                    if isinstance(out, tuple):
                        outputs.append(tuple(o.to("cpu") for o in out))
                    else:
                        outputs.append(out.to("cpu"))
        finally:
            module.train(was_training)
        if isinstance(outputs[0], tuple):
            return tuple(torch.cat(parts) for parts in zip(*outputs))
        return torch.cat(outputs)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # skorch's loop, with the batch size read off our tensor batches
        # directly instead of through skorch's generic ``get_len``, each step
        # under ``autocast`` (amp), and the loss kept on the device when
        # deferring host syncs (skorch calls ``.item()`` on every batch).
        if iterator is None:
            return
        record = self.history.record_batch
        defer = self.__dict__.get("defer_sync_", False)
        batch_count = 0
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            with self.autocast():
                step = step_fn(batch, **fit_params)
            loss = step["loss"].detach()
            record(prefix + "_loss", loss if defer else loss.item())
            first = batch[0] if isinstance(batch, (tuple, list)) else batch
            size = len(first) if isinstance(first, torch.Tensor) else get_len(first)
            record(prefix + "_batch_size", size)
            self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)

    def train_step_single(self, batch, **fit_params):
        # skorch's, with the backward pass through ``backward`` (loss scaling)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        self.backward(loss)
        return {"loss": loss, "y_pred": y_pred}

    def train_step(self, batch, **fit_params):
        # Optimizers that re-evaluate the loss (LBFGS) need skorch's closure;
        # the others get the same sequence without it: zero the gradients,
        # forward/backward, ``on_grad_computed`` (only when someone listens,
        # on unscaled gradients), step.
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        if any(isinstance(opt, torch.optim.LBFGS) for opt in optimizers):
            return super().train_step(batch, **fit_params)
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        if self._grad_listeners():
            for optimizer in optimizers:
                self.unscale(optimizer)
            self.notify(
                "on_grad_computed",
                named_parameters=TeeGenerator(self.get_all_learnable_params()),
                batch=batch,
                training=True,
            )
        for i, optimizer in enumerate(optimizers):
            self.step_optimizer(optimizer, update=i == len(optimizers) - 1)
        return step

    def infer(self, x, **fit_params):
        if isinstance(x, torch.Tensor):  # our batches: skip skorch's dispatch
            return self.module_(_to_device(x, self.device), **fit_params)
        return super().infer(x, **fit_params)

    def _set_training(self, training=True):
        # skorch calls this before every batch; walking every submodule each
        # time is a measurable share of a small network's step, so switch
        # only the top-level modules that are in the other mode.
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)

    def penalty(self) -> torch.Tensor:
        """Sum of squared learnable parameters (weights and biases)."""
        return sum(p.pow(2).sum() for _, p in self.get_all_learnable_params())

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true, weight = _split_target(y_true)
        y_true = _to_device(y_true, self.device)
        if weight is None:
            loss = self.criterion_(y_pred, y_true)  # its own (mean) reduction
        else:
            loss = weighted_mean(
                _per_sample(self.criterion_, y_pred, y_true), weight, self.device
            )
        if training and self.alpha:
            loss = loss + self.alpha * self.penalty()
        return loss

    def batch_metrics(self, y_pred, y_true) -> dict:
        """Validation metrics of one batch; keys are ``metric_names``.

        Values are floats or 0-dim tensors (recorded with
        :meth:`record_value`, so they stay on the device until the epoch
        ends when host syncs are deferred).
        """
        return {}

    def validation_step(self, batch, **fit_params):
        step = super().validation_step(batch, **fit_params)
        if self.metric_names:
            _, yi = unpack_data(batch)
            for name, value in self.batch_metrics(step["y_pred"], yi).items():
                self.record_value(name, value)
        return step


def _grad_scaler():
    """A CUDA GradScaler (``torch.amp`` since torch 2.3, ``torch.cuda.amp`` before)."""
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda")
    return torch.cuda.amp.GradScaler()  # pragma: no cover - torch < 2.3


def _raised_by_early_stopping(exc: BaseException) -> bool:
    """Whether skorch's ``EarlyStopping`` raised this ``KeyboardInterrupt``.

    ``EarlyStopping`` stops training by raising ``KeyboardInterrupt`` from
    its ``on_epoch_end``: the innermost frame of the traceback is that
    callback's. Any other one (Ctrl-C, a callback that means it) counts as
    an interruption.
    """
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return isinstance(tb.tb_frame.f_locals.get("self"), EarlyStopping)


def _split_target(y_true):
    if isinstance(y_true, Mapping):
        return y_true["y"], y_true["sample_weight"]
    return y_true, None


def _per_sample(criterion, y_pred, y_true):
    """Unreduced criterion output (``reduction='none'``)."""
    reduction = criterion.reduction
    criterion.reduction = "none"
    try:
        return criterion(y_pred, y_true)
    finally:
        criterion.reduction = reduction


def weighted_mean(loss, weight=None, device="cpu"):
    """Reduce per-sample (or per-element) losses to their weighted mean.

    ``loss`` is ``(N, ...)``; non-batch dimensions are averaged first. With
    weights ``w`` the result is ``sum(w * loss) / sum(w)`` (zero for a batch
    of zero weights), so uniform weights change nothing.
    """
    if loss.dim() == 0:
        return loss
    if loss.dim() > 1:
        loss = loss.flatten(1).mean(1)  # (N,)
    if weight is None:
        return loss.mean()
    w = to_tensor(weight, device=device).to(loss.dtype)
    return (loss * w).sum() / w.sum().clamp_min(torch.finfo(loss.dtype).tiny)


class _ClassifierNet(_Net):
    """:class:`_Net` for logits + class indices; records ``valid_acc``."""

    metric_names = {"valid_acc": False}

    def batch_metrics(self, y_pred, y_true):
        y_true, weight = _split_target(y_true)
        y_true = _to_device(y_true, self.device)
        correct = (y_pred.argmax(dim=1) == y_true).to(y_pred.dtype)
        return {"valid_acc": weighted_mean(correct, weight, self.device)}
