"""Registry of the classes a model file may name.

A saved neural estimator (:meth:`skface.neural.BaseNeuralEstimator.save`)
names its own class and the classes of parameter objects such as mask
generators. Loading rebuilds only classes found here: base classes fill the
registry from ``__init_subclass__`` (:class:`skface.neural.BaseNeuralEstimator`
registers its subclasses as :data:`NEURAL_ESTIMATORS`,
:class:`skface.restoration.masks._base.BaseMaskGenerator` as
:data:`PARAMETER_OBJECTS`), so a new public subclass is loadable without
touching any list, and a name that no registered class carries is refused.

Only public classes register: no part of the qualified name starts with an
underscore, and classes defined inside functions are left out. This module
is pure Python (no heavy import), so every layer may use it.
"""

from __future__ import annotations

import importlib
import inspect

__all__ = [
    "NEURAL_ESTIMATORS",
    "PARAMETER_OBJECTS",
    "lookup_class",
    "qualified_name",
    "register_class",
    "registered_classes",
]

#: Kind of the skface neural estimators (subclasses of BaseNeuralEstimator).
NEURAL_ESTIMATORS = "neural estimator"
#: Kind of the parameter objects an estimator may hold (mask generators,
#: detectors, and the front-end estimators LandmarkExtractor, FaceExtractor
#: and FaceReconstructor, which register in their modules).
PARAMETER_OBJECTS = "parameter object"

_REGISTRY: dict[str, dict[str, type]] = {}


def qualified_name(cls: type) -> str:
    """``'module.QualName'`` of a class, the name a model file stores."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_public(cls: type) -> bool:
    parts = cls.__qualname__.split(".")
    return not any(p.startswith("_") or p.startswith("<") for p in parts)


def register_class(kind: str, cls: type) -> bool:
    """Register ``cls`` under ``kind`` if it is public; return whether it was.

    Called from the ``__init_subclass__`` of the registering base classes;
    a class defined again under the same name replaces the old one.
    """
    if not _is_public(cls):
        return False
    _REGISTRY.setdefault(kind, {})[qualified_name(cls)] = cls
    return True


def registered_classes(kind: str) -> dict[str, type]:
    """A copy of ``{qualified name: class}`` registered under ``kind``."""
    return dict(_REGISTRY.get(kind, {}))


def _import_skface_module(name: str) -> None:
    """Import the skface module a qualified name points into (or its package).

    Only modules of skface itself are imported, so that a class moved to
    another private module of the same subpackage still registers; any
    import error leaves the registry as it is.
    """
    parts = name.split(".")[:-1]
    while len(parts) >= 2:
        try:
            importlib.import_module(".".join(parts))
            return
        except ImportError:
            parts.pop()


def lookup_class(kind: str, name: str) -> type | None:
    """The registered, concrete class called ``name``, or None.

    ``name`` is a qualified name as :func:`qualified_name` gives it. A name
    inside skface that is not registered yet imports its skface module
    first (classes register on import). A class that moved to another
    module of the same skface subpackage is still found by its class name,
    when that name is unique there.
    """
    if not isinstance(name, str):
        return None
    classes = _REGISTRY.setdefault(kind, {})
    cls = classes.get(name)
    if cls is None and name.startswith("skface."):
        _import_skface_module(name)
        cls = classes.get(name)
        if cls is None:
            package = name.split(".")[:2]
            short = name.rpartition(".")[2]
            matches = [
                c
                for q, c in classes.items()
                if q.split(".")[:2] == package and q.rpartition(".")[2] == short
            ]
            cls = matches[0] if len(matches) == 1 else None
    if cls is None or inspect.isabstract(cls):
        return None
    return cls
