"""Random-state helpers, parallel map, estimator discovery, optional imports."""

import joblib
import numpy as np
import pytest

from skface.utils import (
    all_estimators,
    draw_seed,
    import_optional,
    parallel_map,
    spawn_seeds,
    torch_rng_context,
)


def test_draw_seed_is_deterministic_for_ints_and_advances_random_states():
    assert draw_seed(3) == draw_seed(3)
    rng = np.random.RandomState(0)
    assert draw_seed(rng) != draw_seed(rng)
    assert 0 <= draw_seed(None) < 2**31 - 1


def test_spawn_seeds_independent_and_reproducible():
    a, b = spawn_seeds(0, 5), spawn_seeds(0, 5)
    assert a == b and len(set(a)) == 5
    assert spawn_seeds(1, 5) != a


def test_torch_rng_context_restores_the_global_rng():
    torch = pytest.importorskip("torch")
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    with torch_rng_context(7):
        inside = torch.rand(3)
    after = torch.rand(3)
    assert torch.equal(after, expected), "the global torch RNG was disturbed"
    with torch_rng_context(7):
        again = torch.rand(3)
    assert torch.equal(inside, again)


def _square(x):
    return x * x


@pytest.mark.parametrize("n_jobs", [None, 1, 2])
def test_parallel_map_keeps_order(n_jobs):
    items = list(range(23))
    assert parallel_map(_square, items, n_jobs=n_jobs) == [i * i for i in items]


def test_parallel_map_honours_parallel_config(monkeypatch):
    seen = []
    real = joblib.Parallel

    class Spy(real):
        def __init__(self, *args, **kwargs):
            seen.append(kwargs.get("n_jobs"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", Spy)
    assert parallel_map(_square, [1, 2, 3], n_jobs=None) == [1, 4, 9]
    assert seen == []  # serial: no joblib overhead
    with joblib.parallel_config(backend="threading", n_jobs=2):
        assert parallel_map(_square, [1, 2, 3, 4], n_jobs=None) == [1, 4, 9, 16]
    assert seen == [None]  # n_jobs left to the config


def test_parallel_map_empty_and_single():
    assert parallel_map(_square, [], n_jobs=2) == []
    assert parallel_map(_square, [3], n_jobs=2) == [9]


def test_all_estimators_finds_public_estimators_only():
    found = dict(all_estimators())
    assert "ImageResizer" in found
    assert not any(name.startswith("_") for name in found)
    transformers = dict(all_estimators(type_filter="transformer"))
    assert "ImageResizer" in transformers
    assert all(
        "DetectorMixin" in {b.__name__ for b in cls.__mro__}
        for cls in dict(all_estimators(type_filter="detector")).values()
    )
    with pytest.raises(ValueError, match="type_filter"):
        all_estimators(type_filter="nonsense")


def test_import_optional_gives_install_hint():
    with pytest.raises(ImportError, match="pip install"):
        import_optional("skface_no_such_backend")
    assert import_optional("numpy") is np
