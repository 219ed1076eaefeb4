"""
==================================================
Inpainting unseen faces: classical and neural
==================================================

Three holes on faces of people not seen in training (Olivetti persons
30-39): the lower half, the context encoder's centred square (side 21 on
64x64) and a surgical-mask shape. Every method uses the same
``fit`` / ``transform(X, masks)`` / ``score`` API of
:mod:`skface.restoration`, so they are compared in one loop:

* :class:`~skface.restoration.BiharmonicInpainter` (scikit-image) and
  :class:`~skface.restoration.TeleaInpainter` (OpenCV) continue the
  surrounding intensities and learn nothing;
* :class:`~skface.restoration.RegressionInpainter` learns the hidden pixels
  from the visible ones for one fixed hole (scikit-learn's face completion
  with extra trees), so one model is fitted per hole;
* :class:`~skface.restoration.FaceInpainter` is a context encoder trained
  adversarially on random holes, Poisson-blended into the face (25
  epochs here; ``benchmarks/bench_inpainting.py`` trains longer).

Known pixels are never changed; only the hole is filled.
"""

# %%
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.datasets import load_olivetti_faces, make_synthetic_faces
from skface.metrics import psnr
from skface.restoration import (
    BiharmonicInpainter,
    FaceInpainter,
    RegressionInpainter,
    TeleaInpainter,
)
from skface.restoration.masks import (
    CenterSquare,
    FaceMaskShape,
    LowerBand,
    MixedMasks,
    RandomRectangles,
)

default = "../../../shared/data/olivetti/olivetti_faces.npz"
olivetti = Path(os.environ.get("SKFACE_OLIVETTI", default))
if olivetti.exists():  # the shared Olivetti file, if present
    data = load_olivetti_faces(olivetti)  # real faces, persons 0-29 / 30-39
    train = data.images[data.target < 30]
    test = data.images[data.target >= 30]
    DATA = "Olivetti faces"
else:  # otherwise synthetic grey 64x64 faces (same split), named in the title
    faces = make_synthetic_faces(400, size=64, n_identities=40, random_state=0)
    grey = faces.images.mean(-1).astype(np.uint8)
    train, test = grey[faces.target < 30], grey[faces.target >= 30]
    DATA = "synthetic faces (make_synthetic_faces; Olivetti file absent)"
print(f"data: {DATA}")

# %%
# The three holes, one (64, 64) mask each (used for every image).
holes = {
    "lower half": LowerBand().generate((1, 64, 64))[0],
    "centre square": CenterSquare().generate((1, 64, 64))[0],
    "face mask": FaceMaskShape().generate((1, 64, 64))[0],
}

# %%
# The neural inpainter is trained adversarially (separate generator and
# discriminator optimizers) on fresh random holes of the training people
# every batch: lower halves, centre squares, surgical-mask shapes and random
# rectangles. The classical methods need no training.
methods = {
    "Biharmonic": BiharmonicInpainter(),
    "Telea": TeleaInpainter(radius=5),
    "Navier-Stokes": TeleaInpainter(method="ns", radius=5),
}
start = time.perf_counter()
neural = FaceInpainter(
    width=16,
    skip_connections=True,
    batch_size=16,
    lr=1e-3,
    adversarial_weight=1e-4,
    max_epochs=25,
    masks=MixedMasks(
        [
            LowerBand(),
            CenterSquare(),
            FaceMaskShape(),
            RandomRectangles(min_size=0.25, max_size=0.6),
        ],
        weights=[3, 3, 3, 1],
    ),
    random_state=0,
).fit(train)
print(f"FaceInpainter trained in {time.perf_counter() - start:.0f} s")
methods["FaceInpainter"] = neural

# %%
# Complete unseen faces (two per person) and measure PSNR on the hole.
shown = test[::5]
rows = []
for hole_name, hole in holes.items():
    results = {}
    for name, method in methods.items():
        if name != "FaceInpainter":  # classical: nothing to learn
            method.fit(shown)
        results[name] = method.transform(shown, masks=hole)
    # Poisson blending removes the seam of the trees' average-face fill.
    trees = RegressionInpainter(blend="poisson", random_state=0)
    trees.fit(train, masks=hole)
    results["ExtraTrees"] = trees.transform(shown, masks=hole)
    rows.append((hole_name, hole, results))
    scores = ", ".join(
        f"{name} {psnr(shown, out, masks=hole):.1f}" for name, out in results.items()
    )
    print(f"{hole_name}: hole PSNR (dB) {scores}")

# %%
# Masked input, each method and the ground truth, side by side.
names = list(rows[0][2])
n_cols = len(names) + 2
fig, axes = plt.subplots(
    len(rows) * 2, n_cols, figsize=(1.3 * n_cols, 1.4 * len(rows) * 2)
)
for r, (hole_name, hole, results) in enumerate(rows):
    for k in range(2):  # two faces per hole type
        ax_row = axes[2 * r + k]
        face = shown[5 * k]  # two different people
        masked = face / 255.0
        masked = np.where(hole, 1.0, masked)
        panels = [masked] + [results[n][5 * k] for n in names] + [face / 255.0]
        titles = ["masked input", *names, "ground truth"]
        for ax, img, title in zip(ax_row, panels, titles):
            ax.imshow(img, cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0 and k == 0:
                ax.set_title(title, fontsize=7)
        ax_row[0].set_ylabel(hole_name, fontsize=7)
fig.suptitle(f"Inpainting unseen {DATA}", fontsize=9)
fig.tight_layout()
plt.show()
