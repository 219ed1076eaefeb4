"""One Optuna trial: suggest parameters, cross-validate clones, report, prune."""

from __future__ import annotations

import logging
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils.metaestimators import _safe_split
from sklearn.utils.validation import _check_method_params

from ._pruning import EpochReporter

__all__ = ["check_space", "Objective"]

logger = logging.getLogger(__name__)


def _suggest(trial, name, dist):
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(
            name, dist.low, dist.high, step=dist.step, log=dist.log
        )
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(
            name, dist.low, dist.high, step=dist.step, log=dist.log
        )
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    raise ValueError(f"unsupported distribution for {name!r}: {dist!r}")


def check_space(space, estimator):
    """Validate a dict space (lists become categorical) or pass a callable."""
    if callable(space):
        return space
    from optuna.distributions import BaseDistribution, CategoricalDistribution

    valid = set(estimator.get_params(deep=True))
    out = {}
    for name, dist in space.items():
        if name not in valid:
            raise ValueError(
                f"param_space names {name!r}, which is not a parameter of "
                f"{type(estimator).__name__}; valid names include "
                f"{sorted(valid)[:20]}"
            )
        if isinstance(dist, (list, tuple)):
            dist = CategoricalDistribution(list(dist))
        if not isinstance(dist, BaseDistribution):
            raise ValueError(
                f"param_space[{name!r}] must be an optuna distribution or a list "
                f"of choices, got {type(dist).__name__}: {dist!r}"
            )
        out[name] = dist
    if not out:
        raise ValueError("param_space is empty: give at least one parameter")
    return out


class Objective:
    """One trial: suggest parameters, cross-validate clones, report, prune."""

    def __init__(self, search, space, X, y, splits, fit_params, neural):
        self.estimator = search.estimator
        self.space = space
        self.X, self.y = X, y
        self.splits = splits
        self.fit_params = fit_params
        self.scorer = search.scorer_
        self.neural = neural
        self.pruning = bool(search.pruning is not False)
        self.monitor = search.monitor
        self.direction = search.direction
        self.error_score = search.error_score
        self.numbers = []
        self.last_error = None

    def params(self, trial):
        """Estimator parameters drawn for ``trial``."""
        if not callable(self.space):
            return {name: _suggest(trial, name, d) for name, d in self.space.items()}
        params = self.space(trial)
        if not isinstance(params, dict):
            raise TypeError(
                "a callable param_space must return a dict of estimator "
                f"parameters, got {type(params).__name__}"
            )
        return params

    def _fit_and_score(self, est, train, test, trial, fold):
        import optuna

        X_train, y_train = _safe_split(est, self.X, self.y, train)
        X_test, y_test = _safe_split(est, self.X, self.y, test, train)
        fit_params = _check_method_params(self.X, params=self.fit_params, indices=train)
        try:
            est.fit(X_train, y_train, **fit_params)
            return float(self.scorer(est, X_test, y_test))
        except optuna.TrialPruned:
            raise
        except Exception as exc:
            if self.error_score == "raise":
                raise
            self.last_error = exc
            warnings.warn(
                f"trial {trial.number}, fold {fold} failed ({exc!r}); its score "
                f"is error_score={self.error_score}",
                FitFailedWarning,
                stacklevel=2,
            )
            return float(self.error_score)

    def __call__(self, trial):
        """Cross-validate the trial's parameters; return the mean score.

        Fold ``k`` fits a fresh clone; for neural estimators the clone gets a
        ``PruningCallback`` (reporting on fold 0 only, counting epochs on
        all folds), so no trial ever reaches ``self.estimator``.
        """
        import optuna

        self.numbers.append(trial.number)
        params = self.params(trial)
        reporter = None
        if self.neural is not None:
            reporter = EpochReporter(
                trial if self.pruning else None, self.monitor, self.direction
            )
        scores = []
        try:
            for fold, (train, test) in enumerate(self.splits):
                est = clone(self.estimator).set_params(**params)
                if reporter is not None:
                    from ._callback import PruningCallback

                    reporter.start_fold(report=fold == 0)
                    key = f"{self.neural}callbacks"
                    extra = est.get_params(deep=True)[key] or []
                    est.set_params(**{key: [*extra, PruningCallback(reporter)]})
                scores.append(self._fit_and_score(est, train, test, trial, fold))
                trial.set_user_attr(f"split{fold}_test_score", scores[-1])
                mean = float(np.mean(scores))
                per_epoch = reporter is not None and reporter.reported
                if (
                    fold == 0
                    and reporter is not None
                    and self.pruning
                    and not per_epoch
                ):
                    logger.info(
                        "trial %d: no per-epoch validation score (set "
                        "validation_fraction > 0); pruning on fold scores",
                        trial.number,
                    )
                if self.pruning and not per_epoch and np.isfinite(mean):
                    trial.report(mean, step=fold)
                    if trial.should_prune():
                        raise optuna.TrialPruned(
                            f"pruned after fold {fold} with mean score {mean:.4g}"
                        )
        finally:
            if reporter is not None:
                trial.set_user_attr("n_epochs", reporter.n_epochs)
        trial.set_user_attr("mean_test_score", float(np.mean(scores)))
        trial.set_user_attr("std_test_score", float(np.std(scores)))
        return float(np.mean(scores))
