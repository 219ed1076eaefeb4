"""FaceAutoencoder: shapes, validation, determinism, persistence, pipelines."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from skface.autoencoders import FaceAutoencoder
from skface.datasets import load_lfw_subset, make_synthetic_faces

TINY = dict(width=4, batch_size=8, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def faces():
    return make_synthetic_faces(24, size=32, random_state=0).images


@pytest.fixture(scope="module")
def fitted(faces):
    return FaceAutoencoder(8, input_size=32, max_epochs=2, **TINY).fit(faces)


def test_shapes_rgb(fitted, faces):
    codes = fitted.transform(faces)
    assert codes.shape == (24, 8) and codes.dtype == np.float32
    images = fitted.inverse_transform(codes)
    assert images.shape == (24, 64, 64, 3) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    np.testing.assert_allclose(fitted.reconstruct(faces), images, atol=1e-5)
    assert fitted.score_samples(faces).shape == (24,)
    assert np.isfinite(fitted.score(faces))
    assert fitted.n_channels_ == 3 and fitted.input_size_ == 32


def test_linear_embedding_takes_both_signs(fitted, faces):
    codes = fitted.transform(faces)
    assert (codes < 0).any() and (codes > 0).any()


def test_grey_input_any_size_and_rgb_conversion(faces):
    grey = faces.mean(axis=-1).astype(np.uint8)  # (n, 32, 32)
    ae = FaceAutoencoder(4, input_size=32, output_size=128, max_epochs=1, **TINY).fit(
        grey
    )
    assert ae.n_channels_ == 1
    assert ae.reconstruct(grey).shape == (24, 128, 128)
    # other sizes are resized; RGB input to a grey model is converted to grey
    mixed = [np.zeros((40, 50), np.uint8), faces[0], np.ones((20, 20, 3))]
    assert ae.transform(mixed).shape == (3, 4)
    luma = (faces[:2].astype(np.float64) @ [0.299, 0.587, 0.114]).round()
    np.testing.assert_allclose(
        ae.transform(faces[:2]), ae.transform(luma.astype(np.uint8)), atol=1e-5
    )


@pytest.mark.parametrize(
    "params, match",
    [
        ({"embedding_dim": 0}, r"'embedding_dim'.*range \[1, 512\).*Got 0"),
        ({"embedding_dim": 512}, r"'embedding_dim'.*range \[1, 512\).*Got 512"),
        ({"encoder": "alexnet"}, "'encoder'"),
        ({"output_size": 96}, "'output_size'"),
        ({"loss": "huber"}, "'loss'"),
        ({"max_shift": -1}, "'max_shift'"),
        ({"linear_lr_scale": -0.5}, "'linear_lr_scale'"),
        ({"encoder": "hyperface", "input_size": 32}, "input_size=32 is too small"),
    ],
)
def test_parameter_validation(faces, params, match):
    with pytest.raises(ValueError, match=match):
        FaceAutoencoder(**{"max_epochs": 1, **TINY, **params}).fit(faces)


def test_inverse_transform_checks_code_width(fitted):
    with pytest.raises(ValueError, match="embedding_dim=8"):
        fitted.inverse_transform(np.zeros((2, 5)))


def test_deterministic_and_global_rng_untouched(faces):
    def fit():
        return FaceAutoencoder(8, input_size=32, max_epochs=1, **TINY).fit(faces)

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = fit()
    assert torch.equal(torch.rand(3), expected)  # caller's RNG not advanced
    b = fit()
    for (name, pa), pb in zip(
        a.net_.module_.state_dict().items(), b.net_.module_.state_dict().values()
    ):
        assert torch.equal(pa, pb), name
    c = FaceAutoencoder(8, input_size=32, max_epochs=1, **{**TINY, "random_state": 1})
    c.fit(faces)
    assert not np.allclose(a.transform(faces), c.transform(faces))


def test_save_load_and_pickle_round_trip(fitted, faces, tmp_path):
    expected = fitted.transform(faces)
    path = tmp_path / "ae.safetensors"
    fitted.save(path)
    loaded = FaceAutoencoder.load(path)
    np.testing.assert_array_equal(loaded.transform(faces), expected)
    np.testing.assert_array_equal(loaded.input_mean_, fitted.input_mean_)
    assert loaded.n_channels_ == 3
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.transform(faces), expected)
    np.testing.assert_array_equal(clone.reconstruct(faces), fitted.reconstruct(faces))


def test_training_reduces_the_error_and_warm_start_continues(faces):
    ae = FaceAutoencoder(
        16, input_size=32, max_epochs=1, linear_path="none", **{**TINY, "width": 8}
    )
    before = ae.fit(faces).score(faces)
    ae.set_params(warm_start=True, max_epochs=15).fit(faces)
    assert ae.n_iter_ == 16
    losses = ae.history_[:, "train_loss"]
    assert losses[-1] < 0.8 * losses[0]
    assert ae.score(faces) > before + 1  # dB


def test_score_samples_is_relative_error_and_tells_faces_from_non_faces():
    """Relative error: LFW non-faces (often smooth) and noise score below faces."""
    from sklearn.metrics import roc_auc_score

    lfw = load_lfw_subset()
    faces, others = lfw.images[lfw.target == 1], lfw.images[lfw.target == 0]
    noise = np.random.default_rng(0).random((30, 25, 25))
    ae = FaceAutoencoder(16, input_size=32, max_epochs=3, **TINY).fit(faces[:70])
    scores = ae.score_samples(np.concatenate([faces[70:], noise]))
    assert roc_auc_score(np.r_[np.ones(30), np.zeros(30)], scores) > 0.95
    assert scores.max() <= 0
    scores = ae.score_samples(np.concatenate([faces[70:], others]))
    labels = np.r_[np.ones(30), np.zeros(len(others))]
    assert roc_auc_score(labels, scores) > 0.65  # plain -MSE: about 0.4
    # the documented definition
    recon = ae.reconstruct(others[:5]).astype(np.float64)
    target = ae._inputs_targets(others[:5], inputs=False)[0][:, 0]
    err = ((recon - target) ** 2).mean(axis=(1, 2))
    expected = -err / (target.var(axis=(1, 2)) + 1e-3)
    np.testing.assert_allclose(ae.score_samples(others[:5]), expected, rtol=1e-5)


def test_shift_augmentation_moves_inputs_and_targets_together():
    from skface.nn._autoencoder import _shift_batch, _shift_pair

    x = torch.zeros(2, 1, 8, 8)
    x[:, 0, 4, 4] = 1
    out = _shift_batch(x, torch.tensor([1, -2]), torch.tensor([0, 3]))
    assert out[0, 0, 5, 4] == 1 and out[1, 0, 2, 7] == 1 and out.sum() == 2
    big = torch.zeros(1, 1, 16, 16)
    big[0, 0, 8, 8] = 1
    xs, ys = _shift_pair(big, x[:1], torch.tensor([1]), torch.tensor([-1]))
    assert xs[0, 0, 10, 6] == 1 and ys[0, 0, 5, 3] == 1  # 2 input px per target px
    # the PCA initialisation sees the same augmentation: 2 x 9 copies
    ae = FaceAutoencoder(4, max_shift=2)
    inputs, targets = ae._augment(
        np.ones((3, 1, 16, 16), np.float32), np.ones((3, 1, 8, 8), np.float32)
    )
    assert inputs.shape == (54, 1, 16, 16) and targets.shape == (54, 1, 8, 8)


def test_linear_lr_scale_zero_freezes_the_pca_path(faces):
    ae = FaceAutoencoder(8, input_size=32, max_epochs=2, linear_lr_scale=0, **TINY)
    ae.fit(faces)
    frozen = ae.net_.module_.linear_decoder.weight.detach().clone()
    assert not ae.net_.module_.decoder.deconvs[-1].weight.eq(0).all()  # conv trains
    ae2 = FaceAutoencoder(8, input_size=32, max_epochs=1, lr=1e-12, **TINY).fit(faces)
    np.testing.assert_allclose(
        frozen, ae2.net_.module_.linear_decoder.weight.detach(), atol=1e-6
    )


def test_linear_path_starts_at_pca():
    """With lr ~ 0 the model is PCA: same reconstruction of unseen faces."""
    from sklearn.decomposition import PCA

    grey = make_synthetic_faces(40, size=64, random_state=2).images.mean(-1) / 255
    train, test = grey[:30], grey[30:]
    ae = FaceAutoencoder(
        8, max_epochs=1, lr=1e-12, horizontal_flip=False, max_shift=0, **TINY
    ).fit(train)
    pca = PCA(8).fit(train.reshape(30, -1))
    expected = pca.inverse_transform(pca.transform(test.reshape(10, -1)))
    got = ae.reconstruct(test).reshape(10, -1)
    np.testing.assert_allclose(got, np.clip(expected, 0, 1), atol=2e-3)
    plain = FaceAutoencoder(8, max_epochs=1, linear_path="none", **TINY).fit(train)
    assert plain.net_.module_.linear_encoder is None


def test_grid_search_over_embedding_dim_uses_score(faces):
    search = GridSearchCV(
        FaceAutoencoder(input_size=32, max_epochs=3, **TINY),
        {"embedding_dim": [1, 32]},
        cv=2,
    )
    search.fit(faces)
    # score is PSNR: one number cannot hold a face as well as 32 can
    assert search.best_params_ == {"embedding_dim": 32}
    means = search.cv_results_["mean_test_score"]
    assert means[1] > means[0] and 5 < means[0] < 60


def test_pipeline_face_extractor_autoencoder_svc():
    from skface.alignment import FaceExtractor

    data = make_synthetic_faces(12, size=96, n_identities=2, random_state=3)
    pipe = make_pipeline(
        FaceExtractor(output_size=64),
        FaceAutoencoder(embedding_dim=64, encoder="dcgan", max_epochs=2, **TINY),
        SVC(),
    )
    pipe.fit(data.images, data.target)
    pred = pipe.predict(data.images)
    assert pred.shape == (12,) and set(pred) <= {0, 1}
    assert pipe[1].transform(pipe[0].transform(data.images[:3])).shape == (3, 64)


def test_hyperface_encoder_one_step():
    """The seed's encoder at 227x227: fusion at 7x7, one tiny training step."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (2, 227, 227, 3), dtype=np.uint8)
    ae = FaceAutoencoder(
        16,
        encoder="hyperface",
        max_epochs=1,
        batch_size=2,
        width=4,
        random_state=0,
        device="cpu",
    ).fit(X)
    assert ae.input_size_ == 227
    enc = ae.net_.module_.encoder
    x = torch.rand(2, 3, 227, 227)
    with torch.no_grad():
        enc.eval()
        p1 = enc.pool1(enc.conv1(x))
        c3 = enc.conv3(enc.pool2(enc.conv2(p1)))
        assert p1.shape == (2, 96, 27, 27) and c3.shape == (2, 384, 13, 13)
        assert enc.side1(p1).shape == (2, 256, 7, 7)
        assert enc.side3(c3).shape == (2, 256, 7, 7)
        assert enc.pool5(enc.conv5(enc.conv4(c3))).shape == (2, 256, 7, 7)
        assert enc.features(x).shape == (2, 192, 7, 7)
    assert ae.transform(X).shape == (2, 16)
    assert ae.reconstruct(X).shape == (2, 64, 64, 3)
