"""GAN face generators on UTKFace: face-quality panel, baselines, throughput.

Reads ``../shared/data/utkface`` (8,000 aligned 200x200 colour chips; the
script says so and exits 0 when it is missing) with
:func:`skface.datasets.load_image_folder`, resized to ``S x S``
(``--image-size``, 64 by default) by area averaging
(:func:`skface.utils.resize`) and cached as ``utkface_<S>.npy`` in
``--cache-dir`` (``~/.cache/skface_bench``), so reruns start at once. A
fixed permutation (``--seed`` 0) of the sorted file list gives 1,000
held-out reference faces and 7,000 training faces. The 68 dlib landmarks of
all faces (conditional models; about 2.5 minutes once) are cached there too.

Sections (``--section``):

``panel``
    :func:`skface.generation._quality.face_generation_report` (dlib-embedding
    KID, FD, recall at k=20, same-identity pair rate, HOG detection rate,
    sharpness ratio; landmark error for conditional models) against the
    held-out faces at ``N = --n-samples`` (1,000), for:

    * the real floor: ``N`` training faces (real vs real, other people);
    * PCA-sampled faces: ``PCA(64)`` fitted on the training faces, codes
      drawn from ``N(0, diag(explained_variance_))``, inverse transform,
      clipped to ``[0, 1]``;
    * mean face + noise: the training mean plus independent Gaussian noise
      whose sigma at each pixel is that pixel's standard deviation over the
      training faces (their mean is printed in the row's name), clipped;
    * the real floor through 32 and 16 px: the same faces shrunk (area)
      and enlarged back (bicubic), what a model drawing at that size shows
      at best after the panel's enlargement of its samples;
    * each model of ``--model`` (``none``: the rows above only), trained
      from scratch for ``--minutes`` of wall-clock time by one-epoch
      ``fit`` calls with ``warm_start=True``
      until the next epoch would pass the budget (each call with its own
      ``random_state``: an int re-seeds every fit, so a fixed one would
      replay the same shuffles, latents and augmentations each epoch).
      Samples: ``DCGAN.sample(N, random_state=0)``; the conditional models
      generate one face per held-out face, to its landmarks
      (``ConditionalGAN.sample(landmarks)``,
      ``ProgressiveGAN.sample(encode_conditions(faces, landmarks))``,
      ``LatentGAN.predict(latent_features(faces, landmarks))``: landmarks
      plus the face's 8x8 thumbnail), and the panel gets those landmarks as
      ``conditions``. Conditional models train and are scored on the faces
      whose landmarks dlib finds (about 96%), so their ``N`` is a little
      lower (the same for real and generated faces). The epochs, images
      seen and times are reported with the panel. ``--checkpoints 15 30``
      also samples each model after the first epoch that ends past 15 and
      30 minutes of training (sampling time not counted) and scores those
      samples too, one row each (grids ``<model>_grid_<s>s.png``): a
      learning curve from one run.

    The held-out embeddings are computed once and the KID subsets drawn
    with ``random_state=0``. Per model, ``--out`` (``benchmarks/out/``,
    git-ignored) gets ``<model>_grid.png`` (64 samples left, 64 held-out
    faces right; a conditional model's sample was drawn to the landmarks
    of the real face in the same grid position) and
    ``<model>.safetensors`` (``est.save``; reload with ``<Class>.load``),
    plus ``pca_grid.png`` and ``noise_grid.png``.

``throughput``
    DCGAN training images/s (``--batches`` batches per epoch, ``--epochs``
    epochs per round, ``--rounds`` rounds): the estimator's epochs (timed
    by a callback; ``fit``'s one-off set-up apart) vs a plain PyTorch loop
    doing the same work on fresh copies of the estimator's own modules
    (same batch size, flips, DiffAugment policy, hinge loss, lazy R1
    schedule, EMA update and Adam betas; see :func:`plain_dcgan_epoch`).
    Rounds alternate which loop goes first; wall-clock and process CPU time
    per epoch (CPU time is steadier on a shared machine) and the median
    per-round ratio are reported. Target: the estimator within 10%.

Model settings: :data:`MODELS` (CPU, ``--gpu`` and ``--quick`` columns);
``--gpu`` means ``--device cuda`` and the GPU column (128-pixel faces with
``--image-size 128``); ``--set [MODEL:]KEY=VALUE`` overrides a constructor
parameter of every model or of one (``random_state=K`` seeds the training
only: the split stays ``--seed``'s; before 2026-12-05 the bench ignored
it and trained with ``--seed``). Models whose class does not exist in
:mod:`skface.generation` are skipped with a message; a model that fails is
reported (traceback) and the others still run (exit status 1 at the end).

Run from the repository root (``OMP_NUM_THREADS=1`` leaves a core to
others on a shared machine); the panel costs a few minutes per row at
``N = 1000`` on one core (``--n-jobs`` parallelises it)::

    python benchmarks/bench_generation.py [--model {dcgan,conditional,latent,
        progressive,all,none} ...] [--section {panel,throughput} ...]
        [--minutes 15] [--n-samples 1000] [--image-size 64]
        [--out benchmarks/out] [--gpu | --device cuda]
        [--set [MODEL:]KEY=VALUE ...] [--quick] [--no-save] [--threads N]
        [--n-jobs N] [--checkpoints MIN ...]
        [--data ../shared/data/utkface] [--cache-dir ~/.cache/skface_bench]
        [--batches 40] [--epochs 3] [--rounds 4] [--seed 0]

``--quick`` (smoke test, 2-3 minutes of CPU): 200 training faces, 20 s per
model, ``N = 100``, tiny widths, 2 one-epoch throughput rounds of 4
batches.

On a GPU machine without ``../shared`` (and without dlib's 68-point
model, which the panel's landmark error needs): ``--export-data FILE.npz``
writes the resized faces (JPEG, quality 95) and their landmarks to one
file here; ``--data FILE.npz`` reads it there; ``--no-panel
--save-samples`` trains, samples and writes ``<model>_samples.npz``
(uint8) without scoring; back here, ``--score-samples`` scores those
samples against the original held-out faces (same ``--seed`` and
``--n-samples``)::

    python benchmarks/bench_generation.py --export-data data.npz
    python3 benchmarks/bench_generation.py --gpu --data data.npz --section panel \
        --no-panel --save-samples --no-save --minutes 5 --out DIR       # GPU
    python benchmarks/bench_generation.py --score-samples --section panel --out DIR
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "utkface"
CACHE = Path.home() / ".cache" / "skface_bench"
SECTIONS = ("panel", "throughput")
N_REFERENCE = 1000
N_TRAIN = 7000
GRID = 64  # samples (and real faces) in each PNG grid


# ----------------------------------------------------------------------
# data


def utkface_paths(root):
    """The image files of the folder, sorted (no pixels read)."""
    from skface.datasets import load_image_folder

    return list(load_image_folder(root, labels=None, lazy=True).images)


def load_utkface(root, size, cache_dir, indices=None):
    """UTKFace chips as ``(n, size, size, 3)`` uint8, in sorted-file order.

    The whole folder is cached as ``utkface_<size>.npy`` in ``cache_dir``;
    with ``indices`` and no cache yet, only those files are read (and
    nothing is cached), which keeps ``--quick`` quick on a first run.
    """
    from skface.utils import read_image, resize

    paths = utkface_paths(root)
    cache = Path(cache_dir).expanduser() / f"utkface_{size}.npy"
    names = cache.with_suffix(".txt")
    stems = [Path(p).name for p in paths]
    if cache.exists() and names.exists() and names.read_text().split() == stems:
        images = np.load(cache, mmap_mode="r")
        return images if indices is None else np.asarray(images[indices])
    todo = range(len(paths)) if indices is None else indices
    start = time.perf_counter()
    images = np.stack(
        [resize(read_image(paths[i]), size, interpolation="area") for i in todo]
    )
    print(
        f"(read and resized {len(images)} faces to {size}x{size} in "
        f"{time.perf_counter() - start:.0f} s)"
    )
    if indices is None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, images)
        names.write_text("\n".join(stems))
        print(f"(cached in {cache})")
    return images


def split_indices(n_files, n_train, n_reference, seed=0):
    """``(train, reference)`` file indices from a fixed permutation."""
    order = np.random.RandomState(seed).permutation(n_files)
    return order[n_reference : n_reference + n_train], order[:n_reference]


def as_float(images):
    return np.asarray(images, dtype=np.float32) / 255.0


def export_archive(path, images, names, landmarks, quality=95):
    """Write the resized faces and their landmarks to one ``.npz`` file.

    For a machine that has no ``../shared`` (a lent GPU machine): each face
    is stored as a JPEG (``quality``, no chroma subsampling; about 3 kB a
    64 px face, against 12 kB raw), the bytes concatenated in ``jpeg`` with
    their ``offsets``; ``names`` keeps the sorted file names (so the split
    is the same) and ``landmarks`` the ``(n, 68, 2)`` dlib landmarks.
    """
    import io

    from PIL import Image

    chunks = []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(image)).save(
            buffer, format="JPEG", quality=quality, subsampling=0
        )
        chunks.append(np.frombuffer(buffer.getvalue(), dtype=np.uint8))
    offsets = np.cumsum([0] + [len(c) for c in chunks])
    np.savez(
        path,
        jpeg=np.concatenate(chunks),
        offsets=offsets,
        names=np.asarray(names),
        landmarks=np.asarray(landmarks, dtype=np.float32),
    )


def read_archive(path):
    """``(images uint8 (n, S, S, 3), names, landmarks)`` of :func:`export_archive`."""
    import io

    from PIL import Image

    with np.load(path) as archive:
        jpeg, offsets = archive["jpeg"], archive["offsets"]
        names, landmarks = list(archive["names"]), archive["landmarks"]
    images = np.stack(
        [
            np.asarray(Image.open(io.BytesIO(jpeg[a:b].tobytes())).convert("RGB"))
            for a, b in zip(offsets[:-1], offsets[1:])
        ]
    )
    return images, names, landmarks.astype(np.float64)


# ----------------------------------------------------------------------
# baselines


def pca_faces(train, n, n_components=64, seed=0):
    """Gaussian samples in a PCA space of the training faces, decoded."""
    from sklearn.decomposition import PCA

    flat = train.reshape(len(train), -1)
    pca = PCA(n_components, random_state=seed).fit(flat)
    rng = np.random.RandomState(seed)
    codes = rng.standard_normal((n, pca.n_components_))
    codes *= np.sqrt(pca.explained_variance_)
    out = np.clip(pca.inverse_transform(codes), 0.0, 1.0)
    return out.reshape((n, *train.shape[1:])).astype(np.float32)


def through_resolution(images, size):
    """Faces shrunk to ``size`` px (area) and enlarged back (bicubic).

    The real faces as a model drawing at ``size`` px at best shows them
    after the enlargement the panel applies to its samples.
    """
    from skface.utils import resize

    side = images.shape[1]
    out = [
        resize(
            resize(im, (size, size), interpolation="area"),
            (side, side),
            interpolation="cubic",
        )
        for im in images
    ]
    return np.clip(np.stack(out), 0.0, 1.0).astype(np.float32)


def noise_faces(train, n, seed=0):
    """Mean face plus per-pixel Gaussian noise (that pixel's std); and sigma."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    rng = np.random.RandomState(seed)
    out = mean + std * rng.standard_normal((n, *train.shape[1:]))
    return np.clip(out, 0.0, 1.0).astype(np.float32), float(std.mean())


# ----------------------------------------------------------------------
# the face-quality panel (helper H1's skface.generation._quality)


def report_function():
    """``face_generation_report`` wherever it lives, or None."""
    for module in ("skface.generation._quality", "skface.metrics"):
        try:
            fn = importlib.import_module(module).face_generation_report
        except (ImportError, AttributeError):
            continue
        return fn
    return None


class Panel:
    """The report of samples against held-out faces (rows of ``reference``).

    The held-out faces' dlib embeddings are computed once, the first time
    they are needed, and passed to every report (``emb_real``); the kernel
    distance's subsets are drawn with ``random_state=0``.
    """

    def __init__(self, report, reference, n_jobs=None, cache=None):
        self.report = report
        self.reference = as_float(reference)
        self.n_jobs = n_jobs
        self.params = inspect.signature(report).parameters
        self.cache = cache  # .npy file of the held-out embeddings, or None
        self._embeddings = None

    def embeddings(self):
        if self._embeddings is None and self.cache is not None:
            if Path(self.cache).exists():
                cached = np.load(self.cache)
                if len(cached) == len(self.reference):
                    self._embeddings = cached
                    print(f"(held-out embeddings read from {self.cache})")
        if self._embeddings is None:
            from skface.generation._quality import face_embeddings

            start = time.perf_counter()
            self._embeddings = face_embeddings(self.reference, n_jobs=self.n_jobs)
            print(
                f"(embeddings of {len(self.reference)} held-out faces in "
                f"{time.perf_counter() - start:.0f} s)"
            )
            if self.cache is not None:
                np.save(self.cache, self._embeddings)
        return self._embeddings

    def __call__(self, fake, rows=None, conditions=None):
        """Report of ``fake`` vs ``reference[rows]`` (default: the first ones)."""
        rows = np.arange(len(fake)) if rows is None else np.asarray(rows)
        kwargs = {}
        if "emb_real" in self.params:
            kwargs["emb_real"] = self.embeddings()[rows]
        if "random_state" in self.params:
            kwargs["random_state"] = 0
        if self.n_jobs and "n_jobs" in self.params:
            kwargs["n_jobs"] = self.n_jobs
        if conditions is not None:
            kwargs["conditions"] = conditions
        start = time.perf_counter()
        out = dict(self.report(self.reference[rows], fake, **kwargs))
        out["panel s"] = round(time.perf_counter() - start)
        return out


# ----------------------------------------------------------------------
# models


@dataclass
class ModelSpec:
    """How the benchmark builds, trains and samples one model.

    ``fit_data(est, images, landmarks) -> (X, y)`` gives ``fit``'s
    arguments, ``generate(est, n, images, landmarks)`` the ``n`` samples
    (for conditional models: one per held-out face, to its landmarks).
    ``images`` are float32 ``(n, S, S, 3)`` in ``[0, 1]``; ``landmarks``
    ``(n, 68, 2)`` pixels, detected once per face set (None for
    unconditional models), so the warm-start fits do not re-detect them.
    """

    class_name: str
    cpu: dict
    gpu: dict
    quick: dict
    fit_data: Callable
    generate: Callable
    conditional: bool = False


# -- how each model is fitted and sampled (the conditional estimators' API
# as of this writing; adjust here if it changes) ------------------------


def _images_only(est, images, landmarks):
    return list(images), None


def _images_and_landmarks(est, images, landmarks):
    return list(images), landmarks


def _latent_features(est, images, landmarks):
    from skface.autoencoders import latent_features

    return latent_features(images, landmarks), images


def _sample_n(est, n, images, landmarks):
    return est.sample(n, random_state=0)


def _sample_landmarks(est, n, images, landmarks):
    """ConditionalGAN: faces to the held-out landmarks (and colours).

    ``sample`` takes landmarks in the model's own pixel frame: a model
    drawing at another size than the faces gets them rescaled.
    """
    params = est.get_params()
    thumbnails = images if int(params.get("thumbnail_size", 0)) else None
    scale = int(params["image_size"]) / images.shape[1]
    if scale != 1.0:
        landmarks = landmarks * scale
    return est.sample(landmarks, thumbnails=thumbnails, random_state=0)


def _sample_encoded(est, n, images, landmarks):
    """ProgressiveGAN: faces to the held-out faces' condition vectors.

    ``encode_conditions`` takes landmarks in pixels of the faces it is
    given and normalises them by their size: no rescaling here.
    """
    if est.get_params().get("condition") is None:
        return est.sample(n, random_state=0)
    return est.sample(est.encode_conditions(images, landmarks), random_state=0)


def _predict_features(est, n, images, landmarks):
    """LatentGAN: decode the held-out faces' landmarks + thumbnails."""
    from skface.autoencoders import latent_features

    return est.predict(latent_features(images, landmarks))


# CPU settings: the best measured on one core of the 2-core benchmark
# machine (benchmarks/RESULTS.md, GAN face generation, 2026-12-04/05).
# DCGAN, ConditionalGAN and ProgressiveGAN draw at 32 px (the panel
# enlarges their samples to the faces' 64): at width 16 the DCGAN sees
# about 60,000 images a minute against 6,500 at 64 px width 32, with
# better KID, FD, recall and pair rate in the same time, HOG about the
# same and lower sharpness. The LatentGAN decodes at the faces' size.
# RESULTS commands written before 2026-12-05 without ``--set`` used the
# former column, below.
CPU_BEFORE_2026_12_05 = {
    "dcgan": {"n_latent": 100, "width": 32, "batch_size": 64},
    "conditional": {"n_latent": 100, "width": 32, "batch_size": 64},
    "latent": {"width": 16, "discriminator_width": 32, "batch_size": 64},
    "progressive": {"width": 32, "images_per_stage": 10_000, "batch_size": 32},
}
# The throughput section keeps the settings of its recorded figures.
THROUGHPUT_CPU = CPU_BEFORE_2026_12_05["dcgan"]

MODELS = {
    "dcgan": ModelSpec(
        "DCGAN",
        cpu={"n_latent": 100, "image_size": 32, "width": 16, "batch_size": 32},
        gpu={"n_latent": 128, "width": 64, "batch_size": 64},
        quick={"n_latent": 32, "width": 8, "batch_size": 32},
        fit_data=_images_only,
        generate=_sample_n,
    ),
    "conditional": ModelSpec(
        "ConditionalGAN",
        cpu={"n_latent": 100, "image_size": 32, "width": 16, "batch_size": 32},
        gpu={"n_latent": 128, "width": 64, "batch_size": 64},
        quick={"n_latent": 32, "width": 8, "batch_size": 32},
        fit_data=_images_and_landmarks,
        generate=_sample_landmarks,
        conditional=True,
    ),
    "latent": ModelSpec(
        "LatentGAN",
        cpu={
            "width": 8,
            "max_channels": 128,
            "discriminator_width": 16,
            "adversarial_weight": 0.05,
            "batch_size": 64,
        },
        gpu={"width": 32, "discriminator_width": 64, "batch_size": 64},
        quick={"width": 4, "discriminator_width": 8, "batch_size": 32},
        fit_data=_latent_features,
        generate=_predict_features,
        conditional=True,
    ),
    "progressive": ModelSpec(
        "ProgressiveGAN",
        cpu={
            "image_size": 32,
            "width": 32,
            "images_per_stage": 3_000,
            "batch_size": 16,
        },
        gpu={"width": 128, "images_per_stage": 40_000, "batch_size": 64},
        quick={"width": 8, "images_per_stage": 1_000, "batch_size": 16},
        fit_data=_images_and_landmarks,
        generate=_sample_encoded,
        conditional=True,
    ),
}


def model_class(spec):
    """The estimator class from :mod:`skface.generation`, or None."""
    try:
        module = importlib.import_module("skface.generation")
    except ImportError as exc:
        print(f"(skface.generation not importable: {exc})")
        return None
    return getattr(module, spec.class_name, None)


def build(cls, settings, device, seed):
    """``cls(**settings)``, keeping only parameters it has; prints the rest.

    ``image_size`` is passed as ``output_size`` to models that name it so
    (LatentGAN).
    """
    accepted = cls().get_params(deep=False)
    wanted = {**settings, "device": device, "random_state": seed, "verbose": 0}
    if "image_size" in wanted and "image_size" not in accepted:
        wanted.setdefault("output_size", wanted.pop("image_size"))
    used = {k: v for k, v in wanted.items() if k in accepted}
    dropped = sorted(set(wanted) - set(used))
    if dropped:
        print(f"({cls.__name__} has no parameter(s) {dropped}: not set)")
    return cls(**used)


def face_landmarks(images, cache_file=None, n_jobs=None):
    """``(n, 68, 2)`` dlib landmarks of uint8 faces, NaN where none is found."""
    if cache_file is not None and Path(cache_file).exists():
        points = np.load(cache_file)
        if len(points) == len(images):
            return points
    from skface.landmarks import LandmarkExtractor

    start = time.perf_counter()
    extractor = LandmarkExtractor(on_missing="nan", n_jobs=n_jobs)
    points = extractor.landmarks(np.asarray(images))
    found = np.isfinite(points).all(axis=(1, 2)).mean()
    print(
        f"(landmarks of {len(images)} faces in {time.perf_counter() - start:.0f} s; "
        f"found in {found:.1%})"
    )
    if cache_file is not None:
        Path(cache_file).parent.mkdir(parents=True, exist_ok=True)
        np.save(cache_file, points)
    return points


# -- training under a wall-clock budget --------------------------------


def train_for_budget(
    est, X, y, seconds, seed, resume=False, checkpoints=(), at_checkpoint=None
):
    """Fit one epoch at a time until the next would pass ``seconds``.

    The first call is a cold fit, the next ones warm starts; each gets
    ``random_state = seed + epoch`` (an int ``random_state`` re-seeds every
    ``fit``, so a fixed one would replay the first epoch's shuffling,
    latent codes and augmentations). ``at_checkpoint(epochs, seconds)`` is
    called after the first epoch that ends past each of ``checkpoints``
    (seconds of training; the time it takes is not counted). Returns
    (epochs, s).
    """
    n_epochs, start, paused = 0, time.perf_counter(), 0.0
    pending = sorted(c for c in checkpoints if c < seconds)
    while True:
        began = time.perf_counter()
        est.set_params(
            max_epochs=1,
            warm_start=resume or n_epochs > 0,
            random_state=seed + n_epochs,
        )
        est.fit(X) if y is None else est.fit(X, y)
        n_epochs += 1
        last = time.perf_counter() - began
        elapsed = time.perf_counter() - start - paused
        if pending and elapsed >= pending[0]:
            pending = [c for c in pending if c > elapsed]
            stop = time.perf_counter()
            at_checkpoint(n_epochs, elapsed)
            paused += time.perf_counter() - stop
        if elapsed + last > seconds:
            return n_epochs, elapsed


def save_grid(fake, real, path, n=GRID):
    """PNG: ``n`` samples (left) next to ``n`` real faces (right)."""
    from PIL import Image

    def tile(images):
        images = np.asarray(images[:n], dtype=np.float32)
        if images.ndim == 3:
            images = np.repeat(images[..., None], 3, axis=3)
        if images.max() > 1.0:
            images = images / 255.0
        side = int(np.ceil(np.sqrt(len(images))))
        h, w = images.shape[1:3]
        canvas = np.ones((side * (h + 2), side * (w + 2), 3), np.float32)
        for i, im in enumerate(images):
            r, c = divmod(i, side)
            top, left = r * (h + 2) + 1, c * (w + 2) + 1
            canvas[top : top + h, left : left + w] = im
        return canvas

    left, right = tile(fake), tile(real)
    gap = np.ones((left.shape[0], 8, 3), np.float32)
    both = np.concatenate([left, gap, right], axis=1)
    Image.fromarray((np.clip(both, 0, 1) * 255).round().astype(np.uint8)).save(path)


def run_model(name, spec, settings, data, args, panel):
    """Train, sample, save and score one model; returns its result rows.

    One row, or one per ``--checkpoints`` minute and the final one; none
    when the class does not exist or (``--score-samples``) no samples do.
    """
    cls = model_class(spec)
    if cls is None:
        print(
            f"\n({name}: skface.generation.{spec.class_name} does not exist yet: "
            "skipped)"
        )
        return []
    n = args.n_samples
    train, reference = as_float(data["train"]), as_float(data["reference"])
    rows = np.arange(min(n, len(reference)))  # held-out faces compared with
    lm_train = lm_ref = None
    if spec.conditional:  # faces whose landmarks were found
        lm_train, lm_ref = data["landmarks"]()
        keep = np.isfinite(lm_train).all(axis=(1, 2))
        train, lm_train = train[keep], lm_train[keep]
        rows = np.flatnonzero(np.isfinite(lm_ref).all(axis=(1, 2)))[:n]
        lm_ref = lm_ref[rows]
        print(
            f"({name}: faces with landmarks: {len(train)} training, "
            f"{len(rows)} held-out used)"
        )
    reference = reference[rows]
    if args.score_samples:
        row = score_saved_samples(name, reference, rows, lm_ref, args, panel)
        return [] if row is None else [row]
    # ``--set random_state=K`` seeds the training (the weights, codes and
    # augmentations) and leaves the split to --seed; without it, --seed.
    seed = int(settings.get("random_state", args.seed))
    saved = Path(args.out) / f"{name}.safetensors"
    before = 0
    if args.resume and saved.exists():
        # Continue the model a previous run saved (the optimizer states
        # are not in the file: Adam restarts); images seen add up.
        est = cls.load(saved, device=None if args.device == "auto" else args.device)
        before = est.n_iter_
        print(f"\n({name}: resuming {saved} after {before} epochs)")
    else:
        est = build(cls, settings, args.device, seed)
    X, y = spec.fit_data(est, train, lm_train)
    minutes = f"{args.minutes:.3g} min"
    print(f"\n({name}: training {cls.__name__}({_short(settings)}), {minutes})")
    out = Path(args.out)
    snapshots = []  # (row, samples) at each --checkpoints minute

    def progress(epochs, seconds):
        epochs, seen = epochs + before, (epochs + before) * len(X)
        seen = int(getattr(est, "n_images_seen_", seen))
        extra = ""
        if hasattr(est, "resolution_"):
            extra = f", resolution {est.resolution_} (alpha {est.alpha_:.2f})"
        print(f"({name}: {epochs} epochs, {seen} images seen, {seconds:.0f} s{extra})")
        return epochs, seen

    def checkpoint(epochs, seconds):
        epochs, seen = progress(epochs, seconds)
        fake = draw(est, spec, reference, lm_ref, name)
        label = f"{cls.__name__} ({_short(settings)}) at {seconds / 60:.1f} min"
        save_grid(fake, reference, out / f"{name}_grid_{round(seconds)}s.png")
        row = {"name": label, "epochs": epochs, "images seen": seen}
        snapshots.append(({**row, "train s": round(seconds)}, fake))

    epochs, seconds = train_for_budget(
        est,
        X,
        y,
        args.minutes * 60,
        seed + before,
        resume=before > 0,
        checkpoints=[60 * m for m in args.checkpoints or ()],
        at_checkpoint=checkpoint,
    )
    epochs, seen = progress(epochs, seconds)
    start = time.perf_counter()
    fake = draw(est, spec, reference, lm_ref, name)
    sample_s = time.perf_counter() - start
    save_grid(fake, reference, out / f"{name}_grid.png")
    if not args.no_save:
        est.save(out / f"{name}.safetensors")
    row = {
        "name": f"{cls.__name__} ({_short(settings)})",
        "epochs": epochs,
        "images seen": seen,
        "train s": round(seconds),
        "sample s": round(sample_s, 1),
    }
    if args.save_samples:  # uint8, as the real faces are
        np.savez_compressed(
            out / f"{name}_samples.npz",
            samples=(np.clip(fake, 0, 1) * 255).round().astype(np.uint8),
            rows=rows,
            row=np.asarray(repr({**row, "device": str(est.net_.device)})),
        )
    if panel is None:
        return [row]
    stages = [*snapshots, (row, fake)]  # earlier stages of the run, then the end
    for stage_row, stage_fake in stages:
        stage_row.update(panel(stage_fake, rows, lm_ref))
    return [stage_row for stage_row, _ in stages]


def draw(est, spec, reference, lm_ref, name):
    """One sample per held-out face, at the data's size.

    The conditions go to ``spec.generate`` in the pixel frame of
    ``reference`` (each model's function converts them as its API needs).
    A model trained at another size than the data (e.g. a 32 px
    ConditionalGAN on 64 px faces) has its samples enlarged (bicubic) to
    the data's size for the grid and the panel: the sharpness ratio then
    shows the cost.
    """
    params = est.get_params()
    model_size = int(params.get("image_size", params.get("output_size", 0)) or 0)
    data_size = reference.shape[1]
    fake = spec.generate(est, len(reference), reference, lm_ref)
    if model_size and model_size != data_size:
        from skface.utils import resize

        fake = np.stack(
            [
                np.clip(resize(f, (data_size, data_size), interpolation="cubic"), 0, 1)
                for f in fake
            ]
        )
        print(f"({name}: {model_size} px samples enlarged to {data_size} px)")
    return fake


def score_saved_samples(name, reference, rows, lm_ref, args, panel):
    """The panel row of the samples a ``--save-samples`` run wrote in ``--out``.

    The samples are scored against the same held-out faces (``rows`` must
    match the run's: the same ``--seed`` and landmarks) and get a grid.
    """
    import ast

    path = Path(args.out) / f"{name}_samples.npz"
    if not path.exists():
        print(f"\n({name}: no {path}: skipped)")
        return None
    with np.load(path) as saved:
        fake = saved["samples"].astype(np.float32) / 255.0
        saved_rows, row = saved["rows"], ast.literal_eval(str(saved["row"]))
    if not np.array_equal(saved_rows, rows):
        raise ValueError(
            f"{path} was sampled for other held-out faces than this run's "
            "(another --seed, --n-samples or landmarks)"
        )
    print(f"\n({name}: scoring {len(fake)} samples from {path}: {row})")
    save_grid(fake, reference, Path(args.out) / f"{name}_grid.png")
    if panel is not None:
        row.update(panel(fake, rows, lm_ref))
    return row


def _short(settings):
    return ", ".join(f"{k}={v}" for k, v in settings.items())


# ----------------------------------------------------------------------
# throughput: DCGAN estimator vs a plain loop of the same modules


class _StartState(Callback):
    """The torch RNG state and module states as the first epoch begins."""

    def initialize(self):
        self.rng_ = self.states_ = None
        return self

    def on_epoch_begin(self, net, **kwargs):
        if self.rng_ is not None:
            return
        self.rng_ = torch.get_rng_state()
        self.states_ = {
            name: {k: v.detach().clone() for k, v in module.state_dict().items()}
            for name, module in (
                ("G", net.generator_),
                ("D", net.discriminator_),
                ("G_ema", net.generator_ema_),
            )
        }


def same_work_check(est_factory, template_net, X, batch_size, loop, optim_args):
    """Largest weight difference after one epoch from the same start.

    Fits one estimator epoch while recording the RNG and module states at
    the start of the epoch, then runs :func:`plain_dcgan_epoch` from the
    same states and RNG state: the plain loop draws its random numbers in
    the estimator's order, so equal weights (up to float rounding) show it
    does the same work.
    """
    start = _StartState()
    est = est_factory(start)
    state = _plain_state(template_net, *optim_args)
    for name in ("G", "D", "G_ema"):
        state[name].load_state_dict(start.states_[name])
    with torch.random.fork_rng(devices=[]):
        torch.set_rng_state(start.rng_)
        plain_dcgan_epoch(state, X, batch_size, loop)
    net = est.net_
    diffs = {}
    for name, module in (
        ("G", net.generator_),
        ("D", net.discriminator_),
        ("G_ema", net.generator_ema_),
    ):
        ours = state[name].state_dict()
        diffs[name] = max(
            float((v.float() - ours[k].float()).abs().max())
            for k, v in module.state_dict().items()
        )
    return diffs


class _EpochClock(Callback):
    def initialize(self):
        self.times_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.start_ = _clock()

    def on_epoch_end(self, net, **kwargs):
        self.times_.append(_clock() - self.start_)


def _clock():
    """Wall and process CPU seconds (CPU time is steadier on a shared box)."""
    return np.array([time.perf_counter(), time.process_time()])


def plain_dcgan_epoch(state, X, batch_size, settings):
    """One epoch of hand-written DCGAN training: the estimator's step.

    Per batch (as :meth:`skface.generation._base._GANNet.train_step` with
    ``loss='hinge'``, ``n_critic=1``): mirror a random half of the real
    batch; one batch of fakes ``G(z)``; DiffAugment the real and the
    detached fake batch with the estimator's policy; hinge loss, plus the
    lazy R1 penalty (``r1_weight / 2 * r1_interval``) every
    ``r1_interval`` steps; Adam step of D; the same fakes, augmented anew,
    through the updated D: generator hinge loss (times
    ``adversarial_weight``); Adam step of G; EMA update with the warm-up
    decay; ``.item()`` of the three losses (what the estimator records).
    Random numbers are drawn in the estimator's order. ``X`` is on the modules'
    device; random draws are made where the estimator makes them. Returns
    the epoch's wall and CPU seconds.
    """
    from skface.nn import d_hinge_loss, diff_augment, g_hinge_loss, r1_penalty

    G, D, G_ema = state["G"], state["D"], state["G_ema"]
    opt_g, opt_d = state["opt_g"], state["opt_d"]
    policy, decay_max = settings["augment"], settings["ema_decay"]
    r1_weight, r1_interval = settings["r1_weight"], settings["r1_interval"]
    n_latent, device = settings["n_latent"], X.device
    adversarial_weight = settings.get("adversarial_weight", 1.0)
    start = _clock()
    G.train()
    D.train()
    order = torch.randperm(len(X))
    for i in range(0, len(X), batch_size):
        real = X[order[i : i + batch_size].to(device)]
        flipped = (torch.rand(len(real)) < 0.5).to(device)
        real = torch.where(flipped[:, None, None, None], real.flip(3), real)
        # one batch of fakes: detached for the discriminator, then through
        # the updated discriminator for the generator
        z = torch.randn(len(real), n_latent, device=device)
        fake = G(z)
        real_in = diff_augment(real, policy) if policy else real
        fake_in = fake.detach()
        fake_in = diff_augment(fake_in, policy) if policy else fake_in
        lazy_r1 = r1_weight > 0 and state["t"] % r1_interval == 0
        if lazy_r1:
            real_in = real_in.detach().requires_grad_(True)
        real_scores, fake_scores = D(real_in), D(fake_in)
        d_loss = d_hinge_loss(real_scores, fake_scores)
        penalty = torch.zeros((), device=device)
        if lazy_r1:
            penalty = 0.5 * r1_weight * r1_interval * r1_penalty(real_scores, real_in)
        opt_d.zero_grad()
        (d_loss + penalty).backward()
        opt_d.step()
        # generator
        fake_in = diff_augment(fake, policy) if policy else fake
        g_loss = g_hinge_loss(D(fake_in))
        g_total = adversarial_weight * g_loss
        opt_g.zero_grad()
        g_total.backward()
        opt_g.step()
        # moving average
        with torch.no_grad():
            t = state["t"]
            decay = min(decay_max, (1.0 + t) / (10.0 + t))
            for avg, p in zip(G_ema.parameters(), G.parameters()):
                avg.lerp_(p.detach(), 1.0 - decay)
            for avg, b in zip(G_ema.buffers(), G.buffers()):
                avg.copy_(b)
        state["t"] += 1
        for value in (g_loss, d_loss, penalty):  # the estimator records them
            value.item()
    return _clock() - start


def _fresh_module(net, name, state_of=None):
    """A new instance of the net's module ``name`` with ``state_of``'s weights.

    (``copy.deepcopy`` fails on spectrally normalised modules after a
    forward pass, so the modules are rebuilt from the net's arguments.)
    """
    module = getattr(net, name)(**net.get_params_for(name))
    module.load_state_dict(getattr(net, (state_of or name) + "_").state_dict())
    return module.to(net.device)


def _plain_state(template_net, lr, lr_d, betas):
    """Fresh copies of the estimator's modules and Adam optimizers."""
    G = _fresh_module(template_net, "generator")
    D = _fresh_module(template_net, "discriminator")
    G_ema = _fresh_module(template_net, "generator", "generator_ema")
    G_ema.requires_grad_(False)
    return {
        "G": G,
        "D": D,
        "G_ema": G_ema,
        "opt_g": torch.optim.Adam(G.parameters(), lr=lr, betas=betas),
        "opt_d": torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas),
        "t": 0,
    }


