"""Read dlib's ``imglab`` XML annotation files (boxes and landmarks)."""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils.validation import read_image

__all__ = ["load_dlib_xml"]


# Byte-order marks, longest first (UTF-32-LE's starts with UTF-16-LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# '<?' without a BOM, as the XML spec's appendix F finds the encoding family.
_FIRST_BYTES = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECLARED = re.compile(
    rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']"""
)
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _encoding(data):
    """The encoding of an XML file: BOM, then first bytes, then declaration."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    for head, encoding in _FIRST_BYTES:
        if data.startswith(head):
            return encoding
    match = _DECLARED.match(data[:1024])
    return match.group(1).decode("ascii") if match else "utf-8"


def _parse(path):
    data = path.read_bytes()
    encoding = _encoding(data)
    try:
        codecs.lookup(encoding)
        text = data.decode(encoding).lstrip("\ufeff")
    except LookupError:
        raise ValueError(
            f"{str(path)!r} declares an unknown encoding {encoding!r}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{str(path)!r} is not valid {encoding} text ({exc.reason} at byte "
            f"{exc.start})"
        ) from None
    # Document type and entity declarations are the door to entity-expansion
    # and external-entity attacks; dlib never writes them, so refuse them. The
    # check runs on the decoded text, which is exactly what is parsed, so no
    # encoding (UTF-16, UTF-32...) can hide them.
    found = {m.upper() for m in _DTD.findall(text)}
    if found:
        what = (
            "declares XML entities"
            if "ENTITY" in found
            else "has a <!DOCTYPE> (document type) declaration"
        )
        raise ValueError(
            f"{str(path)!r} {what}, which load_dlib_xml refuses; dlib annotation "
            "files never need them"
        )
    try:
        return ET.fromstring(text)
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


def load_dlib_xml(path, *, load_images=True, allow_outside=False):
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
    allow_outside : bool, default=False
        Whether image paths may lead outside the XML file's folder (absolute
        paths, ``..``, or symbolic links pointing elsewhere). Refused by
        default, so that an annotation file from elsewhere cannot make
        skface read arbitrary files; set True for a file you trust.

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
        If the file is missing or a folder, is not valid XML in its encoding
        (found from its byte-order mark or XML declaration), has a
        ``<!DOCTYPE>`` or entity declaration, lacks ``<images>``, names an
        image outside its folder (unless ``allow_outside``), or a box lacks
        a coordinate.

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
    if path.is_dir():
        raise ValueError(f"dlib XML file {str(path)!r} is a folder, not a file")
    if not path.is_file():
        raise ValueError(f"dlib XML file {str(path)!r} does not exist")
    root = _parse(path)
    images_elem = root if root.tag == "images" else root.find("images")
    if images_elem is None:
        raise ValueError(
            f"{str(path)!r} has no <images> element; is it a dlib imglab XML file?"
        )
    folder = path.parent.resolve()
    filenames, boxes, ignore, raw_parts = [], [], [], []
    for i, img in enumerate(images_elem.findall("image")):
        file = img.get("file")
        if not file:
            raise ValueError(f"<image> #{i} in {str(path)!r} has no 'file' attribute")
        resolved = (folder / file).resolve()
        if not allow_outside and not resolved.is_relative_to(folder):
            raise ValueError(
                f"<image> #{i} in {str(path)!r} names {file!r}, which lies outside "
                f"the XML file's folder {str(folder)!r}; pass allow_outside=True "
                "if you trust this file"
            )
        filenames.append(str(resolved))
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
