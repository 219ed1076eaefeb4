"""face_recognition's own test expectations and CLIs, re-stated against skface.

face_recognition 1.3.0 ships seven test photos in its source distribution
(``tests/test_images``: obama.jpg, obama2.jpg, obama3.jpg, biden.jpg,
obama_partial_face.jpg, obama_partial_face2.jpg, 32bit.png) and asserts
numbers about them in ``tests/test_face_recognition.py``. This script reads
the photos from that sdist (nothing is copied into the repository, nothing is
downloaded) and

a. re-states each library assertion against skface: face boxes (HOG and
   CNN, batched CNN, partial faces clipped to the image), 68- and 5-point
   landmarks and their named groups, 128-d encodings, ``face_distance``,
   ``compare_faces`` with a tolerance, 32-bit PNG loading. When
   face_recognition itself can be imported, its actual outputs are printed
   beside skface's and compared numerically (max abs difference);
b. compares face_recognition's two command lines with skface's on example
   folders: ``face_recognition KNOWN UNKNOWN`` with ``skface recognize``
   (names per photo, ``unknown_person`` = ``unknown``, ``no_persons_found``,
   several ``--tolerance`` values) and ``face_detection`` with
   ``skface detect --csv`` (faces per file and boxes);
c. prints a table and ``N passed, M failed``.

Boxes: face_recognition gives ``(top, right, bottom, left)`` with dlib's
inclusive right/bottom pixel, trimmed to ``[0, W] x [0, H]``; skface gives
``(left, top, right, bottom)`` pixel edges (``right = dlib right + 1``),
clipped to the image. The script converts face_recognition's boxes to
edges, ``(left, top, min(right + 1, W), min(bottom + 1, H))``, which is
exact.

Getting the sdist (once, on a machine with network access)::

    pip download --no-deps --no-binary :all: face_recognition==1.3.0 -d DIR

Running face_recognition beside skface without compiling dlib (dlib-bin
provides the ``dlib`` module; face_recognition_models' ``__init__`` needs
``pkg_resources``, which recent setuptools no longer ship: a two-line shim
with ``resource_filename`` in a scratch folder is enough)::

    pip install --no-deps --target /tmp/frlib DIR/face_recognition-1.3.0.tar.gz click

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/bench_face_recognition_parity.py \\
        --sdist DIR/face_recognition-1.3.0.tar.gz --fr-path /tmp/frlib:/tmp/shim

Without ``--fr-path`` (or face_recognition on the path) only the asserted
numbers are checked. ``--no-cnn`` skips the CNN cases (about three minutes
of a 2-core CPU's time on both sides).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

SDIST_NAME = "face_recognition-1.3.0.tar.gz"
PHOTOS = (
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "obama_partial_face.jpg",
    "obama_partial_face2.jpg",
    "32bit.png",
)
#: A photo without a face, made by this script (face_recognition's tests
#: have none) to see ``no_persons_found``.
NO_FACE = "no_face.png"
#: Tolerances given to both recognition CLIs (0.6 is both defaults).
TOLERANCES = (None, 0.55, 0.3, 0.25)
#: Box difference, in pixels, still counted as "the same box" between the
#: detection CLIs when one side downsized the photo and the other did not.
BOX_SLACK = 3.0

SKIP_MESSAGE = f"""\
SKIP: face_recognition's source distribution ({SDIST_NAME}) was not found{{where}}.
This benchmark needs the test photos inside it and never downloads anything.
Get it once with
    pip download --no-deps --no-binary :all: face_recognition==1.3.0 -d DIR
