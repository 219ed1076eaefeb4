"""Per-process pool of native handles (dlib models, OpenCV cascades).

Native objects are built lazily, lent to one thread at a time, reused
across calls and never pickled. Nothing heavy is imported here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager

__all__ = ["borrow"]

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
