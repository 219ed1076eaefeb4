"""The image-aware estimator checks catch broken estimators.

A small correct image estimator passes every check; each broken variant
below breaks one rule and the check for that rule must fail on it.
"""

import re
import threading

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from skface.base import ImageEstimatorMixin
from skface.detection import DetectorMixin
from skface.restoration._base import BaseInpainter
from skface.restoration.masks._base import BaseMaskGenerator
from skface.utils import check_images
from skface.utils import estimator_checks as ec


class MeanBrightness(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """A correct toy: each image's mean brightness minus the training mean."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def _means(self, X):
        images = check_images(X, dtype="float64", channels="keep", stack=False)
        return np.array([im.mean() for im in images])

    def fit(self, X, y=None):
        self.mean_ = self._means(X).mean()
        return self

    def transform(self, X):
        check_is_fitted(self)
        return (self._means(X) - self.mean_)[:, None] * self.scale


class ChangesParam(MeanBrightness):
    def fit(self, X, y=None):
        self.scale = 2.0 * self.scale
        return super().fit(X)


class SetsPublicAttribute(MeanBrightness):
    def fit(self, X, y=None):
        self.n_images = len(X)
        return super().fit(X)


class FitReturnsNone(MeanBrightness):
    def fit(self, X, y=None):
        super().fit(X)


class FewerRows(MeanBrightness):
    def transform(self, X):
        return super().transform(X)[: max(1, len(X) - 1)]


class NotPicklable(MeanBrightness):
    def fit(self, X, y=None):
        self.lock_ = threading.Lock()
        return super().fit(X)


class NoFittedCheck(MeanBrightness):
    def transform(self, X):
        return (self._means(X) - getattr(self, "mean_", 0.0))[:, None]


class BatchDependent(MeanBrightness):
    """Subtracts the mean of the batch it is given, not the training mean."""

    def transform(self, X):
        check_is_fitted(self)
        means = self._means(X)
        return (means - means.mean())[:, None]


class NoValidation(MeanBrightness):
    """Takes any array: NaN, 2-D tables and bool images get through."""

    def _means(self, X):
        return np.array([np.mean(np.asarray(im, dtype=float)) for im in X])


class WritesIntoX(MeanBrightness):
    def transform(self, X):
        if isinstance(X, np.ndarray):
            X[:, 0, 0] = 0  # in place: fails on read-only input
        return super().transform(X)


class ChangesStateInTransform(MeanBrightness):
    def transform(self, X):
        self.calls_ = getattr(self, "calls_", 0) + 1
        return super().transform(X)


class RandomOutput(MeanBrightness):
    """Refitting gives another output (a fresh random offset every fit)."""

    def fit(self, X, y=None):
        super().fit(X)
        self.mean_ += np.random.default_rng().uniform()
        return self


class UnsortedDetector(DetectorMixin, BaseEstimator):
    """One box around the brightest pixel, plus a better one listed second."""

    def __init__(self, select="largest", on_missing="nan", sort=False):
        self.select = select
        self.on_missing = on_missing
        self.sort = sort

    def fit(self, X, y=None):
        check_images(X, stack=False)
        self.fitted_ = True
        return self

    def detect(self, X):
        check_is_fitted(self)
        out = []
        for im in check_images(X, dtype="uint8", channels="grey", stack=False):
            r, c = np.unravel_index(np.argmax(im), im.shape)
            d = np.array(
                [[c, r, c + 8, r + 8, 0.5], [c + 1, r + 1, c + 9, r + 9, 0.9]], float
            )
            out.append(d[np.argsort(-d[:, 4])] if self.sort else d)
        return out


class ZeroInpainter(BaseInpainter):
    """Fills the hole with black (correct: the known pixels are kept)."""

    def __init__(self, masks=None, *, blend="none", random_state=None):
        self.masks = masks
        self.blend = blend
        self.random_state = random_state

    def _inpaint(self, images, masks):
        return [np.zeros_like(im) for im in images]


class OverwritingInpainter(ZeroInpainter):
    def transform(self, X, masks=None):
        return super().transform(X, masks) * 0.5  # darkens the known pixels too


class TopRows(BaseMaskGenerator):
    """The top ``rows`` rows (correct)."""

    _parameter_constraints = {"rows": [int]}

    def __init__(self, rows=3):
        self.rows = rows

    def _generate_one(self, shape, rng, landmarks):
        mask = np.zeros(shape, dtype=bool)
        mask[: self.rows] = True
        return mask


class WholeImage(TopRows):
    def _generate_one(self, shape, rng, landmarks):
        return np.ones(shape, dtype=bool)


class Unseeded(TopRows):
    def _generate_one(self, shape, rng, landmarks):
        mask = np.zeros(shape, dtype=bool)
        mask[: np.random.default_rng().integers(1, shape[0] - 1)] = True  # unseeded
        return mask


def _names(results, status):
    return sorted(r["check_name"] for r in results if r["status"] == status)


def test_correct_toy_passes_every_check():
    results = ec.check_estimator(MeanBrightness())
    assert _names(results, "failed") == []
    names = {r["check_name"] for r in results}
    # Data-free scikit-learn checks and the image checks both ran.
    assert {"check_no_attributes_set_in_init", "check_images_pickle"} <= names
    assert "check_estimators_dtypes" not in names  # sklearn's 2-D version


@pytest.mark.parametrize(
    "estimator, check, error",
    [
        (ChangesParam(), ec.check_images_fit_does_not_change_params, "scale"),
        (
            SetsPublicAttribute(),
            ec.check_images_fit_sets_only_trailing_underscore,
            "n_images",
        ),
        (FitReturnsNone(), ec.check_images_fit_returns_self, "self"),
        (FewerRows(), ec.check_images_one_row_per_row, "rows"),
        (NotPicklable(), ec.check_images_pickle, TypeError),
        (NoFittedCheck(), ec.check_images_unfitted, "before fit"),
        (BatchDependent(), ec.check_images_subset_invariance, "alone"),
        (NoValidation(), ec.check_images_nan_inf, "accepted nan"),
        (NoValidation(), ec.check_images_2d_array_rejected, "2-D"),
        (NoValidation(), ec.check_images_bad_dtype, "accepted bool"),
        (NoValidation(), ec.check_images_empty, "zero images"),
        (WritesIntoX(), ec.check_images_readonly_memmap, ValueError),
        (ChangesStateInTransform(), ec.check_images_dict_unchanged, "calls_"),
        (RandomOutput(), ec.check_images_fit_idempotent, "refit"),
        (UnsortedDetector(), ec.check_detector_detect, "not sorted"),
        (OverwritingInpainter(), ec.check_inpainter_known_pixels, "known pixels"),
        (WholeImage(), ec.check_mask_generator_shape, "empty or full"),
        (Unseeded(), ec.check_mask_generator_random_state, "Arrays are not equal"),
    ],
    ids=lambda v: (
        type(v).__name__ if hasattr(v, "get_params") else getattr(v, "__name__", v)
    ),
)
@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_check_catches_broken_estimator(estimator, check, error):
    """Each check fails, for the right reason, on the toy that breaks it."""
    if isinstance(error, str):
        with pytest.raises(AssertionError, match=re.escape(error)):
            check(type(estimator).__name__, estimator)
    else:
        with pytest.raises(error):
            check(type(estimator).__name__, estimator)


@pytest.mark.parametrize(
    "estimator", [UnsortedDetector(sort=True), ZeroInpainter(), TopRows()]
)
def test_correct_family_toys_pass(estimator):
    results = ec.check_estimator(estimator)
    assert _names(results, "failed") == []
    family = ("check_detector_", "check_inpainter_", "check_mask_generator_")
    assert any(r["check_name"].startswith(family) for r in results)


def test_broken_toy_is_reported_not_raised_with_on_fail_none():
    results = ec.check_estimator(FewerRows(), on_fail=None)
    assert "check_images_one_row_per_row" in _names(results, "failed")
    with pytest.raises(AssertionError, match="rows"):
        ec.check_estimator(FewerRows())


def test_expected_failures_are_xfail():
    reason = "returns one row less on purpose, to test the suite"
    results = ec.check_estimator(
        FewerRows(),
        on_fail=None,
        expected_failed_checks={
            "check_images_one_row_per_row": reason,
            "check_images_subset_invariance": reason,
            "check_images_sample_order_invariance": reason,
        },
    )
    assert "check_images_one_row_per_row" in _names(results, "xfail")


def test_parametrize_marks_expected_failures_strict():
    decorator = ec.parametrize_with_checks(
        [FewerRows()],
        expected_failed_checks=lambda est: {"check_images_one_row_per_row": "why"},
        xfail_strict=True,
    )
    params = decorator.args[1]
    marked = [p for p in params if hasattr(p, "marks") and p.marks]
    assert len(marked) == 1
    assert marked[0].marks[0].kwargs == {"reason": "why", "strict": True}


def test_tabular_estimators_get_sklearn_checks():
    names = {
        ec._check_name(check)
        for _, check in ec.estimator_checks_generator(StandardScaler())
    }
    assert "check_transformer_general" in names
    assert not any(n.startswith("check_images_") for n in names)


def test_image_estimators_get_image_checks_not_sklearn_data_checks():
    names = {
        ec._check_name(check)
        for _, check in ec.estimator_checks_generator(MeanBrightness())
    }
    assert "check_images_dtypes" in names
    assert "check_transformer_general" not in names
    assert "check_estimator_cloneable" in names


def test_check_data_hook():
    rng = np.random.RandomState(0)
    X = (rng.uniform(size=(3, 20, 30)) * 255).astype(np.uint8)
    seen = []

    def data():
        seen.append(1)
        return X.copy(), None

    results = ec.check_estimator(MeanBrightness(), data=data)
    assert _names(results, "failed") == [] and seen
    # output_method as a callable: a method that needs more than X.
    results = ec.check_estimator(
        MeanBrightness(), data=(X, None), output_method=lambda est, X: est.transform(X)
    )
    assert _names(results, "failed") == []


def test_classes_are_refused():
    with pytest.raises(TypeError):
        ec.check_estimator(MeanBrightness)
    with pytest.raises(TypeError):
        ec.parametrize_with_checks([MeanBrightness])


def test_image_targets_get_data_checks_on_the_given_data():
    """A tabular estimator whose y is images (as LatentDecoder) cannot take
    scikit-learn's 1-D targets: it gets the data checks on its own data."""
    rng = np.random.RandomState(0)
    data = (rng.normal(size=(4, 3)), rng.uniform(size=(4, 8, 8, 3)))
    names = {
        ec._check_name(check)
        for _, check in ec.estimator_checks_generator(StandardScaler(), data=data)
    }
    assert {"check_images_pickle", "check_get_params_invariance"} <= names
    assert "check_estimators_dtypes" not in names
    results = ec.check_estimator(StandardScaler(), data=data)
    assert _names(results, "failed") == []