and pass --sdist DIR/{SDIST_NAME} (or --search-dir DIR)."""


# ----------------------------------------------------------------- report
class Table:
    """Rows of (part, case, expected, face_recognition, skface, verdict)."""

    def __init__(self):
        self.rows = []

    def add(self, part, case, expected, fr_out, sk_out, ok, note=""):
        verdict = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append((part, case, expected, fr_out, sk_out, verdict, note))
        print(f"[{verdict}] {part} {case}")
        print(f"    expected (face_recognition's test): {expected}")
        print(f"    face_recognition: {fr_out}")
        print(f"    skface:           {sk_out}")
        if note:
            print(f"    note: {note}")
        sys.stdout.flush()

    def print(self):
        print("\n| part | case | expected | face_recognition | skface | result |")
        print("|---|---|---|---|---|---|")
        for part, case, exp, fr_out, sk_out, verdict, note in self.rows:
            cells = [
                part,
                case,
                exp,
                fr_out,
                sk_out,
                verdict + (f" ({note})" if note else ""),
            ]
            print("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
        n_pass = sum(r[5] == "PASS" for r in self.rows)
        n_fail = sum(r[5] == "FAIL" for r in self.rows)
        n_skip = sum(r[5] == "SKIP" for r in self.rows)
        print(
            f"\n{n_pass} passed, {n_fail} failed"
            + (f", {n_skip} skipped" if n_skip else "")
        )
        return n_fail


def _fmt(x):
    """Short text of a value for the table."""
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return (
            "(" + ", ".join(_fmt(v) for v in x) + ")"
            if isinstance(x, tuple)
            else ("[" + ", ".join(_fmt(v) for v in x) + "]")
        )
    return str(x)


# ------------------------------------------------------------------ setup
def find_sdist(args):
    if args.sdist:
        path = Path(args.sdist).expanduser()
        return path if path.is_file() else None
    for folder in args.search_dir:
        path = Path(folder).expanduser() / SDIST_NAME
        if path.is_file():
            return path
    return None


def extract_photos(sdist, dest):
    """The test photos of the sdist, written to ``dest``; their paths."""
    with tarfile.open(sdist) as tar:
        members = {
            Path(m.name).name: m
            for m in tar.getmembers()
            if m.isfile() and "/tests/test_images/" in m.name
        }
        missing = [p for p in PHOTOS if p not in members]
        if missing:
            raise SystemExit(f"{sdist} has no tests/test_images/{missing[0]}")
        for name in PHOTOS:
            (dest / name).write_bytes(tar.extractfile(members[name]).read())
    return {name: dest / name for name in PHOTOS}


def import_face_recognition(fr_path):
    for entry in reversed([p for p in fr_path.split(os.pathsep) if p]):
        sys.path.insert(0, entry)
    try:
        import face_recognition

        return face_recognition
    except Exception as exc:  # ImportError, or quit() in its api on a bad install
        print(f"face_recognition not importable ({exc!r}): asserted numbers only")
        return None
    except SystemExit:
        print("face_recognition not importable: asserted numbers only")
        return None


def fr_to_edges(css, shape):
    """face_recognition's trimmed (top, right, bottom, left) as skface edges."""
    top, right, bottom, left = css
    return (left, top, min(right + 1, shape[1]), min(bottom + 1, shape[0]))


def edges_to_fr(box, shape):
    """An unclipped skface box as face_recognition's trimmed css tuple."""
    left, top, right, bottom = (int(round(v)) for v in box[:4])
    return (
        max(top, 0),
        min(right - 1, shape[1]),
        min(bottom - 1, shape[0]),
        max(left, 0),
    )


