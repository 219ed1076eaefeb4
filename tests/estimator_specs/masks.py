"""Common-test settings for the mask generators (skface.restoration.masks)."""

from . import EstimatorSpec


def _mixed_init():
    from skface.restoration.masks import CenterSquare, RandomRectangles

    return {"generators": [CenterSquare(), RandomRectangles()], "random_state": 0}


SPECS = {
    # The only generator without a default: it needs generators to choose from.
    "MixedMasks": EstimatorSpec(init=_mixed_init()),
}
