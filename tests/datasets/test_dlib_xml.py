from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skface.datasets import load_dlib_xml

XML = """<?xml version='1.0' encoding='ISO-8859-1'?>
<?xml-stylesheet type='text/xsl' href='image_metadata_stylesheet.xsl'?>
<dataset>
<name>Tiny faces</name>
<comment>Two images for the tests.</comment>
<images>
  <image file='a.png' width='40' height='30'>
    <box top='2' left='3' width='10' height='12'>
      <part name='2' x='5' y='6'/>
      <part name='10' x='7' y='8'/>
      <part name='0' x='4' y='5'/>
    </box>
    <box top='5' left='20' width='8' height='9' ignore='1'>
      <part name='0' x='21' y='6'/>
      <part name='2' x='22' y='7'/>
    </box>
  </image>
  <image file='sub/b.png'>
  </image>
</images>
</dataset>
"""


@pytest.fixture
def xml_file(tmp_path):
    Image.fromarray(np.zeros((30, 40, 3), np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "sub").mkdir()
    Image.fromarray(np.full((5, 6), 9, np.uint8)).save(tmp_path / "sub" / "b.png")
    path = tmp_path / "faces.xml"
    path.write_text(XML)
    return path


def test_boxes_landmarks_ignore(xml_file):
    d = load_dlib_xml(xml_file)
    assert len(d.images) == len(d.boxes) == len(d.ignore) == 2
    np.testing.assert_array_equal(d.boxes[0], [[3, 2, 13, 14], [20, 5, 28, 14]])
    assert d.boxes[1].shape == (0, 4)
    assert d.ignore[0].tolist() == [False, True] and d.ignore[1].shape == (0,)
    # Parts sorted numerically ('0', '2', '10'), NaN where a box lacks one.
    assert d.part_names == ["0", "2", "10"]
    np.testing.assert_array_equal(d.landmarks[0][0], [[4, 5], [5, 6], [7, 8]])
    np.testing.assert_array_equal(d.landmarks[0][1, :2], [[21, 6], [22, 7]])
    assert np.isnan(d.landmarks[0][1, 2]).all()
    assert d.landmarks[1].shape == (0, 3, 2)
    assert d.images[0].shape == (30, 40, 3) and d.images[1].shape == (5, 6)
    assert Path(d.filenames[1]) == (xml_file.parent / "sub" / "b.png").resolve()
    assert "Tiny faces" in d.DESCR and "Two images" in d.DESCR


def test_paths_only(xml_file):
    d = load_dlib_xml(str(xml_file), load_images=False)
    assert d.images == d.filenames
    assert all(Path(f).is_absolute() for f in d.filenames)


def test_no_parts(tmp_path):
    path = tmp_path / "boxes.xml"
    path.write_text(
        "<dataset><images><image file='x.jpg'>"
        "<box top='1' left='2' width='3' height='4'/></image></images></dataset>"
    )
    d = load_dlib_xml(path, load_images=False)
    assert d.landmarks is None and d.part_names == []
    np.testing.assert_array_equal(d.boxes[0], [[2, 1, 5, 5]])


def test_missing_image_named(tmp_path):
    path = tmp_path / "faces.xml"
    path.write_text("<dataset><images><image file='gone.png'/></images></dataset>")
    with pytest.raises(ValueError, match="gone.png"):
        load_dlib_xml(path)


@pytest.mark.parametrize(
    "text, match",
    [
        ("<dataset><images>", "not valid XML"),
        ("<dataset><name>x</name></dataset>", "no <images>"),
        (
            "<dataset><images><image file='a.png'><box top='1' left='2' width='3'/>"
            "</image></images></dataset>",
            "'height'",
        ),
        (
            "<dataset><images><image file='a.png'>"
            "<box top='1' left='x' width='3' height='3'/></image></images></dataset>",
            "non-numeric left",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            "<dataset><name>&e;</name><images/></dataset>",
            "entities",
        ),
    ],
)
def test_bad_files(tmp_path, text, match):
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_dlib_xml(path, load_images=False)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_dlib_xml(tmp_path / "nothing.xml")


# ------------------------------------------------------ untrusted files
# (issue 10, section 5.7): paths outside the XML's folder and entity
# declarations hidden by another encoding are refused.


def _one_image_xml(tmp_path, file):
    path = tmp_path / "data" / "faces.xml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"<dataset><images><image file='{file}'/></images></dataset>")
    return path


@pytest.mark.parametrize("load_images", [True, False])
def test_image_outside_the_folder_is_refused(tmp_path, load_images):
    secret = tmp_path / "secret.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(secret)
    for file in ["../secret.png", str(secret), "sub/../../secret.png"]:
        path = _one_image_xml(tmp_path, file)
        with pytest.raises(ValueError, match="outside.*allow_outside=True"):
            load_dlib_xml(path, load_images=load_images)
    data = load_dlib_xml(path, load_images=load_images, allow_outside=True)
    assert data.filenames == [str(secret.resolve())]


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(secret)
    path = _one_image_xml(tmp_path, "link.png")
    (path.parent / "link.png").symlink_to(secret)
    with pytest.raises(ValueError, match="outside"):
        load_dlib_xml(path)
    assert load_dlib_xml(path, allow_outside=True).images[0].shape == (4, 4)


def test_paths_inside_the_folder_are_fine(xml_file):
    # ./ and sub/../ stay inside the folder.
    text = XML.replace("file='a.png'", "file='./sub/../a.png'")
    xml_file.write_text(text)
    assert load_dlib_xml(xml_file).images[0].shape == (30, 40, 3)


ENTITY_XML = (
    '<?xml version="1.0" encoding="{enc}"?>'
    '<!DOCTYPE d [<!ENTITY e "boom">]>'
    "<dataset><name>&e;</name><images/></dataset>"
)


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"]
)
def test_entities_are_refused_in_any_encoding(tmp_path, encoding):
    path = tmp_path / "bad.xml"
    enc = encoding.replace("-sig", "").replace("-le", "").replace("-be", "")
    # utf-16-le/-be have no BOM: the encoding is seen in the bytes of '<?xml'.
    path.write_bytes(ENTITY_XML.format(enc=enc).encode(encoding))
    with pytest.raises(ValueError, match="declares XML entities, which"):
        load_dlib_xml(path, load_images=False)


def test_doctype_without_entities_is_refused(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE dataset SYSTEM "http://example.com/x.dtd">'
        "<dataset><images/></dataset>"
    )
    with pytest.raises(ValueError, match="has a <!DOCTYPE>"):
        load_dlib_xml(path, load_images=False)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "iso-8859-1"])
def test_other_encodings_of_a_good_file(xml_file, encoding):
    text = XML.replace("ISO-8859-1", encoding.replace("-sig", "")).replace(
        "Tiny faces", "Tiny faces \u00e9"
    )
    xml_file.write_bytes(text.encode(encoding))
    data = load_dlib_xml(xml_file, load_images=False)
    assert data.DESCR.startswith("Tiny faces \u00e9")
    assert data.boxes[0].shape == (2, 4)


def test_undeclared_encoding_mismatch_is_a_value_error(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(b"<dataset><name>\xff\xfe\xfa</name><images/></dataset>")
    with pytest.raises(ValueError, match="bad.xml"):
        load_dlib_xml(path, load_images=False)


def test_xml_path_is_a_folder(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        load_dlib_xml(tmp_path)
