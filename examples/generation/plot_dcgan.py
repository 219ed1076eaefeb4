"""
==========================================================
DCGAN: faces from random codes (UTKFace when present)
==========================================================

:class:`~skface.generation.DCGAN` learns to draw faces from random 100-d
codes. It trains with what a few thousand faces need: the same random
differentiable augmentation on real and generated images (DiffAugment),
mirroring, a spectrally normalised discriminator with the hinge loss and a
lazy R1 penalty, and a moving average of the generator weights for
sampling.

**Data.** With the model that ``benchmarks/bench_generation.py`` trained on
7,000 UTKFace faces at 64x64 (``benchmarks/out/dcgan.safetensors``, or the
folder in ``SKFACE_GENERATION_MODELS``) and the UTKFace folder of
``../shared/data`` (``SKFACE_UTKFACE``), the figures show its samples next to
held-out UTKFace faces. Without them (e.g. on CI) a small DCGAN trains for
about a minute on synthetic faces from
:func:`~skface.datasets.make_synthetic_faces` instead: rough faces, as the
titles say.
"""

# %%
# Real faces and a trained model
# ------------------------------
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.datasets import load_image_folder, make_synthetic_faces
from skface.generation import DCGAN
from skface.utils import read_image, resize

models = Path(os.environ.get("SKFACE_GENERATION_MODELS", "../../benchmarks/out"))
utkface = Path(os.environ.get("SKFACE_UTKFACE", "../../../shared/data/utkface"))
model_file = models / "dcgan.safetensors"

if model_file.exists() and utkface.is_dir():
    gan = DCGAN.load(model_file, device="cpu")
    paths = load_image_folder(utkface, labels=None, lazy=True).images
    # bench_generation.py holds out the first 1,000 of this permutation
    held_out = np.random.RandomState(0).permutation(len(paths))[:1000]
    chosen = held_out[:32]
    size = gan.image_size
    real = np.stack(
        [resize(read_image(paths[i]).astype(np.float32) / 255, size) for i in chosen]
    )
    DATA = f"UTKFace, model of bench_generation.py ({gan.n_iter_} epochs)"
else:
    faces = make_synthetic_faces(544, size=32, background="flat", random_state=0)
    real = faces.images[512:]  # not trained on
    # the settings of `skface demo --steps generation`: about 25 s
    gan = DCGAN(
        n_latent=32,
        image_size=32,
        width=16,
        augment=None,
        batch_size=32,
        lr=2e-3,
        max_epochs=25,
        random_state=0,
    ).fit(faces.images[:512])
    DATA = f"synthetic faces, trained {gan.n_iter_} epochs here"
print(f"data: {DATA}")


def mosaic(images, columns=8):
    images = np.asarray(images)
    images = images / 255.0 if images.dtype == np.uint8 else images
    if images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=3)
    rows = [
        np.concatenate(list(images[i : i + columns]), axis=1)
        for i in range(0, len(images), columns)
    ]
    return np.concatenate(rows, axis=0)


# %%
# Samples next to real faces
# --------------------------
# ``sample`` draws codes from ``N(0, I)`` (seeded by ``random_state``) and
# runs the moving-average generator.
samples = gan.sample(32, random_state=0)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
axes[0].imshow(mosaic(samples))
axes[0].set_title("DCGAN samples")
axes[1].imshow(mosaic(real))
axes[1].set_title("real faces (not the training ones)")
for ax in axes:
    ax.axis("off")
fig.suptitle(f"DCGAN: {DATA}")
fig.tight_layout()

# %%
# Walking through the latent space
# --------------------------------
# ``transform`` maps given codes to faces: a straight line between two codes
# gives a smooth morph, a sign the generator did not memorise single faces.
rng = np.random.default_rng(3)
ends = rng.standard_normal((2, gan.n_latent)).astype(np.float32)
steps = np.linspace(0, 1, 8)[:, None]
codes = (1 - steps) * ends[0] + steps * ends[1]
fig, ax = plt.subplots(figsize=(12, 2))
ax.imshow(mosaic(gan.transform(codes)))
ax.set_title("latent interpolation between two codes")
ax.axis("off")

# %%
# How far from real faces?
# ------------------------
# :meth:`~skface.generation.DCGAN.score` is minus the kernel inception
# distance (x 1000) on dlib face embeddings between real faces and as many
# samples (:func:`skface.metrics.face_kid`): 0 means indistinguishable, so
# higher is better and ``GridSearchCV`` can tune a GAN with it.
print(f"score (-KID x 1000) against {len(real)} real faces: {gan.score(real):.2f}")
plt.show()
