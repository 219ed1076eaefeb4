"""
=========================
Hole masks for inpainting
=========================

:mod:`skface.restoration.masks` draws the holes inpainters are trained and
tested on: the context encoder's centred square and random rectangles,
free-form strokes, a surgical-mask shape placed from facial landmarks (or
from a template on aligned faces) and mixtures of them. Every generator is
seeded, so the same ``random_state`` gives the same holes.
:class:`~skface.restoration.MaskedFaceSynthesizer` paints a realistic mask on
photos instead, to build masked/unmasked training pairs.
"""

# %%
# Faces: the Olivetti set when its file is present, drawn faces otherwise
# (the title says which).
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

from skface.datasets import load_olivetti_faces, make_synthetic_faces
from skface.restoration import MaskedFaceSynthesizer
from skface.restoration.masks import (
    CenterSquare,
    FaceMaskShape,
    IrregularStrokes,
    MixedMasks,
    RandomRectangles,
)

default = "../../../shared/data/olivetti/olivetti_faces.npz"
olivetti = Path(os.environ.get("SKFACE_OLIVETTI", default))
if olivetti.exists():  # the shared Olivetti file, if present
    faces = load_olivetti_faces(olivetti).images[300:400:20]  # persons 30-39
    DATA = "unseen Olivetti faces"
else:  # otherwise synthetic grey 64x64 faces, named in the title
    faces = make_synthetic_faces(5, size=64, random_state=0).images.mean(-1)
    faces = faces.astype(np.uint8)
    DATA = "synthetic faces (Olivetti file absent)"
print(f"data: {DATA}")

# %%
# Each generator returns a boolean ``(n, H, W)`` array, True on the hole.
generators = {
    "CenterSquare()": CenterSquare(),
    "RandomRectangles(2)": RandomRectangles(n_rectangles=2),
    "IrregularStrokes()": IrregularStrokes(),
    "FaceMaskShape()": FaceMaskShape(),
    "FaceMaskShape(jitter=0.1)": FaceMaskShape(jitter=0.1),
    "MixedMasks([...])": MixedMasks(
        [CenterSquare(), RandomRectangles(), FaceMaskShape(jitter=0.1)]
    ),
}
fig, axes = plt.subplots(len(generators), len(faces), figsize=(7, 8.6))
for row, (name, gen) in zip(axes, generators.items()):
    holes = gen.generate(faces, random_state=0)
    for ax, face, hole in zip(row, faces, holes):
        shown = np.repeat(face[..., None] / 255.0, 3, axis=2)
        shown[hole] = 0.35 * shown[hole] + 0.65 * np.array([0.9, 0.2, 0.2])
        ax.imshow(shown)
        ax.set_xticks([])
        ax.set_yticks([])
    row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
fig.suptitle(f"Holes (red) on {DATA}")
fig.tight_layout()

# %%
# On a photo, :class:`~skface.restoration.MaskedFaceSynthesizer` finds the
# 68 landmarks (dlib) and paints a mask from the nose bridge to under the
# chin, with pleats, fabric grain and the photo's lighting.
# ``transform_with_masks`` also gives the covered region: the hole an
# inpainter should fill.
photo = data.astronaut()[None]
styles = [
    {"color": "surgical_blue", "texture": "pleats"},
    {"color": "black", "texture": "noise"},
    {"color": "white", "texture": "flat"},
]
synth = MaskedFaceSynthesizer(random_state=0).fit(photo)
landmarks = synth.landmark_extractor_.landmarks(photo)
fig, axes = plt.subplots(1, len(styles) + 1, figsize=(10, 3.2))
axes[0].imshow(photo[0, 20:260, 110:290])
axes[0].set_title("photo", fontsize=9)
for ax, style in zip(axes[1:], styles):
    synth.set_params(**style)
    masked, region = synth.transform_with_masks(photo, landmarks=landmarks)
    ax.imshow(masked[0, 20:260, 110:290])
    ax.contour(region[0, 20:260, 110:290], levels=[0.5], colors="r", linewidths=0.5)
    ax.set_title(f"{style['color']}, {style['texture']}", fontsize=9)
for ax in axes:
    ax.axis("off")
fig.tight_layout()
plt.show()
