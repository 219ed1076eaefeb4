"""Estimator checks for skface: scikit-learn's checks, made image-aware.

scikit-learn's :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`
feeds every estimator 2-D ``(n_samples, n_features)`` arrays and 1-D targets.
An estimator whose ``X`` is a batch of images declares
``input_tags.two_d_array=False`` (as scikit-learn's own ``PatchExtractor``
does) and scikit-learn then skips it entirely. This module checks such
estimators on images instead, and delegates everything else to scikit-learn:

* **Tabular estimators** (tags ``input_tags.two_d_array=True``: e.g.
  ``Face2VecClassifier``, ``Face2VecFeatures``, ``OptunaSearch``) get
  scikit-learn's own checks, unchanged.
* **Image estimators** (``two_d_array=False``, ``three_d_array=True``) get

  - scikit-learn's data-free API checks (clone, ``get_params`` /
    ``set_params``, repr, tags, constructor hygiene, sparse input refused);
  - image versions of its data checks, named ``check_images_*``: ``fit``
    returns self, does not change parameters nor add public attributes
    without a trailing ``_``, is idempotent; one output row per input row;
    subset and sample-order invariance; pickling gives identical output;
    ``uint8``, float in ``[0, 1]``, lists of arrays and lists of files give
    the same output; read-only and non-contiguous input; empty input, NaN,
    inf and out-of-range pixels (a ``ValueError`` naming ``X[i]``), 2-D
    tabular arrays and bool / complex images are refused; unfitted use
    raises ``NotFittedError`` (or, with ``requires_fit=False``, gives the
    same output as after ``fit(X)``);
    another image size raises a ``ValueError`` or gives one row per image;
  - family checks: detectors (``check_detector_*``: ``detect`` rows
    ``(k, 5)`` sorted by decreasing score, ``transform`` one box per image,
    ``score`` equals :func:`skface.metrics.average_precision` of
    ``detect``) and inpainters (``check_inpainter_*``: known pixels are
    returned unchanged).
* **Estimators taking both** (``two_d_array`` and ``three_d_array``, e.g.
  ``FaceRecognizer``: embeddings or photos) get scikit-learn's checks and
  the image checks.
* **Tabular estimators with image targets** (``two_d_array=True`` and a
  ``y`` of images in the check data, e.g. ``LatentDecoder``) get the
  data-free API checks and the same data checks on the given ``(X, y)``,
  because scikit-learn's checks can only feed 1-D targets.
* **Mask generators** (objects with ``generate`` and no ``fit``, e.g.
  :class:`skface.restoration.masks.CenterSquare`) get the API checks and
  the mask contract (``check_mask_generator_*``: one bool ``(H, W)`` mask
  per image, deterministic for a fixed ``random_state``, never empty nor
  full).

Check data
----------
The image checks fit on six 64x64 synthetic faces
(:func:`skface.datasets.make_synthetic_faces`) with ``y=None`` (the
identities when the estimator's tags require ``y``). Pass ``data`` to use
other images or targets, and ``output_method`` to choose the method whose
output the checks compare (default: the first of ``transform``, ``predict``,
``detect``, ``score_samples``), either a method name or a callable
``f(estimator, X)``.

The check functions (``check_images_*``, ``check_detector_*``, ...) are
importable from this module and run alone as ``check(name, estimator,
data=..., output_method=...)``.

Examples
--------
>>> from skface.preprocessing import ImageResizer
>>> from skface.utils.estimator_checks import check_estimator
>>> results = check_estimator(ImageResizer(output_size=8))
>>> sorted({r["status"] for r in results})
['passed']

In a test module, with per-estimator expected failures::

    @parametrize_with_checks(
        [HOGFaceDetector(), MyEstimator()],
        expected_failed_checks=lambda est: {},
        xfail_strict=True,
    )
    def test_estimator(estimator, check):
        check(estimator)
"""

from __future__ import annotations

import inspect
import warnings
from functools import partial

import numpy as np
from sklearn.utils import estimator_checks as _skchecks
from sklearn.utils import get_tags

