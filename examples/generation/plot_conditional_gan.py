"""
======================================================================
ConditionalGAN: faces that follow given landmarks (UTKFace if present)
======================================================================

:class:`~skface.generation.ConditionalGAN` draws a face to a given set of 68
landmarks: the landmarks become heat maps (one per face part) that the
generator sees at every scale and the spectrally normalised projection
discriminator sees next to the image, and a small landmark regressor makes
the generator pay for faces whose landmarks drift.

**Data.** With the model that ``benchmarks/bench_generation.py`` trained on
UTKFace (``benchmarks/out/conditional.safetensors``, or the folder in
``SKFACE_GENERATION_MODELS``) and the UTKFace folder of ``../shared/data``
(``SKFACE_UTKFACE``), the figures use held-out UTKFace faces. Without them
(e.g. on CI) a small model trains for about a minute on synthetic faces from
:func:`~skface.datasets.make_synthetic_faces`, whose exact landmarks are
known. That is far too short for this model: the fallback figures show a
generator at the start of training, not yet drawing faces (measured: 12
epochs of 512 faces give one noisy blob for every condition), and say so in
their titles. The model needs hundreds of thousands of images (the
benchmark's 15-minute CPU runs see 376,000-517,000 at 32x32).
"""

# %%
# Faces, their landmarks and a model
# ----------------------------------
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.datasets import load_image_folder, make_synthetic_faces
from skface.generation import ConditionalGAN
from skface.landmarks import LandmarkExtractor
from skface.utils import read_image, resize

models = Path(os.environ.get("SKFACE_GENERATION_MODELS", "../../benchmarks/out"))
utkface = Path(os.environ.get("SKFACE_UTKFACE", "../../../shared/data/utkface"))
model_file = models / "conditional.safetensors"

if model_file.exists() and utkface.is_dir():
    gan = ConditionalGAN.load(model_file, device="cpu")
    paths = load_image_folder(utkface, labels=None, lazy=True).images
    # bench_generation.py holds out the first 1,000 of this permutation
    held_out = np.random.RandomState(0).permutation(len(paths))[:1000]
    faces = np.stack([resize(read_image(paths[i]), 64) for i in held_out[:8]])
    landmarks = LandmarkExtractor(on_missing="nan").landmarks(faces)
    keep = np.isfinite(landmarks).all(axis=(1, 2))
    faces, landmarks = faces[keep], landmarks[keep]
    DATA = f"held-out UTKFace, model of bench_generation.py ({gan.n_iter_} epochs)"
else:
    data = make_synthetic_faces(520, size=32, background="flat", random_state=0)
    gan = ConditionalGAN(
        n_latent=32,
        image_size=32,
        width=16,
        batch_size=32,
        augment=None,
        lr=2e-3,
        max_epochs=12,
        random_state=0,
    ).fit(data.images[:512], data.landmarks[:512])
    faces, landmarks = data.images[512:], data.landmarks[512:]
    DATA = (
        f"synthetic faces, only {gan.n_iter_} epochs here: start of training, "
        "not yet faces"
    )
print(f"data: {DATA}")

# %%
# Generated to the landmarks of real faces
# ----------------------------------------
# ``sample`` takes landmarks in pixels of an ``image_size`` image: scale the
# real faces' landmarks to it. Each column: a real face with its landmarks,
# then three faces drawn to those landmarks (three random codes). Pose,
# mouth and eyes follow the dots; identity changes with the code.
size = gan.image_size
scaled = landmarks * (size / faces.shape[1])
draws = [gan.sample(scaled, random_state=seed) for seed in range(3)]
n = len(faces)
fig, axes = plt.subplots(4, n, figsize=(1.6 * n, 6.8), squeeze=False)
for j in range(n):
    axes[0, j].imshow(faces[j])
    axes[0, j].plot(*landmarks[j].T, ".", color="lime", markersize=2)
    for r in range(3):
        axes[r + 1, j].imshow(draws[r][j], extent=(0, size, size, 0))
        axes[r + 1, j].plot(*scaled[j].T, ".", color="lime", markersize=1.5)
for ax in axes.ravel():
    ax.axis("off")
axes[0, 0].set_title("real", loc="left")
axes[1, 0].set_title("drawn to its landmarks", loc="left")
fig.suptitle(f"ConditionalGAN: {DATA}")
fig.tight_layout()

# %%
# One code, other landmarks
# -------------------------
# ``transform`` redraws each face from the mean code ``z = 0`` on its own
# landmarks: one typical face that takes each pose and expression.
typical = gan.transform(faces, landmarks=landmarks)
fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 3.6), squeeze=False)
for j in range(n):
    axes[0, j].imshow(faces[j])
    axes[1, j].imshow(typical[j])
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle("real faces (top) and the mean code drawn to their landmarks")
fig.tight_layout()
plt.show()
