"""Pure PyTorch modules used by skface's neural estimators.

The modules here take only architecture hyperparameters, import nothing but
torch, and know nothing about scikit-learn or skorch: the estimators in
:mod:`skface.neural` wrap them.

* :class:`MLP`: fully connected network (the Face2Vec classifier's body).
"""

from ._mlp import ACTIVATIONS, MLP, init_dense_weights

__all__ = ["ACTIVATIONS", "MLP", "init_dense_weights"]
