"""Discovery of skface's public estimators."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

import skface

__all__ = ["all_estimators"]

# Subpackages that hold no estimators (or are not importable without extras).
_SKIP = {"tests", "cli", "nn", "utils", "externals"}

_TYPE_MIXINS = {
    "classifier": "ClassifierMixin",
    "regressor": "RegressorMixin",
    "transformer": "TransformerMixin",
    "cluster": "ClusterMixin",
    "detector": "DetectorMixin",
}


def _public_modules():
    for info in pkgutil.walk_packages(skface.__path__, prefix="skface."):
        parts = info.name.split(".")
        if any(p.startswith("_") or p in _SKIP for p in parts[1:]):
            continue
        yield importlib.import_module(info.name)


def all_estimators(type_filter=None):
    """List every public skface estimator.

    An estimator is public when it is a :class:`sklearn.base.BaseEstimator`
    subclass with a ``fit`` method defined in skface (parameter-only
    objects such as mask generators are not estimators), its name does not
    start with ``_`` and a public skface module exports it in ``__all__``.
    This imports the subpackages, torch-backed ones included.

    Parameters
    ----------
    type_filter : {'classifier', 'regressor', 'transformer', 'cluster', \
'detector'} or list of such, default=None
        Keep only estimators with the matching mixin.

    Returns
    -------
    estimators : list of (name, class)
        Sorted by name, without duplicates.
    """
    found = {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name, None)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
                and callable(getattr(obj, "fit", None))
                and not name.startswith("_")
                and obj.__module__.startswith("skface.")
            ):
                found[name] = obj
    if type_filter is not None:
        wanted = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = set(wanted) - set(_TYPE_MIXINS)
        if unknown:
            raise ValueError(
                f"type_filter must be among {sorted(_TYPE_MIXINS)}, "
                f"got {sorted(unknown)}"
            )
        mixins = {_TYPE_MIXINS[w] for w in wanted}
        found = {
            n: c
            for n, c in found.items()
            if mixins & {b.__name__ for b in inspect.getmro(c)}
        }
    return sorted(found.items())
