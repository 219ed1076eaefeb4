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
arrays); classes are stored by qualified name and rebuilt only when
registered (:mod:`skface.utils._registry`: public subclasses of
``BaseNeuralEstimator`` and of the mask generators' base register
themselves) or, for optimizers, exported by :mod:`torch.optim`. Anything
else in a file, wrong types included, is refused with a ``ValueError``
naming the file.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from sklearn.utils.validation import check_is_fitted

from .._version import __version__
from ..utils._registry import (
    NEURAL_ESTIMATORS,
    PARAMETER_OBJECTS,
    lookup_class,
    qualified_name,
)
from ._device import resolve_device
from ._net import _History

__all__ = ["load_model", "save_model"]

FORMAT = "skface-neural/1"


def save_model(estimator, path) -> None:
    """Write a fitted neural estimator to ``path`` (see module doc)."""
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
        elif key == "accelerator" and value is not None:
            warnings.warn("the accelerator is not saved; loaded as None")
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
    metadata = {
        "format": FORMAT,
        "skface_version": __version__,
        "class": qualified_name(type(estimator)),
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
        Device for the loaded net, also set as the estimator's ``device``
        parameter (so a model saved on a GPU machine refits on a CPU one
        with ``device='cpu'``; ``'auto'`` picks CUDA when available). None
        keeps the saved parameter; when that device is not available here
        the model loads on the CPU and ``device`` is set to ``'cpu'``, with
        a warning.
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
        Naming the file, if it is not a skface model file (e.g. a pickle, or
        a truncated file), names a class that is not registered, or holds
        metadata or weights that do not rebuild the estimator (tampered
        values of the wrong type included). Also if ``device`` is not
        available.
    """
    name = os.fspath(path)
    if device is not None:
        resolve_device(device)  # a bad device is the caller's error, not the file's
    try:
        with safe_open(name, framework="pt", device="cpu") as f:
            metadata = f.metadata() or {}
            tensors = {key: f.get_tensor(key) for key in f.keys()}
    except (SafetensorError, ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(
            f"{name!r} is not a skface model file (a safetensors file "
            f"written by estimator.save); refusing to load it: {exc}"
        ) from exc
    if metadata.get("format") != FORMAT:
        raise ValueError(
            f"{name!r} is a safetensors file but not a skface model "
            f"(format {metadata.get('format')!r}, expected {FORMAT!r})"
        )
    try:
        cls = _resolve_estimator_class(metadata.get("class"), expected_class)
    except ValueError as exc:
        raise ValueError(f"{name!r}: {exc}") from exc
    try:
        estimator = _rebuild(cls, metadata, tensors, device)
    except _WeightsError as exc:
        raise ValueError(f"{name!r}: weights do not fit: {exc}") from exc
    except (
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        RuntimeError,
        OverflowError,
        RecursionError,
    ) as exc:
        raise ValueError(
            f"{name!r} has corrupt skface metadata ({type(exc).__name__}: {exc}); "
            "refusing to load it"
        ) from exc
    return estimator


class _WeightsError(Exception):
    """The saved tensors do not fit the rebuilt modules."""


def _rebuild(cls, metadata, tensors, device):
    """The fitted estimator described by ``metadata`` and ``tensors``."""
    params = _decode_object(json.loads(metadata["params"]), "params")
    attributes = _decode_object(json.loads(metadata["attributes"]), "attributes")
    modules = json.loads(metadata["modules"])
    history = json.loads(metadata["history"])
    if not (isinstance(modules, list) and all(isinstance(m, str) for m in modules)):
        raise TypeError(f"modules must be a list of names, got {modules!r}")
    if not (isinstance(history, list) and all(isinstance(r, dict) for r in history)):
        raise TypeError("history must be a list of per-epoch dicts")
    unknown = sorted(set(attributes) - set(cls._fitted_attributes))
    if unknown:
        raise KeyError(f"unknown fitted attributes {unknown}")

    estimator = cls(**params)
    if device is not None:
        estimator.set_params(device=device)
    estimator._validate_params()
    for key, value in attributes.items():
        setattr(estimator, key, value)
    try:
        target = resolve_device(estimator.device)
    except ValueError:
        warnings.warn(
            f"device {estimator.device!r} is not available; loading on the CPU "
            "and setting device='cpu'"
        )
        estimator.set_params(device="cpu")
        target = "cpu"
    net = estimator._build_net_for_loading(target)
    if list(net._modules) != modules:
        raise _WeightsError(
            f"the file holds modules {modules}, expected {net._modules}"
        )
    for module in modules:
        prefix = module + "."
        state = {
            k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)
        }
        try:
            getattr(net, module + "_").load_state_dict(state)
        except RuntimeError as exc:
            raise _WeightsError(str(exc)) from exc
    net.history = _History(history)
    estimator.net_ = net
    return estimator


# ----------------------------------------------------------------------
# JSON encoding of parameters and attributes


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
    if isinstance(value, type) and qualified_name(value) in _optimizer_classes():
        return {"__class__": qualified_name(value)}
    cls = type(value)
    if lookup_class(PARAMETER_OBJECTS, qualified_name(cls)) is cls:
        params = value.get_params(deep=False)
        if isinstance(params.get("random_state"), np.random.RandomState):
            raise TypeError(
                f"cannot save {key}={value!r}: its RandomState random_state is "
                "not serialisable; use an int"
            )
        return {
            "__param_object__": qualified_name(cls),
            "params": {k: _encode(v, f"{key}.{k}") for k, v in params.items()},
        }
    raise TypeError(
        f"cannot save {key}={value!r}: only JSON values, tuples, dicts, numpy "
        "arrays, the optimizer classes of torch.optim and registered skface "
        "parameter objects (mask generators, detectors, LandmarkExtractor, "
        "FaceExtractor, FaceReconstructor) are supported"
    )


def _decode_object(value, what):
    """Decode a JSON object of ``{name: encoded value}``."""
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a JSON object, got {type(value).__name__}")
    return {k: _decode(v) for k, v in value.items()}


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
        name = value["__param_object__"]
        cls = lookup_class(PARAMETER_OBJECTS, name)
        if cls is None:
            raise ValueError(
                f"refusing to load {name!r}: not a registered skface parameter "
                "object (mask generator, detector or front-end estimator)"
            )
        return cls(**_decode_object(value["params"], f"{name} parameters"))
    return {k: _decode(v) for k, v in value.items()}


def _optimizer_classes() -> dict:
    """Qualified name -> class, for the optimizers ``torch.optim`` exports."""
    return {
        qualified_name(obj): obj
        for obj in vars(torch.optim).values()
        if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer)
    }


def _resolve_optimizer(name):
    if not (isinstance(name, str) and name.startswith("torch.optim.")):
        raise ValueError(f"refusing to load class {name!r}: not a torch.optim class")
    cls = _optimizer_classes().get(name)
    if cls is None:
        raise ValueError(f"refusing to load {name!r}: not a torch.optim optimizer")
    return cls


def _resolve_estimator_class(name, expected_class):
    """The estimator class a file names, if registered (or the expected one)."""
    if not isinstance(name, str):
        raise ValueError(f"refusing to load estimator class {name!r}: not a name")
    if expected_class is not None:
        if name == qualified_name(expected_class):
            return expected_class  # named by the caller: nothing to look up
        if lookup_class(NEURAL_ESTIMATORS, name) is expected_class:
            return expected_class  # the class moved to another module
        raise ValueError(
            f"the file holds a {name}, not a {qualified_name(expected_class)}"
        )
    cls = lookup_class(NEURAL_ESTIMATORS, name)
    if cls is None:
        raise ValueError(
            f"refusing to load estimator class {name!r}: not a registered skface "
            "neural estimator (public subclasses of BaseNeuralEstimator register "
            "when their module is imported; for your own class, import it first "
            "or use TheClass.load(path))"
        )
    return cls
