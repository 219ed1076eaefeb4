"""Per-epoch overhead of Face2VecClassifier (skorch inside) vs a plain loop.

Both train the same :class:`skface.nn.MLP` (204 -> 256 -> 128 -> 40) with
Nadam, cross-entropy and mini-batches of 32 on the same 400 x 204 float32
data (the size of the Olivetti Face2Vec problem), on the CPU. The plain loop
is what one would write by hand: ``randperm``, index the tensors, forward,
backward, step, and ``loss.item()`` for the epoch loss.

The two alternate over several rounds. Reported per epoch, over all epochs of
all rounds: the median and the minimum wall-clock time and the median
process CPU time (steadier when other jobs share the machine), and the median
over rounds of each round's ratio of median epochs (a load burst during one
round moves one ratio, not the pooled medians), for one torch
thread and for torch's default; plus the one-off cost of ``fit`` outside the
epochs (validation, building the net), amortised over ``--epochs``. Run::

    python benchmarks/bench_neural_overhead.py [--epochs 30] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from skorch.callbacks import Callback

from skface.neural import Face2VecClassifier
from skface.nn import MLP


def make_data(seed=0, n=400, n_features=204, n_classes=40):
    rng = np.random.RandomState(seed)
    centers = rng.normal(size=(n_classes, n_features))
    y = np.arange(n) % n_classes
    X = (centers[y] + rng.normal(scale=2.0, size=(n, n_features))).astype(np.float32)
    return X, y


def _clock():
    return np.array([time.perf_counter(), time.process_time()])


def plain_loop(X, y, epochs, batch_size=32, lr=1e-3, seed=0):
    """Hand-written training loop; returns (epochs, 2) wall/cpu seconds."""
    torch.manual_seed(seed)
    module = MLP(X.shape[1], int(y.max()) + 1, hidden_layer_sizes=(256, 128))
    optimizer = torch.optim.NAdam(module.parameters(), lr=lr)
    criterion = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    n = len(X_t)
    times = []
    for _ in range(epochs):
        start = _clock()
        module.train()
        total = 0.0
        order = torch.randperm(n)
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            optimizer.zero_grad()
            loss = criterion(module(X_t[idx]), y_t[idx])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        times.append(_clock() - start)
    return np.array(times)


class _EpochClock(Callback):
    """Wall and CPU time of each epoch (the estimator's own ``dur`` is wall)."""

    def initialize(self):
        self.times_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.start_ = _clock()

    def on_epoch_end(self, net, **kwargs):
        self.times_.append(_clock() - self.start_)


def estimator(X, y, epochs, batch_size=32, lr=1e-3, seed=0):
    """Face2VecClassifier, same module and optimizer.

    Returns (epochs, 2) wall/cpu seconds per epoch and the fit's one-off
    (wall) seconds outside the epochs.
    """
    clock = _EpochClock()
    clf = Face2VecClassifier(
        (256, 128),
        alpha=0.0,
        optimizer="nadam",
        lr=lr,
        batch_size=batch_size,
        max_epochs=epochs,
        device="cpu",
        random_state=seed,
        callbacks=[clock],
    )
    start = time.perf_counter()
    clf.fit(X, y)
    total = time.perf_counter() - start
    times = np.array(clock.times_)
    return times, total - times[:, 0].sum()


def run(epochs, rounds, threads):
    X, y = make_data()
    torch.set_num_threads(threads)
    plain_loop(X, y, 2)  # warm up both
    estimator(X, y, 2)
    plain, est, setup = [], [], []
    for _ in range(rounds):
        plain.append(plain_loop(X, y, epochs))
        times, once = estimator(X, y, epochs)
        est.append(times)
        setup.append(once)
    # per round: median estimator epoch over median plain epoch; a load burst
    # that hits one round moves one ratio instead of the pooled medians
    ratios = [np.median(e[:, 0]) / np.median(p[:, 0]) for p, e in zip(plain, est)]
    return (
        np.concatenate(plain),
        np.concatenate(est),
        float(np.median(setup)),
        float(np.median(ratios)),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    default_threads = torch.get_num_threads()
    print(
        f"torch {torch.__version__}, {args.rounds} rounds x {args.epochs} epochs, "
        "400 x 204 float32, 40 classes, batch 32, MLP(256, 128), Nadam"
    )
    print(
        f"{'threads':>7} {'per epoch':>16} {'plain ms':>9} {'Face2Vec ms':>12} "
        f"{'overhead':>9}"
    )
    for threads in sorted({1, default_threads}):
        plain, est, setup, ratio = run(args.epochs, args.rounds, threads)
        rows = [
            ("median wall", np.median(plain[:, 0]), np.median(est[:, 0])),
            ("min wall", plain[:, 0].min(), est[:, 0].min()),
            ("median cpu", np.median(plain[:, 1]), np.median(est[:, 1])),
        ]
        for label, p, e in rows:
            print(
                f"{threads:>7} {label:>16} {p * 1e3:>9.2f} {e * 1e3:>12.2f} "
                f"{(e / p - 1) * 100:>8.1f}%"
            )
        print(
            f"{threads:>7} {'round ratios':>16} {'':>9} {'median':>12} "
            f"{(ratio - 1) * 100:>8.1f}%"
        )
        print(
            f"{threads:>7} {'fit set-up':>16} {'':>9} {setup * 1e3:>12.2f} "
            f"{setup / args.epochs / np.median(plain[:, 0]) * 100:>8.1f}% "
            f"(of {args.epochs} epochs)"
        )
    torch.set_num_threads(default_threads)


if __name__ == "__main__":
    main()
