"""Per-image work and searches on Dask and Ray through joblib (issue 15).

skface's per-image transforms call :func:`skface.utils._parallel.parallel_map`,
which honours :func:`joblib.parallel_config`; these tests route that work to
a 2-process ``distributed.LocalCluster`` (and to Ray when it is installed)
and check that

* the results are identical to ``n_jobs=1`` in the calling process;
* no dlib object is ever pickled on the way (a ``copyreg`` reducer that
  raises is registered for every dlib class while the tests run);
* the native handles (dlib detectors, shape predictors, the ResNet encoder,
  OpenCV cascades) are built inside the worker processes;
* ``GridSearchCV`` through the Dask backend finds the same best parameters
  and scores as the default backend.
"""

import copyreg
import os
import pickle

import joblib
import numpy as np
import pytest
from skimage.data import astronaut
from sklearn.model_selection import GridSearchCV

from skface.alignment import FaceExtractor
from skface.datasets import make_synthetic_faces
from skface.detection import HaarFaceDetector, HOGFaceDetector
from skface.features import DlibFaceEncoder
from skface.landmarks import LandmarkExtractor

distributed = pytest.importorskip("distributed")


def _dlib_classes():
    import dlib

    return [
        obj
        for name in dir(dlib)
        if isinstance(obj := getattr(dlib, name), type)
        and obj.__module__.split(".")[0] in ("dlib", "_dlib_pybind11")
    ]


def _refuse(obj):
    raise pickle.PicklingError(
        f"a native {type(obj).__module__}.{type(obj).__name__} was about to be "
        "pickled; skface must send model keys, not handles"
    )


@pytest.fixture(scope="module")
def no_dlib_pickling():
    """Any dlib object pickled in this process (task payloads) raises."""
    classes = _dlib_classes()
    assert classes, "found no dlib class to guard"
    saved = {cls: copyreg.dispatch_table.get(cls) for cls in classes}
    for cls in classes:
        copyreg.pickle(cls, _refuse)
    yield classes
    for cls, old in saved.items():
        if old is None:
            copyreg.dispatch_table.pop(cls, None)
        else:
            copyreg.dispatch_table[cls] = old


def test_the_guard_catches_a_native_handle(no_dlib_pickling):
    import dlib

    with pytest.raises(pickle.PicklingError, match="native"):
        pickle.dumps(dlib.get_frontal_face_detector())
    with pytest.raises(pickle.PicklingError, match="native"):
        pickle.dumps([dlib.rectangle(0, 0, 1, 1)])


@pytest.fixture(scope="module")
def client(no_dlib_pickling):
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,  # logging.ERROR
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def photos():
    """Synthetic faces, a real one (the astronaut) and a face-less image."""
    faces = make_synthetic_faces(5, size=128, random_state=3)
    return [*faces.images, astronaut()[:256, 96:352], np.zeros((64, 80, 3), np.uint8)]


def _clear_worker_models(client):
    def clear():
        from skface.landmarks._native import load_predictor
        from skface.utils import _native

        with _native._POOL_LOCK:
            _native._POOL.clear()
        load_predictor.cache_clear()
        return os.getpid()

    return client.run(clear)


def _worker_models(client):
    """Per worker pid, the kinds of native handles built in that process."""

    def models():
        from skface.landmarks._native import load_predictor
        from skface.utils import _native

        kinds = {key[0] for key, free in _native._POOL.items() if free}
        if load_predictor.cache_info().currsize:
            kinds.add("shape_predictor")
        return os.getpid(), sorted(kinds)

    return dict(client.run(models).values())


# Each case: estimator (n_jobs set per run), how to call it, the handles its
# workers must have built.
CASES = {
    "hog": (
        lambda: HOGFaceDetector(on_missing="nan"),
        lambda est, X: est.fit(X[:1]).detect(X),
        {"hog"},
    ),
    "haar": (
        lambda: HaarFaceDetector(on_missing="nan"),
        lambda est, X: est.fit(X[:1]).detect(X),
        {"haar"},
    ),
    "landmarks": (
        lambda: LandmarkExtractor(on_missing="nan"),
        lambda est, X: est.fit(X[:1]).landmarks(X),
        {"hog", "shape_predictor"},
    ),
    "face_extractor": (
        lambda: FaceExtractor(64, on_missing="whole"),
        lambda est, X: est.fit(X[:1]).extract(X),
        None,  # warps only: no native handle in the workers
    ),
    "encoder": (
        # batch_size: faces per task; one batch would run in the caller.
        lambda: DlibFaceEncoder(on_missing="nan", batch_size=2),
        lambda est, X: est.fit(X[:1]).transform(X),
        {"shape", "encoder"},
    ),
}