def throughput(train, settings, batches, epochs, rounds, device, seed):
    """DCGAN estimator vs plain loop, images/s; prints a table.

    Both train fresh copies of the same initial modules (the warm-up fit's
    net) for ``epochs`` epochs per round; the estimator's epochs are timed
    by a callback, so ``fit``'s one-off set-up (image validation, resizing
    and conversion, building the net) is reported apart.
    """
    from skface.generation import DCGAN

    batch_size = int(settings.get("batch_size", 64))
    n = min(len(train), batches * batch_size)
    images = as_float(train[:n])
    make = {**settings, "batch_size": batch_size}

    def estimator(r, callback=None, max_epochs=epochs):
        est = build(DCGAN, make, device, seed + r)
        # (name, callback) pairs: BaseGAN._all_callbacks reads cb[0]
        callbacks = [("bench", callback)] if callback else None
        est.set_params(max_epochs=max_epochs, callbacks=callbacks)
        return est.fit(images)

    warm = estimator(0)  # warm-up; its net is the plain loop's template
    params = warm.get_params()
    simple = (
        params["loss"] == "hinge"
        and params["n_critic"] == 1
        and params["optimizer"] == "adam"
        and params["ema_decay"] > 0
        and not params["weight_decay"]
    )
    if not simple:
        print(
            "\n(throughput: the plain loop implements hinge, n_critic=1, Adam "
            "without weight decay, ema_decay > 0 only: skipped)"
        )
        return
    lr = float(params["lr"])
    lr_d = float(params["lr_discriminator"] or lr)
    betas = tuple(float(b) for b in params["betas"])
    loop = {
        "augment": params["augment"] or "",
        "ema_decay": float(params["ema_decay"]),
        "r1_weight": float(params["r1_weight"]),
        "r1_interval": int(params["r1_interval"]),
        "n_latent": int(params["n_latent"]),
        "adversarial_weight": float(getattr(warm.net_, "adversarial_weight", 1.0)),
    }
    on = torch.device(warm.net_.device)
    size = int(params["image_size"])
    X = torch.from_numpy(warm._images_to_net(list(images), 3)).to(on)  # as the net
    if on.type == "cpu":
        check = same_work_check(
            lambda cb: estimator(0, cb, max_epochs=1),
            warm.net_,
            X,
            batch_size,
            loop,
            (lr, lr_d, betas),
        )
        diffs = ", ".join(f"{k} {v:.2g}" for k, v in check.items())
        print(
            "\n(same work: after one epoch from the same weights and RNG state, "
            f"the largest weight difference estimator - plain loop is {diffs})"
        )
    times = {"estimator": [], "plain": []}
    setups, ratios = [], []

    def run_estimator(r):
        clock = _EpochClock()
        start = time.perf_counter()
        estimator(r, clock)
        setups.append(time.perf_counter() - start - sum(t[0] for t in clock.times_))
        times["estimator"].append(clock.times_)

    def run_plain(r):
        torch.manual_seed(seed + r)
        state = _plain_state(warm.net_, lr, lr_d, betas)
        times["plain"].append(
            [plain_dcgan_epoch(state, X, batch_size, loop) for _ in range(epochs)]
        )

    for r in range(1, rounds + 1):
        order = (run_estimator, run_plain) if r % 2 else (run_plain, run_estimator)
        for run in order:
            run(r)
        # per round, on CPU time: a load burst moves one ratio, not all
        est_r, plain_r = np.array(times["estimator"][-1]), np.array(times["plain"][-1])
        ratios.append(np.median(plain_r[:, 1]) / np.median(est_r[:, 1]))
    est = np.concatenate([np.array(t) for t in times["estimator"]])
    plain = np.concatenate([np.array(t) for t in times["plain"]])
    print(
        f"\n## DCGAN training throughput ({n} faces {size}x{size}, batch "
        f"{batch_size}, width {params['width']}, augment '{loop['augment']}', "
        f"hinge + lazy R1 every {loop['r1_interval']} steps, EMA, Adam betas "
        f"{betas}; {rounds} rounds x {epochs} epochs on {on}, "
        f"{torch.get_num_threads()} torch threads, load "
        f"{os.getloadavg()[0]:.2f})\n"
    )
    print(
        "| loop | images/s (median epoch, wall) | images/s (median epoch, CPU "
        "time) | min epoch wall s | fit set-up s |"
    )
    print("|---|---|---|---|---|")
    for label, t, setup in (
        ("plain PyTorch", plain, ""),
        ("DCGAN estimator", est, f"{np.median(setups):.2f}"),
    ):
        wall, cpu = np.median(t[:, 0]), np.median(t[:, 1])
        print(
            f"| {label} | {n / wall:.1f} | {n / cpu:.1f} | {t[:, 0].min():.2f} "
            f"| {setup} |"
        )
    print(
        "\nDCGAN / plain images/s: "
        f"{np.median(plain[:, 0]) / np.median(est[:, 0]):.3f} (median wall "
        f"epochs), {np.median(plain[:, 1]) / np.median(est[:, 1]):.3f} (median "
        f"CPU epochs), {np.median(ratios):.3f} (median of per-round CPU ratios); "
        "target >= 0.90"
    )


