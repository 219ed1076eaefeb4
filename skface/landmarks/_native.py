"""dlib shape predictors: per-process cache, box conversion, prediction.

A predictor is never stored on an estimator. Estimators keep a *model key*,
``("path", str)`` for a model file or ``("bytes", bytes)`` for a trained
model, and each process turns that key into a native
``dlib.shape_predictor`` once, through :func:`load_predictor`. Keys are
plain Python data, so estimators pickle (and travel to joblib workers)
without the native handle.
"""

from __future__ import annotations

import functools
import os
import tempfile

import numpy as np

from ..utils._native import to_dlib_rectangle
from ..utils._optional import import_dlib

__all__ = [
    "load_predictor",
    "predictor_n_points",
    "predict_shape",
]


@functools.lru_cache(maxsize=8)
def load_predictor(key):
    """Return the ``dlib.shape_predictor`` for a model key (cached)."""
    dlib = import_dlib()
    kind, value = key
    if kind == "path":
        try:
            return dlib.shape_predictor(value)
        except RuntimeError as exc:
            raise ValueError(
                f"{value!r} is not a dlib shape predictor file ({str(exc).strip()})"
            ) from None
    # dlib deserialises only from files: go through a temporary one.
    fd, path = tempfile.mkstemp(suffix=".dat", prefix="skface_shape_")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(value)
        return dlib.shape_predictor(path)
    finally:
        os.unlink(path)


def predictor_n_points(predictor) -> int:
    """Number of points a predictor outputs (run once on a blank image)."""
    dlib = import_dlib()
    shape = predictor(np.zeros((8, 8), dtype=np.uint8), dlib.rectangle(0, 0, 7, 7))
    return int(shape.num_parts)


def predict_shape(predictor, image, box):
    """Landmarks of one face as a ``(p, 2)`` float64 array of ``(x, y)``."""
    shape = predictor(image, to_dlib_rectangle(box))
    return np.array([(pt.x, pt.y) for pt in shape.parts()], dtype=np.float64).reshape(
        -1, 2
    )
