"""Tests for skface.landmarks.LandmarkExtractor (pretrained use, boxes, policies)."""

import pickle

import joblib
import numpy as np
import pytest
from skimage.data import astronaut
from skimage.transform import rescale
from sklearn.base import BaseEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skface.landmarks import LandmarkExtractor
from skface.metrics._landmarks import landmark_error

FACE_BOX = np.array([175.0, 76.0, 266.0, 167.0])  # HOG box of the astronaut


@pytest.fixture(scope="module")
def image():
    return astronaut()


@pytest.fixture(scope="module")
def ext68(image):
    return LandmarkExtractor().fit(image[None])


@pytest.fixture(scope="module")
def ref68(ext68, image):
    return ext68.landmarks(image[None])[0]


class FixedDetector(BaseEstimator):
    """Returns the same detections for every image; counts its calls."""

    def __init__(self, detections=None):
        self.detections = detections

    def fit(self, X, y=None):
        self.calls_ = 0
        return self

    def detect(self, X):
        self.calls_ += 1
        return [np.asarray(self.detections, dtype=float).reshape(-1, 5) for _ in X]


class FailingDetector(FixedDetector):
    def detect(self, X):
        raise AssertionError("the detector must not run when boxes are given")


def _two_face_photo(image):
    """A 220x400 canvas with the astronaut's face at full and at 0.6 size."""
    face = image[40:240, 110:330]
    small = np.rint(rescale(face, 0.6, channel_axis=2) * 255).astype(np.uint8)
    canvas = np.full((220, 400, 3), 200, np.uint8)
    canvas[10:210, 0:220] = face
    canvas[40 : 40 + small.shape[0], 250 : 250 + small.shape[1]] = small
    return canvas


# ---------------------------------------------------------------- pretrained
def test_pretrained_68_points_are_plausible(ext68, image, ref68):
    L = ref68
    assert L.shape == (68, 2) and L.dtype == np.float64
    left, top, right, bottom = FACE_BOX
    pad = 0.15 * (right - left)
    assert (L[:, 0] > left - pad).all() and (L[:, 0] < right + pad).all()
    assert (L[:, 1] > top - pad).all() and (L[:, 1] < bottom + pad).all()
    eyes, brows = L[36:48], L[17:27]
    nose_tip, mouth, chin = L[33], L[48:68], L[8]
    assert brows[:, 1].mean() < eyes[:, 1].mean() < nose_tip[1]
    assert nose_tip[1] < mouth[:, 1].min() and mouth[:, 1].max() < chin[1]
    # subject's right eye (36-41) is on the image's left
    assert L[36:42, 0].mean() < nose_tip[0] < L[42:48, 0].mean()
    assert L[0, 0] < L[8, 0] < L[16, 0]  # jaw runs left to right
    assert 30 < np.linalg.norm(L[36] - L[45]) < 80


def test_pretrained_5_points(image, ref68):
    L = LandmarkExtractor(5).fit(image[None]).landmarks(image[None])
    assert L.shape == (1, 5, 2)
    L = L[0]
    eye_a, eye_b, nose = L[0:2].mean(0), L[2:4].mean(0), L[4]
    assert eye_a[1] < nose[1] and eye_b[1] < nose[1]
    # same eyes as the 68-point model, to a few pixels
    eyes68 = sorted([ref68[36:42].mean(0)[0], ref68[42:48].mean(0)[0]])
    np.testing.assert_allclose(sorted([eye_a[0], eye_b[0]]), eyes68, atol=5)


def test_transform_feature_names_and_pandas_output(ext68, image, ref68):
    F = ext68.transform(image[None])
    assert F.shape == (1, 136)
    np.testing.assert_array_equal(F[0, 0::2], ref68[:, 0])
    np.testing.assert_array_equal(F[0, 1::2], ref68[:, 1])
    names = ext68.get_feature_names_out()
    assert names[:4].tolist() == ["x0", "y0", "x1", "y1"]
    assert names[-1] == "y67" and len(names) == 136
    pd = pytest.importorskip("pandas")
    est = LandmarkExtractor().set_output(transform="pandas").fit(image[None])
    df = est.transform(image[None])
    assert isinstance(df, pd.DataFrame) and list(df.columns) == names.tolist()


