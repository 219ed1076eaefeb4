"""
====================================================================
LatentGAN: faces from landmarks and a thumbnail (UTKFace if present)
====================================================================

:class:`~skface.generation.LatentGAN` is the decoder of
:class:`~skface.autoencoders.FaceAnonymizer` (the 68 landmarks of a face
chip plus its 8x8x3 colour thumbnail, from
:func:`~skface.autoencoders.latent_features`, to a face chip) trained with
a discriminator next to the L1 distance. The L1 loss alone averages what
the features do not fix (skin texture, the exact eyes, hair strands) into a
blur; the adversarial term pays for that blur.

**Data.** With the model that ``benchmarks/bench_generation.py`` trained on
UTKFace (``benchmarks/out/latent.safetensors``, or the folder in
``SKFACE_GENERATION_MODELS``) and the UTKFace folder of ``../shared/data``
(``SKFACE_UTKFACE``), the figures decode held-out UTKFace faces. Without
them (e.g. on CI) a small LatentGAN and a small
:class:`~skface.autoencoders.LatentDecoder` train for half a minute on
synthetic faces from :func:`~skface.datasets.make_synthetic_faces`, whose
exact landmarks are known: rough faces, as the titles say.
"""

# %%
# Held-out faces, their features and a model
# ------------------------------------------
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.autoencoders import LatentDecoder, latent_features
from skface.datasets import load_image_folder, make_synthetic_faces
from skface.generation import LatentGAN
from skface.landmarks import LandmarkExtractor
from skface.utils import read_image, resize

models = Path(os.environ.get("SKFACE_GENERATION_MODELS", "../../benchmarks/out"))
utkface = Path(os.environ.get("SKFACE_UTKFACE", "../../../shared/data/utkface"))
model_file = models / "latent.safetensors"

if model_file.exists() and utkface.is_dir():
    gan = LatentGAN.load(model_file, device="cpu")
    size = gan.output_size
    paths = load_image_folder(utkface, labels=None, lazy=True).images
    # bench_generation.py holds out the first 1,000 of this permutation
    held_out = np.random.RandomState(0).permutation(len(paths))[:1000]
    faces = np.stack(
        [
            resize(read_image(paths[i]).astype(np.float32) / 255, size)
            for i in held_out[:12]
        ]
    )
    landmarks = LandmarkExtractor(on_missing="nan").landmarks(faces)
    keep = np.isfinite(landmarks).all(axis=(1, 2))
    faces, landmarks = faces[keep][:8], landmarks[keep][:8]
    decoder = None  # the benchmark trains no L1-only decoder
    DATA = f"held-out UTKFace, model of bench_generation.py ({gan.n_iter_} epochs)"
else:
    size = 32
    data = make_synthetic_faces(520, size=size, background="flat", random_state=0)
    train = latent_features(data.images[:512], data.landmarks[:512])
    settings = dict(width=8, lr=2e-3, batch_size=32, max_epochs=30, random_state=0)
    # pix2pix-like weights: the L1 term leads, the adversarial term sharpens
    gan = LatentGAN(
        size, discriminator_width=8, l1_weight=1.0, adversarial_weight=0.05, **settings
    ).fit(train, data.images[:512])
    # the same generator trained on L1 alone, for comparison
    decoder = LatentDecoder(size, loss="l1", **settings).fit(train, data.images[:512])
    faces = data.images[512:].astype(np.float32) / 255
    landmarks = data.landmarks[512:]
    DATA = f"synthetic faces, trained {gan.n_iter_} epochs here"
print(f"data: {DATA}")

# %%
# Decoded from their landmarks and thumbnails
# -------------------------------------------
# ``latent_features`` takes the landmarks in pixels of the chips it is
# given: 136 landmark coordinates and the 192 values of the 8x8x3
# thumbnail per face. ``predict`` decodes them with the moving average of
# the generator weights. Rows: the held-out faces (never trained on), what
# the decoders see of them (the thumbnail, with the landmarks), the
# LatentGAN's chips and, when trained here, the L1-only LatentDecoder's.
features = latent_features(faces, landmarks)
thumbs = features[:, -192:].reshape(-1, 8, 8, 3)
rows = [("real (held out)", faces), ("what the decoder sees", thumbs)]
rows.append(("LatentGAN", gan.predict(features)))
if decoder is not None:
    rows.append(("LatentDecoder (L1 only)", decoder.predict(features)))
