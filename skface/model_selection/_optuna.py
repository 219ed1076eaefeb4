"""Optuna search over any skface estimator or pipeline, with pruning."""

from __future__ import annotations

import copy
import os
import time
from numbers import Integral, Real

import numpy as np
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, indexable

from ..utils._optional import import_optional
from ..utils._random import draw_seed
from ._objective import Objective, check_space
from ._pruning import find_neural_step, interrupted_epoch
from ._storage import open_study

__all__ = ["OptunaSearch", "optuna_search"]

#: Trials run to completion before the default pruner may prune.
N_STARTUP_TRIALS = 5
#: Epochs (neural) or folds (others) never pruned at the start of a trial.
NEURAL_WARMUP_EPOCHS = 3
FOLD_WARMUP = 0


def _search_has(attr):
    """Delegate ``attr`` to ``best_estimator_`` (or to ``estimator`` before fit)."""

    def check(self):
        if hasattr(self, "best_estimator_"):
            getattr(self.best_estimator_, attr)
        else:
            getattr(self.estimator, attr)
        return True

    return check


class OptunaSearch(MetaEstimatorMixin, BaseEstimator):
    """Hyperparameter search with Optuna, pruning and persistent studies.

    Each trial draws parameters from ``param_space``, cross-validates clones
    of ``estimator`` and reports to Optuna, which stops unpromising trials:

    * neural estimators (the final step takes ``callbacks`` and
      ``max_epochs``, as every skface neural estimator and skorch net does)
      report their per-epoch validation score on the first fold, one step per
      epoch; a trial pruned at its 4th epoch (the earliest, after 3 warm-up
      epochs) costs 4 epochs instead of ``n_folds * max_epochs``;
    * other estimators report the running mean of the fold scores, one step
      per fold.

    The study lives in memory or in ``storage`` (a SQLite or journal file, or
    a database URL), where it survives the process, resumes where it stopped
    and can be shared by several processes or machines.

    Parameters
    ----------
    estimator : estimator object
        Estimator or pipeline to tune; never modified.
    param_space : dict or callable
        Either a dict ``{parameter name: optuna distribution}``, names as in
        ``estimator.get_params()`` (``'face2vecclassifier__lr'`` inside a
        pipeline), a list being short for
        :class:`optuna.distributions.CategoricalDistribution`; or a callable
        ``space(trial) -> dict`` of estimator parameters, which can build
        values a distribution cannot (tuples of layer sizes, conditional
        parameters).
    n_trials : int or None, default=20
        Trials run by this call (on top of those already in a stored study).
        None runs until ``timeout``.
    cv : int, cross-validation generator or iterable, default=5
        As in :class:`~sklearn.model_selection.GridSearchCV` (stratified for
        classifiers).
    scoring : str, callable or None, default=None
        Scorer; None uses the estimator's ``score``.
    storage : None, str, path-like or optuna storage, default=None
        None keeps the study in memory; ``'study.db'`` (``.db``, ``.sqlite``)
        a SQLite file; ``'study.log'`` (``.log``, ``.journal``) a journal
        file; a URL (``'postgresql://...'``, ``'mysql://...'``,
        ``'sqlite:///...'``) an RDB storage, a database server's with
        :func:`rdb_storage`'s heartbeat (a killed worker's trial is marked
        failed); or a storage object, e.g. from :func:`rdb_storage`.
    study_name : str or None, default=None
        Study in ``storage``. None with persistent storage uses the storage's
        only study, or creates one named ``'skface'``.
    pruning : bool or optuna pruner, default=True
        True uses ``MedianPruner(n_startup_trials=5)`` with 3 warm-up epochs
        (neural) or no warm-up (others); False never prunes.
    monitor : str or None, default=None
        History key reported by neural estimators; None takes ``valid_acc``,
        another ``valid_*`` score, or ``valid_loss`` (negated when
        maximizing). Without a validation score, folds are reported instead.
    timeout : float or None, default=None
        Stop starting trials after this many seconds.
    direction : {'maximize', 'minimize'}, default='maximize'
        Direction of the score; scikit-learn scorers are to be maximized.
    sampler : optuna sampler or None, default=None
        None uses ``TPESampler`` seeded from ``random_state`` and the number
        of trials already in the study (a resumed study draws new points).
    random_state : int, RandomState instance or None, default=None
        Seeds the default sampler. Give processes that share a study
        different seeds, or they draw the same first points.
    n_jobs : int or None, default=1
        Trials run in parallel threads of this process. For processes or
        machines, start several searches on one ``storage``.
    refit : bool, default=True
        Refit the best parameters on all of ``X``.
    load_if_exists : bool, default=True
        Continue a study of the same name in ``storage``; False raises
        ``optuna.exceptions.DuplicatedStudyError`` instead.
    error_score : 'raise' or float, default=np.nan
        Score of a failing fit (with a ``FitFailedWarning``); a trial whose
        score is NaN is marked failed. 'raise' stops the search.
    verbose : int, default=0
        0 silent, 1 logs each trial, 2 adds a progress bar.

    Attributes
    ----------
    study_ : optuna.study.Study
        The study, with every trial (this call's and earlier ones).
    best_trial_ : optuna.trial.FrozenTrial
        Best completed trial of the study.
    best_params_ : dict
        Estimator parameters of the best trial.
    best_score_ : float
        Mean cross-validated score of the best trial.
    best_estimator_ : estimator
        Clone refitted with ``best_params_`` on all data (if ``refit``).
    cv_results_ : dict of ndarray
        One entry per trial of the study: ``number``, ``state``, ``params``,
        ``param_<name>``, ``split<k>_test_score``, ``mean_test_score``,
        ``std_test_score``, ``rank_test_score`` and, for neural estimators,
        ``n_epochs``.
    n_trials_ : int
        Trials run by this call.
    n_epochs_total_ : int or None
        Training epochs of all cross-validation fits of this call's trials,
        pruned ones included, the refit excluded; None for non-neural
        estimators.
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Number of folds.
    refit_time_ : float
        Seconds spent refitting.

    See Also
    --------
    optuna_search : Function form.
    rdb_storage : A database storage shared by processes, with a heartbeat.
    sklearn.model_selection.GridSearchCV : Exhaustive search over few values.
    optuna_integration.OptunaSearchCV : Optuna's own search (prunes only
        estimators with ``partial_fit``).

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skface.model_selection import OptunaSearch
    >>> X, y = load_iris(return_X_y=True)
    >>> space = {"C": FloatDistribution(1e-2, 1e2, log=True)}
    >>> search = OptunaSearch(SVC(), space, n_trials=5, random_state=0).fit(X, y)
    >>> round(search.best_score_, 2) > 0.9
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"])],
        "param_space": [dict, callable],
        "n_trials": [Interval(Integral, 1, None, closed="left"), None],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "storage": [None, str, os.PathLike, HasMethods(["create_new_study"])],
        "study_name": [None, str],
        "pruning": ["boolean", HasMethods(["prune"])],
        "monitor": [None, str],
        "timeout": [Interval(Real, 0, None, closed="neither"), None],
        "direction": [StrOptions({"maximize", "minimize"})],
        "sampler": [None, HasMethods(["sample_independent"])],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
        "refit": ["boolean"],
        "load_if_exists": ["boolean"],
        "error_score": [StrOptions({"raise"}), Real],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        param_space,
        *,
        n_trials=20,
        cv=5,
        scoring=None,
        storage=None,
        study_name=None,
        pruning=True,
        monitor=None,
        timeout=None,
        direction="maximize",
        sampler=None,
        random_state=None,
        n_jobs=1,
        refit=True,
        load_if_exists=True,
        error_score=np.nan,
        verbose=0,
    ):
        self.estimator = estimator
        self.param_space = param_space
        self.n_trials = n_trials
        self.cv = cv
        self.scoring = scoring
        self.storage = storage
        self.study_name = study_name
        self.pruning = pruning
        self.monitor = monitor
        self.timeout = timeout
        self.direction = direction
        self.sampler = sampler
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.refit = refit
        self.load_if_exists = load_if_exists
        self.error_score = error_score
        self.verbose = verbose

    # ------------------------------------------------------------------
    def _make_pruner(self, neural):
        import optuna

        if self.pruning is False:
            return optuna.pruners.NopPruner()
        if self.pruning is True:
            warmup = NEURAL_WARMUP_EPOCHS if neural is not None else FOLD_WARMUP
            return optuna.pruners.MedianPruner(
                n_startup_trials=N_STARTUP_TRIALS, n_warmup_steps=warmup
            )
        return copy.deepcopy(self.pruning)

    def _make_sampler(self, n_existing):
        import optuna

        if self.sampler is not None:
            return copy.deepcopy(self.sampler)
        seed = None
        if self.random_state is not None:
            entropy = [draw_seed(self.random_state), n_existing]
            seed = int(np.random.SeedSequence(entropy).generate_state(1)[0] >> 1)
        return optuna.samplers.TPESampler(seed=seed)

    def _estimator_params(self, trial):
        """Estimator parameters of a finished trial."""
        if not callable(self.param_space):
            return dict(trial.params)
        import optuna

        return self.param_space(optuna.trial.FixedTrial(trial.params, trial.number))

    def fit(self, X, y=None, *, groups=None, **fit_params):
        """Run the trials, then refit the best parameters on all data.

        Parameters
        ----------
        X : array-like, images or list
            Training data, as ``estimator`` takes it.
        y : array-like of shape (n_samples,) or None, default=None
            Targets.
        groups : array-like of shape (n_samples,) or None, default=None
            Group labels for group-aware ``cv`` splitters.
        **fit_params : dict
            Passed to ``estimator.fit`` (sample-aligned ones are split).

        Returns
        -------
        self : OptunaSearch

        Raises
        ------
        KeyboardInterrupt
            On Ctrl-C, also while a neural estimator trains (which skorch
            would otherwise end as if complete): the search stops, and the
            interrupted trial is recorded as failed, never as complete; a
            study in ``storage`` resumes with the next call. Ctrl-C during
            the refit leaves ``study_`` and ``best_params_`` set and no
            ``best_estimator_``.
        """
        self._validate_params()
        optuna = import_optional("optuna")
        if self.n_trials is None and self.timeout is None:
            raise ValueError("n_trials=None needs a timeout, or the search never ends")
        space = check_space(self.param_space, self.estimator)
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        self.n_splits_ = len(splits)
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        neural = find_neural_step(self.estimator)

        old_verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(
            optuna.logging.INFO if self.verbose else optuna.logging.WARNING
        )
        try:
            study = open_study(
                self.storage,
                self.study_name,
                direction=self.direction,
                load_if_exists=self.load_if_exists,
                sampler=None,
                pruner=self._make_pruner(neural),
            )
            study.sampler = self._make_sampler(len(study.trials))
            objective = Objective(self, space, X, y, splits, fit_params, neural)
            study.optimize(
                objective,
                n_trials=self.n_trials,
                timeout=self.timeout,
                n_jobs=1 if self.n_jobs is None else self.n_jobs,
                show_progress_bar=self.verbose >= 2,
            )
        finally:
            optuna.logging.set_verbosity(old_verbosity)

        self.study_ = study
        self.n_trials_ = len(objective.numbers)
        trials = {t.number: t for t in study.get_trials(deepcopy=False)}
        complete = optuna.trial.TrialState.COMPLETE
        if not any(t.state == complete for t in trials.values()):
            states = [trials[n].state.name for n in objective.numbers if n in trials]
            message = (
                f"no trial of study {study.study_name!r} completed (this call: "
                f"{states})"
            )
            error = objective.last_error
            if error is None:
                raise ValueError(message)
            # Re-raise the estimator's own error (type and message intact).
            if hasattr(error, "add_note"):
                error.add_note(f"{message}; this is the error of the last fit")
            raise error
        self.best_trial_ = study.best_trial
        self.best_score_ = float(study.best_value)
        self.best_params_ = self._estimator_params(self.best_trial_)
        self.n_epochs_total_ = None
        if neural is not None:
            self.n_epochs_total_ = int(
                sum(
                    trials[n].user_attrs.get("n_epochs", 0)
                    for n in objective.numbers
                    if n in trials
                )
            )
        self.cv_results_ = self._cv_results(list(trials.values()))
        if self.refit:
            est = clone(self.estimator).set_params(**self.best_params_)
            start = time.perf_counter()
            est.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
            epoch = interrupted_epoch(est)
            if epoch is not None:
                # Not a half-trained best_estimator_: the study and best_*
                # stay, the refit is for the caller to run again.
                raise KeyboardInterrupt(
                    f"the refit of the best parameters was interrupted in epoch "
                    f"{epoch}; study_ and best_params_ are set, best_estimator_ "
                    "is not"
                )
            self.best_estimator_ = est
        return self

    def _cv_results(self, trials):
        n = len(trials)
        nan = np.full(n, np.nan)
        res = {
            "number": np.array([t.number for t in trials]),
            "state": np.array([t.state.name for t in trials], dtype=object),
            "params": [dict(t.params) for t in trials],
        }
        for name in sorted({k for t in trials for k in t.params}):
            col = np.ma.masked_all(n, dtype=object)
            for i, t in enumerate(trials):
                if name in t.params:
                    col[i] = t.params[name]
            res[f"param_{name}"] = col
        for k in range(self.n_splits_):
            key = f"split{k}_test_score"
            res[key] = np.array([t.user_attrs.get(key, np.nan) for t in trials], float)
        for key in ("mean_test_score", "std_test_score"):
            res[key] = np.array([t.user_attrs.get(key, np.nan) for t in trials], float)
        mean = res.get("mean_test_score", nan)
        order = -mean if self.direction == "maximize" else mean
        order = np.where(np.isnan(order), np.inf, order)
        res["rank_test_score"] = rankdata(order, method="min").astype(int)
        if any("n_epochs" in t.user_attrs for t in trials):
            res["n_epochs"] = np.array(
                [t.user_attrs.get("n_epochs", 0) for t in trials]
            )
        return res

    def trials_dataframe(self, **kwargs):
        """The study's trials as a pandas DataFrame.

        See :meth:`optuna.study.Study.trials_dataframe`; needs pandas.
        """
        check_is_fitted(self, "study_")
        return self.study_.trials_dataframe(**kwargs)

    # ------------------------------------------------------------------
    # Delegation to the refitted best estimator
    def _best(self):
        check_is_fitted(self)
        if not self.refit:
            raise AttributeError(
                "this search was fitted with refit=False; refit the best "
                "parameters to predict"
            )
        return self.best_estimator_

    @available_if(_search_has("predict"))
    def predict(self, X):
        """Predict with ``best_estimator_``."""
        return self._best().predict(X)

    @available_if(_search_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from ``best_estimator_``."""
        return self._best().predict_proba(X)

    @available_if(_search_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from ``best_estimator_``."""
        return self._best().predict_log_proba(X)

    @available_if(_search_has("decision_function"))
    def decision_function(self, X):
        """Decision function of ``best_estimator_``."""
        return self._best().decision_function(X)

    @available_if(_search_has("transform"))
    def transform(self, X):
        """Transform with ``best_estimator_``."""
        return self._best().transform(X)

    @available_if(_search_has("inverse_transform"))
    def inverse_transform(self, X):
        """Inverse transform with ``best_estimator_``."""
        return self._best().inverse_transform(X)

    @available_if(_search_has("score_samples"))
    def score_samples(self, X):
        """Per-sample scores of ``best_estimator_``."""
        return self._best().score_samples(X)

    def score(self, X, y=None):
        """Score of ``best_estimator_`` with ``scorer_`` (higher is better)."""
        return self.scorer_(self._best(), X, y)

    @property
    def classes_(self):
        """Class labels of ``best_estimator_``."""
        return self._best().classes_

    @property
    def n_features_in_(self):
        """Number of features ``best_estimator_`` was fitted on."""
        try:
            check_is_fitted(self)
        except Exception as exc:
            raise AttributeError(str(exc)) from exc
        return self.best_estimator_.n_features_in_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        sub = get_tags(self.estimator)
        tags.estimator_type = sub.estimator_type
        tags.classifier_tags = copy.deepcopy(sub.classifier_tags)
        tags.regressor_tags = copy.deepcopy(sub.regressor_tags)
        tags.transformer_tags = copy.deepcopy(sub.transformer_tags)
        tags.input_tags = copy.deepcopy(sub.input_tags)
        tags.target_tags = copy.deepcopy(sub.target_tags)
        # Seeded (random_state or a seeded sampler), a search repeats itself.
        tags.non_deterministic = sub.non_deterministic or (
            self.sampler is None and self.random_state is None
        )
        return tags


def optuna_search(
    estimator,
    X,
    y,
    param_space,
    *,
    n_trials=20,
    cv=5,
    scoring=None,
    storage=None,
    study_name=None,
    pruning=True,
    monitor=None,
    timeout=None,
    direction="maximize",
    sampler=None,
    random_state=None,
    n_jobs=1,
    refit=True,
    load_if_exists=True,
    error_score=np.nan,
    verbose=0,
    groups=None,
):
    """Tune ``estimator`` on ``(X, y)`` with Optuna; return the fitted search.

    ``optuna_search(est, X, y, space, ...)`` is
    ``OptunaSearch(est, space, ...).fit(X, y, groups=groups)``; see
    :class:`OptunaSearch` for the parameters and attributes.

    Parameters
    ----------
    estimator : estimator object
        Estimator or pipeline to tune.
    X : array-like, images or list
        Training data.
    y : array-like or None
        Targets (None for unsupervised estimators).
    param_space : dict or callable
        ``{name: optuna distribution}`` or ``space(trial) -> dict``.
    n_trials, cv, scoring, storage, study_name, pruning, monitor, timeout, \
direction, sampler, random_state, n_jobs, refit, load_if_exists, error_score, \
verbose
        See :class:`OptunaSearch`.
    groups : array-like or None, default=None
        Group labels for group-aware ``cv`` splitters.

    Returns
    -------
    search : OptunaSearch
        Fitted: ``best_estimator_``, ``best_params_``, ``best_score_``,
        ``study_``, ``n_epochs_total_``.

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skface.model_selection import optuna_search
    >>> X, y = load_iris(return_X_y=True)
    >>> search = optuna_search(
    ...     SVC(), X, y, {"C": FloatDistribution(1e-2, 1e2, log=True)},
    ...     n_trials=5, random_state=0,
    ... )
    >>> sorted(search.best_params_)
    ['C']
    """
    search = OptunaSearch(
        estimator,
        param_space,
        n_trials=n_trials,
        cv=cv,
        scoring=scoring,
        storage=storage,
        study_name=study_name,
        pruning=pruning,
        monitor=monitor,
        timeout=timeout,
        direction=direction,
        sampler=sampler,
        random_state=random_state,
        n_jobs=n_jobs,
        refit=refit,
        load_if_exists=load_if_exists,
        error_score=error_score,
        verbose=verbose,
    )
    return search.fit(X, y, groups=groups)