# ------------------------------------------------------------- part a
def library_cases(table, paths, fr, run_cnn):
    from skface.detection import CNNFaceDetector, HOGFaceDetector
    from skface.features import DlibFaceEncoder
    from skface.landmarks import LandmarkExtractor, landmark_groups
    from skface.metrics import face_distance
    from skface.recognition import FaceRecognizer
    from skface.utils import read_image

    part = "lib"
    sk_img = {n: read_image(p) for n, p in paths.items()}
    fr_img = {n: fr.load_image_file(str(p)) for n, p in paths.items()} if fr else {}

    # Loading (test_load_image_file, test_load_image_file_32bit).
    for name, shape in (("obama.jpg", (1137, 910, 3)), ("32bit.png", (1200, 626, 3))):
        im = sk_img[name]
        same = bool(np.array_equal(im, fr_img[name])) if fr else None
        table.add(
            part,
            f"load {name} (RGBA -> RGB)" if name.endswith("png") else f"load {name}",
            f"shape {shape}",
            f"shape {fr_img[name].shape}" if fr else "-",
            f"shape {im.shape}, {im.dtype}"
            + ("" if same is None else f"; pixels equal to face_recognition's: {same}"),
            im.shape == shape and im.dtype == np.uint8 and same is not False,
        )

    hog = HOGFaceDetector(max_size=None, clip=False)  # fr never downsizes
    hog_clip = HOGFaceDetector(max_size=None)

    def raw(det, name):
        return det.detect([sk_img[name]])[0]

    # HOG, upsample=1 (face_recognition's default): exact numbers.
    for name, (top, bottom) in (("obama.jpg", (142, 409)), ("32bit.png", (290, 558))):
        d = raw(hog, name)
        got = (int(d[0, 1]), int(d[0, 3]) - 1) if len(d) else None
        fr_got = None
        if fr:
            r = fr.api._raw_face_locations(fr_img[name])
            fr_got = [(x.top(), x.bottom()) for x in r]
        table.add(
            part,
            f"HOG raw location {name} (top, bottom incl.)",
            f"1 face, ({top}, {bottom})",
            _fmt(fr_got),
            f"{len(d)} face(s), {_fmt(got)}",
            len(d) == 1 and got == (top, bottom),
        )

    # face_locations obama.jpg and partial faces: clipped boxes, exact.
    for name, css in (
        ("obama.jpg", (142, 617, 409, 349)),
        ("obama_partial_face.jpg", (142, 191, 365, 0)),
        ("obama_partial_face2.jpg", (142, 551, 409, 349)),
    ):
        shape = sk_img[name].shape
        d = raw(hog_clip, name)
        d_raw = raw(hog, name)
        want = fr_to_edges(css, shape)
        got = tuple(int(v) for v in d[0, :4]) if len(d) else None
        fr_got = fr.face_locations(fr_img[name]) if fr else None
        as_fr = edges_to_fr(d_raw[0], shape) if len(d_raw) else None
        inside = got is not None and got[0] >= 0 and got[1] >= 0
        inside = inside and got[2] <= shape[1] and got[3] <= shape[0]
        table.add(
            part,
            f"face_locations {name} (clipped)",
            f"1 face, css {css} = edges {want}",
            _fmt(fr_got),
            f"edges {_fmt(got)}; raw box {_fmt(tuple(d_raw[0, :4].astype(int)))} "
            f"-> css {_fmt(as_fr)}",
            len(d) == 1 and got == want and as_fr == css and inside,
        )

    # CNN, upsample=1 (face_recognition's default), within 25 px.
    cnn_cases = (
        ("obama.jpg", "raw", (144, 389), None),
        ("32bit.png", "raw", (259, 552), None),
        ("obama.jpg", "face_locations", None, (144, 608, 389, 363)),
    )
    cnn = CNNFaceDetector(upsample=1, max_size=None, clip=False)
    cnn_cache, fr_cnn_cache = {}, {}
    for name, kind, tb, css in cnn_cases:
        case = f"CNN {kind} {name} (upsample=1, +-25 px)"
        if not run_cnn:
            table.add(part, case, "-", "-", "-", None, "--no-cnn")
            continue
        if name not in cnn_cache:
            cnn_cache[name] = raw(cnn, name)
            if fr:
                fr_cnn_cache[name] = fr.face_locations(fr_img[name], model="cnn")
        d = cnn_cache[name]
        shape = sk_img[name].shape
        got = edges_to_fr(d[0], shape) if len(d) else None
        fr_got = fr_cnn_cache.get(name)
        if kind == "raw":
            want = f"1 face, top {tb[0]}, bottom {tb[1]}"
            ok = len(d) == 1 and abs(got[0] - tb[0]) <= 25 and abs(got[2] - tb[1]) <= 25
        else:
            want = f"1 face, css {css}"
            ok = len(d) == 1 and all(abs(a - b) <= 25 for a, b in zip(got, css))
        diff = ""
        if fr_got is not None and got is not None and len(fr_got) == 1:
            gap = np.abs(np.subtract(got, fr_got[0])).max()
            diff = f"; max |diff| vs face_recognition {gap} px"
        table.add(
            part,
            case,
            want,
            _fmt(fr_got),
            f"{len(d)} face(s), css {_fmt(got)}{diff}",
            ok,
        )

    # skface's own CNN defaults (upsample=0, max_size=800) against the same
    # +-25 px expectation: not face_recognition's setting, shown for users.
    if run_cnn:
        d = CNNFaceDetector(clip=False).detect([sk_img["obama.jpg"]])[0]
        got = edges_to_fr(d[0], sk_img["obama.jpg"].shape) if len(d) else None
        ok = len(d) == 1 and all(
            abs(a - b) <= 25 for a, b in zip(got, (144, 608, 389, 363))
        )
        table.add(
            part,
            "CNN obama.jpg with skface defaults (upsample=0, max_size=800)",
            "css (144, 608, 389, 363) +-25",
            "-",
            f"{len(d)} face(s), css {_fmt(got)}",
            ok,
            "informative: not face_recognition's upsample",
        )

    # Batched CNN, upsample=0: exact numbers.
    case = "batched CNN 3 x obama.jpg (upsample=0)"
    if not run_cnn:
        table.add(part, case, "-", "-", "-", None, "--no-cnn")
    else:
        im = sk_img["obama.jpg"]
        det = CNNFaceDetector(upsample=0, max_size=None, batch_size=3)
        dets = det.detect([im, im, im])
        got = [edges_to_fr(d[0], im.shape) if len(d) else None for d in dets]
        fr_got = None
        if fr:
            f = fr_img["obama.jpg"]
            fr_got = fr.batch_face_locations([f, f, f], number_of_times_to_upsample=0)
        want = (154, 611, 390, 375)
        table.add(
            part,
            case,
            f"3 x 1 face, css {want} (raw top 154, bottom 390)",
            _fmt(fr_got),
            _fmt(got),
            all(len(d) == 1 for d in dets) and all(g == want for g in got),
        )

    # Landmarks (68 and 5 points) on HOG boxes, as face_recognition.
    lm68 = LandmarkExtractor(detector=HOGFaceDetector(max_size=None))
    L = lm68.landmarks_all([sk_img["obama.jpg"]]).landmarks
    fr_raw = fr.api._raw_face_landmarks(fr_img["obama.jpg"]) if fr else None
    fr_pts = np.array([[p.x, p.y] for p in fr_raw[0].parts()]) if fr else None
    diff = (
        f"; max |diff| over 68 points {np.abs(L[0] - fr_pts).max():g} px" if fr else ""
    )
    table.add(
        part,
        "raw 68 landmarks obama.jpg, point 10",
        "1 face, 68 points, (552, 399)",
        f"{len(fr_raw)} face(s), {fr_raw[0].num_parts} points, "
        f"{_fmt(tuple(fr_pts[10]))}"
        if fr
        else "-",
        f"{len(L)} face(s), {L.shape[1]} points, "
        f"{_fmt(tuple(L[0, 10].astype(int)))}{diff}",
        len(L) == 1
        and L.shape[1] == 68
        and tuple(L[0, 10]) == (552, 399)
        and (not fr or np.abs(L[0] - fr_pts).max() == 0),
    )

    chin = [(369, 220), (372, 254), (378, 289), (384, 322), (395, 353), (414, 382),
            (437, 407), (464, 424), (495, 428), (527, 420), (552, 399), (576, 372),
            (594, 344), (604, 314), (610, 282), (613, 250), (615, 219)]  # fmt: skip
    names = {"chin", "left_eyebrow", "right_eyebrow", "nose_bridge", "nose_tip",
             "left_eye", "right_eye", "top_lip", "bottom_lip"}  # fmt: skip
    groups = landmark_groups(L[0], convention="image")
    sk_chin = [tuple(int(v) for v in p) for p in groups["chin"]]
    same_groups = None
    if fr:
        fr_groups = fr.face_landmarks(fr_img["obama.jpg"])[0]
        same_groups = all(
            [tuple(int(v) for v in p) for p in groups[k]] == fr_groups[k]
            for k in fr_groups
        ) and set(fr_groups) == set(groups)
    table.add(
        part,
        "face_landmarks obama.jpg: 9 named groups, chin (convention='image')",
        "9 groups, chin = 17 given points",
        f"9 groups; every group equal to skface's: {same_groups}" if fr else "-",
        f"{len(groups)} groups, chin {'equal' if sk_chin == chin else sk_chin}",
        set(groups) == names and sk_chin == chin and same_groups is not False,
    )

    lm5 = LandmarkExtractor(n_points=5, detector=HOGFaceDetector(max_size=None))
    L5 = lm5.landmarks_all([sk_img["obama.jpg"]]).landmarks
    g5 = landmark_groups(L5[0], convention="image")
    same5 = None
    if fr:
        fr5 = fr.face_landmarks(fr_img["obama.jpg"], model="small")[0]
        same5 = all([tuple(int(v) for v in p) for p in g5[k]] == fr5[k] for k in fr5)
        same5 = same5 and set(fr5) == set(g5)
    nose = [tuple(int(v) for v in p) for p in g5["nose_tip"]]
    table.add(
        part,
        "face_landmarks small (5 points) obama.jpg",
        "groups {nose_tip, left_eye, right_eye}, nose_tip [(496, 295)]",
        f"every group equal to skface's: {same5}" if fr else "-",
        f"groups {sorted(g5)}, nose_tip {nose}",
        set(g5) == {"nose_tip", "left_eye", "right_eye"}
        and nose == [(496, 295)]
        and same5 is not False,
    )

    # Encodings: 5-point alignment (face_recognition's default 'small'
    # model) and the 68-point one ('large').
    for model, shape_model in (("small", "landmarks_5"), ("large", "landmarks_68")):
        enc = DlibFaceEncoder(
            detector=HOGFaceDetector(max_size=None), shape_model_path=shape_model
        )
        rows = enc.fit(sk_img["obama.jpg"][None]).transform_faces([sk_img["obama.jpg"]])
        E = rows.embeddings
        fr_E = (
            np.array(fr.face_encodings(fr_img["obama.jpg"], model=model))
            if fr
            else None
        )
        diff = (
            f"; max |diff| {np.abs(E - fr_E).max():.3g}"
            if fr and fr_E.shape == E.shape
            else ""
        )
        table.add(
            part,
            f"face_encodings obama.jpg, model={model!r} ({shape_model})",
            "1 encoding of 128",
            f"{len(fr_E)} x {fr_E.shape[1]}" if fr else "-",
            f"{E.shape[0]} x {E.shape[1]}{diff}",
            E.shape == (1, 128) and (not fr or np.abs(E - fr_E).max() < 1e-6),
        )

    # face_distance and compare_faces (obama vs obama2, obama3, biden).
    enc = DlibFaceEncoder(detector=HOGFaceDetector(max_size=None))
    four = ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"]
    E = enc.fit_transform([sk_img[n] for n in four])
    dist = face_distance(E[1:], E[0])
    fr_dist = fr_match = None
    if fr:
        fE = [fr.face_encodings(fr_img[n])[0] for n in four]
        fr_dist = fr.face_distance(fE[1:], fE[0])
        fr_match = fr.compare_faces(fE[1:], fE[0])
        enc_diff = np.abs(E - np.array(fE)).max()
    table.add(
        part,
        "face_distance obama vs (obama2, obama3, biden)",
        "ndarray, <= 0.6, <= 0.6, > 0.6",
        _fmt(fr_dist),
        f"{type(dist).__name__} {_fmt(dist)}"
        + (f"; max |encoding diff| {enc_diff:.3g}" if fr else ""),
        isinstance(dist, np.ndarray)
        and dist[0] <= 0.6
        and dist[1] <= 0.6
        and dist[2] > 0.6
        and (not fr or np.abs(dist - fr_dist).max() < 1e-6),
    )
    for empty in ([], np.array([])):
        d0 = face_distance(empty, E[0])
        table.add(
            part,
            f"face_distance empty ({type(empty).__name__})",
            "empty ndarray",
            _fmt(fr.face_distance(empty, E[0])) if fr else "-",
            f"{type(d0).__name__} of shape {d0.shape}",
            isinstance(d0, np.ndarray) and d0.shape == (0,),
        )
    match = [bool(v) for v in face_distance(E[1:], E[0]) <= 0.6]
    rec = FaceRecognizer(tolerance=0.6).fit(E[:1], np.array(["obama"], dtype=object))
    labels = list(rec.predict(E[1:]))
    table.add(
        part,
        "compare_faces (tolerance 0.6) = face_distance <= tol; FaceRecognizer",
        "[True, True, False]",
        _fmt(fr_match),
        f"{match}; FaceRecognizer.predict {labels}",
        match == [True, True, False] and labels == ["obama", "obama", "unknown"],
    )
    for empty in ([], np.array([])):
        m0 = [bool(v) for v in face_distance(empty, E[0]) <= 0.6]
        table.add(
            part,
            f"compare_faces empty ({type(empty).__name__})",
            "[]",
            _fmt(fr.compare_faces(empty, E[0])) if fr else "-",
            _fmt(m0),
            m0 == [],
        )


