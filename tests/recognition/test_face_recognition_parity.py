"""face_recognition's own test expectations, re-stated against skface.

Source: ``ageitgey/face_recognition``, ``tests/test_face_recognition.py``
(30 cases at commit 4d7bc04). Its photos (obama*.jpg, biden.jpg, 32bit.png)
do not ship with skface, so each case runs on images we have: scikit-image's
astronaut, the LFW subset (enlarged), and crops/mirrors/composites of them.
Where face_recognition pins a number measured on its photo (``top() ==
142``), the skface test pins the number dlib itself gives on ours: the
expectation is "skface returns what face_recognition's recipe returns",
computed with dlib directly.

Conventions: face_recognition's ``css`` tuples are ``(top, right, bottom,
left)`` with dlib's inclusive right/bottom; skface boxes are ``(left, top,
right, bottom)`` pixel edges, so ``right = css.right + 1``.

Cases and their skface equivalents (test in this module unless noted):

==========================================  ====================================
face_recognition case                       skface
==========================================  ====================================
test_load_image_file                        test_load_image_file
test_load_image_file_32bit                  test_load_image_file_32bit
test_raw_face_locations                     test_raw_face_locations
test_cnn_raw_face_locations                 test_cnn_raw_face_locations
test_raw_face_locations_32bit_image         test_raw_face_locations_32bit_image
test_cnn_raw_face_locations_32bit_image     test_cnn_raw_face_locations_32bit_image
test_face_locations                         test_face_locations
test_cnn_face_locations                     test_cnn_face_locations
test_partial_face_locations                 test_partial_face_locations
test_raw_face_locations_batched             test_batched_face_locations
test_batched_face_locations                 test_batched_face_locations
test_raw_face_landmarks                     test_raw_face_landmarks
test_face_landmarks                         test_face_landmarks
test_face_landmarks_small_model             test_face_landmarks_small_model
test_face_encodings                         test_face_encodings
test_face_encodings_large_model             test_face_encodings_large_model
test_face_distance                          test_face_distance
test_face_distance_empty_lists              test_face_distance_empty_lists
test_compare_faces                          test_compare_faces
test_compare_faces_empty_lists              test_compare_faces_empty_lists
==========================================  ====================================

Cases without an equivalent here:

* The ten command-line cases (``test_command_line_interface*`` of
  ``face_recognition`` and ``test_fd_command_line_interface*`` of
  ``face_detection``) exercise face_recognition's two CLIs. Their skface
  counterparts are the ``skface recognize`` / ``skface detect`` commands,
  tested with the CLI in ``tests/cli/``; this module tests the library
  calls those commands are built on (:meth:`FaceRecognizer.predict_faces`,
  :meth:`FaceAnalyzer.analyze`, ``tolerance``, distances).
* ``compare_faces`` itself: skface has no function of that name; its
  semantics (``face_distance(known, face) <= tolerance``, a list of bools)
  are checked with :func:`skface.metrics.face_distance` and with
  :class:`skface.recognition.FaceRecognizer`, whose
  ``identity_distances(X) <= tolerance`` is ``compare_faces`` per identity.
"""

import dlib
import numpy as np
import pytest
from conftest import lfw_face
from skimage.data import astronaut
from skimage.io import imsave
from skimage.transform import rescale

from skface.datasets import get_model_path
from skface.detection import CNNFaceDetector, HOGFaceDetector
from skface.features import DlibFaceEncoder
from skface.landmarks import LandmarkExtractor, landmark_groups
from skface.metrics import face_distance
from skface.recognition import FaceRecognizer
from skface.utils import check_images, read_image

# A crop of the astronaut with her face only (the whole photo has a badge
# that HOG with one upsampling also takes for a face).
CROP = np.s_[:300, 100:400]
# dlib's CNN with face_recognition's default upsampling (1) is slow on a
# CPU: the CNN cases run once, on a tighter crop and its 32-bit PNG.
CNN_CROP = np.s_[40:240, 120:320]


@pytest.fixture(scope="module")
def img():
    return np.ascontiguousarray(astronaut()[CROP])


@pytest.fixture(scope="module")
def png32(tmp_path_factory, img):
    """The photo as a 32-bit (RGBA) PNG, like face_recognition's 32bit.png."""
    path = tmp_path_factory.mktemp("fr") / "32bit.png"
    alpha = np.full(img.shape[:2] + (1,), 255, np.uint8)
    imsave(path, np.concatenate([img, alpha], axis=-1))
    return path


@pytest.fixture(scope="module")
def cnn_case(tmp_path_factory):
    """(image, dlib's detection, skface's raw detections of [image, png32])."""
    image = np.ascontiguousarray(astronaut()[CNN_CROP])
    path = tmp_path_factory.mktemp("fr_cnn") / "32bit.png"
    alpha = np.full(image.shape[:2] + (1,), 255, np.uint8)
    imsave(path, np.concatenate([image, alpha], axis=-1))
    (ref,) = _cnn(image)
    det = CNNFaceDetector(upsample=1, clip=False).fit([image])
    return image, ref, det.detect([image, path])


