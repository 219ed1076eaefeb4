"""Tests of the face detectors: contract, conventions, robustness, tuning."""

import pickle

import joblib
import numpy as np
import pytest
from skimage.data import astronaut
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skface.detection import CNNFaceDetector, HaarFaceDetector, HOGFaceDetector
from skface.metrics import box_iou

dlib = pytest.importorskip("dlib")
cv2 = pytest.importorskip("cv2")

# dlib HOG's box of astronaut's face inside the crop rows 40:210, cols 140:300.
PATCH_BOX = np.array([35.0, 36.0, 126.0, 127.0])


def face_patch():
    return np.ascontiguousarray(astronaut()[40:210, 140:300])


def background(rng, shape):
    cells = rng.uniform(0.2, 0.8, (shape[0] // 8 + 1, shape[1] // 8 + 1, 3))
    img = np.kron((cells * 255).astype(np.uint8), np.ones((8, 8, 1), np.uint8))
    return np.ascontiguousarray(img[: shape[0], : shape[1]])


def scenes(n, shape=(200, 240), seed=0):
    """``n`` block-noise images with astronaut's face pasted once, and boxes."""
    rng = np.random.RandomState(seed)
    patch = face_patch()
    images, boxes = [], []
    for _ in range(n):
        img = background(rng, shape)
        y = rng.randint(0, shape[0] - patch.shape[0] + 1)
        x = rng.randint(0, shape[1] - patch.shape[1] + 1)
        img[y : y + patch.shape[0], x : x + patch.shape[1]] = patch
        images.append(img)
        boxes.append((PATCH_BOX + [x, y, x, y])[None])
    return images, boxes


def several_faces():
    """Three faces side by side (plus a smaller one) on a flat background."""
    patch = face_patch()
    img = np.full((260, 640, 3), 120, np.uint8)
    boxes = []
    for k in range(3):
        x, y = 10 + 200 * k, 5 + 30 * k
        img[y : y + 170, x : x + 160] = patch
        boxes.append(PATCH_BOX + [x, y, x, y])
    return img, np.array(boxes)


@pytest.fixture(scope="module")
def data():
    return scenes(4)


FAST = [
    pytest.param(lambda **kw: HOGFaceDetector(upsample=0, **kw), id="hog"),
    pytest.param(lambda **kw: HaarFaceDetector(**kw), id="haar"),
]


def _assert_finds(dets, true_boxes, min_iou=0.6):
    assert len(dets) == len(true_boxes)
    for det, boxes in zip(dets, true_boxes, strict=True):
        assert det.shape == (len(boxes), 5), det
        assert (box_iou(det[:, :4], boxes).max(axis=0) >= min_iou).all()


# --------------------------------------------------------------------------
# Contract


@pytest.mark.parametrize("make", FAST)
def test_detect_contract_and_score(make, data):
    X, boxes = data
    det = make().fit(X)
    out = det.detect(X + [background(np.random.RandomState(5), (200, 240))])
    assert len(out) == len(X) + 1
    for d in out:
        assert isinstance(d, np.ndarray) and d.dtype == np.float64 and d.shape[1] == 5
        assert np.all(np.diff(d[:, 4]) <= 0), "not sorted by decreasing score"
    assert out[-1].shape == (0, 5)
    _assert_finds(out[:-1], boxes)
    assert det.score(X, boxes) == pytest.approx(1.0)
    # The score is AP: a wrong box on one image lowers it.
    wrong = [b + 100 for b in boxes[:1]] + boxes[1:]
    assert det.score(X, wrong) < 1.0


def test_hog_equals_plain_dlib_loop_with_pixel_edge_boxes():
    img = astronaut()
    raw = dlib.get_frontal_face_detector()
    rects, scores, _ = raw.run(img, 1, 0.0)
    det = HOGFaceDetector().fit([img]).detect([img])[0]
    expected = [(r.left(), r.top(), r.right() + 1, r.bottom() + 1) for r in rects]
    order = np.argsort(scores)[::-1]
    np.testing.assert_array_equal(det[:, :4], np.array(expected)[order])
    np.testing.assert_allclose(det[:, 4], np.array(scores)[order])
    assert det.shape[0] == 2  # the face and, weakly, the mission patch


def test_thresholds_change_detections():
    img = astronaut()
    hog = HOGFaceDetector(threshold=0.5).fit([img])
    assert len(hog.detect([img])[0]) == 1  # the weak mission-patch hit is gone
    assert len(hog.set_params(threshold=-0.5).detect([img])[0]) > 2
    cnn = CNNFaceDetector(threshold=100.0).fit([face_patch()])
    assert cnn.detect([face_patch()])[0].shape == (0, 5)


def test_transform_one_box_per_image_and_on_missing(data):
    X, boxes = data
    blank = np.zeros((120, 90, 3), np.uint8)
    batch = [X[0], blank, X[1]]
    det = HOGFaceDetector(upsample=0).fit(X)
    with pytest.raises(ValueError, match=r"X\[1\]"):
        det.transform(batch)
    out = det.set_params(on_missing="nan").transform(batch)
    assert out.shape == (3, 4)
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2]]).all()
    assert box_iou(out[0], boxes[0])[0, 0] > 0.6
    out = det.set_params(on_missing="whole").transform(batch)
    np.testing.assert_array_equal(out[1], [0, 0, 90, 120])
    pipe = make_pipeline(HOGFaceDetector(upsample=0, on_missing="nan"))
    assert pipe.fit_transform(batch).shape == (3, 4)


