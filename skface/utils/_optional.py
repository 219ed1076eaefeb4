"""Lazy, checked imports of the heavy optional backends.

``import skface`` must stay light, so torch, dlib and OpenCV are imported only
where they are used, through these helpers, which turn a missing package into
an error that says how to install it.

torch and skorch are the ``neural`` extra, optuna the ``tune`` extra: the
classical parts (detection, landmarks, alignment, features, classical
inpainting, the ``skface`` command line without ``--method generate``) work
without them.
"""

from __future__ import annotations

import importlib

#: The CPU build of torch: a bare ``pip install torch`` on Linux pulls the
#: CUDA build with several GB of CUDA libraries.
CPU_TORCH = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
NEURAL_HINT = (
    'pip install "skface[neural]"  (on a machine without a GPU, first the CPU '
    f"build of torch: {CPU_TORCH})"
)
TUNE_HINT = 'pip install "skface[tune]"'

_INSTALL_HINT = {
    "torch": NEURAL_HINT,
    "skorch": NEURAL_HINT,
    "safetensors": NEURAL_HINT,
    "optuna": TUNE_HINT,
    "dlib": "pip install dlib-bin  (a prebuilt wheel; the `dlib` sdist compiles)",
    "cv2": "pip install 'opencv-python-headless>=4.8,<5'",
    "matplotlib": 'pip install "skface[plot]"',
    "pyarrow": 'pip install pyarrow  (or "skface[parquet]"), or write a .csv',
}


def import_optional(module: str, feature: str | None = None):
    """Import ``module`` or raise an ImportError with the install command.

    Parameters
    ----------
    module : str
        Dotted module name.
    feature : str, default=None
        What needs it, for the message (e.g. ``'skface.neural'``).

    Returns
    -------
    module : module
        The imported module.

    Raises
    ------
    ImportError
        Naming the missing package and the command that installs it (for
        torch and skorch: the ``neural`` extra and the CPU torch wheel).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = (getattr(exc, "name", None) or module).split(".")[0]
        if top not in _INSTALL_HINT:
            top = module.split(".")[0]
        hint = _INSTALL_HINT.get(top, f"pip install {top}")
        what = feature or "this feature"
        raise ImportError(
            f"{what} needs the optional package {top!r}, which is not installed: {hint}"
        ) from exc


def require_neural(feature: str):
    """Check torch and skorch import, or raise the ``neural`` extra's error.

    Called at the top of the modules that need torch (``skface.neural``,
    the torch-based autoencoders and inpainter), so that using one without
    the extra says what to install instead of a bare ``No module named
    'torch'``.

    Parameters
    ----------
    feature : str
        What needs them, for the message.
    """
    for module in ("torch", "skorch", "safetensors"):
        import_optional(module, feature)


def import_dlib():
    return import_optional("dlib")


def import_cv2():
    return import_optional("cv2")


def import_torch():
    return import_optional("torch")
