"""Per-estimator settings for ``tests/test_common.py``.

Each family module here (``detection.py``, ``landmarks.py``, ...) defines
``SPECS = {"ClassName": EstimatorSpec(...)}``. ``test_common`` discovers
every public estimator with :func:`skface.utils.all_estimators` (and every
public mask generator) and looks its spec up by class name; an estimator
without a spec runs :mod:`skface.utils.estimator_checks` with its defaults
and the default check data. Expected failures are not set here: they live in
the one table of ``tests/test_common.py``.

Keep one module per family so that work on different families never edits
the same file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class EstimatorSpec:
    """How to test one estimator.

    init : dict
        Small constructor settings (tiny nets, ``max_epochs=1``, few trees).
    data : callable or None
        ``data() -> (X, y)``, the check data of the image checks (fit,
        pickle round trip, one row out per row in, ...). ``y`` may be None.
        Defaults to six 64x64 synthetic faces. A tabular estimator whose
        ``y`` is images (``LatentDecoder``) gets the data checks on this
        data instead of scikit-learn's, which only feed 1-D targets.
    output_method : str, callable or None
        Method whose output the checks compare (before/after pickling, on a
        subset, ...): a method name, or ``f(estimator, X) -> output`` for
        methods that need more than ``X``; default: the first of transform,
        predict, detect, score_samples that exists.
    """

    init: dict = field(default_factory=dict)
    data: Callable | None = None
    output_method: str | Callable | None = None


def load_specs():
    specs = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, spec in getattr(module, "SPECS", {}).items():
            if name in specs:
                raise RuntimeError(f"two specs for {name}")
            specs[name] = spec
    return specs