def test_select_largest_or_best():
    patch = face_patch()
    img = np.full((260, 420, 3), 128, np.uint8)
    img[10:180, 10:170] = (patch * 0.6 + 128 * 0.4).astype(np.uint8)  # faint, big
    small = cv2.resize(patch, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)
    img[130 : 130 + small.shape[0], 280 : 280 + small.shape[1]] = small
    det = HaarFaceDetector().fit([img])
    d = det.detect([img])[0]
    area = (d[:, 2] - d[:, 0]) * (d[:, 3] - d[:, 1])
    assert len(d) == 2 and np.argmax(area) != np.argmax(d[:, 4]), d
    np.testing.assert_array_equal(det.transform([img])[0], d[np.argmax(area), :4])
    best = det.set_params(select="best").transform([img])[0]
    np.testing.assert_array_equal(best, d[0, :4])


def test_several_faces():
    img, boxes = several_faces()
    for det in (HOGFaceDetector(upsample=0), HaarFaceDetector()):
        out = det.fit([img]).detect([img])
        _assert_finds(out, [boxes])


# --------------------------------------------------------------------------
# Robustness


@pytest.mark.parametrize("make", FAST)
def test_grey_rgba_uint16_float_images(make):
    img = several_faces()[0]
    det = make().fit([img])
    ref = det.detect([img])[0]
    rgba = np.dstack([img, np.full(img.shape[:2], 255, np.uint8)])
    u16 = img.astype(np.uint16) * 257
    flt = img / 255.0
    for variant in (rgba, u16, flt, flt.astype(np.float32)):
        np.testing.assert_array_equal(det.detect([variant])[0], ref)
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    for g in (grey, grey[..., None]):
        assert len(det.detect([g])[0]) == 3


@pytest.mark.parametrize("make", FAST)
def test_non_contiguous_and_mixed_sizes(make, data):
    X, _ = data
    stack = np.stack(X)
    sliced = stack[:, ::2, ::2]  # non-contiguous views
    det = make().fit(X)
    ref = det.detect([np.ascontiguousarray(s) for s in sliced])
    for a, b in zip(det.detect(sliced), ref, strict=True):
        np.testing.assert_array_equal(a, b)
    mixed = [X[0], sliced[1], stack[2, :, ::-1], several_faces()[0]]
    out = det.detect(mixed)
    assert [len(d) for d in out] == [1, len(ref[1]), 1, 3]


