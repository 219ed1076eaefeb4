"""save_animation: frames to an animated GIF."""

import numpy as np
import pytest
from PIL import Image

from skface.utils import save_animation


def _frames(n=5, size=8, channels=3):
    ramp = np.linspace(0, 1, n, dtype=np.float32)[:, None, None]
    frames = ramp * np.ones((n, size, size), np.float32)
    return frames if channels is None else np.repeat(frames[..., None], channels, -1)


def _read(path):
    im = Image.open(path)
    out = []
    for k in range(im.n_frames):
        im.seek(k)
        out.append(np.asarray(im.convert("RGB")))
    return im, np.stack(out)


def test_rgb_float_frames_round_trip(tmp_path):
    frames = _frames()
    path = save_animation(frames, tmp_path / "a.gif", fps=20, loop=2)
    im, back = _read(path)
    assert im.format == "GIF" and im.n_frames == 5 and im.size == (8, 8)
    assert im.info["duration"] == 50 and im.info["loop"] == 2
    expected = np.round(frames * 255)
    assert np.abs(back.astype(float) - expected).max() <= 8  # GIF palette


@pytest.mark.parametrize("channels", [None, 1])
def test_grey_and_uint8_frames(tmp_path, channels):
    frames = (_frames(channels=channels) * 255).astype(np.uint8)
    im, back = _read(save_animation(frames, tmp_path / "g.gif"))
    assert im.n_frames == 5
    np.testing.assert_array_equal(back[..., 0], frames.reshape(5, 8, 8))


def test_pingpong_plays_back_without_repeating_the_ends(tmp_path):
    frames = _frames(4)
    im, back = _read(save_animation(frames, tmp_path / "p.gif", pingpong=True))
    assert im.n_frames == 6
    means = back.mean(axis=(1, 2, 3))
    assert np.all(np.diff(means[:4]) > 0) and np.all(np.diff(means[3:]) < 0)


@pytest.mark.parametrize("channels", [3, None])
def test_several_sequences_are_tiled_side_by_side(tmp_path, channels):
    one = _frames(channels=channels)
    frames = np.stack([one, 1 - one])  # (2, 5, 8, 8[, 3])
    im, back = _read(save_animation(frames, tmp_path / "t.gif"))
    assert im.n_frames == 5 and im.size == (16, 8)
    assert back[-1, :, :8].mean() > 200 and back[-1, :, 8:].mean() < 50


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="must end in .gif"):
        save_animation(_frames(), tmp_path / "a.png")
    with pytest.raises(ValueError, match="shape"):
        save_animation(np.zeros((8, 8)), tmp_path / "a.gif")
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        save_animation(_frames() * 2, tmp_path / "a.gif")
    with pytest.raises(ValueError, match="NaN"):
        save_animation(_frames() * np.nan, tmp_path / "a.gif")
    with pytest.raises(ValueError, match="dtype"):
        save_animation(_frames().astype(np.int32), tmp_path / "a.gif")
    with pytest.raises(ValueError, match="empty"):
        save_animation(np.zeros((0, 8, 8, 3)), tmp_path / "a.gif")
    with pytest.raises(ValueError, match="fps"):
        save_animation(_frames(), tmp_path / "a.gif", fps=0)
    with pytest.raises(ValueError, match="loop"):
        save_animation(_frames(), tmp_path / "a.gif", loop=-1)
