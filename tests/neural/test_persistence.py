"""save/load of neural estimators: round trip, and refusing tampered files."""

import json
import os
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.exceptions import NotFittedError
from skorch.callbacks import EpochTimer

from skface.neural import BaseNeuralEstimator, Face2VecClassifier, load_model


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.normal(size=(60, 4)), columns=["w", "x", "y", "z"])
    y = np.where(X["w"] > 0, "alice", "bob")
    clf = Face2VecClassifier(
        (8, 4),
        optimizer=torch.optim.Adamax,
        class_weight={"alice": 2.0, "bob": 1.0},
        max_epochs=3,
        validation_fraction=0.2,
        random_state=0,
    ).fit(X, y)
    return clf, X


def _read(path):
    with safe_open(str(path), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, dict(f.metadata())


def test_round_trip(fitted, tmp_path):
    clf, X = fitted
    path = tmp_path / "model.safetensors"
    clf.save(path)
    for loaded in (load_model(path), Face2VecClassifier.load(path)):
        assert type(loaded) is Face2VecClassifier
        assert loaded.get_params() == clf.get_params()
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
        assert loaded.classes_.tolist() == ["alice", "bob"]
        assert loaded.feature_names_in_.tolist() == ["w", "x", "y", "z"]
        assert list(loaded.history_) == json.loads(json.dumps(list(clf.history_)))
        assert str(loaded.net_.device) == "cpu"
    tensors, metadata = _read(path)
    assert set(tensors) == {f"module.{k}" for k in clf.net_.module_.state_dict()}
    assert json.loads(metadata["params"])["optimizer"] == {
        "__class__": "torch.optim.adamax.Adamax"
    }
    with pytest.raises(ValueError, match="not a .*BaseNeuralEstimator"):
        BaseNeuralEstimator.load(path)


def test_what_is_not_saved(tmp_path):
    clf = Face2VecClassifier((4,), max_epochs=1, callbacks=[EpochTimer()])
    with pytest.raises(NotFittedError):
        clf.save(tmp_path / "m.safetensors")
    clf.fit(np.eye(4), [0, 1, 0, 1])
    with pytest.warns(UserWarning, match="callbacks are not saved"):
        clf.save(tmp_path / "m.safetensors")
    assert load_model(tmp_path / "m.safetensors").callbacks is None


class _Payload:
    """Unpickling this would create a file: the attack a pickle allows."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_payloads_are_refused(fitted, tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ValueError, match="not a skface model file"):
        load_model(evil)
    # A torch.save file is a pickle too (a zip of one).
    torch.save({"module.output.weight": _Payload(str(marker))}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="not a skface model file"):
        load_model(tmp_path / "evil.pt")
    # A pickle appended to or spliced into a valid file.
    clf, _ = fitted
    clf.save(tmp_path / "ok.safetensors")
    good = (tmp_path / "ok.safetensors").read_bytes()
    spliced = tmp_path / "spliced.safetensors"
    spliced.write_bytes(good[:8] + pickle.dumps(_Payload(str(marker))) + good[8:])
    with pytest.raises(ValueError, match="not a skface model file"):
        load_model(spliced)
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="not a skface model file"):
        load_model(truncated)
    assert not marker.exists()


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda m, t: m.update({"class": "os.system"}), "refusing to load estimator"),
        (lambda m, t: m.update({"class": "skface.utils.check_images"}), "refusing"),
        (lambda m, t: m.update({"class": "skface.nothing.Here"}), "refusing"),
        (lambda m, t: m.update({"format": "pickle"}), "not a skface model"),
        (lambda m, t: m.pop("params"), "corrupt"),
        (
            lambda m, t: m.update(
                {
                    "params": m["params"].replace(
                        "torch.optim.adamax.Adamax", "os.system"
                    )
                }
            ),
            "not a torch.optim class",
        ),
        (
            lambda m, t: m.update(
                {
                    "params": m["params"].replace(
                        "torch.optim.adamax.Adamax", "torch.optim.os.system"
                    )
                }
            ),
            "not a torch.optim optimizer",
        ),
        (
            lambda m, t: t.update({"module.output.weight": torch.zeros(3, 3)}),
            "do not fit",
        ),
        (lambda m, t: t.pop("module.output.bias"), "do not fit"),
    ],
)
def test_tampered_metadata_or_weights_are_refused(fitted, tmp_path, edit, match):
    clf, _ = fitted
    path = tmp_path / "model.safetensors"
    clf.save(path)
    tensors, metadata = _read(path)
    edit(metadata, tensors)
    os.remove(path)
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(ValueError, match=match):
        load_model(path)
