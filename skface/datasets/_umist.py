"""Read a local copy of the UMIST (Sheffield) head-pose sequences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ._olivetti import _to_uint8

__all__ = ["load_umist_faces"]

UMIST_DESCR = """UMIST faces
-----------

Grey photographs of 20 people (about 19 each, 380 in all), each person
turning the head from profile (about 90 degrees) to about frontal, taken at
the University of Manchester Institute of Science and Technology (now the
Sheffield face database). The views of one person are contiguous and in
their recorded order (``view``), which follows the head turn only roughly:
there are no angles, and several people's views are out of order. Estimate
the yaw from landmarks (:func:`skface.landmarks.estimate_head_pose`) and
re-sort where it matters.
"""


def load_umist_faces(path):
    """Load the UMIST head-pose sequences from a local ``.npz`` file.

    No download: the file is the user's.

    Parameters
    ----------
    path : str or path-like
        An ``.npz`` file with arrays ``images`` (``(n, H, W)`` grey, uint8
        or float in ``[0, 1]``) and ``target`` (``(n,)`` non-negative int,
        the person; the views of one person contiguous, in recorded order).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : (n_samples, H, W) ndarray of uint8
            Grey faces.
        target : (n_samples,) ndarray of int
            Person of each image.
        view : (n_samples,) ndarray of int
            Position of each image in its person's sequence (0 = the first
            recorded view, near profile).
        DESCR : str
            Description of the data.

    Raises
    ------
    ValueError
        If the file is missing, not an ``.npz`` file, lacks the arrays, or
        they have the wrong shape or type, or a person's views are not
        contiguous.

    See Also
    --------
    load_olivetti_faces : Another local face set.
    skface.landmarks.estimate_head_pose : Yaw of each view from landmarks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from skface.datasets import load_umist_faces
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "umist.npz"
    >>> np.savez(path, images=np.zeros((5, 112, 92), np.uint8),
    ...          target=[0, 0, 0, 1, 1])
    >>> faces = load_umist_faces(path)
    >>> faces.images.shape, faces.view.tolist()
    ((5, 112, 92), [0, 1, 2, 0, 1])
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValueError(f"UMIST file {str(path)!r} does not exist")
    if path.suffix.lower() != ".npz":
        raise ValueError(
            f"{str(path)!r} has extension {path.suffix.lower()!r}; expected '.npz'"
        )
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:  # zipfile and numpy raise several types
        raise ValueError(f"{str(path)!r} is not a readable .npz file: {exc}") from None
    with data:
        keys = sorted(data.files)
        missing = [k for k in ("images", "target") if k not in keys]
        if missing:
            raise ValueError(
                f"{str(path)!r} lacks the array(s) {missing}; found {keys}. Expected "
                "'images' (n, H, W) and 'target' (n,)"
            )
        images, target = data["images"], np.asarray(data["target"])
    if images.ndim != 3 or min(images.shape) == 0:
        raise ValueError(
            f"'images' in {str(path)!r} has shape {images.shape}; expected (n, H, W)"
        )
    if (
        target.shape != (len(images),)
        or target.dtype.kind not in "iu"
        or target.min() < 0
    ):
        raise ValueError(
            f"'target' in {str(path)!r} has shape {target.shape} and dtype "
            f"{target.dtype}; expected {len(images)} non-negative integer labels"
        )
    starts = np.flatnonzero(np.r_[True, target[1:] != target[:-1]])
    if len(starts) != len(np.unique(target)):
        raise ValueError(
            f"'target' in {str(path)!r}: the views of a person must be contiguous"
        )
    view = np.arange(len(target)) - np.repeat(
        starts, np.diff(np.r_[starts, len(target)])
    )
    return Bunch(
        images=np.ascontiguousarray(_to_uint8(images, f"'images' in {str(path)!r}")),
        target=target.astype(np.intp),
        view=view.astype(np.intp),
        DESCR=UMIST_DESCR,
    )
