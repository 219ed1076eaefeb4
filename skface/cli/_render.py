"""Small PIL-based drawing helpers for the demo (no matplotlib needed)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..utils.validation import check_images

# Colours for the 68-point groups: jaw, brows, nose, eyes, mouth.
_GROUPS = [
    (range(0, 17), (255, 210, 0)),
    (range(17, 27), (255, 120, 0)),
    (range(27, 36), (0, 220, 255)),
    (range(36, 48), (0, 255, 90)),
    (range(48, 68), (255, 60, 160)),
]


def to_uint8_rgb(img):
    return check_images([img], dtype="uint8", channels="rgb")[0]


def draw(img, *, boxes=(), landmarks=(), radius=None, width=None):
    """Return a PIL image with boxes (left, top, right, bottom) and points."""
    pil = Image.fromarray(to_uint8_rgb(img))
    d = ImageDraw.Draw(pil)
    scale = max(pil.size) / 256
    radius = radius or max(1.0, 1.5 * scale)
    width = width or max(1, round(1.5 * scale))
    for b in boxes:
        if np.all(np.isfinite(b[:4])):
            d.rectangle([float(v) for v in b[:4]], outline=(255, 40, 40), width=width)
    for pts in landmarks:
        pts = np.asarray(pts, dtype=float)
        if not np.isfinite(pts).all():
            continue
        for idx, colour in (
            _GROUPS if len(pts) == 68 else [(range(len(pts)), (0, 255, 90))]
        ):
            for x, y in pts[list(idx)]:
                d.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
    return pil


def grid(tiles, *, columns, tile_size, captions=None, title=None, pad=4):
    """Tile PIL images (or arrays) into one PIL image with captions."""
    tiles = [
        t if isinstance(t, Image.Image) else Image.fromarray(to_uint8_rgb(t))
        for t in tiles
    ]
    rows = -(-len(tiles) // columns)
    cap_h = 14 if captions else 0
    title_h = 20 if title else 0
    W = columns * (tile_size + pad) + pad
    H = title_h + rows * (tile_size + cap_h + pad) + pad
    canvas = Image.new("RGB", (W, H), (24, 24, 28))
    d = ImageDraw.Draw(canvas)
    if title:
        d.text((pad, 4), title, fill=(240, 240, 240))
    for k, tile in enumerate(tiles):
        r, c = divmod(k, columns)
        x = pad + c * (tile_size + pad)
        y = title_h + pad + r * (tile_size + cap_h + pad)
        scale = tile_size / max(tile.width, tile.height)
        size = (max(1, round(tile.width * scale)), max(1, round(tile.height * scale)))
        small = max(tile.width, tile.height) < tile_size / 2
        t = tile.resize(size, Image.NEAREST if small else Image.LANCZOS)
        canvas.paste(
            t, (x + (tile_size - t.width) // 2, y + (tile_size - t.height) // 2)
        )
        if captions:
            d.text(
                (x, y + tile_size + 1),
                str(captions[k])[: tile_size // 6],
                fill=(200, 200, 200),
            )
    return canvas


def stack_vertical(panels, pad=6):
    W = max(p.width for p in panels)
    H = sum(p.height for p in panels) + pad * (len(panels) - 1)
    canvas = Image.new("RGB", (W, H), (12, 12, 14))
    y = 0
    for p in panels:
        canvas.paste(p, (0, y))
        y += p.height + pad
    return canvas