@pytest.mark.parametrize(
    "det",
    [HOGFaceDetector(), HOGFaceDetector(upsample=3), HaarFaceDetector()]
    + [CNNFaceDetector()],
    ids=["hog", "hog-up3", "haar", "cnn"],
)
def test_images_smaller_than_the_window_give_no_box(det):
    tiny = [np.zeros((2, 2, 3), np.uint8), np.ones((9, 9)), np.zeros((40, 40, 3))]
    tiny += [np.zeros((3, 500, 3), np.uint8), np.zeros((79, 79), np.uint16)]
    out = det.set_params(on_missing="whole").fit(tiny).detect(tiny)
    assert [d.shape for d in out] == [(0, 5)] * len(tiny)
    np.testing.assert_array_equal(det.transform(tiny[:1]), [[0, 0, 2, 2]])


def test_hog_on_a_4000x3000_photo():
    big = cv2.resize(astronaut(), (3000, 3000), interpolation=cv2.INTER_LINEAR)
    big = np.pad(big, ((0, 0), (500, 500), (0, 0)), mode="edge")
    assert big.shape == (3000, 4000, 3)
    out = HOGFaceDetector(upsample=0).fit(big[None]).detect(big[None])[0]
    face = np.array([175, 76, 266, 167]) * 3000 / 512 + [500, 0, 500, 0]
    assert box_iou(out[:1, :4], face)[0, 0] > 0.6


@pytest.mark.parametrize("make", FAST)
def test_bad_input_raises_value_error(make, data):
    X, _ = data
    det = make().fit(X)
    with pytest.raises(ValueError, match="2-D array"):
        det.detect(np.zeros((30, 40)))
    with pytest.raises(ValueError, match=r"X\[1\] contains NaN"):
        det.detect([X[0], np.full((30, 30, 3), np.nan)])
    with pytest.raises(ValueError, match="int32"):
        det.detect([X[0].astype(np.int32)])
    with pytest.raises(ValueError, match="empty"):
        det.detect([])
    with pytest.raises(ValueError, match=r"X\[0\].*does not exist"):
        det.detect(["/no/such/image.png"])


@pytest.mark.parametrize(
    "est",
    [
        HOGFaceDetector(upsample=-1),
        HOGFaceDetector(C=0),
        HOGFaceDetector(window_size=4),
        HOGFaceDetector(select="smallest"),
        HaarFaceDetector(scale_factor=1.0),
        HaarFaceDetector(min_size=(0, 5)),
        HaarFaceDetector(min_size=(20, 20, 3)),
        HaarFaceDetector(cascade="no_such_cascade"),
        HaarFaceDetector(equalize="gamma"),
        HaarFaceDetector(on_missing="drop"),
        CNNFaceDetector(batch_size=0),
    ],
)
def test_bad_parameters_raise_value_error(est, data):
    with pytest.raises(ValueError):
        est.fit(data[0][:1])


def test_cnn_rejects_a_file_that_is_not_a_model(tmp_path):
    bad = tmp_path / "model.dat"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a dlib MMOD model"):
        CNNFaceDetector(model_path=str(bad)).fit([face_patch()])


# --------------------------------------------------------------------------
# Parallelism and pickling


@pytest.mark.parametrize("make", FAST)
def test_n_jobs_gives_the_same_detections(make, data):
    X, _ = data
    X = X * 3
    ref = make(n_jobs=1).fit(X).detect(X)
    for out in (make(n_jobs=2).fit(X).detect(X),):
        for a, b in zip(out, ref, strict=True):
            np.testing.assert_array_equal(a, b)