# ----------------------------------------------------------------------
# report


PANEL_ORDER = (
    "kid",
    "kid_std",
    "fd",
    "recall_k20",
    "pair_rate",
    "hog_detection_rate",
    "sharpness_ratio",
    "landmark_error",
)


TRAINING_KEYS = ("epochs", "images seen", "train s", "sample s", "panel s")


def print_table(rows, title):
    """Markdown table: name, panel entries (KID x 1000), training figures."""
    keys = []
    for row in rows:
        keys += [k for k in row if k not in keys and k != "name"]
    metric = [k for k in ("n_samples", *PANEL_ORDER) if k in keys]
    metric += [k for k in keys if k not in metric and k not in TRAINING_KEYS]
    cols = ["name", *metric, *[k for k in TRAINING_KEYS if k in keys]]
    header = [f"{k} x1000" if k.startswith("kid") else k for k in cols]
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(_fmt(k, row.get(k)) for k in cols) + " |")


def _fmt(key, value):
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value * 1000:.3f}" if key.startswith("kid") else f"{value:.3g}"
    return str(value)


def parse_set(items):
    """``[MODEL:]KEY=VALUE`` strings to ``{model or None: {key: value}}``.

    Values are read as Python literals when they parse (``32``, ``None``,
    ``(0.0, 0.99)``), else kept as strings.
    """
    import ast

    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        model, _, key = key.rpartition(":")
        if not sep or not key or (model and model not in MODELS):
            raise SystemExit(
                f"--set wants [MODEL:]KEY=VALUE with MODEL in {list(MODELS)}, "
                f"got {item!r}"
            )
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass
        out.setdefault(model or None, {})[key] = value
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        nargs="+",
        default=["all"],
        choices=[*MODELS, "all", "none"],
        help="models to train (default all; none: the baseline rows only)",
    )
    parser.add_argument("--section", nargs="+", choices=SECTIONS, default=SECTIONS)
    parser.add_argument("--minutes", type=float, default=None, help="per model (15)")
    parser.add_argument("--n-samples", type=int, default=None, help="N (1000)")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--cache-dir", default=str(CACHE))
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--gpu", action="store_true", help="--device cuda and the GPU settings"
    )
    parser.add_argument(
        "--set",
        nargs="+",
        metavar="[MODEL:]KEY=VALUE",
        help="constructor parameters for every model (width=16) or one "
        "(progressive:images_per_stage=20000)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test, ~2 min")
    parser.add_argument(
        "--no-save", action="store_true", help="do not save the trained models"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the models saved in --out instead of starting anew",
    )
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="models only: skip the real floor and baseline rows",
    )
    parser.add_argument(
        "--export-data",
        metavar="FILE.npz",
        help="write the resized faces (JPEG) and their landmarks to one file "
        "for --data on a machine without ../shared, and stop",
    )
    parser.add_argument(
        "--no-panel",
        action="store_true",
        help="train, sample and save only (no dlib panel, no baselines)",
    )
    parser.add_argument(
        "--save-samples",
        action="store_true",
        help="also write each model's samples to --out/<model>_samples.npz",
    )
    parser.add_argument(
        "--score-samples",
        action="store_true",
        help="no training: score the samples a --save-samples run left in --out",
    )
    parser.add_argument(
        "--checkpoints",
        nargs="+",
        type=float,
        metavar="MIN",
        help="also sample (and score) each model after these minutes of "
        "training, for a learning curve from one run",
    )
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--n-jobs", type=int, default=None, help="panel and landmark workers"
    )
    parser.add_argument("--batches", type=int, default=40, help="throughput")
    parser.add_argument("--epochs", type=int, default=3, help="throughput")
    parser.add_argument("--rounds", type=int, default=4, help="throughput")
    args = parser.parse_args(argv)
    if args.gpu and args.device == "cpu":
        args.device = "cuda"
    if args.threads:
        torch.set_num_threads(args.threads)
    n_train, n_ref = (200, 100) if args.quick else (N_TRAIN, N_REFERENCE)
    args.minutes = args.minutes or (20 / 60 if args.quick else 15.0)
    args.n_samples = args.n_samples or n_ref
    names = list(MODELS) if "all" in args.model else args.model
    names = [] if "none" in names else names
    kind = "quick" if args.quick else ("gpu" if args.device != "cpu" else "cpu")
    extra = parse_set(args.set)
    if args.image_size != 64:
        extra.setdefault(None, {}).setdefault("image_size", args.image_size)
    cuda = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no CUDA"
    print(
        f"# bench_generation {datetime.date.today()} {platform.node()} "
        f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, torch "
        f"{torch.__version__}, {torch.get_num_threads()} threads, {cuda}; "
        f"device {args.device}, {kind} settings, {args.minutes:.3g} min per model, "
        f"N={args.n_samples}, {args.image_size}x{args.image_size})"
    )
    archive = Path(args.data).suffix == ".npz" and Path(args.data).is_file()
    if not Path(args.data).is_dir() and not archive:
        print(f"\n({args.data} not found: UTKFace benchmark skipped)")
        return 0
    total = time.perf_counter()
    memo = {}
    if archive:  # faces and landmarks written by --export-data
        images, stems, memo["points"] = read_archive(args.data)
        if images.shape[1] != args.image_size:
            parser.error(f"{args.data} holds {images.shape[1]} px faces")
        train_idx, ref_idx = split_indices(len(stems), n_train, n_ref, args.seed)
    else:
        stems = [Path(p).name for p in utkface_paths(args.data)]
        train_idx, ref_idx = split_indices(len(stems), n_train, n_ref, args.seed)
        images = load_utkface(
            args.data,
            args.image_size,
            args.cache_dir,
            indices=np.concatenate([train_idx, ref_idx]) if args.quick else None,
        )
        if args.quick:  # only these faces were read, in this order
            train_idx = np.arange(n_train)
            ref_idx = np.arange(n_train, n_train + n_ref)
    train, reference = np.asarray(images[train_idx]), np.asarray(images[ref_idx])
    print(
        f"\nUTKFace ({args.data}): {len(train)} training faces, {len(reference)} "
        f"held-out reference faces (fixed permutation, seed {args.seed})"
    )
    lm_cache = None
    if not args.quick:
        lm_cache = Path(args.cache_dir).expanduser()
        lm_cache = lm_cache / f"utkface_{args.image_size}_landmarks.npy"

    def landmarks():
        """Landmarks of the training and held-out faces (conditional models)."""
        if "points" not in memo:
            memo["points"] = face_landmarks(images, lm_cache, args.n_jobs)
        return memo["points"][train_idx], memo["points"][ref_idx]

    data = {"train": train, "reference": reference, "landmarks": landmarks}
    if args.export_data:
        if args.quick or archive:
            parser.error(
                "--export-data reads the whole UTKFace folder (not --quick, not "
                "an .npz file)"
            )
        points = face_landmarks(images, lm_cache, args.n_jobs)
        export_archive(args.export_data, images, stems, points)
        size = Path(args.export_data).stat().st_size / 2**20
        print(
            f"\n({len(images)} faces and landmarks written to {args.export_data}, "
            f"{size:.1f} MiB)"
        )
        return 0
    failed = []
    if "panel" in args.section:
        failed += panel_section(args, names, kind, extra, data)
    if "throughput" in args.section:
        settings = {
            **(THROUGHPUT_CPU if kind == "cpu" else getattr(MODELS["dcgan"], kind)),
            **extra.get(None, {}),
            **extra.get("dcgan", {}),
        }
        batches = 4 if args.quick else args.batches
        try:
            throughput(
                train,
                settings,
                batches,
                1 if args.quick else args.epochs,
                2 if args.quick else args.rounds,
                args.device,
                args.seed,
            )
        except Exception:
            traceback.print_exc()
            failed.append("throughput")
    print(f"\ntotal {time.perf_counter() - total:.0f} s")
    if failed:
        print(f"FAILED: {failed}")
        return 1
    return 0


