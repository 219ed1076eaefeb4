"""The skorch callback of the search (imported only for neural estimators)."""

from __future__ import annotations

from skorch.callbacks import Callback

__all__ = ["PruningCallback"]


class PruningCallback(Callback):
    """Feed each epoch's history row to an :class:`EpochReporter`.

    The reporter (one per trial) reports the validation score to the Optuna
    trial and raises ``optuna.TrialPruned`` when the pruner says so.

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
