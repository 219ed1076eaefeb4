"""Neural-network estimators on skorch, and their shared core.

* :class:`Face2VecClassifier`: fully connected classifier for face features.
* :class:`BaseNeuralEstimator`: the base of every skface neural estimator;
  it declares the shared parameters (``max_epochs``, ``batch_size``, ``lr``,
  ``optimizer``, ``device``, ``random_state``, ``verbose``,
  ``validation_fraction``, ``early_stopping``, ``callbacks``,
  ``warm_start``, ``amp``, ``accelerator``...) and builds a private skorch
  net in ``fit`` (``net_``).
* :class:`CosineLR`: cosine learning-rate decay for every optimizer of a
  net (skorch's ``LRScheduler`` steps only the default one).
* :func:`load_model` reads a file written by ``estimator.save(path)``
  (safetensors weights plus JSON parameters; never unpickles).
* :class:`NonFiniteLossError` is raised by ``fit`` when a loss becomes NaN
  or infinite (the estimator is then left as it was before the call);
  :class:`TrainingInterruptedWarning` is warned when Ctrl-C stopped ``fit``
  early.

Each epoch's losses and validation score are in ``estimator.history_``
(``history_[-1, 'valid_acc']``); a skorch callback passed through
``callbacks`` reads the same values as ``net.history`` in ``on_epoch_end``.
"""

from ..utils._optional import require_neural

require_neural("skface.neural")  # torch and skorch: the `neural` extra

from ._base import BaseNeuralEstimator  # noqa: E402
from ._callbacks import NonFiniteLossError, TrainingInterruptedWarning  # noqa: E402
from ._face2vec import Face2VecClassifier  # noqa: E402
from ._persistence import load_model  # noqa: E402
from ._schedule import CosineLR  # noqa: E402

__all__ = [
    "BaseNeuralEstimator",
    "CosineLR",
    "Face2VecClassifier",
    "NonFiniteLossError",
    "TrainingInterruptedWarning",
    "load_model",
]
