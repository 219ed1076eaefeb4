"""optuna_search / OptunaSearch: spaces, pruning, storages, resume, sharing."""

import copy
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import optuna
import pytest
from optuna.distributions import (
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.decomposition import PCA
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from skface.datasets import load_lfw_subset
from skface.model_selection import OptunaSearch, optuna_search
from skface.model_selection._pruning import EpochReporter, find_neural_step
from skface.model_selection._storage import resolve_storage
from skface.preprocessing import ImageResizer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def lfw():
    data = load_lfw_subset()
    return data.images, data.target


@pytest.fixture(scope="module")
def blobs():
    X, y = make_classification(
        120, 8, n_informative=5, n_classes=3, class_sep=2.0, random_state=0
    )
    return X.astype(np.float32), y


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    # Tiny problems: BLAS threads only fight each other on a busy machine.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.fixture
def one_torch_thread():
    torch = pytest.importorskip("torch")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _face2vec(**params):
    from skface.neural import Face2VecClassifier

    defaults = dict(
        hidden_layer_sizes=(16,),
        optimizer="adam",
        max_epochs=8,
        batch_size=32,
        validation_fraction=0.25,
        random_state=0,
    )
    return Face2VecClassifier(**{**defaults, **params})


def _enqueued_memory_study(name, param, values):
    """An in-memory storage whose study runs ``values`` in this order."""
    storage = optuna.storages.InMemoryStorage()
    study = optuna.create_study(storage=storage, study_name=name, direction="maximize")
    for v in values:
        study.enqueue_trial({param: v})
    return storage


# --------------------------------------------------------------------------
# Search basics


def test_in_memory_search_svc(iris):
    X, y = iris
    space = {"C": FloatDistribution(1e-3, 1e3, log=True), "kernel": ["rbf", "linear"]}
    search = optuna_search(SVC(), X, y, space, n_trials=6, cv=3, random_state=0)
    values = [t.value for t in search.study_.trials if t.state == TrialState.COMPLETE]
    assert search.best_score_ == max(values) > 0.9
    assert set(search.best_params_) == {"C", "kernel"}
    assert search.best_estimator_.get_params()["C"] == search.best_params_["C"]
    assert search.n_trials_ == 6 and search.n_splits_ == 3
    assert search.n_epochs_total_ is None
    np.testing.assert_array_equal(search.predict(X), search.best_estimator_.predict(X))
    assert search.score(X, y) == search.best_estimator_.score(X, y)
    assert list(search.classes_) == [0, 1, 2]
    res = search.cv_results_
    assert len(res["params"]) == 6 and res["rank_test_score"].min() == 1
    assert np.allclose(
        res["mean_test_score"],
        np.mean([res[f"split{k}_test_score"] for k in range(3)], axis=0),
    )
    assert len(search.trials_dataframe()) == 6
    # Seeded searches repeat themselves.
    again = optuna_search(SVC(), X, y, space, n_trials=6, cv=3, random_state=0)
    assert again.best_params_ == search.best_params_


def test_pipeline_parameter_names_on_images(lfw):
    images, target = lfw
    pipe = make_pipeline(
        ImageResizer(channels="grey", flatten=True), PCA(random_state=0), SVC()
    )
    space = {
        "imageresizer__output_size": [12, 16],  # a list is categorical
        "pca__n_components": IntDistribution(5, 20),
        "svc__C": FloatDistribution(0.1, 100.0, log=True),
    }
    search = OptunaSearch(pipe, space, n_trials=4, cv=3, random_state=0)
    search.fit(images, target)
    best = search.best_estimator_.get_params()
    for name, value in search.best_params_.items():
        assert best[name] == value
    assert search.score(images, target) > 0.8
    assert pipe.get_params()["svc__C"] == 1.0  # the template is untouched
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(images), search.predict(images))


