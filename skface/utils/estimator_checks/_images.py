"""Image versions of scikit-learn's data checks (private; see
:mod:`skface.utils.estimator_checks`).

Each check is ``check(name, estimator, *, data=None, output_method=None)``:
``data`` is None (six 64x64 synthetic faces), a tuple ``(X, y)`` or a
callable returning one; ``output_method`` names the method whose output is
compared (or is a callable ``f(estimator, X)``).
"""

from __future__ import annotations

import copy
import os
import pickle
import re
import tempfile

import joblib
import numpy as np
from PIL import Image
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils._testing import create_memmap_backed_data
from sklearn.utils.validation import check_is_fitted

from ...datasets import make_synthetic_faces
from ..validation import check_images

_OUTPUT_METHODS = ("transform", "predict", "detect", "score_samples")


# --------------------------------------------------------------------------
# Data and output helpers


def _default_data(estimator):
    faces = make_synthetic_faces(6, size=64, n_identities=2, random_state=0)
    y = faces.target if get_tags(estimator).target_tags.required else None
    return faces.images, y


def _get_data(estimator, data):
    """A fresh ``(X, y)`` from ``data`` (None, a tuple or a callable)."""
    if data is None:
        return _default_data(estimator)
    if callable(data):
        X, y = data()
    else:
        X, y = copy.deepcopy(tuple(data))
    return X, y


def _fit(estimator, X, y):
    return estimator.fit(X) if y is None else estimator.fit(X, y)


def _output(estimator, X, output_method=None):
    """The output the checks compare: ``output_method`` or the first method."""
    if callable(output_method):
        return output_method(estimator, X)
    if output_method is None:
        for output_method in _OUTPUT_METHODS:
            if hasattr(estimator, output_method):
                break
        else:
            raise AssertionError(
                f"{type(estimator).__name__} has none of {_OUTPUT_METHODS}; pass "
                "output_method"
            )
    return getattr(estimator, output_method)(X)


def _n_rows(output):
    return output.shape[0] if isinstance(output, np.ndarray) else len(output)


def _rows(output, idx):
    if isinstance(output, np.ndarray):
        return output[idx]
    return [output[i] for i in idx]


def _assert_same_output(a, b, *, rtol=1e-7, atol=0.0, msg=""):
    """Outputs equal row by row (arrays or lists of arrays; NaN == NaN)."""
    assert _n_rows(a) == _n_rows(b), f"{msg}: {_n_rows(a)} rows vs {_n_rows(b)}"
    pairs = [(a, b)] if isinstance(a, np.ndarray) else zip(a, b, strict=True)
    for x, z in pairs:
        x, z = np.asarray(x), np.asarray(z)
        assert x.shape == z.shape, f"{msg}: shape {x.shape} vs {z.shape}"
        if x.dtype.kind in "biuf" and z.dtype.kind in "biuf":
            np.testing.assert_allclose(x, z, rtol=rtol, atol=atol, err_msg=msg)
        else:
            np.testing.assert_array_equal(x, z, err_msg=msg)


def _as_uint8_list(X):
    """The images of ``X`` as a list of uint8 arrays (channels kept)."""
    return check_images(X, dtype="uint8", channels="keep", stack=False)


def _restack(images):
    """One array when all images have one shape, else the list."""
    if all(im.shape == images[0].shape for im in images):
        return np.stack(images)
    return list(images)


def _subset(X, idx):
    return X[idx] if isinstance(X, np.ndarray) else [X[i] for i in idx]


def _set_random_state(estimator, random_state=0):
    if "random_state" in estimator.get_params(deep=False):
        if estimator.get_params(deep=False)["random_state"] is None:
            estimator.set_params(random_state=random_state)


def _params_hash(estimator):
    return {k: joblib.hash(v) for k, v in estimator.get_params(deep=False).items()}


def _fitted(estimator, data):
    """A clone, seeded and fitted on the check data, and ``(X, y)``."""
    est = clone(estimator)
    _set_random_state(est)
    X, y = _get_data(est, data)
    _fit(est, X, y)
    return est, X, y


# --------------------------------------------------------------------------
# Image versions of scikit-learn's data checks


def check_images_fit_returns_self(name, estimator_orig, *, data=None, **_):
    """``fit`` returns the estimator itself (check_estimators_fit_returns_self)."""
    est = clone(estimator_orig)
    X, y = _get_data(est, data)
    assert _fit(est, X, y) is est, f"{name}.fit does not return self"


