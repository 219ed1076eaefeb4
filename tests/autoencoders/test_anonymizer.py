"""FaceAnonymizer: one photo out per photo in, faces replaced, rest untouched."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from skface.autoencoders import FaceAnonymizer, LatentDecoder, latent_features
from skface.autoencoders._anonymizer import _mirror
from skface.datasets import make_synthetic_faces


def _anonymizer(**kwargs):
    decoder = LatentDecoder(
        32,
        width=4,
        max_channels=32,
        max_epochs=4,
        lr=3e-3,
        batch_size=8,
        device="cpu",
    )
    params = dict(decoder=decoder, method="generate", random_state=0, on_missing="keep")
    params.update(kwargs)
    return FaceAnonymizer(**params)


@pytest.fixture(scope="module")
def photos():
    faces = make_synthetic_faces(10, size=64, random_state=0)
    return faces.images


@pytest.fixture(scope="module")
def fitted(photos):
    return _anonymizer().fit(photos)


@pytest.fixture(scope="module")
def blank():
    rng = np.random.RandomState(1)
    return (rng.uniform(size=(64, 64, 3)) * 40 + 100).astype(np.uint8)


def test_latent_features_and_mirror():
    faces = make_synthetic_faces(3, size=32, random_state=0)
    F = latent_features(faces.images, faces.landmarks, thumbnail_size=8)
    assert F.shape == (3, 136 + 192)
    np.testing.assert_allclose(F[:, :136], faces.landmarks.reshape(3, -1) / 32 - 0.5)
    chips, L = _mirror(faces.images, faces.landmarks)
    np.testing.assert_array_equal(chips[:, :, 0], faces.images[:, :, -1])
    # re-indexed: points 36-41 are still the eye on the image's left, and
    # the mirrored point 36 is where point 45 was, reflected
    assert (L[:, 36:42, 0].mean(1) < L[:, 42:48, 0].mean(1)).all()
    np.testing.assert_allclose(L[:, 36, 0], 31 - faces.landmarks[:, 45, 0])
    np.testing.assert_allclose(L[:, 36, 1], faces.landmarks[:, 45, 1])
    back_chips, back = _mirror(chips, L)
    np.testing.assert_allclose(back, faces.landmarks)
    np.testing.assert_array_equal(back_chips, faces.images)


def test_one_photo_out_per_photo_in_with_a_faceless_photo(fitted, photos, blank):
    X = [photos[0], blank, photos[1]]
    res = fitted.anonymize(X)
    out = res.images
    assert out.shape == (3, 64, 64, 3) and out.dtype == np.uint8
    assert res.n_faces.tolist() == [1, 0, 1]
    np.testing.assert_array_equal(out[1], blank)  # kept as it is
    assert not res.masks[1].any()
    np.testing.assert_array_equal(fitted.transform(X), out)


def test_on_missing_raise_names_the_photo(fitted, photos, blank):
    anon = clone(fitted).set_params(on_missing="raise", k=2)
    anon.fit(photos[:4])
    with pytest.raises(ValueError, match=r"no face found in X\[1\]"):
        anon.transform([photos[0], blank])
    with pytest.raises(ValueError, match="no face found in any"):
        _anonymizer().fit([blank, blank])


def test_face_replaced_and_background_untouched(fitted, photos):
    res = fitted.anonymize(photos[:4])
    for k in range(4):
        diff = np.abs(res.images[k].astype(int) - photos[k].astype(int)).max(axis=2)
        mask = res.masks[k]
        assert mask.sum() > 300
        assert diff[mask].mean() > 5  # a new face, not the old one
        # far from the face (beyond 4 pixels of the blend region): unchanged
        far = np.ones_like(mask)
        ys, xs = np.nonzero(mask)
        far[
            max(ys.min() - 4, 0) : ys.max() + 5, max(xs.min() - 4, 0) : xs.max() + 5
        ] = 0
        assert far.sum() > 200
        assert (diff[far] == 0).all()


def test_every_face_of_a_photo_is_replaced(fitted, photos):
    two = np.concatenate([photos[0], photos[1]], axis=1)  # 64x128, two faces
    res = fitted.anonymize([two])
    assert res.n_faces.tolist() == [2]
    diff = np.abs(res.images[0].astype(int) - two.astype(int)).max(axis=2)
    assert diff[:, :64].mean() > 2 and diff[:, 64:].mean() > 2
    one = clone(fitted).set_params(faces="largest").fit(photos)
    assert one.anonymize([two]).n_faces.tolist() == [1]


def test_grey_and_float_photos(fitted, photos):
    grey = photos[:2].mean(axis=3).astype(np.uint8)
    out = fitted.transform(grey)
    assert out.shape == (2, 64, 64, 3) and out.dtype == np.uint8
    out = fitted.transform(photos[:2] / 255.0)
    assert out.dtype == np.float64 and out.min() >= 0 and out.max() <= 1


def test_same_seed_same_output_and_pickle(fitted, photos):
    again = _anonymizer().fit(photos)
    np.testing.assert_array_equal(
        again.transform(photos[:3]), fitted.transform(photos[:3])
    )
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.transform(photos[:3]), fitted.transform(photos[:3])
    )
    assert fitted.n_faces_fit_ == 10
    assert fitted.decoder_.n_features_in_ == 136 + 192


def test_k_same_hides_the_training_face(fitted, photos):
    """k > 1: a training face no longer comes back as itself."""
    plain = pickle.loads(pickle.dumps(fitted)).set_params(k=1)
    own = plain.anonymize(photos[:6])
    assert own.neighbors is None
    res = fitted.anonymize(photos[:6])
    assert fitted.k == 5 and res.neighbors.shape == (6, 5)
    # photo i holds training face i: it is never among its own neighbours
    for i in range(6):
        assert i not in res.neighbors[i]
        assert len(set(res.neighbors[i])) == 5
    true = own.records.chips.astype(float) / 255
    d_plain = np.abs(own.chips - true).mean(axis=(1, 2, 3))
    d_ksame = np.abs(res.chips - true).mean(axis=(1, 2, 3))
    assert d_ksame.mean() > d_plain.mean() + 0.005
    # same contract as k=1: one photo per photo, background untouched
    assert res.images.shape == own.images.shape == photos[:6].shape
    for k in range(6):
        same = res.images[k] == photos[k]
        assert same[~res.masks[k]].mean() > 0.9


def test_k_same_thumbnail_keeps_the_mean_colour(fitted, photos):
    thumbs = fitted.appearance_[:3] * 0.5 + 0.2  # not training faces
    mixed, nearest = fitted._k_same(thumbs)
    assert nearest.shape == (3, 5) and mixed.shape == thumbs.shape
    np.testing.assert_allclose(
        mixed.reshape(3, -1, 3).mean(1), thumbs.reshape(3, -1, 3).mean(1), atol=1e-6
    )
    assert not np.allclose(mixed, thumbs)


def test_k_larger_than_the_training_faces_raises(fitted, photos):
    copy = pickle.loads(pickle.dumps(fitted)).set_params(k=11)
    with pytest.raises(ValueError, match=r"k=11 is larger than the number of "):
        copy.transform(photos[:1])
    with pytest.raises(ValueError, match=r"k=5 is larger than the number of "):
        _anonymizer().fit(photos[:3])
    assert _anonymizer(k=3).fit(photos[:3]).appearance_.shape == (3, 192)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"k": 0}, "k"),
        ({"thumbnail_size": 0}, "thumbnail_size"),
        ({"on_missing": "nan"}, "on_missing"),
        ({"faces": "first"}, "faces"),
        ({"decoder": "big"}, "decoder"),
    ],
)
def test_parameter_validation(photos, params, match):
    with pytest.raises(ValueError, match=match):
        _anonymizer(**params).fit(photos[:2])


def test_nested_params_reach_the_decoder(photos):
    anon = _anonymizer(k=2).set_params(decoder__max_epochs=2)
    assert anon.get_params()["decoder__max_epochs"] == 2
    assert anon.fit(photos[:4]).decoder_.n_iter_ == 2