# ------------------------------------------------------------- part b
def run_cli(cmd, env):
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return res.returncode, res.stdout, res.stderr, time.perf_counter() - t0


def skface_cmd(*argv):
    code = "import sys; from skface.cli._main import main; sys.exit(main(sys.argv[1:]))"
    return [sys.executable, "-c", code, *argv]


def fr_cmd(module, *argv):
    return [sys.executable, "-m", f"face_recognition.{module}", *argv]


def parse_recognize(out, fr_side):
    """{file name: sorted [(name, distance)]}, names in skface's words."""
    result = {}
    for line in out.splitlines():
        parts = line.strip().split(",")
        if len(parts) < 2 or not parts[0]:
            continue
        name = parts[1]
        if fr_side and name == "unknown_person":
            name = "unknown"
        dist = (
            float(parts[2]) if len(parts) > 2 and parts[2] not in ("", "None") else None
        )
        result.setdefault(Path(parts[0]).name, []).append((name, dist))
    return result


def recognition_cases(table, folders, env, fr_ok):
    part = "cli"
    for label, known, unknown, expected in folders:
        for tol in TOLERANCES:
            tol_args = [] if tol is None else ["--tolerance", str(tol)]
            tol_text = "default 0.6" if tol is None else str(tol)
            rc_s, out_s, err_s, _ = run_cli(
                skface_cmd("recognize", str(known), str(unknown), *tol_args,
                           "--show-distance", "--quiet"),
                env,
            )  # fmt: skip
            sk = parse_recognize(out_s, False)
            fr_res = None
            if fr_ok:
                rc_f, out_f, err_f, _ = run_cli(
                    fr_cmd("face_recognition_cli", str(known), str(unknown), *tol_args,
                           "--show-distance", "1"),
                    env,
                )  # fmt: skip
                fr_res = parse_recognize(out_f, True) if rc_f == 0 else None
                if rc_f != 0:
                    print(err_f[-2000:])
            files = sorted(set(sk) | set(fr_res or {}) | set(expected.get(tol, {})))
            for f in files:
                sk_lines = sk.get(f, [])
                sk_names = [n for n, _ in sk_lines]
                want = expected.get(tol, {}).get(f)
                ok = rc_s == 0
                fr_text, note = "-", ""
                if fr_res is not None:
                    fr_lines = fr_res.get(f, [])
                    fr_names = sorted(n for n, _ in fr_lines)
                    fr_text = ", ".join(
                        n + ("" if d is None else f" {d:.4f}") for n, d in fr_lines
                    )
                    # face_recognition prints every known name within the
                    # tolerance; skface one line per face, the nearest. (Each
                    # test photo holds one face, so per file = per face.)
                    with_d = [(d, n) for n, d in fr_lines if d is not None]
                    fr_best = [min(with_d)[1]] if with_d else fr_names
                    ok = ok and sk_names == fr_best
                    if len(fr_names) > 1:
                        note = (
                            f"face_recognition lists all {len(fr_names)} known faces "
                            "within the tolerance; skface the nearest"
                        )
                    d_sk = [d for _, d in sk_lines if d is not None]
                    if d_sk and with_d:
                        delta = abs(d_sk[0] - min(with_d)[0])
                        note = (
                            note + "; " if note else ""
                        ) + f"|distance diff| {delta:.4f}"
                if want is not None:
                    ok = ok and sk_names == want
                elif fr_res is None:
                    ok, note = None, "nothing to compare with without face_recognition"
                sk_text = ", ".join(
                    n + ("" if d is None else f" {d:.4f}") for n, d in sk_lines
                )
                table.add(
                    part,
                    f"recognize {label} tol={tol_text}: {f}",
                    _fmt(want) if want is not None else "same as face_recognition",
                    fr_text,
                    sk_text or "(no line)",
                    ok,
                    note,
                )


