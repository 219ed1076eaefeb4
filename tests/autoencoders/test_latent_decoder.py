"""LatentDecoder: shapes, validation, determinism, persistence, learning."""

import numpy as np
import pytest
import torch

from skface.autoencoders import LatentDecoder
from skface.datasets import make_synthetic_faces
from skface.nn import PixelShuffleDecoder


@pytest.fixture(scope="module")
def data():
    faces = make_synthetic_faces(24, size=32, random_state=0)
    X = faces.landmarks.reshape(24, -1) / 32
    return X, faces.images


def _dec(**kwargs):
    params = dict(
        output_size=16,
        width=4,
        max_channels=16,
        max_epochs=3,
        lr=3e-3,
        batch_size=8,
        device="cpu",
        random_state=0,
    )
    params.update(kwargs)
    return LatentDecoder(**params)


def _weights(est):
    return {k: v.clone() for k, v in est.net_.module_.state_dict().items()}


def test_module_shapes():
    net = PixelShuffleDecoder(7, output_size=32, n_channels=1, width=4)
    assert net(torch.zeros(3, 7)).shape == (3, 1, 32, 32)
    out = PixelShuffleDecoder(7, output_size=8, width=2)(torch.randn(2, 7))
    assert out.shape == (2, 3, 8, 8)
    assert float(out.min()) >= 0 and float(out.max()) <= 1


def test_predict_shapes_dtype_and_range(data):
    X, chips = data
    dec = _dec().fit(X, chips)  # 32x32 chips resized to 16
    out = dec.predict(X[:5])
    assert out.shape == (5, 16, 16, 3) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert dec.n_features_in_ == X.shape[1] and dec.n_channels_ == 3
    grey = _dec().fit(X, chips.mean(axis=3) / 255)
    assert grey.predict(X[:2]).shape == (2, 16, 16)
    # a list of differently sized chips works too
    mixed = [chips[0], chips[1][:20, :20]] + list(chips[2:])
    assert _dec(max_epochs=1).fit(X, mixed).predict(X[:1]).shape == (1, 16, 16, 3)


def test_fit_lowers_the_l1_loss_and_beats_the_mean(data):
    X, chips = data
    dec = _dec(max_epochs=40).fit(X, chips)
    loss = dec.history_[:, "train_loss"]
    assert loss[-1] < 0.7 * loss[0]
    # better than predicting the mean chip for every row
    y = dec._check_chips(chips, len(X)).transpose(0, 2, 3, 1)
    mean_psnr = -10 * np.log10(((y - y.mean(0)) ** 2).mean())
    assert dec.score(X, chips) > mean_psnr + 1.0


@pytest.mark.parametrize(
    "params, match",
    [
        ({"output_size": 24}, "4 times a power of two"),
        ({"output_size": 4}, "output_size"),
        ({"width": 0}, "width"),
        ({"loss": "hinge"}, "loss"),
        ({"max_epochs": 0}, "max_epochs"),
    ],
)
def test_parameter_validation(data, params, match):
    X, chips = data
    with pytest.raises(ValueError, match=match):
        _dec(**params).fit(X, chips)


def test_bad_inputs_raise(data):
    X, chips = data
    with pytest.raises(ValueError, match="requires y"):
        _dec().fit(X, None)
    with pytest.raises(ValueError, match="images of shape"):
        _dec().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="feature rows"):
        _dec().fit(X, chips[:5])
    bad = X.copy()
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _dec().fit(bad, chips)
    dec = _dec(max_epochs=1).fit(X, chips)
    with pytest.raises(ValueError, match="features"):
        dec.predict(X[:, :5])


def test_same_seed_same_weights(data):
    X, chips = data
    a, b = _dec().fit(X, chips), _dec().fit(X, chips)
    for key, value in _weights(a).items():
        assert torch.equal(value, _weights(b)[key]), key
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    c = _dec(random_state=1).fit(X, chips)
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_save_load_round_trip(data, tmp_path):
    X, chips = data
    dec = _dec().fit(X, chips)
    path = tmp_path / "decoder.safetensors"
    dec.save(path)
    loaded = LatentDecoder.load(path)
    np.testing.assert_array_equal(loaded.predict(X), dec.predict(X))
    np.testing.assert_array_equal(loaded.feature_mean_, dec.feature_mean_)
    assert loaded.get_params() == dec.get_params()


def test_warm_start_continues(data):
    X, chips = data
    dec = _dec(max_epochs=2, warm_start=True).fit(X, chips)
    mean = dec.feature_mean_.copy()
    dec.fit(X + 1.0, chips)  # standardisation of the first fit is kept
    assert dec.n_iter_ == 4
    np.testing.assert_array_equal(dec.feature_mean_, mean)
