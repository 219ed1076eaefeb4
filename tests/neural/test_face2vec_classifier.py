"""Face2VecClassifier: labels, inputs, weights, regularisation, tuning."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import shuffle
from sklearn.utils.class_weight import compute_sample_weight

from skface.neural import Face2VecClassifier
from skface.nn import MLP


def _data(n=120, centers=3, seed=0):
    X, y = make_blobs(n, 5, centers=centers, cluster_std=2.5, random_state=seed)
    return X, np.array(["ann", "bob", "cy", "dee"])[y]


def _clf(**kwargs):
    params = dict(hidden_layer_sizes=(16,), max_epochs=10, lr=0.01, random_state=0)
    params.update(kwargs)
    return Face2VecClassifier(**params)


def test_defaults_follow_the_seed():
    clf = Face2VecClassifier()
    assert clf.optimizer == "nadam"
    assert clf.hidden_layer_sizes == (256, 128)
    X, y = _data()
    clf.set_params(max_epochs=1).fit(X, y)
    assert isinstance(clf.net_.optimizer_, torch.optim.NAdam)
    assert isinstance(clf.net_.module_, MLP)
    sizes = [
        m.out_features
        for m in clf.net_.module_.modules()
        if isinstance(m, torch.nn.Linear)
    ]
    assert sizes == [256, 128, 3]


def test_string_labels_proba_and_decision_function():
    X, y = _data()
    clf = _clf(max_epochs=30).fit(X[::2], y[::2])
    assert clf.classes_.tolist() == ["ann", "bob", "cy"]
    assert clf.n_features_in_ == 5
    assert clf.score(X[1::2], y[1::2]) > 0.9  # held-out accuracy
    proba = clf.predict_proba(X)
    assert proba.shape == (120, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-12)
    scores = clf.decision_function(X)
    assert scores.shape == (120, 3)
    pred = clf.predict(X)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    np.testing.assert_array_equal(pred, clf.classes_[scores.argmax(axis=1)])
    # Two classes: one score per sample, positive for classes_[1].
    binary = _clf().fit(X[y != "cy"], y[y != "cy"])
    s = binary.decision_function(X)
    assert s.shape == (120,)
    np.testing.assert_array_equal(
        binary.predict(X), binary.classes_[(s > 0).astype(int)]
    )


def test_float32_float64_and_dataframes_agree():
    X, y = _data()
    a = _clf().fit(X, y)
    b = _clf().fit(X.astype(np.float32), y)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    c = _clf().fit(frame, pd.Series(y))
    expected = a.predict_proba(X)
    np.testing.assert_array_equal(b.predict_proba(X.astype(np.float32)), expected)
    np.testing.assert_array_equal(c.predict_proba(frame), expected)
    assert c.feature_names_in_.tolist() == list(frame.columns)
    assert not hasattr(a, "feature_names_in_")
    with pytest.raises(ValueError, match="feature names"):
        c.predict(frame.rename(columns={"f0": "x"}))
    with pytest.raises(ValueError, match="5 features"):
        a.predict(X[:, :4])


def test_sample_weight_equals_repetition_full_batch():
    # Same loss function either way; with full batches (and no dropout) the
    # optimisation path is the same up to float32 rounding.
    rng = np.random.RandomState(42)
    X, y = rng.rand(15, 30), rng.randint(0, 3, size=15)
    sw = rng.randint(0, 5, size=15)
    repeated = _clf(batch_size=1000, max_epochs=20).fit(X.repeat(sw, 0), y.repeat(sw))
    Xs, ys, sws = shuffle(X, y, sw, random_state=0)
    weighted = _clf(batch_size=1000, max_epochs=20).fit(Xs, ys, sample_weight=sws)
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5
    )
    # and unit weights are exactly no weights
    ones = _clf().fit(X, y, sample_weight=np.ones(15))
    np.testing.assert_array_equal(
        ones.predict_proba(X), _clf().fit(X, y).predict_proba(X)
    )


def test_class_weight():
    X, y = make_blobs(
        200, 2, centers=[[0, 0], [1.5, 0]], cluster_std=1.0, random_state=0
    )
    keep = (y == 0) | (np.arange(200) % 8 == 0)  # minority class 1
    X, y = X[keep], y[keep]
    balanced = _clf(class_weight="balanced", max_epochs=20).fit(X, y)
    manual = _clf(max_epochs=20).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_allclose(
        balanced.predict_proba(X), manual.predict_proba(X), atol=1e-6
    )
    plain = _clf(max_epochs=20).fit(X, y)
    recall = lambda est: np.mean(est.predict(X[y == 1]) == 1)  # noqa: E731
    assert recall(balanced) > recall(plain)
    as_dict = _clf(class_weight={0: 1.0, 1: 10.0}, max_epochs=20).fit(X, y)
    assert recall(as_dict) > recall(plain)


def test_alpha_penalises_weights_and_biases():
    X, y = _data()

    def norms(est):
        return {
            n: float(p.detach().pow(2).sum())
            for n, p in est.net_.module_.named_parameters()
        }

    free = norms(_clf(alpha=0.0, max_epochs=30).fit(X, y))
    tied = norms(_clf(alpha=0.05, max_epochs=30).fit(X, y))
    for name in free:  # weights and biases of both layers shrink
        assert tied[name] < free[name], name
    # the penalty is part of the training loss only
    clf = _clf(alpha=1.0, max_epochs=1, validation_fraction=0.2).fit(X, y)
    penalty = sum(float(p.detach().pow(2).sum()) for p in clf.net_.module_.parameters())
    assert clf.history_[-1, "train_loss"] > penalty > clf.history_[-1, "valid_loss"]


def test_clear_errors():
    X, y = _data()
    with pytest.raises(ValueError, match="only one class"):
        _clf().fit(X, np.full(120, "ann"))
    with pytest.raises(ValueError, match="Unknown label type"):
        _clf().fit(X, np.linspace(0, 1, 120))
    _clf(max_epochs=1, validation_fraction=0.02).fit(X, y)  # 3 rows, 3 classes
    with pytest.raises(ValueError, match="validation_fraction=0.01"):
        _clf(validation_fraction=0.01).fit(X, y)  # 2 rows for 3 classes
    with pytest.raises(ValueError, match="smallest class has 1"):
        _clf(validation_fraction=0.2).fit(X, np.where(np.arange(120) == 0, "zed", y))
    with pytest.raises(ValueError, match="NaN"):
        _clf().fit(np.where(X > 3, np.nan, X), y)


def test_cross_validation_and_grid_search_on_clones():
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), _clf())
    scores = cross_val_score(
        pipe, X, y, cv=StratifiedKFold(3, shuffle=True, random_state=0)
    )
    assert scores.mean() > 0.85
    assert not hasattr(pipe[-1], "net_")  # clones were fitted, not pipe
    grid = GridSearchCV(
        pipe,
        {
            "face2vecclassifier__hidden_layer_sizes": [(4,), (16,)],
            "face2vecclassifier__lr": [1e-4, 1e-2],
        },
        cv=2,
    ).fit(X, y)
    assert grid.best_params_["face2vecclassifier__lr"] == 1e-2
    assert grid.best_estimator_[-1].net_.module_.output.in_features in (4, 16)


def test_on_face2vec_features():
    from skface.datasets import make_synthetic_faces
    from skface.features import Face2VecFeatures

    faces = make_synthetic_faces(80, size=16, n_identities=4, random_state=0)
    pipe = make_pipeline(
        Face2VecFeatures(normalize="procrustes"), StandardScaler(), _clf(max_epochs=30)
    )
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    assert cross_val_score(pipe, faces.landmarks, faces.target, cv=cv).mean() > 0.9
