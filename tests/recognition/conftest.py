"""Photos for the recognition tests: scikit-image's astronaut and LFW subset.

The LFW subset holds 25x25 grey face patches of (mostly) different people;
enlarged to 100x100 RGB, dlib's HOG detector finds most of them and dlib's
encoder gives them usable (if blurry) embeddings. Two of them, 12 and 18,
have no other face of the subset within 0.6 (measured over all 100 with
``DlibFaceEncoder(on_missing='nan')``: 89 found, and these two have no
neighbour closer than 0.6), so they can stand for "known people" while the
others are strangers.
"""

import numpy as np
import pytest
from skimage import data
from skimage.transform import resize

KNOWN_LFW = (12, 18)
STRANGER_LFW = (0, 1, 2, 3, 5, 6)


def lfw_face(i, side=100):
    """LFW-subset face ``i`` as a ``side`` x ``side`` RGB uint8 photo."""
    patch = resize(data.lfw_subset()[i], (side, side))
    return (np.stack([patch] * 3, axis=-1) * 255).round().astype(np.uint8)


def tile(images, cols):
    """Images of one size tiled row-major into one photo."""
    rows = [
        np.concatenate(images[k : k + cols], axis=1)
        for k in range(0, len(images), cols)
    ]
    return np.concatenate(rows, axis=0)


@pytest.fixture(scope="session")
def astronaut():
    return data.astronaut()


@pytest.fixture(scope="session")
def astronaut_face(astronaut):
    """A 150x150 crop around the astronaut's face (HOG finds it)."""
    crop = astronaut[40:220, 130:310]
    return resize(crop, (150, 150), preserve_range=True).round().astype(np.uint8)


@pytest.fixture(scope="session")
def known_photos(astronaut):
    photos = [astronaut] + [lfw_face(i) for i in KNOWN_LFW]
    names = ["eileen"] + [f"lfw{i}" for i in KNOWN_LFW]
    return photos, names


@pytest.fixture(scope="session")
def strangers():
    return [lfw_face(i) for i in STRANGER_LFW]


@pytest.fixture(scope="session")
def group_photo(astronaut_face):
    """Four faces in a 2x2 grid: astronaut, lfw12, stranger lfw0, lfw18.

    Returns the photo and the expected label of the face in each tile.
    """
    tiles = [
        astronaut_face,
        lfw_face(KNOWN_LFW[0], 150),
        lfw_face(STRANGER_LFW[0], 150),
        lfw_face(KNOWN_LFW[1], 150),
    ]
    labels = ["eileen", f"lfw{KNOWN_LFW[0]}", "unknown", f"lfw{KNOWN_LFW[1]}"]
    return tile(tiles, 2), labels


@pytest.fixture(scope="session")
def recognizer(known_photos):
    from skface.recognition import FaceRecognizer

    photos, names = known_photos
    return FaceRecognizer().fit(photos, names)


def tile_of(boxes, side=150, cols=2):
    """Index of the grid tile holding each box's centre."""
    boxes = np.asarray(boxes, dtype=float)
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    return (cy // side).astype(int) * cols + (cx // side).astype(int)
