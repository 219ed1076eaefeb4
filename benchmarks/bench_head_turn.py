"""Head turn (yaw): HeadTurnGenerator vs the landmark warp and a chained model.

Reads ``../shared/data`` (the script says so and exits 0 when a part is
missing):

* ``utkface/`` (8,000 aligned 200x200 colour chips, research use) resized
  to ``S x S`` (``--image-size``, 64) by area averaging and cached in
  ``--cache-dir`` as ``bench_generation.py`` does (same cache file). A
  fixed permutation (``--seed`` 0) of the sorted file list: its first 100
  faces whose landmarks dlib finds are held out, the next ``--n-utkface``
  (1,000) train;
* ``olivetti/olivetti_faces.npz`` (grey 64x64, replicated to RGB): persons
  0-29 train, persons 30-39 (100 faces) are held out;
* ``umist/umist_faces.npz`` (20 people, profile to frontal, grey): real
  within-person pose pairs. dlib finds the faces only from about 45 degrees
  to frontal (HOG on a 2x enlargement); the yaw of each view is estimated
  from its 68 landmarks (:func:`skface.landmarks.estimate_head_pose`) and
  the views within ``--umist-max-yaw`` (30) kept; each person's views are
  cut with one square box (from the most frontal view's detection, laid out
  as UTKFace's chips: :data:`skface.generation._quality.FACE_BOX`), so the
  head turns in place.

Training data of every model: the training faces of UTKFace and Olivetti
re-rendered at the frame yaws -20, -15, ..., 20 by
:func:`skface.datasets.make_head_turn_pairs` (landmarks as below, source
yaws estimated), ``groups`` = the source face. :class:`skface.generation.
HeadTurnGenerator` gets the faces themselves (at their estimated yaw) and
these views, concatenated with the real UMIST sequences (``fit(X,
y=yaws, groups=groups)``, as its docstring says; ``--real none`` leaves
UMIST out, ``--real umist olivetti`` adds Olivetti persons 0-29's ten
photos each as real sequences with estimated yaws).

Methods, each asked for the 9 frames -20..20 of every held-out face:

* **warp**: :func:`skface.datasets.make_head_turn_pairs` alone (the
  training data's renderer);
* **chained**: the seed's design, small: one residual convolutional
  autoencoder per 5-degree transition (0 -> 5 -> ... -> 20 and 0 -> -5 ->
  ... -> -20, 8 networks, output = input + predicted change, L1 loss,
  plain PyTorch, :class:`StepAE`), trained on the synthetic sequences for
  ``--chained-minutes`` (5) of CPU time in all and run chained from the
  source (taken as frontal, as the seed does);
* **HeadTurnGenerator**: trained for ``--minutes`` (15) of CPU time (a
  callback stops it mid-epoch, the way Ctrl-C does; ``--epochs`` fixes
  the number of epochs instead), every frame generated from the source.
  ``--width`` 16 by default (the estimator's is 32): on the 2-core CPU of
  ``RESULTS.md`` it draws about twice as many pairs per second.

Training budgets are process CPU time, not wall clock, so that a shared
machine's load does not change how much training a model gets (with
``OMP_NUM_THREADS=1`` one CPU second is one core second).

Metrics on the held-out faces (Olivetti persons 30-39 and the 100 UTKFace
faces; people never seen in training), every frame:

* **identity**: dlib's 128-d embedding of the frame
  (:func:`skface.generation.face_embeddings`, fixed face box: UTKFace's
  ``FACE_BOX``, the whole image for Olivetti) against a gallery of all held-out
  real faces of both sets (200 faces, 110 people): a hit when the nearest
  gallery face is the source's person. The source photo itself is left out
  of the gallery for Olivetti (the frame must match the person's *other*
  photos); a UTKFace person has one photo, which stays. Reported at
  +-20 degrees (target >= 0.9) and over all frames, with the mean dlib
  distance of the +-20 frames to their source photo;
* **yaw**: 68 landmarks re-detected on the frame (enlarged to 200 px, HOG
  box, the fixed box when HOG finds none; ``det`` is the share found by
  HOG) and :func:`skface.landmarks.estimate_head_pose`; per sequence the
  Spearman correlation of estimated and commanded yaw (mean over
  sequences; target >= 0.9) and the least-squares slope (1 = the commanded
  turn, 0.5 = half of it); MAE in degrees between estimated and commanded
  yaw over all frames;
* **smoothness**: mean norm of the landmarks' second differences across
  consecutive frames, ``|L[k+1] - 2 L[k] + L[k-1]|``, over the source's
  inter-ocular distance, in percent (lower is smoother: a turn at a
  constant rate gives about 0; re-detection noise sets the floor);
* **sharpness**: :func:`skface.metrics.sharpness_ratio` of the frames
  against the real held-out faces (1 = as sharp as the photos).

The ``real photos`` rows score the held-out photos themselves (one
"frame" each: retrieval, HOG rate; their estimated yaws are printed
above the table).

Outputs in ``--out`` (``benchmarks/out/``, git-ignored):
``head_turn.safetensors`` (the generator; ``HeadTurnGenerator.load``),
``head_turn_frames.png`` (for 6 held-out faces: rows warp, chained,
generator) and ``head_turn.gif`` (the generator's frames of those faces,
ping-pong). ``--model PATH`` evaluates a saved generator instead of
training one.

Run from the repository root (``OMP_NUM_THREADS=1`` leaves a core to
others on a shared machine)::

    python benchmarks/bench_head_turn.py [--minutes 15] [--chained-minutes 5]
        [--epochs N] [--n-utkface 1000] [--image-size 64] [--width 16]
        [--methods warp chained generator] [--real umist [olivetti] | none]
        [--model PATH] [--set KEY=VALUE ...] [--out benchmarks/out]
        [--device cpu] [--threads N] [--n-jobs N] [--seed 0] [--quick]

``--quick`` (smoke test, a few minutes): 60 UTKFace and 30 Olivetti
training faces, 10 + 20 held-out faces, 30 s of generator and 16 s of
chained training, small widths.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
CACHE = Path.home() / ".cache" / "skface_bench"
FRAME_YAWS = np.linspace(-20.0, 20.0, 9)
WHOLE_BOX = (0.0, 0.0, 1.0, 1.0)
METHODS = ("warp", "chained", "generator")
EVAL_SIDE = 200  # frames are enlarged to this for dlib (as the quality panel)


# ----------------------------------------------------------------------
# data


def utkface_chips(args):
    """``(train, test)`` uint8 chips of UTKFace and their landmarks."""
    sys.path.insert(0, str(HERE))
    from bench_generation import load_utkface, utkface_paths

    n_files = len(utkface_paths(args.utkface))
    order = np.random.RandomState(args.seed).permutation(n_files)
    n_test, n_train = (10, 60) if args.quick else (100, args.n_utkface)
    # a few spare faces: the ones without landmarks are dropped
    take = order[: int(1.1 * (n_test + n_train)) + 10]
    images = load_utkface(args.utkface, args.image_size, args.cache_dir, take)
    L, _ = chip_landmarks(images, _face_box(), n_jobs=args.n_jobs)
    ok = np.flatnonzero(np.isfinite(L).all(axis=(1, 2)))
    test, train = ok[:n_test], ok[n_test : n_test + n_train]
    return (images[train], L[train]), (images[test], L[test])


def olivetti_chips(args):
    """Olivetti (RGB uint8) persons 0-29 (train) and 30-39 (test), landmarks."""
    from skface.datasets import load_olivetti_faces
    from skface.utils import check_images

    data = load_olivetti_faces(args.olivetti)
    images = check_images(data.images, dtype="uint8", channels="rgb")
    if images.shape[1] != args.image_size:
        from skface.utils import resize

        images = np.stack([resize(im, args.image_size) for im in images])
    train = np.flatnonzero(data.target < 30)
    test = np.flatnonzero(data.target >= 30)
    if args.quick:
        train = train[data.target[train] < 3]  # 3 people
        test = test[data.target[test] < 32]  # 2 people
    L, _ = chip_landmarks(images, WHOLE_BOX, n_jobs=args.n_jobs)
    return (
        (images[train], L[train], data.target[train]),
        (images[test], L[test], data.target[test]),
    )


def umist_sequences(args):
    """Real head-turn sequences from UMIST: RGB chips, yaws, groups.

    Every view whose face dlib finds (HOG on a 2x enlargement) gets its
    yaw from its landmarks; views within ``--umist-max-yaw`` are kept, and
    one square box per person (the most frontal view's HOG box, laid out
    as UTKFace's chips) cuts all of that person's views. (The generator
    mirrors half of its training pairs, so one side is enough.)
    """
    from skface.datasets import load_umist_faces
    from skface.detection import HOGFaceDetector
    from skface.landmarks import LandmarkExtractor, estimate_head_pose
    from skface.utils import check_images, resize, select_boxes

    data = load_umist_faces(args.umist)
    images, person = data.images, data.target
    big = [resize(im, (2 * im.shape[0], 2 * im.shape[1])) for im in images]
    det = HOGFaceDetector(upsample=1).fit(big[:1])
    boxes = select_boxes(det.detect(big), [b.shape[:2] for b in big], on_missing="nan")
    found = np.flatnonzero(np.isfinite(boxes).all(axis=1))
    L = np.full((len(images), 68, 2), np.nan)
    ext = LandmarkExtractor(on_missing="nan").fit(big[:1])
    L[found] = ext.landmarks([big[i] for i in found], boxes=boxes[found]) / 2
    boxes = boxes / 2
    yaw = np.full(len(images), np.nan)
    yaw[found] = estimate_head_pose(L[found])[:, 0]
    keep = np.isfinite(yaw) & (np.abs(yaw) <= args.umist_max_yaw)
    left, top, right, _ = _face_box()
    chips, rows_kept = [], []
    for p in np.unique(person):
        rows = np.flatnonzero(keep & (person == p))
        if len(rows) < 2:
            continue
        b = boxes[rows[np.argmin(np.abs(yaw[rows]))]]
        side = (b[2] - b[0]) / (right - left)
        x0, y0 = b[0] - left * side, b[1] - top * side
        chips += [_crop(images[r], x0, y0, side, args.image_size) for r in rows]
        rows_kept += list(rows)
    rows_kept = np.asarray(rows_kept, dtype=int)
    chips = check_images(np.stack(chips), dtype="uint8", channels="rgb")
    return chips, yaw[rows_kept], person[rows_kept], len(found)


def olivetti_sequences(train):
    """Olivetti training persons' photos as real sequences (estimated yaw)."""
    from skface.landmarks import estimate_head_pose

    images, L, person = train
    yaw = estimate_head_pose(L)[:, 0]
    return images, yaw, person


def _face_box():
    from skface.generation._quality import FACE_BOX

    return FACE_BOX


def _crop(image, x0, y0, side, size):
    """Square ``side`` crop at ``(x0, y0)`` (edge-padded), resized to ``size``."""
    from skface.utils import resize

    pad = int(np.ceil(side))
    padded = np.pad(image, pad, mode="edge")
    a, b = int(round(y0)) + pad, int(round(x0)) + pad
    s = int(round(side))
    return resize(padded[a : a + s, b : b + s], size)


def chip_landmarks(chips, box, n_jobs=None):
    """68 landmarks of face chips, in chip pixels, and whether HOG found them.

    Each chip is enlarged to ``EVAL_SIDE`` pixels (bicubic); HOG looks for
    the face there and, where it finds none, the fixed ``box`` (fractions
    of the chip) is used. Landmarks are NaN only for blank chips.
    """
    from skface.detection import HOGFaceDetector
    from skface.landmarks import LandmarkExtractor
    from skface.utils import check_images, resize, select_boxes

    chips = check_images(chips, dtype="uint8", channels="rgb", stack=False)
    side = chips[0].shape[0]
    big = [resize(c, EVAL_SIDE, interpolation="cubic") for c in chips]
    det = HOGFaceDetector(upsample=0, n_jobs=n_jobs).fit(big[:1])
    shapes = [b.shape[:2] for b in big]
    boxes = select_boxes(det.detect(big), shapes, on_missing="nan")
    detected = np.isfinite(boxes).all(axis=1)
    boxes[~detected] = np.asarray(box) * EVAL_SIDE
    ext = LandmarkExtractor(on_missing="nan", n_jobs=n_jobs).fit(big[:1])
    L = ext.landmarks(big, boxes=boxes) * (side / EVAL_SIDE)
    return L, detected


def synthetic_sequences(faces, landmarks, yaws):
    """``make_head_turn_pairs`` views: ``(n, n_yaws, S, S, 3)`` and Bunch."""
    from skface.datasets import make_head_turn_pairs

    views = make_head_turn_pairs(faces, yaws, landmarks=landmarks, on_missing="skip")
    n = len(views.images) // len(yaws)
    return views.images.reshape(n, len(yaws), *views.images.shape[1:]), views


# ----------------------------------------------------------------------
# chained baseline (the seed's design, small)


def chained_transitions(yaws):
    """``[(from, to), ...]`` index pairs: from the frontal frame outwards."""
    mid = int(np.argmin(np.abs(yaws)))
    right = [(k, k + 1) for k in range(mid, len(yaws) - 1)]
    left = [(k, k - 1) for k in range(mid, 0, -1)]
    return right + left


class StepAE(nn.Module):
    """Residual conv autoencoder for one frame transition (the seed's).

    ``(N, C, S, S)`` in, the same out: ``clamp(x + tanh(decoder(encoder
    (x))), 0, 1)``. Three stride-2 convolutions down to ``S/8`` and
    three transposed ones up, no skips (the seed's autoencoder had
    none).
    """

    def __init__(self, channels=3, width=16):
        super().__init__()
        w = width
        act = nn.LeakyReLU(0.2)
        self.encoder = nn.Sequential(
            nn.Conv2d(channels, w, 4, 2, 1), act,  # (N, w, S/2, S/2)
            nn.Conv2d(w, 2 * w, 4, 2, 1), act,  # (N, 2w, S/4, S/4)
            nn.Conv2d(2 * w, 4 * w, 4, 2, 1), act,  # (N, 4w, S/8, S/8)
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1), act,  # (N, 2w, S/4, S/4)
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), act,  # (N, w, S/2, S/2)
            nn.ConvTranspose2d(w, channels, 4, 2, 1),  # (N, C, S, S)
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x + torch.tanh(self.decoder(self.encoder(x))), 0, 1)


