"""Per-estimator settings for ``tests/test_common.py``.

Each family module here (``detection.py``, ``landmarks.py``, ...) defines
``SPECS = {"ClassName": EstimatorSpec(...)}``. ``test_common`` discovers
every public estimator with :func:`skface.utils.all_estimators` and looks its
spec up by class name; an estimator without a spec runs with its defaults.

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
        ``data() -> (X, y)`` used by skface's own checks (fit, pickle round
        trip, one row out per row in). ``y`` may be None. Defaults to small
        synthetic faces for image estimators and a 2-D blob for others.
    expected_failed_checks : dict
        ``{check_name: reason}`` waived on top of the image-input waivers
        that apply to every image estimator. Every entry needs a reason;
        waivers are strict: a waived check that passes fails the test.
    output_method : str, callable or None
        Method whose output the checks compare (before/after pickling, on a
        subset, ...): a method name, or ``f(estimator, X) -> output`` for
        methods that need more than ``X``; default: the first of transform,
        predict, detect, score_samples that exists.
    """

    init: dict = field(default_factory=dict)
    data: Callable | None = None
    expected_failed_checks: dict = field(default_factory=dict)
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
