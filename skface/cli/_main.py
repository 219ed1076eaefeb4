"""Entry point of the ``skface`` console script."""

from __future__ import annotations

import argparse
import logging
import sys

from .._version import __version__


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, no usage dump
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _build_parser():
    parser = _Parser(
        prog="skface",
        description="scikit-learn compatible estimators for faces.",
    )
    parser.add_argument("--version", action="version", version=f"skface {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    demo = sub.add_parser(
        "demo",
        help="run the face pipeline on bundled images; write demo.png and demo.json",
        description=(
            "Run what skface offers on images bundled with its dependencies "
            "(scikit-image's astronaut, synthetic faces) and write a PNG and a "
            "JSON summary."
        ),
    )
    demo.add_argument(
        "--out", default="skface_demo", help="output folder (default: %(default)s)"
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
            from ._demo import run_demo

            summary = run_demo(
                out=args.out,
                images=args.images,
                seed=args.seed,
                progress=not args.quiet,
            )
            print(
                f"wrote {summary['png']} and {summary['json']} "
                f"in {summary['seconds']:.1f} s"
            )
            return 0
    except (ValueError, OSError, ImportError) as exc:
        print(f"skface {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("skface: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
