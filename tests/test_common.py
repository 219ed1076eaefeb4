"""Common checks run on every public skface estimator.

Estimators are discovered with :func:`skface.utils.all_estimators`, so a new
estimator joins these tests by being public. Per-estimator settings (small
constructor arguments, test data, extra waivers) live in
``tests/estimator_specs/<family>.py``.

Two kinds of checks run:

1. scikit-learn's ``parametrize_with_checks``. Estimators whose ``X`` is a
   batch of images reject 2-D ``(n_samples, n_features)`` arrays by design
   (see :func:`skface.utils.check_images`); the sklearn checks that can only
   feed such arrays are waived for them in :data:`IMAGE_INPUT_WAIVERS`, each
   with its reason. Waivers are strict: a waived check that passes fails.
2. skface's own checks on real inputs (images for image estimators): fit
   returns self, unfitted use raises, one output row per input row, clone,
   ``get_params``/``set_params`` round trip, pickle round trip with identical
   output, and bad input raising ``ValueError``.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from estimator_specs import EstimatorSpec, load_specs
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from skface.utils import all_estimators

SPECS = load_specs()
ESTIMATORS = all_estimators()

_2D = (
    "feeds a 2-D (n_samples, n_features) array; the image contract rejects it "
    "with a ValueError because images are (n_samples, H, W[, C])"
)

#: sklearn checks that only feed 2-D tabular data, waived for image estimators.
IMAGE_INPUT_WAIVERS = {
    name: _2D
    for name in [
        "check_fit_score_takes_y",
        "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_estimators_dtypes",
        "check_pipeline_consistency",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_transformer_data_not_an_array",
        "check_transformer_general",
        "check_transformer_preserve_dtypes",
        "check_transformers_unfitted_stateless",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_dict_unchanged",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
        "check_supervised_y_2d",
        "check_requires_y_none",
        "check_classifiers_train",
        "check_classifiers_regression_target",
        "check_classifiers_classes",
        "check_classifiers_one_label",
        "check_classifiers_one_label_sample_weights",
        "check_classifier_data_not_an_array",
        "check_classifiers_multilabel_representation_invariance",
        "check_classifiers_multilabel_output_format_predict",
        "check_classifiers_multilabel_output_format_predict_proba",
        "check_classifiers_multilabel_output_format_decision_function",
        "check_decision_proba_consistency",
        "check_supervised_y_no_nan",
        "check_sample_weights_pandas_series",
        "check_sample_weights_not_an_array",
        "check_sample_weights_list",
        "check_sample_weights_shape",
        "check_sample_weights_not_overwritten",
        "check_sample_weight_equivalence_on_dense_data",
        "check_sample_weights_invariance",
        "check_estimators_partial_fit_n_features",
        "check_non_transformer_estimators_n_iter",
        "check_get_feature_names_out_error",
        "check_set_output_transform",
        "check_set_output_transform_pandas",
        "check_global_output_transform_pandas",
        "check_global_set_output_transform_polars",
        "check_set_output_transform_polars",
        "check_transformer_get_feature_names_out",
        "check_transformer_get_feature_names_out_pandas",
        "check_dataframe_column_names_consistency",
        "check_regressors_train",
        "check_regressor_data_not_an_array",
        "check_regressors_no_decision_function",
        "check_regressors_int",
        "check_regressor_multioutput",
        "check_estimators_empty_data_messages",
    ]
}
IMAGE_INPUT_WAIVERS.update(
    {
        "check_fit2d_1sample": _2D + " (before the 1-sample message sklearn looks for)",
        "check_fit2d_1feature": _2D
        + " (before the 1-feature message sklearn looks for)",
        "check_positive_only_tag_during_fit": _2D + " (negative values never reach it)",
        "check_estimators_nan_inf": (
            _2D + "; NaN/inf images are rejected, tested in test_bad_images_raise "
            "and tests/utils/test_validation.py"
        ),
        "check_dtype_object": (
            "the image contract rejects object pixel arrays by design (issue #2); "
            "sklearn expects them to be cast to float"
        ),
    }
)


def _is_image_estimator(estimator):
    return get_tags(estimator).input_tags.three_d_array


def _spec(name) -> EstimatorSpec:
    return SPECS.get(name, EstimatorSpec())


def _instance(name, cls):
    est = cls(**_spec(name).init)
    # Avoid a costly pretrained-model path when a spec asks for it.
    return est


INSTANCES = [_instance(name, cls) for name, cls in ESTIMATORS]


def _expected_failed_checks(estimator):
    name = type(estimator).__name__
    waivers = dict(IMAGE_INPUT_WAIVERS) if _is_image_estimator(estimator) else {}
    waivers.update(_spec(name).expected_failed_checks)
    return waivers


def test_every_estimator_is_tested():
    assert ESTIMATORS, "all_estimators() found nothing"
    unknown = set(SPECS) - {name for name, _ in ESTIMATORS}
    assert not unknown, f"specs for estimators that are not public: {sorted(unknown)}"


def test_every_waiver_has_a_reason():
    for name, spec in SPECS.items():
        for check, reason in spec.expected_failed_checks.items():
            assert check.startswith("check_"), (name, check)
            assert isinstance(reason, str) and len(reason) > 15, (name, check)
    assert all(len(r) > 15 for r in IMAGE_INPUT_WAIVERS.values())


@parametrize_with_checks(
    INSTANCES, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------
# skface's own checks, on real inputs


def _default_data(estimator):
    if _is_image_estimator(estimator):
        from skface.datasets import make_synthetic_faces

        faces = make_synthetic_faces(6, size=64, n_identities=2, random_state=0)
        return faces.images, faces.target
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(30, 4))
    return X, (X[:, 0] > 0.5).astype(int)


def _data(name, estimator):
    spec = _spec(name)
    return spec.data() if spec.data is not None else _default_data(estimator)


def _fit(estimator, X, y):
    try:
        return estimator.fit(X, y)
    except TypeError:
        return estimator.fit(X)


def _output_method(name, estimator):
    method = _spec(name).output_method
    if method is not None:
        return method
    for method in ("transform", "predict", "detect", "score_samples"):
        if hasattr(estimator, method):
            return method
    raise AssertionError(f"{name} has no output method to test")


def _call(name, est, X):
    """Run the spec's output method (a name, or a callable ``f(est, X)``)."""
    method = _output_method(name, est)
    if callable(method):
        return method(est, X)
    return getattr(est, method)(X)