def check_images_fit_does_not_change_params(name, estimator_orig, *, data=None, **_):
    """``fit`` leaves every parameter, nested estimators included, as given
    (check_estimators_overwrite_params)."""
    est = clone(estimator_orig)
    _set_random_state(est)
    before = _params_hash(est)
    X, y = _get_data(est, data)
    _fit(est, X, y)
    after = _params_hash(est)
    changed = sorted(k for k in before if before[k] != after[k])
    assert not changed, f"{name}.fit changed the parameters {changed}"


def check_images_fit_sets_only_trailing_underscore(
    name, estimator_orig, *, data=None, **_
):
    """Public attributes set by ``fit`` end with ``_``
    (check_dont_overwrite_parameters)."""
    est = clone(estimator_orig)
    before = set(vars(est))
    X, y = _get_data(est, data)
    _fit(est, X, y)
    new = [
        k
        for k in set(vars(est)) - before
        if not k.startswith("_") and not k.endswith("_")
    ]
    assert not new, f"{name}.fit set public attributes {sorted(new)} without a '_'"


def check_images_fit_check_is_fitted(name, estimator_orig, *, data=None, **_):
    """``check_is_fitted`` fails before ``fit`` (when required) and passes
    after it (check_fit_check_is_fitted)."""
    est = clone(estimator_orig)
    if get_tags(est).requires_fit:
        try:
            check_is_fitted(est)
        except NotFittedError:
            pass
        else:
            raise AssertionError(f"{name} passes check_is_fitted before fit")
    X, y = _get_data(est, data)
    _fit(est, X, y)
    check_is_fitted(est)


def check_images_unfitted(name, estimator_orig, *, data=None, output_method=None):
    """Unfitted use raises ``NotFittedError``; with the ``requires_fit=False``
    tag it works and agrees with ``fit(X)`` (check_estimators_unfitted)."""
    est = clone(estimator_orig)
    _set_random_state(est)
    X, _ = _get_data(est, data)
    if get_tags(est).requires_fit:
        try:
            _output(est, X, output_method)
        except NotFittedError:
            return
        raise AssertionError(f"{name} gives an output before fit")
    unfitted = _output(est, X, output_method)
    fitted = _output(clone(est).fit(X), X, output_method)
    _assert_same_output(
        unfitted, fitted, msg=f"{name}: unfitted output differs from fit(X)'s"
    )


def check_images_one_row_per_row(
    name, estimator_orig, *, data=None, output_method=None
):
    """One output row per input image, also for a single image
    (check_transformer_general, check_fit2d_1sample)."""
    est, X, _ = _fitted(estimator_orig, data)
    out = _output(est, X, output_method)
    assert _n_rows(out) == len(X), f"{name} gave {_n_rows(out)} rows for {len(X)}"
    one = _output(est, _subset(X, [0]), output_method)
    assert _n_rows(one) == 1, f"{name} gave {_n_rows(one)} rows for one image"


def check_images_fit_idempotent(name, estimator_orig, *, data=None, output_method=None):
    """Fitting twice, or a clone, gives the same output (check_fit_idempotent)."""
    est, X, y = _fitted(estimator_orig, data)
    first = _output(est, X, output_method)
    _fit(est, X, y)
    _assert_same_output(
        first, _output(est, X, output_method), rtol=1e-6, msg=f"{name} refit"
    )
    other = _fitted(est, data)[0]
    _assert_same_output(
        first, _output(other, X, output_method), rtol=1e-6, msg=f"{name} clone"
    )


def check_images_subset_invariance(
    name, estimator_orig, *, data=None, output_method=None
):
    """Each image alone gives the row it gets in the batch
    (check_methods_subset_invariance)."""
    est, X, _ = _fitted(estimator_orig, data)
    full = _output(est, X, output_method)
    for i in range(len(X)):
        one = _output(est, _subset(X, [i]), output_method)
        _assert_same_output(
            _rows(full, [i]), one, rtol=1e-5, atol=1e-6, msg=f"{name} X[{i}] alone"
        )


def check_images_sample_order_invariance(
    name, estimator_orig, *, data=None, output_method=None
):
    """Shuffled images give shuffled rows (check_methods_sample_order_invariance)."""
    est, X, _ = _fitted(estimator_orig, data)
    full = _output(est, X, output_method)
    idx = np.random.RandomState(0).permutation(len(X))
    _assert_same_output(
        _rows(full, idx),
        _output(est, _subset(X, idx), output_method),
        rtol=1e-5,
        atol=1e-6,
        msg=f"{name} on shuffled images",
    )


def check_images_pickle(name, estimator_orig, *, data=None, output_method=None):
    """A pickled and unpickled fitted estimator gives the same output, also
    after a second round trip (check_estimators_pickle)."""
    est, X, _ = _fitted(estimator_orig, data)
    before = _output(est, X, output_method)
    restored = pickle.loads(pickle.dumps(est))
    _assert_same_output(before, _output(restored, X, output_method), msg=name)
    again = pickle.loads(pickle.dumps(restored))
    _assert_same_output(before, _output(again, X, output_method), msg=name)


