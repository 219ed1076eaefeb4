"""skface.utils.draw_faces: boxes, landmark dots and labels on a copy."""

import sys

import numpy as np
import pytest
from skimage.data import astronaut

from skface.utils import draw_faces


def test_draws_boxes_dots_and_labels_on_a_copy():
    img = np.zeros((100, 120, 3), np.uint8)
    before = img.copy()
    out = draw_faces(
        img,
        boxes=[[10, 20, 60, 80, 0.9], [np.nan] * 4 + [0.1]],
        landmarks=[[[30.0, 40.0]]],
        labels=["ann", None],
        line_width=1,
        point_radius=2,
    )
    np.testing.assert_array_equal(img, before)  # input untouched
    assert out.shape == (100, 120, 3) and out.dtype == np.uint8
    # box outline: pixel edges 10..59 x 20..79 (half-open box)
    assert tuple(out[20, 35]) == (0, 255, 0) and tuple(out[50, 10]) == (0, 255, 0)
    assert tuple(out[50, 59]) == (0, 255, 0) and tuple(out[50, 60]) == (0, 0, 0)
    assert tuple(out[40, 30]) == (255, 0, 0)  # landmark dot
    # label band at the bottom of the box, with white text in it
    band = out[60:80, 11:59]
    green = (band == (0, 255, 0)).all(axis=-1)
    assert green[-1].all() and not green[0].any()  # filled from the bottom up
    assert (band[..., 0] > 200).any()  # light text (red channel) on green
    assert tuple(out[5, 5]) == (0, 0, 0)  # outside: unchanged


def test_grey_float_and_path_inputs(tmp_path):
    from skimage.io import imsave

    grey = np.zeros((40, 40))
    out = draw_faces(grey, boxes=[[5, 5, 30, 30]])
    assert out.shape == (40, 40, 3)
    path = tmp_path / "a.png"
    imsave(path, astronaut())
    drawn = draw_faces(path, boxes=np.empty((0, 4)))
    np.testing.assert_array_equal(drawn, astronaut())


def test_bad_arguments():
    img = np.zeros((20, 20, 3), np.uint8)
    with pytest.raises(ValueError, match="2 labels for 1 boxes"):
        draw_faces(img, boxes=[[0, 0, 5, 5]], labels=["a", "b"])
    with pytest.raises(ValueError, match="boxes has shape"):
        draw_faces(img, boxes=[[0, 0, 5]])
    with pytest.raises(ValueError, match="landmarks has shape"):
        draw_faces(img, landmarks=np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="box_color"):
        draw_faces(img, boxes=[[0, 0, 5, 5]], box_color=(0, 300, 0))


def test_no_heavy_imports():
    import subprocess

    code = (
        "import numpy as np, sys; from skface.utils import draw_faces;"
        "draw_faces(np.zeros((8, 8, 3), np.uint8), boxes=[[1, 1, 5, 5]]);"
        "print(sorted(m for m in ('torch', 'cv2', 'dlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
