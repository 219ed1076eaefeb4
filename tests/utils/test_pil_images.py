"""PIL images are accepted wherever arrays are (issue 10, section 5.8)."""

import numpy as np
import pytest
from PIL import Image
from skimage.data import astronaut

from skface.utils import check_images, read_image


@pytest.fixture(scope="module")
def rgb():
    return np.ascontiguousarray(astronaut()[::4, ::4])  # 128x128x3 uint8


def test_list_of_pil_images_equals_arrays(rgb):
    grey = rgb.mean(-1).astype(np.uint8)
    X = [Image.fromarray(rgb), Image.fromarray(grey)]
    out = check_images(X, channels="keep")
    np.testing.assert_array_equal(out[0], rgb)
    np.testing.assert_array_equal(out[1], grey)
    mixed = check_images([Image.fromarray(rgb), rgb], dtype="float32")
    assert mixed.shape == (2, 128, 128, 3)
    np.testing.assert_array_equal(mixed[0], mixed[1])


def test_alpha_is_dropped_as_for_arrays(rgb):
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 7, np.uint8)])
    from_pil = check_images([Image.fromarray(rgba)])
    from_array = check_images([rgba])
    np.testing.assert_array_equal(from_pil, from_array)
    la = Image.fromarray(rgb[..., 0]).convert("LA")
    assert check_images([la], channels="keep")[0].shape == (128, 128)


@pytest.mark.parametrize(
    "mode, shape, dtype",
    [
        ("P", (128, 128, 3), np.uint8),
        ("CMYK", (128, 128, 3), np.uint8),
        ("YCbCr", (128, 128, 3), np.uint8),
        ("1", (128, 128), np.uint8),
        ("L", (128, 128), np.uint8),
        ("I;16", (128, 128), np.uint16),
    ],
)
def test_modes_become_rgb_or_grey(rgb, mode, shape, dtype):
    img = Image.fromarray(rgb).convert(mode if mode != "I;16" else "L")
    if mode == "I;16":
        img = Image.fromarray(rgb[..., 0].astype(np.uint16) * 257)
        assert img.mode.startswith("I;16")
    out = check_images([img], dtype=None, channels="keep")[0]
    assert out.shape == shape and out.dtype == dtype


def test_32_bit_modes_are_refused_by_name(rgb):
    img = Image.fromarray(rgb[..., 0].astype(np.float32))
    with pytest.raises(ValueError, match=r"X\[1\].*32-bit pixel mode 'F'"):
        check_images([rgb, img])


def test_exif_orientation_is_applied_like_for_files(rgb, tmp_path):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.fromarray(rgb[:, :100]).save(path, exif=exif, quality=95)
    from_file = read_image(path)
    assert from_file.shape == (100, 128, 3)
    with Image.open(path) as img:
        from_pil = check_images([img])[0]
        np.testing.assert_array_equal(read_image(img), from_file)
    np.testing.assert_array_equal(from_pil, from_file)


def test_a_single_pil_image_must_be_wrapped(rgb):
    with pytest.raises(ValueError, match=r"single PIL image.*\[image\]"):
        check_images(Image.fromarray(rgb))


def test_an_estimator_takes_pil_images():
    from skface.detection import HOGFaceDetector

    photo = astronaut()
    det = HOGFaceDetector()
    np.testing.assert_array_equal(
        det.fit([Image.fromarray(photo)]).transform([Image.fromarray(photo)]),
        det.fit([photo]).transform([photo]),
    )
