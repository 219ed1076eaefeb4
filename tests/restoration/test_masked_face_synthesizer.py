import pickle

import numpy as np
import pytest
from scipy.ndimage import binary_erosion
from skimage import data

from skface.alignment import face_template
from skface.restoration import MaskedFaceSynthesizer
from skface.utils import check_images


@pytest.fixture(scope="module")
def astronaut():
    return data.astronaut()[None]


@pytest.fixture(scope="module")
def fitted(astronaut):
    return MaskedFaceSynthesizer(random_state=0).fit(astronaut)


def _inside(mask, pts, idx):
    xy = np.rint(pts[idx]).astype(int)
    return mask[xy[:, 1], xy[:, 0]]


def test_mask_over_nose_and_mouth_not_eyes(fitted, astronaut):
    images, masks = fitted.transform_with_masks(astronaut)
    L = fitted.landmark_extractor_.landmarks(astronaut)[0]
    m = masks[0]
    assert images.shape == (1, 512, 512, 3) and images.dtype == np.float32
    assert _inside(m, L, [30, 33, 48, 51, 54, 57, 62, 66]).all()  # nose tip, mouth
    assert not _inside(m, L, list(range(36, 48))).any()  # eyes
    assert not _inside(m, L, list(range(17, 27))).any()  # brows
    ref = check_images(astronaut, dtype="float32")
    np.testing.assert_array_equal(images[0][~m], ref[0][~m])
    # The mask is drawn: pixels changed, and its colour differs from skin.
    assert np.abs(images[0][m] - ref[0][m]).mean() > 0.1


def test_seeded_and_order_independent(fitted, astronaut):
    L = fitted.landmark_extractor_.landmarks(astronaut)
    X = np.concatenate([astronaut, astronaut[:, :, ::-1]])
    L2 = np.concatenate([L, L * [-1, 1] + [511, 0]])
    a = fitted.transform(X, landmarks=L2)
    np.testing.assert_array_equal(a, fitted.transform(X, landmarks=L2))
    np.testing.assert_array_equal(a[1], fitted.transform(X[1:], landmarks=L2[1:])[0])
    other = MaskedFaceSynthesizer(random_state=1).fit(X[:1], landmarks=L)
    assert not np.array_equal(a, other.transform(X, landmarks=L2))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(a, restored.transform(X, landmarks=L2))


@pytest.mark.parametrize("texture", ["flat", "noise", "pleats"])
def test_textures_and_colours(texture):
    X = np.full((1, 64, 64, 3), 0.8, np.float32)
    L = face_template(68, size=64, padding=0.2)[None]
    s = MaskedFaceSynthesizer(color="black", texture=texture, shading=0.0)
    images, masks = s.fit(X, landmarks=L).transform_with_masks(X, landmarks=L)
    core = binary_erosion(masks[0], iterations=2)
    assert (images[0][core] < 0.3).all()  # black mask on a light face
    spread = np.ptp(images[0][core], axis=0).max()
    assert (spread < 1e-6) if texture == "flat" else (spread > 1e-3)


def test_grey_images_and_on_missing():
    X = np.full((3, 64, 64), 200, np.uint8)
    L = np.repeat(face_template(68, size=64, padding=0.2)[None], 3, axis=0)
    L[1] = np.nan
    s = MaskedFaceSynthesizer(color=(0.2, 0.4, 0.9), random_state=0)
    s.fit(X, landmarks=L)
    with pytest.raises(ValueError, match=r"no face found in X\[1\]"):
        s.transform(X, landmarks=L)
    images, masks = s.set_params(on_missing="keep").transform_with_masks(X, landmarks=L)
    assert images.shape == (3, 64, 64) and masks.shape == (3, 64, 64)
    assert not masks[1].any() and masks[0].any()
    np.testing.assert_array_equal(images[1], X[1] / np.float32(255))
    _, masks = s.set_params(on_missing="whole").transform_with_masks(X, landmarks=L)
    assert masks[1].any()
    # The old spelling still works, with a FutureWarning.
    with pytest.warns(FutureWarning, match="on_missing='keep'"):
        old, _ = s.set_params(on_missing="ignore").transform_with_masks(X, landmarks=L)
    np.testing.assert_array_equal(old, images)


def test_parameter_validation():
    X = np.full((1, 32, 32, 3), 0.5)
    with pytest.raises(ValueError, match="color"):
        MaskedFaceSynthesizer(color="purple").fit(X)
    with pytest.raises(ValueError, match="color"):
        MaskedFaceSynthesizer(color=(2, 0, 0)).fit(X)
    with pytest.raises(ValueError, match="texture"):
        MaskedFaceSynthesizer(texture="dots").fit(X)
    with pytest.raises(ValueError, match="on_missing"):
        MaskedFaceSynthesizer(on_missing="nan").fit(X)
