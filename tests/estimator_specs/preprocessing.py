"""Common-test settings for skface.preprocessing."""

import numpy as np
from skimage.data import astronaut

from . import EstimatorSpec


def _mixed_images():
    rng = np.random.RandomState(0)
    return [
        astronaut()[::8, ::8],
        rng.uniform(size=(20, 30)),
        rng.uniform(size=(9, 9, 3)),
    ], None


SPECS = {
    "ImageResizer": EstimatorSpec(init={"output_size": 8}, data=_mixed_images),
}
