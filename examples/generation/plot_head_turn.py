"""
====================================================================
Turn a head (yaw) for unseen people (uses ../shared/data if present)
====================================================================

:class:`~skface.generation.HeadTurnGenerator` is one encoder-decoder
conditioned on a target yaw: it turns a face chip to any yaw between
about -20 and +20 degrees, and every frame of a sequence is drawn from
the source chip directly. The seed it replaces chained one autoencoder per
frame transition, so its errors added up from frame to frame; here nothing
is chained.

**Data.** With the model that ``benchmarks/bench_head_turn.py`` trained
(``benchmarks/out/head_turn.safetensors``, or the folder in
``SKFACE_GENERATION_MODELS``) and the faces of ``../shared/data``
(``SKFACE_SHARED_DATA``; Olivetti and UTKFace, research use), the faces
below are people the model never saw: Olivetti persons 30-39 and
UTKFace faces the benchmark held out. Without them (e.g. on CI) a small
generator trains for about half a minute on synthetic views of drawn
faces (:func:`~skface.datasets.make_synthetic_faces` turned by
:func:`~skface.datasets.make_head_turn_pairs`) and turns other drawn
faces, as the figure's title then says.
"""

# %%
# A generator and faces it has not seen
# -------------------------------------
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.datasets import load_olivetti_faces, make_synthetic_faces
from skface.generation import HeadTurnGenerator
from skface.utils import check_images, resize, save_animation

models = Path(os.environ.get("SKFACE_GENERATION_MODELS", "../../benchmarks/out"))
shared = Path(os.environ.get("SKFACE_SHARED_DATA", "../../../shared/data"))
model_file = models / "head_turn.safetensors"
olivetti = shared / "olivetti" / "olivetti_faces.npz"
utkface = shared / "utkface"
YAWS = np.linspace(-20, 20, 9)

if model_file.exists() and olivetti.exists() and utkface.is_dir():
    gen = HeadTurnGenerator.load(model_file, device="cpu")
    oli = load_olivetti_faces(olivetti)
    first = [np.flatnonzero(oli.target == p)[0] for p in (30, 33, 36, 39)]
    faces = list(check_images(oli.images[first], dtype="uint8", channels="rgb"))
    # bench_head_turn.py's split: a fixed permutation of the sorted files,
    # whose first faces are held out (never trained on)
    files = sorted(p for p in utkface.iterdir() if p.suffix == ".jpg")
    order = np.random.RandomState(0).permutation(len(files))
    faces += [
        resize(check_images([files[i]], dtype="uint8")[0], 64, interpolation="area")
        for i in order[:2]
    ]
    DATA = f"unseen people, bench_head_turn.py's model ({gen.n_iter_} epochs)"
else:
    train = make_synthetic_faces(32, size=64, background="flat", random_state=0)
    gen = HeadTurnGenerator(
        64,
        width=8,
        n_yaw_features=8,
        synthetic_yaws=(-20, -10, 0, 10, 20),
        max_epochs=6,
        device="cpu",
        random_state=0,
    ).fit(train.images, landmarks=train.landmarks)
    faces = list(make_synthetic_faces(4, size=64, random_state=1).images)
    DATA = f"drawn faces, a small model trained {gen.n_iter_} epochs here"
print(f"data: {DATA}")

# %%
# Rows of faces turning
# ---------------------
# One row per face: the source on the left, then the frames at -20, -15,
# ..., +20 degrees (positive: the face turns towards the image's right).
# ``transform`` returns ``(n_faces, n_frames, S, S, 3)`` floats in
# ``[0, 1]``; frame ``k`` depends on the source and the yaw only.
frames = gen.transform(faces, yaws=YAWS)
n = len(faces)
fig, axes = plt.subplots(n, len(YAWS) + 1, figsize=(12, 1.35 * n + 0.6))
for i in range(n):
    axes[i, 0].imshow(faces[i])
    for k, yaw in enumerate(YAWS):
        axes[i, k + 1].imshow(frames[i, k])
        if i == 0:
            axes[i, k + 1].set_title(f"{yaw:+.0f} deg", fontsize=8)
    axes[0, 0].set_title("source", fontsize=8)
for ax in axes.ravel():
    ax.set_axis_off()
fig.suptitle(f"HeadTurnGenerator: {DATA}", fontsize=10)
fig.tight_layout()
plt.show()

# %%
# Did the heads turn as far as asked?
# -----------------------------------
# :func:`~skface.landmarks.estimate_head_pose` reads the yaw back from the
# 68 landmarks dlib finds on each frame (enlarged to 192 pixels; where the
# detector misses the face, the whole frame is its box).
# ``benchmarks/bench_head_turn.py`` does this on 200 unseen faces, with
# identity retrieval, smoothness and sharpness, next to the landmark warp
# and a chained model in the seed's style (``benchmarks/RESULTS.md``).
from skface.landmarks import LandmarkExtractor, estimate_head_pose  # noqa: E402

big = [resize(f, 192, interpolation="cubic") for f in frames.reshape(-1, 64, 64, 3)]
points = LandmarkExtractor(on_missing="whole").landmarks(big)
estimated = estimate_head_pose(points)[:, 0].reshape(n, -1)  # chips: no image_size
fig, ax = plt.subplots(figsize=(4.5, 3.5))
ax.plot(YAWS, YAWS, "k--", lw=1, label="as asked")
for i in range(n):
    ax.plot(YAWS, estimated[i], "o-", ms=3, alpha=0.7)
ax.set_xlabel("commanded yaw (degrees)")
ax.set_ylabel("yaw estimated from landmarks")
ax.legend(loc="upper left", fontsize=8)
ax.set_title("Turn asked vs turn measured", fontsize=10)
fig.tight_layout()
plt.show()

# %%
# An animated GIF
# ---------------
# :func:`~skface.utils.save_animation` writes the frames (all faces side by
# side) as a GIF that turns left to right and back (``pingpong``).
gif = save_animation(
    frames, Path(tempfile.mkdtemp()) / "head_turn.gif", fps=8, pingpong=True
)
from PIL import Image  # noqa: E402

with Image.open(gif) as im:
    print(f"wrote {gif}: {im.n_frames} frames of {im.size[0]}x{im.size[1]} pixels")
