"""The ``skface`` commands that work on photos: detect, encode, recognize,
anonymize, inpaint.

Each command collects its sources (:func:`~._io.collect_sources`), runs a
per-photo function on them (:func:`~._io.map_files`: progress bar, optional
processes, one-line errors) and writes its output. A photo is detected at
most ``--max-size`` pixels on its longer side; boxes and landmarks are then
scaled back, so every output is in the photo's own pixels. None of these
commands needs torch.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from ..alignment import FaceExtractor
from ..autoencoders import FaceAnonymizer
from ..detection import CNNFaceDetector, HaarFaceDetector, HOGFaceDetector
from ..landmarks import LandmarkExtractor
from ..recognition import FaceAnalyzer, FaceRecognizer
from ..restoration import BiharmonicInpainter, TeleaInpainter
from ..utils import draw_faces
from ..utils._optional import require_neural
from ..utils.validation import read_image
from ._io import (
    CommandError,
    collect_sources,
    load_for_detection,
    map_files,
    open_new,
    safe_out_dir,
    save_image,
    to_rgb_uint8,
    warn,
)

_BLANK = [np.zeros((64, 64, 3), np.uint8)]  # pretrained models ignore fit data
_BOX = ("left", "top", "right", "bottom")


def _detector(model, upsample=None):
    """The pretrained detector, searching the photo it is given as it is.

    The commands downsize each photo themselves (``--max-size``, default
    1600 px, or ``--no-downsize``), so the detector's own ``max_size`` (800 px
    for the CNN) is switched off; otherwise it would shrink again below what
    the user asked for.
    """
    cls = {"hog": HOGFaceDetector, "cnn": CNNFaceDetector, "haar": HaarFaceDetector}
    params = {"max_size": None}
    if upsample is not None:
        if model == "haar":
            raise CommandError("--upsample applies to --model hog or cnn, not haar")
        params["upsample"] = upsample
    return cls[model](**params).fit(_BLANK)


@dataclass
class _FaceFinder:
    """A :class:`~skface.recognition.FaceAnalyzer` fitted once, per photo.

    Each photo is searched once, on its downsized copy; landmarks and
    encodings come from the boxes found (no second detection), and are
    scaled back to the photo's own pixels. (The encoder aligns a 150-pixel
    chip, so the downsized copy holds enough pixels for it.)
    """

    model: str = "hog"
    max_size: int | None = None
    landmarks: bool = True
    encodings: bool = False
    upsample: int | None = None

    def __post_init__(self):
        self.analyzer_ = FaceAnalyzer(
            _detector(self.model, self.upsample),
            landmarks=self.landmarks,
            embeddings=self.encodings,
            n_jobs=1,  # the command parallelises over photos instead
        ).fit(_BLANK)

    def __call__(self, path):
        """Faces of one photo, in its own pixels (boxes, scores, ...)."""
        image, small, scale = load_for_detection(path, self.max_size)
        rows = self.analyzer_.analyze_rows([small])
        result = {
            "image": image,
            "boxes": np.asarray(rows.boxes, dtype=np.float64) * scale,
            "scores": np.asarray(rows.scores, dtype=np.float64),
        }
        if self.landmarks:
            result["landmarks"] = np.asarray(rows.landmarks, np.float64) * scale
        if self.encodings:
            result["encodings"] = np.asarray(rows.embeddings, dtype=np.float64)
        return result


def _max_size(args):
    return None if args.no_downsize else args.max_size


def _sources(args):
    sources = collect_sources(args.sources, args.command)
    if not sources:
        raise CommandError("no image files to read")
    return sources


def _outside(sources, out_dir):
    """Sources not inside the output folder (a rerun must not read its own
    output as input)."""
    out = out_dir.resolve()
    return [s for s in sources if out not in s.path.resolve().parents]


def _run(args, func, sources):
    """(source, result) of every photo that worked; a warning for the rest."""
    done = []
    for source, result, error in map_files(
        func,
        sources,
        n_jobs=args.n_jobs,
        progress=not args.quiet,
        desc=f"skface {args.command}",
    ):
        if error is not None:
            warn(args.command, f"{source}: {error}")
        else:
            done.append((source, result))
    return done


def _fmt(v):
    return f"{v:.6g}"


def _table(rows, *, landmarks=False, encodings=False):
    """A DataFrame: one row per face."""
    import pandas as pd

    records = []
    for source, res in rows:
        for j in range(len(res["boxes"])):
            row = {"source": str(source), "face": j}
            row.update(zip(_BOX, res["boxes"][j]))
            row["score"] = res["scores"][j]
            if landmarks:
                for p, (x, y) in enumerate(res["landmarks"][j]):
                    row[f"x{p}"], row[f"y{p}"] = x, y
            if encodings:
                row.update((f"e{d}", v) for d, v in enumerate(res["encodings"][j]))
            records.append(row)
    return pd.DataFrame.from_records(records)


def _unique_out(out_dir, rel, used):
    """``out_dir / rel``, renamed ``name-1.ext`` etc. when taken."""
    target = out_dir / rel
    n = 1
    while str(target) in used:
        target = out_dir / rel.with_name(f"{rel.stem}-{n}{rel.suffix}")
        n += 1
    used.add(str(target))
    return target


def _check_table_path(path):
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise CommandError(f"output {str(path)!r} must end in .csv or .parquet")
    if suffix == ".parquet":
        if importlib.util.find_spec("pyarrow") is None:
            raise CommandError(
                "writing .parquet needs pyarrow, which is not installed: "
                'pip install pyarrow (or "skface[parquet]"), or write a .csv'
            )
    return path


def _write_table(frame, path):
    with open_new(path) as fh:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(fh, index=False)
        else:
            frame.to_csv(fh, index=False, lineterminator="\n")


# ---------------------------------------------------------------- detect
def detect(args):
    """``skface detect``: one line per face; boxes drawn with ``--out``."""
    sources = _sources(args)
    out_dir = safe_out_dir(args.out) if args.out else None
    if out_dir is not None:
        sources = _outside(sources, out_dir)
    csv = Path(args.csv).expanduser() if args.csv else None
    if csv is not None and csv.suffix.lower() != ".csv":
        raise CommandError(f"--csv {args.csv!r} must end in .csv")
    finder = _FaceFinder(args.model, _max_size(args), upsample=args.upsample)
    rows, used, written = [], set(), 0
    for source, res in _run(args, finder, sources):
        res_small = {k: v for k, v in res.items() if k != "image"}
        rows.append((source, res_small))
        for box, score in zip(res["boxes"], res["scores"]):
            print(",".join([str(source), *(_fmt(v) for v in box), _fmt(score)]))
        if len(res["boxes"]) == 0:
            warn(args.command, f"{source}: no face found")
        if out_dir is not None:
            drawn = draw_faces(
                res["image"], boxes=res["boxes"], landmarks=res["landmarks"]
            )
            try:
                save_image(drawn, _unique_out(out_dir, source.rel, used))
                written += 1
            except (CommandError, OSError) as exc:
                warn(args.command, f"{source}: {exc}")
    if not rows:
        raise CommandError(f"none of the {len(sources)} image files could be read")
    if csv is not None:
        frame = _table(rows, landmarks=True)
        if frame.empty:  # no face anywhere: the header only
            import pandas as pd

            frame = pd.DataFrame(columns=["source", "face", *_BOX, "score"])
        _write_table(frame, csv)
    n_faces = sum(len(r["boxes"]) for _, r in rows)
    if not args.quiet:
        print(
            f"skface detect: {n_faces} face(s) in {len(rows)} of {len(sources)} "
            "image(s)",
            file=sys.stderr,
        )
    return 0


# ---------------------------------------------------------------- encode
def encode(args):
    """``skface encode``: a table of 128-d encodings, one row per face."""
    path = _check_table_path(args.out)
    sources = _sources(args)
    finder = _FaceFinder(
        args.model,
        _max_size(args),
        landmarks=False,
        encodings=True,
        upsample=args.upsample,
    )
    rows = []
    for source, res in _run(args, finder, sources):
        res.pop("image")
        if len(res["boxes"]) == 0:
            warn(args.command, f"{source}: no face found")
        rows.append((source, res))
    if not rows:
        raise CommandError(f"none of the {len(sources)} image files could be read")
    frame = _table(rows, encodings=True)
    if frame.empty:
        raise CommandError(f"no face found in any of the {len(rows)} image(s)")
    _write_table(frame, path)
    if not args.quiet:
        print(
            f"skface encode: wrote {len(frame)} face(s) from {len(rows)} image(s) "
            f"to {path}",
            file=sys.stderr,
        )
    return 0


# ------------------------------------------------------------- recognize
def _known_people(known_dir, command):
    """``(path, name)`` of every known image: files named after the person,
    or one sub-folder per person."""
    root = Path(known_dir).expanduser()
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        raise CommandError(f"KNOWN_DIR {known_dir!r} {what}")
    sources = collect_sources([str(root)], command)
    return [
        (s, s.rel.parts[0] if len(s.rel.parts) > 1 else s.rel.stem) for s in sources
    ]


def recognize(args):
    """``skface recognize``: ``path,name`` per face of the unknown photos."""
    if args.tolerance <= 0:
        raise CommandError(f"--tolerance must be positive, got {args.tolerance}")
    known = _known_people(args.known, args.command)
    if not known:
        raise CommandError(f"no image files in KNOWN_DIR {args.known!r}")
    unknown = _sources(args)
    finder = _FaceFinder(
        args.model,
        _max_size(args),
        landmarks=False,
        encodings=True,
        upsample=args.upsample,
    )
    names = dict((str(s), n) for s, n in known)
    encodings, labels = [], []
    for source, res in _run(args, finder, [s for s, _ in known]):
        n = len(res["boxes"])
        if n == 0:
            warn(args.command, f"{source}: no face found in this known image; ignored")
            continue
        if n > 1:
            warn(
                args.command,
                f"{source}: {n} faces in this known image; using the largest",
            )
        b = res["boxes"]
        largest = int(np.argmax((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])))
        encodings.append(res["encodings"][largest])
        labels.append(names[str(source)])
    if not encodings:
        raise CommandError(f"no face found in the known images of {args.known!r}")
    recognizer = FaceRecognizer(args.tolerance, unknown_label="unknown").fit(
        np.asarray(encodings), np.asarray(labels, dtype=object)
    )
    done = 0
    for source, res in _run(args, finder, unknown):
        done += 1
        if len(res["boxes"]) == 0:
            print(f"{source},no_persons_found")
            continue
        names = recognizer.predict(res["encodings"])
        distances = recognizer.kneighbors(res["encodings"], 1)[0][:, 0]
        for name, distance in zip(names, distances):
            line = f"{source},{name}"
            if args.show_distance:
                line += f",{distance:.4f}"
            print(line)
    if done == 0:
        raise CommandError(f"none of the {len(unknown)} image files could be read")
    return 0


# ------------------------------------------------------------- anonymize
def _load_swapper(path):
    """The :class:`~skface.generation.FaceSwapper` saved at ``path``."""
    if path is None:
        raise CommandError("--method swap needs --swapper FILE (FaceSwapper.save)")
    try:
        require_neural("skface anonymize --method swap")
    except ImportError as exc:
        raise CommandError(str(exc)) from exc
    from ..generation import FaceSwapper

    file = Path(path).expanduser()
    if not file.is_file():
        raise CommandError(f"--swapper {path!r}: no such file")
    try:
        return FaceSwapper.load(file, device="cpu")
    except ValueError as exc:
        raise CommandError(f"--swapper {path!r}: {exc}") from exc


def _donor_photos(paths):
    """The donor photos of ``--donors`` (files or folders), RGB uint8."""
    if not paths:
        raise CommandError("--method morph needs --donors PATH (donor photos)")
    sources = collect_sources(paths, "anonymize")
    images = []
    for source in sources:
        try:
            images.append(to_rgb_uint8(read_image(source.path)))
        except (OSError, ValueError) as exc:
            warn("anonymize", f"--donors {source.path}: {exc}")
    if not images:
        raise CommandError(f"--donors {' '.join(paths)}: no image could be read")
    return images


def _anonymizer(
    method,
    model="hog",
    max_size=None,
    upsample=None,
    swapper=None,
    donor=None,
    donors=None,
    morph=None,
):
    """A fitted :class:`~skface.autoencoders.FaceAnonymizer` for the command.

    Its landmark extractor finds the faces with the command's detector, on
    a copy of each photo at most ``max_size`` pixels on its longer side
    (the detector's own ``max_size``; boxes come back in the photo's
    pixels), so every face is obscured in the full-size photo.
    """
    detector = clone(_detector(model, upsample)).set_params(max_size=max_size)
    extractor = FaceExtractor(
        landmark_extractor=LandmarkExtractor(detector=detector, n_jobs=1),
        n_jobs=1,  # the command parallelises over photos instead
    )
    params = {}
    if method == "swap":
        fitted = _load_swapper(swapper)
        known = [str(c) for c in fitted.classes_]
        if donor:
            names = {str(c): c for c in fitted.classes_}
            bad = [d for d in donor if d not in names]
            if bad:
                raise CommandError(
                    f"--donor {bad[0]!r} is not one of the swapper's people {known}"
                )
            donor = [names[d] for d in donor]
        else:
            donor = list(fitted.classes_)  # a blend of everyone it knows
        params = {"swapper": FrozenEstimator(fitted), "donor": donor}
        # the swapper's chip geometry (padding, alignment) with this detector
        extractor = clone(fitted.extractor_).set_params(
            landmark_extractor=extractor.landmark_extractor, n_jobs=1
        )
    fit_on = _BLANK
    if method == "morph":
        fit_on = _donor_photos(donors)
        params = dict(morph or {})
    anon = FaceAnonymizer(
        method=method, extractor=extractor, faces="all", on_missing="keep", **params
    )
    try:
        return anon.fit(fit_on)
    except ValueError as exc:  # e.g. no face in the donor photos
        if method != "morph":
            raise
        raise CommandError(f"--method morph: {exc}") from exc


@dataclass
class _Anonymize:
    """``FaceAnonymizer`` fitted once, applied to one photo at a time."""

    method: str
    model: str = "hog"
    max_size: int | None = None
    upsample: int | None = None
    swapper: str | None = None
    donor: list | None = None
    donors: list | None = None
    morph: dict | None = None

    def __post_init__(self):
        self.anonymizer_ = _anonymizer(
            self.method,
            self.model,
            self.max_size,
            self.upsample,
            self.swapper,
            self.donor,
            self.donors,
            self.morph,
        )

    def __call__(self, source):
        """The anonymised photo and its number of faces; None without a face."""
        image = to_rgb_uint8(read_image(source))
        result = self.anonymizer_.anonymize([image])
        n_faces = int(result.n_faces[0])
        if n_faces == 0:
            return None
        return np.asarray(result.images[0]), n_faces


def anonymize(args):
    """``skface anonymize``: every face of every photo obscured, into DIR."""
    out_dir = safe_out_dir(args.out)
    sources = _outside(_sources(args), out_dir)
    anonymize = _Anonymize(
        args.method,
        args.model,
        _max_size(args),
        args.upsample,
        getattr(args, "swapper", None),
        getattr(args, "donor", None),
        getattr(args, "donors", None),
        {
            "donor_distance": getattr(args, "donor_distance", 0.9),
            "n_donors": getattr(args, "n_donors", 1),
            "max_tries": getattr(args, "max_tries", 1),
        },
    )
    used, written, n_faces = set(), 0, 0
    for source, res in _run(args, anonymize, sources):
        if res is None:
            warn(args.command, f"{source}: no face found; not written")
            continue
        image, n = res
        try:
            save_image(image, _unique_out(out_dir, source.rel, used))
        except (CommandError, OSError) as exc:
            warn(args.command, f"{source}: {exc}")
            continue
        written += 1
        n_faces += n
    if written == 0:
        raise CommandError(f"no image written to {str(out_dir)!r}")
    if not args.quiet:
        print(
            f"skface anonymize: {n_faces} face(s) {args.method} in {written} of "
            f"{len(sources)} image(s), written to {out_dir}",
            file=sys.stderr,
        )
    return 0


# --------------------------------------------------------------- inpaint
def inpaint(args):
    """``skface inpaint``: fill the mask's pixels of one image."""
    image = to_rgb_uint8(read_image(Path(args.image).expanduser()))
    mask = np.asarray(read_image(Path(args.mask).expanduser()))
    if mask.ndim == 3:
        mask = mask.max(axis=2)
    if mask.shape != image.shape[:2]:
        raise CommandError(
            f"mask {args.mask!r} is {mask.shape[1]}x{mask.shape[0]} but image "
            f"{args.image!r} is {image.shape[1]}x{image.shape[0]}"
        )
    hole = mask > 0
    if not hole.any():
        raise CommandError(f"mask {args.mask!r} has no non-zero pixel: nothing to fill")
    if args.method == "biharmonic":
        est = BiharmonicInpainter()
    else:
        est = TeleaInpainter(method="telea" if args.method == "telea" else "ns")
    filled = est.fit([image]).transform([image], masks=hole[None])[0]
    filled = np.asarray(filled)
    if filled.dtype != np.uint8:
        filled = np.clip(np.round(filled * 255), 0, 255).astype(np.uint8)
    path = save_image(filled, Path(args.out).expanduser())
    print(f"skface inpaint: filled {int(hole.sum())} pixel(s); wrote {path}")
    return 0
