"""Shared test setup.

Tiny fits on a 2-core machine are much slower when BLAS/OpenMP and torch
each start several threads per call; one thread per library keeps the
suite fast and deterministic. Tests that measure parallelism use joblib
workers, which are separate processes or threads of their own.
"""

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")


def pytest_configure(config):
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)
