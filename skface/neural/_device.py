"""The shared ``device`` parameter of the neural estimators."""

from __future__ import annotations

import torch

__all__ = ["resolve_device", "rng_devices"]


def resolve_device(device) -> str:
    """Turn the shared ``device`` parameter into a torch device string.

    Parameters
    ----------
    device : str
        ``'auto'`` (CUDA when available, else the CPU), ``'cpu'``,
        ``'cuda'``, ``'cuda:1'``... or any torch device string.

    Returns
    -------
    device : str
        The torch device string, e.g. ``'cpu'`` or ``'cuda'``.

    Raises
    ------
    ValueError
        If ``device`` is not a device string, or names CUDA on a machine
        without CUDA.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or a torch device string, "
            f"got {device!r}"
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} but CUDA is not available; use 'auto'")
    return str(dev)


def rng_devices(device: str) -> list:
    """CUDA device indices whose RNG :func:`torch.random.fork_rng` must fork."""
    dev = torch.device(device)
    if dev.type != "cuda":
        return []
    return [dev.index if dev.index is not None else torch.cuda.current_device()]
