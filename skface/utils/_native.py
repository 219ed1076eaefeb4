"""Native handles (dlib models, OpenCV cascades) and dlib geometry.

Native objects are built lazily, lent to one thread at a time, reused
across calls and never pickled. Nothing heavy is imported at import time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

from ._optional import import_dlib

__all__ = ["borrow", "to_dlib_rectangle"]

_POOL: OrderedDict = OrderedDict()
_POOL_LOCK = threading.Lock()
# Models kept per process; the least recently used is dropped beyond this
# (a grid search over training parameters makes one model per fit).
_POOL_MAX_KEYS = 16


@contextmanager
def borrow(key, factory):
    """Lend a native handle for ``key`` to the calling thread.

    dlib detectors and OpenCV cascades keep scratch buffers inside the object,
    so two threads must never use the same instance at once. The pool keeps,
    per process, as many instances per ``key`` as there were concurrent
    users, and reuses them across calls: after the first call the per-image
    cost is one dictionary lookup. Nothing here is ever pickled.

    Parameters
    ----------
    key : hashable
        Identifies the model (e.g. ``('haar', path)``).
    factory : callable
        ``factory()`` builds a new instance; called outside the lock.
    """
    with _POOL_LOCK:
        free = _POOL.setdefault(key, [])
        _POOL.move_to_end(key)
        handle = free.pop() if free else None
    if handle is None:
        handle = factory()
    try:
        yield handle
    finally:
        with _POOL_LOCK:
            _POOL.setdefault(key, []).append(handle)
            while len(_POOL) > _POOL_MAX_KEYS:
                _POOL.popitem(last=False)


def to_dlib_rectangle(box):
    """skface box ``(left, top, right, bottom)``, ``right = left + width``,
    to dlib's inclusive ``rectangle(l, t, r - 1, b - 1)``, rounded to whole
    pixels (never inverted)."""
    left, top, right, bottom = (int(v) for v in np.rint(np.asarray(box, float)[:4]))
    right, bottom = max(left, right - 1), max(top, bottom - 1)
    return import_dlib().rectangle(left, top, right, bottom)
