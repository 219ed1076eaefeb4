"""Validation, random-state, parallelism and discovery helpers.

Nothing here imports torch, dlib or OpenCV at import time.
"""

from ._animation import save_animation
from ._boxes import select_boxes
from ._discovery import all_estimators
from ._draw import draw_faces
from ._faces import FaceRows
from ._image import (
    check_mask,
    check_masks,
    convert_channels,
    flip_shift_augment,
    poisson_blend,
    resize,
)
from ._io import read_image
from ._optional import import_optional
from ._parallel import parallel_map
from ._random import check_random_state, draw_seed, spawn_seeds, torch_rng_context
from .validation import check_boxes, check_images, check_landmarks

__all__ = [
    "FaceRows",
    "all_estimators",
    "check_boxes",
    "check_images",
    "check_landmarks",
    "check_mask",
    "check_masks",
    "convert_channels",
    "check_random_state",
    "draw_faces",
    "draw_seed",
    "flip_shift_augment",
    "import_optional",
    "parallel_map",
    "poisson_blend",
    "read_image",
    "resize",
    "save_animation",
    "select_boxes",
    "spawn_seeds",
    "torch_rng_context",
]
