"""Entry point of the ``skface`` console script.

``skface detect | encode | recognize | anonymize | inpaint | demo``. Every
command prints one line per problem (bad path, unreadable file, no face)
on stderr and never a traceback; the exit status is 0 when something could
be done, 1 when nothing could, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .._version import __version__
from ._io import DEFAULT_MAX_SIZE, CommandError


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _common(parser):
    """Options shared by the commands that read many photos."""
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        metavar="N",
        help="photos processed in N processes (-1: all cores; default: 1)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar on stderr"
    )
    parser.add_argument(
        "--model",
        choices=("hog", "cnn", "haar"),
        default="hog",
        help="face detector: dlib HOG (default), dlib CNN (slower, finds "
        "more poses) or OpenCV Haar cascades",
    )
    parser.add_argument(
        "--max-size",
        type=int,
        default=DEFAULT_MAX_SIZE,
        metavar="PX",
        help="photos whose longer side is above PX pixels are downsized "
        "for detection; results are in full-size pixels "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--upsample",
        type=int,
        default=None,
        metavar="N",
        help="search N times upsampled copies for small faces (hog, cnn; "
        "default: the detector's own, 1 for hog and 0 for cnn; "
        "face_recognition's face_detection command uses 0)",
    )
    parser.add_argument(
        "--no-downsize",
        action="store_true",
        help="detect on the full-size photos (slower on large photos)",
    )


def _build_parser():
    parser = _Parser(
        prog="skface",
        description="Find, recognise and anonymise faces in photos; "
        "scikit-learn compatible estimators for faces.",
    )
    parser.add_argument("--version", action="version", version=f"skface {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser(
        "detect",
        help="find faces: one line per face (box and score)",
        description="Find the faces in photos (files or folders, recursive). "
        "Prints 'path,left,top,right,bottom,score' per face on stdout.",
    )
    p.add_argument("sources", nargs="+", metavar="SRC", help="image files or folders")
    p.add_argument(
        "--out", metavar="DIR", help="write each photo with boxes and landmarks here"
    )
    p.add_argument(
        "--csv", metavar="FILE", help="write the faces as a CSV table (with landmarks)"
    )
    _common(p)

    p = sub.add_parser(
        "encode",
        help="128-number dlib face encodings of every face, as a table",
        description="One row per face: source, face, box and the 128 numbers of "
        "dlib's face encoder.",
    )
    p.add_argument("sources", nargs="+", metavar="SRC", help="image files or folders")
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="output table: .csv, or .parquet (needs pyarrow)",
    )
    _common(p)

    p = sub.add_parser(
        "recognize",
        help="name the faces in photos from a folder of known people",
        description="Known people: image files named after the person "
        "(alice.jpg) or one sub-folder per person (alice/1.jpg, ...) in "
        "KNOWN_DIR. Prints 'path,name' per face in UNKNOWN: 'unknown' for a "
        "face farther than --tolerance from everyone known, "
        "'no_persons_found' for a photo without a face.",
    )
    p.add_argument("known", metavar="KNOWN_DIR", help="folder of known people")
    p.add_argument(
        "sources", nargs="+", metavar="UNKNOWN", help="image files or folders"
    )
    p.add_argument(
        "--tolerance",
        type=float,
        default=0.6,
        help="largest face distance that counts as a match; lower is "
        "stricter (default: %(default)s, dlib's same-person threshold)",
    )
    p.add_argument(
        "--show-distance",
        action="store_true",
        help="add the distance to the nearest known face as a third column",
    )
    _common(p)

    p = sub.add_parser(
        "anonymize",
        help="obscure every face in photos (fill, blur, pixelate, morph or swap)",
        description="Write each photo to DIR with every face found obscured: "
        "the whole face region, jaw line to forehead (what "
        "skface.autoencoders.FaceAnonymizer(method=METHOD) does, with the "
        "detector of --model). Photos where no face is found are not written "
        "(a warning says so).",
    )
    p.add_argument("sources", nargs="+", metavar="SRC", help="image files or folders")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--method",
        choices=("fill", "blur", "pixelate", "morph", "swap"),
        default="fill",
        help="fill: the face's mean colour, nothing of it left (default); blur, "
        "pixelate: softer, but a face recogniser may still match them; morph: "
        "each face takes the features of another person from --donors, warped "
        "onto its landmarks (pose, expression and outline kept; no training); "
        "swap: every face becomes a donor, pose and expression kept (needs "
        "--swapper and the neural extra)",
    )
    p.add_argument(
        "--donors",
        action="append",
        metavar="PATH",
        help="--method morph: donor photos, files or folders (repeatable); "
        "use photos of people who agreed to it, many of them",
    )
    p.add_argument(
        "--donor-distance",
        type=float,
        default=0.9,
        metavar="D",
        help="--method morph: least dlib distance between a face and its "
        "donor (default 0.9; lower picks more alike donors, 0 any donor, e.g. "
        "to swap toward one person whose photos are --donors)",
    )
    p.add_argument(
        "--n-donors",
        type=int,
        default=1,
        metavar="K",
        help="--method morph: donors combined per face (default 1)",
    )
    p.add_argument(
        "--max-tries",
        type=int,
        default=1,
        metavar="T",
        help="--method morph: donor choices tried per face; above 1, each "
        "result is checked (still detected, no longer matched by dlib's "
        "recogniser) and a face that fails gets its next donor (default 1)",
    )
    p.add_argument(
        "--swapper",
        metavar="FILE",
        help="--method swap: a trained skface.generation.FaceSwapper saved "
        "with .save(FILE)",
    )
    p.add_argument(
        "--donor",
        action="append",
        metavar="NAME",
        help="--method swap: a person of the swapper to swap every face to; "
        "repeat for a blend (default: a blend of all its people)",
    )
    _common(p)

    p = sub.add_parser(
        "inpaint",
        help="fill a hole in an image (classical inpainting)",
        description="Fill the white (non-zero) pixels of MASK in IMAGE.",
    )
    p.add_argument("image", metavar="IMAGE")
    p.add_argument(
        "--mask",
        required=True,
        metavar="MASK",
        help="image of the same size; non-zero pixels are the hole",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="output image")
    p.add_argument(
        "--method",
        choices=("telea", "navier-stokes", "biharmonic"),
        default="telea",
        help="OpenCV Telea (default) or Navier-Stokes, or scikit-image's "
        "biharmonic (smoother, slower)",
    )

    demo = sub.add_parser(
        "demo",
        help="run the face pipeline on bundled images; write demo.png and demo.json",
        description=(
            "Run what skface offers on images bundled with its dependencies "
            "(scikit-image's astronaut, synthetic faces) and write a PNG and a "
            "JSON summary. The default steps take a few seconds; the "
            "network-training steps are opt-in (--steps all)."
        ),
    )
    demo.add_argument(
        "--out", default="skface_demo", help="output folder (default: %(default)s)"
    )
    demo.add_argument(
        "--steps",
        default="default",
        metavar="NAMES",
        help="comma-separated steps, 'default' (the quick ones) or 'all'; "
        "see --list-steps",
    )
    demo.add_argument(
        "--list-steps", action="store_true", help="list the steps and exit"
    )
    demo.add_argument(
        "--images",
        nargs="+",
        default=None,
        metavar="PATH",
        help="your own photos to run the detection step on (default: bundled photos)",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _demo(args):
    from ._demo import describe_steps, run_demo

    if args.list_steps:
        print("\n".join(describe_steps()))
        return 0

    def log(line):
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    summary = run_demo(
        out=args.out,
        images=args.images,
        seed=args.seed,
        progress=not args.quiet,
        steps=args.steps,
        log=log,
    )
    print(f"wrote {summary['png']} and {summary['json']} in {summary['seconds']:.1f} s")
    return 0


def main(argv=None) -> int:
    """Run the command line; return the exit status."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(f"skface: error: {exc}", file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command == "demo":
            return _demo(args)
        from . import _commands

        return getattr(_commands, args.command)(args)
    except (CommandError, ValueError, OSError, ImportError) as exc:
        message = " ".join(str(exc).split())
        print(f"skface {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("skface: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, traceback on request
        if os.environ.get("SKFACE_DEBUG"):
            raise
        message = " ".join(str(exc).split())
        print(
            f"skface {args.command}: internal error: {type(exc).__name__}: "
            f"{message} (set SKFACE_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
