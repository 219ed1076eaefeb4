"""skface detect / encode / recognize / anonymize / inpaint."""

import csv
import io

import numpy as np
import pytest
from PIL import Image

from skface.alignment import FaceExtractor
from skface.autoencoders import FaceAnonymizer
from skface.cli import main
from skface.datasets import load_sample_images
from skface.detection import HOGFaceDetector
from skface.landmarks import LandmarkExtractor

ASTRONAUT_FACE = (175, 76, 266, 167)  # HOG's box of the astronaut's face


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """in/astro.jpg (a face, plus a patch HOG takes for one), in/sub/camera.png
    (no face), in/broken.jpg (not an image)."""
    root = tmp_path_factory.mktemp("photos")
    astronaut, camera = load_sample_images().images
    (root / "in" / "sub").mkdir(parents=True)
    Image.fromarray(astronaut).save(root / "in" / "astro.png")
    Image.fromarray(camera).save(root / "in" / "sub" / "camera.png")
    (root / "in" / "broken.jpg").write_text("not a jpeg")
    return root, astronaut


def _lines(text):
    return [line for line in text.splitlines() if line.strip()]


def _no_traceback(err):
    assert "Traceback" not in err


def test_detect_folder_bad_input_and_no_face(photos, capsys):
    root, _ = photos
    code = main(["detect", "--quiet", str(root / "in"), str(root / "missing.jpg")])
    out, err = capsys.readouterr()
    assert code == 0
    lines = [line.split(",") for line in _lines(out)]
    assert {line[0] for line in lines} == {str(root / "in" / "astro.png")}
    box = np.array(lines[0][1:5], float)
    assert np.abs(box - ASTRONAUT_FACE).max() <= 2
    warnings = _lines(err)
    assert any("missing.jpg: no such file or folder" in w for w in warnings)
    assert any("broken.jpg" in w and "not an image" in w for w in warnings)
    assert any("camera.png: no face found" in w for w in warnings)
    assert all(w.startswith("skface detect: warning:") for w in warnings)
    _no_traceback(err)


def test_detect_nothing_readable_exits_1(photos, capsys):
    root, _ = photos
    code = main(["detect", "--quiet", str(root / "in" / "broken.jpg")])
    err = capsys.readouterr().err
    assert code == 1
    assert _lines(err)[-1].startswith("skface detect: error:")
    _no_traceback(err)
    assert main(["detect", "--quiet", str(root / "nothing")]) == 1