from ._families import (
    check_detector_detect,
    check_detector_score,
    check_detector_transform,
    check_inpainter_known_pixels,
    check_mask_generator_random_state,
    check_mask_generator_shape,
)
from ._images import (
    _get_data,
    check_images_2d_array_rejected,
    check_images_bad_dtype,
    check_images_dict_unchanged,
    check_images_dtypes,
    check_images_empty,
    check_images_fit_check_is_fitted,
    check_images_fit_does_not_change_params,
    check_images_fit_idempotent,
    check_images_fit_returns_self,
    check_images_fit_sets_only_trailing_underscore,
    check_images_get_feature_names_out,
    check_images_nan_inf,
    check_images_non_contiguous,
    check_images_one_row_per_row,
    check_images_other_size,
    check_images_pickle,
    check_images_readonly_memmap,
    check_images_sample_order_invariance,
    check_images_subset_invariance,
    check_images_unfitted,
)

__all__ = [
    "check_estimator",
    "estimator_checks_generator",
    "parametrize_with_checks",
]

#: scikit-learn checks that need no data (or only check that sparse input is
#: refused), run as they are on image estimators.
SKLEARN_API_CHECKS = (
    _skchecks.check_estimator_tags_renamed,
    _skchecks.check_valid_tag_types,
    _skchecks.check_estimator_repr,
    _skchecks.check_no_attributes_set_in_init,
    _skchecks.check_mixin_order,
    _skchecks.check_do_not_raise_errors_in_init_or_set_params,
    _skchecks.check_parameters_default_constructible,
    _skchecks.check_get_params_invariance,
    _skchecks.check_set_params,
)


# --------------------------------------------------------------------------
# Generators of checks


def _is_mask_generator(estimator):
    return hasattr(estimator, "generate") and not hasattr(estimator, "fit")


def _image_targets(estimator, data):
    """Whether the check data's ``y`` is a batch of images."""
    if data is None:
        return False
    _, y = _get_data(estimator, data)
    return isinstance(y, np.ndarray) and y.ndim >= 3


def _yield_data_checks(estimator):
    tags = get_tags(estimator)
    yield check_images_fit_returns_self
    yield check_images_fit_does_not_change_params
    yield check_images_fit_sets_only_trailing_underscore
    yield check_images_fit_check_is_fitted
    yield check_images_unfitted
    yield check_images_one_row_per_row
    yield check_images_fit_idempotent
    yield check_images_pickle
    yield check_images_dict_unchanged
    yield check_images_readonly_memmap
    if not tags.non_deterministic:
        yield check_images_subset_invariance
        yield check_images_sample_order_invariance


def _yield_image_checks(estimator):
    """The checks on images (without scikit-learn's API checks)."""
    yield from _yield_data_checks(estimator)
    yield check_images_non_contiguous
    yield check_images_dtypes
    yield check_images_empty
    yield check_images_nan_inf
    if not get_tags(estimator).input_tags.two_d_array:
        yield check_images_2d_array_rejected
    yield check_images_bad_dtype
    yield check_images_other_size
    if hasattr(estimator, "transform") and hasattr(estimator, "get_feature_names_out"):
        yield check_images_get_feature_names_out
    if hasattr(estimator, "detect"):
        yield check_detector_detect
        yield check_detector_transform
        if hasattr(estimator, "score"):
            yield check_detector_score
    if hasattr(estimator, "inpaint") and hasattr(estimator, "transform"):
        yield check_inpainter_known_pixels


def _yield_all_checks(estimator, *, legacy=True, data=None):
    """Yield the checks (callables ``check(name, estimator, **kw)``) that
    apply to ``estimator``; see the module docstring."""
    if _is_mask_generator(estimator):
        yield from SKLEARN_API_CHECKS
        yield check_mask_generator_shape
        yield check_mask_generator_random_state
        return
    tags = get_tags(estimator)
    if tags.input_tags.two_d_array and _image_targets(estimator, data):
        yield from SKLEARN_API_CHECKS
        yield from _yield_data_checks(estimator)
        return
    if tags.input_tags.two_d_array:
        yield _skchecks.check_estimator_cloneable
        yield from _skchecks._yield_all_checks(estimator, legacy=legacy)
        if tags.input_tags.three_d_array:  # takes images too
            yield from _yield_image_checks(estimator)
        return
    if not tags.input_tags.three_d_array:
        warnings.warn(
            f"{type(estimator).__name__} takes neither 2-D arrays nor images; "
            "only the API checks run",
            _skchecks.SkipTestWarning,
        )
        yield from SKLEARN_API_CHECKS
        return
    yield from SKLEARN_API_CHECKS
    yield _skchecks.check_estimator_sparse_tag
    yield from _yield_image_checks(estimator)


