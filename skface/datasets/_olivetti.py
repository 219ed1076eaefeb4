"""Read a local copy of the Olivetti (AT&T ORL) faces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.io import loadmat
from sklearn.utils import Bunch

__all__ = ["load_olivetti_faces"]

OLIVETTI_DESCR = """Olivetti faces
--------------

400 greyscale 64x64 photographs of 40 people (10 each), taken between 1992
and 1994 at AT&T Laboratories Cambridge (the "ORL database of faces"), with
varying lighting, facial expressions (open / closed eyes, smiling / not
smiling) and details (glasses / no glasses), against a dark background,
faces upright and frontal with some tolerance for side movement. The 64x64
version is Sam Roweis' ``olivettifaces.mat``, the file scikit-learn's
``fetch_olivetti_faces`` downloads. ``target`` is the person (0-39); images of
one person are contiguous.
"""


def _olivetti_names(target):
    # The original database stores person k in the folder 's{k + 1}'.
    return np.array([f"s{k + 1}" for k in range(int(target.max()) + 1)])


def _to_uint8(images, where):
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind == "f":
        if not np.isfinite(images).all():
            raise ValueError(f"{where} contains NaN or inf")
        lo, hi = float(images.min()), float(images.max())
        if lo >= 0 and hi <= 1:
            return np.rint(images * 255).astype(np.uint8)
        # Raw float data (as in the original .mat): rescale like scikit-learn.
        scale = (hi - lo) or 1.0
        return np.rint((images - lo) / scale * 255).astype(np.uint8)
    if images.dtype.kind in "iu" and images.min() >= 0 and images.max() <= 255:
        return images.astype(np.uint8)
    raise ValueError(
        f"{where} has dtype {images.dtype} with values outside 0..255; expected "
        "uint8 or float"
    )


def _load_npz(path):
    with np.load(path, allow_pickle=False) as data:
        keys = sorted(data.files)
        missing = [k for k in ("images", "target") if k not in keys]
        if missing:
            raise ValueError(
                f"{str(path)!r} lacks the array(s) {missing}; found {keys}. Expected "
                "'images' (n, 64, 64) and 'target' (n,)"
            )
        images, target = data["images"], data["target"]
    if images.ndim == 2 and images.shape[1] == 64 * 64:  # flattened rows
        images = images.reshape(-1, 64, 64)
    if images.ndim != 3 or images.shape[1:] != (64, 64):
        raise ValueError(
            f"'images' in {str(path)!r} has shape {images.shape}; expected (n, 64, 64)"
        )
    target = np.asarray(target)
    if (
        target.shape != (len(images),)
        or target.dtype.kind not in "iu"
        or (target.size and target.min() < 0)
    ):
        raise ValueError(
            f"'target' in {str(path)!r} has shape {target.shape} and dtype "
            f"{target.dtype}; expected {len(images)} non-negative integer labels"
        )
    return _to_uint8(images, f"'images' in {str(path)!r}"), target.astype(np.intp)


def _load_mat(path):
    try:
        mat = loadmat(path)
    except Exception as exc:  # scipy raises several types for bad files
        raise ValueError(f"{str(path)!r} is not a readable .mat file: {exc}") from None
    if "faces" not in mat:
        keys = sorted(k for k in mat if not k.startswith("__"))
        raise ValueError(f"{str(path)!r} has no 'faces' array; found {keys}")
    faces = np.asarray(mat["faces"])
    if faces.ndim != 2 or faces.shape[0] != 64 * 64:
        raise ValueError(
            f"'faces' in {str(path)!r} has shape {faces.shape}; expected "
            "(4096, n_images), one column-major 64x64 image per column"
        )
    # Columns are images stored column-major: transpose like scikit-learn.
    images = faces.T.reshape(-1, 64, 64).transpose(0, 2, 1)
    target = np.arange(len(images)) // 10  # 10 contiguous images per person
    return _to_uint8(np.ascontiguousarray(images), f"'faces' in {str(path)!r}"), target


def load_olivetti_faces(path):
    """Load the Olivetti faces from a local ``.npz`` or ``.mat`` file.

    No download: for that, see :func:`fetch_olivetti_faces`.

    Parameters
    ----------
    path : str or path-like
        Either an ``.npz`` file with arrays ``images`` (``(n, 64, 64)``,
        ``uint8`` or float in ``[0, 1]``, or flattened ``(n, 4096)``) and
        ``target`` (``(n,)`` int), or the original ``olivettifaces.mat``,
        whose ``faces`` array is ``(4096, n)`` with one column-major image
        per column (people then get ``target = index // 10``).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : (n_samples, 64, 64) ndarray of uint8
            Grey faces, upright.
        target : (n_samples,) ndarray of int
            Person of each image.
        target_names : ndarray of str
            ``'s1'``, ``'s2'``, ... as in the original database's folders.
        DESCR : str
            Description of the data.

    Raises
    ------
    ValueError
        If the file is missing, has another extension, lacks the expected
        arrays or they have the wrong shape.

    See Also
    --------
    fetch_olivetti_faces : Download through scikit-learn.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from skface.datasets import load_olivetti_faces
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "olivetti.npz"
    >>> np.savez(path, images=np.zeros((20, 64, 64), np.uint8),
    ...          target=np.repeat([0, 1], 10))
    >>> faces = load_olivetti_faces(path)
    >>> faces.images.shape, faces.target_names.tolist()
    ((20, 64, 64), ['s1', 's2'])
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValueError(f"Olivetti file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        images, target = _load_npz(path)
    elif suffix == ".mat":
        images, target = _load_mat(path)
    else:
        raise ValueError(
            f"{str(path)!r} has extension {suffix!r}; expected '.npz' or '.mat'"
        )
    if len(images) == 0:
        raise ValueError(f"{str(path)!r} holds no images")
    return Bunch(
        images=np.ascontiguousarray(images),
        target=target,
        target_names=_olivetti_names(target),
        DESCR=OLIVETTI_DESCR,
    )
