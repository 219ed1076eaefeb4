"""The ``skface`` command line: ``skface --version``, ``skface demo``."""

from ._main import main

__all__ = ["main"]
