"""
=============================================================================
Anonymising every face: methods side by side (uses ../shared/data if present)
=============================================================================

:class:`~skface.autoencoders.FaceAnonymizer` with ``method='fill'``,
``'blur'`` or ``'pixelate'`` needs no training and no torch: the pretrained
detector and 68-point landmarks find every face, and the face region (the
landmarks' hull with the forehead added, jaw line to hairline) is replaced.
``method='morph'`` needs no training either, only donor photos: each face
gets the features of another person, warped onto its own 68 landmarks,
so it stays a face with the same pose while a recogniser no longer
matches it; ``max_tries=10`` checks each result (still found, no longer
matched by dlib) and gives a face that fails its next donor.
``method='swap'`` turns every face into a donor with a trained
:class:`~skface.generation.FaceSwapper` (DeepFakes), keeping the face's
pose and expression. ``skface anonymize photos/ --out anonymized/ --method
blur`` does the classical ones on a folder.

:func:`~skface.autoencoders.anonymization_report` measures what is left,
**per face**: every face the detector finds in the original is one row of
``report['faces']``, with the dlib embedding distance between the original
face and the anonymised one in the same box (above 0.6, dlib's same-person
threshold, the face no longer matches) and whether the detector still
finds a face there.

**Data.** The group photos of dlib's landmark example
(``../shared/data/dlib_faces_train``, PASCAL VOC photos, research use;
``SKFACE_DLIB_FACES``) when present, else scikit-image's astronaut (Eileen
Collins, NASA), which ships with scikit-image. The morph donors are 400
UTKFace faces (``../shared/data/utkface``, research use;
``SKFACE_UTKFACE``) when present, else the project's synthetic faces
(cartoon-like donors: the identity still changes, the result looks
drawn). The swap column needs the
pair model of ``benchmarks/bench_swap.py``
(``benchmarks/out/swap_pair.safetensors``, or the folder in
``SKFACE_GENERATION_MODELS``): every face becomes the blend of its two
people; without it the column is left out.
"""

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.frozen import FrozenEstimator

from skface.autoencoders import FaceAnonymizer, anonymization_report
from skface.datasets import load_sample_images, make_synthetic_faces
from skface.utils import check_images

dlib_faces = Path(
    os.environ.get("SKFACE_DLIB_FACES", "../../../shared/data/dlib_faces_train")
)
models = Path(os.environ.get("SKFACE_GENERATION_MODELS", "../../benchmarks/out"))
utkface = Path(os.environ.get("SKFACE_UTKFACE", "../../../shared/data/utkface"))
if dlib_faces.is_dir():
    files = sorted(str(p) for p in dlib_faces.glob("*.jpg"))[:2]
    photos = check_images(files, dtype="uint8", stack=False)
    DATA = "dlib_faces_train group photos"
else:
    photos = list(load_sample_images().images[:1])  # the astronaut
    DATA = "astronaut (scikit-image)"

methods = {m: FaceAnonymizer(method=m) for m in ("fill", "blur", "pixelate")}
if utkface.is_dir():
    donors = check_images(sorted(str(p) for p in utkface.glob("*.jpg"))[::20])
    DONORS = f"{len(donors)} UTKFace faces"
else:
    donors = make_synthetic_faces(16, size=160, n_identities=16, random_state=0)
    donors = donors.images
    DONORS = "16 synthetic faces"
# fitted below on the donors, not on the photos
morph = FaceAnonymizer(method="morph", max_tries=10, on_missing="keep").fit(donors)
swap_file = models / "swap_pair.safetensors"
if swap_file.exists():
    from skface.generation import FaceSwapper

    swapper = FaceSwapper.load(swap_file, device="cpu")
    methods["swap"] = FaceAnonymizer(
        method="swap",
        swapper=FrozenEstimator(swapper),
        donor=list(swapper.classes_),
        on_missing="keep",
    )

results, reports = {}, {}
for name, anonymizer in [*methods.items(), ("morph", morph)]:
    if name != "morph":
        anonymizer.fit(photos)  # loads the pretrained models only
    result = anonymizer.anonymize(photos)
    results[name] = result
    reports[name] = anonymization_report(photos, result.images)
    r = reports[name]
    print(
        f"{name:>8}: {int(result.n_faces.sum())} face(s) replaced; "
        f"{r['n_faces']} found in the originals, identity changed for "
        f"{r['identity_change_rate']:.0%}, re-detected {r['detection_rate']:.0%}"
    )

# %%
# Each face's identity distance
# -----------------------------
# Boxes are the faces the detector finds in the original; the number next
# to each is the dlib distance between the original face and what the
# method left in the same box (red: 0.6 or less, still the same person to
# dlib). On the astronaut, HOG also takes the mission patch for a face: it
# is obscured too (a false detection costs a patch, a missed face would
# cost a person's privacy) and counted in the report.
n_rows, n_cols = len(photos), 1 + len(results)
fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.2 * n_cols, 3.0 * n_rows))
axes = axes.reshape(n_rows, n_cols)
for i, photo in enumerate(photos):
    axes[i, 0].imshow(photo)
    axes[i, 0].set_title(f"original ({DATA})" if i == 0 else "original", fontsize=8)
    for j, (name, result) in enumerate(results.items(), start=1):
        ax = axes[i, j]
        ax.imshow(result.images[i])
        faces = reports[name]["faces"]
        for _, face in faces[faces["image"] == i].iterrows():
            d = face["identity_distance"]
            colour = "red" if d <= 0.6 else "lime"
            ax.add_patch(
                plt.Rectangle(
                    (face["left"], face["top"]),
                    face["right"] - face["left"],
                    face["bottom"] - face["top"],
                    fill=False,
                    color=colour,
                    linewidth=0.8,
                )
            )
            ax.text(face["left"], face["top"] - 3, f"{d:.2f}", color=colour, fontsize=7)
        if i == 0:
            r = reports[name]
            donors = f" ({DONORS})" if name == "morph" else ""
            ax.set_title(
                f"{name}{donors}: changed {r['identity_change_rate']:.0%}, "
                f"found {r['detection_rate']:.0%}",
                fontsize=8,
            )
for ax in axes.ravel():
    ax.set_axis_off()
fig.tight_layout()
plt.show()

# %%
# The per-face table
# ------------------
# One row per face found in the originals, for the last method.
print(reports[name]["faces"].round(3).to_string())
