"""Mean-face templates and the similarity fit."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from skface.alignment import estimate_similarity, face_template
from skface.alignment._template import TEMPLATE_5, TEMPLATE_68

TOOL = Path(__file__).resolve().parents[2] / "tools" / "make_template.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("make_template", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rotation(deg):
    t = np.deg2rad(deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def test_template_68_fills_unit_square_and_is_symmetric():
    lo, hi = TEMPLATE_68.min(0), TEMPLATE_68.max(0)
    assert (lo >= 0).all() and (hi <= 1).all()
    assert (hi - lo).max() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose((lo + hi) / 2, [0.5, 0.5], atol=1e-5)
    perm = _load_tool().mirror_permutation_68()
    mirrored = TEMPLATE_68[perm] * [-1, 1] + [1, 0]
    np.testing.assert_allclose(mirrored, TEMPLATE_68, atol=2e-5)
    # Eyes level, nose bridge vertical, chin at the bottom, brows on top.
    left, right = TEMPLATE_68[36:42].mean(0), TEMPLATE_68[42:48].mean(0)
    assert left[1] == pytest.approx(right[1], abs=1e-5) and left[0] < right[0]
    np.testing.assert_allclose(TEMPLATE_68[27:31, 0], 0.5, atol=1e-5)
    assert TEMPLATE_68[8, 1] == pytest.approx(1.0, abs=1e-5)
    assert TEMPLATE_68[17:27, 1].max() < TEMPLATE_68[36:48, 1].min()


def test_template_5_matches_the_68_point_frame():
    # dlib's 5 points: eye corners 45, 42, 36, 39 and the base of the nose 33.
    near = TEMPLATE_68[[45, 42, 36, 39, 33]]
    assert np.abs(TEMPLATE_5 - near).max() < 0.03
    assert TEMPLATE_5[0, 1] == pytest.approx(TEMPLATE_5[2, 1], abs=1e-5)


def test_face_template_in_pixels():
    np.testing.assert_array_equal(face_template(68), TEMPLATE_68)
    pts = face_template(68, size=100, padding=0.25)
    np.testing.assert_allclose(pts, (TEMPLATE_68 + 0.25) / 1.5 * 100 - 0.5)
    assert face_template(5, size=64).shape == (5, 2)
    with pytest.raises(ValueError, match="68 or 5"):
        face_template(21)


def test_make_template_procedure_is_a_fixed_point():
    """Generalised Procrustes on moved copies of the template gives it back."""
    tool = _load_tool()
    rng = np.random.RandomState(0)
    s68, s5 = [], []
    for _ in range(6):
        A = rng.uniform(20, 80) * _rotation(rng.uniform(-30, 30))
        t = rng.uniform(0, 300, size=2)
        s68.append(TEMPLATE_68 @ A.T + t)
        s5.append(TEMPLATE_5 @ A.T + t)
    t68, t5, residual = tool.make_templates(np.stack(s68), np.stack(s5))
    np.testing.assert_allclose(t68, TEMPLATE_68, atol=2e-5)
    np.testing.assert_allclose(t5, TEMPLATE_5, atol=2e-5)
    assert residual < 1e-4


def test_estimate_similarity_recovers_transform():
    rng = np.random.RandomState(1)
    src = rng.uniform(0, 50, size=(68, 2))
    A = 1.7 * _rotation(25)
    dst = src @ A.T + [3.0, -4.0]
    M = estimate_similarity(src, dst)
    np.testing.assert_allclose(M[:, :2], A, atol=1e-9)
    np.testing.assert_allclose(M[:, 2], [3.0, -4.0], atol=1e-8)
    # A mirrored target is fitted without reflection.
    M = estimate_similarity(src, dst * [-1, 1])
    assert np.linalg.det(M[:, :2]) > 0


def test_estimate_similarity_degenerate_points_give_nan():
    assert np.isnan(estimate_similarity(np.ones((5, 2)), TEMPLATE_5)).all()
