import pickle

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline

from skface.datasets import make_synthetic_faces
from skface.restoration import (
    BiharmonicInpainter,
    RegressionInpainter,
    TeleaInpainter,
)
from skface.restoration.masks import CenterSquare, RandomRectangles
from skface.utils import check_images


@pytest.fixture(scope="module")
def faces():
    return make_synthetic_faces(12, size=48, n_identities=3, random_state=0).images


def _inpainters():
    return [
        BiharmonicInpainter(),
        TeleaInpainter(),
        TeleaInpainter(method="ns", radius=5),
        RegressionInpainter(Ridge(alpha=1.0)),
    ]


IDS = ["biharmonic", "telea", "ns", "regression"]


@pytest.mark.parametrize("inp", _inpainters(), ids=IDS)
@pytest.mark.parametrize("blend", ["none", "feather", "poisson"])
def test_known_pixels_untouched(faces, inp, blend):
    inp.set_params(blend=blend)
    hole = CenterSquare().generate(faces)
    out = inp.fit(faces).transform(faces, masks=hole)
    ref = check_images(faces, dtype="float32", channels="keep")
    assert out.shape == ref.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out[~hole], ref[~hole])
    assert not np.array_equal(out[hole], ref[hole])
    assert 0 <= out.min() and out.max() <= 1


@pytest.mark.parametrize("inp", _inpainters()[:3], ids=IDS[:3])
def test_grey_lists_and_variable_sizes(faces, inp):
    grey = [faces[0].mean(2).astype(np.uint8), faces[1][:40, :44]]
    out = inp.fit(grey).transform(grey, masks=None)
    assert isinstance(out, list)
    assert out[0].shape == (48, 48) and out[1].shape == (40, 44, 3)
    # masks=None uses CenterSquare; a single (H, W) mask is broadcast.
    m = CenterSquare().generate(faces[:2])
    out = inp.transform(faces[:2], masks=m[0])
    assert out.shape == (2, 48, 48, 3)


def test_inpainters_beat_a_grey_blob(faces):
    hole = CenterSquare().generate(faces)
    ref = check_images(faces, dtype="float32")
    grey = ref.copy()
    grey[hole] = 0.5
    from skface.metrics import psnr

    blob = psnr(ref, grey, masks=hole)
    for inp in _inpainters():
        score = inp.fit(faces).score(faces, masks=hole)
        assert score > blob + 3, (type(inp).__name__, score, blob)


def test_score_with_default_masks_is_seeded(faces):
    inp = TeleaInpainter(masks=RandomRectangles(), random_state=0).fit(faces)
    assert inp.score(faces) == inp.score(faces)
    other = TeleaInpainter(masks=RandomRectangles(), random_state=1).fit(faces)
    assert other.score(faces) != inp.score(faces)


def test_mask_validation_names_the_index(faces):
    inp = BiharmonicInpainter().fit(faces)
    masks = CenterSquare().generate(faces)
    masks[3] = False
    with pytest.raises(ValueError, match=r"masks\[3\] is empty"):
        inp.transform(faces, masks=masks)
    with pytest.raises(ValueError, match=r"masks\[0\] must be boolean"):
        inp.transform(faces, masks=masks.astype(np.uint8))
    with pytest.raises(ValueError, match=r"masks\[0\] has shape"):
        inp.transform(faces, masks=np.ones((12, 10, 10), bool))


def test_parameter_validation(faces):
    with pytest.raises(ValueError, match="blend"):
        BiharmonicInpainter(blend="blur").fit(faces)
    with pytest.raises(ValueError, match="method"):
        TeleaInpainter(method="fmm").fit(faces)
    with pytest.raises(ValueError, match="radius"):
        TeleaInpainter(radius=0).fit(faces)
    with pytest.raises(ValueError, match="masks"):
        TeleaInpainter(masks="centre").fit(faces)


def test_regression_inpainter_fixed_mask_and_size(faces):
    inp = RegressionInpainter(KNeighborsRegressor(3)).fit(faces)
    np.testing.assert_array_equal(inp.mask_, CenterSquare().generate((1, 48, 48))[0])
    assert inp.image_shape_ == (48, 48, 3)
    # A hole inside the learnt one is fine, a bigger one is not.
    small = np.zeros((48, 48), bool)
    small[20:25, 20:25] = True
    inp.transform(faces, masks=small)
    big = CenterSquare(size=30).generate(faces)
    with pytest.raises(ValueError, match=r"masks\[0\] reaches outside the hole"):
        inp.transform(faces, masks=big)
    with pytest.raises(ValueError, match=r"X\[1\] has shape \(40, 48\)"):
        inp.transform([faces[0], faces[1][:40]])
    with pytest.raises(ValueError, match="one size"):
        RegressionInpainter().fit([faces[0], faces[1][:40]])
    with pytest.raises(ValueError, match=r"masks\[1\] differs"):
        RegressionInpainter().fit(faces, masks=RandomRectangles().generate(faces))


def test_regression_inpainter_is_seeded_and_pickles(faces):
    a = RegressionInpainter(random_state=0).fit(faces).transform(faces)
    b = RegressionInpainter(random_state=0).fit(faces)
    np.testing.assert_array_equal(a, b.transform(faces))
    np.testing.assert_array_equal(a, pickle.loads(pickle.dumps(b)).transform(faces))
    assert b.estimator_.n_estimators == 10  # the default ExtraTrees


def test_grid_search_over_classical_inpainters(faces):
    search = GridSearchCV(
        TeleaInpainter(),
        {"method": ["telea", "ns"], "radius": [1, 5], "blend": ["none", "poisson"]},
        cv=3,
    )
    search.fit(faces)
    assert set(search.best_params_) == {"method", "radius", "blend"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    search = GridSearchCV(
        RegressionInpainter(),
        {"estimator": [Ridge(alpha=0.1), KNeighborsRegressor(2)]},
        cv=2,
    ).fit(faces)
    assert search.best_score_ > 10
    # Inside a pipeline, after another step.
    pipe = make_pipeline(BiharmonicInpainter()).fit(faces)
    assert pipe.transform(faces).shape == (12, 48, 48, 3)
