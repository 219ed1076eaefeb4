"""Read dlib's ``imglab`` XML annotation files (boxes and landmarks)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils.validation import read_image

__all__ = ["load_dlib_xml"]


def _parse(path):
    data = path.read_bytes()
    # Entity declarations are the door to entity-expansion and external-entity
    # attacks; dlib never writes them, so refuse them outright.
    if b"<!ENTITY" in data.upper():
        raise ValueError(
            f"{str(path)!r} declares XML entities, which load_dlib_xml refuses "
            "to expand; dlib annotation files never need them"
        )
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"{str(path)!r} is not valid XML: {exc}") from None


def _num(elem, attr, where):
    value = elem.get(attr)
    if value is None:
        raise ValueError(f"{where} has no {attr!r} attribute")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{where} has a non-numeric {attr}={value!r}") from None


def _part_key(name):
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


def load_dlib_xml(path, *, load_images=True):
    """Load images, face boxes and landmarks from a dlib XML annotation file.

    This is the format written by dlib's ``imglab`` tool and read by
    ``dlib.train_shape_predictor`` and ``dlib.train_simple_object_detector``
    (for example ``training_with_face_landmarks.xml`` in dlib's examples)::

        <dataset><images>
          <image file='a.jpg'>
            <box top='90' left='194' width='37' height='37' ignore='1'>
              <part name='00' x='201' y='107'/> ...
            </box>
          </image>
        </images></dataset>

    Parameters
    ----------
    path : str or path-like
        XML file. Image paths in it are relative to the XML file's folder.
    load_images : bool, default=True
        If True, read every image (with :func:`skface.utils.read_image`,
        which names any unreadable file). If False, ``images`` holds the
        file paths, which skface estimators accept as they are.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        images : list of ndarray or list of str
            One entry per ``<image>``, in file order.
        boxes : list of (n_boxes, 4) ndarray of float64
            ``(left, top, right, bottom)`` per box, where ``right = left +
            width`` and ``bottom = top + height``.
        landmarks : list of (n_boxes, n_parts, 2) ndarray of float64 or None
            ``(x, y)`` of each box's parts, sorted by part name (numerically
            for numeric names such as ``'00'`` to ``'67'``); NaN where a box
            lacks a part that other boxes have. None when the file has no
            parts at all.
        part_names : list of str
            The sorted part names (empty without parts).
        ignore : list of (n_boxes,) ndarray of bool
            The boxes marked ``ignore='1'`` (dlib skips them in training).
        filenames : list of str
            Resolved path of each image.
        DESCR : str
            The file's ``<name>`` and ``<comment>``.

    Raises
    ------
    ValueError
        If the file is missing, is not valid XML, declares entities, lacks
        ``<images>``, or a box lacks a coordinate.

    See Also
    --------
    load_image_folder : Images labelled by folder or file name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skface.datasets import load_dlib_xml
    >>> xml = pathlib.Path(tempfile.mkdtemp()) / "faces.xml"
    >>> _ = xml.write_text(
    ...     "<dataset><images><image file='a.png'>"
    ...     "<box top='10' left='20' width='30' height='40'>"
    ...     "<part name='1' x='25' y='30'/><part name='0' x='22' y='20'/>"
    ...     "</box></image></images></dataset>")
    >>> data = load_dlib_xml(xml, load_images=False)
    >>> data.boxes[0].tolist(), data.landmarks[0].tolist()
    ([[20.0, 10.0, 50.0, 50.0]], [[[22.0, 20.0], [25.0, 30.0]]])
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ValueError(f"dlib XML file {str(path)!r} does not exist")
    root = _parse(path)
    images_elem = root if root.tag == "images" else root.find("images")
    if images_elem is None:
        raise ValueError(
            f"{str(path)!r} has no <images> element; is it a dlib imglab XML file?"
        )
    folder = path.parent
    filenames, boxes, ignore, raw_parts = [], [], [], []
    for i, img in enumerate(images_elem.findall("image")):
        file = img.get("file")
        if not file:
            raise ValueError(f"<image> #{i} in {str(path)!r} has no 'file' attribute")
        filenames.append(str((folder / file).resolve()))
        bxs, ign, parts = [], [], []
        for j, box in enumerate(img.findall("box")):
            where = f"box #{j} of image {file!r}"
            left, top = _num(box, "left", where), _num(box, "top", where)
            w, h = _num(box, "width", where), _num(box, "height", where)
            bxs.append((left, top, left + w, top + h))
            ign.append(box.get("ignore", "0").strip() in ("1", "true", "True"))
            parts.append(
                {
                    p.get("name", ""): (
                        _num(p, "x", f"part of {where}"),
                        _num(p, "y", f"part of {where}"),
                    )
                    for p in box.findall("part")
                }
            )
        boxes.append(np.array(bxs, dtype=np.float64).reshape(-1, 4))
        ignore.append(np.array(ign, dtype=bool))
        raw_parts.append(parts)

    part_names = sorted(
        {n for parts in raw_parts for d in parts for n in d}, key=_part_key
    )
    landmarks = None
    if part_names:
        landmarks = []
        for parts in raw_parts:
            L = np.full((len(parts), len(part_names), 2), np.nan)
            for j, d in enumerate(parts):
                for k, name in enumerate(part_names):
                    if name in d:
                        L[j, k] = d[name]
            landmarks.append(L)

    images = (
        [read_image(f, index=i) for i, f in enumerate(filenames)]
        if load_images
        else list(filenames)
    )
    title = (root.findtext("name") or path.name).strip()
    comment = (root.findtext("comment") or "").strip()
    n_boxes = sum(len(b) for b in boxes)
    descr = (
        f"{title}\n{'-' * len(title)}\n\n{comment}\n\n{len(filenames)} images, "
        f"{n_boxes} boxes, {len(part_names)} parts per box, read from {str(path)!r}."
    )
    return Bunch(
        images=images,
        boxes=boxes,
        landmarks=landmarks,
        part_names=part_names,
        ignore=ignore,
        filenames=filenames,
        DESCR=descr,
    )
