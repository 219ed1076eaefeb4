"""Exponential moving average of a network's weights (pure torch).

GAN generators sample visibly better from a running average of their
weights than from the last step's (Karras et al., 2018; Yazici et al.,
2019). :class:`EMA` keeps that average outside the module, so the module
being trained is untouched; :meth:`EMA.copy_to` writes it into a module
(typically a copy of the generator used for sampling).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["EMA"]


class EMA:
    """Moving average of a module's parameters; buffers copied as they are.

    After ``update(module)``, every parameter's average is
    ``decay * average + (1 - decay) * parameter``; buffers (batch-norm
    running statistics, spectral-norm vectors, counters) are not averaged
    but copied from the module.

    Parameters
    ----------
    module : torch.nn.Module
        The network to follow; its current state is the starting average.
    decay : float, default=0.999
        Weight of the old average, in ``[0, 1]`` (0: the average is the
        last state; 1: it never moves).

    Attributes
    ----------
    shadow : dict of str to Tensor
        The averaged state, keyed like ``module.state_dict()``.

    Examples
    --------
    >>> import torch
    >>> from skface.nn import EMA
    >>> net = torch.nn.Linear(1, 1, bias=False)
    >>> _ = net.weight.data.fill_(0.0)
    >>> ema = EMA(net, decay=0.75)
    >>> _ = net.weight.data.fill_(4.0)
    >>> ema.update(net)
    >>> ema.shadow["weight"].item()
    1.0
    """

    def __init__(self, module: nn.Module, decay: float = 0.999) -> None:
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"decay must be in [0, 1], got {decay}")
        self.decay = float(decay)
        self._params = {name for name, _ in module.named_parameters()}
        self.shadow = {k: v.detach().clone() for k, v in module.state_dict().items()}

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        """Move the average towards ``module``'s parameters; copy its buffers."""
        for name, value in module.state_dict().items():
            avg = self.shadow[name]
            if name in self._params:
                avg.lerp_(value.detach().to(avg), 1.0 - self.decay)
            else:
                avg.copy_(value)

    @torch.no_grad()
    def copy_to(self, module: nn.Module) -> nn.Module:
        """Load the averaged state into ``module`` (same architecture); return it."""
        module.load_state_dict(self.shadow)
        return module

    def to(self, device: torch.device | str) -> EMA:
        """Move the averaged state to ``device``; return ``self``."""
        self.shadow = {k: v.to(device) for k, v in self.shadow.items()}
        return self

    def state_dict(self) -> dict:
        """``{'decay': float, 'shadow': dict}``, saveable with ``weights_only``."""
        return {
            "decay": self.decay,
            "shadow": {k: v.clone() for k, v in self.shadow.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`'s output (keys must match the module's)."""
        if set(state["shadow"]) != set(self.shadow):
            raise ValueError("EMA state does not match the module's state keys")
        self.decay = float(state["decay"])
        self.shadow = {k: v.detach().clone() for k, v in state["shadow"].items()}
