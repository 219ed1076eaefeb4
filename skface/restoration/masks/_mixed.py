"""A random choice among several mask generators, per image."""

from __future__ import annotations

import numpy as np

from ._base import BaseMaskGenerator

__all__ = ["MixedMasks"]


class MixedMasks(BaseMaskGenerator):
    """Draw each image's hole from one of several generators.

    Parameters
    ----------
    generators : list of mask generators
        skface mask generators (objects with ``_generate_one``, i.e. the ones
        in :mod:`skface.restoration.masks`).
    weights : array-like of shape (n_generators,), default=None
        Probability of each generator (normalised); ``None``: uniform.
    random_state : int, RandomState, Generator or None, default=None
        Default random state of :meth:`generate`; it drives both the choice
        and the chosen generator (whose own ``random_state`` is ignored).

    Examples
    --------
    >>> from skface.restoration.masks import (
    ...     CenterSquare, FaceMaskShape, MixedMasks, RandomRectangles)
    >>> gen = MixedMasks([CenterSquare(), RandomRectangles(), FaceMaskShape()],
    ...                  weights=[1, 2, 1], random_state=0)
    >>> gen.generate((4, 64, 64)).shape
    (4, 64, 64)
    """

    _parameter_constraints = {
        "generators": [list, tuple],
        "weights": ["array-like", None],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(self, generators, weights=None, *, random_state=None):
        self.generators = generators
        self.weights = weights
        self.random_state = random_state

    def _probabilities(self):
        n = len(self.generators)
        if n == 0:
            raise ValueError("generators is empty; give at least one mask generator")
        for i, gen in enumerate(self.generators):
            if not hasattr(gen, "_generate_one"):
                raise ValueError(
                    f"generators[{i}] ({type(gen).__name__}) is not an skface "
                    "mask generator"
                )
        if self.weights is None:
            return np.full(n, 1.0 / n)
        p = np.asarray(self.weights, dtype=float)
        if p.shape != (n,) or (p < 0).any() or not np.isfinite(p).all() or p.sum() <= 0:
            raise ValueError(
                f"weights must be {n} non-negative numbers with a positive sum, "
                f"got {self.weights!r}"
            )
        return p / p.sum()

    def generate(self, X, *, landmarks=None, random_state=None):
        self._probabilities()  # validates before drawing anything
        for gen in self.generators:
            gen._validate_params()
        return super().generate(X, landmarks=landmarks, random_state=random_state)

    generate.__doc__ = BaseMaskGenerator.generate.__doc__

    def _generate_one(self, shape, rng, landmarks):
        p = self._probabilities()
        k = int(rng.choice(len(p), p=p))
        return self.generators[k]._generate_one(shape, rng, landmarks)
