"""ConditionalGAN: conditions, mirroring, shifting, persistence, validation."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skface.datasets import make_synthetic_faces  # noqa: E402
from skface.generation import (  # noqa: E402
    LANDMARK_SUBSETS,
    ConditionalGAN,
    mirror_landmarks,
)
from skface.generation._conditional import (  # noqa: E402
    CHIP_BOX,
    _detect_landmarks,
    _subset_mirror,
)
from skface.nn import (  # noqa: E402
    LandmarkDiscriminator,
    LandmarkGenerator,
    diff_augment,
    landmark_heatmaps,
    mirror_condition,
    shift_condition,
)

TINY = dict(
    n_latent=4,
    image_size=8,
    width=2,
    max_epochs=2,
    batch_size=4,
    device="cpu",
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    return make_synthetic_faces(8, size=32, random_state=0)


@pytest.fixture(scope="module")
def fitted(data):
    return ConditionalGAN(**TINY).fit(data.images, data.landmarks)


def _scaled(data, size=8):
    """The training landmarks in pixels of a ``size``-pixel image."""
    return (data.landmarks + 0.5) * size / 32 - 0.5


# -- conditions are used ----------------------------------------------------


def test_sample_shape_range_and_seed(fitted, data):
    L = _scaled(data)[:5]
    a = fitted.sample(L, random_state=1)
    assert a.shape == (5, 8, 8, 3) and a.dtype == np.float32
    assert a.min() >= 0 and a.max() <= 1
    np.testing.assert_array_equal(a, fitted.sample(L, random_state=1))
    assert not np.array_equal(a, fitted.sample(L, random_state=2))


def test_same_latent_code_different_landmarks_gives_different_faces(fitted, data):
    L = _scaled(data)
    # an int seed gives the same latent code to the first row of each call
    a = fitted.sample(L[:1], random_state=0)
    moved = fitted.sample(L[:1] + [1.5, -1.0], random_state=0)
    other = fitted.sample(L[3:4], random_state=0)
    np.testing.assert_array_equal(a, fitted.sample(L[:1].copy(), random_state=0))
    assert np.abs(moved - a).max() > 1e-3
    assert np.abs(other - a).max() > 1e-3


def test_same_condition_and_latent_give_the_same_face(fitted, data):
    L = _scaled(data)[:3]
    Z = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    cond = fitted._conditions(L, np.full((3, 2), 8))
    np.testing.assert_array_equal(
        fitted._generate(cond, Z), fitted._generate(cond.copy(), Z.copy())
    )
    # one row alone gives the same face as in the batch (no batch statistics)
    np.testing.assert_allclose(
        fitted._generate(cond[1:2], Z[1:2])[0], fitted._generate(cond, Z)[1], atol=1e-6
    )


def test_generator_and_discriminator_read_the_condition():
    torch.manual_seed(0)
    groups = [[0, 1], [2]]
    g = LandmarkGenerator(4, 3, groups, image_size=16, width=4).eval()
    d = LandmarkDiscriminator(3, groups, image_size=16, width=4).eval()
    z = torch.randn(1, 4).repeat(2, 1)
    c = torch.tensor(
        [[-0.5, -0.5, 0.5, -0.5, 0.0, 0.5], [-0.4, -0.5, 0.4, -0.5, 0.0, 0.3]]
    )
    x = g(z, c)
    assert not torch.allclose(x[0], x[1])
    s = d(x[:1].repeat(2, 1, 1, 1), c)
    assert s[0] != s[1]


def test_heatmaps_peak_at_their_landmarks():
    # pixel (x=5, y=2) of an 8-pixel image: 2 (x + 0.5) / 8 - 1
    p = torch.tensor([[[2 * 5.5 / 8 - 1, 2 * 2.5 / 8 - 1], [0.0, 0.0]]])
    maps = landmark_heatmaps(p, torch.tensor([[1.0, 0.0], [0.0, 1.0]]), 8, 0.1)
    assert maps.shape == (1, 2, 8, 8)
    assert divmod(int(maps[0, 0].argmax()), 8) == (2, 5)  # (row, column)
    assert maps[0, 0].max() == pytest.approx(1.0)


# -- mirroring --------------------------------------------------------------


def test_mirror_landmarks_swaps_sides():
    L = np.random.default_rng(0).uniform(0, 63, (2, 68, 2))
    M = mirror_landmarks(L, 64)
    np.testing.assert_allclose(M[:, 36], np.c_[63 - L[:, 45, 0], L[:, 45, 1]])
    np.testing.assert_allclose(M[:, 0], np.c_[63 - L[:, 16, 0], L[:, 16, 1]])
    np.testing.assert_allclose(M[:, 48], np.c_[63 - L[:, 54, 0], L[:, 54, 1]])
    np.testing.assert_allclose(M[:, 30], np.c_[63 - L[:, 30, 0], L[:, 30, 1]])
    np.testing.assert_allclose(M[:, 66], np.c_[63 - L[:, 66, 0], L[:, 66, 1]])
    np.testing.assert_allclose(mirror_landmarks(M, 64), L)
    for name in ("10", "5"):  # a subset mirrors like the same points of 68
        idx = list(LANDMARK_SUBSETS[name])
        np.testing.assert_allclose(mirror_landmarks(L[:, idx], 64), M[:, idx])
    with pytest.raises(ValueError, match="68, 10 or 5"):
        mirror_landmarks(L[:, :7], 64)


def test_mirror_landmarks_match_dlib_on_a_mirrored_photo():
    from skimage.data import astronaut

    from skface.landmarks import LandmarkExtractor

    face = astronaut()[40:220, 130:310]
    mirrored = np.ascontiguousarray(face[:, ::-1])
    extractor = LandmarkExtractor().fit([face])
    L, Lm = extractor.landmarks([face, mirrored])
    err = np.linalg.norm(mirror_landmarks(Lm[None], face.shape[1])[0] - L, axis=1)
    iod = np.linalg.norm(L[36] - L[45])
    assert np.mean(err) < 0.05 * iod
    # the identity permutation (a flip without re-indexing) is far off
    flipped = Lm.copy()
    flipped[:, 0] = face.shape[1] - 1 - flipped[:, 0]
    assert np.mean(np.linalg.norm(flipped - L, axis=1)) > 0.2 * iod


@pytest.mark.parametrize("name", ["68", "10", "5"])
def test_flip_condition_is_mirror_landmarks(name):
    est = ConditionalGAN(image_size=16, landmarks=name, thumbnail_size=2)
    rng = np.random.default_rng(0)
    L = rng.uniform(0, 15, (3, 68, 2))
    images = list(rng.uniform(0, 1, (3, 16, 16, 3)).astype(np.float32))
    sizes = np.full((3, 2), 16)
    cond = est._conditions(L, sizes, images)
    perm = torch.as_tensor(_subset_mirror(LANDMARK_SUBSETS[name]))
    got = mirror_condition(torch.as_tensor(cond), perm, 2).numpy()
    idx = list(LANDMARK_SUBSETS[name])
    mirrored = [np.ascontiguousarray(im[:, ::-1]) for im in images]
    expected = est._conditions(mirror_landmarks(L[:, idx], 16), sizes, mirrored)
    np.testing.assert_allclose(got, expected, atol=1e-5)


# -- shifting ----------------------------------------------------------------


def test_shift_condition_follows_diff_augment_translation():
    size, n = 16, 6
    rng = np.random.default_rng(0)
    pix = rng.integers(4, 12, (n, 1, 2))
    images = -torch.ones(n, 1, size, size)
    for i, (x, y) in enumerate(pix[:, 0]):
        images[i, 0, y, x] = 1.0
    cond = torch.as_tensor(2.0 * (pix + 0.5) / size - 1.0, dtype=torch.float32)
    cond = cond.reshape(n, 2)
    gen = torch.Generator().manual_seed(3)
    moved, shift = diff_augment(images, "translation", generator=gen, return_shift=True)
    assert shift.abs().sum() > 0
    new = shift_condition(cond, shift, 1, size).numpy()
    got = (new + 1.0) * size / 2 - 0.5  # back to pixels
    for i in range(n):
        y, x = divmod(int(moved[i, 0].argmax()), size)
        np.testing.assert_allclose(got[i], [x, y], atol=1e-5)
    # the thumbnail part is kept
    extra = torch.cat([cond, torch.ones(n, 3)], 1)
    np.testing.assert_array_equal(
        shift_condition(extra, shift, 1, size)[:, 2:].numpy(), np.ones((n, 3))
    )


# -- fit, persistence, determinism -------------------------------------------


def test_history_records_every_loss(fitted):
    row = fitted.history_[-1]
    for key in (
        "generator_loss",
        "discriminator_loss",
        "penalty",
        "landmark_loss",
        "landmark_net_loss",
        "train_loss",
    ):
        assert np.isfinite(row[key])
    assert row["landmark_loss"] > 0 and fitted.n_iter_ == 2
    assert fitted.n_points_ == 68
    assert row["mode_seeking_loss"] > 0  # on by default (weight 1)


def test_mode_seeking_term(data, monkeypatch):
    from skface.generation._conditional import _ConditionalGANNet

    images, L = data.images, data.landmarks
    est = ConditionalGAN(**TINY, mode_seeking_weight=2.0).fit(images, L)
    rows = [row for epoch in est.history_ for row in epoch["batches"]]
    values = [row["mode_seeking_loss"] for row in rows]
    assert all(np.isfinite(values)) and min(values) > 0
    # 0 turns it off: nothing recorded, no second generator pass
    off = ConditionalGAN(**TINY, mode_seeking_weight=0.0).fit(images, L)
    assert all(
        row["mode_seeking_loss"] == 0 for e in off.history_ for row in e["batches"]
    )
    # the term is the weight over the two fakes' spread relative to codes'
    net = est.net_
    fake = torch.zeros(3, 3, 8, 8)
    monkeypatch.setattr(
        _ConditionalGANNet, "generate", lambda self, module, z, c: fake + 0.5
    )
    ratio = 0.5 / (2.0 / np.sqrt(np.pi))
    value = float(net.mode_seeking(fake, torch.zeros(3, net.n_points * 2)))
    assert value == pytest.approx(2.0 / (ratio + 1e-5), rel=1e-5)
    with pytest.raises(ValueError, match="mode_seeking_weight"):
        ConditionalGAN(**TINY, mode_seeking_weight=-1.0).fit(images, L)


def test_fit_is_deterministic_and_pickles(data, fitted):
    L = _scaled(data)[:3]
    again = ConditionalGAN(**TINY).fit(data.images, data.landmarks)
    np.testing.assert_array_equal(
        again.sample(L, random_state=0), fitted.sample(L, random_state=0)
    )
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        clone.sample(L, random_state=0), fitted.sample(L, random_state=0)
    )


def test_save_load_gives_the_same_samples(fitted, data, tmp_path):
    path = tmp_path / "cgan.safetensors"
    fitted.save(path)
    loaded = ConditionalGAN.load(path)
    L = _scaled(data)[:3]
    np.testing.assert_array_equal(
        loaded.sample(L, random_state=0), fitted.sample(L, random_state=0)
    )
    assert loaded.n_points_ == 68


def test_thumbnail_subset_warm_start_and_verbose(data, capsys):
    est = ConditionalGAN(
        **{**TINY, "max_epochs": 1, "verbose": 2},
        landmarks="10",
        thumbnail_size=2,
        landmark_weight=0.0,
        warm_start=True,
    ).fit(data.images, data.landmarks)
    assert "epoch" in capsys.readouterr().out
    est.fit(data.images, data.landmarks)
    assert est.n_iter_ == 2 and est.n_points_ == 10
    assert est.history_[-1]["landmark_loss"] == 0
    L10 = _scaled(data)[:2][:, list(LANDMARK_SUBSETS["10"])]
    red = np.zeros((2, 4, 4, 3))
    red[..., 0] = 1
    a = est.sample(L10, thumbnails=red, random_state=0)
    b = est.sample(L10, thumbnails=1 - red, random_state=0)
    assert a.shape == (2, 8, 8, 3) and not np.array_equal(a, b)


def test_fit_without_landmarks_detects_them(data):
    est = ConditionalGAN(**{**TINY, "max_epochs": 1}, landmarks="5")
    est.fit(data.images[:4])
    assert est.transform(data.images[:2]).shape == (2, 8, 8, 3)
    again = ConditionalGAN(**{**TINY, "max_epochs": 1}, landmarks="5")
    regenerated = again.fit_transform(data.images[:4], data.landmarks[:4])
    np.testing.assert_array_equal(
        regenerated, again.transform(data.images[:4], landmarks=data.landmarks[:4])
    )
    assert est.score_samples(data.images[:3]).shape == (3,)
    grey = est.fit(data.images[:4].mean(axis=3).astype(np.uint8))
    assert grey.sample(np.full((1, 5, 2), 4.0)).shape == (1, 8, 8)


def test_undetected_chips_get_the_chip_box():
    blank = [np.full((40, 40, 3), 0.5, dtype=np.float32)]
    L = _detect_landmarks(blank)
    assert L.shape == (1, 68, 2) and np.isfinite(L).all()
    left, top, right, bottom = np.multiply(CHIP_BOX, 40)
    assert left <= L[0, :, 0].mean() <= right and top <= L[0, :, 1].mean() <= bottom


# -- validation --------------------------------------------------------------


@pytest.mark.parametrize(
    "landmarks, match",
    [
        (np.zeros((2, 68)), "shape"),
        (np.zeros((0, 68, 2)), "shape"),
        (np.zeros((2, 7, 2)), "68 points or 68"),
        (np.full((1, 68, 2), np.nan), "NaN"),
        (None, "shape"),
    ],
)
def test_sample_rejects_bad_landmarks(fitted, landmarks, match):
    with pytest.raises(ValueError, match=match):
        fitted.sample(landmarks)


def test_bad_training_landmarks_and_options(data):
    with pytest.raises(ValueError, match="68 points or 5"):
        ConditionalGAN(**TINY, landmarks="5").fit(data.images, data.landmarks[:, :7])
    with pytest.raises(ValueError):
        ConditionalGAN(**TINY).fit(data.images, data.landmarks[:3])
    with pytest.raises(ValueError, match="landmarks"):
        ConditionalGAN(**TINY, landmarks="12").fit(data.images, data.landmarks)
    est = ConditionalGAN(**{**TINY, "max_epochs": 1}, thumbnail_size=2)
    est.fit(data.images, data.landmarks)
    with pytest.raises(ValueError, match="thumbnails"):
        est.sample(_scaled(data)[:2])
    with pytest.raises(ValueError, match="2 sets"):
        est.sample(_scaled(data)[:2], thumbnails=data.images[:3])
