"""Files in and out for the ``skface`` commands.

* :func:`collect_sources`: files and folders (recursive) to image paths,
  with a one-line warning for each path that does not exist;
* :func:`load_for_detection`: read one photo as RGB ``uint8`` and, when it
  is larger than ``max_size``, a downsized copy for the detector;
* :func:`map_files`: run a per-file function on every source, optionally in
  parallel, with a progress bar on stderr, turning each file's error into a
  one-line message instead of a traceback;
* :func:`safe_out_dir` and :func:`open_new`: output folders and files that
  refuse pre-planted symlinks and expand ``~``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from PIL import Image
from tqdm.auto import tqdm

from ..detection._common import MAX_SIZE
from ..utils._resize import resize
from ..utils.validation import read_image

#: Suffixes taken from folders; a file named on the command line is read
#: whatever its suffix.
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
    | {".ppm", ".pgm", ".pbm", ".pnm"}
)

#: Images whose longer side is above this are downsized for detection (the
#: HOG and Haar detectors' own default).
DEFAULT_MAX_SIZE = MAX_SIZE


class CommandError(ValueError):
    """An error that ends a command (or one file) with a one-line message."""


@dataclass(frozen=True)
class Source:
    """An input image: its path, and the name its outputs get."""

    path: Path
    rel: Path

    def __str__(self):
        return str(self.path)

    def __fspath__(self):
        return str(self.path)


def warn(command, message):
    """Print ``skface COMMAND: warning: message`` on stderr (bar-safe)."""
    tqdm.write(f"skface {command}: warning: {message}", file=sys.stderr)


def collect_sources(paths, command):
    """Image files named by ``paths`` (files, or folders searched recursively).

    Parameters
    ----------
    paths : list of str
        Files or folders; ``~`` is expanded.
    command : str
        The command, for warnings.

    Returns
    -------
    sources : list of Source
        In the order given, folders sorted, without duplicates. ``rel`` is
        the path relative to the folder it was found in (the file name for
        files named directly).
    """
    out, seen = [], set()

    def add(path, rel):
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(Source(path, rel))

    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in IMAGE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                warn(command, f"{raw}: folder has no image files")
            for p in found:
                add(p, p.relative_to(path))
        elif path.is_file():
            add(path, Path(path.name))
        else:
            warn(command, f"{raw}: no such file or folder")
    return out


def to_rgb_uint8(image):
    """An image from :func:`skface.utils.read_image` as ``(H, W, 3) uint8``."""
    image = np.asarray(image)
    if image.dtype == np.uint16:
        image = (image // 257).astype(np.uint8)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def load_for_detection(path, max_size):
    """Read a photo, and a copy downsized so its longer side is ``max_size``.

    Parameters
    ----------
    path : path
        Image file.
    max_size : int or None
        None keeps the full size.

    Returns
    -------
    image : ndarray of shape (H, W, 3), uint8
        The photo at full size.
    small : ndarray of shape (h, w, 3), uint8
        What the detector sees (``image`` itself when not downsized).
    scale : float
        ``H / h``: multiply coordinates found on ``small`` by it.
    """
    image = to_rgb_uint8(read_image(path))
    H, W = image.shape[:2]
    if max_size is None or max(H, W) <= max_size:
        return image, image, 1.0
    factor = max_size / max(H, W)
    small = resize(image, (max(1, round(H * factor)), max(1, round(W * factor))))
    return image, small, H / small.shape[0]


def _call(func, source):
    try:
        return source, func(source), None
    except (ValueError, OSError, RuntimeError) as exc:
        return source, None, " ".join(str(exc).split()) or type(exc).__name__


def map_files(func, sources, *, n_jobs=None, progress=True, desc=None):
    """Yield ``(source, result, error)`` for each source, in order.

    ``func(source)`` runs for each source (in ``n_jobs`` processes when
    given); a ``ValueError``, ``OSError`` or ``RuntimeError`` it raises
    becomes the one-line ``error`` string (``result`` None).
    """
    bar = tqdm(
        total=len(sources),
        desc=desc,
        unit="image",
        disable=not progress,
        file=sys.stderr,
    )
    try:
        if n_jobs in (None, 1) or len(sources) < 2:
            results = (_call(func, s) for s in sources)
        else:
            results = Parallel(n_jobs=n_jobs, return_as="generator")(
                delayed(_call)(func, s) for s in sources
            )
        for item in results:
            bar.update(1)
            yield item
    finally:
        bar.close()


def check_not_symlink(path, what="output"):
    """Raise :class:`CommandError` when ``path`` is a symbolic link."""
    if Path(path).is_symlink():
        raise CommandError(
            f"{what} {str(path)!r} is a symbolic link; refusing to write through "
            "it (remove it or choose another path)"
        )


def safe_out_dir(path):
    """Create the output folder ``path`` (``~`` expanded); refuse symlinks.

    Returns
    -------
    path : Path
        The expanded folder.
    """
    path = Path(path).expanduser()
    check_not_symlink(path, "output folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CommandError(f"output {str(path)!r} exists and is not a folder") from None
    except OSError as exc:
        raise CommandError(
            f"cannot create output folder {str(path)!r}: {exc.strerror}"
        ) from exc
    if not path.is_dir():
        raise CommandError(f"output {str(path)!r} exists and is not a folder")
    return path


def open_new(path, mode="wb"):
    """Open ``path`` for writing without following a symlink at its end.

    The file is created or truncated; a symbolic link at ``path`` (even one
    planted between a check and the write) raises :class:`CommandError`
    (``O_NOFOLLOW``). Parent folders are created.
    """
    path = Path(path).expanduser()
    check_not_symlink(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if Path(path).is_symlink():
            raise CommandError(
                f"output {str(path)!r} is a symbolic link; refusing to write through it"
            ) from exc
        raise CommandError(f"cannot write {str(path)!r}: {exc.strerror}") from exc
    return os.fdopen(fd, mode)


def save_image(image, path):
    """Write an RGB ``uint8`` image (format from the suffix) via :func:`open_new`."""
    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None:
        path = path.with_suffix(".png")
        fmt = "PNG"
    pil = Image.fromarray(np.asarray(image, dtype=np.uint8))
    options = {"quality": 95} if fmt == "JPEG" else {}
    with open_new(path) as fh:
        pil.save(fh, format=fmt, **options)
    return path
