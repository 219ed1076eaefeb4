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
from skface.restoration.masks._base import BaseMaskGenerator


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


def _tamper(clf, tmp_path, edit):
    path = tmp_path / "model.safetensors"
    clf.save(path)
    tensors, metadata = _read(path)
    edit(metadata, tensors)
    os.remove(path)
    save_file(tensors, str(path), metadata=metadata)
    return path


def _set_json(field, key, value):
    def edit(m, t):
        data = json.loads(m[field])
        data[key] = value
        m[field] = json.dumps(data)

    return edit


@pytest.mark.parametrize(
    "edit",
    [
        _set_json("params", "max_epochs", [1, 2]),  # an int param as a list
        _set_json("params", "hidden_layer_sizes", {"__dict__": [[1, 2]]}),
        _set_json("params", "hidden_layer_sizes", "wide"),
        _set_json("params", "no_such_param", 3),
        _set_json("params", "optimizer", {"__class__": 7}),
        _set_json("params", "lr", {"__ndarray__": [1], "dtype": "bogus"}),
        _set_json("params", "lr", {"__ndarray__": [1], "dtype": "O"}),
        _set_json("params", "lr", {"__tuple__": 5}),
        _set_json("params", "lr", {"__param_object__": "os.system", "params": {}}),
        _set_json("attributes", "n_features_in_", "four"),
        _set_json("attributes", "n_features_in_", [4, 4]),
        _set_json("attributes", "classes_", 3),
        _set_json("attributes", "_net_class", 1),
        lambda m, t: m.update({"params": "[1, 2]"}),
        lambda m, t: m.update({"params": "{not json"}),
        lambda m, t: m.update({"attributes": "null"}),
        lambda m, t: m.update({"modules": '"module"'}),
        lambda m, t: m.update({"modules": "[1]"}),
        lambda m, t: m.update({"history": '{"epoch": 1}'}),
        lambda m, t: m.update({"history": "[1, 2]"}),
        lambda m, t: m.pop("class"),
        lambda m, t: m.update({"class": "skface.neural._base.BaseNeuralEstimator"}),
        lambda m, t: m.update({"class": "skface.neural.Face2VecClassifier.fit"}),
        lambda m, t: m.update({"class": "skface.restoration.masks.CenterSquare"}),
    ],
)
def test_tampered_metadata_types_are_value_errors_naming_the_file(
    fitted, tmp_path, edit
):
    # Defect 5.6: wrong types in the metadata raised TypeError/KeyError.
    clf, _ = fitted
    path = _tamper(clf, tmp_path, edit)
    with pytest.raises(ValueError) as info:
        load_model(path)
    assert str(path) in str(info.value)
    assert not isinstance(info.value, (TypeError, KeyError))


def test_cuda_saved_model_loads_and_refits_on_the_cpu(fitted, tmp_path, monkeypatch):
    # Defect 5.5: a model saved with device='cuda' loaded on a CPU machine but
    # kept device='cuda', so refitting it failed.
    clf, X = fitted
    y, pred = np.where(X["w"] > 0, "alice", "bob"), clf.predict(X)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    cuda = Face2VecClassifier(**{**clf.get_params(), "device": "cuda"})
    for name in ("classes_", "n_features_in_", "feature_names_in_", "net_"):
        setattr(cuda, name, getattr(clf, name))
    path = tmp_path / "cuda.safetensors"
    cuda.save(path)
    assert json.loads(_read(path)[1]["params"])["device"] == "cuda"

    loaded = load_model(path, device="cpu")
    assert loaded.device == "cpu" and str(loaded.net_.device) == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), pred)
    loaded.set_params(max_epochs=1).fit(X, y)  # refits where it was loaded
    assert loaded.n_iter_ == 1

    auto = Face2VecClassifier.load(path, device="auto")
    assert auto.device == "auto" and str(auto.net_.device) == "cpu"
    auto.set_params(max_epochs=1, warm_start=True).fit(X, y)
    assert auto.n_iter_ == len(clf.history_) + 1

    with pytest.warns(UserWarning, match="not available; loading on the CPU"):
        fallback = load_model(path)
    assert fallback.device == "cpu"
    fallback.set_params(max_epochs=1).fit(X, y)

    with pytest.raises(ValueError, match="CUDA is not available"):
        load_model(path, device="cuda")


class PublicMasks(BaseMaskGenerator):
    """A user's mask generator: registered on definition, so it saves."""

    _parameter_constraints: dict = {"size": "no_validation"}

    def __init__(self, size=0.5):
        self.size = size

    def _generate_one(self, shape, rng, landmarks):
        mask = np.zeros(shape, dtype=bool)
        mask[: int(shape[0] * self.size)] = True
        return mask


def test_registry_replaces_the_allow_lists(tmp_path):
    from skface.restoration.masks import CenterSquare
    from skface.utils._registry import (
        NEURAL_ESTIMATORS,
        PARAMETER_OBJECTS,
        lookup_class,
        registered_classes,
    )

    estimators = registered_classes(NEURAL_ESTIMATORS)
    assert estimators["skface.neural._face2vec.Face2VecClassifier"] is (
        Face2VecClassifier
    )
    assert not any(name.rpartition(".")[2].startswith("_") for name in estimators)
    masks = registered_classes(PARAMETER_OBJECTS)
    assert CenterSquare in masks.values() and PublicMasks in masks.values()
    # a class moved to another module of its subpackage is still found
    assert (
        lookup_class(NEURAL_ESTIMATORS, "skface.neural._moved.Face2VecClassifier")
        is Face2VecClassifier
    )
    assert lookup_class(NEURAL_ESTIMATORS, "skface.neural._base.OPTIMIZERS") is None

    class _Private(BaseMaskGenerator):
        pass

    assert _Private not in registered_classes(PARAMETER_OBJECTS).values()


def test_inpainter_with_a_registered_mask_generator_round_trips(tmp_path):
    from skface.datasets import make_synthetic_faces
    from skface.restoration import FaceInpainter

    faces = make_synthetic_faces(4, size=16, random_state=0).images
    inp = FaceInpainter(
        image_size=16, width=2, max_epochs=1, masks=PublicMasks(0.25), random_state=0
    ).fit(faces)
    path = tmp_path / "inp.safetensors"
    inp.save(path)
    loaded = load_model(path)
    assert isinstance(loaded.masks, PublicMasks) and loaded.masks.size == 0.25
    np.testing.assert_array_equal(loaded.transform(faces), inp.transform(faces))
    # a mask class that is not registered is refused by name
    tensors, metadata = _read(path)
    metadata["params"] = metadata["params"].replace(
        "test_persistence.PublicMasks", "test_persistence.Unknown"
    )
    os.remove(path)
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(ValueError, match="not a registered skface parameter object"):
        load_model(path)


def test_no_function_level_skface_imports_in_neural():
    # The _base <-> _persistence cycle is gone: every skface import of
    # skface.neural sits at module level.
    import ast
    from pathlib import Path

    import skface.neural

    for path in Path(skface.neural.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (
                    node.level or (node.module or "").startswith("skface")
                ):
                    raise AssertionError(f"{path.name}:{node.lineno} imports lazily")