def test_given_boxes_skip_detector_and_follow_box_convention(image, ref68):
    import dlib

    from skface.datasets import get_model_path

    est = LandmarkExtractor(detector=FailingDetector()).fit(image[None])
    L = est.landmarks(image[None], boxes=FACE_BOX[None])
    np.testing.assert_array_equal(L[0], ref68)
    # (l, t, r, b) with r = l + width is dlib's inclusive rectangle(l, t, r-1, b-1)
    sp = dlib.shape_predictor(get_model_path("landmarks_68"))
    shape = sp(image, dlib.rectangle(175, 76, 265, 166))
    expected = np.array([(p.x, p.y) for p in shape.parts()], dtype=float)
    np.testing.assert_array_equal(L[0], expected)


def test_score_is_negative_landmark_error(ext68, image, ref68):
    assert ext68.score(image[None], ref68[None]) == 0.0
    y = ref68[None] + [2.0, 0.0]
    expected = -landmark_error(y, ref68[None])
    assert ext68.score(image[None], y) == pytest.approx(expected)
    assert ext68.score(image[None], y.reshape(1, -1)) == pytest.approx(expected)
    assert expected < 0


# ------------------------------------------------------- several / no faces
def test_several_faces_select_and_landmarks_all(image):
    photo = _two_face_photo(image)
    est = LandmarkExtractor().fit(photo[None])
    rows = est.landmarks_all(photo[None])
    (faces,) = rows.split("landmarks")
    assert faces.shape == (2, 68, 2)
    np.testing.assert_array_equal(rows.image_index, [0, 0])
    np.testing.assert_array_equal(rows.face_index, [0, 1])
    assert rows.boxes.shape == (2, 4) and np.all(np.diff(rows.scores) <= 0)
    # each face's landmarks lie in its own box
    for box, lm in zip(rows.boxes, rows.landmarks):
        centre = lm.mean(axis=0)
        assert box[0] < centre[0] < box[2] and box[1] < centre[1] < box[3]
    centres = faces.mean(axis=1)
    assert {int(c[0] > 220) for c in centres} == {0, 1}  # one face on each side
    big = est.landmarks(photo[None])[0]
    assert big[:, 0].max() < 220  # 'largest' picks the full-size face
    # 'best' follows the score, 'largest' the area
    dets = [[250, 40, 330, 120, 5.0], [0, 10, 200, 210, 1.0]]
    fixed = FixedDetector(dets)
    best = LandmarkExtractor(detector=fixed, select="best").fit(photo[None])
    assert best.landmarks(photo[None])[0, :, 0].min() > 220
    largest = LandmarkExtractor(detector=fixed, select="largest").fit(photo[None])
    assert largest.landmarks(photo[None])[0, :, 0].max() < 220


def test_on_missing_policies(image, ref68):
    blank = np.full_like(image, 128)
    X = [image, blank]
    with pytest.raises(ValueError, match=r"no face found in X\[1\]"):
        LandmarkExtractor().fit(X).transform(X)
    L = LandmarkExtractor(on_missing="nan").fit(X).landmarks(X)
    np.testing.assert_array_equal(L[0], ref68)
    assert np.isnan(L[1]).all()
    W = LandmarkExtractor(on_missing="whole").fit(X).landmarks(X)
    assert np.isfinite(W).all()
    np.testing.assert_array_equal(W[0], ref68)
    # a NaN row in the given boxes is a missing face too
    boxes = np.array([FACE_BOX, [np.nan] * 4])
    L2 = LandmarkExtractor(on_missing="nan").fit(X).landmarks(X, boxes=boxes)
    np.testing.assert_array_equal(L2, L)
    with pytest.raises(ValueError, match=r"X\[1\]"):
        LandmarkExtractor().fit(X).landmarks(X, boxes=boxes)
    rows0 = LandmarkExtractor().fit(X).landmarks_all([blank])
    assert len(rows0) == 0 and rows0.n_images == 1
    (all0,) = rows0.split("landmarks")
    assert all0.shape == (0, 68, 2) and rows0.boxes.shape == (0, 4)


def test_score_counts_missing_faces(image, ref68):
    X = [image, np.full_like(image, 128)]
    y = np.stack([ref68, ref68])
    est = LandmarkExtractor(on_missing="nan").fit(X)
    assert est.score(X, y) == pytest.approx(-0.5)  # 0 and 1.0 for the miss


# --------------------------------------------------------------- robustness
def test_pixel_formats_give_same_landmarks(ext68, image, ref68):
    rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    as_uint16 = image.astype(np.uint16) * 257
    as_float = image / 255.0
    for X in (rgba[None], as_uint16[None], as_float[None], as_float[None].astype("f4")):
        np.testing.assert_array_equal(ext68.landmarks(X)[0], ref68)
    grey = np.rint(image @ [0.299, 0.587, 0.114]).astype(np.uint8)
    Lg = ext68.landmarks(grey[None])[0]
    assert landmark_error(ref68[None], Lg[None]) < 0.05


