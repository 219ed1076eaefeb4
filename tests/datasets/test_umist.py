import numpy as np
import pytest

from skface.datasets import load_umist_faces


def _save(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_load(tmp_path):
    images = np.random.RandomState(0).randint(0, 256, (7, 12, 10)).astype(np.uint8)
    target = np.array([0, 0, 0, 1, 1, 2, 2])
    d = load_umist_faces(_save(tmp_path / "u.npz", images=images, target=target))
    np.testing.assert_array_equal(d.images, images)
    assert d.images.dtype == np.uint8
    assert d.target.tolist() == target.tolist()
    assert d.view.tolist() == [0, 1, 2, 0, 1, 0, 1]
    assert "UMIST" in d.DESCR


def test_float_images(tmp_path):
    images = np.linspace(0, 1, 2 * 6 * 5).reshape(2, 6, 5)
    d = load_umist_faces(
        str(_save(tmp_path / "u.npz", images=images, target=np.array([3, 3])))
    )
    np.testing.assert_array_equal(d.images, np.rint(images * 255).astype(np.uint8))


@pytest.mark.parametrize(
    "arrays, match",
    [
        ({"images": np.zeros((2, 4, 4), np.uint8)}, r"lacks .* \['target'\]"),
        ({"images": np.zeros((2, 16), np.uint8), "target": [0, 0]}, r"\(2, 16\)"),
        ({"images": np.zeros((2, 4, 4), np.uint8), "target": [0]}, "2 non-negative"),
        ({"images": np.zeros((2, 4, 4), np.uint8), "target": [0.5, 1]}, "float64"),
        ({"images": np.zeros((3, 4, 4), np.uint8), "target": [0, 1, 0]}, "contiguous"),
    ],
)
def test_bad_arrays(tmp_path, arrays, match):
    with pytest.raises(ValueError, match=match):
        load_umist_faces(_save(tmp_path / "bad.npz", **arrays))


def test_bad_files(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_umist_faces(tmp_path / "missing.npz")
    (tmp_path / "u.csv").write_text("1")
    with pytest.raises(ValueError, match="expected '.npz'"):
        load_umist_faces(tmp_path / "u.csv")
    (tmp_path / "broken.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_umist_faces(tmp_path / "broken.npz")
