"""
============================================
Anonymise faces, keeping pose and expression
============================================

:class:`~skface.autoencoders.FaceAnonymizer` replaces every face of a photo
by a generated one: each face is aligned onto a chip
(:class:`~skface.alignment.FaceExtractor`), its 68 landmarks and an 8x8x3
thumbnail go through a :class:`~skface.autoencoders.LatentDecoder` that
generates a face from them, and the generated chip is blended back into the
photo with Poisson cloning (:class:`~skface.alignment.FaceReconstructor`).

The decoder has to learn faces *in general*: applied to the very faces it
was trained on it memorises and returns them, and fitted on a handful of
faces it only paints colour smudges. So it is fitted on many faces: 150
Olivetti faces of persons 0-29 (grey, upscaled 2x, as RGB) plus the
faces of one half of the photos, and anonymises the *other* half (2-fold
cross-fit: no photo's own faces are in its training set).

Identity is removed with k-Same (Newton, Sweeney & Malin, 2005): each
face's thumbnail is replaced by the mean thumbnail of its ``k`` nearest
training faces (recoloured to its own mean colour), so the decoder draws
an average of ``k`` other people with the face's own landmarks: same pose
and expression, another identity. ``k=1`` keeps the face's own thumbnail.
"""

# %%
# Photos
# ------
# The four PASCAL VOC photos of dlib's landmark example (18 faces) when the
# shared data is there; otherwise drawn faces from
# :func:`~skface.datasets.make_synthetic_faces` stand in. Without the shared
# Olivetti file (e.g. on CI) the decoders are fitted on the other half of
# the photos alone: far fewer faces, so blurrier results.
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.autoencoders import FaceAnonymizer, LatentDecoder
from skface.datasets import load_dlib_xml, load_olivetti_faces, make_synthetic_faces
from skface.utils.validation import check_images

folder = Path(
    os.environ.get("SKFACE_DLIB_FACES", "../../../shared/data/dlib_faces_train")
)
xml = folder / "training_with_face_landmarks.xml"
if xml.exists():  # the shared dlib photos, if present
    photos = load_dlib_xml(xml).images
    halves = [[0, 2], [1, 3]]
    DATA = "dlib's example photos"
else:  # otherwise drawn faces, each the size of a small photo (see titles)
    photos = list(make_synthetic_faces(12, size=128, random_state=0).images)
    halves = [list(range(6)), list(range(6, 12))]
    DATA = "synthetic faces (dlib photos absent)"
print(f"data: {DATA}")

olivetti = Path(
    os.environ.get(
        "SKFACE_OLIVETTI", "../../../shared/data/olivetti/olivetti_faces.npz"
    )
)
if olivetti.exists():  # persons 0-29, 5 photos each: 150 extra training faces
    import cv2

    data = load_olivetti_faces(olivetti)
    grey = [cv2.resize(x, (128, 128)) for x in data.images[data.target < 30][::2]]
    extra = list(check_images(np.stack(grey), channels="rgb"))
else:
    extra = []
print(f"{len(extra)} extra training faces")

# %%
# Fit on many faces, anonymise the other half
# -------------------------------------------
# A small decoder (32x32 chips) keeps this example fast on a CPU; the
# benchmark uses 64x64 chips and more epochs. ``on_missing='whole'`` takes
# an Olivetti image whose face the detector misses as one whole face.


def make_anonymizer():
    decoder = LatentDecoder(
        32, width=16, max_epochs=40 if extra else 80, lr=2e-3, batch_size=16
    )
    return FaceAnonymizer(
        decoder, method="generate", k=5, on_missing="whole", random_state=0
    )


anonymized = {1: list(photos), 5: list(photos)}
for test in halves:
    train = [i for i in range(len(photos)) if i not in test]
    anonymizer = make_anonymizer().fit(extra + [photos[i] for i in train])
    for k in anonymized:
        result = anonymizer.set_params(k=k).transform([photos[i] for i in test])
        for j, i in enumerate(test):
            anonymized[k][i] = result[j]
    print(f"fitted on {anonymizer.n_faces_fit_} faces, anonymised photos {test}")

# %%
# Before and after
# ----------------
# Every face is replaced; the rest of each photo is untouched. The generated
# faces keep the head pose, the expression and the colouring, and Poisson
# cloning leaves no seam at the edge of the replaced region. With ``k=1``
# the decoder sees the face's own thumbnail; with ``k=5`` it sees an average
# of five other people's.
n = len(photos)
rows = [("original", photos), ("k=1", anonymized[1]), ("k=5", anonymized[5])]
fig, axes = plt.subplots(3, n, figsize=(3.2 * n, 8.4))
for r, (title, images) in enumerate(rows):
    for c in range(n):
        axes[r, c].imshow(images[c])
        axes[r, c].set_axis_off()
    axes[r, 0].set_title(title, loc="left")
fig.suptitle(f"FaceAnonymizer(method='generate') on {DATA}")
fig.tight_layout()

# %%
# Close-up of the largest faces
# -----------------------------
from skface.detection import HOGFaceDetector  # noqa: E402

detector = HOGFaceDetector(upsample=1).fit(photos)
crops = []
for k, dets in enumerate(detector.detect(photos)):
    for left, top, right, bottom, _ in dets[:2]:
        pad = 0.3 * (right - left)
        h, w = photos[k].shape[:2]
        t, b = int(max(top - pad, 0)), int(min(bottom + pad, h))
        lft, r = int(max(left - pad, 0)), int(min(right + pad, w))
        crops.append([im[k][t:b, lft:r] for _, im in rows])
crops = crops[:8]
fig, axes = plt.subplots(3, len(crops), figsize=(1.6 * len(crops), 5.0))
for c, column in enumerate(crops):
    for r, crop in enumerate(column):
        axes[r, c].imshow(crop)
        axes[r, c].set_axis_off()
    axes[0, c].set_title(f"face {c}", fontsize=8)
fig.tight_layout()
plt.show()
