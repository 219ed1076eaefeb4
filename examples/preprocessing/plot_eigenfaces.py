"""
==============================================
Eigenfaces: variable-size images into sklearn
==============================================

:class:`~skface.preprocessing.ImageResizer` turns a batch of images of any
size (arrays or file paths) into fixed-size rows that any scikit-learn
estimator takes. Here it feeds PCA and an SVM that tell faces from non-faces
in scikit-image's LFW subset, tuned with ``GridSearchCV`` over the resizer's
own ``output_size`` and PCA's ``n_components``.
"""

# %%
# Load 100 faces and 100 non-faces (25x25 grey, shipped by scikit-image).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from skface.datasets import load_lfw_subset
from skface.preprocessing import ImageResizer

lfw = load_lfw_subset()
print(lfw.images.shape, np.bincount(lfw.target))

# %%
# A pipeline from images to labels; every step is tunable.
pipe = Pipeline(
    [
        ("resize", ImageResizer(channels="grey", flatten=True)),
        ("pca", PCA(whiten=True, random_state=0)),
        ("svc", SVC()),
    ]
)
search = GridSearchCV(
    pipe,
    {"resize__output_size": [16, 25], "pca__n_components": [10, 30]},
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
)
search.fit(lfw.images, lfw.target)
print("best:", search.best_params_, f"accuracy {search.best_score_:.3f}")

# %%
# The first eigenfaces of the best model.
best = search.best_estimator_
size = best.named_steps["resize"].output_shape_[:2]
components = best.named_steps["pca"].components_[:8].reshape(-1, *size)
fig, axes = plt.subplots(1, 8, figsize=(12, 2))
for ax, comp, i in zip(axes, components, range(8)):
    ax.imshow(comp, cmap="gray")
    ax.set_title(f"PC {i + 1}")
    ax.axis("off")
fig.suptitle(f"Eigenfaces (cross-validated accuracy {search.best_score_:.3f})")
plt.show()
