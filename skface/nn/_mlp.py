"""Fully connected network (multi-layer perceptron)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "MLP", "init_dense_weights"]

#: Activation names accepted by :class:`MLP` and their modules.
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "leaky_relu": nn.LeakyReLU,
}


def init_dense_weights(module: nn.Module) -> None:
    """Glorot-uniform weights and zero biases for every ``nn.Linear``.

    This is the Keras ``Dense`` default that the Face2Vec seed trained with
    (PyTorch's own default is a scaled Kaiming-uniform with random biases).
    Use it with ``module.apply(init_dense_weights)``.
    """
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class MLP(nn.Module):
    """Fully connected network: ``Linear -> activation -> Dropout`` blocks.

    The last layer is linear and returns unnormalised scores (logits for a
    classifier), so pair it with ``nn.CrossEntropyLoss``.

    Parameters
    ----------
    n_inputs : int
        Number of input features.
    n_outputs : int
        Number of outputs (classes for a classifier).
    hidden_layer_sizes : sequence of int, default=(256, 128)
        Width of each hidden layer; empty for a linear model.
    activation : {'relu', 'elu', 'tanh', 'leaky_relu'}, default='relu'
        Non-linearity after each hidden layer.
    dropout : float, default=0.0
        Dropout probability after each hidden activation.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import MLP
    >>> net = MLP(10, 3, hidden_layer_sizes=(8,))
    >>> net(torch.zeros(4, 10)).shape
    torch.Size([4, 3])
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int,
        hidden_layer_sizes: Sequence[int] = (256, 128),
        activation: str = "relu",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        layers: list[nn.Module] = []
        width = int(n_inputs)
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, int(size)), ACTIVATIONS[activation]()]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = int(size)
        self.hidden = nn.Sequential(*layers)
        self.output = nn.Linear(width, int(n_outputs))
        self.apply(init_dense_weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.hidden(x)  # (N, hidden_layer_sizes[-1])
        return self.output(h)  # (N, n_outputs)