def test_callable_param_space_builds_tuples(iris):
    X, y = iris

    def space(trial):
        width = trial.suggest_int("width", 4, 16)
        depth = trial.suggest_int("depth", 1, 2)
        return {
            "mlpclassifier__hidden_layer_sizes": (width,) * depth,
            "mlpclassifier__alpha": trial.suggest_float("alpha", 1e-5, 1e-1, log=True),
        }

    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0))
    search = optuna_search(pipe, X, y, space, n_trials=3, cv=2, random_state=0)
    raw = search.best_trial_.params
    sizes = search.best_params_["mlpclassifier__hidden_layer_sizes"]
    assert sizes == (raw["width"],) * raw["depth"]
    assert search.best_estimator_[-1].hidden_layer_sizes == sizes
    assert set(search.cv_results_["params"][0]) == {"width", "depth", "alpha"}


def test_search_is_an_estimator_threads_and_nested_cv(iris):
    from sklearn.model_selection import cross_val_score

    X, y = iris
    search = OptunaSearch(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": IntDistribution(1, 4)},
        n_trials=4,
        cv=2,
        n_jobs=2,
    )
    assert clone(search).get_params()["n_trials"] == 4
    assert len(search.fit(X, y).study_.trials) == 4  # two threads
    scores = cross_val_score(search, X, y, cv=2)  # nested cross-validation
    assert scores.shape == (2,) and scores.min() > 0.8
    assert search.predict_proba(X).shape == (150, 3)
    assert not hasattr(OptunaSearch(SVC(), {"C": [1.0]}), "predict_proba")


# --------------------------------------------------------------------------
# Pruning


def test_fold_pruning_stops_bad_trials_after_first_fold(iris):
    X, y = iris
    storage = _enqueued_memory_study("svc", "C", [1.0, 10.0, 1e-6])
    search = optuna_search(
        SVC(),
        X,
        y,
        {"C": FloatDistribution(1e-6, 1e3, log=True)},
        n_trials=3,
        cv=5,
        storage=storage,
        study_name="svc",
        pruning=optuna.pruners.MedianPruner(n_startup_trials=2),
    )
    good, _, bad = search.study_.trials
    assert bad.params["C"] == 1e-6 and bad.state == TrialState.PRUNED
    assert list(bad.intermediate_values) == [0]  # stopped after fold 0
    assert "split1_test_score" not in bad.user_attrs
    assert good.state == TrialState.COMPLETE
    assert list(good.intermediate_values) == [0, 1, 2, 3, 4]
    assert search.best_params_ in ({"C": 1.0}, {"C": 10.0})


def test_neural_pruning_reports_epochs_and_counts_them(blobs, one_torch_thread):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), _face2vec())
    assert find_neural_step(pipe) == "face2vecclassifier__"
    key = "face2vecclassifier__lr"
    storage = _enqueued_memory_study("f2v", key, [0.05, 0.03, 1e-6])
    search = optuna_search(
        pipe,
        X,
        y,
        {key: FloatDistribution(1e-6, 0.1, log=True)},
        n_trials=3,
        cv=2,
        storage=storage,
        study_name="f2v",
        pruning=optuna.pruners.MedianPruner(n_startup_trials=2),
    )
    good, _, bad = search.study_.trials
    assert good.state == TrialState.COMPLETE
    assert sorted(good.intermediate_values) == list(range(8))  # first fold epochs
    assert good.user_attrs["n_epochs"] == 2 * 8
    assert bad.state == TrialState.PRUNED
    assert bad.user_attrs["n_epochs"] < 8
    assert max(bad.intermediate_values) == bad.user_attrs["n_epochs"] - 1
    total = sum(t.user_attrs["n_epochs"] for t in search.study_.trials)
    assert search.n_epochs_total_ == total < 3 * 2 * 8
    assert list(search.cv_results_["n_epochs"]) == [16, 16, bad.user_attrs["n_epochs"]]
    # The pruning callback never reaches the template or the best estimator.
    assert pipe[-1].callbacks is None
    assert search.best_estimator_[-1].callbacks is None
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.predict(X), search.predict(X))


def test_neural_without_validation_split_reports_folds(blobs, one_torch_thread):
    X, y = blobs
    clf = _face2vec(validation_fraction=0.0, max_epochs=3)
    search = optuna_search(
        clf,
        X,
        y,
        {"lr": FloatDistribution(1e-3, 0.1, log=True)},
        n_trials=2,
        cv=2,
        random_state=0,
    )
    for trial in search.study_.trials:
        assert sorted(trial.intermediate_values) == [0, 1]  # folds, not epochs
        assert trial.user_attrs["n_epochs"] == 2 * 3
    assert search.n_epochs_total_ == 12