n = len(faces)
fig, axes = plt.subplots(len(rows), n, figsize=(1.6 * n, 1.7 * len(rows)))
for r, (title, images) in enumerate(rows):
    for j in range(n):
        axes[r, j].imshow(images[j], extent=(0, size, size, 0))
        if r == 1:
            axes[r, j].plot(*landmarks[j].T, ".", color="lime", markersize=1.5)
        axes[r, j].axis("off")
    axes[r, 0].set_title(title, loc="left")
fig.suptitle(f"LatentGAN: {DATA}")
fig.tight_layout()

# %%
# Sharper than the L1 decoder?
# ----------------------------
# The variance of the Laplacian measures fine detail (the sharpness ratio
# of :func:`skface.metrics.face_generation_report`); PSNR (``score``)
# rewards the blurred average, so it favours the L1-only decoder.
import cv2  # noqa: E402


def sharpness(images):
    grey = np.asarray(images, dtype=np.float32).mean(axis=3)
    return float(np.mean([cv2.Laplacian(g, cv2.CV_32F).var() for g in grey]))


print(f"Laplacian variance, real faces: {sharpness(faces):.5f}")
for title, images in rows[2:]:
    print(f"Laplacian variance, {title}: {sharpness(images):.5f}")
print(f"LatentGAN PSNR (score): {gan.score(features, faces):.2f} dB")
if decoder is not None:
    print(f"LatentDecoder PSNR (score): {decoder.score(features, faces):.2f} dB")

# %%
# Same landmarks, another face's colours
# --------------------------------------
# The features separate shape from colour: swapping the thumbnails between
# faces keeps each face's pose and expression and changes its colouring.
# :class:`~skface.autoencoders.FaceAnonymizer` (``FaceAnonymizer(LatentGAN(),
# method='generate')``) does this with the mean thumbnail of ``k`` other
# people (k-Same) to remove a face's identity.
swapped = features.copy()
swapped[:, -192:] = np.roll(features[:, -192:], 1, axis=0)
fig, axes = plt.subplots(2, n, figsize=(1.6 * n, 3.6), squeeze=False)
for j, image in enumerate(gan.predict(swapped)):
    axes[0, j].imshow(faces[j])
    axes[1, j].imshow(image)
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle("real faces (top) and their landmarks with the previous face's colours")
fig.tight_layout()

# %%
# As the decoder of FaceAnonymizer
# --------------------------------
# ``FaceAnonymizer(LatentGAN(...), method='generate')`` finds, aligns and
# describes the faces of photos itself and fits a clone of the decoder on
# them (with mirrored copies), so a saved model cannot be plugged in: here
# a small one is fitted on 64 drawn photos (synthetic faces on a noisy
# background, whichever data the rest uses) and anonymises 8 others with
# k-Same (``k=5``): each face's landmarks with the mean thumbnail of its 5
# nearest training faces. So few faces give smudged but face-coloured
# chips; the benchmark-sized decoder above is what a real use needs.
from skface.autoencoders import FaceAnonymizer  # noqa: E402

photos = list(make_synthetic_faces(72, size=96, random_state=1).images)
anonymizer = FaceAnonymizer(
    LatentGAN(
        32,
        width=8,
        discriminator_width=8,
        l1_weight=1.0,
        adversarial_weight=0.05,
        lr=2e-3,
        batch_size=16,
        max_epochs=30,
    ),
    method="generate",
    k=5,
    on_missing="whole",
    random_state=0,
).fit(photos[:64])
anonymized = anonymizer.transform(photos[64:])
fig, axes = plt.subplots(2, 8, figsize=(12.8, 3.6))
for j in range(8):
    axes[0, j].imshow(photos[64 + j])
    axes[1, j].imshow(anonymized[j])
for ax in axes.ravel():
    ax.axis("off")
fig.suptitle(
    f"FaceAnonymizer(LatentGAN, k=5) fitted on {anonymizer.n_faces_fit_} "
    "synthetic faces: photos (top), anonymised (bottom)"
)
fig.tight_layout()
plt.show()
