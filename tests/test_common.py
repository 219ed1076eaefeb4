"""Common checks run on every public skface estimator and mask generator.

Estimators are discovered with :func:`skface.utils.all_estimators`, mask
generators from :mod:`skface.restoration.masks`, so a new one joins these
tests by being public. Per-estimator settings (small constructor arguments,
check data, the output method to compare) live in
``tests/estimator_specs/<family>.py``.

The checks are :mod:`skface.utils.estimator_checks`: scikit-learn's own
checks for tabular estimators, scikit-learn's data-free API checks plus
image versions of its data checks (and detector / inpainter / mask-generator
family checks) for the others. The checks expected to fail are listed in
:data:`EXPECTED_FAILED_CHECKS`, the one table of waivers, each with its
reason; waivers are strict (a waived check that passes fails).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from estimator_specs import EstimatorSpec, load_specs
from sklearn.base import BaseEstimator
from sklearn.utils import get_tags

from skface.utils import all_estimators
from skface.utils.estimator_checks import (
    _check_name,
    estimator_checks_generator,
    parametrize_with_checks,
)

#: At most this many expected failures over all estimators (issue 10).
MAX_EXPECTED_FAILURES = 30

#: The checks expected to fail: ``{estimator name: {check name: reason}}``.
EXPECTED_FAILED_CHECKS = {
    "Face2VecClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "mini-batch stochastic training in float32: weights and "
            "repetitions give the same loss, but a repeated sample also "
            "changes the number and make-up of the batches, which no "
            "mini-batch optimizer can reproduce to rtol=1e-7 (sklearn "
            "checks MLPClassifier only with full-batch lbfgs). With full "
            "batches they agree to ~1e-7; tests/neural/test_face2vec_classifier.py "
            "(test_sample_weight_equals_repetition_full_batch) checks that."
        ),
    },
}

SPECS = load_specs()
ESTIMATORS = all_estimators()


def _mask_generators():
    from skface.restoration import masks

    found = []
    for name in masks.__all__:
        obj = getattr(masks, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, BaseEstimator)
            and callable(getattr(obj, "generate", None))
        ):
            found.append((name, obj))
    return found


MASK_GENERATORS = _mask_generators()


def _spec(name) -> EstimatorSpec:
    return SPECS.get(name, EstimatorSpec())


INSTANCES = [cls(**_spec(name).init) for name, cls in ESTIMATORS + MASK_GENERATORS]


def _other_configurations():
    """Second instances of estimators whose methods take other fit paths."""
    from skface.autoencoders import FaceAnonymizer

    # method='morph' fits a donor pool (no training): its own fit/transform
    return [FaceAnonymizer(method="morph", donor_distance=0.0, max_tries=2)]


INSTANCES += _other_configurations()


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def _data(estimator):
    return _spec(type(estimator).__name__).data


def _output_method(estimator):
    return _spec(type(estimator).__name__).output_method


@parametrize_with_checks(
    INSTANCES,
    expected_failed_checks=_expected_failed_checks,
    xfail_strict=True,
    data=_data,
    output_method=_output_method,
)
def test_estimator_checks(estimator, check):
    check(estimator)


def test_every_estimator_is_tested():
    assert ESTIMATORS, "all_estimators() found nothing"
    assert MASK_GENERATORS, "no mask generator found"
    public = {name for name, _ in ESTIMATORS + MASK_GENERATORS}
    unknown = set(SPECS) - public
    assert not unknown, f"specs for estimators that are not public: {sorted(unknown)}"


def test_every_waiver_has_a_reason_and_names_a_check():
    instances = {type(est).__name__: est for est in INSTANCES}
    for name, waivers in EXPECTED_FAILED_CHECKS.items():
        assert name in instances, f"waivers for {name}, which is not public"
        est = instances[name]
        checks = {
            _check_name(check)
            for _, check in estimator_checks_generator(
                est, data=_data(est), output_method=_output_method(est)
            )
        }
        for check, reason in waivers.items():
            assert check in checks, f"{name}: {check} is not a check it runs"
            assert isinstance(reason, str) and len(reason) > 30, (name, check)


def test_at_most_30_expected_failures():
    n = sum(len(w) for w in EXPECTED_FAILED_CHECKS.values())
    assert n <= MAX_EXPECTED_FAILURES, f"{n} expected failures"


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=[n for n, _ in ESTIMATORS])
def test_tags_say_what_x_is(name, cls):
    """Every estimator takes 2-D arrays or images; an image-only one says it
    takes no 2-D arrays (``check_images_2d_array_rejected`` holds it to it)."""
    tags = get_tags(cls(**_spec(name).init))
    assert tags.input_tags.two_d_array or tags.input_tags.three_d_array, name


def test_image_estimator_mixin_declares_no_2d_input():
    # As scikit-learn's PatchExtractor: images only, no (n, n_features) rows.
    tags = get_tags(dict(ESTIMATORS)["ImageResizer"]())
    assert not tags.input_tags.two_d_array and tags.input_tags.three_d_array


# --------------------------------------------------------------------------
# Pretrained estimators work without fit (issue 10)

PRETRAINED = {
    "HOGFaceDetector": "detect",
    "CNNFaceDetector": "detect",
    "HaarFaceDetector": "detect",
    "LandmarkExtractor": "landmarks",
    "DlibFaceEncoder": "transform",
}


@pytest.mark.parametrize("name, method", sorted(PRETRAINED.items()))
def test_pretrained_estimators_work_without_fit(name, method):
    from skimage.data import astronaut

    cls = dict(ESTIMATORS)[name]
    est = cls()
    assert get_tags(est).requires_fit is False
    photo = astronaut()[::2, ::2] if name == "CNNFaceDetector" else astronaut()
    out = getattr(est, method)([photo])
    assert len(out) == 1
    fitted = getattr(cls().fit([photo]), method)([photo])
    for a, b in zip(out, fitted, strict=True):
        np.testing.assert_array_equal(a, b)
    # Nothing was fitted on the way: the estimator is still unfitted.
    assert not [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
