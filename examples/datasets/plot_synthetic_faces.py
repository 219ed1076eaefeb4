"""
=================================================
Synthetic faces with their true landmarks
=================================================

:func:`~skface.datasets.make_synthetic_faces` draws faces procedurally and
returns them with the true 68-point landmarks and boxes, and identity labels
when ``n_identities`` is given: test data that needs no download and that
dlib's pretrained models recognise as faces.
"""

# %%
import matplotlib.pyplot as plt

from skface.datasets import make_synthetic_faces

faces = make_synthetic_faces(12, size=128, n_identities=4, random_state=0)
print(faces.images.shape, faces.landmarks.shape, faces.boxes.shape)

# %%
# Each row of the figure is one identity: the shape stays, pose and
# expression change. Landmarks follow the iBUG 68-point scheme.
order = faces.target.argsort(kind="stable")
fig, axes = plt.subplots(3, 4, figsize=(10, 7.5))
for ax, i in zip(axes.T.ravel(), order):
    ax.imshow(faces.images[i])
    ax.plot(*faces.landmarks[i].T, ".", ms=3, c="lime")
    left, top, right, bottom = faces.boxes[i]
    ax.add_patch(
        plt.Rectangle((left, top), right - left, bottom - top, fill=False, ec="red")
    )
    ax.set_title(f"identity {faces.target[i]}")
    ax.axis("off")
fig.tight_layout()
plt.show()
