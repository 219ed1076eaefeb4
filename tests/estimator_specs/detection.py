"""Common-test settings for skface.detection.

The images are made of astronaut's face (``skimage.data``) pasted onto
block-noise backgrounds, so the true boxes are known and every detector finds
them; one image has no face.
"""

import numpy as np
from skimage.data import astronaut

from . import EstimatorSpec

# dlib HOG's box of astronaut's face inside the crop rows 40:210, cols 140:300.
_PATCH_BOX = np.array([35.0, 36.0, 126.0, 127.0])


def _background(rng, shape):
    cells = rng.uniform(0.2, 0.8, (shape[0] // 8 + 1, shape[1] // 8 + 1, 3))
    img = np.kron((cells * 255).astype(np.uint8), np.ones((8, 8, 1), np.uint8))
    return np.ascontiguousarray(img[: shape[0], : shape[1]])


def face_scenes(n=3, shape=(200, 240), seed=0):
    """``n`` images with one face each, the last one with none, and the boxes."""
    rng = np.random.RandomState(seed)
    patch = astronaut()[40:210, 140:300]
    images, boxes = [], []
    for _ in range(n):
        img = _background(rng, shape)
        y = rng.randint(0, shape[0] - patch.shape[0] + 1)
        x = rng.randint(0, shape[1] - patch.shape[1] + 1)
        img[y : y + patch.shape[0], x : x + patch.shape[1]] = patch
        images.append(img)
        boxes.append((_PATCH_BOX + [x, y, x, y])[None])
    images.append(_background(rng, shape))
    boxes.append(np.empty((0, 4)))
    return images, boxes


def _scenes_with_boxes():
    return face_scenes()


def _cnn_data():
    # The CNN costs ~1 s per 512x512 image on a CPU: one face patch, one blank.
    patch = np.ascontiguousarray(astronaut()[40:210, 140:300])
    X = [patch, np.zeros((48, 64, 3), np.uint8)]
    return X, [_PATCH_BOX[None], np.empty((0, 4))]


SPECS = {
    # y = boxes: fit trains a (tiny) HOG detector, exercising the pickling of
    # a trained native detector.
    "HOGFaceDetector": EstimatorSpec(
        init={"upsample": 0, "window_size": 48, "on_missing": "nan"},
        data=_scenes_with_boxes,
        output_method="detect",
    ),
    "HaarFaceDetector": EstimatorSpec(
        init={"on_missing": "nan"},
        data=_scenes_with_boxes,
        output_method="detect",
    ),
    "CNNFaceDetector": EstimatorSpec(
        init={"on_missing": "nan"},
        data=_cnn_data,
        output_method="detect",
    ),
}