def test_pruning_false_still_counts_epochs(blobs, one_torch_thread):
    X, y = blobs
    search = optuna_search(
        _face2vec(max_epochs=2),
        X,
        y,
        {"lr": [0.01, 0.05]},
        n_trials=2,
        cv=2,
        pruning=False,
        random_state=0,
    )
    assert all(not t.intermediate_values for t in search.study_.trials)
    assert search.n_epochs_total_ == 2 * 2 * 2


class _FakeTrial:
    def __init__(self, prune_at=None):
        self.reports, self.prune_at = {}, prune_at

    def report(self, value, step):
        self.reports[step] = value

    def should_prune(self):
        return self.prune_at is not None and max(self.reports) >= self.prune_at


def test_reporter_orients_values_survives_copies_and_pickling():
    history = [{"valid_loss": 0.5, "valid_acc": 0.7, "valid_acc_best": True}]
    trial = _FakeTrial()
    reporter = EpochReporter(trial, None, "maximize")
    reporter.start_fold(report=True)
    reporter.epoch_end(history)
    assert trial.reports == {0: 0.7} and reporter.monitor == "valid_acc"
    # Losses are negated for a maximized study, scores for a minimized one.
    loss = EpochReporter(trial := _FakeTrial(), "valid_loss", "maximize")
    loss.start_fold(report=True)
    loss.epoch_end(history)
    assert trial.reports == {0: -0.5}
    acc = EpochReporter(trial := _FakeTrial(), None, "minimize")
    acc.start_fold(report=True)
    acc.epoch_end(history)
    assert trial.reports == {0: -0.7}
    # Copies (and clones of a callback holding it) report to the same trial.
    from skface.model_selection._callback import PruningCallback

    assert copy.deepcopy(reporter) is reporter
    assert clone(PruningCallback(reporter)).reporter is reporter
    # Pickling drops the trial but keeps the count.
    restored = pickle.loads(pickle.dumps(PruningCallback(reporter)))
    assert restored.reporter.trial is None and restored.reporter.n_epochs == 1
    restored.reporter.epoch_end(history)  # inert, no error
    # Later folds only count; pruning raises TrialPruned.
    prune = EpochReporter(trial := _FakeTrial(prune_at=1), None, "maximize")
    prune.start_fold(report=True)
    prune.epoch_end(history)
    with pytest.raises(optuna.TrialPruned, match="epoch 1"):
        prune.epoch_end(history)
    prune.start_fold(report=False)
    prune.epoch_end(history)
    assert prune.n_epochs == 3 and sorted(trial.reports) == [0, 1]
    with pytest.raises(KeyError, match="valid_f1"):
        bad = EpochReporter(_FakeTrial(), "valid_f1", "maximize")
        bad.start_fold(report=True)
        bad.epoch_end(history)


def test_find_neural_step():
    from skorch import NeuralNetClassifier

    assert find_neural_step(NeuralNetClassifier(module=None)) == ""
    nested = make_pipeline(
        StandardScaler(), make_pipeline(PCA(), NeuralNetClassifier(module=None))
    )
    assert find_neural_step(nested) == "pipeline__neuralnetclassifier__"
    assert find_neural_step(make_pipeline(StandardScaler(), SVC())) is None
    assert find_neural_step(make_pipeline(StandardScaler(), "passthrough")) is None


# --------------------------------------------------------------------------
# Storages: resume and sharing


