"""skface.metrics is pure arrays; its anonymisation names are deprecated aliases."""

import subprocess
import sys

import pytest

import skface.autoencoders
import skface.metrics

MOVED = [
    "anonymization_report",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
]


@pytest.mark.parametrize("name", MOVED)
def test_moved_names_warn_and_resolve_to_autoencoders(name):
    assert name not in skface.metrics.__all__
    with pytest.warns(FutureWarning, match=f"use skface.autoencoders.{name}"):
        assert getattr(skface.metrics, name) is getattr(skface.autoencoders, name)


def test_import_metrics_loads_no_model_family():
    code = (
        "import sys, skface.metrics; "
        "print(sorted(m for m in sys.modules if m.startswith('skface.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = {m.split(".")[1] for m in eval(out) if m.count(".")}
    assert loaded <= {"_version", "metrics", "utils"}, loaded
