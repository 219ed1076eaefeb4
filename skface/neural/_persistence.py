"""Saving and loading neural estimators without pickle.

A saved model is one safetensors file: the state dict of every module of the
estimator's net (keys ``'<module name>.<parameter>'``, e.g.
``'module.output.weight'`` or ``'generator.layers.0.bias'``) and, in the
file's string metadata, JSON for the estimator's class, its parameters, the
fitted attributes it needs to rebuild the net (``classes_``,
``n_features_in_``, ...) and the training history.

Reading it runs no pickle at all (safetensors holds raw tensors; the rest is
JSON), so a file from an untrusted source cannot execute code. Values that
JSON cannot hold are tagged (tuples, dicts with non-string keys, numpy
arrays); classes are stored by qualified name and resolved only from an
allow-list (skface neural estimators, ``torch.optim`` optimizers).
"""

from __future__ import annotations

import importlib
import json
import os
import warnings

import numpy as np
import torch

from .._version import __version__
from ._net import _History

__all__ = ["load_model", "save_model"]

FORMAT = "skface-neural/1"


def save_model(estimator, path) -> None:
    """Write a fitted neural estimator to ``path`` (see module doc)."""
    from safetensors.torch import save_file
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    net = estimator.net_
    tensors = {}
    for name in net._modules:
        for key, value in getattr(net, name + "_").state_dict().items():
            tensors[f"{name}.{key}"] = value.detach().to("cpu").contiguous().clone()
    params = {}
    for key, value in estimator.get_params(deep=False).items():
        if key == "callbacks" and value:
            warnings.warn("callbacks are not saved; the loaded estimator has none")
            value = None
        elif key == "random_state" and isinstance(value, np.random.RandomState):
            warnings.warn("a RandomState random_state is not saved; loaded as None")
            value = None
        params[key] = _encode(value, key)
    attributes = {
        name: _encode(getattr(estimator, name), name)
        for name in estimator._fitted_attributes
        if hasattr(estimator, name)
    }
    cls = type(estimator)
    metadata = {
        "format": FORMAT,
        "skface_version": __version__,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "modules": json.dumps(list(net._modules)),
        "params": json.dumps(params),
        "attributes": json.dumps(attributes),
        "history": json.dumps(list(net.history), default=_json_default),
    }
    save_file(tensors, os.fspath(path), metadata=metadata)


def load_model(path, *, device=None, expected_class=None):
    """Load a neural estimator saved with ``estimator.save(path)``.

    Parameters
    ----------
    path : str or path-like
        File written by :meth:`BaseNeuralEstimator.save`.
    device : str or None, default=None
        Device for the loaded net; None uses the saved ``device`` parameter,
        falling back to the CPU (with a warning) when it is not available.
    expected_class : type or None, default=None
        If given, the file must hold exactly this estimator class (used by
        the ``load`` classmethods).

    Returns
    -------
    estimator : BaseNeuralEstimator
        Fitted estimator, ready to predict.

    Raises
    ------
    ValueError
        If the file is not a skface model file (e.g. a pickle, or a tampered
        or truncated file), or names a class outside the allow-list.
    """
    from safetensors import SafetensorError, safe_open

    from ._base import resolve_device

    try:
        with safe_open(os.fspath(path), framework="pt", device="cpu") as f:
            metadata = f.metadata() or {}
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(
            f"{os.fspath(path)!r} is not a skface model file (a safetensors file "
            f"written by estimator.save); refusing to load it: {exc}"
        ) from exc
    if metadata.get("format") != FORMAT:
        raise ValueError(
            f"{os.fspath(path)!r} is a safetensors file but not a skface model "
            f"(format {metadata.get('format')!r}, expected {FORMAT!r})"
        )
    try:
        cls = _resolve_estimator_class(metadata["class"], expected_class)
        params = {k: _decode(v) for k, v in json.loads(metadata["params"]).items()}
        attributes = {
            k: _decode(v) for k, v in json.loads(metadata["attributes"]).items()
        }
        modules = json.loads(metadata["modules"])
        history = json.loads(metadata["history"])
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{os.fspath(path)!r} has corrupt skface metadata: {exc}"
        ) from exc

    estimator = cls(**params)
    estimator._validate_params()
    for name, value in attributes.items():
        setattr(estimator, name, value)
    target = estimator.device if device is None else device
    try:
        target = resolve_device(target)
    except ValueError:
        if device is not None:
            raise
        warnings.warn(f"device {target!r} is not available; loading on the CPU")
        target = "cpu"
    net = estimator._build_net_for_loading(target)
    if list(net._modules) != modules:
        raise ValueError(
            f"{os.fspath(path)!r} holds modules {modules}, expected {net._modules}"
        )
    for name in modules:
        prefix = name + "."
        state = {
            k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)
        }
        try:
            getattr(net, name + "_").load_state_dict(state)
        except RuntimeError as exc:
            raise ValueError(f"{os.fspath(path)!r}: weights do not fit: {exc}") from exc
    net.history = _History(history)
    estimator.net_ = net
    return estimator