def test_storage_resolution(tmp_path, monkeypatch):
    from optuna.storages import JournalStorage

    from skface.model_selection import _storage

    assert resolve_storage(None) is None
    assert isinstance(resolve_storage(tmp_path / "a.log"), JournalStorage)
    # RDB storages (really opened in the resume and sharing tests) by URL:
    monkeypatch.setattr(_storage, "_rdb", lambda url, **kwargs: url)
    path = tmp_path / "a.sqlite"
    assert resolve_storage(str(path)) == f"sqlite:///{path}"
    assert resolve_storage(tmp_path / "a.DB") == f"sqlite:///{tmp_path / 'a.DB'}"
    url = "postgresql://user:pw@host/db"
    assert resolve_storage(url) == url
    storage = optuna.storages.InMemoryStorage()
    assert resolve_storage(storage) is storage
    with pytest.raises(ValueError, match="unknown suffix"):
        resolve_storage(tmp_path / "a.txt")
    with pytest.raises(ValueError, match="storage must be"):
        resolve_storage(3)


@pytest.mark.parametrize("suffix", [".db", ".log"])
def test_resume_continues_the_study(iris, tmp_path, suffix):
    X, y = iris
    path = tmp_path / f"study{suffix}"
    space = {"C": FloatDistribution(1e-3, 1e3, log=True)}
    kwargs = dict(n_trials=2, cv=2, storage=path, random_state=0)
    first = optuna_search(SVC(), X, y, space, **kwargs)
    first_cs = {t.params["C"] for t in first.study_.trials}
    assert len(first_cs) == 2
    second = optuna_search(SVC(), X, y, space, **kwargs)
    trials = second.study_.trials
    assert len(trials) == 4 and second.n_trials_ == 2
    assert second.study_.study_name == "skface"
    assert second.best_score_ == max(t.value for t in trials)
    # A resumed seeded search draws new points, not the first ones again.
    assert first_cs.isdisjoint(t.params["C"] for t in trials[2:])


WORKER = textwrap.dedent(
    """
    import os, sys, time
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier
    from skface.model_selection import optuna_search

    def space(trial):
        time.sleep(0.2)  # keep the two processes' trials overlapping
        trial.set_user_attr("pid", os.getpid())
        return {"max_depth": trial.suggest_int("max_depth", 1, 6)}

    X, y = load_iris(return_X_y=True)
    optuna_search(
        DecisionTreeClassifier(random_state=0), X, y, space, n_trials=3, cv=2,
        storage=sys.argv[1], study_name="shared", random_state=int(sys.argv[2]),
    )
    """
)