def _box(rect, shape=None):
    """face_recognition's location of a dlib rectangle as a skface box."""
    box = np.array(
        [rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1], float
    )
    if shape is not None:  # face_recognition's _trim_css_to_bounds
        h, w = shape[:2]
        box = np.clip(box, 0, [w, h, w, h])
    return box


def _hog(image, upsample=1):
    return dlib.get_frontal_face_detector()(image, upsample)


def _cnn(images, upsample=1):
    net = dlib.cnn_face_detection_model_v1(get_model_path("mmod_human_face_detector"))
    if isinstance(images, list):
        return net(images, upsample, batch_size=128)
    return net(images, upsample)


# ----------------------------------------------------------------- images
def test_load_image_file(tmp_path, img):
    path = tmp_path / "photo.jpg"
    from PIL import Image

    Image.fromarray(img).save(path, quality=95)
    loaded = read_image(path)
    assert loaded.shape == img.shape and loaded.dtype == np.uint8


def test_load_image_file_32bit(png32, img):
    (loaded,) = check_images([png32], dtype="uint8", channels="rgb", stack=False)
    assert loaded.shape == img.shape  # alpha dropped: (H, W, 3)
    np.testing.assert_array_equal(loaded, img)


# -------------------------------------------------------------- locations
def test_raw_face_locations(img):
    (ref,) = _hog(img)
    dets = HOGFaceDetector(upsample=1, clip=False).fit([img]).detect([img])[0]
    assert len(dets) == 1
    np.testing.assert_array_equal(dets[0, :4], _box(ref))
    assert dets[0, 1] == ref.top() and dets[0, 3] == ref.bottom() + 1


def test_raw_face_locations_32bit_image(png32, img):
    (ref,) = _hog(img)
    dets = HOGFaceDetector(upsample=1, clip=False).fit([png32]).detect([png32])[0]
    assert len(dets) == 1
    np.testing.assert_array_equal(dets[0, :4], _box(ref))


def test_cnn_raw_face_locations(cnn_case):
    _, ref, (dets, _) = cnn_case
    assert len(dets) == 1
    np.testing.assert_array_equal(dets[0, :4], _box(ref.rect))
    assert dets[0, 4] == pytest.approx(ref.confidence)


def test_cnn_raw_face_locations_32bit_image(cnn_case):
    _, ref, (_, dets) = cnn_case
    assert len(dets) == 1
    np.testing.assert_array_equal(dets[0, :4], _box(ref.rect))


def test_face_locations(img):
    (ref,) = _hog(img)
    boxes = HOGFaceDetector(upsample=1).fit([img]).transform([img])
    np.testing.assert_array_equal(boxes[0], _box(ref, img.shape))


def test_cnn_face_locations(cnn_case):
    image, ref, (dets, _) = cnn_case
    # the clipping that CNNFaceDetector(upsample=1).transform applies
    from skface.utils._faces import clip_boxes

    boxes = clip_boxes(dets[:1, :4], image.shape)
    np.testing.assert_array_equal(boxes[0], _box(ref.rect, image.shape))
    # face_recognition allows 25 px between CNN and HOG boxes of one face
    hog = HOGFaceDetector(upsample=1).fit([image]).transform([image])
    assert np.abs(boxes - hog).max() <= 25


def test_partial_face_locations():
    photo = astronaut()
    # obama_partial_face.jpg: the face cut by the left border -> left == 0
    cut = np.ascontiguousarray(photo[:, 210:])
    (ref,) = _hog(cut)
    assert ref.left() < 0  # dlib's box leaves the image
    dets = HOGFaceDetector(upsample=1).fit([cut]).detect([cut])[0]
    assert len(dets) == 1
    np.testing.assert_array_equal(dets[0, :4], _box(ref, cut.shape))
    assert dets[0, 0] == 0
    # obama_partial_face2.jpg: cropped, face whole -> the same box
    whole = np.ascontiguousarray(photo[:300, :300])
    (ref2,) = _hog(whole)
    dets2 = HOGFaceDetector(upsample=1).fit([whole]).detect([whole])[0]
    np.testing.assert_array_equal(dets2[:, :4], [_box(ref2, whole.shape)])
    np.testing.assert_array_equal(dets2[0, :4], _box(ref2))  # nothing to clip


def test_batched_face_locations():
    image = np.ascontiguousarray(astronaut()[CNN_CROP])
    images = [image, image]
    ref = _cnn(images, upsample=0)
    det = CNNFaceDetector(upsample=0, batch_size=128).fit(images)
    found = det.detect(images)  # clipped, as batch_face_locations
    for dets, r in zip(found, ref, strict=True):
        assert len(dets) == len(r) == 1
        np.testing.assert_array_equal(dets[0, :4], _box(r[0].rect, image.shape))
        assert dets[0, 4] == pytest.approx(r[0].confidence, rel=1e-5)