def train_chained(sequences, seconds, width, seed, batch_size=32, lr=1e-3):
    """One StepAE per transition, each trained for ``seconds / n_steps`` of CPU.

    Returns ``(models, pairs_seen)``: ``{(i, j): module}`` and the number of
    (input, target) pairs drawn in all.
    """
    x = torch.as_tensor(sequences).permute(0, 1, 4, 2, 3).float() / 255
    n = len(x)
    steps = chained_transitions(FRAME_YAWS)
    models, seen = {}, 0
    gen = torch.Generator().manual_seed(seed)
    for s, (i, j) in enumerate(steps):
        torch.manual_seed(seed + s)
        net = StepAE(x.shape[2], width)
        opt = torch.optim.Adam(net.parameters(), lr=lr)
        stop = time.process_time() + seconds / len(steps)
        losses = []
        while time.process_time() < stop:
            idx = torch.randint(n, (batch_size,), generator=gen)
            loss = torch.nn.functional.l1_loss(net(x[idx, i]), x[idx, j])
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += batch_size
            losses.append(loss.item())
        models[(i, j)] = net.eval()
        print(
            f"  chained step {FRAME_YAWS[i]:+.0f} -> {FRAME_YAWS[j]:+.0f}: "
            f"{len(losses)} batches, L1 {np.mean(losses[:20]):.4f} -> "
            f"{np.mean(losses[-20:]):.4f}",
            flush=True,
        )
    return models, seen