def read_fr_detect(out, shapes):
    """{file name: [edges boxes]} from face_detection's output."""
    result = {f: [] for f in shapes}
    for line in out.splitlines():
        parts = line.strip().split(",")
        if len(parts) != 5:
            continue
        name = Path(parts[0]).name
        css = tuple(int(v) for v in parts[1:])
        result.setdefault(name, []).append(fr_to_edges(css, shapes[name]))
    return result


def read_sk_csv(path, shapes):
    result = {f: [] for f in shapes}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            name = Path(row["source"]).name
            box = tuple(float(row[k]) for k in ("left", "top", "right", "bottom"))
            result.setdefault(name, []).append(box)
    return result


def detection_cases(table, folder, shapes, env, fr_ok, run_cnn, tmp):
    """face_detection FOLDER vs skface detect FOLDER --csv, per model."""
    from skface.detection import HOGFaceDetector
    from skface.utils import read_image

    part = "cli"
    for model in ("hog", "cnn"):
        if model == "cnn" and not run_cnn:
            table.add(part, "detect --model cnn", "-", "-", "-", None, "--no-cnn")
            continue
        fr_boxes = None
        if fr_ok:
            rc, out, err, secs = run_cli(
                fr_cmd("face_detection_cli", str(folder), "--model", model), env
            )
            fr_boxes = read_fr_detect(out, shapes) if rc == 0 else None
            print(f"face_detection --model {model}: {secs:.1f} s")
        for vname, extra in (("default", []), ("--no-downsize", ["--no-downsize"])):
            csv_path = tmp / f"sk_{model}_{len(extra)}.csv"
            rc, out, err, secs = run_cli(
                skface_cmd("detect", str(folder), "--model", model,
                           "--csv", str(csv_path), "--quiet", *extra),
                env,
            )  # fmt: skip
            print(f"skface detect --model {model} {vname}: {secs:.1f} s")
            if rc != 0:
                table.add(
                    part, f"detect {model} {vname}", "-", "-", err.strip()[-200:], False
                )
                continue
            sk_boxes = read_sk_csv(csv_path, shapes)
            worst, worst_file = 0.0, "-"
            for f in sorted(shapes):
                sk_b = np.array(sk_boxes.get(f, []), dtype=float).reshape(-1, 4)
                want = 0 if f == NO_FACE else 1
                fr_b = None
                if fr_boxes is not None:
                    fr_b = np.array(fr_boxes.get(f, []), dtype=float).reshape(-1, 4)
                    want = len(fr_b)
                note = ""
                if fr_b is not None and len(fr_b) == len(sk_b) and len(sk_b):
                    diff = np.abs(np.sort(sk_b, 0) - np.sort(fr_b, 0)).max()
                    note = f"max |box diff| {diff:.1f} px"
                    if diff > worst:
                        worst, worst_file = diff, f
                table.add(
                    part,
                    f"detect {model} {vname}: faces in {f}",
                    f"{want} face(s)",
                    "-" if fr_b is None else f"{len(fr_b)}: {_fmt(fr_b.astype(int))}",
                    f"{len(sk_b)}: {_fmt(np.round(sk_b, 1))}",
                    len(sk_b) == want,
                    note,
                )
            if fr_boxes is not None:
                why = ""
                if model == "hog":
                    why = (
                        "face_detection searches at upsample=0, skface detect at the "
                        "HOG default upsample=1 (face_recognition's library default); "
                        "no --upsample option"
                    )
                elif worst > BOX_SLACK:
                    why = "photos over 1600 px are downsized by skface detect only"
                table.add(
                    part,
                    f"detect {model} {vname}: boxes vs face_detection",
                    f"within {BOX_SLACK:g} px",
                    "-",
                    f"max |diff| {worst:.1f} px ({worst_file})",
                    worst <= BOX_SLACK,
                    why if worst > BOX_SLACK else "",
                )
        if model == "hog" and fr_boxes is not None:
            det = HOGFaceDetector(upsample=0, max_size=None)
            worst, n_same = 0.0, 0
            for f in sorted(shapes):
                sk_b = det.detect([read_image(folder / f)])[0][:, :4]
                fr_b = np.array(fr_boxes.get(f, []), dtype=float).reshape(-1, 4)
                if len(sk_b) == len(fr_b):
                    n_same += 1
                    if len(sk_b):
                        worst = max(
                            worst, np.abs(np.sort(sk_b, 0) - np.sort(fr_b, 0)).max()
                        )
            table.add(
                part,
                "face_detection hog boxes vs "
                "HOGFaceDetector(upsample=0, max_size=None)",
                "same faces, same boxes",
                "-",
                f"same count in {n_same}/{len(shapes)} files, "
                f"max |diff| {worst:.1f} px",
                n_same == len(shapes) and worst <= BOX_SLACK,
                "the library reproduces the CLI's setting",
            )


