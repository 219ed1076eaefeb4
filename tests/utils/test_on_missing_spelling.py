"""One spelling per ``on_missing`` policy across every public estimator.

The conventions page lists the policies for an image without a face:
``'raise'``, ``'nan'`` (a NaN row), ``'whole'`` (the whole image is the face)
and ``'keep'`` (the photo comes back unchanged). An estimator must not
invent another word for one of them (``'ignore'``, ``'passthrough'``...).
"""

import inspect

import pytest
from sklearn.utils._param_validation import StrOptions

from skface.utils import all_estimators

POLICIES = {"raise", "nan", "whole", "keep"}


def _with_on_missing():
    out = []
    for name, cls in all_estimators():
        if "on_missing" in inspect.signature(cls.__init__).parameters:
            out.append((name, cls))
    return out


ESTIMATORS = _with_on_missing()


def test_some_estimators_have_on_missing():
    names = {name for name, _ in ESTIMATORS}
    assert {"FaceExtractor", "HOGFaceDetector", "LandmarkExtractor"} <= names
    assert {"FaceAnonymizer", "MaskedFaceSynthesizer"} <= names


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=[n for n, _ in ESTIMATORS])
def test_on_missing_values_use_the_shared_spelling(name, cls):
    constraints = getattr(cls, "_parameter_constraints", {}).get("on_missing")
    assert constraints, f"{name} does not declare its on_missing options"
    options = set()
    for c in constraints:
        assert isinstance(c, StrOptions), f"{name}: on_missing must be a string"
        options |= set(c.options) - set(c.deprecated)
    assert "raise" in options, name
    assert options <= POLICIES, f"{name} spells a policy {options - POLICIES}"
    # The documented default is 'raise' everywhere: a missed face is loud.
    default = inspect.signature(cls.__init__).parameters["on_missing"].default
    assert default == "raise", name