def chained_frames(models, sources):
    """``(n, n_yaws, S, S, 3)`` float frames, each step fed the previous."""
    x = torch.as_tensor(np.asarray(sources)).permute(0, 3, 1, 2).float() / 255
    mid = int(np.argmin(np.abs(FRAME_YAWS)))
    frames = {mid: x}
    with torch.no_grad():
        for i, j in chained_transitions(FRAME_YAWS):
            frames[j] = models[(i, j)](frames[i])
    out = torch.stack([frames[k] for k in range(len(FRAME_YAWS))], 1)
    return out.permute(0, 1, 3, 4, 2).numpy()


# ----------------------------------------------------------------------
# HeadTurnGenerator


def build_generator(args):
    from skface.generation import HeadTurnGenerator

    params = dict(
        image_size=args.image_size,
        width=args.width,
        frame_yaws=FRAME_YAWS,
        device=args.device,
        random_state=args.seed,
        verbose=1,
    )
    if args.batch_size:
        params["batch_size"] = args.batch_size
    if args.lr:
        params["lr"] = args.lr
    params.update(args.set or {})
    return HeadTurnGenerator(**params)


def _budget_callback(seconds):
    """A skorch callback that stops training after ``seconds`` of process CPU
    time (wall clock moves with the load of a shared machine) and counts
    the training samples drawn."""
    from skorch.callbacks import Callback

    class TimeBudget(Callback):
        # skorch takes a KeyboardInterrupt as "stop here"; skface's fit keeps
        # the weights reached and warns (TrainingInterruptedWarning)
        def __init__(self, seconds=None):
            self.seconds = seconds
            self.seen = 0

        def on_train_begin(self, net, **kwargs):
            self.stop = time.process_time() + (self.seconds or np.inf)

        def on_batch_end(self, net, batch=None, training=True, **kwargs):
            if training:
                self.seen += len(batch[0])
                if time.process_time() > self.stop:
                    raise KeyboardInterrupt

    return TimeBudget(seconds)


