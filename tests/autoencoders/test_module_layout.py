"""Models pickled before a module split still load (class paths kept)."""

import pickle

import pytest

pytest.importorskip("torch")

from skface.autoencoders import _autoencoder_net, _face_autoencoder  # noqa: E402


@pytest.mark.parametrize("name", ["_AutoencoderNet", "_LRSchedule"])
def test_pre_split_class_paths_still_resolve(name):
    cls = getattr(_autoencoder_net, name)
    old = cls.__module__
    cls.__module__ = "skface.autoencoders._face_autoencoder"  # the old home
    try:
        data = pickle.dumps(cls)
    finally:
        cls.__module__ = old
    assert b"skface.autoencoders._face_autoencoder" in data
    assert pickle.loads(data) is cls is getattr(_face_autoencoder, name)
