import numpy as np
import pytest

from skface.metrics import average_precision, box_iou


def test_box_iou():
    a = [[0, 0, 10, 10]]
    b = [[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]]
    np.testing.assert_allclose(box_iou(a, b), [[1.0, 50 / 150, 0.0]])


def test_average_precision_perfect_and_missed():
    truth = [np.array([[0, 0, 10, 10]]), np.array([[0, 0, 10, 10], [20, 20, 30, 30]])]
    perfect = [
        np.array([[0, 0, 10, 10, 0.9]]),
        np.array([[0, 0, 10, 10, 0.8], [20, 20, 30, 30, 0.7]]),
    ]
    assert average_precision(truth, perfect) == pytest.approx(1.0)
    # one face missed: recall stops at 2/3
    missed = [perfect[0], perfect[1][:1]]
    assert average_precision(truth, missed) == pytest.approx(2 / 3)


def test_false_positive_ranked_first_costs_precision():
    truth = [np.array([[0, 0, 10, 10]])]
    preds = [np.array([[50, 50, 60, 60, 0.99], [0, 0, 10, 10, 0.5]])]
    assert average_precision(truth, preds) == pytest.approx(0.5)
    # ranked last it costs nothing
    preds = [np.array([[50, 50, 60, 60, 0.1], [0, 0, 10, 10, 0.5]])]
    assert average_precision(truth, preds) == pytest.approx(1.0)


def test_duplicate_detection_counts_once():
    truth = [np.array([[0, 0, 10, 10]])]
    preds = [np.array([[0, 0, 10, 10, 0.9], [1, 0, 10, 10, 0.8]])]
    assert average_precision(truth, preds) == pytest.approx(1.0)
    assert average_precision(truth, [np.zeros((0, 5))]) == 0.0


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="images"):
        average_precision([np.zeros((1, 4))], [])
