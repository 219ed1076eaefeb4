"""Face2Vec on the Olivetti faces: features, baselines, tuning and overhead.

One run, on the 400 grey 64x64 Olivetti faces (40 people x 10 images), of:

1. **Landmarks**, computed once. The faces are tight crops, too small and too
   tight for dlib's HOG detector at their own size: each image is enlarged 2x
   (bicubic) and searched with ``HOGFaceDetector(upsample=1)``; the few
   misses get the median detected box (a box covering the face). The 68
   landmarks are then placed on the images enlarged 4x, because dlib returns
   whole-pixel landmarks, and mapped back to the 64x64 frame (quarter-pixel
   steps instead of whole pixels).
2. **Accuracy** on a fixed split (the first 5 images of each person train,
   the last 5 test) and in 5-fold ``StratifiedKFold(shuffle=True,
   random_state=0)`` cross-validation (a fresh clone per fold) of:

   a. the seed-faithful pipeline: ``Face2VecFeatures(normalize='seed')`` fed
      unscaled to a seed-like net (``Face2VecClassifier`` defaults: 256-128
      ReLU, L2 1e-4, Nadam, 100 epochs);
   b. ``normalize='procrustes'`` + ``StandardScaler`` + a tuned
      ``Face2VecClassifier``; the two other cells of the 2 x 2 (features x
      classifier) are printed too, so the features' own share shows, and
      both feature sets + ``StandardScaler`` + ``PCA(60)`` + linear
      discriminant analysis (a3, b3): how much identity the landmarks carry,
      which bounds what any change of features alone can add;
   c. landmark geometry (Procrustes) fused with ``ThumbnailFeatures`` (16x16
      grey) of the aligned chips, each block standardised, geometry weighted
      0.5, + the tuned ``Face2VecClassifier``; thumbnails alone and the fused
      features + an RBF ``SVC`` (C grid-searched) for comparison;
   d. eigenfaces: ``PCA(whiten=True)`` + RBF ``SVC`` on the pixels, with
      ``n_components``, ``C`` and ``gamma`` tuned by ``GridSearchCV`` inside
      each training set (nested);
   e. ``DlibFaceEncoder`` (photos mode on the 4x images, given the boxes of
      step 1, so dlib's 5 landmarks align the chips its way) + linear SVC.

   The tuned ``Face2VecClassifier`` settings (no hidden layer, i.e. softmax
   regression, lr 1e-2, 200 epochs) were picked in a pilot on this data set,
   so (b) and (c) carry a small optimistic bias; eigenfaces are tuned inside
   each training set.
3. **Grid search vs Optuna**, same pipeline (b), same 5 folds, same data,
   same ranges (hidden layer none or 256 units, alpha 1e-4..1e-3, lr
   1e-3..1e-2), both with ``validation_fraction=0.2`` and 100 epochs per
   fit: ``GridSearchCV`` over 12 combinations vs :func:`optuna_search` with
   its default median pruner reporting per-epoch ``valid_acc``. Epochs are
   counted for every fit (``len(history_)`` for the grid, recorded by a
   scorer; ``n_epochs_total_`` for Optuna).
4. **Training overhead** of ``Face2VecClassifier`` over a hand-written PyTorch
   loop training the same ``skface.nn.MLP`` (256-128) on the same
   Procrustes features (``bench_neural_overhead.plain_loop`` /
   ``.estimator``, alternated over rounds after a warm-up round). It is
   timed right after the landmarks, before the other sections load the
   process; other jobs on the machine still show in it, hence the load
   average in the header.

Everything is seeded (``random_state=0``); torch and BLAS use one thread
(set ``OMP_NUM_THREADS`` before the run to override). Run::

    python benchmarks/bench_face2vec.py            # full, ~5 min on 2 cores
    python benchmarks/bench_face2vec.py --quick    # smoke run, ~1 min
    python benchmarks/bench_face2vec.py --plot /tmp/landmarks.png

and paste the printed tables into ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy/torch load BLAS

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[0].parent / "shared/data/olivetti/olivetti_faces.npz"
SEED = 0
SEED_NET = dict(hidden_layer_sizes=(256, 128), alpha=1e-4, lr=1e-3, max_epochs=100)
TUNED_NET = dict(hidden_layer_sizes=(), alpha=1e-4, lr=1e-2, max_epochs=200)
GEOMETRY_WEIGHT = 0.5
LDA_COMPONENTS = 60
THUMB_SIZE = 16


# --------------------------------------------------------------------- utils
def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if "model name" in ln]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"{platform.node()}, {cpu}, {os.cpu_count()} cores"


def _load():
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def _versions():
    import dlib
    import optuna
    import sklearn
    import skorch
    import torch

    import skface

    return (
        f"skface {skface.__version__}, torch {torch.__version__}, skorch "
        f"{skorch.__version__}, scikit-learn {sklearn.__version__}, optuna "
        f"{optuna.__version__}, dlib {dlib.__version__}, python "
        f"{platform.python_version()}"
    )


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    print("\n".join(lines), flush=True)


def _enlarge(images, factor):
    import cv2

    return np.stack(
        [
            cv2.resize(im, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
            for im in images
        ]
    )


def fixed_split(y):
    """True for the first 5 images (in file order) of each person."""
    rank = np.zeros(len(y), int)
    for label in np.unique(y):
        idx = np.flatnonzero(y == label)
        rank[idx] = np.arange(len(idx))
    return rank < 5


# ----------------------------------------------------------------- landmarks
def face_boxes(images):
    """HOG boxes on the 2x images, in 64x64 pixel edges; misses -> median."""
    from skface.detection import HOGFaceDetector

    big = _enlarge(images, 2)
    det = HOGFaceDetector(upsample=1, on_missing="nan").fit(big[:1])
    boxes = det.transform(big) / 2.0
    found = np.isfinite(boxes).all(axis=1)
    boxes[~found] = np.median(boxes[found], axis=0)
    return boxes, found


def face_landmarks(images, boxes, factor=4):
    """68 landmarks placed on the images enlarged ``factor`` times.

    dlib's landmarks are whole pixels; on the enlarged image they are
    ``1 / factor`` of an original pixel apart. Pixel centres map back as
    ``(x + 0.5) / factor - 0.5``.
    """
    from skface.landmarks import LandmarkExtractor

    big = _enlarge(images, factor)
    ext = LandmarkExtractor().fit(big[:1])
    L = ext.landmarks(big, boxes=boxes * factor)
    return (L + 0.5) / factor - 0.5, big


def plot_landmarks(path, images, L, boxes, found, idx):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, (len(idx) + 1) // 2, figsize=(2.4 * len(idx) / 2, 5))
    for ax, i in zip(axes.ravel(), idx, strict=False):
        ax.imshow(images[i], cmap="gray")
        ax.plot(*L[i].T, "r.", ms=3)
        b = boxes[i]
        ax.add_patch(
            plt.Rectangle(
                (b[0] - 0.5, b[1] - 0.5), b[2] - b[0], b[3] - b[1], fill=False, ec="y"
            )
        )
        ax.set(xlim=(-12, 76), ylim=(76, -12))
        ax.set_title(f"#{i} {'HOG box' if found[i] else 'fallback box'}", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"landmark figure: {path}")


# ------------------------------------------------------------------ models
def _net(**params):
    from skface.neural import Face2VecClassifier

    return Face2VecClassifier(device="cpu", random_state=SEED, **params)


def _geometry(normalize, scale):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skface.features import Face2VecFeatures

    steps = [Face2VecFeatures(normalize=normalize)]
    return make_pipeline(*steps, StandardScaler()) if scale else make_pipeline(*steps)


def _fused(n_geometry, n_thumb):
    """ColumnTransformer over ``[landmarks (136) | thumbnail pixels]``."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import StandardScaler

    return ColumnTransformer(
        [
            ("geometry", _geometry("procrustes", True), slice(0, n_geometry)),
            ("thumbnail", StandardScaler(), slice(n_geometry, n_geometry + n_thumb)),
        ],
        transformer_weights={"geometry": GEOMETRY_WEIGHT, "thumbnail": 1.0},
    )


