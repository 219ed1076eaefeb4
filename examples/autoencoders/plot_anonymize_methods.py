"""
============================================
Anonymising faces without training: methods
============================================

:class:`~skface.autoencoders.FaceAnonymizer` with ``method='fill'``,
``'blur'`` or ``'pixelate'`` needs no training and no torch: the pretrained
detector and 68-point landmarks find every face, and the face region (the
landmarks' hull with the forehead added, jaw line to hairline) is replaced.
The photo is scikit-image's astronaut (Eileen Collins, NASA), which ships
with scikit-image. ``skface anonymize photos/ --out anonymized/ --method
blur`` does the same on a folder.

:func:`~skface.autoencoders.anonymization_report` measures what is left:
the dlib embedding distance between the original face and the anonymised
one (above 0.6, dlib's same-person threshold, the face no longer matches)
and whether the detector still finds a face there.
"""

# %%
import matplotlib.pyplot as plt

from skface.autoencoders import FaceAnonymizer, anonymization_report
from skface.datasets import load_sample_images

photo = load_sample_images().images[:1]  # the astronaut, (1, 512, 512, 3)

results, reports = {}, {}
for method in ("fill", "blur", "pixelate"):
    result = FaceAnonymizer(method=method).fit(photo).anonymize(photo)
    results[method] = result
    reports[method] = anonymization_report(photo, result.images)
    r = reports[method]
    print(
        f"{method:>8}: {int(result.n_faces[0])} region(s); identity distance "
        f"{r['identity_distance']:.2f}, detection rate {r['detection_rate']:.0%}"
    )

# %%
# The HOG detector also takes the mission patch on the suit for a face, so
# it is obscured too: a false detection costs a patch, a missed face would
# cost the person's privacy.
fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
axes[0].imshow(photo[0])
axes[0].set_title("astronaut (scikit-image)")
for ax, (method, result) in zip(axes[1:], results.items()):
    ax.imshow(result.images[0])
    ax.contour(result.masks[0], levels=[0.5], colors="yellow", linewidths=0.6)
    ax.set_title(
        f"{method}: distance {reports[method]['identity_distance']:.2f}", fontsize=9
    )
for ax in axes:
    ax.set_axis_off()
fig.tight_layout()
plt.show()
