"""
===========================================
Face chips out, edited face chips back in
===========================================

:class:`~skface.alignment.FaceExtractor` cuts an aligned face chip out of a
photo in one of three ways and records how; :class:`~skface.alignment.
FaceReconstructor` puts an edited chip back with the exact inverse transform,
blending it with a feathered alpha mask or with Poisson (seamless) cloning.
"""

# %%
# Three alignments of the same face
# ---------------------------------
import matplotlib.pyplot as plt
import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.data import astronaut

from skface.alignment import FaceExtractor, FaceReconstructor
from skface.landmarks import LandmarkExtractor

X = astronaut()[np.newaxis]
landmarks = LandmarkExtractor().fit(X).landmarks(X)  # HOG detector + 68 points

records = {
    a: FaceExtractor(output_size=128, alignment=a).fit(X).extract(X, landmarks)
    for a in ("similarity", "eyes", "center")
}

fig, axes = plt.subplots(3, 4, figsize=(12, 9.4))
ax = axes[0, 0]
ax.imshow(X[0])
ax.plot(*landmarks[0].T, ".", ms=2, c="lime")
ax.set_xlim(140, 330), ax.set_ylim(240, 40)
ax.set_title("photo + 68 landmarks")
for ax, (name, rec) in zip(axes[0, 1:], records.items(), strict=True):
    ax.imshow(rec.chips[0])
    ax.contour(rec.masks[0], levels=[0.5], colors="yellow", linewidths=0.8)
    ax.plot(*rec.landmarks[0].T, ".", ms=2, c="lime")
    ax.set_title(f"alignment='{name}'")

# %%
# Edit the chip, put it back
# --------------------------
# An edit with a hard edge: the mouth colour-inverted. Alpha blending keeps
# the edit as it is (with a feathered edge); Poisson cloning keeps its
# gradients and re-solves its colours from the photo around the mask.
rec = records["similarity"]
chip = rec.chips[0].copy()
mouth = rec.landmarks[0, 48:68]
(x0, y0), (x1, y1) = mouth.min(0).astype(int) - 3, mouth.max(0).astype(int) + 4
chip[y0:y1, x0:x1] = 255 - chip[y0:y1, x0:x1]
alpha = FaceReconstructor(blend="alpha").reconstruct(X, chip[None], rec)
poisson = FaceReconstructor(blend="poisson").reconstruct(X, chip[None], rec)
axes[1, 0].imshow(chip)
axes[1, 0].set_title("edited chip: mouth inverted")
axes[1, 1].imshow(alpha[0])
axes[1, 1].set_title("blend='alpha'")
axes[1, 2].imshow(poisson[0])
axes[1, 2].set_title("blend='poisson'")
round_trip = FaceReconstructor().reconstruct(X, rec.chips, rec)
err = np.abs(round_trip[0].astype(int) - X[0]).max(-1)
axes[1, 3].imshow(err, cmap="magma", vmin=0, vmax=40)
axes[1, 3].set_title("|round trip - photo| (0-40)")

# %%
# A model's chip is blurred and has a colour cast: ``color_match`` fixes the
# cast before blending; Poisson cloning hides the seam on its own.
cast = gaussian_filter(rec.chips[0] / 255.0, sigma=(2, 2, 0))
cast = np.clip(cast * [1.15, 0.9, 0.8] + [0.06, 0.0, 0.0], 0, 1)
plain = FaceReconstructor(blend="alpha").reconstruct(X, cast[None], rec)
matched = FaceReconstructor(blend="alpha", color_match="mean_std").reconstruct(
    X, cast[None], rec
)
seamless = FaceReconstructor(blend="poisson").reconstruct(X, cast[None], rec)
axes[2, 0].imshow(cast)
axes[2, 0].set_title("model chip: blurred, colour cast")
for ax, img, title in zip(
    axes[2, 1:],
    (plain, matched, seamless),
    ("alpha", "alpha + color_match='mean_std'", "poisson"),
    strict=True,
):
    ax.imshow(img[0])
    ax.set_title(title)
for ax in axes[1:, 1:].ravel():
    ax.set_xlim(140, 330), ax.set_ylim(240, 40)
for ax in axes.ravel():
    ax.set_xticks([]), ax.set_yticks([])
fig.tight_layout()
plt.show()
