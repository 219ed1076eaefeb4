"""Shared settings for the neural tests."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Train the tiny test networks on one thread.

    Their layers are far too small to gain from intra-op parallelism, and
    torch's thread pool slows them down badly when other processes share
    the cores (e.g. ``pytest -n``); the setting is restored afterwards.
    """
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
