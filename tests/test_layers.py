"""skface's import layers: one order, no cycles, no hidden imports.

Every import statement of the package is read with :mod:`ast` (module-level
and inside functions, relative ones resolved), together with every
``importlib.import_module`` call. The rules:

1. A module imports only modules of its own layer or of lower layers
   (:data:`LAYERS`, lowest first).
2. The subpackages do not import each other in a cycle, and no two modules
   do (so no cycle is hidden, whether inside a function or not).
3. A skface module is imported inside a function only where
   :data:`ALLOWED_LAZY` says why (loading torch on first use, a deprecation
   shim), and with a computed name only where :data:`ALLOWED_DYNAMIC` says
   why; a third-party module only when it is a heavy or optional backend
   (:data:`HEAVY_BACKENDS`). Everything else is imported at module level.
4. Every subpackage imports on its own, in a fresh interpreter.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import skface

PACKAGE = Path(skface.__file__).parent

#: The layers, lowest first. A module belongs to the layer of its longest
#: matching prefix here (so ``skface.restoration._face_inpainter`` is a
#: learned estimator while the rest of ``skface.restoration`` is classical).
LAYERS = [
    # Pure helpers: validation, boxes, images, random state, registry.
    ("foundation", ["skface", "skface._version", "skface.utils"]),
    # What every estimator family shares: the image mixin, pure array
    # metrics, data sets and model files.
    ("shared", ["skface.base", "skface.metrics", "skface.datasets"]),
    # Classical estimators on dlib, OpenCV, scikit-image: never torch.
    (
        "classical",
        [
            "skface.detection",
            "skface.landmarks",
            "skface.alignment",
            "skface.features",
            "skface.preprocessing",
            "skface.restoration",
        ],
    ),
    # Pure torch modules.
    ("nn", ["skface.nn"]),
    # The skorch-backed neural core.
    ("neural", ["skface.neural"]),
    # Estimators learned with the neural core, and what is built on them.
    (
        "learned",
        [
            "skface.autoencoders",
            "skface.restoration._face_inpainter",
            "skface.generation",
        ],
    ),
    # Applications combining the families.
    ("applications", ["skface.recognition", "skface.model_selection"]),
    # Entry points and test tooling, which may use anything.
    ("entry points", ["skface.cli", "skface.utils.estimator_checks"]),
]

#: Imports of skface modules inside functions, as
#: ``(importing module, imported module or package): reason``; an entry
#: covers the named module and everything below it.
ALLOWED_LAZY = {
    ("skface.base", "skface.detection._base"): (
        "deprecation shim: skface.base.DetectorMixin warns and forwards"
    ),
    ("skface.metrics", "skface.autoencoders"): (
        "deprecation shim: skface.metrics.anonymization_report and its parts "
        "warn and forward to skface.autoencoders"
    ),
    ("skface.metrics", "skface.generation._quality"): (
        "skface.metrics.face_kid, face_fd and face_generation_report run dlib "
        "models (skface.generation): loaded on first access, not deprecated"
    ),
    ("skface.datasets._head_turn", "skface.landmarks"): (
        "make_head_turn_pairs finds the landmarks itself (dlib) only when none "
        "are given; skface.datasets stays a light data layer"
    ),
    ("skface.autoencoders._anonymizer", "skface.autoencoders._latent_decoder"): (
        "torch is loaded only for method='generate'"
    ),
    ("skface.restoration", "skface.restoration._face_inpainter"): (
        "FaceInpainter loads torch on first use; import skface.restoration "
        "stays torch-free"
    ),
    ("skface.model_selection._objective", "skface.model_selection._callback"): (
        "the pruning callback is a skorch callback (torch); only neural "
        "estimators get it"
    ),
    ("skface.cli._commands", "skface.generation"): (
        "`skface anonymize --method swap` loads a FaceSwapper (torch) only "
        "when asked; the other commands stay torch-free"
    ),
    ("skface.cli._main", "skface.cli"): (
        "`skface --version` and `--help` stay fast: the commands and the demo "
        "load when one runs"
    ),
    ("skface.cli._demo", "skface"): (
        "each demo section loads its own estimator families (dlib, OpenCV, "
        "torch) only when it runs"
    ),
}

#: Modules that call ``importlib.import_module`` with a computed name.
ALLOWED_DYNAMIC = {
    "skface": "import skface is cheap: subpackages load on first attribute access",
    "skface.autoencoders": (
        "FaceAutoencoder and LatentDecoder load torch on first use, so that "
        "FaceAnonymizer's classical methods work without the neural extra"
    ),
    "skface.utils._discovery": (
        "all_estimators imports every public module it finds on disk"
    ),
    "skface.utils._registry": (
        "a saved model names its class; the registry imports that class's "
        "module when the class is not loaded yet"
    ),
    "skface.utils._optional": (
        "import_optional(name) imports the optional backend it is asked for"
    ),
}

#: Third-party modules that may be imported inside functions: heavy or
#: optional backends that ``import skface.<family>`` must not load.
HEAVY_BACKENDS = {
    "accelerate",  # the `gpu` extra: the neural estimators' accelerator=
    "cv2",
    "dlib",
    "matplotlib",
    "optuna",
    "pandas",
    "pytest",  # skface.utils.estimator_checks: pytest is a test-only extra
    "skorch",
    "sqlalchemy",
    "torch",
    "torchvision",
}

#: Modules whose function-level third-party imports are all allowed.
ALLOWED_LAZY_THIRD_PARTY = {
    "skface.cli._demo": "the demo loads each section's dependencies on use",
}


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


MODULES = {}
for _path in sorted(PACKAGE.rglob("*.py")):
    _name, _is_package = _module_name(_path)
    MODULES[_name] = (_path, _is_package)


class _Import:
    """One import: where, what, and whether it runs inside a function."""

    def __init__(self, module, lineno, targets, lazy, dynamic=False):
        self.module = module
        self.lineno = lineno
        self.targets = targets
        self.lazy = lazy
        self.dynamic = dynamic

    def __repr__(self):
        what = "import_module(...)" if self.dynamic else ", ".join(self.targets)
        return f"{self.module}:{self.lineno}: {what}"


def _resolve(module, is_package, node):
    """Absolute names imported by ``node`` (submodules named in a from-import too)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        if not is_package:
            base.pop()
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module
    names = [target]
    for alias in node.names:
        if f"{target}.{alias.name}" in MODULES:
            names.append(f"{target}.{alias.name}")
    return names