@pytest.mark.parametrize("suffix", [".db", ".log"])
def test_two_processes_share_one_study(tmp_path, suffix):
    path = tmp_path / f"shared{suffix}"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), str(seed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    study = optuna.load_study(study_name="shared", storage=resolve_storage(path))
    trials = study.trials
    assert len(trials) == 6
    # Finished (the default pruner may have pruned one), none left running.
    assert all(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    assert sorted(t.number for t in trials) == list(range(6))
    pids = [t.user_attrs["pid"] for t in trials]
    assert sorted(pids.count(pid) for pid in set(pids)) == [3, 3]


def test_storage_with_several_studies_needs_a_name(iris, tmp_path):
    X, y = iris
    path = tmp_path / "two.log"
    space = {"max_depth": IntDistribution(1, 3)}
    tree = DecisionTreeClassifier(random_state=0)
    for name in ("a", "b"):
        optuna_search(
            tree, X, y, space, n_trials=1, cv=2, storage=path, study_name=name
        )
    with pytest.raises(ValueError, match="pass study_name"):
        optuna_search(tree, X, y, space, n_trials=1, cv=2, storage=path)
    with pytest.raises(ValueError, match="is to maximize"):
        optuna_search(
            tree,
            X,
            y,
            space,
            n_trials=1,
            cv=2,
            storage=path,
            study_name="a",
            direction="minimize",
        )
    with pytest.raises(optuna.exceptions.DuplicatedStudyError):
        optuna_search(
            tree,
            X,
            y,
            space,
            n_trials=1,
            cv=2,
            storage=path,
            study_name="a",
            load_if_exists=False,
        )


# --------------------------------------------------------------------------
# Errors


def test_bad_arguments_raise(iris):
    X, y = iris
    tree = DecisionTreeClassifier(random_state=0)
    with pytest.raises(ValueError, match="needs a timeout"):
        optuna_search(tree, X, y, {"max_depth": [1, 2]}, n_trials=None)
    with pytest.raises(ValueError, match="'max_dept'"):
        optuna_search(tree, X, y, {"max_dept": [1, 2]})
    with pytest.raises(ValueError, match="optuna distribution or a list"):
        optuna_search(tree, X, y, {"max_depth": 3})
    with pytest.raises(TypeError, match="must return a dict"):
        optuna_search(tree, X, y, lambda trial: [1], n_trials=1)
    with pytest.raises(ValueError, match="direction"):
        optuna_search(tree, X, y, {"max_depth": [1]}, direction="up")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
def test_failing_fits(iris):
    X, y = iris
    space = {"C": [-1.0, 1.0]}  # SVC rejects C <= 0 in fit
    with pytest.raises(ValueError, match="'C' parameter"):
        optuna_search(SVC(), X, y, {"C": [-1.0]}, n_trials=2, cv=2)
    with pytest.raises(ValueError, match="'C' parameter"):
        optuna_search(SVC(), X, y, {"C": [-1.0]}, n_trials=1, cv=2, error_score="raise")
    storage = _enqueued_memory_study("svc", "C", [-1.0, 1.0])
    with pytest.warns(Warning, match="fold 0 failed"):
        search = optuna_search(
            SVC(), X, y, space, n_trials=2, cv=2, storage=storage, study_name="svc"
        )
    states = [t.state for t in search.study_.trials]
    assert states == [TrialState.FAIL, TrialState.COMPLETE]
    assert search.best_params_ == {"C": 1.0}


def test_import_is_light():
    code = (
        "import sys, skface.model_selection; "
        "print(sorted({'optuna', 'torch', 'skorch'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------
# Ctrl-C


@pytest.mark.parametrize("use_function", [False, True])
def test_keyboard_interrupt_stops_the_search(blobs, one_torch_thread, use_function):
    # Defect 5.3: skorch swallows Ctrl-C inside fit, so the half-trained fold
    # was scored and the trial recorded as COMPLETE, and the search went on.
    from skorch.callbacks import Callback

    from skface.neural import TrainingInterruptedWarning

    X, y = blobs

    class CtrlC(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    storage = optuna.storages.InMemoryStorage()
    est = _face2vec(max_epochs=5, callbacks=[CtrlC()])
    space = {"lr": FloatDistribution(1e-3, 1e-2, log=True)}
    kwargs = dict(n_trials=3, cv=2, storage=storage, study_name="s", random_state=0)
    with pytest.raises(KeyboardInterrupt), pytest.warns(TrainingInterruptedWarning):
        if use_function:
            optuna_search(est, X, y, space, **kwargs)
        else:
            OptunaSearch(est, space, **kwargs).fit(X, y)
    trials = optuna.load_study(study_name="s", storage=storage).trials
    assert [t.state for t in trials] == [TrialState.FAIL]
    # Without the search, the same estimator warns and keeps its model.
    with pytest.warns(TrainingInterruptedWarning, match="in epoch 2"):
        fitted = clone(est).fit(X, y)
    assert fitted.n_iter_ == 2


def test_keyboard_interrupt_in_the_refit_leaves_no_best_estimator(
    blobs, one_torch_thread
):
    from skorch.callbacks import Callback

    from skface.neural import TrainingInterruptedWarning

    X, y = blobs

    class CtrlCOnAllData(Callback):
        def on_train_begin(self, net, X=None, **kwargs):
            self.n_rows = len(X)

        def on_epoch_end(self, net, **kwargs):
            if self.n_rows == len(y) and len(net.history) == 2:
                raise KeyboardInterrupt

    est = _face2vec(max_epochs=3, callbacks=[CtrlCOnAllData()])
    search = OptunaSearch(
        est, {"lr": FloatDistribution(1e-3, 1e-2, log=True)}, n_trials=2, cv=2
    )
    with pytest.raises(KeyboardInterrupt, match="refit"):
        with pytest.warns(TrainingInterruptedWarning):
            search.fit(X, y)
    assert [t.state for t in search.study_.trials] == [TrialState.COMPLETE] * 2
    assert "lr" in search.best_params_ and not hasattr(search, "best_estimator_")