def _n_out(output):
    return len(output) if not isinstance(output, np.ndarray) else output.shape[0]


def _assert_same_output(a, b):
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    else:
        assert len(a) == len(b)
        for x, y in zip(a, b):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


ids = [name for name, _ in ESTIMATORS]


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=ids)
def test_fit_returns_self_and_one_row_per_row(name, cls):
    est = _instance(name, cls)
    X, y = _data(name, est)
    assert _fit(est, X, y) is est
    out = _call(name, est, X)
    assert _n_out(out) == len(X), f"{name} returned {_n_out(out)} rows for {len(X)}"


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=ids)
def test_unfitted_raises(name, cls):
    est = _instance(name, cls)
    if not get_tags(est).requires_fit:
        pytest.skip(f"{name} is stateless")
    X, _ = _data(name, est)
    with pytest.raises(NotFittedError):
        _call(name, est, X)


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=ids)
def test_clone_and_params_round_trip(name, cls):
    est = _instance(name, cls)
    params = est.get_params(deep=False)
    cloned = clone(est)
    assert cloned is not est
    assert set(cloned.get_params(deep=False)) == set(params)
    est.set_params(**params)
    for key, value in params.items():
        assert est.get_params(deep=False)[key] is value
    with pytest.raises(ValueError):
        est.set_params(this_parameter_does_not_exist=1)


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=ids)
def test_pickle_round_trip_same_output(name, cls):
    est = _instance(name, cls)
    X, y = _data(name, est)
    _fit(est, X, y)
    before = _call(name, est, X)
    restored = pickle.loads(pickle.dumps(est))
    _assert_same_output(before, _call(name, restored, X))
    # Also after a second pickling of an estimator that has been used.
    again = pickle.loads(pickle.dumps(restored))
    _assert_same_output(before, _call(name, again, X))


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=ids)
def test_bad_images_raise(name, cls):
    est = _instance(name, cls)
    if not _is_image_estimator(est):
        pytest.skip(f"{name} takes tabular input (covered by sklearn's checks)")
    X, y = _data(name, est)
    _fit(est, X, y)

    def method(X):
        return _call(name, est, X)

    bad = np.full((2, 32, 32, 3), 0.5)
    bad[1, 3, 4, 0] = np.nan
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        method(bad)
    with pytest.raises(ValueError, match=r"X\[0\] has float values"):
        method(np.full((1, 32, 32, 3), 2.0))
    with pytest.raises(ValueError, match="2-D array"):
        method(np.zeros((5, 7)))


def _subset(X, idx):
    return X[idx] if isinstance(X, np.ndarray) else [X[i] for i in idx]


@pytest.mark.parametrize("name, cls", ESTIMATORS, ids=ids)
def test_fit_idempotent_params_untouched_subset_invariant(name, cls):
    """Image-input versions of sklearn's check_fit_idempotent,
    check_dont_overwrite_parameters and check_methods_subset_invariance."""
    est = _instance(name, cls)
    X, y = _data(name, est)
    params = pickle.dumps(est.get_params(deep=False))
    _fit(est, X, y)
    assert pickle.dumps(est.get_params(deep=False)) == params, "fit changed a parameter"
    first = _call(name, est, X)
    _fit(est, X, y)
    _assert_same_output(first, _call(name, est, X))
    idx = np.arange(len(X))[::2]
    part = _call(name, est, _subset(X, idx))
    _assert_same_output(_subset(first, idx), part)
