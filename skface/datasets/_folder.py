"""Load a folder of face images, labelled by sub-folder or by file name."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils.validation import read_image

__all__ = ["load_image_folder"]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif")
_LABEL_MODES = ("auto", "folder", "filename", None)
# Trailing digits and separators of a file stem: 'alice_001' -> 'alice'.
_TRAILING = re.compile(r"[\s_\-.\d]+$")


def _images_in(folder, extensions):
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in extensions
    )


def _label_from_name(path):
    label = _TRAILING.sub("", path.stem)
    if not label:
        raise ValueError(
            f"cannot derive a label from the file name {path.name!r}: it has only "
            "digits and separators; name files like 'alice_001.jpg' or use "
            "labels=None"
        )
    return label


def load_image_folder(root, *, labels="auto", extensions=IMAGE_EXTENSIONS, lazy=False):
    """Load the face images of a folder, with one label per person.

    Two layouts are understood:

    * one sub-folder per person (``root/alice/1.jpg``, ``root/bob/x.png``):
      the label is the sub-folder name;
    * a flat folder (``root/alice_001.jpg``, ``root/bob-2.png``): the label is
      the file stem with its trailing digits and separators (``_``, ``-``,
      ``.``, spaces) stripped, or no label at all.

    Files are listed in sorted order, so the result is deterministic. Hidden
    files and files with other extensions are skipped.

    Parameters
    ----------
    root : str or path-like
        Folder to read.
    labels : {'auto', 'folder', 'filename'} or None, default='auto'
        ``'folder'``: one sub-folder per person (images directly inside each
        sub-folder; images in ``root`` itself are ignored with a warning).
        ``'filename'``: labels from the names of the images in ``root``.
        ``None``: the images in ``root``, unlabelled. ``'auto'``:
        ``'folder'`` when some sub-folder holds images, else ``None``.
    extensions : tuple of str, default=('.jpg', '.jpeg', '.png', '.bmp', \
'.tif', '.tiff', '.webp', '.gif')
        File extensions to read, compared case-insensitively.
    lazy : bool, default=False
        If True, ``images`` holds the file paths instead of pixel arrays
        (skface estimators accept lists of paths) and no file is opened.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : list of ndarray or list of str
            ``(H, W, 3)`` RGB or ``(H, W)`` grey arrays as stored (``uint8``,
            ``uint16`` for 16-bit grey files; sizes may differ), read with
            :func:`skface.utils.read_image`; file paths if ``lazy``.
        target : (n_samples,) ndarray of int or None
            Index of each image's label in ``target_names``; None when
            unlabelled.
        target_names : ndarray of str or None
            Sorted distinct labels.
        filenames : list of str
            Path of each image.
        DESCR : str
            Description of the data.

    Raises
    ------
    ValueError
        If ``root`` is not a folder, ``labels`` is not an option, no image
        is found, a label cannot be derived from a file name, or a file is
        not a readable image (the error names the file).

    See Also
    --------
    load_dlib_xml : Images with boxes and landmarks from a dlib XML file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skface.datasets import load_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ["alice_001", "alice_002", "bob_001"]:
    ...     Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / f"{name}.png")
    >>> data = load_image_folder(root, labels="filename")
    >>> data.target_names.tolist(), data.target.tolist()
    (['alice', 'bob'], [0, 0, 1])
    """
    if labels not in _LABEL_MODES:
        raise ValueError(f"labels must be one of {_LABEL_MODES}, got {labels!r}")
    if isinstance(extensions, str):
        extensions = (extensions,)
    exts = tuple(
        e.lower() if e.startswith(".") else "." + e.lower() for e in extensions
    )
    root_path = Path(root).expanduser()
    if not root_path.is_dir():
        what = "is not a folder" if root_path.exists() else "does not exist"
        raise ValueError(f"root {str(root)!r} {what}")

    flat = _images_in(root_path, exts)
    subdirs = sorted(
        d for d in root_path.iterdir() if d.is_dir() and not d.name.startswith(".")
    )
    per_person = {d.name: _images_in(d, exts) for d in subdirs}
    per_person = {k: v for k, v in per_person.items() if v}
    mode = labels
    if mode == "auto":
        mode = "folder" if per_person else None

    if mode == "folder":
        if flat:
            warnings.warn(
                f"{len(flat)} image(s) directly in {str(root_path)!r} are ignored: "
                "with sub-folder labels, images must sit in one sub-folder per "
                "person",
                UserWarning,
            )
        files = [f for name in sorted(per_person) for f in per_person[name]]
        names = [name for name in sorted(per_person) for _ in per_person[name]]
    else:
        files = flat
        names = [_label_from_name(f) for f in files] if mode == "filename" else None
    if not files:
        where = "its sub-folders" if mode == "folder" else "it"
        raise ValueError(
            f"no image with an extension in {exts} found in {str(root_path)!r} "
            f"({where} checked; sub-folders hold images: {bool(per_person)})"
        )

    filenames = [str(f) for f in files]
    if names is None:
        target = target_names = None
    else:
        target_names, target = np.unique(np.array(names), return_inverse=True)
        target = target.astype(np.intp)
    if lazy:
        images = list(filenames)
    else:
        images = [read_image(f, index=i) for i, f in enumerate(filenames)]
    n_labels = "unlabelled" if target_names is None else f"{len(target_names)} labels"
    descr = (
        f"Image folder\n------------\n\n{len(files)} images from {str(root_path)!r} "
        f"({n_labels}, labels from {mode or 'nothing'})."
    )
    return Bunch(
        images=images,
        target=target,
        target_names=target_names,
        filenames=filenames,
        DESCR=descr,
    )
