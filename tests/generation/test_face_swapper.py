"""FaceSwapper (DeepFakes) and FaceAnonymizer(method='swap')."""

import copy
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.base import clone  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402

from skface.autoencoders import FaceAnonymizer  # noqa: E402
from skface.datasets import make_synthetic_faces  # noqa: E402
from skface.generation import FaceSwapper, feature_weight_map  # noqa: E402

TINY = dict(
    chip_size=16,
    # exact-arithmetic tests below; the warp has its own test (and file)
    landmark_warp=0.0,
    width=4,
    max_channels=16,
    n_latent=16,
    max_epochs=2,
    batch_size=8,
    device="cpu",
    random_state=0,
)


@pytest.fixture(scope="module")
def faces():
    return make_synthetic_faces(12, size=64, n_identities=2, random_state=0)


@pytest.fixture(scope="module")
def fitted(faces):
    labels = np.where(faces.target == 0, "ann", "bob")
    return FaceSwapper(**TINY).fit(faces.images, labels)


def test_fit_learns_each_person(fitted, faces):
    assert list(fitted.classes_) == ["ann", "bob"]
    assert fitted.n_faces_fit_.tolist() == np.bincount(faces.target).tolist()
    assert len(fitted.net_.autoencoder_.decoders) == 2
    history = fitted.history_
    assert len(history) == 2
    assert all(np.isfinite(row["reconstruction_loss"]) for row in history)
    assert "discriminator_" not in vars(fitted.net_)


def test_transform_one_photo_per_photo_and_only_the_face_changes(fitted, faces):
    X = faces.images[:4]
    res = fitted.swap(X, target="ann")
    assert res.images.shape == X.shape and res.images.dtype == X.dtype
    assert res.n_faces.tolist() == [1, 1, 1, 1]
    for before, after, mask in zip(X, res.images, res.masks):
        assert mask.any() and not mask.all()
        changed = (before != after).any(axis=2)
        assert changed[mask].mean() > 0.5  # the face is redrawn
        # pixels outside the pasted region are untouched
        np.testing.assert_array_equal(after[~mask], before[~mask])
    np.testing.assert_array_equal(fitted.transform(X, target="ann"), res.images)


def test_swap_chips_targets_and_blends(fitted, faces):
    chips = fitted.extractor_.transform(faces.images[:3])
    a = fitted.swap_chips(chips, target="ann")
    b = fitted.swap_chips(chips, target="bob")
    assert a.shape == chips.shape and a.dtype == np.float32
    assert not np.allclose(a, b)
    np.testing.assert_allclose(fitted.swap_chips(chips, target={"ann": 2.0}), a)
    # blends mix the decoders' outputs (before sharpening, which clips)
    raw = copy.deepcopy(fitted).set_params(sharpen=0.0)
    a0, b0 = (raw.swap_chips(chips, target=t) for t in ("ann", "bob"))
    mean = raw.swap_chips(chips, target=["ann", "bob"])
    np.testing.assert_allclose(mean, 0.5 * (a0 + b0), atol=1e-5)
    np.testing.assert_allclose(fitted.swap_chips(chips), b)  # default: last class
    with pytest.raises(ValueError, match="'carl' is not one of the trained"):
        fitted.swap_chips(chips, target="carl")
    with pytest.raises(ValueError, match="empty"):
        fitted.swap_chips(chips, target=[])
    with pytest.raises(ValueError, match=">= 0"):
        fitted.swap_chips(chips, target={"ann": -1})


def test_sharpen_is_unsharp_masking_of_the_drawn_chips(fitted, faces):
    from scipy.ndimage import gaussian_filter, laplace

    assert fitted.sharpen == 2.0
    chips = fitted.extractor_.transform(faces.images[:3])
    raw = copy.deepcopy(fitted).set_params(sharpen=0.0).swap_chips(chips, "ann")
    sharp = fitted.swap_chips(chips, target="ann")
    sigma = max(1.0, fitted.chip_size / 64)
    blurred = gaussian_filter(raw, (0, sigma, sigma, 0), mode="nearest")
    expected = np.clip(raw + 2.0 * (raw - blurred), 0, 1)
    np.testing.assert_allclose(sharp, expected, atol=1e-5)
    assert sharp.min() >= 0 and sharp.max() <= 1
    detail = [np.var(laplace(c.mean(axis=2))) for c in (raw, sharp)]
    assert detail[1] > 1.3 * detail[0]  # more fine detail
    # the photos get the sharpened faces
    photos = copy.deepcopy(fitted).set_params(sharpen=0.0).transform(faces.images[:2])
    assert not np.array_equal(photos, fitted.transform(faces.images[:2]))
    with pytest.raises(ValueError, match="sharpen"):
        FaceSwapper(sharpen=-1.0, **TINY).fit(faces.images, faces.target)


