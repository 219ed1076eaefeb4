"""The image contract: what check_images accepts, and every rejection."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skface.utils import check_boxes, check_images, check_landmarks, read_image


@pytest.fixture
def png(tmp_path):
    def write(name, array, mode=None):
        path = tmp_path / name
        Image.fromarray(array, mode=mode).save(path)
        return path

    return write


# ---------------------------------------------------------------- accepted


def test_stacked_rgb_uint8_passes_through_contiguous():
    X = np.random.RandomState(0).randint(0, 256, (3, 10, 12, 3)).astype(np.uint8)
    out = check_images(X)
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, X)


def test_grey_batch_becomes_rgb_and_grey_stays_grey():
    X = np.random.RandomState(0).uniform(size=(2, 5, 6))
    rgb = check_images(X, dtype="float32")
    assert rgb.shape == (2, 5, 6, 3) and rgb.dtype == np.float32
    np.testing.assert_allclose(rgb[..., 1], X, rtol=1e-6)
    assert check_images(X, channels="keep", dtype=None).shape == (2, 5, 6)


def test_rgba_drops_alpha_and_single_channel_axis_is_squeezed():
    X = np.zeros((2, 4, 4, 4), np.uint8)
    X[..., 3] = 255
    X[..., 0] = 10
    out = check_images(X)
    assert out.shape == (2, 4, 4, 3) and (out[..., 0] == 10).all()
    assert check_images(np.zeros((2, 4, 4, 1)), channels="keep").shape == (2, 4, 4)


def test_uint16_and_float_are_scaled():
    X16 = np.full((1, 4, 4), 65535, np.uint16)
    assert (check_images(X16) == 255).all()
    assert np.allclose(check_images(X16, dtype="float64"), 1.0)
    Xf = np.full((1, 4, 4, 3), 0.5)
    assert (check_images(Xf) == 128).all()


def test_rgb_to_grey_uses_luma():
    X = np.zeros((1, 2, 2, 3), np.uint8)
    X[..., 1] = 255
    out = check_images(X, channels="grey")
    assert out.shape == (1, 2, 2) and (out == round(0.587 * 255)).all()


def test_variable_sizes_give_a_list_and_stack_true_refuses():
    X = [np.zeros((5, 5, 3)), np.zeros((6, 7))]
    out = check_images(X)
    assert isinstance(out, list) and [o.shape for o in out] == [(5, 5, 3), (6, 7, 3)]
    with pytest.raises(ValueError, match="different shapes"):
        check_images(X, stack=True)
    same = check_images([np.zeros((5, 5)), np.ones((5, 5))])
    assert isinstance(same, np.ndarray) and same.shape == (2, 5, 5, 3)


def test_non_contiguous_input_becomes_contiguous():
    X = np.random.RandomState(0).randint(0, 256, (2, 20, 20, 3)).astype(np.uint8)
    view = X[:, ::2, ::-3]
    out = check_images(view)
    assert out.flags.c_contiguous
    np.testing.assert_array_equal(out, view)
    out = check_images(np.asfortranarray(X[0])[None])
    assert out.flags.c_contiguous


def test_paths_and_arrays_mix(png, tmp_path):
    rgb = np.random.RandomState(0).randint(0, 256, (8, 9, 3)).astype(np.uint8)
    path = png("a.png", rgb)
    out = check_images([str(path), Path(path), rgb])
    assert out.shape == (3, 8, 9, 3)
    np.testing.assert_array_equal(out[0], rgb)


def test_grey_16bit_png_reads_as_uint16(tmp_path):
    arr = (np.arange(16, dtype=np.uint16) * 4000).reshape(4, 4)
    path = tmp_path / "g16.png"
    Image.fromarray(arr).save(path)
    img = read_image(path)
    assert img.dtype == np.uint16
    np.testing.assert_array_equal(img, arr)


def test_pandas_series_and_object_array_of_images():
    pd = pytest.importorskip("pandas")
    imgs = [np.zeros((4, 4)), np.zeros((5, 5))]
    assert len(check_images(pd.Series(imgs))) == 2
    obj = np.empty(2, dtype=object)
    obj[0], obj[1] = imgs
    assert len(check_images(obj)) == 2


# ---------------------------------------------------------------- rejected


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros((0, 4, 4)), r"X is empty"),
        ([], r"X is empty"),
        (None, r"X is None"),
        (np.zeros((4, 4)), r"2-D array of shape \(4, 4\)"),
        (np.zeros(5), r"1 dimensions"),
        (np.zeros((2, 3, 4, 4, 3)), r"5 dimensions"),
        (np.zeros((512, 512, 3)), r"single colour image as X\[np.newaxis\]"),
        (np.zeros((2, 0, 4)), r"X\[0\] has zero size"),
        ([np.zeros((4, 4)), np.zeros((1, 1))], r"X\[1\] is 1x1 pixels"),
        ([np.zeros((4, 4)), np.zeros((3, 0, 3))], r"X\[1\] has zero size"),
        ([np.zeros((4, 4)), np.zeros((4, 4, 2))], r"X\[1\] has 2 channels"),
        ([np.zeros((4, 4)), np.zeros((4, 4, 3, 1))], r"X\[1\] has shape"),
        (np.zeros((2, 4, 4), bool), r"X\[0\] has dtype bool"),
        (np.zeros((2, 4, 4), np.int64), r"X\[0\] has dtype int64"),
        (np.zeros((2, 4, 4), complex), r"Complex data not supported"),
        (
            [np.zeros((4, 4)), np.zeros((4, 4), dtype=object)],
            r"X\[1\] has dtype object",
        ),
        (np.zeros((2, 4, 4), dtype=object), r"dtype object"),
        ([np.zeros((4, 4)), 3.0], r"X\[1\] of type float"),
        ("photo.jpg", r"single path"),
    ],
)
def test_bad_input_raises_value_error_naming_the_sample(X, match):
    with pytest.raises(ValueError, match=match):
        check_images(X)


@pytest.mark.parametrize(
    "bad, word", [(np.nan, "NaN"), (np.inf, "inf"), (-np.inf, "inf")]
)
@pytest.mark.parametrize("as_list", [False, True])
def test_non_finite_pixels_name_the_sample(bad, word, as_list):
    X = np.full((3, 4, 4), 0.5)
    X[2, 1, 1] = bad
    with pytest.raises(ValueError, match=rf"X\[2\] contains {word}"):
        check_images(list(X) if as_list else X)


@pytest.mark.parametrize("value", [-0.1, 1.5, 255.0])
@pytest.mark.parametrize("as_list", [False, True])
def test_floats_outside_unit_range_name_the_sample_and_value(value, as_list):
    X = np.full((3, 4, 4, 3), 0.5)
    X[1, 0, 0, 0] = value
    with pytest.raises(ValueError, match=rf"X\[1\] has float values in \[.*{value:g}"):
        check_images(list(X) if as_list else X)


def test_sparse_input_is_refused():
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse input is not supported"):
        check_images(sp.csr_matrix(np.zeros((3, 3))))


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"X\[1\]: file .*nope.png' does not exist"):
        check_images([np.zeros((4, 4)), tmp_path / "nope.png"])


def test_file_that_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is text, not pixels")
    with pytest.raises(ValueError, match=r"X\[0\]: file .*notes.png' is not an image"):
        check_images([path])


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_truncated_image_file(tmp_path, fmt):
    arr = np.random.RandomState(0).randint(0, 256, (64, 64, 3)).astype(np.uint8)
    full = tmp_path / f"full.{fmt}"
    Image.fromarray(arr).save(full)
    data = full.read_bytes()
    cut = tmp_path / f"cut.{fmt}"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        ValueError, match=r"X\[0\]: file .*cut.* (truncated|is not an image)"
    ):
        check_images([cut])


def test_error_names_the_argument():
    with pytest.raises(ValueError, match=r"chips\[0\] contains NaN"):
        check_images(np.full((1, 4, 4), np.nan), name="chips")


def test_bad_options():
    with pytest.raises(ValueError, match="dtype must be"):
        check_images(np.zeros((1, 4, 4)), dtype="int8")
    with pytest.raises(ValueError, match="channels must be"):
        check_images(np.zeros((1, 4, 4)), channels="bgr")


# ------------------------------------------------------ landmarks and boxes


def test_check_landmarks_flat_and_nested():
    L = np.arange(12, dtype=float).reshape(2, 6)
    out = check_landmarks(L)
    assert out.shape == (2, 3, 2) and out[0, 1, 0] == 2 and out[0, 1, 1] == 3
    np.testing.assert_array_equal(check_landmarks(out), out)


@pytest.mark.parametrize(
    "L, kwargs, match",
    [
        (np.zeros((2, 5)), {}, "even number"),
        (np.zeros((2, 3, 3)), {}, r"shape \(2, 3, 3\)"),
        (np.zeros((2, 68, 2)), {"n_points": 5}, "expected 5"),
        (np.zeros((2, 68, 2)), {"n_samples": 3}, "3 images"),
        (np.array([[[0, 0], [np.nan, 1]]]), {}, r"landmarks\[0\]"),
        (np.array([[[0, 0], [np.nan, 1]]]), {"allow_nan": True}, r"whole-NaN"),
        (np.zeros((0, 68, 2)), {}, "empty"),
        ([["a", "b"]], {}, "numeric"),
    ],
)
def test_check_landmarks_errors(L, kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_landmarks(L, **kwargs)


def test_check_landmarks_whole_nan_rows_allowed():
    L = np.zeros((2, 4, 2))
    L[1] = np.nan
    assert np.isnan(check_landmarks(L, allow_nan=True)[1]).all()


def test_check_boxes():
    B = check_boxes([[0, 0, 10, 10, 0.9], [1, 2, 3, 4, 0.1]])
    assert B.shape == (2, 4)
    with pytest.raises(
        ValueError, match=r"boxes\[1\] = \[5.0, 0.0, 2.0, 3.0\] is empty or inverted"
    ):
        check_boxes([[0, 0, 1, 1], [5, 0, 2, 3]])
    with pytest.raises(ValueError, match="not finite"):
        check_boxes([[0, 0, np.inf, 1]])
    with pytest.raises(ValueError, match="shape"):
        check_boxes([0, 0, 1, 1])
    with pytest.raises(ValueError, match="2 images"):
        check_boxes([[0, 0, 1, 1]], n_samples=2)
    nan_ok = check_boxes([[0, 0, 1, 1], [np.nan] * 4], allow_nan=True)
    assert np.isnan(nan_ok[1]).all()
