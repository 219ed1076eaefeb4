"""
=================================================
Face2Vec geometry, thumbnails and colour features
=================================================

Features turn faces into rows for any scikit-learn estimator:
:class:`~skface.features.Face2VecFeatures` (landmark geometry relative to
the nose tip, with the seed project's per-image scaling or a Procrustes
normalisation that removes pose), :class:`~skface.features.ThumbnailFeatures`
(an 8x8x3 colour thumbnail of a face chip) and
:class:`~skface.features.ColorHistogram` (a masked colour histogram).
"""

# %%
# Procrustes normalisation removes pose
# -------------------------------------
# The same face rotated and scaled gives the same ``'procrustes'`` features,
# while the seed's per-image scaling changes with the rotation.
import matplotlib.pyplot as plt
import numpy as np

from skface.alignment import FaceExtractor
from skface.datasets import make_synthetic_faces
from skface.features import ColorHistogram, Face2VecFeatures, ThumbnailFeatures

faces = make_synthetic_faces(40, size=128, n_identities=4, random_state=0)
shape = faces.landmarks[0]
angle = np.deg2rad(20)
rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
moved = 1.5 * (shape - shape.mean(0)) @ rot.T + 300
pair = np.stack([shape, moved])
for normalize in ("seed", "procrustes"):
    f = Face2VecFeatures(normalize=normalize).fit(faces.landmarks).transform(pair)
    print(
        f"{normalize:>10}: max feature change under rotation+scale "
        f"{np.abs(f[0] - f[1]).max():.2e}"
    )

# %%
# Chips, thumbnails and histograms
# --------------------------------
chips = (
    FaceExtractor(output_size=96)
    .fit(faces.images[:4])
    .transform(faces.images[:4], landmarks=faces.landmarks[:4])
)
thumbs = ThumbnailFeatures().fit(chips).transform(chips).reshape(-1, 8, 8, 3)
hists = ColorHistogram(bins=16).fit(chips).transform(chips).reshape(-1, 3, 16)
fig, axes = plt.subplots(3, 4, figsize=(10, 7))
for i in range(4):
    axes[0, i].imshow(chips[i])
    axes[0, i].set_title(f"chip, identity {faces.target[i]}")
    axes[1, i].imshow(thumbs[i], interpolation="nearest")
    axes[1, i].set_title("8x8x3 thumbnail")
    for channel, colour in enumerate("rgb"):
        axes[2, i].plot(hists[i, channel], c=colour)
    axes[2, i].set_title("face-region histogram")
for ax in axes[:2].ravel():
    ax.axis("off")
fig.tight_layout()
plt.show()