def test_flip_average_is_the_mean_of_the_chip_and_its_mirror(fitted, faces):
    assert fitted.flip_average is True
    chips = fitted.extractor_.transform(faces.images[:3])
    mirror = chips[:, :, ::-1]
    plain = copy.deepcopy(fitted).set_params(flip_average=False, sharpen=0.0)
    a = plain.swap_chips(chips, "ann")
    b = plain.swap_chips(mirror, "ann")[:, :, ::-1]
    assert not np.allclose(a, b, atol=1e-3)  # one pass is not mirror-symmetric
    averaged = copy.deepcopy(fitted).set_params(sharpen=0.0)
    np.testing.assert_allclose(
        averaged.swap_chips(chips, "ann"), 0.5 * (a + b), atol=1e-5
    )
    # with sharpening too, mirroring the input mirrors the output exactly
    out = fitted.swap_chips(chips, "ann")
    np.testing.assert_allclose(
        fitted.swap_chips(mirror, "ann"), out[:, :, ::-1], atol=1e-5
    )
    # and the photos get it
    photos = (
        copy.deepcopy(fitted).set_params(flip_average=False).transform(faces.images[:2])
    )
    assert not np.array_equal(photos, fitted.transform(faces.images[:2]))
    with pytest.raises(ValueError, match="flip_average"):
        FaceSwapper(flip_average="yes", **TINY).fit(faces.images, faces.target)


def test_default_chip_is_tight(fitted):
    # DeepFakes crops brow to chin; FaceExtractor's own default is 0.25
    assert fitted.extractor_.padding == 0.1
    assert fitted.extractor_.output_size == fitted.chip_size


def test_bad_labels(faces):
    with pytest.raises(ValueError, match="at least two people"):
        FaceSwapper(**TINY).fit(faces.images, np.zeros(12))
    with pytest.raises(ValueError, match="one label per image"):
        FaceSwapper(**TINY).fit(faces.images, [0, 1])
    with pytest.raises(ValueError, match="chip_size"):
        FaceSwapper(**{**TINY, "chip_size": 24}).fit(faces.images, faces.target)


def test_missing_face_policy(fitted, faces):
    blank = np.full((64, 64, 3), 128, np.uint8)
    X = np.stack([faces.images[0], blank])
    with pytest.raises(ValueError, match=r"no face found in X\[1\]"):
        fitted.transform(X)  # on_missing='raise', the default
    kept = clone(fitted).set_params(on_missing="keep")
    kept.fit(faces.images, np.where(faces.target == 0, "ann", "bob"))
    out = kept.transform(X, target="ann")
    np.testing.assert_array_equal(out[1], blank)
    assert not np.array_equal(out[0], X[0])


def test_deterministic_and_save_load(fitted, faces, tmp_path):
    labels = np.where(faces.target == 0, "ann", "bob")
    again = FaceSwapper(**TINY).fit(faces.images, labels)
    chips = fitted.extractor_.transform(faces.images[:2])
    np.testing.assert_array_equal(
        again.swap_chips(chips, "ann"), fitted.swap_chips(chips, "ann")
    )
    path = tmp_path / "swap.safetensors"
    fitted.save(path)
    loaded = FaceSwapper.load(path)
    assert list(loaded.classes_) == ["ann", "bob"]
    np.testing.assert_allclose(
        loaded.swap_chips(chips, "ann"), fitted.swap_chips(chips, "ann"), atol=1e-6
    )
    # the front end comes back too: a loaded swapper swaps photos
    photos = faces.images[:2]
    diff = loaded.transform(photos, "ann").astype(int) - fitted.transform(photos, "ann")
    assert np.abs(diff).max() <= 1


def test_adversarial_term_trains_a_discriminator(faces):
    swap = FaceSwapper(**{**TINY, "adversarial_weight": 0.1, "discriminator_width": 2})
    swap.fit(faces.images, faces.target)
    assert hasattr(swap.net_, "discriminator_")
    row = swap.history_[-1]
    assert np.isfinite(row["discriminator_loss"]) and np.isfinite(
        row["adversarial_loss"]
    )