def _inner_cv():
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(3, shuffle=True, random_state=SEED)


def eigenfaces(quick):
    from sklearn.decomposition import PCA
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    pipe = make_pipeline(
        PCA(whiten=True, svd_solver="randomized", random_state=SEED), SVC()
    )
    grid = {
        "pca__n_components": [20, 40, 60, 80, 120],
        "svc__C": [1, 10, 100, 1000],
        "svc__gamma": ["scale", 1e-3, 1e-2],
    }
    if quick:
        grid = {"pca__n_components": [50], "svc__C": [10, 100], "svc__gamma": [1e-3]}
    return GridSearchCV(pipe, grid, cv=_inner_cv())


def methods(data, quick):
    """(key, description, estimator, features) for the accuracy table."""
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    div = 5 if quick else 1
    seed_net = {**SEED_NET, "max_epochs": SEED_NET["max_epochs"] // div}
    tuned = {**TUNED_NET, "max_epochs": TUNED_NET["max_epochs"] // div}
    L, T, P, E = data["landmarks"], data["thumbs"], data["pixels"], data["dlib"]
    LT = np.hstack([L, T])
    nl, nt = L.shape[1], T.shape[1]

    def geo(normalize, scale, net):
        return make_pipeline(_geometry(normalize, scale), _net(**net))

    def geo_lda(normalize):
        # how much identity the landmarks carry at all: a linear
        # discriminant after PCA (the within-person scatter of 204 features
        # is singular with 5 faces per person)
        return make_pipeline(
            _geometry(normalize, True),
            PCA(LDA_COMPONENTS, random_state=SEED),
            LinearDiscriminantAnalysis(),
        )

    fused_svc = GridSearchCV(
        make_pipeline(_fused(nl, nt), SVC()), {"svc__C": [1, 10, 100]}, cv=_inner_cv()
    )
    thumb = f"{THUMB_SIZE}x{THUMB_SIZE} thumbnail"
    unscaled = "seed-like net (unscaled)"
    lda = f"scaler -> PCA({LDA_COMPONENTS}) -> LDA"
    return [
        ("a", f"seed features -> {unscaled}", geo("seed", False, seed_net), L),
        ("a2", "seed features -> scaler -> tuned net", geo("seed", True, tuned), L),
        ("b2", f"procrustes -> {unscaled}", geo("procrustes", False, seed_net), L),
        ("b", "procrustes -> scaler -> tuned net", geo("procrustes", True, tuned), L),
        ("a3", f"seed features -> {lda}", geo_lda("seed"), L),
        ("b3", f"procrustes -> {lda}", geo_lda("procrustes"), L),
        (
            "c",
            f"procrustes + {thumb} -> tuned net",
            make_pipeline(_fused(nl, nt), _net(**tuned)),
            LT,
        ),
        (
            "c2",
            f"{thumb} only -> scaler -> tuned net",
            make_pipeline(StandardScaler(), _net(**tuned)),
            T,
        ),
        ("c3", f"procrustes + {thumb} -> SVC (C grid)", fused_svc, LT),
        ("d", "eigenfaces: PCA + SVC, GridSearchCV", eigenfaces(quick), P),
    ] + (
        []
        if E is None
        else [("e", "DlibFaceEncoder -> linear SVC", SVC(kernel="linear"), E)]
    )


def accuracy_table(data, y, quick):
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    train = fixed_split(y)
    cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
    results, rows = {}, []
    for key, desc, est, X in methods(data, quick):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            fixed = clone(est).fit(X[train], y[train]).score(X[~train], y[~train])
            cv_scores = cross_val_score(est, X, y, cv=cv)
        seconds = time.perf_counter() - start
        results[key] = (fixed, cv_scores.mean())
        rows.append(
            (
                key,
                desc,
                f"{100 * fixed:.1f}",
                f"{100 * cv_scores.mean():.1f} ± {100 * cv_scores.std():.1f}",
                f"{seconds:.1f}",
            )
        )
    _table(
        ["", "pipeline", "fixed split acc %", "5-fold CV acc % (mean ± std)", "s"],
        rows,
    )
    print(
        "\ns: the 6 fits (fixed split + 5 folds), nested searches included; the "
        "landmarks, chips and dlib embeddings were computed once, above."
    )
    return results


# -------------------------------------------------------------- grid/optuna
def _epochs_scorer(estimator, X, y):
    """Number of epochs the fitted pipeline's net trained (a 'score')."""
    return len(estimator[-1].history_)


def grid_vs_optuna(L, y, quick):
    import optuna
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from skface.model_selection import optuna_search

    epochs = 20 if quick else 100
    pipe = _geometry("procrustes", True)
    pipe.steps.append(
        ("face2vecclassifier", _net(max_epochs=epochs, validation_fraction=0.2))
    )
    cv = StratifiedKFold(5, shuffle=True, random_state=SEED)
    widths = [0, 256]
    alphas = [1e-4, 1e-3] if not quick else [1e-4]
    lrs = [1e-3, 3e-3, 1e-2] if not quick else [1e-3, 1e-2]
    prefix = "face2vecclassifier__"

    start = time.perf_counter()
    grid = GridSearchCV(
        pipe,
        {
            f"{prefix}hidden_layer_sizes": [() if w == 0 else (w,) for w in widths],
            f"{prefix}alpha": alphas,
            f"{prefix}lr": lrs,
        },
        cv=cv,
        scoring={"accuracy": "accuracy", "epochs": _epochs_scorer},
        refit="accuracy",
    ).fit(L, y)
    grid_s = time.perf_counter() - start
    res = grid.cv_results_
    grid_epochs = int(np.sum(res["mean_test_epochs"] * grid.n_splits_).round())
    n_grid = len(res["params"])

    def space(trial):
        width = trial.suggest_categorical("width", widths)
        return {
            f"{prefix}hidden_layer_sizes": () if width == 0 else (width,),
            f"{prefix}alpha": (
                trial.suggest_float("alpha", min(alphas), max(alphas), log=True)
                if len(alphas) > 1
                else alphas[0]
            ),
            f"{prefix}lr": trial.suggest_float("lr", min(lrs), max(lrs), log=True),
        }

    n_trials = 4 if quick else 2 * n_grid
    start = time.perf_counter()
    search = optuna_search(
        pipe, L, y, space, n_trials=n_trials, cv=cv, random_state=SEED
    )
    optuna_s = time.perf_counter() - start
    trials = sorted(search.study_.trials, key=lambda t: t.number)
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in trials)
    # Epochs spent until the first trial matching the grid's best score, and
    # the same for the first n_grid trials (as many trials as grid points).
    cum, reached_at, first_n = 0, None, 0
    best_first_n = -np.inf
    for i, t in enumerate(trials):
        cum += t.user_attrs.get("n_epochs", 0)
        if i < n_grid:
            first_n = cum
            if t.value is not None:
                best_first_n = max(best_first_n, t.value)
        if (
            reached_at is None
            and t.value is not None
            and t.value >= grid.best_score_ - 1e-9
        ):
            reached_at = (t.number + 1, cum)  # fmt: skip

    def fmt_params(p):
        p = {k.removeprefix(prefix): v for k, v in p.items()}
        return ", ".join(
            f"{k}={v:.2g}" if isinstance(v, float) else f"{k}={v}" for k, v in p.items()
        )

    rows = [
        (
            f"GridSearchCV ({n_grid} points)",
            f"{100 * grid.best_score_:.1f}",
            grid_epochs,
            f"{n_grid} / 0",
            f"{grid_s:.0f}",
            fmt_params(grid.best_params_),
        ),
        (
            f"optuna_search, first {min(n_grid, n_trials)} trials",
            f"{100 * best_first_n:.1f}",
            first_n,
            "",
            "",
            "",
        ),
        (
            f"optuna_search ({n_trials} trials, pruning)",
            f"{100 * search.best_score_:.1f}",
            search.n_epochs_total_,
            f"{n_trials - pruned} / {pruned}",
            f"{optuna_s:.0f}",
            fmt_params(search.best_params_),
        ),
    ]
    header = ["search", "best CV acc %", "total epochs", "complete / pruned", "s"]
    _table([*header, "best params"], rows)
    if reached_at is None:
        print(
            f"Optuna did not reach the grid's best CV accuracy "
            f"({100 * grid.best_score_:.1f}%) in {n_trials} trials."
        )
    else:
        print(
            f"Optuna first reached the grid's best CV accuracy "
            f"({100 * grid.best_score_:.1f}%) at trial {reached_at[0]}, after "
            f"{reached_at[1]} epochs (grid: {grid_epochs})."
        )
    return (
        grid.best_score_,
        grid_epochs,
        search.best_score_,
        search.n_epochs_total_,
        reached_at,
    )


# ----------------------------------------------------------------- overhead
def overhead(L, y, quick):
    import torch

    sys.path.insert(0, str(HERE))
    from bench_neural_overhead import estimator, plain_loop

    X = _geometry("procrustes", True).fit_transform(L).astype(np.float32)
    epochs, rounds = (10, 2) if quick else (30, 10)
    threads = torch.get_num_threads()
    # Warm up both with a full round: the first round after other work is
    # slower (allocator, caches, clock), whichever runs first.
    plain_loop(X, y, epochs)
    estimator(X, y, epochs)
    plain, est, setup = [], [], []
    for _ in range(rounds):
        plain.append(plain_loop(X, y, epochs))
        times, once = estimator(X, y, epochs)
        est.append(times)
        setup.append(once)
    # Paired: each round's two fits ran back to back, so the ratio of their
    # median epochs cancels slow changes in the load of a shared machine.
    pairs = [np.median(e[:, 0]) / np.median(p[:, 0]) for p, e in zip(plain, est)]
    plain, est = np.concatenate(plain), np.concatenate(est)
    stats = [
        ("median wall", np.median(plain[:, 0]), np.median(est[:, 0])),
        ("min wall", plain[:, 0].min(), est[:, 0].min()),
        ("median CPU", np.median(plain[:, 1]), np.median(est[:, 1])),
        ("median of per-round ratios", 1.0, float(np.median(pairs))),
    ]
    rows = [
        (label, f"{p * 1e3:.2f}", f"{e * 1e3:.2f}", f"{(e / p - 1) * 100:+.1f}%")
        for label, p, e in stats[:3]
    ]
    rows.append((stats[3][0], "", "", f"{(stats[3][2] - 1) * 100:+.1f}%"))
    once = float(np.median(setup))
    rows.append(
        (
            f"fit set-up (once per fit, / {epochs} epochs)",
            "",
            f"{once * 1e3:.2f}",
            f"{once / epochs / np.median(plain[:, 0]) * 100:+.1f}%",
        )
    )
    print(
        f"400 x 204 Procrustes features, 40 classes, MLP(256, 128), Nadam, batch "
        f"32, {rounds} rounds x {epochs} epochs, torch threads {threads}"
    )
    _table(["per epoch", "plain loop ms", "Face2VecClassifier ms", "overhead"], rows)
    return stats


# --------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--quick", action="store_true", help="fewer epochs, trials and grid points"
    )
    parser.add_argument("--no-dlib", action="store_true", help="skip (e)")
    parser.add_argument("--plot", type=Path, help="save a PNG of landmarks here")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    from skface.alignment import FaceExtractor
    from skface.datasets import load_olivetti_faces
    from skface.features import DlibFaceEncoder, ThumbnailFeatures

    t0 = time.perf_counter()
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(
        f"## bench_face2vec.py{' --quick' if args.quick else ''}: {now}, "
        f"{_machine()}; {_load()} at start"
    )
    print(f"{_versions()}; torch threads {torch.get_num_threads()}\n")

    faces = load_olivetti_faces(args.data)
    images, y = faces.images, faces.target

    start = time.perf_counter()
    boxes, found = face_boxes(images)
    L3, big = face_landmarks(images, boxes)
    lm_s = time.perf_counter() - start
    if args.plot:
        miss = list(np.flatnonzero(~found)[:4])
        plot_landmarks(args.plot, images, L3, boxes, found, [0, 10, 130, 211] + miss)
    print("### Landmarks\n")
    _table(
        ["images", "HOG boxes (2x image, upsample=1)", "fallback (median box)", "s"],
        [(len(images), int(found.sum()), int((~found).sum()), f"{lm_s:.1f}")],
    )

    # Timed first, before the other sections fill the process and its caches.
    print("\n### Training overhead (same data, alternated rounds)\n")
    stats = overhead(L3.reshape(len(images), -1), y, args.quick)

    start = time.perf_counter()
    chips = FaceExtractor(output_size=64, padding=0.0, border="replicate").fit(
        images[:1]
    )
    chips = chips.transform(images, landmarks=L3)
    thumbs = ThumbnailFeatures(output_size=THUMB_SIZE, channels="grey").fit_transform(
        chips
    )
    emb = None
    if not args.no_dlib:
        enc = DlibFaceEncoder(n_jobs=os.cpu_count()).fit(big[:1])
        emb = enc.transform(big, boxes=boxes * 4)
    feat_s = time.perf_counter() - start
    print(
        f"\nchips, thumbnails{'' if args.no_dlib else ' and dlib embeddings'}: "
        f"{feat_s:.1f} s\n"
    )
    data = {
        "landmarks": L3.reshape(len(images), -1),
        "thumbs": thumbs,
        "pixels": images.reshape(len(images), -1) / 255.0,
        "dlib": emb,
    }

    print("### Accuracy (40 people; fixed split: 200 train / 200 test)\n")
    acc = accuracy_table(data, y, args.quick)

    print("\n### Grid search vs Optuna (pipeline b, same 5 folds)\n")
    g_best, g_epochs, o_best, o_epochs, reached = grid_vs_optuna(
        data["landmarks"], y, args.quick
    )

    print("\n### Targets\n")
    rows = []

    def target(name, value, ok):
        rows.append((name, value, "met" if ok else "missed"))

    for split, i in (("fixed", 0), ("CV", 1)):
        diff = 100 * (acc["b"][i] - acc["a"][i])
        target(f"(b) - (a) >= 10 points, {split}", f"{diff:+.1f}", diff >= 10)
    for split, i in (("fixed", 0), ("CV", 1)):
        diff = 100 * (acc["b"][i] - acc["a2"][i])
        room = 100 * (1 - acc["a2"][i])
        rows.append(
            (
                f"features only, same classifier: (b) - (a2), {split}",
                f"{diff:+.1f} (room left above (a2): {room:.1f}; seed features "
                f"+ LDA (a3) reach {100 * acc['a3'][i]:.1f})",
                "information only",
            )
        )
    for split, i in (("fixed", 0), ("CV", 1)):
        diff = 100 * (acc["c"][i] - acc["d"][i])
        target(f"(c) > (d), {split}", f"{diff:+.1f}", diff > 0)
    target(
        "Optuna reaches grid best in fewer total epochs",
        f"{100 * o_best:.1f}% in {o_epochs} vs {100 * g_best:.1f}% in {g_epochs}",
        o_best >= g_best - 1e-9 and o_epochs < g_epochs,
    )
    if reached is not None:
        target(
            "... epochs until Optuna first matched the grid best",
            f"{reached[1]} vs {g_epochs}",
            reached[1] < g_epochs,
        )
    for label, p, e in (stats[0], stats[2], stats[3]):
        target(
            f"epoch time within 10% of plain loop ({label})",
            f"{(e / p - 1) * 100:+.1f}%",
            e <= 1.1 * p,
        )
    _table(["target", "measured", ""], rows)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s; {_load()} at end")


if __name__ == "__main__":
    main()
