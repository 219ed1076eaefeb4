"""Face images that scikit-image ships with its wheel (nothing is downloaded)."""

from __future__ import annotations

import numpy as np
from skimage import data
from sklearn.utils import Bunch

__all__ = ["load_sample_images", "load_lfw_subset"]

_SAMPLES_DESCR = """Sample face photographs
-----------------------

Two photographs shipped with scikit-image (``skimage.data``), read from the
installed package without any download:

* ``'astronaut'``: Eileen Collins, 512x512 RGB, public domain (NASA). A
  frontal face that dlib's HOG detector finds (with ``upsample=1`` it also
  fires weakly on the mission patch on her suit).
* ``'camera'``: the classic "cameraman", 512x512 grey replicated to RGB. A
  small face in profile under a hat, which dlib's frontal HOG detector does
  not find: handy to show the ``on_missing`` policies.
"""

_LFW_DESCR = """LFW subset (faces vs non-faces)
-------------------------------

200 greyscale 25x25 patches shipped with scikit-image
(``skimage.data.lfw_subset``): 100 faces randomly selected from Labeled Faces
in the Wild and cropped, then 100 non-face patches cut from the backgrounds
of the same photographs. ``target`` is 1 for faces and 0 for non-faces.

References
----------
G. B. Huang, M. Mattar, H. Lee and E. Learned-Miller. Learning to align from
scratch. NIPS 2012. http://vis-www.cs.umass.edu/lfw/
"""


def load_sample_images():
    """Load two photographs shipped with scikit-image, as RGB ``uint8``.

    Nothing is downloaded: both files are part of the scikit-image wheel.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : list of (512, 512, 3) ndarray of uint8
            ``astronaut`` (a frontal face found by dlib's HOG detector) and
            ``camera`` (grey replicated to RGB; its profile face is *not*
            found by dlib's frontal detector).
        names : list of str
            ``['astronaut', 'camera']``.
        DESCR : str
            Description of the images.

    See Also
    --------
    load_lfw_subset : Small face / non-face patches.
    make_synthetic_faces : Drawn faces with exact landmarks.

    Examples
    --------
    >>> from skface.datasets import load_sample_images
    >>> samples = load_sample_images()
    >>> samples.names
    ['astronaut', 'camera']
    >>> [img.shape for img in samples.images]
    [(512, 512, 3), (512, 512, 3)]
    """
    astronaut = np.ascontiguousarray(data.astronaut(), dtype=np.uint8)
    camera = np.ascontiguousarray(np.repeat(data.camera()[..., None], 3, axis=2))
    return Bunch(
        images=[astronaut, camera], names=["astronaut", "camera"], DESCR=_SAMPLES_DESCR
    )


def load_lfw_subset():
    """Load 100 face and 100 non-face 25x25 patches shipped with scikit-image.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : (200, 25, 25) ndarray of float64
            Grey patches with values in ``[0, 1]``; the first 100 are faces.
        target : (200,) ndarray of int
            1 for a face, 0 for a non-face.
        target_names : ndarray of str
            ``['non-face', 'face']``, indexed by ``target``.
        DESCR : str
            Description of the data.

    See Also
    --------
    load_sample_images : Full-size photographs.

    Examples
    --------
    >>> from skface.datasets import load_lfw_subset
    >>> lfw = load_lfw_subset()
    >>> lfw.images.shape, lfw.target[:3].tolist(), lfw.target_names.tolist()
    ((200, 25, 25), [1, 1, 1], ['non-face', 'face'])
    """
    images = np.asarray(data.lfw_subset(), dtype=np.float64)
    if images.max() > 1:  # older scikit-image returned uint8 patches
        images = images / 255.0
    target = np.r_[np.ones(100, dtype=int), np.zeros(len(images) - 100, dtype=int)]
    return Bunch(
        images=np.ascontiguousarray(images),
        target=target,
        target_names=np.array(["non-face", "face"]),
        DESCR=_LFW_DESCR,
    )