# ----------------------------------------------------------------------
# JSON encoding of parameters and attributes


def _qualname(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"history value {value!r} is not JSON serialisable")


def _encode(value, key):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, key) for v in value]}
    if isinstance(value, list):
        return [_encode(v, key) for v in value]
    if isinstance(value, dict):
        return {
            "__dict__": [[_encode(k, key), _encode(v, key)] for k, v in value.items()]
        }
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufU":
            return {"__ndarray__": value.tolist(), "dtype": value.dtype.str}
        if value.dtype.kind == "O":
            return {
                "__ndarray__": [_encode(v, key) for v in value.tolist()],
                "dtype": "O",
            }
    if isinstance(value, type) and _qualname(value) in _optimizer_allow_list():
        return {"__class__": _qualname(value)}
    if _qualname(type(value)) in _param_object_allow_list():
        params = value.get_params(deep=False)
        if isinstance(params.get("random_state"), np.random.RandomState):
            raise TypeError(
                f"cannot save {key}={value!r}: its RandomState random_state is "
                "not serialisable; use an int"
            )
        return {
            "__param_object__": _qualname(type(value)),
            "params": {k: _encode(v, f"{key}.{k}") for k, v in params.items()},
        }
    raise TypeError(
        f"cannot save {key}={value!r}: only JSON values, tuples, dicts, numpy "
        "arrays, the optimizer classes of torch.optim and skface mask "
        "generators are supported"
    )


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__ndarray__" in value:
        dtype = np.dtype(value["dtype"])
        if dtype.kind == "O":
            out = np.empty(len(value["__ndarray__"]), dtype=object)
            out[:] = [_decode(v) for v in value["__ndarray__"]]
            return out
        if dtype.kind not in "biufU":
            raise TypeError(f"refusing array dtype {dtype}")
        return np.asarray(value["__ndarray__"], dtype=dtype)
    if "__class__" in value:
        return _resolve_optimizer(value["__class__"])
    if "__param_object__" in value:
        cls = _param_object_allow_list().get(value["__param_object__"])
        if cls is None:
            raise TypeError(
                f"refusing to load {value['__param_object__']!r}: not a skface "
                "parameter object"
            )
        return cls(**{k: _decode(v) for k, v in value["params"].items()})
    return {k: _decode(v) for k, v in value.items()}


def _param_object_allow_list() -> dict:
    """Qualified name -> class, for skface's parameter objects (mask generators).

    Only the public classes of :mod:`skface.restoration.masks` are rebuilt
    from a file, by calling the class with the saved parameters.
    """
    from sklearn.base import BaseEstimator

    from ..restoration import masks

    return {
        _qualname(obj): obj
        for obj in (getattr(masks, name) for name in masks.__all__)
        if isinstance(obj, type) and issubclass(obj, BaseEstimator)
    }


def _optimizer_allow_list() -> dict:
    """Qualified name -> class, for the optimizers ``torch.optim`` exports."""
    return {
        _qualname(obj): obj
        for obj in vars(torch.optim).values()
        if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer)
    }


def _resolve_optimizer(qualname: str):
    if not qualname.startswith("torch.optim."):
        raise TypeError(f"refusing to load class {qualname!r}: not a torch.optim class")
    cls = _optimizer_allow_list().get(qualname)
    if cls is None:
        raise TypeError(f"refusing to load {qualname!r}: not a torch.optim optimizer")
    return cls


def _resolve_estimator_class(qualname: str, expected_class):
    from ._base import BaseNeuralEstimator

    if expected_class is not None:
        if qualname != _qualname(expected_class):
            raise ValueError(
                f"the file holds a {qualname}, not a {_qualname(expected_class)}"
            )
        return expected_class
    module, _, name = qualname.rpartition(".")
    if module != "skface" and not module.startswith("skface."):
        raise ValueError(
            f"refusing to load estimator class {qualname!r}: only skface neural "
            "estimators load by name (use TheClass.load(path) for your own)"
        )
    try:
        cls = getattr(importlib.import_module(module), name, None)
    except ImportError:
        cls = None
    if not (isinstance(cls, type) and issubclass(cls, BaseNeuralEstimator)):
        raise ValueError(
            f"refusing to load {qualname!r}: not a skface neural estimator"
        )
    return cls
