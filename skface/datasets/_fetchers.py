"""Online face datasets through scikit-learn's fetchers, in skface's layout.

These are the only functions in skface that may download data. They call
:mod:`sklearn.datasets`, which caches the files under ``data_home``
(``~/scikit_learn_data`` by default), and convert the images to skface's
image contract: ``uint8``, ``(n_samples, H, W)`` grey or ``(n_samples, H, W,
3)`` RGB.
"""

from __future__ import annotations

import numpy as np
from sklearn import datasets
from sklearn.utils import Bunch

from ._olivetti import OLIVETTI_DESCR, _olivetti_names

__all__ = ["fetch_lfw_people", "fetch_olivetti_faces"]


def _float_to_uint8(images):
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return np.ascontiguousarray(images)
    images = np.clip(images.astype(np.float64), 0, 1)
    return np.ascontiguousarray(np.rint(images * 255).astype(np.uint8))


def fetch_lfw_people(
    *,
    min_faces_per_person=0,
    resize=0.5,
    color=True,
    data_home=None,
    download_if_missing=True,
):
    """Labeled Faces in the Wild people, via scikit-learn, as ``uint8`` images.

    A thin wrapper over :func:`sklearn.datasets.fetch_lfw_people` (funneled
    images, default crop) that returns images in skface's layout. It
    downloads about 200 MB on first use unless ``download_if_missing`` is
    False.

    Parameters
    ----------
    min_faces_per_person : int, default=0
        Keep only people with at least this many pictures.
    resize : float, default=0.5
        Ratio used to resize each face picture (the crop is 125x94 pixels
        before resizing).
    color : bool, default=True
        RGB images if True, grey if False.
    data_home : str or path-like, default=None
        Cache folder; scikit-learn's default is ``~/scikit_learn_data``.
    download_if_missing : bool, default=True
        If False, raise an ``OSError`` when the data is not cached.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : (n_samples, H, W, 3) or (n_samples, H, W) ndarray of uint8
            Faces, RGB when ``color`` else grey.
        target : (n_samples,) ndarray of int
            Person of each image, indexing ``target_names``.
        target_names : ndarray of str
            Names of the people.
        DESCR : str
            scikit-learn's description of the data.

    See Also
    --------
    load_lfw_subset : 200 small LFW patches shipped with scikit-image.

    Examples
    --------
    >>> from skface.datasets import fetch_lfw_people
    >>> lfw = fetch_lfw_people(min_faces_per_person=70)  # doctest: +SKIP
    >>> lfw.images.shape  # doctest: +SKIP
    (1288, 62, 47, 3)
    """
    raw = datasets.fetch_lfw_people(
        data_home=data_home,
        funneled=True,
        resize=resize,
        min_faces_per_person=min_faces_per_person,
        color=color,
        download_if_missing=download_if_missing,
    )
    return Bunch(
        images=_float_to_uint8(raw.images),
        target=np.asarray(raw.target, dtype=np.intp),
        target_names=np.asarray(raw.target_names),
        DESCR=raw.DESCR,
    )


def fetch_olivetti_faces(*, data_home=None, download_if_missing=True):
    """Olivetti faces, via scikit-learn, as ``(400, 64, 64)`` ``uint8`` images.

    A thin wrapper over :func:`sklearn.datasets.fetch_olivetti_faces`, which
    downloads about 1.5 MB on first use unless ``download_if_missing`` is
    False. To read a local copy without scikit-learn's cache, use
    :func:`load_olivetti_faces`.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache folder; scikit-learn's default is ``~/scikit_learn_data``.
    download_if_missing : bool, default=True
        If False, raise an ``OSError`` when the data is not cached.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : (400, 64, 64) ndarray of uint8
            Grey faces.
        target : (400,) ndarray of int
            Person of each image (0-39, ten contiguous images each).
        target_names : ndarray of str
            ``'s1'`` ... ``'s40'``, as in the original database's folders.
        DESCR : str
            Description of the data.

    See Also
    --------
    load_olivetti_faces : Read a local ``.npz`` or ``.mat`` copy.

    Examples
    --------
    >>> from skface.datasets import fetch_olivetti_faces
    >>> faces = fetch_olivetti_faces()  # doctest: +SKIP
    >>> faces.images.shape, faces.images.dtype  # doctest: +SKIP
    ((400, 64, 64), dtype('uint8'))
    """
    raw = datasets.fetch_olivetti_faces(
        data_home=data_home, shuffle=False, download_if_missing=download_if_missing
    )
    target = np.asarray(raw.target, dtype=np.intp)
    return Bunch(
        images=_float_to_uint8(raw.images),
        target=target,
        target_names=_olivetti_names(target),
        DESCR=OLIVETTI_DESCR,
    )
