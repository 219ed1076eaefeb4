"""Random-state helpers.

Estimators store ``random_state`` exactly as given and turn it into generators
only in ``fit``. These helpers derive independent integer seeds from it and
seed torch without disturbing the global torch RNG.
"""

from __future__ import annotations

import contextlib

import numpy as np
from sklearn.utils import check_random_state

from ._optional import import_torch

__all__ = ["check_random_state", "draw_seed", "spawn_seeds", "torch_rng_context"]

_MAX_SEED = np.iinfo(np.int32).max


def draw_seed(random_state) -> int:
    """Draw one int seed in ``[0, 2**31 - 1)`` from ``random_state``.

    ``None`` gives a fresh seed from the global numpy RNG; an int always gives
    the same seed; a ``RandomState`` advances.
    """
    return int(check_random_state(random_state).randint(_MAX_SEED))


def spawn_seeds(random_state, n: int) -> list[int]:
    """Draw ``n`` independent int seeds from ``random_state``."""
    rng = check_random_state(random_state)
    return [int(s) for s in rng.randint(_MAX_SEED, size=n)]


@contextlib.contextmanager
def torch_rng_context(seed: int, devices=()):
    """Seed torch inside the block and restore the global torch RNG after.

    Uses ``torch.random.fork_rng`` so that fitting a seeded skface model never
    changes the random numbers a user's own torch code draws next.
    """
    torch = import_torch()
    with torch.random.fork_rng(devices=list(devices), enabled=True):
        torch.manual_seed(int(seed))
        yield
