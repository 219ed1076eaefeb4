"""Lazy, checked imports of the heavy optional backends.

``import skface`` must stay light, so torch, dlib and OpenCV are imported only
where they are used, through these helpers, which turn a missing package into
an error that says how to install it.
"""

from __future__ import annotations

import importlib

_INSTALL_HINT = {
    "torch": "pip install torch==2.13.0  (the CPU build; see the README)",
    "dlib": "pip install dlib-bin  (a prebuilt wheel; the `dlib` sdist compiles)",
    "cv2": "pip install 'opencv-python-headless>=4.8,<5'",
    "skorch": "pip install skorch",
    "optuna": "pip install optuna optuna-integration[sklearn]",
    "matplotlib": "pip install 'skface[plot]'",
}


def import_optional(module: str):
    """Import ``module`` or raise an ImportError with the install command."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        hint = _INSTALL_HINT.get(top, f"pip install {top}")
        raise ImportError(
            f"skface needs the optional package {top!r} for this feature: {hint}"
        ) from exc


def import_dlib():
    return import_optional("dlib")


def import_cv2():
    return import_optional("cv2")


def import_torch():
    return import_optional("torch")