def check_images_dict_unchanged(name, estimator_orig, *, data=None, output_method=None):
    """The output method changes no attribute (check_dict_unchanged)."""
    est, X, _ = _fitted(estimator_orig, data)
    _output(est, X, output_method)  # lazy caches may fill on first use
    before = {k: joblib.hash(v) for k, v in vars(est).items()}
    _output(est, X, output_method)
    after = {k: joblib.hash(v) for k, v in vars(est).items()}
    changed = sorted(
        k for k in set(before) | set(after) if before.get(k) != after.get(k)
    )
    assert not changed, f"{name}'s output method changed {changed}"


def check_images_readonly_memmap(
    name, estimator_orig, *, data=None, output_method=None
):
    """Read-only memory-mapped images work and give the same output
    (check_readonly_memmap_input)."""
    est, X, y = _fitted(estimator_orig, data)
    expected = _output(est, X, output_method)
    X_mm = create_memmap_backed_data(X)
    est_mm = clone(est)
    _fit(est_mm, X_mm, y)
    _assert_same_output(
        expected, _output(est_mm, X_mm, output_method), rtol=1e-6, msg=name
    )


def check_images_non_contiguous(name, estimator_orig, *, data=None, output_method=None):
    """Fortran-ordered and strided image arrays give the same output
    (check_f_contiguous_array_estimator)."""
    est, X, _ = _fitted(estimator_orig, data)
    expected = _output(est, X, output_method)
    if isinstance(X, np.ndarray):
        Xf = np.asfortranarray(X)
        strided = np.repeat(X, 2, axis=2)[:, :, ::2]
    else:
        Xf = [np.asfortranarray(im) for im in X]
        strided = [np.repeat(np.asarray(im), 2, axis=1)[:, ::2] for im in X]
    for variant, what in ((Xf, "Fortran-ordered"), (strided, "strided")):
        _assert_same_output(
            expected,
            _output(est, variant, output_method),
            rtol=1e-6,
            msg=f"{name} on {what} images",
        )


def _write_pngs(images, folder):
    paths = []
    for i, im in enumerate(images):
        path = os.path.join(folder, f"image{i}.png")
        Image.fromarray(
            im.squeeze(-1) if im.ndim == 3 and im.shape[2] == 1 else im
        ).save(path)
        paths.append(path)
    return paths


def _is_uint8(output):
    rows = [output] if isinstance(output, np.ndarray) else output
    return len(rows) > 0 and all(np.asarray(r).dtype == np.uint8 for r in rows)


def _to_uint8_scale(output):
    if isinstance(output, np.ndarray):
        return output * 255.0
    return [np.asarray(r) * 255.0 for r in output]


def check_images_dtypes(name, estimator_orig, *, data=None, output_method=None):
    """``uint8``, float in ``[0, 1]``, a list of arrays and a list of PNG files
    of the same images give the same output (check_estimators_dtypes); an
    estimator that returns images in the input's dtype may differ by the
    rounding to ``uint8``."""
    est = clone(estimator_orig)
    _set_random_state(est)
    X, y = _get_data(est, data)
    images = _as_uint8_list(X)
    base = _restack(images)
    _fit(est, base, y)
    expected = _output(est, base, output_method)
    floats = _restack([im / 255.0 for im in images])
    with tempfile.TemporaryDirectory() as folder:
        paths = _write_pngs(images, folder)
        for variant, what in (
            (floats, "float images in [0, 1]"),
            (list(images), "a list of arrays"),
            (paths, "a list of PNG files"),
        ):
            out, atol = _output(est, variant, output_method), 1e-4
            if _is_uint8(expected) and not _is_uint8(out):
                # Images out in the input's dtype: compare on the [0, 1] scale,
                # up to the rounding to uint8.
                out, atol = _to_uint8_scale(out), 1.0 + 1e-6
            _assert_same_output(
                expected, out, rtol=1e-4, atol=atol, msg=f"{name} on {what}"
            )


