"""
=====================================================================
ProgressiveGAN: faces grown from 4x4 pixels (UTKFace when present)
=====================================================================

:class:`~skface.generation.ProgressiveGAN` starts at 4x4 pixels and adds a
block per doubling of the resolution, each new block fading in over the
upsampled output of the previous one (Karras et al., 2018). It trains with
the WGAN-GP loss, minibatch standard deviation in the critic, pixel norm
and an equalised learning rate, and is conditioned on each face's 68
landmarks and 2x2 colour thumbnail.

**Data.** With the model that ``benchmarks/bench_generation.py`` trained on
UTKFace (``benchmarks/out/progressive.safetensors``, or the folder in
``SKFACE_GENERATION_MODELS``) and the UTKFace folder of ``../shared/data``
(``SKFACE_UTKFACE``), the figures show its samples next to held-out UTKFace
faces. Without them (e.g. on CI) a small model grows to 16x16 here on
synthetic faces from :func:`~skface.datasets.make_synthetic_faces` (exact
landmarks) in about half a minute: rough faces, as the titles say.
"""

# %%
# Real faces and a grown model
# ----------------------------
# Trained here, the model grows one stage per ``fit`` with
# ``warm_start=True``: the growth schedule counts the images seen over all
# fits (``n_images_seen_``), so each fit continues where the last ended,
# and the samples after each stage show the growth.
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.datasets import load_image_folder, make_synthetic_faces
from skface.generation import ProgressiveGAN, progressive_stage
from skface.landmarks import LandmarkExtractor
from skface.utils import read_image, resize

models = Path(os.environ.get("SKFACE_GENERATION_MODELS", "../../benchmarks/out"))
utkface = Path(os.environ.get("SKFACE_UTKFACE", "../../../shared/data/utkface"))
model_file = models / "progressive.safetensors"

grown = {}  # stage -> samples at its end (trained here only)
if model_file.exists() and utkface.is_dir():
    gan = ProgressiveGAN.load(model_file, device="cpu")
    size = gan.image_size
    paths = load_image_folder(utkface, labels=None, lazy=True).images
    # bench_generation.py holds out the first 1,000 of this permutation
    held_out = np.random.RandomState(0).permutation(len(paths))[:1000]
    real = np.stack(
        [
            resize(read_image(paths[i]).astype(np.float32) / 255, size)
            for i in held_out[:32]
        ]
    )
    faces = real[:12]
    landmarks = LandmarkExtractor(on_missing="nan").landmarks(faces)
    keep = np.isfinite(landmarks).all(axis=(1, 2))
    faces, landmarks = faces[keep][:8], landmarks[keep][:8]
    DATA = (
        f"held-out UTKFace, model of bench_generation.py "
        f"({gan.n_images_seen_:,} images seen)"
    )
else:
    size = 16
    data = make_synthetic_faces(520, size=size, background="flat", random_state=0)
    X, y = data.images[:512], data.landmarks[:512]
    gan = ProgressiveGAN(
        n_latent=32,
        image_size=size,
        width=16,
        images_per_stage=3072,  # six epochs of 512 faces per resolution
        batch_size=8,
        max_epochs=3,
        random_state=0,
    ).fit(X, y)  # 1,536 images: the 4x4 stage (it has no fade-in)
    grown[gan.n_images_seen_] = gan.sample(8, random_state=0)
    gan.set_params(warm_start=True, max_epochs=6)
    while gan.resolution_ < size or gan.alpha_ < 1:  # half fade-in, half stable
        gan.fit(X, y)
        grown[gan.n_images_seen_] = gan.sample(8, random_state=0)
    gan.fit(X, y)  # six more epochs at 16x16
    grown[gan.n_images_seen_] = gan.sample(8, random_state=0)
    real = data.images[:32].astype(np.float32) / 255
    faces = data.images[512:].astype(np.float32) / 255
    landmarks = data.landmarks[512:]
    DATA = f"synthetic faces, {gan.n_images_seen_:,} images seen here"
print(f"data: {DATA}")
print(f"resolution_ = {gan.resolution_}, alpha_ = {gan.alpha_}")