def _check_name(check):
    while isinstance(check, partial):
        check = check.func
    return getattr(check, "__wrapped__", check).__name__


_DATA_KEYWORDS = ("data", "output_method")


def _bind(check, name, data, output_method):
    """``check(estimator)`` with the name, and the check data for skface's."""
    if "data" in inspect.signature(check).parameters:
        return partial(check, name, data=data, output_method=output_method)
    return partial(check, name)


def estimator_checks_generator(
    estimator,
    *,
    legacy=True,
    expected_failed_checks=None,
    mark=None,
    xfail_strict=None,
    data=None,
    output_method=None,
):
    """Yield ``(estimator, check)`` pairs for every applicable check.

    Parameters
    ----------
    estimator : estimator object
        Estimator (or mask generator) instance to check.
    legacy : bool, default=True
        Passed to scikit-learn's checks of tabular estimators.
    expected_failed_checks : dict of str to str, default=None
        ``{check_name: reason}`` of checks expected to fail.
    mark : {'xfail', 'skip'} or None, default=None
        Mark expected failures as ``pytest.mark.xfail`` or make them skip.
    xfail_strict : bool, default=None
        With ``mark='xfail'``: whether an expected failure that passes fails.
    data : tuple (X, y) or callable, default=None
        Check data, or a callable ``data() -> (X, y)``; ``None`` uses six
        64x64 synthetic faces for image estimators.
    output_method : str or callable, default=None
        Method whose output the image checks compare, or ``f(estimator, X)``.

    Yields
    ------
    estimator, check : tuple
        ``check(estimator)`` runs one check (a ``pytest.param`` with a mark
        for expected failures when ``mark='xfail'``).
    """
    expected_failed_checks = expected_failed_checks or {}
    tags = get_tags(estimator) if not _is_mask_generator(estimator) else None
    name = type(estimator).__name__
    tabular = tags is not None and tags.input_tags.two_d_array
    if tabular and not _image_targets(estimator, data):
        # Tabular: scikit-learn's own checks, unchanged ...
        yield from _skchecks.estimator_checks_generator(
            estimator,
            legacy=legacy,
            expected_failed_checks=expected_failed_checks,
            mark=mark,
            xfail_strict=xfail_strict,
        )
        if not tags.input_tags.three_d_array:
            return
        # ... and the image checks when it takes images too.
        checks = list(_yield_image_checks(estimator))
    else:
        checks = [_skchecks.check_estimator_cloneable]
        checks += _yield_all_checks(estimator, legacy=legacy, data=data)
    for check in checks:
        bound = _bind(check, name, data, output_method)
        check_name = _check_name(check)
        if check_name not in expected_failed_checks or mark is None:
            yield estimator, bound
            continue
        reason = expected_failed_checks[check_name]
        if mark == "xfail":
            import pytest

            kwargs = {} if xfail_strict is None else {"strict": xfail_strict}
            yield pytest.param(
                estimator, bound, marks=pytest.mark.xfail(reason=reason, **kwargs)
            )
        else:

            def skipped(*args, _why=f"{check_name} for {name}: {reason}", **kw):
                raise _skchecks.SkipTest(_why)

            skipped.__name__ = check_name
            yield estimator, skipped


def _check_id(obj):
    """Test id: the estimator's class name, or the check's name with the
    keywords that tell its variants apart."""
    if hasattr(obj, "get_params"):
        return type(obj).__name__
    keywords = getattr(obj, "keywords", {})
    shown = [f"{k}={v}" for k, v in keywords.items() if k not in _DATA_KEYWORDS]
    return _check_name(obj) + (f"({','.join(shown)})" if shown else "")


