"""Hyperparameter search for skface estimators and pipelines.

:class:`OptunaSearch` (and its function form :func:`optuna_search`) runs an
Optuna study over any estimator or pipeline: per-epoch pruning for neural
estimators, per-fold pruning for the others, and studies kept in memory, in a
SQLite or journal file (resumable) or in a database shared by several
processes (:func:`rdb_storage`: PostgreSQL or MySQL, with a heartbeat that
fails the trials of killed workers). scikit-learn's ``GridSearchCV`` and
``RandomizedSearchCV`` work on skface estimators unchanged; see the "Tuning"
page of the documentation for which search to use when.

Importing this package does not import Optuna; a search does.
"""

from ._optuna import OptunaSearch, optuna_search
from ._storage import rdb_storage

__all__ = ["OptunaSearch", "optuna_search", "rdb_storage"]