def mosaic(images, columns=8):
    images = np.asarray(images, dtype=np.float32)
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
# ``sample(n)`` draws the conditions too, from a Gaussian fitted to the
# training faces' landmarks and colours, and the latent codes from
# ``N(0, I)``; the moving average of the generator weights draws them.
samples = gan.sample(32, random_state=0)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
axes[0].imshow(mosaic(samples))
axes[0].set_title(f"ProgressiveGAN samples ({gan.resolution_}x{gan.resolution_})")
axes[1].imshow(mosaic(real))
axes[1].set_title("real faces (not the training ones)")
for ax in axes:
    ax.axis("off")
fig.suptitle(f"ProgressiveGAN: {DATA}")
fig.tight_layout()

# %%
# The growth schedule
# -------------------
# :func:`~skface.generation.progressive_stage` gives the resolution and the
# fade-in weight ``alpha`` after a number of training images: each
# resolution gets ``images_per_stage`` images, the first half fading its
# block in. Trained here, the samples after each stage (same codes and
# conditions) go from colour patches to rough faces; outputs below ``image_size``
# are upsampled by pixel repetition.
sizes = [2**k for k in range(2, int(np.log2(gan.image_size)) + 1)]
ips = gan.images_per_stage
seen = np.linspace(0, max(gan.n_images_seen_, len(sizes) * ips), 400)
stages = np.array([progressive_stage(int(s), sizes, ips) for s in seen])
fig, ax = plt.subplots(figsize=(8, 2.6))
ax.step(seen, stages[:, 0], where="post", label="resolution (px)")
ax.set_ylabel("resolution (px)")
ax.set_xlabel("training images seen")
ax.axvline(gan.n_images_seen_, color="grey", linestyle="--", label="this model")
ax2 = ax.twinx()
ax2.plot(seen, stages[:, 1], color="tab:orange", label="fade-in alpha")
ax2.set_ylabel("fade-in alpha")
lines = ax.get_lines() + ax2.get_lines()
ax.legend(lines, [line.get_label() for line in lines], loc="center right")
ax.set_title(f"growth schedule: {ips:,} images per resolution")
fig.tight_layout()

if grown:
    fig, axes = plt.subplots(len(grown), 1, figsize=(9, 1.3 * len(grown)))
    for ax, (seen_then, images) in zip(axes, grown.items()):
        resolution = progressive_stage(seen_then, sizes, ips)[0]
        ax.imshow(mosaic(images))
        ax.set_title(
            f"{seen_then:,} images seen: {resolution}x{resolution}", loc="left"
        )
        ax.axis("off")
    fig.suptitle(f"ProgressiveGAN growing: {DATA}")
    fig.tight_layout()

# %%
# Conditioned on real faces
# -------------------------
# ``encode_conditions`` turns held-out faces and their landmarks into
# condition vectors (landmarks scaled to ``[-1, 1]`` and the 2x2x3 colour
# thumbnail); ``sample`` draws one face per vector. Rows: the real face,
# its 2x2 colours, and faces drawn to its conditions with two latent codes:
# skin, hair and background colours follow the thumbnail, the rest changes
# with the code.
conditions = gan.encode_conditions(faces, landmarks)
thumbs = (conditions[:, -12:].reshape(-1, 3, 2, 2).transpose(0, 2, 3, 1) + 1) / 2
draws = [gan.sample(conditions, random_state=seed) for seed in range(2)]
n = len(faces)
rows = [("real", faces), ("its 2x2 colours", thumbs)]
rows += [(f"drawn to them (code {seed})", d) for seed, d in enumerate(draws)]
fig, axes = plt.subplots(len(rows), n, figsize=(1.6 * n, 1.7 * len(rows)))
for r, (title, images) in enumerate(rows):
    for j in range(n):
        axes[r, j].imshow(np.clip(images[j], 0, 1))
        axes[r, j].axis("off")
    axes[r, 0].set_title(title, loc="left")
fig.suptitle(f"ProgressiveGAN conditioned on real faces: {DATA}")
fig.tight_layout()
plt.show()