def _is_import_module(node):
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id in {"import_module", "__import__"}
    )


def _imports_of(module, path, is_package):
    found = []

    def visit(node, lazy):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                targets = _resolve(module, is_package, child)
                found.append(_Import(module, child.lineno, targets, lazy))
            elif isinstance(child, ast.Call) and _is_import_module(child):
                arg = child.args[0] if child.args else None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append(_Import(module, child.lineno, [arg.value], lazy))
                else:
                    found.append(_Import(module, child.lineno, [], lazy, True))
            inner = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            visit(child, lazy or inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


IMPORTS = [
    imp
    for name, (path, is_package) in MODULES.items()
    for imp in _imports_of(name, path, is_package)
]


def _rank(module):
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(
                prefix
            ) > best:
                best, rank = len(prefix), i
    return rank


def _covers(prefix, name):
    return name == prefix or name.startswith(prefix + ".")


def _allowed_lazy(imp, target):
    return any(
        imp.module == importer and _covers(prefix, target)
        for importer, prefix in ALLOWED_LAZY
    )


def _is_skface(name):
    return _covers("skface", name)


def _ancestors(name):
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_every_module_has_a_layer():
    missing = [m for m in MODULES if _rank(m) is None]
    assert not missing, f"add these modules to LAYERS: {missing}"


#: Packages that have their layer before they have their code.
PLANNED = {"skface.generation"}


def test_layer_table_names_real_modules():
    stale = [
        p for _, prefixes in LAYERS for p in prefixes if p not in set(MODULES) | PLANNED
    ]
    assert not stale, f"LAYERS names modules that do not exist: {stale}"


def _upward(imports):
    bad = []
    for imp in imports:
        for target in imp.targets:
            if not _is_skface(target) or _allowed_lazy(imp, target):
                continue
            if _rank(target) > _rank(imp.module):
                bad.append(
                    f"{imp!r} ({LAYERS[_rank(imp.module)][0]} imports "
                    f"{LAYERS[_rank(target)][0]})"
                )
                break
    return bad


def test_lower_layers_never_import_higher_ones():
    bad = _upward(IMPORTS)
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def _cycles(edges):
    """Every cycle found by a depth-first search (one per back edge)."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def _unit(module):
    """The subpackage (or separately layered module) ``module`` belongs to."""
    best = max(
        (p for _, prefixes in LAYERS for p in prefixes if _covers(p, module)),
        key=len,
    )
    return best if best != "skface" else module


def _edges(imports, unit):
    for imp in imports:
        for target in imp.targets:
            if not _is_skface(target) or target not in MODULES:
                continue
            if _allowed_lazy(imp, target) or target in _ancestors(imp.module):
                continue
            a, b = unit(imp.module), unit(target)
            if a != b:
                yield a, b


def test_no_cycle_between_subpackages():
    cycles = _cycles(_edges(IMPORTS, _unit))
    assert not cycles, "subpackages import each other in a cycle:\n" + "\n".join(
        " -> ".join(c) for c in cycles
    )


def test_no_cycle_between_modules():
    cycles = _cycles(_edges(IMPORTS, lambda m: m))
    assert not cycles, "modules import each other in a cycle:\n" + "\n".join(
        " -> ".join(c) for c in cycles
    )


def _lazy_skface(imports):
    return [
        imp
        for imp in imports
        if imp.lazy
        and not imp.dynamic
        and any(_is_skface(t) and not _allowed_lazy(imp, t) for t in imp.targets)
    ]


def test_no_function_level_import_of_skface_modules():
    bad = _lazy_skface(IMPORTS)
    assert not bad, (
        "import these at module level (or fix the layering, or add the import "
        "with its reason to ALLOWED_LAZY):\n" + "\n".join(map(repr, bad))
    )


def test_dynamic_imports_are_allowed_explicitly():
    bad = [imp for imp in IMPORTS if imp.dynamic and imp.module not in ALLOWED_DYNAMIC]
    assert not bad, "import_module with a computed name:\n" + "\n".join(map(repr, bad))


def test_function_level_third_party_imports_are_heavy_backends():
    bad = [
        imp
        for imp in IMPORTS
        if imp.lazy
        and not imp.dynamic
        and imp.module not in ALLOWED_LAZY_THIRD_PARTY
        and any(
            not _is_skface(t) and t.split(".")[0] not in HEAVY_BACKENDS
            for t in imp.targets
        )
    ]
    assert not bad, (
        "import these at module level (only heavy or optional backends may be "
        "imported on use):\n" + "\n".join(map(repr, bad))
    )


def test_allow_lists_have_no_stale_entries():
    used = {
        (imp.module, prefix)
        for imp in IMPORTS
        if imp.lazy
        for importer, prefix in ALLOWED_LAZY
        if imp.module == importer and any(_covers(prefix, t) for t in imp.targets)
    }
    dynamic = {imp.module for imp in IMPORTS if imp.dynamic}
    lazy_third_party = {imp.module for imp in IMPORTS if imp.lazy and not imp.dynamic}
    stale = (
        sorted(set(ALLOWED_LAZY) - used)
        + sorted(set(ALLOWED_DYNAMIC) - dynamic)
        + sorted(set(ALLOWED_LAZY_THIRD_PARTY) - lazy_third_party)
    )
    assert not stale, f"allow-list entries no import needs: {stale}"


def test_metrics_is_a_leaf_of_array_functions():
    # Only the validation helpers; no estimator, no model, no data set.
    bad = [
        imp
        for imp in IMPORTS
        if _covers("skface.metrics", imp.module)
        and any(
            _is_skface(t)
            and not _covers("skface.metrics", t)
            and not _covers("skface.utils", t)
            and not _allowed_lazy(imp, t)
            and t not in _ancestors(imp.module)
            for t in imp.targets
        )
    ]
    assert not bad, "skface.metrics imports more than utils:\n" + "\n".join(
        map(repr, bad)
    )


TORCH = {"torch", "torchvision", "skorch"}


def test_code_below_nn_never_imports_torch():
    nn_rank = next(i for i, (name, _) in enumerate(LAYERS) if name == "nn")
    bad = [
        imp
        for imp in IMPORTS
        if _rank(imp.module) < nn_rank
        and any(t.split(".")[0] in TORCH for t in imp.targets)
    ]
    assert not bad, "classical code imports torch:\n" + "\n".join(map(repr, bad))


def test_nn_is_pure_torch():
    allowed = {"torch", "numpy", *sys.stdlib_module_names}
    bad = [
        imp
        for imp in IMPORTS
        if _covers("skface.nn", imp.module)
        and any(
            not _covers("skface.nn", t) and t.split(".")[0] not in allowed
            for t in imp.targets
        )
    ]
    assert not bad, "skface.nn imports more than torch:\n" + "\n".join(map(repr, bad))


def test_the_checks_catch_what_they_must(tmp_path):
    # The walker resolves relative imports and sees those inside functions.
    path = tmp_path / "probe.py"
    path.write_text(
        "from ..base import ImageEstimatorMixin\n"
        "def f():\n"
        "    from .. import metrics\n"
        "    from ..autoencoders import _anonymizer\n"
        "    import torch\n"
    )
    found = _imports_of("skface.detection._probe", path, False)
    assert [(i.targets, i.lazy) for i in found] == [
        (["skface.base"], False),
        (["skface", "skface.metrics"], True),
        (["skface.autoencoders", "skface.autoencoders._anonymizer"], True),
        (["torch"], True),
    ]
    # An upward import is reported, at module level or inside a function.
    assert (
        len(_upward(found)) == 1 and "classical imports learned" in (_upward(found)[0])
    )
    assert [i.targets[-1] for i in _lazy_skface(found)] == [
        "skface.metrics",
        "skface.autoencoders._anonymizer",
    ]
    # A cycle is found however long it is; an allowed lazy import is skipped.
    assert _cycles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [
        ["a", "b", "c", "a"]
    ]
    shim = _Import("skface.base", 1, ["skface.detection._base"], True)
    assert not _upward([shim]) and not _lazy_skface([shim])


SUBPACKAGES = sorted(
    name
    for name, (_, is_package) in MODULES.items()
    if is_package and name.count(".") == 1
)
NEEDS_TORCH = {"skface.nn", "skface.neural"}


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_subpackage_imports_alone(name):
    if name in NEEDS_TORCH and importlib.util.find_spec("torch") is None:
        pytest.skip("needs the neural extra (torch)")
    subprocess.run([sys.executable, "-c", f"import {name}"], check=True)


def test_landmarks_metrics_neural_import_together():
    if importlib.util.find_spec("torch") is None:
        pytest.skip("needs the neural extra (torch)")
    code = "import skface.landmarks, skface.metrics, skface.neural"
    subprocess.run([sys.executable, "-c", code], check=True)
