import numpy as np
import pytest

from skface.preprocessing import ImageResizer
from skface.utils import convert_channels, resize


def test_resizer_uses_the_one_resize_and_luma():
    rng = np.random.default_rng(0)
    X = [rng.integers(0, 256, (40, 30, 3), dtype=np.uint8), rng.random((20, 20))]
    out = ImageResizer(output_size=(10, 12), channels="grey").fit_transform(X)
    assert out.shape == (2, 10, 12) and out.dtype == np.float32
    ref = convert_channels(resize(X[0].astype(np.float32) / 255, (10, 12)), "grey")
    np.testing.assert_allclose(out[0], ref, atol=1e-6)
    rgb = ImageResizer(8, flatten=True).fit_transform(X)
    assert rgb.shape == (2, 8 * 8 * 3)
    assert 0 <= rgb.min() and rgb.max() <= 1


@pytest.mark.parametrize(
    "interpolation", ["auto", "area", "linear", "cubic", "nearest"]
)
def test_resizer_interpolations(interpolation):
    X = np.zeros((1, 8, 8), np.uint8)
    X[:, :, 4:] = 255
    out = ImageResizer(16, channels="grey", interpolation=interpolation).fit_transform(
        X
    )
    assert out.shape == (1, 16, 16) and 0 <= out.min() and out.max() <= 1
    with pytest.raises(ValueError, match="interpolation"):
        ImageResizer(interpolation="spline").fit(X)
