"""skorch callbacks that skface nets add by default or on request.

* :class:`NonFiniteLossGuard` (always on) stops training with a
  :class:`NonFiniteLossError` naming the epoch and batch as soon as a loss
  becomes NaN or infinite.
* :class:`TrainingInterruptedWarning` is what ``fit`` warns with when a
  ``KeyboardInterrupt`` stopped training early.
* :func:`verbosity_callbacks` maps the shared ``verbose`` parameter to the
  skorch printing callbacks: 0 silent, 1 one table row per epoch
  (:class:`EpochLog`, on by default and gated by the net's ``verbose``), 2
  also a tqdm progress bar over the batches of each epoch.
"""

from __future__ import annotations

import math

from skorch.callbacks import Callback, PassthroughScoring, PrintLog, ProgressBar
from torch import Tensor

__all__ = [
    "BatchMean",
    "EpochLog",
    "NonFiniteLossError",
    "NonFiniteLossGuard",
    "TrainingInterruptedWarning",
    "verbosity_callbacks",
]


class NonFiniteLossError(FloatingPointError):
    """A training or validation loss became NaN or infinite.

    Raised by skface neural estimators' ``fit``; the message names the loss,
    the epoch (1-based, as in ``history_``) and the batch.
    """


class TrainingInterruptedWarning(UserWarning):
    """``fit`` was interrupted (Ctrl-C) and returned a partly trained model.

    skorch takes a ``KeyboardInterrupt`` during training as a request to
    stop early; skface's ``fit`` then keeps the weights reached and warns
    with this category, naming the epoch. Turn it into an error with
    ``warnings.simplefilter('error', TrainingInterruptedWarning)``.
    """


class NonFiniteLossGuard(Callback):
    """Raise :class:`NonFiniteLossError` when a batch loss is not finite.

    Every history entry of the current batch whose name ends in ``loss``
    (``train_loss``, ``valid_loss``, and extra losses such as
    ``generator_loss``) is checked after each batch, so a diverging run stops
    at once instead of returning a model with NaN weights. Values the net
    keeps on the GPU until the epoch ends (0-dim tensors, see
    :class:`skface.neural._net._Net`) are checked at the end of the epoch.
    """

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        epoch = list.__getitem__(net.history, -1)  # plain list access: per batch
        batches = epoch["batches"]
        for key, value in batches[-1].items():
            # A tensor is a value kept on the GPU until the epoch ends (no
            # host sync per batch): checked in on_epoch_end instead.
            if (
                key[-4:] == "loss"
                and not isinstance(value, Tensor)
                and not math.isfinite(value)
            ):
                phase = "training" if training else "validation"
                raise NonFiniteLossError(
                    f"{key} became {value} at epoch {epoch['epoch']} "
                    f"({phase} batch {len(batches)}); training stopped. Try a "
                    "smaller learning rate (lr), scaling the inputs, or "
                    "checking them for NaN/inf values."
                )

    def on_epoch_end(self, net, **kwargs):
        # Values deferred on the device are floats by now (the net syncs
        # them at the start of on_epoch_end, before the callbacks run).
        epoch = list.__getitem__(net.history, -1)
        for i, row in enumerate(epoch["batches"], 1):
            for key, value in row.items():
                if key[-4:] == "loss" and not math.isfinite(value):
                    raise NonFiniteLossError(
                        f"{key} became {value} at epoch {epoch['epoch']} (batch "
                        f"{i} of the epoch, found at its end: on a GPU the "
                        "losses are checked once per epoch); training stopped. "
                        "Try a smaller learning rate (lr), scaling the inputs, "
                        "or checking them for NaN/inf values."
                    )


class BatchMean(PassthroughScoring):
    """skorch's ``PassthroughScoring`` without its generic history slicing.

    The epoch score is the batch-size weighted mean of the batches' values
    (batches without the value are skipped), recorded with ``<name>_best``
    exactly as ``PassthroughScoring`` does; reading the epoch's batch list
    directly costs a fraction of skorch's ``history[-1, 'batches', :, ...]``
    indexing, which showed up next to small networks' epochs.
    """

    def on_epoch_end(self, net, **kwargs):
        batches = list.__getitem__(net.history, -1)["batches"]
        size_key = "train_batch_size" if self.on_train else "valid_batch_size"
        total = weight = 0.0
        for batch in batches:
            if self.name in batch and size_key in batch:
                total += batch[size_key] * batch[self.name]
                weight += batch[size_key]
        if not weight:  # no batch has the value (e.g. no validation data)
            return
        score = total / weight
        is_best = self._is_best_score(score)
        if is_best:
            self.best_score_ = score
        net.history.record(self.name, score)
        if is_best is not None:
            net.history.record(self.name + "_best", bool(is_best))


class EpochLog(PrintLog):
    """skorch's ``PrintLog`` table, formatted only when the net is verbose.

    ``PrintLog`` builds the table every epoch and drops it when ``verbose``
    is 0; skipping that keeps silent training free of the formatting cost.
    """

    def on_epoch_end(self, net, **kwargs):
        if net.verbose:
            super().on_epoch_end(net, **kwargs)


def verbosity_callbacks(verbose: int) -> list:
    """Extra skorch callbacks for the shared ``verbose`` level.

    The epoch table itself is the nets' default :class:`EpochLog`, which
    prints only when the net's ``verbose`` is non-zero; level 2 adds a tqdm
    bar.
    """
    if verbose >= 2:
        return [("progress_bar", ProgressBar())]
    return []
