"""skface estimators under scikit-learn's and optuna-integration's searches."""

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState
from scipy.stats import loguniform, randint
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skface.datasets import load_lfw_subset
from skface.preprocessing import ImageResizer

pytestmark = [
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
    # OptunaSearchCV reports to the deprecated optuna.terminator module.
    pytest.mark.filterwarnings("ignore:`optuna.terminator`:FutureWarning"),
]


@pytest.fixture(autouse=True, scope="module")
def _single_threaded():
    # Tiny problems: BLAS and torch threads only fight each other.
    from threadpoolctl import threadpool_limits

    torch = pytest.importorskip("torch")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def lfw():
    data = load_lfw_subset()
    return data.images, data.target


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(
        120, 8, n_informative=5, n_classes=3, class_sep=2.0, random_state=0
    )
    return X.astype(np.float32), np.array(["ann", "bob", "cy"])[y]


def _image_pipeline():
    return make_pipeline(
        ImageResizer(channels="grey", flatten=True), PCA(random_state=0), SVC()
    )


def _face2vec(**params):
    from skface.neural import Face2VecClassifier

    defaults = dict(
        hidden_layer_sizes=(16,),
        optimizer="adam",
        max_epochs=4,
        batch_size=32,
        random_state=0,
    )
    return Face2VecClassifier(**{**defaults, **params})


def test_grid_search_over_image_pipeline(lfw):
    images, target = lfw
    grid = {"imageresizer__output_size": [12, 20], "pca__n_components": [5, 15]}
    search = GridSearchCV(_image_pipeline(), grid, cv=3).fit(images, target)
    assert len(search.cv_results_["params"]) == 4
    assert set(search.best_params_) == set(grid)
    assert search.best_score_ > 0.8
    # The refitted pipeline takes variable-size images.
    odd = [images[0], np.kron(images[1], np.ones((2, 2)))]  # 25x25 and 50x50
    assert search.predict(odd).shape == (2,)


def test_randomized_search_over_image_pipeline(lfw):
    images, target = lfw
    space = {
        "imageresizer__output_size": [12, 20],
        "pca__n_components": randint(5, 20),
        "svc__C": loguniform(0.1, 100.0),
    }
    search = RandomizedSearchCV(
        _image_pipeline(), space, n_iter=3, cv=3, random_state=0
    ).fit(images, target)
    assert len(search.cv_results_["params"]) == 3
    assert (
        search.best_estimator_.get_params()["svc__C"] == search.best_params_["svc__C"]
    )


def test_grid_search_over_face2vec_pipeline(blobs):
    X, y = blobs
    grid = {
        "face2vecclassifier__hidden_layer_sizes": [(8,), (16, 8)],
        "face2vecclassifier__lr": [0.003, 0.03],
    }
    pipe = make_pipeline(StandardScaler(), _face2vec())
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["face2vecclassifier__lr"] == 0.03
    assert search.best_estimator_[-1].n_iter_ == 4
    assert set(search.predict(X)) <= {"ann", "bob", "cy"}


def test_randomized_search_over_face2vec(blobs):
    X, y = blobs
    space = {"lr": loguniform(1e-3, 1e-1), "dropout": [0.0, 0.2]}
    search = RandomizedSearchCV(_face2vec(), space, n_iter=2, cv=2, random_state=0)
    search.fit(X, y)
    assert search.best_estimator_.lr == search.best_params_["lr"]
    assert search.predict_proba(X).shape == (len(X), 3)


def test_optuna_search_cv_with_skface_estimators(lfw, blobs):
    from optuna_integration import OptunaSearchCV

    images, target = lfw
    search = OptunaSearchCV(
        _image_pipeline(),
        {
            "imageresizer__output_size": CategoricalDistribution([12, 20]),
            "svc__C": FloatDistribution(0.1, 100.0, log=True),
        },
        cv=3,
        n_trials=3,
        random_state=0,
    ).fit(images, target)
    assert search.n_trials_ == 3
    assert (
        search.best_estimator_.get_params()["svc__C"] == search.best_params_["svc__C"]
    )
    assert search.score(images, target) > 0.8

    X, y = blobs
    search = OptunaSearchCV(
        _face2vec(),
        {"lr": FloatDistribution(1e-3, 1e-1, log=True)},
        cv=2,
        n_trials=2,
        random_state=0,
    ).fit(X, y)
    assert search.best_estimator_.n_iter_ == 4
    assert search.predict(X).shape == (len(X),)


def test_skorch_pruning_callback_of_optuna_integration(blobs):
    """A hand-written objective can prune a skface estimator with
    ``optuna_integration.SkorchPruningCallback`` through ``callbacks``."""
    from optuna_integration import SkorchPruningCallback

    X, y = blobs
    X = StandardScaler().fit_transform(X)

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-6, 0.1, log=True)
        callback = SkorchPruningCallback(trial, "valid_acc")
        clf = _face2vec(
            lr=lr, max_epochs=8, validation_fraction=0.25, callbacks=[callback]
        )
        clf.fit(X, y)
        return clf.history_[-1, "valid_acc"]

    study = optuna.create_study(
        direction="maximize",
        pruner=optuna.pruners.MedianPruner(n_startup_trials=2),
    )
    for lr in (0.05, 0.03, 1e-6):
        study.enqueue_trial({"lr": lr})
    study.optimize(objective, n_trials=3)
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE, TrialState.COMPLETE, TrialState.PRUNED]
    assert len(study.trials[2].intermediate_values) < 8