def test_feature_weight_map(faces):
    masks = np.zeros((1, 64, 64), bool)
    masks[0, 10:54, 10:54] = True
    w = feature_weight_map(masks, faces.landmarks[:1], outside=0.2, features=4.0)
    assert w.dtype == np.float32 and set(np.unique(w)) == {np.float32(0.2), 1.0, 4.0}
    x, y = np.round(faces.landmarks[0, 36:42].mean(0)).astype(int)  # an eye
    assert w[0, y, x] == 4.0
    plain = feature_weight_map(masks, faces.landmarks[:1], features=1.0)
    assert set(np.unique(plain)) == {np.float32(0.1), 1.0}


def test_anonymizer_swap_with_frozen_swapper(fitted, faces):
    X = faces.images[:3]
    anon = FaceAnonymizer(method="swap", swapper=FrozenEstimator(fitted), donor="ann")
    res = anon.fit(X).anonymize(X)
    assert res.n_faces.tolist() == [1, 1, 1]
    np.testing.assert_array_equal(res.images, fitted.transform(X, target="ann"))
    assert anon.swapper_.estimator is fitted  # used as it is, not retrained


def test_anonymizer_swap_trains_its_swapper(faces):
    anon = FaceAnonymizer(
        method="swap", swapper=FaceSwapper(**TINY), donor=[0, 1], random_state=0
    )
    anon.fit(faces.images, faces.target)
    assert anon.swapper_.n_faces_fit_.sum() == 12
    out = anon.transform(faces.images[:2])
    assert out.shape == (2, 64, 64, 3) and not np.array_equal(out, faces.images[:2])


def test_anonymizer_swap_errors(fitted, faces):
    X = faces.images[:2]
    with pytest.raises(ValueError, match="needs a swapper"):
        FaceAnonymizer(method="swap").fit(X)
    with pytest.raises(ValueError, match="pass y"):
        FaceAnonymizer(method="swap", swapper=FaceSwapper(**TINY)).fit(X)
    with pytest.raises(ValueError, match="not one of the trained"):
        FaceAnonymizer(method="swap", swapper=FrozenEstimator(fitted), donor="x").fit(X)


def test_mean_face_prior(fitted, faces):
    chips = np.clip(
        fitted.extractor_.set_params().transform(faces.images).astype(np.float32) / 255,
        0,
        1,
    )
    for k, decoder in enumerate(fitted.net_.autoencoder_.decoders):
        mean = chips[faces.target == k].mean(0)
        mean = 0.5 * (mean + mean[:, ::-1])  # horizontal_flip averages mirrors
        prior = torch.sigmoid(decoder.prior).permute(1, 2, 0).numpy()
        assert np.abs(prior - mean).mean() < 0.02  # uint8 vs float chips
    plain = FaceSwapper(**{**TINY, "mean_face_prior": False, "max_epochs": 1})
    plain.fit(faces.images, faces.target)
    for decoder in plain.net_.autoencoder_.decoders:
        assert float(decoder.prior.abs().max()) == 0.0
    assert not hasattr(fitted, "_mean_faces")  # only lives during fit


def test_score_is_own_decoder_ssim_and_tunes_with_grid_search(fitted, faces):
    from sklearn.model_selection import GridSearchCV

    labels = np.where(faces.target == 0, "ann", "bob")
    score = fitted.score(faces.images, labels)
    assert -1.0 <= score <= 1.0
    # the wrong person's decoder redraws worse than the right one's
    longer = clone(fitted).set_params(max_epochs=30).fit(faces.images, labels)
    swapped = np.where(labels == "ann", "bob", "ann")
    assert longer.score(faces.images, swapped) < longer.score(faces.images, labels)
    with pytest.raises(ValueError, match="not trained on: \\['carl'\\]"):
        fitted.score(faces.images[:2], ["ann", "carl"])
    with pytest.raises(ValueError, match="one label per image"):
        fitted.score(faces.images[:2], ["ann"])
    search = GridSearchCV(
        FaceSwapper(**TINY), {"max_epochs": [1, 3]}, cv=2, error_score="raise"
    )
    search.fit(faces.images, labels)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_save_load_keeps_a_custom_extractor(faces, tmp_path):
    from skface.alignment import FaceExtractor

    labels = np.where(faces.target == 0, "ann", "bob")
    extractor = FaceExtractor(alignment="eyes", padding=0.3)
    sw = FaceSwapper(extractor=extractor, **TINY).fit(faces.images, labels)
    path = tmp_path / "swap.safetensors"
    sw.save(path)
    again = FaceSwapper.load(path, device="cpu")
    assert again.extractor_.get_params()["alignment"] == "eyes"
    np.testing.assert_array_equal(
        again.transform(faces.images[:2], target="ann"),
        sw.transform(faces.images[:2], target="ann"),
    )


