from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skface.datasets import load_image_folder


def _save(path, shape=(10, 8, 3), value=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(shape, value, dtype=np.uint8)).save(path)


@pytest.fixture
def people(tmp_path):
    _save(tmp_path / "bob" / "b1.png", value=30)
    _save(tmp_path / "alice" / "x.jpg", shape=(12, 12, 3), value=10)
    _save(tmp_path / "alice" / "a.png", value=20)
    _save(tmp_path / "alice" / ".hidden.png")
    (tmp_path / "alice" / "notes.txt").write_text("not an image")
    (tmp_path / "empty").mkdir()
    return tmp_path


def test_subfolders(people):
    d = load_image_folder(people)
    assert d.target_names.tolist() == ["alice", "bob"]
    assert d.target.tolist() == [0, 0, 1]
    names = [Path(p).parts[-2:] for p in d.filenames]
    assert names == [("alice", "a.png"), ("alice", "x.jpg"), ("bob", "b1.png")]
    assert [img.shape for img in d.images] == [(10, 8, 3), (12, 12, 3), (10, 8, 3)]
    assert d.images[0].dtype == np.uint8 and d.images[2].max() == 30
    assert "3 images" in d.DESCR
    # 'folder' is what 'auto' picked; asking for it gives the same result.
    again = load_image_folder(people, labels="folder")
    assert again.filenames == d.filenames


def test_flat_with_filename_labels(tmp_path):
    for name in ["alice_001.png", "alice-2.PNG", "Bob Smith 03.png", "carol.png"]:
        _save(tmp_path / name)
    d = load_image_folder(tmp_path, labels="filename")
    labels = d.target_names[d.target].tolist()
    by_file = dict(zip([Path(f).name for f in d.filenames], labels, strict=True))
    assert by_file == {
        "Bob Smith 03.png": "Bob Smith",
        "alice-2.PNG": "alice",
        "alice_001.png": "alice",
        "carol.png": "carol",
    }
    assert d.target_names.tolist() == ["Bob Smith", "alice", "carol"]


def test_flat_unlabelled_and_auto(tmp_path):
    _save(tmp_path / "a1.png")
    _save(tmp_path / "b1.png", shape=(6, 6))  # grey stays grey
    for labels in (None, "auto"):
        d = load_image_folder(tmp_path, labels=labels)
        assert d.target is None and d.target_names is None
        assert len(d.images) == 2 and d.images[1].shape == (6, 6)


def test_lazy_returns_paths_without_reading(tmp_path):
    _save(tmp_path / "p" / "ok.png")
    (tmp_path / "p" / "broken.png").write_bytes(b"not a png")
    d = load_image_folder(tmp_path, lazy=True)
    assert d.images == d.filenames and all(isinstance(f, str) for f in d.images)
    with pytest.raises(ValueError, match="broken.png"):
        load_image_folder(tmp_path)


def test_extensions_filter(people):
    d = load_image_folder(people, extensions=("png",))
    assert [f.endswith(".png") for f in d.filenames] == [True, True]
    assert d.target.tolist() == [0, 1]


def test_root_images_ignored_with_subfolders_warn(people):
    _save(people / "stray.png")
    with pytest.warns(UserWarning, match="1 image"):
        d = load_image_folder(people)
    assert not any(f.endswith("stray.png") for f in d.filenames)


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_image_folder(tmp_path / "missing")
    (tmp_path / "file.png").write_bytes(b"")
    with pytest.raises(ValueError, match="is not a folder"):
        load_image_folder(tmp_path / "file.png")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no image"):
        load_image_folder(empty)
    with pytest.raises(ValueError, match="labels must be one of"):
        load_image_folder(tmp_path, labels="folders")
    digits = tmp_path / "digits"
    _save(digits / "001.png")
    with pytest.raises(ValueError, match="'001.png'"):
        load_image_folder(digits, labels="filename")
    nested = tmp_path / "nested"
    _save(nested / "alice" / "1.png")
    with pytest.raises(ValueError, match="sub-folders hold images: True"):
        load_image_folder(nested, labels=None)
