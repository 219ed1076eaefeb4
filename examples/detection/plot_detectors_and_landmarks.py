"""
===================================================
Face detectors, 68 landmarks, and tuning a detector
===================================================

Three detectors share one contract: ``detect(X)`` gives every face of every
image as ``(left, top, right, bottom, score)`` rows, ``transform(X)`` one box
per image (so labels stay aligned in a ``Pipeline``), and ``score(X, boxes)``
is average precision, so ``GridSearchCV`` tunes them without a custom
scorer. :class:`~skface.landmarks.LandmarkExtractor` puts dlib's 68 points
in the boxes.
"""

# %%
# Detect and place landmarks on the astronaut photo
# -------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV

from skface.datasets import load_sample_images, make_synthetic_faces
from skface.detection import HaarFaceDetector, HOGFaceDetector
from skface.landmarks import LandmarkExtractor

photo = load_sample_images().images[0]
X = photo[np.newaxis]
detectors = {
    "HOG (dlib)": HOGFaceDetector(select="best"),
    "Haar (OpenCV), CLAHE": HaarFaceDetector(equalize="clahe", select="best"),
}
fig, axes = plt.subplots(1, 3, figsize=(12, 4.4))
for ax, (name, det) in zip(axes, detectors.items()):
    found = det.fit(X).detect(X)[0]
    ax.imshow(photo)
    for left, top, right, bottom, score in found:
        ax.add_patch(
            plt.Rectangle((left, top), right - left, bottom - top, fill=False, ec="red")
        )
        ax.text(left, top - 4, f"{score:.2f}", color="red", fontsize=8)
    ax.set_title(f"{name}: {len(found)} detection(s)")
landmarks = (
    LandmarkExtractor(detector=HOGFaceDetector(select="best")).fit(X).landmarks(X)
)
axes[2].imshow(photo)
axes[2].plot(*landmarks[0].T, ".", ms=3, c="lime")
axes[2].set_xlim(150, 320), axes[2].set_ylim(230, 60)
axes[2].set_title("LandmarkExtractor: 68 points")
for ax in axes:
    ax.axis("off")
fig.tight_layout()

# %%
# Tune the Haar cascade with GridSearchCV and its built-in score
# --------------------------------------------------------------
# Synthetic faces come with their true boxes; the score is AP at IoU 0.5.
faces = make_synthetic_faces(16, size=160, random_state=0)
boxes = [b[np.newaxis] for b in faces.boxes]
search = GridSearchCV(
    HaarFaceDetector(),
    {"min_neighbors": [1, 3, 6, 10], "equalize": [None, "hist", "clahe"]},
    cv=2,
)
search.fit(faces.images, boxes)
print("best parameters:", search.best_params_, f"AP {search.best_score_:.3f}")
print(
    "pretrained HOG AP on the same faces:",
    round(HOGFaceDetector().fit(faces.images).score(faces.images, boxes), 3),
)
plt.show()
