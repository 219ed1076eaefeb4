"""
=====================================
Reconstruction quality vs. code size
=====================================

How many numbers does a face need? Test PSNR on unseen people as a function
of ``embedding_dim`` for :class:`~skface.autoencoders.FaceAutoencoder` and of
``n_components`` for PCA. (``FaceAutoencoder.score`` is this PSNR, so
``GridSearchCV`` can pick ``embedding_dim`` directly.)
"""

# %%
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

# %%
# Short fits (5 epochs each) keep the example fast; the benchmark
# (``benchmarks/bench_autoencoders.py``) trains longer.
dims = [16, 32, 64, 128]
ae_psnr, pca_psnr = [], []
flat_train = train.reshape(len(train), -1) / 255.0
flat_test = test.reshape(len(test), -1) / 255.0
for dim in dims:
    ae = FaceAutoencoder(dim, max_epochs=5, random_state=0, device="cpu")
    ae_psnr.append(ae.fit(train).score(test))
    pca = PCA(dim, random_state=0).fit(flat_train)
    rec = np.clip(pca.inverse_transform(pca.transform(flat_test)), 0, 1)
    pca_psnr.append(psnr(test / 255.0, rec.reshape(test.shape)))
    print(f"{dim:>4}: autoencoder {ae_psnr[-1]:.2f} dB, PCA {pca_psnr[-1]:.2f} dB")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(dims, ae_psnr, "o-", label="FaceAutoencoder")
ax.plot(dims, pca_psnr, "s--", label="PCA")
ax.set_xscale("log", base=2)
ax.set_xticks(dims, [str(d) for d in dims])
ax.set_xlabel("numbers per face (embedding_dim / n_components)")
ax.set_ylabel("test PSNR on unseen people (dB)")
ax.set_title(DATA, fontsize=9)
ax.legend()
ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()
