"""
========================================================================
Face swap both ways: the DeepFakes pair (uses ../shared/data if present)
========================================================================

:class:`~skface.generation.FaceSwapper` is the DeepFakes face swap: one
encoder shared by two people and one decoder per person, trained to rebuild
each person's aligned face chips from randomly warped copies. A face of one
person through the *other* person's decoder comes out as that other person
with the first one's pose and expression; ``swap`` does it for every face
of a photo (align, encode, decode, colour-match and blend back).

**Data.** With the model that ``benchmarks/bench_swap.py`` trained
(``benchmarks/out/swap_pair.safetensors``, or the folder in
``SKFACE_GENERATION_MODELS``) and the DeepFakes pair of ``../shared/data``
(``deepfakes_pair/trump`` and ``cage``, press photos for research use;
``SKFACE_DEEPFAKES_PAIR``), the figure swaps *held-out* faces of each
person (the benchmark's 80/20 split) to the other. Without them (e.g. on
CI) a small swapper trains for half a minute on two synthetic people from
:func:`~skface.datasets.make_synthetic_faces`, as the title then says.
"""

# %%
# A swapper and held-out faces of both people
# -------------------------------------------
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from skface.autoencoders import FaceAnonymizer
from skface.datasets import make_synthetic_faces
from skface.generation import FaceSwapper
from skface.utils import check_images

models = Path(os.environ.get("SKFACE_GENERATION_MODELS", "../../benchmarks/out"))
pair = Path(
    os.environ.get("SKFACE_DEEPFAKES_PAIR", "../../../shared/data/deepfakes_pair")
)
model_file = models / "swap_pair.safetensors"
PEOPLE = ("trump", "cage")

if model_file.exists() and all((pair / who).is_dir() for who in PEOPLE):
    swapper = FaceSwapper.load(model_file, device="cpu")
    swapper.set_params(on_missing="keep")  # a photo without a face: unchanged
    rng = np.random.RandomState(0)  # bench_swap.py's split: 80% train, 20% test
    held_out, training = {}, {}
    for who in PEOPLE:
        files = sorted(str(p) for p in (pair / who).iterdir() if p.suffix == ".jpg")
        order = rng.permutation(len(files))
        test = [files[i] for i in order[int(0.8 * len(files)) :]]
        held_out[who] = check_images(test[:6], dtype="uint8", stack=False)
        training[who] = [files[i] for i in order[: int(0.8 * len(files))]]
    DATA = f"held-out faces, bench_swap.py's model ({swapper.n_iter_} epochs)"
else:
    data = make_synthetic_faces(180, size=64, n_identities=2, random_state=0)
    PEOPLE = ("person 0", "person 1")
    labels = np.array(PEOPLE)[data.target]
    swapper = FaceSwapper(
        32,
        width=16,
        n_latent=64,
        max_channels=64,
        max_epochs=15,
        lr=1e-3,
        on_missing="keep",
        random_state=0,
    ).fit(data.images[:148], labels[:148])
    test_images, test_labels = data.images[148:], labels[148:]
    held_out = {who: list(test_images[test_labels == who][:6]) for who in PEOPLE}
    training = {who: list(data.images[:148][labels[:148] == who]) for who in PEOPLE}
    DATA = f"synthetic faces, trained {swapper.n_iter_} epochs here"
print(f"data: {DATA}; people {[str(c) for c in swapper.classes_]}")

# %%
# Each person swapped to the other
# --------------------------------
# Rows: the held-out photos of one person, then the same photos with the
# face swapped to the other person. The pose, the expression, the colours
# at the face's edge and everything outside the face come from the source
# photo; what is inside comes from the other person's decoder, trained on
# tight chips (brow to chin), drawn from the chip and from its mirror image
# and averaged, sharpened, then warped so that its brows, eyes, nose and
# mouth move a quarter of the way onto the source face's landmarks before
# blending (the defaults ``FaceExtractor(padding=0.1)``,
# ``flip_average=True``, ``sharpen=2.0`` and ``landmark_warp=0.25``; the
# jaw line stays the target's). On a CPU budget the decoders are still
# soft: DeepFakes trains for days on a GPU.


