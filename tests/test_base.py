"""skface.base: the image-estimator mixin, and the names that moved away."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator

import skface.base
from skface.base import ImageEstimatorMixin
from skface.detection import DetectorMixin
from skface.utils import select_boxes
from skface.utils._boxes import ON_MISSING, SELECT


class ToyImageEstimator(ImageEstimatorMixin, BaseEstimator):
    def __init__(self, n_jobs=None):
        self.n_jobs = n_jobs


def test_image_estimator_tags_and_helpers():
    est = ToyImageEstimator()
    assert est.__sklearn_tags__().input_tags.three_d_array
    X = np.zeros((2, 5, 6), np.uint8)
    images = est._check_images(X, stack=False)
    assert [im.shape[:2] for im in images] == [(5, 6), (5, 6)]
    assert est._map_images(lambda im: im.shape[1], images) == [6, 6]


def test_base_holds_only_the_image_mixin():
    assert skface.base.__all__ == ["ImageEstimatorMixin"]
    public = {n for n in vars(skface.base) if not n.startswith("_")}
    assert not public & {"DetectorMixin", "select_boxes", "ON_MISSING", "SELECT"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the mixin itself is not deprecated
        from skface.base import ImageEstimatorMixin as mixin
    assert mixin is ImageEstimatorMixin


@pytest.mark.parametrize(
    "name, moved",
    [
        ("DetectorMixin", DetectorMixin),
        ("select_boxes", select_boxes),
        ("ON_MISSING", ON_MISSING),
        ("SELECT", SELECT),
    ],
)
def test_moved_names_warn_and_still_work(name, moved):
    with pytest.warns(FutureWarning, match=f"skface.base.{name} is deprecated"):
        assert getattr(skface.base, name) is moved


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skface.base.nope  # noqa: B018
