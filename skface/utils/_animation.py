"""Write frame sequences (a head turning, a morph) as animated GIFs."""

from __future__ import annotations

import os
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["save_animation"]


def _to_uint8(frames: np.ndarray) -> np.ndarray:
    if frames.dtype == np.uint8:
        return frames
    if frames.dtype.kind == "f":
        if not np.isfinite(frames).all():
            raise ValueError("frames contain NaN or inf")
        lo, hi = float(frames.min()), float(frames.max())
        if lo < 0 or hi > 1:
            raise ValueError(
                f"float frames must be in [0, 1], got values in [{lo:.3g}, {hi:.3g}]"
            )
        return np.round(frames * 255).astype(np.uint8)
    raise ValueError(
        f"frames must be uint8 or float in [0, 1], got dtype {frames.dtype}"
    )


def _tile(frames: np.ndarray) -> np.ndarray:
    """``(n, n_frames, H, W[, C])`` -> ``(n_frames, H, n * W[, C])``."""
    return np.concatenate(list(frames), axis=2)


def save_animation(frames, path, *, fps=10, loop=0, pingpong=False):
    """Write frames as an animated GIF (Pillow).

    Parameters
    ----------
    frames : ndarray of shape (n_frames, H, W[, C]) or (n, n_frames, H, W[, C])
        The frames, ``uint8`` or float in ``[0, 1]``; grey (no ``C`` or
        ``C=1``) or RGB (``C=3``). A 5-D array (what
        :meth:`skface.generation.HeadTurnGenerator.transform` returns) is
        tiled: the ``n`` sequences side by side, animated together. A
        4-D array is one sequence when its last axis is 1 or 3 (grey or RGB
        frames), else ``n`` grey sequences ``(n, n_frames, H, W)``, tiled.
    path : str or path-like
        Output file; must end in ``.gif``.
    fps : float, default=10
        Frames per second (GIF stores the delay in hundredths of a second,
        so it is rounded to that).
    loop : int, default=0
        How many times the animation repeats; 0 forever.
    pingpong : bool, default=False
        Play the frames forward then backward (the end frames once each),
        e.g. a head turning left to right and back.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from PIL import Image
    >>> from skface.utils import save_animation
    >>> frames = np.linspace(0, 1, 5)[:, None, None] * np.ones((5, 8, 8))
    >>> path = os.path.join(tempfile.mkdtemp(), "ramp.gif")
    >>> Image.open(save_animation(frames, path, pingpong=True)).n_frames
    8
    """
    path = Path(os.fspath(path))
    if path.suffix.lower() != ".gif":
        raise ValueError(f"path must end in .gif (an animated GIF), got {str(path)!r}")
    if not isinstance(fps, Real) or isinstance(fps, bool) or not fps > 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    if not isinstance(loop, Integral) or isinstance(loop, bool) or loop < 0:
        raise ValueError(f"loop must be an int >= 0, got {loop!r}")
    frames = np.asarray(frames)
    if frames.ndim == 5:
        frames = _tile(frames)
    elif frames.ndim not in (3, 4):
        raise ValueError(
            "frames must be (n_frames, H, W[, C]) or (n, n_frames, H, W, C), got "
            f"shape {frames.shape}"
        )
    if frames.ndim == 4 and frames.shape[-1] not in (1, 3):
        frames = _tile(frames)  # (n, n_frames, H, W) grey sequences
    if frames.ndim == 4 and frames.shape[-1] == 1:
        frames = frames[..., 0]
    if len(frames) == 0 or min(frames.shape[1:3]) == 0:
        raise ValueError(f"frames are empty: shape {frames.shape}")
    frames = _to_uint8(frames)
    if pingpong and len(frames) > 2:
        frames = np.concatenate([frames, frames[-2:0:-1]])
    images = [Image.fromarray(np.ascontiguousarray(f)) for f in frames]
    duration = max(int(round(100 / float(fps))), 1) * 10  # ms, GIF's 10 ms units
    images[0].save(
        path,
        save_all=True,
        append_images=images[1:],
        duration=duration,
        loop=int(loop),
        disposal=1,
        optimize=False,
    )
    return path
