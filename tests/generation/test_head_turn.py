"""HeadTurnGenerator: one yaw-conditioned network, frames drawn from the source."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skface.alignment import FaceExtractor  # noqa: E402
from skface.datasets import (  # noqa: E402
    load_sample_images,
    make_head_turn_pairs,
    make_synthetic_faces,
)
from skface.generation import HeadTurnGenerator  # noqa: E402
from skface.landmarks import LandmarkExtractor, estimate_head_pose  # noqa: E402
from skface.utils import resize  # noqa: E402

TINY = dict(
    image_size=16,
    width=2,
    n_yaw_features=4,
    max_epochs=2,
    batch_size=8,
    synthetic_yaws=(-20, 0, 20),
    device="cpu",
    random_state=0,
)


@pytest.fixture(scope="module")
def faces():
    return make_synthetic_faces(6, size=64, random_state=0)


@pytest.fixture(scope="module")
def fitted(faces):
    return HeadTurnGenerator(**TINY).fit(faces.images, landmarks=faces.landmarks)


def test_fit_on_synthetic_views(fitted):
    # 6 faces and their views at 3 yaws
    assert fitted.n_images_fit_ == 6 * 4
    assert fitted.n_channels_ == 3
    assert fitted.yaw_range_[0] == -20 and fitted.yaw_range_[1] == 20
    assert len(fitted.history_) == 2
    assert all(np.isfinite(row["train_loss"]) for row in fitted.history_)
    assert fitted.net_.train_data is None  # the data is not kept


def test_transform_shapes(fitted, faces):
    frames = fitted.transform(faces.images[:3])
    assert frames.shape == (3, 9, 16, 16, 3) and frames.dtype == np.float32
    assert frames.min() >= 0 and frames.max() <= 1
    assert fitted.transform(faces.images[:2], yaws=[5]).shape == (2, 1, 16, 16, 3)
    gen = HeadTurnGenerator(**{**TINY, "frame_yaws": (-10, 10)})
    gen.fit(faces.images, landmarks=faces.landmarks)
    assert gen.transform(faces.images[:2]).shape == (2, 2, 16, 16, 3)


def test_frames_are_not_chained(fitted, faces):
    """Frame k is drawn from the source alone: the same with or without the
    other frames, in any order."""
    yaws = np.array([-20.0, -5.0, 10.0, 20.0])
    frames = fitted.transform(faces.images[:3], yaws)
    for k, yaw in enumerate(yaws):
        alone = fitted.transform(faces.images[:3], yaws=[yaw])[:, 0]
        np.testing.assert_allclose(frames[:, k], alone, atol=1e-6)
    backwards = fitted.transform(faces.images[:3], yaws[::-1])
    np.testing.assert_allclose(backwards[:, ::-1], frames, atol=1e-6)
    assert not np.allclose(frames[:, 0], frames[:, -1])


def test_sample_sequence(fitted, faces):
    seq = fitted.sample_sequence(faces.images[1], yaws=[-20, 0, 20])
    np.testing.assert_allclose(
        seq, fitted.transform(faces.images[1:2], [-20, 0, 20])[0], atol=1e-6
    )
    loop = fitted.sample_sequence(faces.images[1], yaws=[-20, 0, 20], pingpong=True)
    assert loop.shape == (4, 16, 16, 3)
    np.testing.assert_array_equal(loop[3], loop[1])
    with pytest.raises(ValueError, match="one image"):
        fitted.sample_sequence(faces.images[:2])


def test_deterministic_for_a_fixed_random_state(fitted, faces):
    again = HeadTurnGenerator(**TINY).fit(faces.images, landmarks=faces.landmarks)
    np.testing.assert_array_equal(
        again.transform(faces.images[:2]), fitted.transform(faces.images[:2])
    )
    other = HeadTurnGenerator(**{**TINY, "random_state": 1})
    other.fit(faces.images, landmarks=faces.landmarks)
    assert not np.array_equal(
        other.transform(faces.images[:2]), fitted.transform(faces.images[:2])
    )


def test_save_load_restores_the_network_and_the_front_end(fitted, faces, tmp_path):
    path = tmp_path / "turn.safetensors"
    fitted.save(path)
    loaded = HeadTurnGenerator.load(path)
    np.testing.assert_array_equal(
        loaded.transform(faces.images[:2]), fitted.transform(faces.images[:2])
    )
    a = fitted.turn_head(faces.images[:1], yaws=[-20, 20])
    b = loaded.turn_head(faces.images[:1], yaws=[-20, 20])
    np.testing.assert_array_equal(a.images, b.images)


def test_turn_head_on_photos(fitted, faces):
    photos = faces.images[:2]
    res = fitted.turn_head(photos, yaws=[-20, 0, 20])
    assert res.images.shape == (2, 3, 64, 64, 3) and res.images.dtype == np.uint8
    assert res.n_faces.tolist() == [1, 1] and res.owner.tolist() == [0, 1]
    assert res.chips.shape == (2, 3, 16, 16, 3)
    np.testing.assert_array_equal(res.yaws, [-20, 0, 20])
    for photo, frames, mask in zip(photos, res.images, res.masks):
        assert mask.any() and not mask.all()
        for frame in frames:  # only the face is redrawn
            np.testing.assert_array_equal(frame[~mask], photo[~mask])
        assert (frames != photo).any()


def test_turn_head_pastes_the_whole_head_not_only_the_face(fitted, faces):
    # pasting only the source's face mask left the photo's own eyes and mouth
    # beside the turned ones; the pasted region now covers the face mask and
    # the rest of the chip (hair, outline)
    photos = faces.images[:2]
    res = fitted.turn_head(photos, yaws=[20])
    rec = fitted.extractor_.extract(list(photos))
    face = HeadTurnGenerator._photo_masks(list(photos), rec, np.arange(2))
    for pasted, face_mask in zip(res.masks, face):
        assert face_mask.any()
        assert np.all(pasted[face_mask])
        assert pasted.sum() > 1.3 * face_mask.sum()


def test_turn_head_all_or_largest_face(fitted, faces):
    big = resize(faces.images[1], (96, 96)).astype(np.uint8)
    small = np.zeros_like(big)
    small[16:80, 16:80] = faces.images[0]
    photo = np.concatenate([small, big], axis=1)  # a 64 px and a 96 px face
    both = fitted.turn_head([photo], yaws=[20])
    assert both.n_faces.tolist() == [2]
    largest = HeadTurnGenerator(**TINY, faces="largest")
    one = largest.fit(faces.images, landmarks=faces.landmarks).turn_head(
        [photo], yaws=[20]
    )
    assert one.n_faces.tolist() == [1]
    mask = one.masks[0]
    assert mask[:, 96:].any() and not mask[:, :96].any()  # the 96 px face only


def test_turn_head_on_missing(fitted, faces):
    blank = np.zeros((2, 48, 48, 3), np.uint8)
    with pytest.raises(ValueError, match=r"no face found in X\[0\]"):
        fitted.turn_head(blank)
    keep = HeadTurnGenerator(**{**TINY, "on_missing": "keep"})
    keep.fit(faces.images, landmarks=faces.landmarks)
    res = keep.turn_head(blank, yaws=[-10, 10])
    assert res.n_faces.tolist() == [0, 0] and res.chips is None
    np.testing.assert_array_equal(res.images, np.repeat(blank[:, None], 2, axis=1))


def test_fit_on_real_yaws_with_groups(faces):
    views = make_head_turn_pairs(
        faces.images, [-20, 0, 20], landmarks=faces.landmarks, source_yaws=np.zeros(6)
    )
    gen = HeadTurnGenerator(**TINY).fit(views.images, views.yaws, groups=views.groups)
    assert gen.n_images_fit_ == 18
    assert gen.transform(faces.images[:1]).shape == (1, 9, 16, 16, 3)
    with pytest.raises(ValueError, match="needs groups"):
        HeadTurnGenerator(**TINY).fit(views.images, views.yaws)
    with pytest.raises(ValueError, match="without y"):
        HeadTurnGenerator(**TINY).fit(views.images, groups=views.groups)
    with pytest.raises(ValueError, match="17 yaws for 18 images"):
        HeadTurnGenerator(**TINY).fit(views.images, views.yaws[1:], groups=views.groups)
    bad = views.yaws.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="y must be finite"):
        HeadTurnGenerator(**TINY).fit(views.images, bad, groups=views.groups)


def test_grey_model(faces):
    grey = faces.images.mean(axis=3).astype(np.uint8)
    gen = HeadTurnGenerator(**TINY).fit(grey, landmarks=faces.landmarks)
    assert gen.n_channels_ == 1
    frames = gen.transform(grey[:2], yaws=[-10, 10])
    assert frames.shape == (2, 2, 16, 16)
    # RGB input to a grey model is converted
    assert gen.transform(faces.images[:2], yaws=[0]).shape == (2, 1, 16, 16)


def test_condition_on_source(faces):
    gen = HeadTurnGenerator(**{**TINY, "condition_on_source": True})
    gen.fit(faces.images, landmarks=faces.landmarks)
    a = gen.transform(faces.images[:2], [10], source_yaws=[0, 0])
    b = gen.transform(faces.images[:2], [10], source_yaws=[-20, -20])
    assert a.shape == (2, 1, 16, 16, 3) and not np.allclose(a, b)
    est = gen.estimate_source_yaws(faces.images[:2])
    assert est.shape == (2,) and np.isfinite(est).all()
    with pytest.raises(ValueError, match="source_yaws"):
        gen.transform(faces.images[:2], [10], source_yaws=[0])


@pytest.mark.parametrize("yaws", [[], [np.nan], [[1, 2]]])
def test_bad_yaws(fitted, faces, yaws):
    with pytest.raises(ValueError, match="yaws"):
        fitted.transform(faces.images[:1], yaws=yaws)


def test_faces_without_landmarks_are_skipped(faces):
    L = faces.landmarks.copy()
    L[2] = np.nan
    with pytest.warns(UserWarning, match="1 of 6 training faces"):
        gen = HeadTurnGenerator(**TINY).fit(faces.images, landmarks=L)
    assert gen.n_images_fit_ == 5 * 4
    with pytest.raises(ValueError, match="no landmarks found in any"):
        HeadTurnGenerator(**TINY).fit(faces.images, landmarks=L * np.nan)


@pytest.mark.slow
def test_yaw_conditioning_turns_the_face_monotonically():
    """The landmark-estimated yaw of the frames grows with the commanded yaw.

    A small model fitted (about 6 CPU seconds) to the synthetic views of one
    real face (scikit-image's astronaut, aligned by FaceExtractor); the
    frames' landmarks by dlib, their yaw by estimate_head_pose.
    """
    astronaut = load_sample_images().images[0]
    rec = FaceExtractor(96).fit([astronaut]).extract([astronaut])
    gen = HeadTurnGenerator(
        48,
        width=8,
        n_yaw_features=8,
        max_epochs=120,
        lr=2e-3,
        batch_size=4,
        horizontal_flip=False,
        synthetic_yaws=(-25, 0, 25),
        device="cpu",
        random_state=0,
    ).fit(rec.chips, landmarks=rec.landmarks)
    yaws = np.array([-25.0, -12.0, 0.0, 12.0, 25.0])
    frames = gen.transform(rec.chips, yaws)[0]
    big = np.stack([resize(f, (128, 128)) for f in frames])  # dlib's scale
    lm = LandmarkExtractor(on_missing="nan").fit(big[:1])
    estimated = estimate_head_pose(lm.landmarks(big))[:, 0]
    missed = ~np.isfinite(estimated)  # HOG misses a turned 48 px face at times:
    if missed.any():  # its landmarks in the chip's face box instead
        box = np.array([[0.125, 0.055, 0.836, 0.758]]) * 128
        L = lm.landmarks(big[missed], boxes=np.repeat(box, missed.sum(), axis=0))
        estimated[missed] = estimate_head_pose(L)[:, 0]
    assert missed.sum() <= 1, estimated
    assert np.isfinite(estimated).all()
    assert np.all(np.diff(estimated) > 0), estimated
    assert estimated[-1] - estimated[0] > 20, estimated  # measured: 38 degrees
