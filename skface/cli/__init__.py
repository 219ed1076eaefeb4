"""The ``skface`` command line: ``detect``, ``encode``, ``recognize``,
``anonymize``, ``inpaint`` and ``demo`` (``skface --help``).

None of the commands imports torch, except ``demo --steps all`` (its two
network-training steps).
"""

from ._main import main

__all__ = ["main"]