def test_collapse_rule():
    from skface.generation._swap import _collapse

    # bench_swap at 128 px and lr 5e-4: a plateau at twice the best loss
    assert _collapse([0.44, 0.42, 0.416, 0.84, 0.84]) == (0.416, 3, 0.84)
    assert _collapse([0.44, 0.42, 0.40, 0.39]) is None  # learning
    assert _collapse([0.44, 0.42, 0.84, 0.40]) is None  # one bad epoch
    assert _collapse([0.44, 0.90]) is None  # too short to tell
    assert _collapse([0.30, 0.44, 0.44], factor=1.5) is None  # below 1.5x


def _saturate_after(n_epochs):
    """A skorch callback that makes the loss jump after ``n_epochs`` (a collapse)."""
    from skorch.callbacks import Callback

    class Saturate(Callback):
        def on_epoch_end(self, net, **kwargs):
            jumped = len(net.history) > n_epochs
            net.history.record("reconstruction_loss", 0.9 if jumped else 0.3)

    return Saturate()


def test_fit_warns_when_the_training_collapses(faces):
    from sklearn.exceptions import ConvergenceWarning

    swap = FaceSwapper(**{**TINY, "max_epochs": 4, "callbacks": [_saturate_after(2)]})
    with pytest.warns(ConvergenceWarning, match=r"rose from 0\.300 \(epoch 1\)"):
        swap.fit(faces.images, faces.target)
    # a run that learns does not warn
    steady = FaceSwapper(**{**TINY, "max_epochs": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        steady.fit(faces.images, faces.target)


def test_landmark_warp_warps_the_sharpened_drawing(fitted, faces, monkeypatch):
    # the warp itself is tested in test_landmark_warp.py (a tiny model's
    # drawings are not faces dlib can place landmarks on); here: what it gets
    import skface.generation._swap as swap_module

    assert FaceSwapper().landmark_warp == 0.25  # the default
    chips = fitted.extractor_.transform(faces.images[:3])
    drawn = fitted.swap_chips(chips, "ann")
    calls = []

    def spy(drawings, sources, landmark_extractor, *, strength, padding, keep_jaw):
        calls.append((drawings.copy(), sources.copy(), landmark_extractor))
        assert (strength, padding, keep_jaw) == (0.5, 0.1, True)
        return 1.0 - drawings, np.zeros(len(drawings))

    monkeypatch.setattr(swap_module, "warp_to_source_landmarks", spy)
    warping = copy.deepcopy(fitted).set_params(landmark_warp=0.5)
    warped = warping.swap_chips(chips, "ann")
    ((drawings, sources, landmark_extractor),) = calls
    np.testing.assert_allclose(drawings, drawn, atol=1e-6)  # after sharpening
    scale = 255.0 if chips.dtype == np.uint8 else 1.0
    np.testing.assert_allclose(sources, chips / scale, atol=1e-6)
    assert landmark_extractor is warping.extractor_.landmark_extractor_
    np.testing.assert_allclose(warped, 1.0 - drawn, atol=1e-6)
    # the photos get the warped chips
    photos = warping.transform(faces.images[:2], target="ann")
    assert not np.array_equal(photos, fitted.transform(faces.images[:2], target="ann"))
    with pytest.raises(ValueError, match="landmark_warp"):
        FaceSwapper(**{**TINY, "landmark_warp": 1.5}).fit(faces.images, faces.target)


def test_landmark_warp_with_a_five_point_extractor(faces):
    from skface.alignment import FaceExtractor
    from skface.landmarks import LandmarkExtractor

    extractor = FaceExtractor(landmark_extractor=LandmarkExtractor(5), padding=0.1)
    params = {**TINY, "landmark_warp": 0.25, "extractor": extractor}
    swapper = FaceSwapper(**params).fit(faces.images, faces.target)
    assert swapper.extractor_.landmark_extractor_.n_points == 5
    out = swapper.transform(faces.images[:3], target=0)
    assert out.shape == faces.images[:3].shape