def train_generator(args, X, y, groups):
    """Fit for ``--epochs`` epochs, or for ``--minutes`` of CPU time.

    Returns ``(estimator, wall seconds, CPU seconds, training pairs drawn)``.
    """
    import warnings

    est = build_generator(args)
    budget = _budget_callback(None if args.epochs else 60 * args.minutes)
    est.set_params(max_epochs=args.epochs or 10_000, callbacks=[("budget", budget)])
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*interrupted")
        est.fit(X, y, groups=groups)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    est.set_params(callbacks=None)
    return est, wall, cpu, budget.seen


# ----------------------------------------------------------------------
# evaluation


class Evaluation:
    """The held-out faces, their gallery and pose, and the frame metrics."""

    def __init__(self, sources, landmarks, person, boxes, n_jobs=None):
        from skface.generation import face_embeddings
        from skface.landmarks import estimate_head_pose
        from skface.metrics import interocular_distance

        self.sources = np.asarray(sources)
        self.person = np.asarray(person)
        self.boxes = boxes  # face box (fractions) of each source's set
        self.n_jobs = n_jobs
        self.iod = interocular_distance(landmarks)
        self.gallery = np.concatenate(
            [
                face_embeddings(self.sources[rows], box=box, n_jobs=n_jobs)
                for box, rows in self._by_box()
            ]
        )[np.argsort(np.concatenate([rows for _, rows in self._by_box()]))]
        self.size = self.sources.shape[1:3]
        self.source_yaw = estimate_head_pose(landmarks)[:, 0]
        counts = {p: int((self.person == p).sum()) for p in np.unique(self.person)}
        self.alone = np.array([counts[p] == 1 for p in self.person])

    def _by_box(self):
        keys = sorted(set(self.boxes))
        for box in keys:
            yield box, np.flatnonzero([b == box for b in self.boxes])

    def embed(self, frames):
        """``(n, k, 128)`` embeddings of ``(n, k, S, S, C)`` frames."""
        from skface.generation import face_embeddings

        n, k = frames.shape[:2]
        out = np.empty((n, k, 128))
        for box, rows in self._by_box():
            flat = frames[rows].reshape(-1, *frames.shape[2:])
            emb = face_embeddings(flat, box=box, n_jobs=self.n_jobs)
            out[rows] = emb.reshape(len(rows), k, 128)
        return out

    def landmarks(self, frames):
        """``(n, k, 68, 2)`` re-detected landmarks and ``(n, k)`` HOG found."""
        n, k = frames.shape[:2]
        L = np.empty((n, k, 68, 2))
        det = np.empty((n, k), dtype=bool)
        for box, rows in self._by_box():
            flat = frames[rows].reshape(-1, *frames.shape[2:])
            lm, found = chip_landmarks(flat, box, n_jobs=self.n_jobs)
            L[rows] = lm.reshape(len(rows), k, 68, 2)
            det[rows] = found.reshape(len(rows), k)
        return L, det

    def hits(self, emb):
        """Nearest-gallery identity hits of ``(n, k, 128)`` frame embeddings."""
        n, k = emb.shape[:2]
        d = np.linalg.norm(emb[:, :, None] - self.gallery[None, None], axis=3)
        own = np.arange(n)
        d[own, :, own] = np.where(self.alone[:, None], d[own, :, own], np.inf)
        return self.person[np.argmin(d, axis=2)] == self.person[:, None]

    def score(self, name, frames, yaws=FRAME_YAWS, rows=None):
        """One table row per set (and all) for ``(n, k, S, S, C)`` frames."""
        from scipy.stats import spearmanr

        from skface.landmarks import estimate_head_pose
        from skface.metrics import sharpness_ratio

        start = time.perf_counter()
        frames = np.asarray(frames)
        emb = self.embed(frames)
        hit = self.hits(emb)
        dist = np.linalg.norm(emb - self.gallery[:, None], axis=2)
        L, det = self.landmarks(frames)
        n, k = frames.shape[:2]
        est = estimate_head_pose(L.reshape(-1, 68, 2))
        est = est[:, 0].reshape(n, k)
        far = np.abs(yaws) == np.abs(yaws).max()
        out = []
        for set_name, idx in rows or [("all", np.arange(n))]:
            r = {"method": name, "set": set_name, "faces": len(idx)}
            r["id +-20"] = float(hit[idx][:, far].mean())
            r["id all"] = float(hit[idx].mean())
            if k > 1:
                r["dist +-20"] = float(dist[idx][:, far].mean())
            if k > 2:
                rho, slope = [], []
                for i in idx:
                    rho.append(spearmanr(yaws, est[i])[0])
                    slope.append(np.polyfit(yaws, est[i], 1)[0])
                r["yaw rho"] = float(np.nanmean(rho))
                r["yaw slope"] = float(np.median(slope))
                r["yaw MAE"] = float(np.mean(np.abs(est[idx] - yaws)))
                second = L[idx, 2:] - 2 * L[idx, 1:-1] + L[idx, :-2]
                norm = np.linalg.norm(second, axis=3).mean(axis=(1, 2))
                r["smooth %"] = float(100 * np.mean(norm / self.iod[idx]))
            r["sharp"] = sharpness_ratio(
                self.sources[idx], frames[idx].reshape(-1, *frames.shape[2:])
            )
            r["det"] = float(det[idx].mean())
            out.append(r)
        print(f"  scored {name} in {time.perf_counter() - start:.0f} s", flush=True)
        return out


