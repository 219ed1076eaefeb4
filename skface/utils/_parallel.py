"""Per-image parallel map through joblib.

``n_jobs=None`` defers to :func:`joblib.parallel_config`, so a user can route
skface's per-image work to another backend (threads, loky, Dask, Ray) without
touching the estimator.
"""

from __future__ import annotations

import joblib

__all__ = ["parallel_map"]


def _apply(func, chunk):
    return [func(item) for item in chunk]


def parallel_map(func, items, *, n_jobs=None, prefer=None, chunks_per_job=4):
    """Apply ``func`` to every item, in order, possibly in parallel.

    Parameters
    ----------
    func : callable
        Called as ``func(item)``; must be picklable for process backends.
    items : sequence
        Work items (images, or tuples with their extra data).
    n_jobs : int, default=None
        Number of workers; ``None`` uses :func:`joblib.parallel_config`'s
        setting (1 when unset), ``-1`` all cores.
    prefer : {'processes', 'threads'}, default=None
        Soft backend hint passed to :class:`joblib.Parallel`.
    chunks_per_job : int, default=4
        Items are grouped in ``n_workers * chunks_per_job`` chunks, so the
        per-task overhead (pickling a model handle, a round trip) is paid a
        few times per call rather than once per image.

    Returns
    -------
    results : list
        ``[func(item) for item in items]``.
    """
    items = list(items)
    # Honours joblib.parallel_config when n_jobs is None (1 when unset).
    n_workers = joblib.effective_n_jobs(n_jobs)
    if n_workers == 1 or len(items) < 2:
        return [func(item) for item in items]
    n_chunks = min(len(items), n_workers * max(1, int(chunks_per_job)))
    bounds = [round(i * len(items) / n_chunks) for i in range(n_chunks + 1)]
    chunks = [items[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    parts = joblib.Parallel(n_jobs=n_jobs, prefer=prefer)(
        joblib.delayed(_apply)(func, chunk) for chunk in chunks
    )
    return [r for part in parts for r in part]