def test_process_backend_gives_the_same_detections(data):
    X, _ = data
    det = HOGFaceDetector(upsample=0).fit(X)
    ref = det.detect(X)
    with joblib.parallel_config(backend="loky", n_jobs=2):
        out = det.detect(X)
    for a, b in zip(out, ref, strict=True):
        np.testing.assert_array_equal(a, b)
    # The CNN prefers processes (dlib holds the GIL while the network runs).
    patch = face_patch()
    cnn = CNNFaceDetector(batch_size=1).fit([patch])
    ref = cnn.detect([patch, patch[:, ::-1]])
    out = cnn.set_params(n_jobs=2).detect([patch, patch[:, ::-1]])
    assert [len(d) for d in out] == [1, 1]
    for a, b in zip(out, ref, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", FAST)
def test_pickle_round_trip_without_native_handles(make, data):
    X, _ = data
    det = make().fit(X)
    ref = det.detect(X)
    blob = pickle.dumps(det)
    assert len(blob) < 5000  # nothing native (and no model) inside
    restored = pickle.loads(blob)
    for a, b in zip(restored.detect(X), ref, strict=True):
        np.testing.assert_array_equal(a, b)
    assert clone(det).get_params() == det.get_params()


# --------------------------------------------------------------------------
# Haar options and tuning


def test_haar_score_column_and_options(data):
    X, boxes = data
    det = HaarFaceDetector().fit(X)
    scores = np.concatenate([d[:, 4] for d in det.detect(X)])
    assert not np.allclose(scores, np.round(scores))  # stage weights, not counts
    by_path = HaarFaceDetector(cascade=det.cascade_path_).fit(X)
    for a, b in zip(by_path.detect(X), det.detect(X), strict=True):
        np.testing.assert_array_equal(a, b)
    for params in ({"equalize": "hist"}, {"equalize": "clahe"}, {"eye_check": True}):
        assert HaarFaceDetector(**params).fit(X).score(X, boxes) == pytest.approx(1.0)
    assert HaarFaceDetector(min_size=150).fit(X).detect(X)[0].shape == (0, 5)
    HaarFaceDetector("profileface").fit(X).detect(X)  # runs


def test_haar_eye_check_removes_false_faces():
    from skimage.data import coins, gravel

    fakes = [coins(), gravel()]
    loose = HaarFaceDetector(min_neighbors=1).fit(fakes)
    assert sum(len(d) for d in loose.detect(fakes)) > 10  # textures read as faces
    checked = loose.set_params(eye_check=True).detect(fakes + [astronaut()])
    assert sum(len(d) for d in checked[:2]) <= 1
    assert len(checked[2]) == 1  # the real face keeps its two eyes
    assert box_iou(checked[2][:, :4], [177, 66, 272, 161])[0, 0] > 0.9


def test_haar_grid_search_with_built_in_score():
    X, boxes = scenes(8, seed=3)
    X.append(several_faces()[0])
    boxes.append(several_faces()[1])
    grid = GridSearchCV(HaarFaceDetector(), {"min_neighbors": [0, 5]}, cv=2)
    grid.fit(X, boxes)
    scores = grid.cv_results_["mean_test_score"]
    assert scores[0] < scores[1] == pytest.approx(1.0)
    assert grid.best_params_ == {"min_neighbors": 5}
    assert grid.score(X, boxes) == pytest.approx(1.0)


# --------------------------------------------------------------------------
# CNN (slow on a CPU: one small image at a time)


def test_cnn_finds_the_face_and_batches_same_size_images():
    patch = face_patch()
    det = CNNFaceDetector(batch_size=2).fit([patch])
    X = [patch, patch[:, ::-1], np.zeros((50, 60, 3), np.uint8)]
    batched = det.detect(X)
    single = det.set_params(batch_size=1).detect(X)
    for a, b in zip(batched, single, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert box_iou(batched[0][:, :4], PATCH_BOX)[0, 0] > 0.6
    assert len(batched[1]) == 1 and batched[2].shape == (0, 5)
    grey = cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY)
    assert len(det.detect([grey])[0]) == 1