def parametrize_with_checks(
    estimators,
    *,
    legacy=True,
    expected_failed_checks=None,
    xfail_strict=None,
    data=None,
    output_method=None,
):
    """Pytest decorator running every applicable check on each estimator.

    Mirrors :func:`sklearn.utils.estimator_checks.parametrize_with_checks`,
    with image-aware checks for image estimators (see the module docstring).

    Parameters
    ----------
    estimators : list of estimator objects
        Instances (not classes) to check; mask generators are accepted.
    legacy : bool, default=True
        Passed to scikit-learn's checks of tabular estimators.
    expected_failed_checks : callable, default=None
        ``f(estimator) -> {check_name: reason}``; those checks are marked
        ``xfail`` with the reason.
    xfail_strict : bool, default=None
        Whether an expected failure that passes fails the test (``None``:
        pytest's setting).
    data : callable, default=None
        ``f(estimator) -> (X, y)``, a callable ``() -> (X, y)`` or None for
        the default check data of that estimator.
    output_method : callable, default=None
        ``f(estimator) ->`` method name, callable ``g(estimator, X)`` or None.

    Returns
    -------
    decorator : ``pytest.mark.parametrize``
        Parametrizes ``estimator, check``; call ``check(estimator)``.
    """
    import pytest

    if any(isinstance(est, type) for est in estimators):
        raise TypeError("pass estimator instances, not classes")

    def per_estimator(option, est):
        return option(est) if callable(option) else option

    params = []
    for est in estimators:
        params.extend(
            estimator_checks_generator(
                est,
                legacy=legacy,
                expected_failed_checks=per_estimator(expected_failed_checks, est),
                mark="xfail",
                xfail_strict=xfail_strict,
                data=per_estimator(data, est),
                output_method=per_estimator(output_method, est),
            )
        )
    return pytest.mark.parametrize("estimator, check", params, ids=_check_id)


def check_estimator(
    estimator,
    *,
    legacy=True,
    expected_failed_checks=None,
    on_fail="raise",
    data=None,
    output_method=None,
):
    """Run every applicable check on one estimator.

    Parameters
    ----------
    estimator : estimator object
        Instance to check (an image estimator, a tabular one or a mask
        generator).
    legacy : bool, default=True
        Passed to scikit-learn's checks of tabular estimators.
    expected_failed_checks : dict of str to str, default=None
        ``{check_name: reason}``; these may fail (status ``'xfail'``).
    on_fail : {'raise', 'warn'} or None, default='raise'
        ``'raise'`` raises the first unexpected failure; ``'warn'`` warns
        and goes on; ``None`` only records it.
    data : tuple (X, y) or callable, default=None
        Check data, or ``data() -> (X, y)``; see the module docstring.
    output_method : str or callable, default=None
        Method whose output the checks compare, or ``f(estimator, X)``.

    Returns
    -------
    results : list of dict
        One per check: ``check_name``, ``status`` (``'passed'``, ``'failed'``,
        ``'xfail'`` or ``'skipped'``), ``exception`` and
        ``expected_to_fail_reason``.
    """
    if isinstance(estimator, type):
        raise TypeError("pass an estimator instance, not a class")
    if on_fail not in ("raise", "warn", None):
        raise ValueError(f"on_fail must be 'raise', 'warn' or None, got {on_fail!r}")
    expected_failed_checks = expected_failed_checks or {}
    results = []
    for est, check in estimator_checks_generator(
        estimator,
        legacy=legacy,
        data=data,
        output_method=output_method,
    ):
        check_name = _check_name(check)
        reason = expected_failed_checks.get(check_name)
        exception, status = None, "passed"
        try:
            check(est)
        except _skchecks.SkipTest as exc:
            exception, status = exc, "skipped"
        except Exception as exc:  # noqa: BLE001 - recorded and reported
            exception = exc
            status = "xfail" if reason is not None else "failed"
            if status == "failed" and on_fail == "raise":
                raise
            if status == "failed" and on_fail == "warn":
                warnings.warn(f"{check_name} failed for {type(est).__name__}: {exc}")
        results.append(
            {
                "estimator": est,
                "check_name": check_name,
                "exception": exception,
                "status": status,
                "expected_to_fail": reason is not None,
                "expected_to_fail_reason": reason,
            }
        )
    return results
