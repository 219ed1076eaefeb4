"""skface.nn.MLP: the pure torch module."""

import subprocess
import sys

import pytest
import torch
from torch import nn

from skface.nn import ACTIVATIONS, MLP, init_dense_weights


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_shapes_and_layers(activation):
    net = MLP(7, 3, hidden_layer_sizes=(5, 4), activation=activation, dropout=0.5)
    assert net(torch.zeros(2, 7)).shape == (2, 3)
    linear = [m for m in net.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linear] == [(7, 5), (5, 4), (4, 3)]
    assert sum(isinstance(m, ACTIVATIONS[activation]) for m in net.modules()) == 2
    assert sum(isinstance(m, nn.Dropout) for m in net.modules()) == 2
    assert not any(isinstance(m, nn.Dropout) for m in MLP(7, 3, dropout=0).modules())


def test_linear_model_and_init():
    net = MLP(6, 2, hidden_layer_sizes=())
    assert len(net.hidden) == 0 and net.output.in_features == 6
    torch.manual_seed(0)
    net = MLP(100, 50, hidden_layer_sizes=(80,))
    for m in (net.hidden[0], net.output):
        assert torch.count_nonzero(m.bias) == 0
        bound = (6 / (m.in_features + m.out_features)) ** 0.5  # Glorot uniform
        assert m.weight.abs().max() <= bound
        assert m.weight.abs().max() > 0.9 * bound
    layer = nn.Linear(3, 3)
    init_dense_weights(layer)
    assert torch.count_nonzero(layer.bias) == 0


def test_dropout_only_in_training_mode():
    torch.manual_seed(0)
    net = MLP(4, 2, hidden_layer_sizes=(64,), dropout=0.5)
    x = torch.ones(3, 4)
    net.eval()
    assert torch.equal(net(x), net(x))
    net.train()
    assert not torch.equal(net(x), net(x))


def test_bad_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(3, 2, activation="swish")


def test_nn_imports_only_torch():
    code = (
        "import sys, skface.nn; print(sorted({'sklearn', 'skorch'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"