def show_both_ways(swap, title):
    """Per direction, the held-out photos over their swapped versions."""
    fig, axes = plt.subplots(4, 6, figsize=(12, 8.4))
    for r, (src, dst) in enumerate([PEOPLE, PEOPLE[::-1]]):
        photos = held_out[src]
        swapped = swap(photos, dst)
        for c in range(6):
            pair = [(photos[c], src), (swapped[c], f"as {dst}")]
            for k, (img, label) in enumerate(pair):
                ax = axes[2 * r + k, c]
                ax.imshow(img)
                ax.set_title(label, fontsize=8)
                ax.set_axis_off()
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    plt.show()


show_both_ways(
    lambda photos, dst: swapper.transform(photos, target=dst),
    f"FaceSwapper: {DATA}",
)

# %%
# What the landmark warp changes
# ------------------------------
# The same swap toward the second person without the warp
# (``landmark_warp=0``: the decoder's drawing as it is), with the default
# quarter-way warp and with a half-way one. The decoders draw the
# expressions their person's photos show; the warp moves the drawn mouth,
# eyes and brows toward the source's, so a wide-open mouth drawn half
# closed opens further. On the DeepFakes pair the default lowered the
# landmark error of the swap by 0.004-0.007 of the inter-ocular distance;
# the stronger warp moves the features' places toward the source's too,
# and dlib recognised the target less often (``benchmarks/RESULTS.md``).
src, dst = PEOPLE
fig, axes = plt.subplots(4, 6, figsize=(12, 8.4))
rows = [(held_out[src], src)]
own_warp = swapper.landmark_warp
for warp in (0.0, 0.25, 0.5):
    drawn = swapper.set_params(landmark_warp=warp).transform(held_out[src], target=dst)
    rows.append((drawn, f"as {dst}, landmark_warp={warp:g}"))
swapper.set_params(landmark_warp=own_warp)
for r, (images, label) in enumerate(rows):
    for c in range(6):
        axes[r, c].imshow(images[c])
        axes[r, c].set_title(label, fontsize=7)
        axes[r, c].set_axis_off()
fig.suptitle(f"landmark_warp: {DATA}", fontsize=10)
fig.tight_layout()
plt.show()

# %%
# The training curve
# ------------------
# ``history_`` holds the masked reconstruction loss (SSIM + L1 inside the
# face mask, eyes and mouth weighted up) of every epoch.
loss = [row["reconstruction_loss"] for row in swapper.history_]
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(np.arange(1, len(loss) + 1), loss)
ax.set_xlabel("epoch")
ax.set_ylabel("masked SSIM + L1")
ax.set_title("FaceSwapper training loss", fontsize=10)
fig.tight_layout()
plt.show()

# %%
# The classical swap, without training
# ------------------------------------
# :class:`~skface.autoencoders.FaceAnonymizer` with ``method='morph'`` and
# one person's training photos as the only donors is the pre-neural face
# swap toward that person: each held-out face gets the three donor photos
# nearest in landmark shape, warped triangle by triangle onto its own 68
# landmarks (the source's outline, pose and mouth stay), each region taken
# from the one of median brightness (a microphone before one donor's face
# is left out), colour matched and blended.
# It is sharp where the CPU-trained decoders are blurred, but it cannot
# invent what the donor photos lack (an open mouth from closed-mouth
# donors, another lighting). ``benchmarks/bench_swap.py`` scores both.


def morph_toward(photos, dst):
    """The classical swap: ``dst``'s training photos as the only donors."""
    morph = FaceAnonymizer(
        method="morph", donor_distance=0.0, n_donors=3, on_missing="keep"
    )
    with warnings.catch_warnings():  # donor photos without a face: skipped
        warnings.simplefilter("ignore", UserWarning)
        morph.fit(training[dst])
    return morph.transform(photos)


show_both_ways(morph_toward, f"classical morph toward each person: {DATA}")