def panel_section(args, names, kind, extra, data):
    """Floor, baselines and each model's panel; returns the failed names."""
    n = args.n_samples
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = None if args.no_panel else report_function()
    if args.no_panel:
        print("\n(--no-panel: training, samples and grids only)")
    elif report is None:
        print(
            "\n(face_generation_report not found in skface.generation._quality "
            "or skface.metrics: training and samples only, no panel)"
        )
    train_f = as_float(data["train"])
    ref = data["reference"][:n]
    rows, failed = [], []
    # --quick's 100 held-out faces must not replace the full set's cache
    # (a quick run used to overwrite it, and the next full run recomputed it).
    cache = None
    if not args.quick:
        cache = Path(args.cache_dir).expanduser() / (
            f"utkface_{args.image_size}_heldout_embeddings.npy"
        )
    panel = (
        None
        if report is None
        else Panel(report, data["reference"], args.n_jobs, cache=cache)
    )
    fakes = {}
    if not (args.no_panel or args.score_samples):  # the baselines' rows and grids
        fakes = {
            "real floor: training faces": train_f[:n],
            "PCA(64) samples": pca_faces(train_f, n, seed=args.seed),
        }
        noise, sigma = noise_faces(train_f, n, seed=args.seed)
        fakes[f"mean face + noise (per-pixel std, mean {sigma:.3f})"] = noise
        for size in (32, 16):  # what a small model's enlargement costs
            if size < train_f.shape[1]:
                label = f"real floor through {size} px (area down, bicubic up)"
                fakes[label] = through_resolution(train_f[:n], size)
        save_grid(fakes["PCA(64) samples"], ref, out / "pca_grid.png")
        save_grid(noise, ref, out / "noise_grid.png")
    if args.no_baselines:
        fakes = {}
    for label, fake in fakes.items() if panel is not None else ():
        try:
            rows.append({"name": label, **panel(fake)})
        except Exception:
            traceback.print_exc()
            failed.append(label)
    for name in names:
        spec = MODELS[name]
        settings = {**getattr(spec, kind), **extra.get(None, {}), **extra.get(name, {})}
        try:
            rows.extend(run_model(name, spec, settings, data, args, panel))
        except Exception:
            traceback.print_exc()
            failed.append(name)
    budget = (
        "samples of an earlier --save-samples run"
        if args.score_samples
        else f"{args.minutes:.3g} min per model, device {args.device}"
    )
    title = (
        f"Face-quality panel vs {len(ref)} held-out UTKFace faces, N={n}, "
        f"{args.image_size}x{args.image_size} ({budget})"
    )
    print_table(rows, title)
    print(f"\n(grids and saved models in {out})")
    return failed


if __name__ == "__main__":
    sys.exit(main())