def test_detect_csv_and_out(photos, tmp_path, capsys):
    root, astronaut = photos
    table = tmp_path / "faces.csv"
    code = main(
        ["detect", "--quiet", str(root / "in"), "--csv", str(table)]
        + ["--out", str(tmp_path / "drawn")]
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    n_printed = len(_lines(capsys.readouterr().out))
    assert len(rows) == n_printed >= 1
    assert {"source", "face", "left", "top", "right", "bottom", "score"} <= set(rows[0])
    assert "x67" in rows[0] and "y67" in rows[0]
    assert float(rows[0]["x30"]) > float(rows[0]["left"])  # nose inside the box
    drawn = np.asarray(Image.open(tmp_path / "drawn" / "astro.png"))
    assert drawn.shape == astronaut.shape
    assert (drawn != astronaut).any()  # boxes and landmarks drawn
    assert (tmp_path / "drawn" / "sub" / "camera.png").exists()  # folder layout


def test_detect_downsizes_large_photos_and_scales_back(tmp_path, capsys):
    astronaut = load_sample_images().images[0]
    big = np.asarray(Image.fromarray(astronaut).resize((2048, 2048)))
    Image.fromarray(big).save(tmp_path / "big.png")
    assert main(["detect", "--quiet", "--max-size", "512", str(tmp_path)]) == 0
    box = np.array(_lines(capsys.readouterr().out)[0].split(",")[1:5], float)
    assert np.abs(box - 4 * np.array(ASTRONAUT_FACE)).max() <= 12


def test_encode_csv_one_row_per_face(photos, tmp_path, capsys):
    root, _ = photos
    table = tmp_path / "enc.csv"
    assert main(["encode", "--quiet", str(root / "in"), "--out", str(table)]) == 0
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    assert len(rows) >= 1
    assert [k for k in rows[0] if k.startswith("e")] == [f"e{i}" for i in range(128)]
    vector = np.array([rows[0][f"e{i}"] for i in range(128)], float)
    assert 0.5 < np.linalg.norm(vector) < 2.0  # dlib encodings have norm ~1
    assert "camera.png: no face found" in capsys.readouterr().err


def test_encode_errors(photos, tmp_path, capsys, monkeypatch):
    root, _ = photos
    code = main(["encode", str(root / "in" / "sub"), "--out", str(tmp_path / "e.csv")])
    assert code == 1 and "no face found in any" in capsys.readouterr().err
    assert main(["encode", str(root / "in"), "--out", str(tmp_path / "e.txt")]) == 1
    assert "must end in .csv or .parquet" in capsys.readouterr().err
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pyarrow" else real(name, *a),
    )
    code = main(["encode", str(root / "in"), "--out", str(tmp_path / "e.parquet")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "pyarrow" in err


@pytest.fixture(scope="module")
def known(photos, tmp_path_factory):
    """A file named after a person and a sub-folder per person."""
    _, astronaut = photos
    root = tmp_path_factory.mktemp("known")
    Image.fromarray(astronaut).save(root / "eileen.png")
    (root / "mirror").mkdir()
    Image.fromarray(np.ascontiguousarray(astronaut[:, ::-1])).save(
        root / "mirror" / "1.png"
    )
    return root


def test_recognize_names_unknown_and_no_persons(photos, known, capsys):
    root, _ = photos
    code = main(
        ["recognize", "--quiet", "--show-distance", str(known), str(root / "in")]
    )
    out, err = capsys.readouterr()
    assert code == 0
    lines = [line.split(",") for line in _lines(out)]
    astro = [line for line in lines if line[0].endswith("astro.png")]
    camera = [line for line in lines if line[0].endswith("camera.png")]
    assert camera == [[str(root / "in" / "sub" / "camera.png"), "no_persons_found"]]
    # the face is eileen (or its mirror, same person); the patch is a stranger
    names = sorted(line[1] for line in astro)
    assert names[0] in ("eileen", "mirror") and names[-1] == "unknown"
    by_name = {line[1]: float(line[2]) for line in astro}
    assert by_name["unknown"] > 0.6 and min(by_name.values()) < 0.6
    assert "2 faces in this known image" in err
    _no_traceback(err)


def test_recognize_tolerance_and_bad_known(photos, known, capsys):
    root, _ = photos
    argv = [
        "recognize",
        "--quiet",
        str(known / "mirror"),
        str(root / "in" / "astro.png"),
    ]
    assert main(argv) == 0
    names = {line.split(",")[1] for line in _lines(capsys.readouterr().out)}
    assert names == {"1", "unknown"}  # the mirrored face matches at 0.6
    assert main([*argv, "--tolerance", "0.01"]) == 0
    names = {line.split(",")[1] for line in _lines(capsys.readouterr().out)}
    assert names == {"unknown"}
    code = main(["recognize", str(root / "nope"), str(root / "in")])
    err = capsys.readouterr().err
    assert code == 1 and "does not exist" in err and err.count("\n") == 1


@pytest.mark.parametrize("method", ["fill", "pixelate"])
def test_anonymize_folder(photos, tmp_path, capsys, method):
    root, astronaut = photos
    out = tmp_path / "anon"
    code = main(
        ["anonymize", "--quiet", str(root / "in"), "--out", str(out)]
        + [
            "--method",
            method,
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    result = np.asarray(Image.open(out / "astro.png"))
    left, top, right, bottom = ASTRONAUT_FACE
    face = (slice(top, bottom), slice(left, right))
    diff = np.abs(result.astype(int) - astronaut.astype(int)).max(axis=2)
    assert (diff[face] > 0).mean() > 0.95  # the whole face box replaced
    assert (diff[:40, :40] == 0).all()  # far from every face: untouched
    assert not (out / "sub" / "camera.png").exists()  # no face: not written
    assert "camera.png: no face found; not written" in err


@pytest.mark.parametrize(
    "method, max_size", [("blur", None), ("fill", 256), ("pixelate", None)]
)
def test_anonymize_is_face_anonymizer(photos, tmp_path, method, max_size):
    """The command writes what FaceAnonymizer gives with the same settings."""
    root, astronaut = photos
    out = tmp_path / "anon"
    argv = ["anonymize", "--quiet", str(root / "in" / "astro.png"), "--out", str(out)]
    argv += ["--method", method]
    extractor = None
    if max_size is not None:  # detection on a copy downsized to max_size
        argv += ["--max-size", str(max_size)]
        detector = HOGFaceDetector(max_size=max_size)
        extractor = FaceExtractor(
            landmark_extractor=LandmarkExtractor(detector=detector)
        )
    assert main(argv) == 0
    written = np.asarray(Image.open(out / "astro.png"))
    X = astronaut[None]
    expected = FaceAnonymizer(method=method, extractor=extractor).fit(X).transform(X)
    assert (written != astronaut).any()
    np.testing.assert_array_equal(written, expected[0])


def test_anonymize_nothing_done_exits_1(photos, tmp_path, capsys):
    root, _ = photos
    code = main(["anonymize", str(root / "in" / "sub"), "--out", str(tmp_path / "o")])
    assert code == 1 and "no image written" in capsys.readouterr().err


def test_anonymize_refuses_symlinked_outputs(photos, tmp_path, capsys):
    root, _ = photos
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    code = main(["anonymize", str(root / "in"), "--out", str(tmp_path / "link")])
    assert code == 1 and "symbolic link" in capsys.readouterr().err
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / "astro.png").symlink_to(victim)
    code = main(["anonymize", "--quiet", str(root / "in"), "--out", str(out)])
    assert code == 1 and "symbolic link" in capsys.readouterr().err
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("method", ["telea", "biharmonic"])
def test_inpaint(tmp_path, capsys, method):
    image = np.zeros((64, 64, 3), np.uint8)
    image[:, :32] = 200
    mask = np.zeros((64, 64), np.uint8)
    mask[10:20, 5:15] = 255
    Image.fromarray(image).save(tmp_path / "im.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    out = tmp_path / "filled.png"
    code = main(
        ["inpaint", str(tmp_path / "im.png"), "--mask", str(tmp_path / "mask.png")]
        + ["--out", str(out), "--method", method]
    )
    assert code == 0 and "filled 100 pixel(s)" in capsys.readouterr().out
    filled = np.asarray(Image.open(out))
    assert np.abs(filled[10:20, 5:15].astype(int) - 200).max() <= 2


def test_inpaint_bad_input(tmp_path, capsys):
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "im.png")
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "small.png")
    args = ["inpaint", str(tmp_path / "im.png"), "--out", str(tmp_path / "o.png")]
    assert main([*args, "--mask", str(tmp_path / "small.png")]) == 1
    assert "32x32" in capsys.readouterr().err
    assert main([*args, "--mask", str(tmp_path / "none.png")]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and err.count("\n") == 1


def test_detect_n_jobs_gives_the_same_lines(photos, capsys):
    root, _ = photos
    assert main(["detect", "--quiet", str(root / "in")]) == 0
    sequential = capsys.readouterr().out
    assert main(["detect", "--quiet", "--n-jobs", "2", str(root / "in")]) == 0
    assert capsys.readouterr().out == sequential


def test_detect_csv_without_any_face_has_the_header(photos, tmp_path):
    root, _ = photos
    table = tmp_path / "none.csv"
    assert (
        main(["detect", "--quiet", str(root / "in" / "sub"), "--csv", str(table)]) == 0
    )
    assert table.read_text().splitlines() == ["source,face,left,top,right,bottom,score"]


def test_anonymize_into_the_source_folder_does_not_read_its_output(tmp_path, capsys):
    astronaut = load_sample_images().images[0]
    Image.fromarray(astronaut).save(tmp_path / "a.png")
    out = tmp_path / "anon"
    for _ in range(2):  # the second run must not anonymise anon/a.png again
        assert main(["anonymize", "--quiet", str(tmp_path), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.rglob("*.png")) == ["a.png"]


def test_encode_parquet(photos, tmp_path):
    pytest.importorskip("pyarrow")
    import pandas as pd

    root, _ = photos
    path = tmp_path / "enc.parquet"
    assert main(["encode", "--quiet", str(root / "in"), "--out", str(path)]) == 0
    table = pd.read_parquet(path)
    assert list(table.columns[:7]) == [
        "source",
        "face",
        "left",
        "top",
        "right",
        "bottom",
        "score",
    ]
    assert table.shape[1] == 7 + 128


@pytest.mark.parametrize("model", ["haar", "cnn"])
def test_detect_other_models_find_the_astronaut(photos, capsys, model):
    from skface.metrics import box_iou

    root, _ = photos
    argv = ["detect", "--quiet", "--model", model, str(root / "in" / "astro.png")]
    assert main(argv) == 0
    boxes = np.array(
        [line.split(",")[1:5] for line in _lines(capsys.readouterr().out)], float
    )
    iou = box_iou(boxes, np.array([ASTRONAUT_FACE], float))
    assert np.max(iou) > 0.5


@pytest.mark.parametrize("model", ["hog", "cnn", "haar"])
def test_cli_detectors_do_not_shrink_again(model):
    # The commands downsize to --max-size themselves; a detector's own
    # max_size (800 px for the CNN) must not shrink the photo further.
    from skface.cli._commands import _detector

    assert _detector(model).max_size is None


def test_detect_upsample_matches_the_detector(photos, tmp_path, capsys):
    # face_recognition's face_detection command searches at upsample=0;
    # `--upsample 0` gives the same boxes as HOGFaceDetector(upsample=0).
    from skface.detection import HOGFaceDetector

    root, astronaut = photos
    table = tmp_path / "faces.csv"
    args = ["detect", "--quiet", str(root / "in" / "astro.png"), "--csv", str(table)]
    assert main(args + ["--upsample", "0"]) == 0
    rows = list(csv.DictReader(io.StringIO(table.read_text())))
    got = np.array(
        [[float(r[k]) for k in ("left", "top", "right", "bottom")] for r in rows]
    )
    want = HOGFaceDetector(upsample=0, max_size=None).detect([astronaut])[0][:, :4]
    np.testing.assert_allclose(got, want, atol=1e-6)
    capsys.readouterr()
    assert main(args + ["--upsample", "0", "--model", "haar"]) != 0
    err = capsys.readouterr().err
    assert "--upsample applies to" in err
    _no_traceback(err)


@pytest.fixture(scope="module")
def swapper_file(tmp_path_factory):
    pytest.importorskip("torch")
    from skface.datasets import make_synthetic_faces
    from skface.generation import FaceSwapper

    faces = make_synthetic_faces(12, size=64, n_identities=2, random_state=0)
    labels = np.where(faces.target == 0, "ann", "bob")
    swapper = FaceSwapper(
        16,
        width=4,
        max_channels=16,
        n_latent=8,
        max_epochs=1,
        device="cpu",
        random_state=0,
    ).fit(faces.images, labels)
    path = tmp_path_factory.mktemp("swap") / "swapper.safetensors"
    swapper.save(path)
    return path, swapper


def test_anonymize_swap_is_face_anonymizer(photos, swapper_file, tmp_path):
    from sklearn.frozen import FrozenEstimator

    root, astronaut = photos
    path, swapper = swapper_file
    out = tmp_path / "anon"
    argv = ["anonymize", "--quiet", str(root / "in" / "astro.png"), "--out", str(out)]
    argv += ["--method", "swap", "--swapper", str(path), "--donor", "ann"]
    assert main(argv) == 0
    written = np.asarray(Image.open(out / "astro.png"))
    X = astronaut[None]
    anon = FaceAnonymizer(
        method="swap", swapper=FrozenEstimator(swapper), donor=["ann"]
    )
    expected = anon.fit(X).transform(X)
    assert (written != astronaut).any()
    assert np.abs(written.astype(int) - expected[0]).max() <= 1


def test_anonymize_swap_errors(photos, swapper_file, tmp_path, capsys):
    root, _ = photos
    path, _ = swapper_file
    src = str(root / "in" / "astro.png")
    base = ["anonymize", src, "--out", str(tmp_path / "o"), "--method", "swap"]
    for extra, message in [
        ([], "--method swap needs --swapper"),
        (["--swapper", str(tmp_path / "none.safetensors")], "no such file"),
        (["--swapper", str(path), "--donor", "carl"], "'carl' is not one of"),
    ]:
        code = main(base + extra)
        err = capsys.readouterr().err
        assert code != 0 and message in err
        _no_traceback(err)


def test_anonymize_morph_is_face_anonymizer(photos, tmp_path, capsys):
    from skface.datasets import make_synthetic_faces

    root, astronaut = photos
    donors = tmp_path / "donors"
    donors.mkdir()
    faces = make_synthetic_faces(4, size=160, n_identities=4, random_state=0).images
    for i, face in enumerate(faces):
        Image.fromarray(face).save(donors / f"d{i}.png")
    out = tmp_path / "anon"
    src = str(root / "in" / "astro.png")
    argv = ["anonymize", "--quiet", src, "--out", str(out), "--method", "morph"]
    assert main(argv + ["--donors", str(donors)]) == 0
    written = np.asarray(Image.open(out / "astro.png"))
    X = astronaut[None]
    anon = FaceAnonymizer(method="morph", on_missing="keep").fit(list(faces))
    expected = anon.transform(X)
    assert (written != astronaut).any()
    np.testing.assert_array_equal(written, expected[0])
    # the morph's parameters reach FaceAnonymizer
    out2 = tmp_path / "anon2"
    argv2 = ["anonymize", "--quiet", src, "--out", str(out2), "--method", "morph"]
    argv2 += ["--donors", str(donors), "--donor-distance", "0", "--n-donors", "2"]
    assert main(argv2 + ["--max-tries", "2"]) == 0
    anon3 = FaceAnonymizer(
        method="morph", donor_distance=0.0, n_donors=2, max_tries=2, on_missing="keep"
    ).fit(list(faces))
    np.testing.assert_array_equal(
        np.asarray(Image.open(out2 / "astro.png")), anon3.transform(X)[0]
    )
    # no donors, and donors without a face, are one-line errors
    empty = tmp_path / "blank"
    empty.mkdir()
    Image.fromarray(np.full((80, 80, 3), 128, np.uint8)).save(empty / "b.png")
    for extra, message in [
        ([], "--method morph needs --donors"),
        (["--donors", str(empty)], "found 0 donor faces"),
        (["--donors", str(donors), "--n-donors", "0"], "'n_donors' parameter"),
        (["--donors", str(donors), "--max-tries", "0"], "'max_tries' parameter"),
    ]:
        code = main(argv + extra)
        err = capsys.readouterr().err
        assert code != 0 and message in err
        _no_traceback(err)
