"""Neural-network estimators on skorch, and their shared core.

* :class:`Face2VecClassifier`: fully connected classifier for face features.
* :class:`BaseNeuralEstimator`: the base of every skface neural estimator;
  it declares the shared parameters (``max_epochs``, ``batch_size``, ``lr``,
  ``optimizer``, ``device``, ``random_state``, ``verbose``,
  ``validation_fraction``, ``early_stopping``, ``callbacks``,
  ``warm_start``...) and builds a private skorch net in ``fit`` (``net_``).
* :func:`load_model` reads a file written by ``estimator.save(path)``
  (safetensors weights plus JSON parameters; never unpickles).
* :class:`NonFiniteLossError` is raised by ``fit`` when a loss becomes NaN
  or infinite.

Each epoch's losses and validation score are in ``estimator.history_``
(``history_[-1, 'valid_acc']``); a skorch callback passed through
``callbacks`` reads the same values as ``net.history`` in ``on_epoch_end``.
"""

from ._base import BaseNeuralEstimator
from ._callbacks import NonFiniteLossError
from ._face2vec import Face2VecClassifier
from ._persistence import load_model

__all__ = [
    "BaseNeuralEstimator",
    "Face2VecClassifier",
    "NonFiniteLossError",
    "load_model",
]
