"""skface: scikit-learn compatible estimators for faces.

Subpackages are imported on first use, so ``import skface`` is cheap and
loads neither torch, dlib nor OpenCV::

    >>> import skface
    >>> from skface.datasets import make_synthetic_faces  # loads on demand

The per-face entry points are also reachable from the top level (loaded on
first use): ``skface.FaceAnalyzer`` and ``skface.FaceRecognizer`` (from
:mod:`skface.recognition`).
"""

import importlib
import pkgutil

from ._version import __version__

# Public subpackages, found on disk (a directory listing, no import).
_SUBMODULES = sorted(
    m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")
)

#: Top-level shortcuts to public names of a subpackage, loaded on first use.
_SHORTCUTS = {"FaceAnalyzer": "recognition", "FaceRecognizer": "recognition"}

__all__ = ["__version__", *_SHORTCUTS, *_SUBMODULES]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"skface.{name}")
    if name in _SHORTCUTS:
        return getattr(importlib.import_module(f"skface.{_SHORTCUTS[name]}"), name)
    raise AttributeError(f"module 'skface' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES) | set(_SHORTCUTS))
