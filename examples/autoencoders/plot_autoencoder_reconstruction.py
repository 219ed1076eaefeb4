"""
===================================================
Reconstructing unseen faces: autoencoder versus PCA
===================================================

:class:`~skface.autoencoders.FaceAutoencoder` compresses each face into a
128-number code and decodes it back. Trained on Olivetti persons 0-29, it
reconstructs persons 30-39, whom it has never seen; PCA with as many
components (eigenfaces) is the classical baseline. The grid shows the
originals, the autoencoder's reconstructions and PCA's, with each image's
PSNR.
"""

# %%
# Olivetti faces when the shared file is present; otherwise synthetic grey
# faces, and every title says which data was used.
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from skface.autoencoders import FaceAutoencoder
from skface.datasets import load_olivetti_faces, make_synthetic_faces
from skface.metrics import psnr

olivetti = Path(
    os.environ.get(
        "SKFACE_OLIVETTI", "../../../shared/data/olivetti/olivetti_faces.npz"
    )
)
if olivetti.exists():  # the shared Olivetti file, if present
    data = load_olivetti_faces(olivetti)
    images, person = data.images, data.target
    DATA = "Olivetti faces"
else:  # otherwise, said in the titles: synthetic grey 64x64 faces, 40 x 10
    data = make_synthetic_faces(400, size=64, n_identities=40, random_state=0)
    images, person = data.images.mean(axis=-1).astype(np.uint8), data.target
    DATA = "synthetic faces (make_synthetic_faces; Olivetti file absent)"
print(f"data: {DATA}")
train, test = images[person < 30], images[person >= 30]
print(f"{len(train)} training faces, {len(test)} faces of unseen people")

# %%
# Train the autoencoder (DCGAN-style encoder and decoder, 128-number code).
# Its linear path starts from the principal components of the training faces
# and of their mirrored and slightly shifted copies (the augmentation it
# trains with), which generalise better to new people than plain eigenfaces;
# the convolutions then train on what that misses, with the linear path at a
# hundredth of the learning rate so that training does not undo it.
ae = FaceAutoencoder(128, max_epochs=15, random_state=0, device="cpu")
ae.fit(train)
reconstructed = ae.reconstruct(test)

# %%
# PCA with the same number of numbers per face.
flat = train.reshape(len(train), -1) / 255.0
pca = PCA(128, random_state=0).fit(flat)
pca_rec = pca.inverse_transform(pca.transform(test.reshape(len(test), -1) / 255.0))
pca_rec = np.clip(pca_rec, 0, 1).reshape(test.shape)

truth = test / 255.0
psnr_ae = psnr(truth, reconstructed, reduction=None)
psnr_pca = psnr(truth, pca_rec, reduction=None)
print(f"test PSNR: autoencoder {psnr_ae.mean():.2f} dB, PCA {psnr_pca.mean():.2f} dB")

# %%
# One face of each unseen person: original, autoencoder, PCA.
show = np.arange(0, len(test), 10)[:8]
rows = [
    ("original", truth, None),
    ("autoencoder", reconstructed, psnr_ae),
    ("PCA", pca_rec, psnr_pca),
]
fig, axes = plt.subplots(3, len(show), figsize=(1.6 * len(show), 5.4))
for r, (label, batch, scores) in enumerate(rows):
    for c, i in enumerate(show):
        ax = axes[r, c]
        ax.imshow(batch[i], cmap="gray", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if scores is not None:
            ax.set_xlabel(f"{scores[i]:.1f} dB", fontsize=8)
        if c == 0:
            ax.set_ylabel(label)
fig.suptitle(
    f"{DATA}, unseen people, 128 numbers per face:\n"
    f"autoencoder {psnr_ae.mean():.2f} dB, PCA {psnr_pca.mean():.2f} dB"
)
fig.tight_layout()
plt.show()
