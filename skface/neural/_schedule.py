"""One learning-rate schedule for every optimizer of a net."""

from __future__ import annotations

import math

from skorch.callbacks import Callback

__all__ = ["CosineLR"]


class CosineLR(Callback):
    """Cosine decay of the learning rate of *every* optimizer of a skorch net.

    skorch's ``LRScheduler`` steps only the default ``optimizer_``; a net
    with several optimizers (a generator and a discriminator, see
    :class:`skface.neural.MultiModuleNet`) needs all of them decayed
    together. At the start of each epoch ``k`` (counted from 0 in every
    ``fit`` call, so a warm start restarts the decay) each param group
    gets::

        lr = base * (min_factor + (1 - min_factor) * (1 + cos(pi * k / T)) / 2)

    with ``T = net.max_epochs`` and ``base`` the optimizer's own learning
    rate as the net's parameters give it (``<name>__lr``, else
    ``optimizer__lr``, else ``net.lr``), times the group's ``'lr_scale'``
    key when it has one. Because ``base`` is read from the parameters at
    every ``fit``, a changed ``lr`` applies on a warm start.

    Parameters
    ----------
    min_factor : float, default=0.0
        Fraction of the base rate reached after ``T`` epochs.
    cosine : bool, default=True
        ``False`` keeps every rate at its base (a constant schedule that
        still applies ``lr_scale``).

    Attributes
    ----------
    start_ : int
        Length of the net's history when the current ``fit`` began.

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetRegressor
    >>> from skface.neural import CosineLR
    >>> net = NeuralNetRegressor(
    ...     torch.nn.Linear(2, 1), max_epochs=4, lr=0.1,
    ...     callbacks=[CosineLR()], train_split=None, verbose=0,
    ... )
    >>> X, y = torch.zeros(8, 2), torch.zeros(8, 1)
    >>> net = net.fit(X, y)
    >>> round(net.optimizer_.param_groups[0]["lr"], 4)  # 0.1 * (1 + cos(3 pi / 4)) / 2
    0.0146
    """

    #: Default for schedules pickled before ``min_factor`` existed (the old
    #: ``_LRSchedule`` of FaceAutoencoder, now an alias of this class).
    min_factor = 0.0

    def __init__(self, min_factor=0.0, cosine=True):
        self.min_factor = min_factor
        self.cosine = cosine

    def on_train_begin(self, net, **kwargs):
        self.start_ = len(net.history)

    def factor(self, net) -> float:
        """The schedule's factor at the epoch that is beginning."""
        if not self.cosine:
            return 1.0
        k = len(net.history) - 1 - getattr(self, "start_", 0)
        cos = 0.5 * (1 + math.cos(math.pi * k / max(int(net.max_epochs), 1)))
        return float(self.min_factor) + (1 - float(self.min_factor)) * cos

    def on_epoch_begin(self, net, **kwargs):
        factor = self.factor(net)
        shared = net.get_params_for("optimizer").get("lr", net.lr)
        for name in net._optimizers:
            optimizer = getattr(net, name + "_", None)
            if optimizer is None:
                continue
            base = net.get_params_for(name).get("lr", shared)
            for group in optimizer.param_groups:
                group["lr"] = base * group.get("lr_scale", 1.0) * factor
