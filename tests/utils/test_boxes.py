"""skface.utils.select_boxes: one box per image from per-image detections."""

import numpy as np
import pytest

from skface.utils import select_boxes
from skface.utils._boxes import box_area


def test_select_largest_best_and_missing():
    dets = [
        np.array([[0, 0, 10, 10, 0.9], [0, 0, 20, 20, 0.1]]),
        np.empty((0, 5)),
    ]
    shapes = [(32, 32), (30, 40)]
    largest = select_boxes(dets, shapes, on_missing="nan")
    np.testing.assert_array_equal(largest[0], [0, 0, 20, 20])
    assert np.isnan(largest[1]).all()
    best = select_boxes(dets, shapes, select="best", on_missing="whole")
    np.testing.assert_array_equal(best, [[0, 0, 10, 10], [0, 0, 40, 30]])
    with pytest.raises(ValueError, match=r"no face found in X\[1\] \(30x40"):
        select_boxes(dets, shapes)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"select": "first"}, "select must be one of"), ({"on_missing": "x"}, "'x'")],
)
def test_bad_options_name_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_boxes([np.empty((0, 5))], [(4, 4)], **kwargs)


def test_box_area_clips_inverted_boxes():
    np.testing.assert_array_equal(
        box_area(np.array([[0, 0, 3, 2], [5, 5, 1, 9]], float)), [6, 0]
    )