def help_cases(table, env, fr_ok):
    part = "cli"
    for fr_mod, sk_sub in (
        ("face_recognition_cli", "recognize"),
        ("face_detection_cli", "detect"),
    ):
        rc_s, out_s, _, _ = run_cli(skface_cmd(sk_sub, "--help"), env)
        fr_text = "-"
        if fr_ok:
            rc_f, out_f, _, _ = run_cli(fr_cmd(fr_mod, "--help"), env)
            fr_text = f"exit {rc_f}, 'Show this message and exit.' in output: " + str(
                "Show this message and exit." in out_f
            )
        table.add(
            part,
            f"{fr_mod} --help vs skface {sk_sub} --help",
            "exit 0, help text",
            fr_text,
            f"exit {rc_s}, 'show this help message and exit' in output: "
            + str("show this help message and exit" in out_s),
            rc_s == 0 and "show this help message and exit" in out_s,
            "argparse words it in lower case",
        )


# ------------------------------------------------------------------ main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sdist", help=f"path of {SDIST_NAME}")
    parser.add_argument(
        "--search-dir",
        action="append",
        default=None,
        help=f"folders searched for {SDIST_NAME} when --sdist is not given "
        "(default: the current folder and benchmarks/)",
    )
    parser.add_argument(
        "--fr-path",
        default="",
        help="extra sys.path entries (os.pathsep-separated) where face_recognition, "
        "click and a pkg_resources shim are installed",
    )
    parser.add_argument("--no-cnn", action="store_true", help="skip the CNN cases")
    parser.add_argument(
        "--no-cli", action="store_true", help="skip the CLI comparisons"
    )
    args = parser.parse_args(argv)
    if args.search_dir is None:
        args.search_dir = [".", str(Path(__file__).parent)]

    sdist = find_sdist(args)
    if sdist is None:
        where = (
            f" at {args.sdist}" if args.sdist else f" in {', '.join(args.search_dir)}"
        )
        print(SKIP_MESSAGE.format(where=where))
        return 0

    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"# face_recognition parity, {stamp}")
    print(f"# sdist: {sdist}")
    print(
        f"# machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    fr = import_face_recognition(args.fr_path)
    env = dict(os.environ)
    extra = [p for p in args.fr_path.split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(extra + [env.get("PYTHONPATH", "")]).strip(
        os.pathsep
    )
    table = Table()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="frparity_") as tmp:
        tmp = Path(tmp)
        images = tmp / "test_images"
        images.mkdir()
        paths = extract_photos(sdist, images)
        library_cases(table, paths, fr, not args.no_cnn)
        if not args.no_cli:
            from PIL import Image

            known = tmp / "known"
            unknown = tmp / "unknown"
            strangers = tmp / "strangers"
            for d in (known, unknown, strangers):
                d.mkdir()
            for name in ("obama.jpg", "biden.jpg"):
                (known / name).write_bytes(paths[name].read_bytes())
            for name in PHOTOS:
                if name not in ("obama.jpg", "biden.jpg"):
                    (unknown / name).write_bytes(paths[name].read_bytes())
            blank = np.full((400, 300, 3), 128, np.uint8)
            Image.fromarray(blank).save(unknown / NO_FACE)
            known_obama = tmp / "known_obama"
            known_obama.mkdir()
            (known_obama / "obama.jpg").write_bytes(paths["obama.jpg"].read_bytes())
            for name in ("biden.jpg", "obama2.jpg"):
                (strangers / name).write_bytes(paths[name].read_bytes())
            obama = ["obama"]
            expected_a = {
                None: {
                    "obama2.jpg": obama,
                    "obama3.jpg": obama,
                    "32bit.png": obama,
                    "obama_partial_face.jpg": obama,
                    "obama_partial_face2.jpg": obama,
                    NO_FACE: ["no_persons_found"],
                }
            }
            expected_b = {tol: {"biden.jpg": ["unknown"]} for tol in TOLERANCES}
            expected_b[None]["obama2.jpg"] = obama
            # face_recognition's own CLI tests: KNOWN is the whole test
            # folder, one photo at a time; its targets are substrings.
            single = tmp / "single"
            single.mkdir()
            for name in ("obama.jpg", "obama3.jpg"):
                (single / name).write_bytes(paths[name].read_bytes())
            folders = [
                (
                    "known={obama,biden} unknown=5 photos+blank",
                    known,
                    unknown,
                    expected_a,
                ),
                (
                    "known={obama} unknown={biden,obama2}",
                    known_obama,
                    strangers,
                    expected_b,
                ),
                ("known=all 7 test photos (its CLI tests)", images, single, {}),
            ]
            help_cases(table, env, fr is not None)
            recognition_cases(table, folders, env, fr is not None)
            det_dir = tmp / "detect"
            det_dir.mkdir()
            for name, p in paths.items():
                (det_dir / name).write_bytes(p.read_bytes())
            Image.fromarray(blank).save(det_dir / NO_FACE)
            shapes = {
                p.name: np.asarray(Image.open(p)).shape for p in det_dir.iterdir()
            }
            detection_cases(
                table, det_dir, shapes, env, fr is not None, not args.no_cnn, tmp
            )
    n_fail = table.print()
    print(f"# total {time.perf_counter() - t0:.0f} s")
    return 1 if n_fail else 0


if __name__ == "__main__":
    sys.exit(main())
