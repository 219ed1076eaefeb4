"""The shared neural core, exercised through Face2VecClassifier."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback, Checkpoint, LoadInitState

from skface.neural import (
    Face2VecClassifier,
    NonFiniteLossError,
    TrainingInterruptedWarning,
)


def _data(n=90, n_features=6, seed=0):
    X, y = make_blobs(n, n_features, centers=3, cluster_std=2.0, random_state=seed)
    return X, np.array(["ann", "bob", "cy"])[y]


def _clf(**kwargs):
    params = dict(hidden_layer_sizes=(16,), max_epochs=5, lr=0.01, random_state=0)
    params.update(kwargs)
    return Face2VecClassifier(**params)


def _weights(est):
    return {k: v.clone() for k, v in est.net_.module_.state_dict().items()}


def test_same_seed_same_weights_and_rng_untouched():
    X, y = _data()
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a = _clf(dropout=0.3, validation_fraction=0.2).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), state), "global torch RNG moved"
    b = _clf(dropout=0.3, validation_fraction=0.2).fit(X, y)
    for key, value in _weights(a).items():
        assert torch.equal(value, _weights(b)[key]), key
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history_[:, "valid_loss"] == b.history_[:, "valid_loss"]
    c = _clf(dropout=0.3, validation_fraction=0.2, random_state=1).fit(X, y)
    assert not torch.equal(_weights(a)["output.weight"], _weights(c)["output.weight"])


def test_history_records_losses_and_validation_score():
    X, y = _data()
    clf = _clf(max_epochs=4, validation_fraction=0.25).fit(X, y)
    assert clf.n_iter_ == 4
    assert clf.history_[:, "epoch"] == [1, 2, 3, 4]
    for key in ("train_loss", "valid_loss", "valid_acc", "dur"):
        values = clf.history_[:, key]
        assert len(values) == 4 and all(np.isfinite(values)), key
    assert all(0 <= a <= 1 for a in clf.history_[:, "valid_acc"])
    # Batch level: 68 training rows in batches of 32, 22 validation rows.
    assert clf.history_[-1, "train_batch_count"] == 3
    assert clf.history_[-1, "valid_batch_count"] == 1
    # Epoch values are the batch-size weighted means of the batch values,
    # and *_best marks each strict new minimum (maximum for accuracy).
    for epoch in clf.history_:
        for prefix, name in (("train", "train_loss"), ("valid", "valid_loss")):
            sizes = [b[prefix + "_batch_size"] for b in epoch["batches"] if name in b]
            values = [b[name] for b in epoch["batches"] if name in b]
            assert epoch[name] == pytest.approx(np.average(values, weights=sizes))
    for name, sign in (("train_loss", 1), ("valid_loss", 1), ("valid_acc", -1)):
        values = [sign * v for v in clf.history_[:, name]]
        flags = [i == 0 or values[i] < min(values[:i]) for i in range(len(values))]
        assert clf.history_[:, name + "_best"] == flags, name  # strictly better
    # Without a validation split there is no validation entry.
    clf = _clf(max_epochs=2).fit(X, y)
    assert "valid_loss" not in clf.history_[-1]
    assert "valid_acc" not in clf.history_[-1]


def test_stratified_validation_split_is_seeded():
    X, y = _data()
    seen = []

    class Spy(Callback):
        def on_train_begin(self, net, X=None, y=None, **kwargs):
            train, valid = net.get_split_datasets(X, y)
            seen.append(sorted(valid.indices))

    for seed in (0, 0, 1):
        _clf(
            max_epochs=1, validation_fraction=0.2, random_state=seed, callbacks=[Spy()]
        ).fit(X, y)
    assert seen[0] == seen[1] != seen[2]
    # Stratified: each of the 3 classes has 6 of the 18 validation rows.
    _, counts = np.unique(y[seen[0]], return_counts=True)
    assert counts.tolist() == [6, 6, 6]


def test_callback_reads_valid_score_and_its_exception_propagates():
    X, y = _data()
    read = []

    class Pruner(Callback):
        def on_epoch_end(self, net, **kwargs):
            read.append(net.history[-1, "valid_acc"])
            if len(net.history) == 3:
                raise RuntimeError("pruned at epoch 3")

    clf = _clf(max_epochs=10, validation_fraction=0.2, callbacks=[Pruner()])
    with pytest.raises(RuntimeError, match="pruned at epoch 3"):
        clf.fit(X, y)
    assert len(read) == 3 and all(0 <= r <= 1 for r in read)
    assert not hasattr(clf, "net_"), "a failed fit must leave the estimator unfitted"


def test_nan_loss_stops_with_the_epoch_named():
    X, y = _data()

    class Poison(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                with torch.no_grad():
                    net.module_.output.weight.fill_(float("nan"))

    clf = _clf(max_epochs=5, callbacks=[Poison()])
    with pytest.raises(NonFiniteLossError, match=r"train_loss became nan at epoch 3"):
        clf.fit(X, y)
    # A diverging learning rate is caught too, whatever the epoch.
    with pytest.raises(NonFiniteLossError, match=r"at epoch \d+"):
        _clf(optimizer="sgd", lr=1e12, max_epochs=50).fit(X * 1e3, y)


def test_verbose_levels(capsys):
    X, y = _data()
    _clf(max_epochs=3, verbose=0).fit(X, y)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    _clf(max_epochs=3, verbose=1, validation_fraction=0.2).fit(X, y)
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert len(lines) == 2 + 3  # header, rule, one line per epoch
    for column in ("epoch", "train_loss", "valid_acc", "valid_loss", "dur"):
        assert column in lines[0]
    assert "%" not in out.err  # no progress bar at level 1
    _clf(max_epochs=2, verbose=2).fit(X, y)
    out = capsys.readouterr()
    assert len(out.out.strip().splitlines()) == 2 + 2
    assert "it/s" in out.err or "s/it" in out.err  # tqdm bar


def test_early_stopping_stops_and_keeps_best_weights():
    X, y = _data()
    valid = []

    class Spy(Callback):
        def on_train_begin(self, net, X=None, y=None, **kwargs):
            valid.extend(net.get_split_datasets(X, y)[1].indices)

    clf = _clf(
        max_epochs=300,
        lr=0.05,
        validation_fraction=0.2,
        early_stopping=True,
        n_iter_no_change=3,
        callbacks=[Spy()],
    ).fit(X, y)
    assert clf.n_iter_ < 300
    losses = clf.history_[:, "valid_loss"]
    best = dict(clf.net_.callbacks_)["early_stopping"].best_epoch_ - 1
    assert losses[best] == pytest.approx(min(losses), rel=1e-3)
    assert len(losses) - 1 - best == 3  # stopped after 3 epochs without progress
    # The restored weights are the best epoch's, not the last epoch's.
    proba = clf.predict_proba(X[valid])
    codes = np.searchsorted(clf.classes_, y[valid])
    loss = -np.mean(np.log(proba[np.arange(len(valid)), codes]))
    assert loss == pytest.approx(losses[best], rel=1e-4)
    assert loss != pytest.approx(losses[-1], rel=1e-4)


class _FirstRows(Callback):
    """Records the first sample of every training batch."""

    def __init__(self):
        self.rows = []

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.rows.append(batch[0][0].clone())


def test_warm_start_epochs_do_not_replay_the_same_randomness():
    # An int random_state seeded every warm fit identically: fitting epoch
    # by epoch shuffled (and drew noise) the same way in every epoch.
    X, y = _data()
    seen = _FirstRows()
    clf = _clf(max_epochs=1, warm_start=True, random_state=0, callbacks=[seen])
    for _ in range(3):
        clf.fit(X, y)
    per_epoch = len(seen.rows) // 3
    orders = [
        torch.stack(seen.rows[e * per_epoch : (e + 1) * per_epoch]) for e in range(3)
    ]
    assert not torch.equal(orders[0], orders[1])
    assert not torch.equal(orders[1], orders[2])
    # ... and stays reproducible.
    again = _FirstRows()
    clf2 = _clf(max_epochs=1, warm_start=True, random_state=0, callbacks=[again])
    for _ in range(3):
        clf2.fit(X, y)
    assert all(torch.equal(a, b) for a, b in zip(seen.rows, again.rows))


def test_warm_start_continues_training():
    X, y = _data()
    clf = _clf(max_epochs=3, warm_start=True).fit(X, y)
    first = _weights(clf)
    clf.fit(X, y)
    assert clf.n_iter_ == 6 and clf.history_[:, "epoch"] == list(range(1, 7))
    assert not torch.equal(first["output.weight"], _weights(clf)["output.weight"])
    # Training parameters changed between warm fits apply to the next one.
    clf.set_params(lr=0.002, max_epochs=1).fit(X, y)
    assert clf.n_iter_ == 7 and clf.net_.optimizer_.param_groups[0]["lr"] == 0.002
    # Without warm start, a second fit starts over.
    cold = _clf(max_epochs=3).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 3
    with pytest.raises(ValueError, match="not seen in the first fit"):
        clf.fit(X, np.where(y == "ann", "dan", y))
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:, :4], y)


@pytest.mark.parametrize(
    "optimizer", ["adam", "adamw", "sgd", "nadam", "rmsprop", torch.optim.Adagrad]
)
def test_optimizers(optimizer):
    X, y = _data()
    clf = _clf(optimizer=optimizer, weight_decay=1e-3, max_epochs=2).fit(X, y)
    opt = clf.net_.optimizer_
    expected = optimizer if isinstance(optimizer, type) else type(opt)
    assert isinstance(opt, expected)
    assert opt.param_groups[0]["weight_decay"] == 1e-3
    assert opt.param_groups[0]["lr"] == 0.01


@pytest.mark.parametrize(
    "params, match",
    [
        ({"optimizer": "adagrad"}, "optimizer"),
        ({"optimizer": dict}, "optimizer"),
        ({"lr": 0}, "lr"),
        ({"max_epochs": 0}, "max_epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"device": "tpu"}, "device"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
        ({"activation": "gelu"}, "activation"),
        ({"dropout": 1.0}, "dropout"),
        ({"alpha": -1}, "alpha"),
        ({"callbacks": "Checkpoint"}, "callbacks"),
    ],
)
def test_bad_parameters_are_named(params, match):
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        _clf(**params).fit(X, y)


def test_device_resolution_and_cuda_pickle_maps_to_cpu():
    X, y = _data()
    clf = _clf(max_epochs=1).fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert clf.net_.device == expected
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            _clf(device="cuda").fit(X, y)
        # A model pickled on a CUDA machine records device='cuda'; skorch maps
        # its tensors to the CPU on unpickling (map_location) and warns.
        expected_pred = clf.predict(X)
        clf.net_.device = "cuda"
        blob = pickle.dumps(clf)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            restored = pickle.loads(blob)
        assert any("CUDA" in str(w.message) for w in caught)
        assert str(restored.net_.device) == "cpu"
        np.testing.assert_array_equal(restored.predict(X), expected_pred)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_pickles_to_cpu_tensors():
    X, y = _data()
    clf = _clf(max_epochs=2, device="cuda").fit(X, y)
    assert next(clf.net_.module_.parameters()).is_cuda
    proba = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), proba, atol=1e-6)


def test_checkpoint_interrupt_and_resume(tmp_path):
    X, y = _data()

    def checkpoint():
        return Checkpoint(monitor=None, dirname=str(tmp_path), f_criterion=None)

    class Interrupt(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 3:
                raise KeyboardInterrupt  # e.g. Ctrl-C, or a killed job

    first = _clf(max_epochs=10, callbacks=[checkpoint(), Interrupt()])
    with pytest.warns(TrainingInterruptedWarning, match="in epoch 3"):
        first.fit(X, y)
    assert first.n_iter_ == 3
    assert (tmp_path / "params.pt").exists() and (tmp_path / "history.json").exists()

    loaded = {}

    class Spy(Callback):
        def on_train_begin(self, net, **kwargs):
            loaded.update({k: v.clone() for k, v in net.module_.state_dict().items()})
            loaded["lr_steps"] = net.optimizer_.state[
                net.optimizer_.param_groups[0]["params"][0]
            ]["step"].clone()

    cp = checkpoint()
    resumed = _clf(max_epochs=2, callbacks=[cp, LoadInitState(cp), Spy()]).fit(X, y)
    # Weights, optimizer state and history continue from epoch 3.
    for key, value in _weights(first).items():
        assert torch.equal(loaded[key], value), key
    assert float(loaded["lr_steps"]) == 3 * 3  # 3 epochs of 3 batches
    assert resumed.history_[:, "epoch"] == [1, 2, 3, 4, 5]
    assert resumed.history_[:3, "train_loss"] == first.history_[:, "train_loss"]


def test_every_callback_hook_is_called():
    # The nets skip callback hooks that are skorch's no-ops; overridden ones,
    # including on_grad_computed (gradient clipping), must all run.
    X, y = _data()
    calls = []

    class Recorder(Callback):
        def on_train_begin(self, net, **kwargs):
            calls.append("train_begin")

        def on_epoch_begin(self, net, **kwargs):
            calls.append("epoch_begin")

        def on_batch_begin(self, net, training=None, **kwargs):
            calls.append("batch_begin")

        def on_grad_computed(self, net, named_parameters, **kwargs):
            assert len(list(named_parameters)) == 4  # 2 weights, 2 biases
            calls.append("grad")

        def on_batch_end(self, net, training=None, **kwargs):
            calls.append("batch_end")

        def on_epoch_end(self, net, **kwargs):
            calls.append("epoch_end")

        def on_train_end(self, net, **kwargs):
            calls.append("train_end")

    _clf(max_epochs=2, validation_fraction=0.2, callbacks=[Recorder()]).fit(X, y)
    # 72 training rows in 3 batches and 18 validation rows in 1, per epoch
    epoch = ["epoch_begin"] + ["batch_begin", "grad", "batch_end"] * 3
    epoch += ["batch_begin", "batch_end", "epoch_end"]
    assert calls == ["train_begin", *epoch, *epoch, "train_end"]


def test_closure_optimizer_lbfgs_trains():
    # Optimizers that re-evaluate the loss through a closure (LBFGS) take
    # skorch's closure path; the others step without one.
    import torch

    X, y = _data()
    clf = _clf(optimizer=torch.optim.LBFGS, lr=0.5, max_epochs=3, batch_size=90)
    clf.fit(X, y)
    losses = clf.history_[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert clf.score(X, y) > 0.8


def test_weight_decay_on_optimizer_without_it_is_refused():
    import torch

    X, y = _data()
    with pytest.raises(ValueError, match="LBFGS has no weight_decay"):
        _clf(optimizer=torch.optim.LBFGS, weight_decay=0.1).fit(X, y)


def _optimizer_state(optimizer):
    return {
        i: {k: v.clone() if torch.is_tensor(v) else v for k, v in st.items()}
        for i, st in optimizer.state_dict()["state"].items()
    }


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], dict):
            _assert_same_state(a[key], b[key])
        elif torch.is_tensor(a[key]):
            assert torch.equal(a[key], b[key]), key
        else:
            assert a[key] == b[key], key


def test_nan_in_warm_start_restores_the_previous_model():
    # Defect 5.1: a NaN loss in a warm-start continuation left a "fitted"
    # estimator with NaN weights that predicted NaN.
    X, y = _data()
    clf = _clf(max_epochs=2, optimizer="sgd", warm_start=True).fit(X, y)
    weights, proba = _weights(clf), clf.predict_proba(X)
    opt_state = _optimizer_state(clf.net_.optimizer_)
    history = json_history(clf)
    clf.set_params(lr=1e12, max_epochs=50)
    with pytest.raises(NonFiniteLossError):
        clf.fit(X * 1e3, y)
    _assert_same_state(_weights(clf), weights)
    _assert_same_state(_optimizer_state(clf.net_.optimizer_), opt_state)
    assert json_history(clf) == history and clf.n_iter_ == 2
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 0.01
    assert clf.net_.max_epochs == 2
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    # and it trains on from there
    clf.set_params(lr=0.01, max_epochs=1).fit(X, y)
    assert clf.n_iter_ == 3 and np.all(np.isfinite(clf.predict_proba(X)))


def json_history(est):
    return [{k: v for k, v in row.items() if k != "batches"} for row in est.history_]


def test_failed_cold_refit_leaves_the_estimator_unfitted():
    # A refit that fails after fit() replaced classes_ must not leave the old
    # net behind, mismatched with the new fitted attributes.
    X, y = _data()
    clf = _clf(max_epochs=1).fit(X, y)

    class Boom(Callback):
        def on_epoch_end(self, net, **kwargs):
            raise RuntimeError("boom")

    clf.set_params(callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        clf.fit(X, np.where(y == "ann", "dan", y))
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_keyboard_interrupt_warns_with_the_epoch():
    # Defect 5.3: Ctrl-C inside fit (skorch swallows it) returned a
    # half-trained model without a word.
    X, y = _data()

    class CtrlC(Callback):
        def on_batch_end(self, net, training=None, **kwargs):
            if len(net.history) == 2 and len(net.history[-1]["batches"]) == 2:
                raise KeyboardInterrupt

    clf = _clf(max_epochs=10, callbacks=[CtrlC()])
    with pytest.warns(
        TrainingInterruptedWarning, match=r"in epoch 2; .*\(1 complete epochs"
    ):
        clf.fit(X, y)
    assert clf.n_iter_ == 2  # the unfinished epoch is in the history
    # Early stopping (which skorch implements by raising KeyboardInterrupt)
    # is no interruption: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingInterruptedWarning)
        stopped = _clf(max_epochs=200, early_stopping=True, n_iter_no_change=1)
        stopped.fit(X, y)
    assert stopped.n_iter_ < 200


def test_overridden_skorch_internals_keep_skorchs_history_keys():
    # _Net overrides skorch internals (run_single_epoch, notify, train_step,
    # the scoring callbacks): the history must hold what skorch's own net
    # records, at epoch and batch level, so skorch callbacks keep working.
    from skorch import NeuralNetClassifier
    from skorch.dataset import ValidSplit

    from skface.nn import MLP

    X, y = _data()
    X = X.astype(np.float32)
    codes = np.unique(y, return_inverse=True)[1].astype(np.int64)
    plain = NeuralNetClassifier(
        MLP,
        module__n_inputs=X.shape[1],
        module__n_outputs=3,
        module__hidden_layer_sizes=(8,),
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=2,
        train_split=ValidSplit(0.2),
        verbose=0,
    ).fit(X, codes)
    ours = _clf(max_epochs=2, validation_fraction=0.2).fit(X, y)
    expected = set(plain.history[-1])
    assert {"epoch", "batches", "dur", "train_loss", "valid_loss"} <= expected
    assert expected <= set(ours.history_[-1])
    for a, b in zip(plain.history[-1]["batches"], ours.history_[-1]["batches"]):
        if "train_loss" in a and "train_loss" in b:
            assert set(a) <= set(b)
    plain_batch_keys = {k for b in plain.history[-1]["batches"] for k in b}
    our_batch_keys = {k for b in ours.history_[-1]["batches"] for k in b}
    assert plain_batch_keys <= our_batch_keys


def test_skorch_is_pinned_to_the_major_version_of_the_overrides():
    # The overrides above follow skorch 1.x internals; setup.cfg must not let
    # a skorch 2 in unreviewed, and the installed one must fit the pin.
    import configparser
    from pathlib import Path

    import skorch
    from packaging.requirements import Requirement

    cfg = configparser.ConfigParser()
    cfg.read(Path(__file__).parents[2] / "setup.cfg")
    lines = cfg["options.extras_require"]["neural"].split("\n")
    (line,) = [ln for ln in lines if ln.strip().startswith("skorch")]
    spec = Requirement(line.strip()).specifier
    assert "2.0" not in spec and "1.0" in spec
    assert skorch.__version__ in spec