# -------------------------------------------------------------- landmarks
def test_raw_face_landmarks(img):
    (rect,) = _hog(img)
    shape = dlib.shape_predictor(get_model_path("landmarks_68"))(img, rect)
    L = LandmarkExtractor().fit([img]).landmarks_all([img]).landmarks
    assert L.shape == (1, 68, 2)
    assert tuple(L[0, 10]) == (shape.part(10).x, shape.part(10).y)
    np.testing.assert_array_equal(L[0], [(p.x, p.y) for p in shape.parts()])


def test_face_landmarks(img):
    (rect,) = _hog(img)
    shape = dlib.shape_predictor(get_model_path("landmarks_68"))(img, rect)
    pts = [(p.x, p.y) for p in shape.parts()]
    L = LandmarkExtractor().fit([img]).landmarks([img])[0]
    groups = landmark_groups(L, convention="image")  # face_recognition's names
    assert set(groups) == {
        "chin",
        "left_eyebrow",
        "right_eyebrow",
        "nose_bridge",
        "nose_tip",
        "left_eye",
        "right_eye",
        "top_lip",
        "bottom_lip",
    }
    assert [tuple(p) for p in groups["chin"]] == pts[0:17]
    # face_recognition's other groups, point for point
    fr = {
        "left_eyebrow": pts[17:22],
        "right_eyebrow": pts[22:27],
        "nose_bridge": pts[27:31],
        "nose_tip": pts[31:36],
        "left_eye": pts[36:42],
        "right_eye": pts[42:48],
        "top_lip": pts[48:55] + [pts[64], pts[63], pts[62], pts[61], pts[60]],
        "bottom_lip": pts[54:60]
        + [pts[48], pts[60], pts[67], pts[66], pts[65], pts[64]],
    }
    for name, points in fr.items():
        assert [tuple(p) for p in groups[name]] == points, name


def test_face_landmarks_small_model(img):
    (rect,) = _hog(img)
    shape = dlib.shape_predictor(get_model_path("landmarks_5"))(img, rect)
    L = LandmarkExtractor(n_points=5).fit([img]).landmarks([img])[0]
    groups = landmark_groups(L, convention="image")
    assert set(groups) == {"nose_tip", "left_eye", "right_eye"}
    assert [tuple(p) for p in groups["nose_tip"]] == [
        (shape.part(4).x, shape.part(4).y)
    ]
    assert [tuple(p) for p in groups["left_eye"]] == [
        (shape.part(i).x, shape.part(i).y) for i in (2, 3)
    ]


# -------------------------------------------------------------- encodings
def _fr_encoding(image, shape_model="landmarks_5"):
    """face_recognition.face_encodings(image)[0], computed with dlib."""
    (rect,) = _hog(image)
    shape = dlib.shape_predictor(get_model_path(shape_model))(image, rect)
    net = dlib.face_recognition_model_v1(get_model_path("face_encoder"))
    return np.array(net.compute_face_descriptor(image, shape, 1))


def test_face_encodings(img):
    rows = DlibFaceEncoder().fit([img]).transform_faces([img])
    assert len(rows) == 1 and rows.embeddings.shape == (1, 128)
    np.testing.assert_allclose(rows.embeddings[0], _fr_encoding(img), atol=1e-6)


def test_face_encodings_large_model(img):
    enc = DlibFaceEncoder(shape_model_path="landmarks_68").fit([img])
    E = enc.transform([img])
    assert E.shape == (1, 128)
    np.testing.assert_allclose(E[0], _fr_encoding(img, "landmarks_68"), atol=1e-6)


# -------------------------------------------------------------- distances
@pytest.fixture(scope="module")
def encodings(img):
    """a1..a3: three photos of the astronaut; b1: someone else (LFW)."""
    photos = [
        img,
        np.ascontiguousarray(img[:, ::-1]),  # obama2: another view
        (rescale(img, 0.7, channel_axis=-1) * 255).astype(np.uint8),  # obama3
        lfw_face(12),  # biden
    ]
    return DlibFaceEncoder().fit(photos).transform(photos)


def test_face_distance(encodings):
    a1, a2, a3, b1 = encodings
    d = face_distance([a2, a3, b1], a1)
    assert type(d) is np.ndarray
    assert d[0] <= 0.6 and d[1] <= 0.6 and d[2] > 0.6


def test_face_distance_empty_lists(encodings):
    for empty in ([], np.array([])):
        d = face_distance(empty, encodings[3])
        assert type(d) is np.ndarray and len(d) == 0


def test_compare_faces(encodings):
    a1, a2, a3, b1 = encodings
    matches = list(face_distance([a2, a3, b1], a1) <= 0.6)
    assert matches == [True, True, False]
    # identity_distances <= tolerance: compare_faces per identity
    rec = FaceRecognizer().fit(np.array([a2, a3, b1]), ["a", "a", "b"])
    assert (rec.identity_distances(a1[None])[0] <= 0.6).tolist() == [True, False]
    assert rec.predict(a1[None]).tolist() == ["a"]


def test_compare_faces_empty_lists(encodings):
    for empty in ([], np.array([])):
        assert list(face_distance(empty, encodings[3]) <= 0.6) == []