def test_non_contiguous_and_mixed_sizes(ext68, image, ref68):
    flipped = image[:, ::-1]  # a negative-stride view
    assert not flipped.flags.c_contiguous
    L = ext68.landmarks(flipped[None])[0]
    np.testing.assert_array_equal(L, ext68.landmarks(flipped.copy()[None])[0])
    big = np.zeros((600, 700, 3), np.uint8)
    big[50:562, 100:612] = image
    X = [image, image[::2, ::2], big, np.asfortranarray(image)]
    # select='best': at half size a false detection on the suit is 1 px larger
    out = LandmarkExtractor(select="best").fit(X).landmarks(X)
    assert out.shape == (4, 68, 2)
    np.testing.assert_array_equal(out[0], ref68)
    # the detector's pyramid shifts the box by a pixel or two on a bigger canvas
    np.testing.assert_allclose(out[2], ref68 + [100, 50], atol=3)
    np.testing.assert_array_equal(out[3], ref68)
    assert landmark_error(ref68[None] / 2, out[1:2]) < 0.1


def test_large_photo_with_boxes(ext68, image, ref68):
    photo = np.zeros((3000, 4000, 3), np.uint8)  # 12 Mpixel
    photo[2000:2512, 3000:3512] = image
    L = ext68.landmarks([photo], boxes=[FACE_BOX + [3000, 2000, 3000, 2000]])
    np.testing.assert_array_equal(L[0], ref68 + [3000, 2000])


def test_images_smaller_than_detector_window(image):
    tiny = np.rint(rescale(image, 0.08, channel_axis=2) * 255).astype(np.uint8)
    X = [tiny, np.zeros((3, 3), np.uint8)]
    est = LandmarkExtractor(on_missing="nan").fit(X)
    assert np.isnan(est.transform(X)).all()
    L = est.landmarks(X, boxes=[[0, 0, 41, 41], [0, 0, 3, 3]])
    assert np.isfinite(L).all()
    with pytest.raises(ValueError, match=r"X\[0\]"):
        LandmarkExtractor().fit(X).transform(X)


def test_bad_boxes_raise(ext68, image):
    with pytest.raises(ValueError, match="2 boxes but there are 1 images"):
        ext68.transform(image[None], boxes=[FACE_BOX, FACE_BOX])
    with pytest.raises(ValueError, match="inverted"):
        ext68.transform(image[None], boxes=[[200, 76, 175, 167]])
    with pytest.raises(ValueError, match="shape"):
        ext68.transform(image[None], boxes=FACE_BOX)


def test_model_and_points_checks(image):
    with pytest.raises(ValueError, match="no pretrained model for n_points=17"):
        LandmarkExtractor(17).fit(image[None])
    with pytest.raises(ValueError, match="predicts 5 points but n_points=68"):
        LandmarkExtractor(model_path="landmarks_5").fit(image[None])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        LandmarkExtractor(model_path="/nonexistent/model.dat").fit(image[None])
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="on_missing"):
        LandmarkExtractor(on_missing="skip").fit(image[None])
    with pytest.raises(InvalidParameterError, match="nu"):
        LandmarkExtractor(nu=0).fit(image[None])


# --------------------------------------------------------- pickle / joblib
def test_pickle_and_n_jobs_give_identical_output(image, ref68):
    photo = _two_face_photo(image)
    X = [image, photo, image[::2, ::2], photo]
    est = LandmarkExtractor(n_jobs=1).fit(X)
    one = est.transform(X)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.transform(X), one)
    two = est.set_params(n_jobs=2).transform(X)  # loky processes
    np.testing.assert_array_equal(two, one)
    with joblib.parallel_config(backend="threading"):
        rows = est.landmarks_all(X)
    all_faces = rows.split("landmarks")
    assert len(all_faces) == 4 and len(all_faces[1]) == len(all_faces[3]) == 2
    np.testing.assert_array_equal(all_faces[0][0], ref68)  # best first
    with joblib.parallel_config(backend="loky", n_jobs=2):
        loky = est.set_params(n_jobs=None).landmarks_all(X)
    for name in ("image_index", "boxes", "scores", "landmarks"):
        np.testing.assert_array_equal(getattr(loky, name), getattr(rows, name))


def test_in_pipeline(image):
    X = [image, image[:, ::-1], image[::2, ::2]]
    pipe = make_pipeline(LandmarkExtractor(), StandardScaler()).fit(X)
    assert pipe.transform(X).shape == (3, 136)
    assert pipe.get_feature_names_out()[0] == "x0"
