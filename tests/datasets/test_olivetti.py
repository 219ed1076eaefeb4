import numpy as np
import pytest
from scipy.io import savemat

from skface.datasets import load_olivetti_faces


def _faces(n=20, seed=0):
    return np.random.RandomState(seed).randint(0, 256, (n, 64, 64)).astype(np.uint8)


def test_npz(tmp_path):
    images, target = _faces(), np.repeat(np.arange(2), 10)
    np.savez(tmp_path / "o.npz", images=images, target=target)
    d = load_olivetti_faces(tmp_path / "o.npz")
    np.testing.assert_array_equal(d.images, images)
    np.testing.assert_array_equal(d.target, target)
    assert d.images.dtype == np.uint8
    assert d.target_names.tolist() == ["s1", "s2"]
    assert "Olivetti" in d.DESCR


def test_npz_float_and_flat(tmp_path):
    images = _faces()
    np.savez(
        tmp_path / "o.npz",
        images=(images / 255.0).reshape(20, -1),
        target=np.zeros(20, int),
    )
    d = load_olivetti_faces(str(tmp_path / "o.npz"))
    np.testing.assert_array_equal(d.images, images)


def test_mat_is_transposed_like_sklearn(tmp_path):
    images = _faces()
    # The .mat stores one column-major image per column: (4096, n).
    faces = images.transpose(0, 2, 1).reshape(20, -1).T
    savemat(tmp_path / "olivettifaces.mat", {"faces": faces})
    d = load_olivetti_faces(tmp_path / "olivettifaces.mat")
    np.testing.assert_array_equal(d.images, images)
    np.testing.assert_array_equal(d.target, np.repeat([0, 1], 10))
    # The same as scikit-learn's fetcher does (before its float rescaling).
    sk = faces.T.copy().reshape((20, 64, 64)).transpose(0, 2, 1)
    np.testing.assert_array_equal(d.images, sk)


def test_mat_float_rescaled(tmp_path):
    images = _faces().astype(float) * 2 + 10  # raw floats, not in [0, 1]
    faces = images.transpose(0, 2, 1).reshape(20, -1).T
    savemat(tmp_path / "o.mat", {"faces": faces})
    d = load_olivetti_faces(tmp_path / "o.mat")
    assert d.images.min() == 0 and d.images.max() == 255


@pytest.mark.parametrize(
    "arrays, match",
    [
        ({"images": np.zeros((2, 64, 64), np.uint8)}, r"lacks .* \['target'\]"),
        ({"images": np.zeros((2, 32, 32), np.uint8), "target": [0, 1]}, "(2, 32, 32)"),
        ({"images": np.zeros((2, 64, 64), np.uint8), "target": [0]}, "2 non-negative"),
        ({"images": np.zeros((2, 64, 64)) + 300, "target": [0, 1]}, None),
    ],
)
def test_npz_errors(tmp_path, arrays, match):
    np.savez(tmp_path / "bad.npz", **arrays)
    if match is None:  # out-of-range floats are rescaled, not rejected
        assert load_olivetti_faces(tmp_path / "bad.npz").images.dtype == np.uint8
        return
    with pytest.raises(ValueError, match=match):
        load_olivetti_faces(tmp_path / "bad.npz")


def test_other_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_olivetti_faces(tmp_path / "missing.npz")
    (tmp_path / "o.csv").write_text("1,2")
    with pytest.raises(ValueError, match="expected '.npz' or '.mat'"):
        load_olivetti_faces(tmp_path / "o.csv")
    savemat(tmp_path / "nofaces.mat", {"x": np.zeros(3)})
    with pytest.raises(ValueError, match=r"no 'faces' array; found \['x'\]"):
        load_olivetti_faces(tmp_path / "nofaces.mat")
    savemat(tmp_path / "shape.mat", {"faces": np.zeros((100, 4))})
    with pytest.raises(ValueError, match=r"\(100, 4\)"):
        load_olivetti_faces(tmp_path / "shape.mat")
    (tmp_path / "junk.mat").write_bytes(b"junk" * 50)
    with pytest.raises(ValueError, match="not a readable .mat"):
        load_olivetti_faces(tmp_path / "junk.mat")
