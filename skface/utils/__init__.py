"""Validation, random-state, parallelism and discovery helpers.

Nothing here imports torch, dlib or OpenCV at import time.
"""

from ._discovery import all_estimators
from ._optional import import_optional
from ._parallel import parallel_map
from ._random import check_random_state, draw_seed, spawn_seeds, torch_rng_context
from .validation import check_boxes, check_images, check_landmarks, read_image

__all__ = [
    "all_estimators",
    "check_boxes",
    "check_images",
    "check_landmarks",
    "check_random_state",
    "draw_seed",
    "import_optional",
    "parallel_map",
    "read_image",
    "spawn_seeds",
    "torch_rng_context",
]
