"""
===========================================================
Tuning a face classifier with Optuna: pruning bad networks
===========================================================

:func:`~skface.model_selection.optuna_search` runs an `Optuna
<https://optuna.org>`_ study over a whole skface pipeline. For a neural
estimator such as :class:`~skface.neural.Face2VecClassifier`, each trial
reports its validation accuracy after every epoch, and Optuna's median
pruner stops the trials that fall behind, so bad learning rates or tiny
networks cost a few epochs instead of a full cross-validation.

The faces are drawn by :func:`~skface.datasets.make_synthetic_faces`, which
gives exact landmarks; we jitter them by 0.2 pixel (in 32-pixel images), as
a landmark detector would, and learn the identity of 40 people from the
geometry alone.
"""

# %%
# Landmarks of 40 people, 8 images each
# -------------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
import optuna
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skface.datasets import make_synthetic_faces
from skface.features import Face2VecFeatures
from skface.model_selection import optuna_search
from skface.neural import Face2VecClassifier

torch.set_num_threads(1)  # tiny networks: one thread is fastest
# Optuna's matplotlib plots are marked experimental.
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
faces = make_synthetic_faces(320, size=32, n_identities=40, random_state=0)
rng = np.random.RandomState(0)
X = faces.landmarks + rng.normal(0.0, 0.2, faces.landmarks.shape)
y = faces.target
print(X.shape, "->", len(np.unique(y)), "identities")

# %%
# The pipeline and the search space
# ---------------------------------
# Parameter names are the pipeline's (``face2vecclassifier__lr``). A callable
# space can build values that no single distribution gives, such as a tuple
# of layer sizes. ``validation_fraction`` holds out part of each training fold
# so that every epoch has a validation accuracy to report.
pipe = make_pipeline(
    Face2VecFeatures(normalize="procrustes"),
    StandardScaler(),
    Face2VecClassifier(max_epochs=30, validation_fraction=0.2, random_state=0),
)


def space(trial):
    width = trial.suggest_int("width", 8, 256, log=True)
    depth = trial.suggest_int("depth", 1, 2)
    return {
        "face2vecclassifier__hidden_layer_sizes": (width,) * depth,
        "face2vecclassifier__lr": trial.suggest_float("lr", 1e-4, 1e-1, log=True),
        "face2vecclassifier__alpha": trial.suggest_float("alpha", 1e-6, 1e-2, log=True),
        "face2vecclassifier__dropout": trial.suggest_float("dropout", 0.0, 0.5),
    }


# %%
# Run the study
# -------------
# ``storage=None`` keeps the study in memory. ``storage="face2vec.db"`` (or
# ``"face2vec.log"``) would keep it in a file: running the same call again
# continues the study, and several processes can work on it at once.
search = optuna_search(pipe, X, y, space, n_trials=30, cv=3, random_state=0)
states = [t.state.name for t in search.study_.trials]
print(f"best accuracy {search.best_score_:.3f} with {search.best_params_}")
print(f"{states.count('COMPLETE')} trials completed, {states.count('PRUNED')} pruned")
full = 30 * 3 * 30  # trials x folds x epochs without pruning
print(f"{search.n_epochs_total_} training epochs instead of {full}")

# %%
# Optimisation history
# --------------------
# Optuna draws it with matplotlib (no plotly needed): the cross-validated
# accuracy of each completed trial and the best so far. The sampler explores
# for its first 10 trials, then concentrates on the promising region.
ax = optuna.visualization.matplotlib.plot_optimization_history(search.study_)
ax.set_ylabel("cross-validated accuracy")

# %%
# Learning curves on the first fold
# ---------------------------------
# Each trial's reports, one per epoch of its first fold. After the first 5
# trials (which always run to the end), a trial whose accuracy falls below
# the median of the earlier trials at the same epoch is pruned: it stops
# there and skips its other folds.
fig, ax = plt.subplots(figsize=(7, 4))
for trial in search.study_.trials:
    steps = sorted(trial.intermediate_values)
    pruned = trial.state.name == "PRUNED"
    ax.plot(
        steps,
        [trial.intermediate_values[s] for s in steps],
        color="tab:red" if pruned else "tab:blue",
        alpha=0.9 if pruned else 0.4,
        lw=2 if pruned else 1,
        zorder=3 if pruned else 2,
    )
ax.plot([], [], color="tab:blue", label="completed")
ax.plot([], [], color="tab:red", label="pruned")
ax.set_xlabel("epoch")
ax.set_ylabel("validation accuracy")
ax.set_title("Per-epoch reports of each trial")
ax.legend(loc="upper left")
plt.show()
