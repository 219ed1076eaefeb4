"""Report the per-epoch validation score of a neural estimator to Optuna.

A neural estimator is one whose (final) step takes ``callbacks`` (a list of
skorch callbacks) and ``max_epochs``: every skface neural estimator, and
skorch's own nets. The search adds a ``PruningCallback`` (``_callback.py``,
which imports skorch) to that list on a fresh clone of the estimator for each
cross-validation fold, so the callback never reaches the user's estimator,
``best_estimator_`` or a clone.

What is reported: the first fold's epochs, one step per epoch
(``step = epoch``), as ``SkorchPruningCallback`` of optuna-integration does.
Later folds only count epochs. Reporting the first fold only keeps the steps
of all trials aligned even when ``max_epochs`` is searched or early stopping
ends fits at different epochs (offsets such as ``fold * max_epochs`` would
compare epoch 10 of one trial's second fold with epoch 60 of another trial's
first fold), and a bad configuration shows on the first fold.
"""

from __future__ import annotations

import math
import threading

from sklearn.pipeline import Pipeline

__all__ = ["EpochReporter", "find_neural_step", "interrupted_epoch"]


def find_neural_step(estimator):
    """Parameter prefix of the final neural step, or None.

    ``''`` for a neural estimator itself, ``'face2vecclassifier__'`` for one
    at the end of a pipeline (nested pipelines are followed).
    """
    prefix = ""
    while isinstance(estimator, Pipeline):
        name, estimator = estimator.steps[-1]
        if estimator is None or estimator == "passthrough":
            return None
        prefix += f"{name}__"
    if not hasattr(estimator, "get_params"):
        return None
    params = estimator.get_params(deep=False)
    if "callbacks" in params and "max_epochs" in params:
        return prefix
    return None


def interrupted_epoch(estimator):
    """Epoch in which Ctrl-C stopped the last fit of a neural step, or None.

    skorch ends a fit interrupted by ``KeyboardInterrupt`` as if it were
    complete; skface nets note the epoch in ``interrupted_``.
    """
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    net = getattr(estimator, "net_", estimator)
    return getattr(net, "interrupted_", None)


def _auto_monitor(row):
    """The validation score skorch recorded: ``valid_acc``, another
    ``valid_*`` score, or else ``valid_loss``; None without validation."""
    if "valid_acc" in row:
        return "valid_acc"
    for key, value in row.items():
        if (
            key.startswith("valid_")
            and key not in ("valid_loss", "valid_batch_count")
            and not key.endswith("_best")
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
        ):
            return key
    return "valid_loss" if "valid_loss" in row else None


class EpochReporter:
    """State shared by the callbacks of one trial's folds.

    Copying returns the same object (``copy.deepcopy`` and
    :func:`sklearn.base.clone` of a net that holds the callback keep
    reporting to the one trial), and pickling drops the trial, so a pickled
    net carries an inert callback instead of a study.

    Parameters
    ----------
    trial : optuna.trial.Trial or None
        Receives the reports; None only counts epochs.
    monitor : str or None
        History key to report; None picks one with the first epoch.
    direction : {'maximize', 'minimize'}
        Direction of the study. Keys ending in ``_loss`` are lower-is-better,
        others higher-is-better; the reported value is negated when the two
        disagree, so the pruner compares like with like.
    """

    def __init__(self, trial=None, monitor=None, direction="maximize"):
        self.trial = trial
        self.monitor = monitor
        self.direction = direction
        self.n_epochs = 0
        self.reporting = trial is not None
        self.reported = False
        self._fold_epoch = 0
        self._lock = threading.Lock()

    def start_fold(self, report):
        """Start a fold; ``report=False`` only counts its epochs."""
        self._fold_epoch = 0
        self.reporting = bool(report) and self.trial is not None

    def epoch_end(self, history):
        """Count the epoch and, while reporting, report it and maybe prune."""
        import optuna

        with self._lock:
            self.n_epochs += 1
            step = self._fold_epoch
            self._fold_epoch += 1
        if not self.reporting or not len(history):
            return
        row = history[-1]
        key = self.monitor or _auto_monitor(row)
        if key is None or key not in row:
            if self.monitor is not None:
                raise KeyError(
                    f"monitor={self.monitor!r} is not in the training history; "
                    f"recorded keys: {sorted(row)}"
                )
            # No validation score (e.g. validation_fraction=0): the search
            # falls back to reporting fold scores for this trial.
            self.reporting = False
            return
        self.monitor = key
        value = float(row[key])
        lower_is_better = key.endswith("_loss")
        oriented = (
            -value if lower_is_better == (self.direction == "maximize") else value
        )
        if not math.isfinite(oriented):
            return
        self.trial.report(oriented, step)
        self.reported = True
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at epoch {step} with {key}={value:.4g}")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __getstate__(self):
        state = self.__dict__.copy()
        state.update(trial=None, reporting=False, _lock=None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()