COLUMNS = (
    "method",
    "set",
    "faces",
    "id +-20",
    "id all",
    "dist +-20",
    "yaw rho",
    "yaw slope",
    "yaw MAE",
    "smooth %",
    "sharp",
    "det",
)


def format_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        cells = []
        for c in COLUMNS:
            v = r.get(c, "")
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def save_panel(path, sources, rows_of_frames):
    """PNG: per face, the source then each method's frames (one row each)."""
    from PIL import Image

    def u8(x):
        x = np.asarray(x)
        return (
            x
            if x.dtype == np.uint8
            else np.round(255 * np.clip(x, 0, 1)).astype(np.uint8)
        )

    lines = []
    for i, src in enumerate(sources):
        for frames in rows_of_frames:
            lines.append(np.concatenate([u8(src), *[u8(f) for f in frames[i]]], 1))
    Image.fromarray(np.concatenate(lines, 0)).save(path)
    print(f"wrote {path}")


# ----------------------------------------------------------------------
# main


def parse_set(items):
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"--set wants KEY=VALUE, got {item!r}")
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass
        out[key] = value
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0, help="generator, CPU")
    parser.add_argument("--chained-minutes", type=float, default=5.0)
    parser.add_argument("--epochs", type=int, default=None, help="instead of minutes")
    parser.add_argument("--n-utkface", type=int, default=1000, help="training faces")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=16, help="generator")
    parser.add_argument("--chained-width", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--set", nargs="+", metavar="KEY=VALUE", default=None)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument(
        "--real",
        nargs="+",
        choices=("umist", "olivetti", "none"),
        default=["umist"],
        help="real sequences added to the generator's training data",
    )
    parser.add_argument("--umist-max-yaw", type=float, default=30.0)
    parser.add_argument("--model", default=None, help="evaluate a saved generator")
    parser.add_argument("--utkface", default=str(DATA / "utkface"))
    parser.add_argument(
        "--olivetti", default=str(DATA / "olivetti" / "olivetti_faces.npz")
    )
    parser.add_argument("--umist", default=str(DATA / "umist" / "umist_faces.npz"))
    parser.add_argument("--cache-dir", default=str(CACHE))
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--n-jobs", type=int, default=None, help="dlib workers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="smoke test")
    args = parser.parse_args(argv)
    args.set = parse_set(args.set)
    if args.quick:
        args.minutes, args.chained_minutes = 0.5, 16 / 60
        args.width, args.chained_width = min(args.width, 8), min(args.chained_width, 8)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"# bench_head_turn {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC "
        f"{platform.node()} ({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, device "
        f"{args.device}{', quick' if args.quick else ''})"
    )
    missing = [
        p
        for p in (args.utkface, args.olivetti, args.umist)
        if not Path(p).exists() and not (p == args.umist and "umist" not in args.real)
    ]
    if missing:
        print(f"\nnot found: {', '.join(missing)}: head-turn benchmark skipped")
        return 0
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    # -- data
    t = time.perf_counter()
    (utk_train, utk_L), (utk_test, utk_test_L) = utkface_chips(args)
    oli_train, oli_test = olivetti_chips(args)
    print(
        f"data: UTKFace {len(utk_train)} train / {len(utk_test)} held out, Olivetti "
        f"{len(oli_train[0])} train (persons 0-29) / {len(oli_test[0])} held out "
        f"(persons 30-39); landmarks in {time.perf_counter() - t:.0f} s",
        flush=True,
    )
    t = time.perf_counter()
    train_faces = np.concatenate([utk_train, oli_train[0]])
    train_L = np.concatenate([utk_L, oli_train[1]])
    seqs, views = synthetic_sequences(train_faces, train_L, FRAME_YAWS)
    print(
        f"synthetic: {len(seqs)} faces x {len(FRAME_YAWS)} yaws = {len(views.images)} "
        f"views in {time.perf_counter() - t:.0f} s",
        flush=True,
    )

    # -- held-out faces
    sources = np.concatenate([oli_test[0], utk_test])
    src_L = np.concatenate([oli_test[1], utk_test_L])
    person = np.concatenate([oli_test[2], 1000 + np.arange(len(utk_test))])
    n_oli = len(oli_test[0])
    boxes = [WHOLE_BOX] * n_oli + [tuple(_face_box())] * len(utk_test)
    sets = [
        ("Olivetti 30-39", np.arange(n_oli)),
        ("UTKFace held out", np.arange(n_oli, len(sources))),
        ("both", np.arange(len(sources))),
    ]
    t = time.perf_counter()
    ev = Evaluation(sources, src_L, person, boxes, n_jobs=args.n_jobs)
    print(f"gallery and source poses in {time.perf_counter() - t:.0f} s", flush=True)
    rows = ev.score("real photos", sources[:, None], yaws=np.zeros(1), rows=sets)
    for name, idx in sets[:2]:
        q = np.percentile(ev.source_yaw[idx], [0, 50, 100])
        print(
            f"  {name}: estimated yaw of the photos min {q[0]:+.1f}, median "
            f"{q[1]:+.1f}, max {q[2]:+.1f}, median |yaw| "
            f"{np.median(np.abs(ev.source_yaw[idx])):.1f} deg"
        )
    frames = {}

    if "warp" in args.methods:
        t = time.perf_counter()
        warped, _ = synthetic_sequences(sources, src_L, FRAME_YAWS)
        frames["warp"] = warped
        print(f"warp: {len(warped)} sequences in {time.perf_counter() - t:.0f} s")
        rows += ev.score("warp (make_head_turn_pairs)", warped, rows=sets)

    if "chained" in args.methods:
        t, cpu = time.perf_counter(), time.process_time()
        models, seen = train_chained(
            seqs, 60 * args.chained_minutes, args.chained_width, args.seed
        )
        print(
            f"chained: {len(models)} StepAE(width={args.chained_width}) trained in "
            f"{time.process_time() - cpu:.0f} CPU s ({time.perf_counter() - t:.0f} s "
            f"wall), {seen} pairs drawn in all",
            flush=True,
        )
        frames["chained"] = chained_frames(models, sources)
        rows += ev.score("chained StepAE (seed-style)", frames["chained"], rows=sets)

    if "generator" in args.methods:
        from skface.generation import HeadTurnGenerator

        # the training faces themselves (at their own yaw) and their views
        kept = np.unique(views.groups)
        X = np.concatenate([train_faces[kept], views.images])
        y = np.concatenate([views.source_yaws, views.yaws])
        groups = np.concatenate([kept, views.groups])
        parts = [f"{len(kept)} faces + {len(views.images)} synthetic views"]
        if "umist" in args.real:
            u_X, u_y, u_g, u_found = umist_sequences(args)
            print(
                f"UMIST: dlib found {u_found} views; {len(u_X)} within "
                f"+-{args.umist_max_yaw:g} deg in {len(np.unique(u_g))} people",
                flush=True,
            )
            X = np.concatenate([X, u_X])
            y = np.concatenate([y, u_y])
            groups = np.concatenate([groups, groups.max() + 1 + u_g])
            parts.append(f"UMIST {len(u_X)} real")
        if "olivetti" in args.real:
            o_X, o_y, o_g = olivetti_sequences(oli_train)
            X = np.concatenate([X, o_X])
            y = np.concatenate([y, o_y])
            groups = np.concatenate([groups, groups.max() + 1 + o_g])
            parts.append(f"Olivetti {len(o_X)} real")
        if args.model:
            gen = HeadTurnGenerator.load(args.model, device=args.device)
            fit_s = float("nan")
            print(f"generator: loaded {args.model} ({gen.n_iter_} epochs)")
        else:
            gen, fit_s, cpu_s, seen = train_generator(args, X, y, groups)
            gen.save(out_dir / "head_turn.safetensors")
            print(
                f"generator (width {gen.width}, output {gen.output!r}): {seen} "
                f"training pairs drawn ({seen / len(X):.2f} epochs of {len(X)} "
                f"images: {', '.join(parts)}) in {cpu_s:.0f} CPU s ({fit_s:.0f} s "
                f"wall), {seen / cpu_s:.1f} pairs per CPU s; saved "
                f"{out_dir / 'head_turn.safetensors'}",
                flush=True,
            )
        t = time.perf_counter()
        frames["generator"] = np.asarray(gen.transform(sources, yaws=FRAME_YAWS))
        print(f"generator: frames in {time.perf_counter() - t:.1f} s")
        rows += ev.score("HeadTurnGenerator", frames["generator"], rows=sets)

    print("\n" + format_table(rows))
    first = np.unique(oli_test[2], return_index=True)[1]  # one photo per person
    pick = np.r_[first[:: max(1, len(first) // 3)][:3], n_oli + np.arange(3)]
    panel = {name: f[pick] for name, f in frames.items()}
    if "warp" not in panel:  # the warp is cheap: shown next to the others
        warp = synthetic_sequences(sources[pick], src_L[pick], FRAME_YAWS)[0]
        panel = {"warp": warp, **panel}
    save_panel(out_dir / "head_turn_frames.png", sources[pick], list(panel.values()))
    print(f"  (panel rows per face: source + {', '.join(panel)})")
    if "generator" in frames:
        from skface.utils import save_animation

        save_animation(
            frames["generator"][pick], out_dir / "head_turn.gif", pingpong=True
        )
        print(f"wrote {out_dir / 'head_turn.gif'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