def _as_arrays(result):
    if hasattr(result, "chips"):  # FaceRecords
        return [result.chips, result.transforms, result.masks, result.landmarks]
    if isinstance(result, list):  # detections, one array per image
        return result
    return [result]


def _assert_same(a, b):
    a, b = _as_arrays(a), _as_arrays(b)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", list(CASES))
def test_dask_backend_gives_the_same_results_as_one_job(name, client, photos):
    make, run, handles = CASES[name]
    expected = run(make().set_params(n_jobs=1), photos)
    driver_pid = os.getpid()
    pids = _clear_worker_models(client)
    assert driver_pid not in pids.values()
    with joblib.parallel_config(backend="dask"):
        assert joblib.effective_n_jobs(None) == 2
        got = run(make(), photos)  # n_jobs=None follows parallel_config
    _assert_same(got, expected)
    built = _worker_models(client)
    assert set(built) == set(pids.values())
    if handles is not None:
        # The work ran in the workers, which loaded the models themselves
        # (nothing native was pickled: the guard fixture would have raised).
        found = set().union(*map(set, built.values()))
        assert handles <= found, (name, built)


def test_estimators_pickle_without_native_handles(no_dlib_pickling, photos):
    for make, run, _ in CASES.values():
        est = make().set_params(n_jobs=1)
        run(est, photos[:2])  # handles now built and pooled in this process
        copy = pickle.loads(pickle.dumps(est))  # the guard raises on dlib objects
        _assert_same(run(copy, photos[:2]), run(est, photos[:2]))


def test_face_analyzer_on_dask_matches_one_job(client, photos):
    from skface.recognition import FaceAnalyzer

    expected = FaceAnalyzer(embeddings=True, n_jobs=1).analyze_rows(photos)
    with joblib.parallel_config(backend="dask"):
        got = FaceAnalyzer(embeddings=True).analyze_rows(photos)
    for field in ("image_index", "boxes", "scores", "landmarks", "embeddings"):
        np.testing.assert_array_equal(getattr(got, field), getattr(expected, field))


def test_grid_search_through_the_dask_backend(client):
    faces = make_synthetic_faces(8, size=128, random_state=4)
    X, y = list(faces.images), [b[None] for b in faces.boxes]
    grid = {"upsample": [0, 1], "threshold": [-0.5, 0.0, 0.8]}

    def search():
        return GridSearchCV(HOGFaceDetector(on_missing="nan"), grid, cv=2).fit(X, y)

    with joblib.parallel_config(backend="loky", n_jobs=1):
        local = search()
    with joblib.parallel_config(backend="dask"):
        remote = search()
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_estimator_.detect(X[:2])[0].shape[1] == 5


def test_ray_backend_gives_the_same_results_as_one_job(no_dlib_pickling, photos):
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    # Ray's joblib backend starts fresh actor processes for every Parallel
    # call (seconds each): two calls here, detection and encoding.
    det = HOGFaceDetector(on_missing="nan", n_jobs=1).fit(photos[:1])
    enc = DlibFaceEncoder(on_missing="nan", batch_size=2, n_jobs=1).fit(photos[:1])
    boxes = det.transform(photos)
    expected = det.detect(photos), enc.transform(photos, boxes=boxes)
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        register_ray()
        det.set_params(n_jobs=None)
        enc.set_params(n_jobs=None)
        with joblib.parallel_config(backend="ray", n_jobs=2):
            got = det.detect(photos), enc.transform(photos, boxes=boxes)
    finally:
        if started:
            ray.shutdown()
    _assert_same(got[0], expected[0])
    _assert_same(got[1], expected[1])
