"""Face anonymisation per face, every method side by side, on three face sets.

Each method of :class:`skface.autoencoders.FaceAnonymizer` is applied to
every photo of three sets, and every face is scored on its own
(:func:`skface.autoencoders.anonymization_report` with ``faces='all'``; one
row per face found in the original):

``dlib``
    The four PASCAL VOC photos of dlib's face-landmark example
    (``../shared/data/dlib_faces_train``, :func:`skface.datasets.load_dlib_xml`):
    every annotated face of every photo (18 boxes of 37 to 90 pixels; the
    XML's boxes are the faces scored).
``olivetti``
    Olivetti persons 30-39 (``../shared/data/olivetti``, 100 faces),
    upscaled 2x (bicubic, 128x128, as RGB): dlib's HOG detector misses a
    quarter of the 64x64 faces (the face fills the frame) and finds all but
    a few at 128. Faces scored: those HOG finds in the originals.
``utkface``
    200 UTKFace faces (``../shared/data/utkface``, aligned 200x200 colour
    chips, read with :func:`skface.datasets.load_image_folder`): the files
    ``order[:200]`` of ``numpy.random.RandomState(0).permutation(8000)``
    over the sorted file list (the first 200 of ``bench_generation.py``'s
    1,000 held-out faces; ``--out`` gets their names in
    ``utkface_subjects.txt``). Faces scored: those HOG finds (about 96%).

Methods (``--methods``):

``blur``, ``pixelate``, ``fill``
    No training: the pretrained detector and 68 landmarks, the face region
    (jaw line to hairline) obscured. ``fit_s`` is the model loading.
``morph``
    No training: each face gets a donor face warped onto its 68 landmarks
    (``FaceAnonymizer(method='morph')``, ``--donor-distance``, 0.9 by
    default, ``--n-donors``, 1, ``--max-tries``, 1: donor choices tried
    per face, each morphed face checked for re-detection and identity
    change). The donor pool (``--morph-donors``):
    ``utkface`` (default), the ``--morph-pool`` (400) UTKFace faces
    ``order[1000:1400]`` (the ``generate`` decoder's UTKFace training
    faces; never a subject) for every set; ``folds``, the photos
    ``generate`` is fitted on (below: the other fold's photos for dlib,
    Olivetti persons 0-29, 400 other UTKFace faces). ``fit_s`` is the
    donor pool's alignment and embedding.
``generate``
    :class:`skface.autoencoders.LatentDecoder` (landmarks + 8x8x3
    thumbnail -> face chip) with k-Same (``--k``, 5 by default), fitted
    so that no face is in its own decoder's training set: dlib photos by a
    2-fold cross-fit (photos {0, 2} anonymised by a decoder fitted on
    Olivetti persons 0-29 plus photos {1, 3}, and the other way round);
    Olivetti 30-39 by a decoder fitted on persons 0-29; UTKFace by one
    fitted on ``--utk-train`` (400) other UTKFace faces (``order[1000:]``,
    ``bench_generation.py``'s training faces). A paste-back control row
    pastes each face's own chip back through the same extractor and
    reconstructor: what the pipeline alone does to the metrics.
``generate-gan``
    The same with :class:`skface.generation.LatentGAN` as the decoder
    (``--gan-epochs``); not in the default list (CPU budget).
``swap``
    ``FaceAnonymizer(method='swap', swapper=FrozenEstimator(sw), donor=...)``
    with ONE :class:`skface.generation.FaceSwapper` ``sw`` trained
    (``--swap-epochs``) on the DeepFakes pair
    ``../shared/data/deepfakes_pair/{trump,cage}`` (donors) plus the
    subject photos of the sets run, labelled ``'subject'``; one row per
    donor: the blend ``['trump', 'cage']`` and each alone (their
    ``fit_s`` is that one training, shared by all sets). Skipped with
    "FaceSwapper not available" while :mod:`skface.generation` has none.
    ``--swapper FILE`` loads that swapper instead of training (or saves
    the one trained there); ``--swap-landmark-warp 0 0.25`` scores the
    swap rows at each ``landmark_warp``.

Columns per (set, method): ``n_faces`` (faces in the originals),
``identity_change`` (share of faces whose dlib embedding distance to the
original exceeds 0.6, dlib's same-person threshold), ``identity_distance``
(mean), ``landmark_shift`` (68 landmarks re-predicted in the original box,
mean distance over the inter-ocular distance), ``redetected`` (share of
faces that dlib's HOG detector still finds in the output, IoU >= 0.5 with
the original box), ``seam`` (:func:`skface.metrics.seam_score` on the
blend boundary, mean over the photos whose mask has a boundary inside the
photo: n/a when every mask covers its whole photo), ``fit_s``,
``anonymize_s``, and ``meets_target``: identity change >= 0.95 and
landmark shift <= 0.05 and re-detection >= 0.95 (issue 13's target).

``--out`` (``benchmarks/out/anonymization``, git-ignored) gets per set
``<set>_faces.png`` (face crops: the original on top, one row per method,
each labelled with the face's identity distance, green when > 0.6, and
whether it is re-detected) and, for the dlib photos, ``dlib_photos.png``
(whole photos, one row per method), plus ``<set>_faces.csv`` (every
method's per-face table) and ``utkface_subjects.txt``.

Every set whose data is missing is skipped with a message (exit status 0);
a method that fails is reported with its traceback and the others still
run (exit status 1).
Run from the repository root (``OMP_NUM_THREADS=1`` leaves a core to
others)::

    python benchmarks/bench_anonymization.py [--quick]
        [--methods blur pixelate fill morph generate generate-gan swap]
        [--sets dlib olivetti utkface] [--out DIR] [--k 5]
        [--donor-distance 0.9] [--n-donors 1] [--max-tries 1]
        [--morph-donors utkface]
        [--morph-pool 400] [--morph-blend alpha|poisson]
        [--epochs-dlib 60] [--epochs-olivetti 60] [--epochs-utk 40]
        [--utk-train 400] [--gan-epochs 40] [--swap-epochs 30]
        [--swapper FILE] [--swap-landmark-warp W ...]

``--quick``: a few faces per set, 2 epochs, to check that it runs (about
2.5 minutes on one core).
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OLIVETTI = SHARED / "olivetti" / "olivetti_faces.npz"
DLIB_FACES = SHARED / "dlib_faces_train"
UTKFACE = SHARED / "utkface"
PAIR = SHARED / "deepfakes_pair"
OUT = ROOT / "benchmarks" / "out" / "anonymization"

SETS = ("dlib", "olivetti", "utkface")
METHODS = ("blur", "pixelate", "fill", "morph", "generate", "generate-gan", "swap")
DEFAULT_METHODS = ("blur", "pixelate", "fill", "morph", "generate", "swap")
CLASSICAL = ("blur", "pixelate", "fill")
DONORS = ("trump", "cage")
SAME_PERSON = 0.6
TARGET = {"identity_change": 0.95, "landmark_shift": 0.05, "redetected": 0.95}
MIN_IOU = 0.5

COLUMNS = (
    "set",
    "method",
    "n_faces",
    "identity_change",
    "identity_distance",
    "landmark_shift",
    "redetected",
    "seam",
    "fit_s",
    "anonymize_s",
    "meets_target",
)


# ----------------------------------------------------------------------
# data


@dataclass
class FaceSet:
    """Photos to anonymise and how ``generate`` is fitted for them.

    ``boxes``: per photo ``(k_i, 4)`` face boxes to score, or None (the
    faces HOG finds in the originals). ``folds``: ``(test indices,
    training photos)`` pairs, no photo in its own decoder's training set.
    """

    name: str
    label: str
    images: list
    boxes: list | None
    on_missing: str
    folds: list
    train_note: str
    epochs: int
    photos_panel: bool = False
    notes: list = field(default_factory=list)


def _rgb(x):
    x = np.asarray(x)
    return np.repeat(x[..., None], 3, axis=2) if x.ndim == 2 else x


def _olivetti_up(olivetti_path):
    import cv2

    from skface.datasets import load_olivetti_faces

    data = load_olivetti_faces(olivetti_path)
    up = [
        _rgb(cv2.resize(x, (128, 128), interpolation=cv2.INTER_CUBIC))
        for x in data.images
    ]
    return up, np.asarray(data.target)


def dlib_set(dlib_dir, olivetti_path, quick, epochs):
    """The 4 photos; 2-fold cross-fit on Olivetti 0-29 plus the other half."""
    from skface.datasets import load_dlib_xml

    data = load_dlib_xml(Path(dlib_dir) / "training_with_face_landmarks.xml")
    images = [_rgb(x) for x in data.images]
    boxes = [np.asarray(b, dtype=float).reshape(-1, 4) for b in data.boxes]
    extra = []
    if olivetti_path is not None and Path(olivetti_path).is_file():
        up, target = _olivetti_up(olivetti_path)
        extra = [x for x, t in zip(up, target) if t < 30]
        if quick:
            extra = extra[::10]
    folds = []
    for test in ([0, 2], [1, 3]):
        train = [i for i in range(len(images)) if i not in test]
        folds.append((test, extra + [images[i] for i in train]))
    what = f"Olivetti 0-29 ({len(extra)}) + other half" if extra else "other half"
    return FaceSet(
        "dlib",
        "dlib_faces_train",
        images,
        boxes,
        "keep",
        folds,
        f"2-fold cross-fit on {what}",
        epochs,
        photos_panel=True,
    )


def olivetti_set(olivetti_path, quick, epochs):
    """Persons 30-39, 2x, RGB; ``generate`` fitted on persons 0-29."""
    up, target = _olivetti_up(olivetti_path)
    test = [x for x, t in zip(up, target) if t >= 30]
    train = [x for x, t in zip(up, target) if t < 30]
    if quick:
        test, train = test[::12], train[::10]
    return FaceSet(
        "olivetti",
        "Olivetti 30-39 (2x)",
        test,
        None,
        "whole",
        [(list(range(len(test))), train)],
        f"fit on persons 0-29 ({len(train)})",
        epochs,
    )


def utkface_paths(root):
    """The image files of the folder, sorted (as ``bench_generation.py``)."""
    from skface.datasets import load_image_folder

    return list(load_image_folder(root, labels=None, lazy=True).images)


def utkface_set(utk_dir, quick, epochs, n_train, n_test=200):
    """200 held-out chips; ``generate`` fitted on other UTKFace faces."""
    from skface.utils import read_image

    paths = utkface_paths(utk_dir)
    order = np.random.RandomState(0).permutation(len(paths))
    if quick:
        n_test, n_train = 12, 40
    test_idx = order[:n_test]
    train_idx = order[1000 : 1000 + n_train]
    test = [read_image(paths[i]) for i in test_idx]
    train = [read_image(paths[i]) for i in train_idx]
    names = [Path(paths[i]).name for i in test_idx]
    return FaceSet(
        "utkface",
        f"UTKFace {len(test)}",
        test,
        None,
        "whole",
        [(list(range(len(test))), train)],
        f"fit on {len(train)} other UTKFace faces",
        epochs,
        notes=names,
    )


def donor_faces(pair_dir, quick):
    """``(images, labels)`` of the DeepFakes pair, or None when missing."""
    from skface.datasets import load_image_folder
    from skface.utils import read_image

    if pair_dir is None or not all((Path(pair_dir) / d).is_dir() for d in DONORS):
        return None
    images, labels = [], []
    for donor in DONORS:
        paths = list(
            load_image_folder(Path(pair_dir) / donor, labels=None, lazy=True).images
        )
        if quick:
            paths = paths[:24]
        images += [read_image(p) for p in paths]
        labels += [donor] * len(paths)
    return images, labels


# ----------------------------------------------------------------------
# per-face metrics


def face_table(originals, anonymized, boxes):
    """One row per face of the originals (issue 13's per-face report).

    ``boxes``: per photo ``(k_i, 4)`` boxes, or None for every face dlib's
    HOG detector finds in each original (``faces='all'``); re-detected: a
    HOG detection in the output with IoU >= 0.5 with the original box.
    """
    from skface.autoencoders import anonymization_report

    report = anonymization_report(
        originals, anonymized, boxes=boxes, faces="all", min_iou=MIN_IOU
    )
    return report["faces"]


def _seam(images, masks):
    """Mean seam score over the photos whose mask has a boundary."""
    from skface.metrics import seam_score

    rows = [i for i, m in enumerate(masks) if m is not None and np.asarray(m).any()]
    if not rows:
        return float("nan")
    values = seam_score(
        [images[i] for i in rows], [np.asarray(masks[i]) for i in rows], reduction=None
    )
    values = np.asarray(values, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def summarise(df):
    """The summary row of a per-face table."""
    dist = df["identity_distance"].to_numpy(dtype=float)
    shift = df["landmark_shift"].to_numpy(dtype=float)
    red = df["redetected"].to_numpy(dtype=float)
    ok = np.isfinite(dist)

    def mean(x):
        return float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")

    row = {
        "n_faces": len(df),
        "identity_change": float(np.mean(dist[ok] > SAME_PERSON))
        if ok.any()
        else float("nan"),
        "identity_distance": mean(dist),
        "landmark_shift": mean(shift),
        "redetected": mean(red),
    }
    row["meets_target"] = (
        "yes"
        if (
            row["identity_change"] >= TARGET["identity_change"]
            and row["landmark_shift"] <= TARGET["landmark_shift"]
            and row["redetected"] >= TARGET["redetected"]
        )
        else "no"
    )
    return row


# ----------------------------------------------------------------------
# methods: each returns a list of (method name, images, masks, fit_s, anon_s)


def _as_list(images):
    return [np.asarray(x) for x in images]


def run_classical(fs, method):
    from skface.autoencoders import FaceAnonymizer

    anon = FaceAnonymizer(method=method, on_missing=fs.on_missing)
    t = time.perf_counter()
    anon.fit(fs.images[:1])
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    res = anon.anonymize(fs.images)
    anon_s = time.perf_counter() - t
    return [(method, _as_list(res.images), res.masks, fit_s, anon_s)]


class DonorPool(list):
    """Donor photos (a list) with their file names (``names``)."""

    names: list


def morph_donors(utk_dir, n=400):
    """The UTKFace donor pool (``order[1000:1000 + n]``), or None if missing."""
    from skface.utils import read_image

    if utk_dir is None or not Path(utk_dir).is_dir():
        return None
    paths = utkface_paths(utk_dir)
    order = np.random.RandomState(0).permutation(len(paths))
    pool = DonorPool(read_image(paths[i]) for i in order[1000 : 1000 + n])
    pool.names = [Path(paths[i]).name for i in order[1000 : 1000 + n]]
    return pool


def _age_sex(name):
    """UTKFace's ``age_sex_race_date`` file name -> (age, sex)."""
    age, sex = name.split("_")[:2]
    return int(age), int(sex)


def print_donor_match(fs, pool, anon, res):
    """UTKFace subjects and donors: how often the donor is of the same sex."""
    names = getattr(pool, "names", None)
    if fs.name != "utkface" or names is None or not fs.notes:
        return
    subject = np.array([_age_sex(fs.notes[i]) for i in res.owner])
    donor = np.array([_age_sex(names[j]) for j in anon.donor_index_])
    first = donor[res.neighbors[:, 0]]
    chance = np.mean([np.mean(donor[:, 1] == s) for s in subject[:, 1]])
    print(
        f"  morph donors (UTKFace labels, {len(subject)} faces): same sex "
        f"{np.mean(first[:, 1] == subject[:, 1]):.3f} (chance {chance:.3f}), "
        f"median age gap {np.median(np.abs(first[:, 0] - subject[:, 0])):.0f} years",
        flush=True,
    )


def run_morph(fs, donor_distance=0.9, n_donors=1, pool=None, blend=None, max_tries=1):
    """Donor morphing from ``pool`` (photos), or each fold's ``generate`` photos."""
    from skface.alignment import FaceReconstructor
    from skface.autoencoders import FaceAnonymizer

    images, masks = list(fs.images), [None] * len(fs.images)
    fit_s = anon_s = 0.0
    n_donor_faces, tries, failed = [], [], 0
    rec = None if blend is None else FaceReconstructor(blend, color_match="mean_std")
    folds = fs.folds
    if pool is not None:
        folds = [(list(range(len(fs.images))), pool)]
    for test, train in folds:
        anon = FaceAnonymizer(
            method="morph",
            donor_distance=donor_distance,
            n_donors=n_donors,
            max_tries=max_tries,
            reconstructor=rec,
            on_missing="whole",
        )
        t = time.perf_counter()
        anon.fit(train)
        fit_s += time.perf_counter() - t
        n_donor_faces.append(anon.n_faces_fit_)
        anon.set_params(on_missing=fs.on_missing)
        t = time.perf_counter()
        res = anon.anonymize([fs.images[i] for i in test])
        anon_s += time.perf_counter() - t
        if pool is not None:
            print_donor_match(fs, pool, anon, res)
        out = _as_list(res.images)
        tries.extend(res.tries.tolist())
        if res.passed is not None:
            failed += int((~res.passed).sum())
        for j, i in enumerate(test):
            images[i], masks[i] = out[j], res.masks[j]
    if max_tries > 1:
        counts = np.bincount(tries, minlength=max_tries + 1)[1:]
        print(
            f"  morph tries (faces per try kept, 1 to {max_tries}): "
            f"{counts.tolist()}; {failed} face(s) passed no check",
            flush=True,
        )
    n_pool = "/".join(map(str, n_donor_faces))
    where = fs.train_note if pool is None else f"{len(pool)} UTKFace photos"
    name = (
        f"morph (donors: {where}, {n_pool} faces; distance >= "
        f"{donor_distance:g}, {n_donors} donor{'s' if n_donors > 1 else ''}"
        + ("" if blend is None else f", {blend} blend")
        + ("" if max_tries == 1 else f", up to {max_tries} tries")
        + ")"
    )
    return [(name, images, masks, fit_s, anon_s)]


def _decoder(kind, epochs):
    if kind == "gan":
        from skface.generation import LatentGAN

        return LatentGAN(64, max_epochs=epochs, lr=1e-3, batch_size=32)
    from skface.autoencoders import LatentDecoder

    return LatentDecoder(64, max_epochs=epochs, lr=1e-3, batch_size=32)


def run_generate(fs, k, kind="latent", epochs=None, control=True):
    """Cross-fitted generation (``fs.folds``); optionally the control row."""
    from skface.autoencoders import FaceAnonymizer

    epochs = fs.epochs if epochs is None else epochs
    n = len(fs.images)
    images, masks = list(fs.images), [None] * n
    ctrl_images = list(fs.images)
    fit_s = anon_s = 0.0
    for test, train in fs.folds:
        anon = FaceAnonymizer(
            _decoder(kind, epochs),
            method="generate",
            k=k,
            on_missing="whole",
            random_state=0,
        )
        t = time.perf_counter()
        anon.fit(train)
        fit_s += time.perf_counter() - t
        anon.set_params(on_missing=fs.on_missing)
        X = [fs.images[i] for i in test]
        t = time.perf_counter()
        res = anon.anonymize(X)
        anon_s += time.perf_counter() - t
        out = _as_list(res.images)
        pasted = [im.copy() for im in anon._load(X)]
        if res.records is not None and len(res.owner):
            anon._paste(pasted, res.records.chips, res.records, res.owner)
        for j, i in enumerate(test):
            images[i], masks[i], ctrl_images[i] = out[j], res.masks[j], pasted[j]
    name = "generate" if kind == "latent" else "generate-gan"
    decoder = "LatentDecoder" if kind == "latent" else "LatentGAN"
    rows = [
        (
            f"{name} ({decoder}, {epochs} ep, {fs.train_note}, k={k})",
            images,
            masks,
            fit_s,
            anon_s,
        )
    ]
    if control:
        rows.append(("paste-back control (own chips)", ctrl_images, masks, 0.0, 0.0))
    return rows


def swapper_class():
    """``skface.generation.FaceSwapper``, or None."""
    try:
        from skface.generation import FaceSwapper
    except ImportError:
        return None
    return FaceSwapper


def train_swapper(sets, pair_dir, epochs, quick):
    """ONE FaceSwapper on the DeepFakes pair plus every set's subject photos."""
    FaceSwapper = swapper_class()
    donors = donor_faces(pair_dir, quick)
    if FaceSwapper is None or donors is None:
        return None, 0.0
    X, y = donors
    X, y = list(X), list(y)
    for fs in sets:
        X += list(fs.images)
        y += ["subject"] * len(fs.images)
    sw = FaceSwapper(chip_size=64, max_epochs=epochs, random_state=0)
    print(
        f"(training FaceSwapper on {len(X)} images: "
        + ", ".join(f"{d} {y.count(d)}" for d in (*DONORS, "subject"))
        + f"; {epochs} epochs)",
        flush=True,
    )
    t = time.perf_counter()
    sw.fit(X, y)
    return sw, time.perf_counter() - t


def run_swap(fs, swapper, fit_s, warps=None):
    from sklearn.frozen import FrozenEstimator

    from skface.autoencoders import FaceAnonymizer

    rows = []
    for warp in warps or [None]:
        if warp is not None:
            swapper.set_params(landmark_warp=warp)
        for donor in (list(DONORS), *DONORS):
            anon = FaceAnonymizer(
                method="swap",
                swapper=FrozenEstimator(swapper),
                donor=donor,
                on_missing=fs.on_missing,
            )
            anon.fit(fs.images[:1])
            t = time.perf_counter()
            res = anon.anonymize(fs.images)
            anon_s = time.perf_counter() - t
            what = "+".join(donor) if isinstance(donor, list) else donor
            if warp is not None:
                what += f", landmark_warp={warp:g}"
            rows.append(
                (f"swap to {what}", _as_list(res.images), res.masks, fit_s, anon_s)
            )
    return rows


# ----------------------------------------------------------------------
# panels


def _crop(image, box, size=96, margin=0.35):
    import cv2

    h, w = image.shape[:2]
    left, top, right, bottom = box
    m = margin * max(right - left, bottom - top)
    x0, y0 = int(max(0, left - m)), int(max(0, top - m))
    x1, y1 = int(min(w, right + m)), int(min(h, bottom + m))
    return cv2.resize(image[y0:y1, x0:x1], (size, size), interpolation=cv2.INTER_AREA)


def save_panels(out, fs, results, n_show=9):
    """``<set>_faces.png`` (and ``dlib_photos.png``) from the per-face tables."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    first = results[0][2]
    if len(first) == 0:
        return []
    show = np.unique(np.linspace(0, len(first) - 1, min(n_show, len(first))).round())
    show = show.astype(int)
    rows = [("original", fs.images, None)] + [(m, im, df) for m, im, df in results]
    fig, axes = plt.subplots(
        len(rows),
        len(show),
        figsize=(1.25 * len(show) + 1.8, 1.6 * len(rows) + 0.4),
        squeeze=False,
    )
    for r, (method, images, df) in enumerate(rows):
        for c, j in enumerate(show):
            face = first.iloc[j]
            box = face[["left", "top", "right", "bottom"]].to_numpy(dtype=float)
            ax = axes[r, c]
            ax.imshow(_crop(images[int(face["image"])], box))
            ax.set_xticks([])
            ax.set_yticks([])
            if df is not None:
                d = float(df.iloc[j]["identity_distance"])
                red = bool(df.iloc[j]["redetected"])
                ax.set_xlabel(
                    f"d={d:.2f} {'det' if red else 'MISS'}",
                    fontsize=7,
                    color="green" if d > SAME_PERSON else "red",
                )
            if c == 0:
                ax.set_ylabel(method[:28], fontsize=6)
    fig.suptitle(
        f"{fs.label}: under each face its identity distance to the original "
        "(> 0.6 green) and whether HOG re-detects it",
        fontsize=9,
    )
    fig.tight_layout()
    paths = [out / f"{fs.name}_faces.png"]
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)
    if fs.photos_panel:
        fig, axes = plt.subplots(
            len(rows),
            len(fs.images),
            figsize=(3.2 * len(fs.images), 2.5 * len(rows)),
            squeeze=False,
        )
        for r, (method, images, _df) in enumerate(rows):
            for i, image in enumerate(images):
                ax = axes[r, i]
                ax.imshow(image)
                ax.set_xticks([])
                ax.set_yticks([])
                for _, face in first[first["image"] == i].iterrows():
                    left, top, right, bottom = face[
                        ["left", "top", "right", "bottom"]
                    ].to_numpy(dtype=float)
                    ax.add_patch(
                        plt.Rectangle(
                            (left, top),
                            right - left,
                            bottom - top,
                            fill=False,
                            lw=0.6,
                            color="yellow",
                        )
                    )
                if i == 0:
                    ax.set_ylabel(method[:40], fontsize=7)
        fig.tight_layout()
        paths.append(out / f"{fs.name}_photos.png")
        fig.savefig(paths[-1], dpi=90)
        plt.close(fig)
    return paths


def save_table(path, panel):
    """Every method's per-face table in one CSV (a ``method`` column first)."""
    import pandas as pd

    frames = [df.assign(method=name) for name, _, df in panel]
    table = pd.concat(frames, ignore_index=True)
    table = table[["method", *[c for c in table.columns if c != "method"]]]
    table.to_csv(path, index=False, float_format="%.4f")
    print(f"  (saved {path})")


# ----------------------------------------------------------------------
# driver


def load_sets(args):
    sets = []
    want = set(args.sets)
    if "dlib" in want:
        if Path(args.dlib_faces).is_dir():
            sets.append(
                dlib_set(args.dlib_faces, args.olivetti, args.quick, args.ep_dlib)
            )
        else:
            print(f"(skipping dlib: {args.dlib_faces} not found)")
    if "olivetti" in want:
        if Path(args.olivetti).is_file():
            sets.append(olivetti_set(args.olivetti, args.quick, args.ep_olivetti))
        else:
            print(f"(skipping olivetti: {args.olivetti} not found)")
    if "utkface" in want:
        if Path(args.utkface).is_dir():
            sets.append(
                utkface_set(args.utkface, args.quick, args.ep_utk, args.utk_train)
            )
        else:
            print(f"(skipping utkface: {args.utkface} not found)")
    return sets


def run(args):
    """All rows (dicts with :data:`COLUMNS`) for ``args``; also the panels."""
    sets = load_sets(args)
    out = Path(args.out) if args.out else None
    swapper, swap_fit_s = None, 0.0
    if "swap" in args.methods and sets:
        if swapper_class() is None:
            print("(swap: FaceSwapper not available in skface.generation; skipped)")
        elif donor_faces(args.pair, True) is None:
            print(f"(swap: the DeepFakes pair is not in {args.pair}; skipped)")
        else:
            saved = Path(args.swapper) if args.swapper else None
            if saved is not None and saved.exists():
                swapper = swapper_class().load(saved, device="cpu")
                print(f"(FaceSwapper loaded from {saved})", flush=True)
            else:
                swapper, swap_fit_s = train_swapper(
                    sets, args.pair, args.swap_epochs, args.quick
                )
                print(f"(FaceSwapper trained in {swap_fit_s:.0f} s)", flush=True)
                if saved is not None:
                    swapper.save(saved)
    morph_pool = None
    if "morph" in args.methods and args.morph_donors == "utkface":
        morph_pool = morph_donors(args.utkface, 40 if args.quick else args.morph_pool)
        if morph_pool is None:
            print("(morph: UTKFace not found; donors from each set's folds)")
    rows, failed = [], False
    for fs in sets:
        n_boxes = "" if fs.boxes is None else f", {sum(map(len, fs.boxes))} boxes"
        print(f"({fs.label}: {len(fs.images)} photos{n_boxes})", flush=True)
        if out is not None and fs.notes:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{fs.name}_subjects.txt").write_text("\n".join(fs.notes) + "\n")
        panel = []
        for method in args.methods:
            try:
                if method in CLASSICAL:
                    outputs = run_classical(fs, method)
                elif method == "morph":
                    outputs = run_morph(
                        fs,
                        args.donor_distance,
                        args.n_donors,
                        morph_pool,
                        args.morph_blend,
                        args.max_tries,
                    )
                elif method == "generate":
                    outputs = run_generate(fs, args.k)
                elif method == "generate-gan":
                    outputs = run_generate(
                        fs, args.k, "gan", epochs=args.gan_epochs, control=False
                    )
                elif method == "swap":
                    if swapper is None:
                        continue
                    outputs = run_swap(fs, swapper, swap_fit_s, args.swap_landmark_warp)
                else:
                    raise ValueError(f"unknown method {method!r}")
            except Exception:
                failed = True
                print(f"({fs.name} / {method} failed:)", file=sys.stderr)
                traceback.print_exc()
                continue
            for name, images, masks, fit_s, anon_s in outputs:
                t = time.perf_counter()
                df = face_table(fs.images, images, fs.boxes)
                row = {"set": fs.label, "method": name, **summarise(df)}
                row["seam"] = _seam(images, masks)
                row["fit_s"], row["anonymize_s"] = fit_s, anon_s
                rows.append(row)
                panel.append((name, images, df))
                print(
                    f"  {name}: change {row['identity_change']:.3f}, shift "
                    f"{row['landmark_shift']:.3f}, redetected "
                    f"{row['redetected']:.3f} ({time.perf_counter() - t:.0f} s "
                    "to score)",
                    flush=True,
                )
        if out is not None and panel:
            for p in save_panels(out, fs, panel):
                print(f"  (saved {p})")
            save_table(out / f"{fs.name}_faces.csv", panel)
    return rows, failed


def format_table(rows):
    """Markdown table of :func:`run`'s rows."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        cells = []
        for c in COLUMNS:
            v = r.get(c, "")
            if isinstance(v, float):
                v = (
                    "n/a"
                    if not np.isfinite(v)
                    else (f"{v:.1f}" if c.endswith("_s") else f"{v:.3f}")
                )
            cells.append(str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--methods", nargs="+", choices=METHODS, default=list(DEFAULT_METHODS)
    )
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    parser.add_argument("--out", default=str(OUT), help="PNG panels ('' for none)")
    parser.add_argument("--k", type=int, default=5, help="k-Same for generate")
    parser.add_argument("--donor-distance", type=float, default=0.9)
    parser.add_argument("--n-donors", type=int, default=1)
    parser.add_argument(
        "--max-tries",
        type=int,
        default=1,
        help="morph: donor choices tried per face (each result checked)",
    )
    parser.add_argument(
        "--morph-donors", choices=("utkface", "folds"), default="utkface"
    )
    parser.add_argument(
        "--morph-pool",
        type=int,
        default=400,
        help="morph with --morph-donors utkface: donor photos (order[1000:1000+N])",
    )
    parser.add_argument(
        "--morph-blend",
        choices=("alpha", "poisson"),
        default=None,
        help="morph: the reconstructor's blend (default: FaceAnonymizer's)",
    )
    parser.add_argument("--epochs-dlib", dest="ep_dlib", type=int, default=60)
    parser.add_argument("--epochs-olivetti", dest="ep_olivetti", type=int, default=60)
    parser.add_argument("--epochs-utk", dest="ep_utk", type=int, default=40)
    parser.add_argument("--utk-train", type=int, default=400)
    parser.add_argument("--gan-epochs", type=int, default=40)
    parser.add_argument("--swap-epochs", type=int, default=30)
    parser.add_argument(
        "--swapper",
        default=None,
        help="swap: load the FaceSwapper from this file if it exists, else "
        "train it and save it there",
    )
    parser.add_argument(
        "--swap-landmark-warp",
        type=float,
        nargs="+",
        default=None,
        help="swap: rows at each of these landmark_warp values (default: the "
        "swapper's own)",
    )
    parser.add_argument("--olivetti", default=str(OLIVETTI))
    parser.add_argument("--dlib-faces", default=str(DLIB_FACES))
    parser.add_argument("--utkface", default=str(UTKFACE))
    parser.add_argument("--pair", default=str(PAIR))
    args = parser.parse_args(argv)
    if args.quick:
        args.ep_dlib = args.ep_olivetti = args.ep_utk = 2
        args.gan_epochs = 2
        args.swap_epochs = min(args.swap_epochs, 2)
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    rows, failed = run(args)
    if not rows:
        print("No data under ../shared/data (or no method ran): nothing measured.")
        return 1 if failed else 0
    print()
    print(format_table(rows))
    print(
        f"\n(target: identity change >= {TARGET['identity_change']}, landmark "
        f"shift <= {TARGET['landmark_shift']}, re-detection >= "
        f"{TARGET['redetected']}; {time.perf_counter() - start:.0f} s in all)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
