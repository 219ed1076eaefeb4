"""The skorch callback of the search (imported only for neural estimators)."""

from __future__ import annotations

from skorch.callbacks import Callback

__all__ = ["PruningCallback"]


class PruningCallback(Callback):
    """Feed each epoch's history row to an :class:`EpochReporter`.

    The reporter (one per trial) reports the validation score to the Optuna
    trial and raises ``optuna.TrialPruned`` when the pruner says so. A fit
    interrupted by Ctrl-C (which skorch would end as if complete) raises
    ``KeyboardInterrupt`` again at the end of training, stopping the search.

    Parameters
    ----------
    reporter : skface.model_selection._pruning.EpochReporter or None
        None makes the callback inert.
    """

    def __init__(self, reporter=None):
        self.reporter = reporter

    def on_epoch_end(self, net, **kwargs):
        if self.reporter is not None:
            self.reporter.epoch_end(net.history)

    def on_train_end(self, net, **kwargs):
        # skorch swallows a KeyboardInterrupt (Ctrl-C) and ends training
        # normally; skface nets note the epoch in ``interrupted_``. Re-raise,
        # so that the search stops and Optuna records the trial as failed
        # instead of scoring a half-trained model as a complete trial.
        epoch = getattr(net, "interrupted_", None)
        if self.reporter is not None and epoch is not None:
            raise KeyboardInterrupt(
                f"training interrupted in epoch {epoch}; stopping the search"
            )
