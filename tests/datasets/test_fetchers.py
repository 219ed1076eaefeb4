"""The fetch_* wrappers, tested offline: scikit-learn's fetchers are faked."""

import numpy as np
import pytest
import sklearn.datasets
from sklearn.utils import Bunch

from skface.datasets import fetch_lfw_people, fetch_olivetti_faces


@pytest.fixture
def calls(monkeypatch):
    log = {}
    rng = np.random.RandomState(0)

    def fake_lfw(**kwargs):
        log["lfw"] = kwargs
        shape = (3, 62, 47, 3) if kwargs["color"] else (3, 62, 47)
        log["lfw_images"] = rng.uniform(0, 1, shape).astype(np.float32)
        return Bunch(
            images=log["lfw_images"],
            target=np.array([1, 0, 1]),
            target_names=np.array(["Ann", "Ben"]),
            DESCR="fake lfw",
        )

    def fake_olivetti(**kwargs):
        log["olivetti"] = kwargs
        return Bunch(
            images=rng.uniform(0, 1, (20, 64, 64)).astype(np.float32),
            target=np.repeat([0, 1], 10),
            DESCR="fake olivetti",
        )

    monkeypatch.setattr(sklearn.datasets, "fetch_lfw_people", fake_lfw)
    monkeypatch.setattr(sklearn.datasets, "fetch_olivetti_faces", fake_olivetti)
    return log


def test_fetch_lfw_people(calls, tmp_path):
    d = fetch_lfw_people(
        min_faces_per_person=5,
        resize=0.4,
        data_home=tmp_path,
        download_if_missing=False,
    )
    assert calls["lfw"] == {
        "data_home": tmp_path,
        "funneled": True,
        "resize": 0.4,
        "min_faces_per_person": 5,
        "color": True,
        "download_if_missing": False,
    }
    assert d.images.shape == (3, 62, 47, 3) and d.images.dtype == np.uint8
    assert d.images.flags.c_contiguous
    assert d.target.tolist() == [1, 0, 1]
    assert d.target_names.tolist() == ["Ann", "Ben"]
    assert d.DESCR == "fake lfw"


def test_fetch_lfw_people_grey_keeps_values(calls):
    d = fetch_lfw_people(color=False)
    assert d.images.shape == (3, 62, 47)
    assert calls["lfw"]["color"] is False and calls["lfw"]["resize"] == 0.5
    # [0, 1] floats are rounded to the nearest of 0..255.
    expected = np.rint(calls["lfw_images"].astype(np.float64) * 255)
    np.testing.assert_array_equal(d.images, expected)


def test_fetch_olivetti_faces(calls):
    d = fetch_olivetti_faces(download_if_missing=False)
    assert calls["olivetti"] == {
        "data_home": None,
        "shuffle": False,
        "download_if_missing": False,
    }
    assert d.images.shape == (20, 64, 64) and d.images.dtype == np.uint8
    assert d.target.tolist() == [0] * 10 + [1] * 10
    assert d.target_names.tolist() == ["s1", "s2"]
    assert "Olivetti" in d.DESCR