def check_images_empty(name, estimator_orig, *, data=None, output_method=None):
    """Zero images raise a ``ValueError`` saying so
    (check_estimators_empty_data_messages)."""
    est = clone(estimator_orig)
    X, y = _get_data(est, data)
    first = np.asarray(_as_uint8_list(X)[0])
    empties = (np.empty((0, *first.shape), first.dtype), [])
    pattern = re.compile("empty|at least one|no image|0 images", re.IGNORECASE)

    def expect_error(func, what):
        try:
            func()
        except ValueError as exc:
            assert pattern.search(str(exc)), (
                f"{name} {what}: the ValueError does not say the input is empty: {exc}"
            )
            return
        raise AssertionError(f"{name} {what}: no ValueError on zero images")

    fitted = get_tags(est).requires_fit
    y_empty = None if y is None else y[:0]
    for empty in empties:
        if fitted:
            expect_error(lambda e=empty: _fit(est, e, y_empty), "fit")
    if fitted:
        _fit(est, X, y)
    for empty in empties:
        expect_error(lambda e=empty: _output(est, e, output_method), "output")


def check_images_nan_inf(name, estimator_orig, *, data=None, output_method=None):
    """Images with NaN, inf or float pixels outside ``[0, 1]`` raise a
    ``ValueError`` naming the image (check_estimators_nan_inf)."""
    est = clone(estimator_orig)
    _set_random_state(est)
    X, y = _get_data(est, data)
    images = [im / 255.0 for im in _as_uint8_list(X)]
    if len(images) < 2:
        images = images * 2
        y = None if y is None else [*y, *y]
    good = _restack(images)
    if get_tags(est).requires_fit:
        _fit(est, X, y)
    for value in (np.nan, np.inf, 2.0):  # 2.0: a float outside [0, 1]
        bad = copy.deepcopy(good)
        bad[1][3, 4] = value
        calls = [(lambda b=bad: _output(est, b, output_method), "output")]
        if get_tags(est).requires_fit:
            calls.append((lambda b=bad: _fit(clone(est), b, y), "fit"))
        for func, what in calls:
            try:
                func()
            except ValueError as exc:
                assert "X[1]" in str(exc), (
                    f"{name} {what}: the ValueError for {value} in X[1] does not "
                    f"name X[1]: {exc}"
                )
            else:
                raise AssertionError(f"{name} {what} accepted {value} in X[1]")


def check_images_2d_array_rejected(
    name, estimator_orig, *, data=None, output_method=None
):
    """A 2-D ``(n_samples, n_features)`` array raises a ``ValueError``, as the
    tag ``two_d_array=False`` says (check_fit2d_predict1d)."""
    est, _, _ = _fitted(estimator_orig, data)
    X2d = np.random.RandomState(0).uniform(size=(5, 7))
    try:
        _output(est, X2d, output_method)
    except ValueError:
        return
    raise AssertionError(f"{name} accepted a 2-D tabular array as images")


def check_images_bad_dtype(name, estimator_orig, *, data=None, output_method=None):
    """Bool and complex images raise a ``ValueError`` naming the dtype
    (check_complex_data, check_dtype_object)."""
    est, X, _ = _fitted(estimator_orig, data)
    images = _as_uint8_list(X)
    for dtype in (bool, complex):
        bad = _restack([im.astype(dtype) for im in images])
        try:
            _output(est, bad, output_method)
        except ValueError as exc:
            kind = np.dtype(dtype).name
            assert kind in str(exc) or "omplex" in str(exc), (
                f"{name}: the ValueError for {kind} images does not name the "
                f"dtype: {exc}"
            )
        else:
            raise AssertionError(f"{name} accepted {np.dtype(dtype).name} images")


def check_images_other_size(name, estimator_orig, *, data=None, output_method=None):
    """Images of another size than the training ones give one row each, or a
    ``ValueError`` that states the expected size (check_n_features_in)."""
    est, X, _ = _fitted(estimator_orig, data)
    images = _as_uint8_list(X)
    pad = [((0, 16), (0, 8)) + ((0, 0),) * (im.ndim - 2) for im in images]
    other = _restack([np.pad(im, p, mode="edge") for im, p in zip(images, pad)])
    try:
        out = _output(est, other, output_method)
    except ValueError as exc:
        assert re.search(r"\d+ ?x ?\d+|shape|size", str(exc)), (
            f"{name}: the ValueError for another image size does not state the "
            f"expected size: {exc}"
        )
        return
    assert _n_rows(out) == len(other), f"{name}: {_n_rows(out)} rows for {len(other)}"


def check_images_get_feature_names_out(
    name, estimator_orig, *, data=None, output_method=None
):
    """``get_feature_names_out`` names every column of a 2-D ``transform``
    output (check_transformer_get_feature_names_out)."""
    est, X, _ = _fitted(estimator_orig, data)
    out = est.transform(X)
    if not (isinstance(out, np.ndarray) and out.ndim == 2):
        return  # images out (e.g. ImageResizer(flatten=False)): no columns
    names = est.get_feature_names_out()
    assert len(names) == out.shape[1], (
        f"{name}: {len(names)} feature names for {out.shape[1]} columns"
    )
