"""FaceAutoencoder on Olivetti: reconstruction of unseen people, speed, anomalies.

All in one run, on ``../shared/data/olivetti/olivetti_faces.npz`` (train on
persons 0-29, test on persons 30-39, never seen in training), 64x64 grey:

1. Test PSNR and SSIM at a 128-number code: ``FaceAutoencoder`` ('dcgan'
   encoder) vs PCA with 128 components (fitted on the training faces, and on
   the training faces plus their mirror images, the augmentation the
   autoencoder trains with) vs down-sampling to 11x11 and bicubic
   up-sampling (121 numbers).
2. ``embedding_dim`` sweep 16/32/64/128/256: test PSNR of the autoencoder
   and of PCA.
3. Training throughput (images/s) of ``FaceAutoencoder`` vs a plain PyTorch
   loop with the same module, data, batch size, flips and optimizer
   (alternating rounds, each going first in half of them; median epoch
   time; the fit's one-off set-up is reported apart), with the minor page
   faults per epoch: with glibc's default allocator, the activations of
   64x64 batches are often handed back to the system and faulted in again,
   which costs both loops 10-25% of their speed, by an amount that
   depends on what ran before. Fixing glibc's thresholds (both: setting one
   turns off the dynamic adjustment of the other) or jemalloc/tcmalloc
   removes that; run the section both ways::

       python benchmarks/bench_autoencoders.py --only throughput
       MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \
           python benchmarks/bench_autoencoders.py --only throughput

4. Anomaly detection: ROC AUC of ``score_samples`` (reconstruction error
   relative to the image's own variance) for held-out faces vs non-faces in
   scikit-image's LFW subset (trained on 70 of its faces), next to the plain
   squared error and PCA's errors as baselines.
5. Anonymisation (helper script ``bench_anonymization.py``), when present.

Run from the repository root::

    python benchmarks/bench_autoencoders.py [--quick] [--epochs 30]
        [--olivetti ../shared/data/olivetti/olivetti_faces.npz]
        [--only quality throughput anomaly anonymisation] [--rounds 4]
"""

from __future__ import annotations

import argparse
import copy
import datetime
import importlib.util
import inspect
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback

from skface.autoencoders import FaceAutoencoder
from skface.datasets import load_lfw_subset, load_olivetti_faces
from skface.metrics import psnr, ssim

ROOT = Path(__file__).resolve().parents[1]
DIMS = (16, 32, 64, 128, 256)
SECTIONS = ["quality", "throughput", "anomaly", "anonymisation"]


def load(path):
    data = load_olivetti_faces(path)
    train = data.target < 30
    return data.images[train], data.images[~train]


def as_float(images):
    return images.astype(np.float32) / 255.0


def pca_reconstruct(train, test, k, flips=False, seed=0):
    from sklearn.decomposition import PCA

    X = as_float(train).reshape(len(train), -1)
    if flips:
        X = np.concatenate([X, as_float(train)[..., ::-1].reshape(len(train), -1)])
    pca = PCA(k, random_state=seed).fit(X)
    rows = as_float(test).reshape(len(test), -1)
    out = pca.inverse_transform(pca.transform(rows))
    return np.clip(out, 0, 1).reshape(test.shape).astype(np.float32)


def bicubic_reconstruct(test, side=11):
    from skimage.transform import resize

    out = [
        resize(resize(x, (side, side), order=3, anti_aliasing=True), x.shape, order=3)
        for x in as_float(test)
    ]
    return np.clip(np.stack(out), 0, 1).astype(np.float32)


def autoencoder(dim, epochs, seed=0, **params):
    return FaceAutoencoder(
        dim,
        encoder="dcgan",
        max_epochs=epochs,
        device="cpu",
        random_state=seed,
        **params,
    )


# ----------------------------------------------------------------------
# 1 and 2: reconstruction quality


def quality(train, test, epochs, dims):
    truth = as_float(test)
    rows, sweep = [], []
    for dim in dims:
        start = time.perf_counter()
        ae = autoencoder(dim, epochs).fit(train)
        fit_s = time.perf_counter() - start
        rec = ae.reconstruct(test)
        pca = pca_reconstruct(train, test, dim)
        pca_flip = pca_reconstruct(train, test, dim, flips=True)
        sweep.append((dim, psnr(truth, rec), psnr(truth, pca), psnr(truth, pca_flip)))
        if dim == 128:
            # the PCA-initialised start, practically untrained: one epoch at a
            # negligible learning rate (the convolutional paths start at zero)
            start_only = autoencoder(dim, 1, lr=1e-12).fit(train).reconstruct(test)
            rows = [
                ("FaceAutoencoder (dcgan, 128)", 128, rec, f"{fit_s:.0f} s fit"),
                ("same, at its PCA start (untrained)", 128, start_only, ""),
                ("PCA(128)", 128, pca, ""),
                ("PCA(128), train + mirrored", 128, pca_flip, ""),
                ("11x11 + bicubic", 121, bicubic_reconstruct(test), ""),
            ]
    print("\n## Unseen people (Olivetti persons 30-39), 64x64\n")
    print("| method | numbers | test PSNR (dB) | test SSIM | note |")
    print("|---|---|---|---|---|")
    for name, n, rec, note in rows:
        quality = f"{psnr(truth, rec):.2f} | {ssim(truth, rec):.3f}"
        print(f"| {name} | {n} | {quality} | {note} |")
    print("\n## embedding_dim sweep (test PSNR, dB)\n")
    print("| dim | FaceAutoencoder | PCA | PCA train + mirrored |")
    print("|---|---|---|---|")
    for dim, a, p, pf in sweep:
        print(f"| {dim} | {a:.2f} | {p:.2f} | {pf:.2f} |")


# ----------------------------------------------------------------------
# 3: throughput vs a plain loop


class _EpochTimes(Callback):
    def initialize(self):
        self.times_, self.faults_ = [], []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.faults_start_ = _minor_faults()
        self.start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        self.times_.append(time.perf_counter() - self.start_)
        self.faults_.append(_minor_faults() - self.faults_start_)


def plain_loop(module, inputs, epochs, batch_size, lr, seed=0):
    """Hand-written loop: same flips, shifts, loss, Adam, lr groups, cosine."""
    from skface.nn import ReconstructionLoss
    from skface.nn._autoencoder import _shift_batch

    torch.manual_seed(seed)
    X = torch.from_numpy(inputs)
    linear = [p for n, p in module.named_parameters() if n.startswith("linear_")]
    conv = [p for n, p in module.named_parameters() if not n.startswith("linear_")]
    optimizer = torch.optim.Adam(
        [{"params": conv, "scale": 1.0}, {"params": linear, "scale": 0.01}], lr=lr
    )
    criterion = ReconstructionLoss("mse")
    times = []
    for epoch in range(epochs):
        start = time.perf_counter()
        for group in optimizer.param_groups:
            factor = 0.5 * (1 + np.cos(np.pi * epoch / epochs))
            group["lr"] = lr * group["scale"] * factor
        module.train()
        order = torch.randperm(len(X))
        total = 0.0
        for i in range(0, len(X), batch_size):
            xb = X[order[i : i + batch_size]]
            flip = (torch.rand(len(xb)) < 0.5).view(-1, 1, 1, 1)
            xb = torch.where(flip, xb.flip(-1), xb)
            dy, dx = torch.randint(-2, 3, (2, len(xb)))
            xb = _shift_batch(xb, dy, dx)
            optimizer.zero_grad()
            loss = criterion(module(xb), xb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        times.append(time.perf_counter() - start)
    return np.array(times)


def _minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def throughput(train, epochs, rounds):
    """Median epoch throughput of the estimator and the plain loop.

    Round 0 fits the estimator once (warm-up; its module is the template the
    plain loop trains copies of). Then the two alternate, the estimator first
    in even rounds and the plain loop first in odd ones, because the C
    allocator's state left by whichever ran before moves the next one's
    speed (see the page-fault column).
    """
    batch_size, lr = 32, 1e-3
    times = {"estimator": [], "plain": []}
    faults = {"estimator": [], "plain": []}
    setups = []
    warm = autoencoder(128, 1, seed=0, batch_size=batch_size).fit(train)
    template = warm.net_.module_
    inputs = as_float(train)[:, None]

    def run_estimator(r):
        clock = _EpochTimes()
        ae = autoencoder(128, epochs, seed=r, callbacks=[clock], batch_size=batch_size)
        start = time.perf_counter()
        ae.fit(train)
        setups.append(time.perf_counter() - start - sum(clock.times_))
        times["estimator"] += clock.times_
        faults["estimator"] += clock.faults_

    def run_plain(r):
        fresh = copy.deepcopy(template)  # same module, its own tensors
        before = _minor_faults()
        seconds = plain_loop(fresh, inputs, epochs, batch_size, lr, seed=r)
        times["plain"] += list(seconds)
        faults["plain"] += [(_minor_faults() - before) / epochs] * epochs

    for r in range(1, rounds + 1):
        order = (run_estimator, run_plain) if r % 2 else (run_plain, run_estimator)
        for run in order:
            run(r)
    n = len(train)
    est, plain = n / np.median(times["estimator"]), n / np.median(times["plain"])
    malloc = {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}
    print(
        f"\n## Training throughput ({n} images 64x64, batch {batch_size}, Adam; "
        f"{rounds} rounds x {epochs} epochs; "
        f"allocator settings: {malloc or 'default'})\n"
    )
    print(
        "| loop | images/s (median epoch) | minor page faults / epoch "
        "| fit set-up (s) |"
    )
    print("|---|---|---|---|")
    print(f"| plain PyTorch | {plain:.0f} | {np.median(faults['plain']):.0f} | |")
    print(
        f"| FaceAutoencoder | {est:.0f} | {np.median(faults['estimator']):.0f} "
        f"| {np.median(setups):.2f} |"
    )
    print(f"\nFaceAutoencoder / plain: {est / plain:.3f}")


# ----------------------------------------------------------------------
# 4: anomaly detection


def anomaly(epochs):
    from sklearn.decomposition import PCA
    from sklearn.metrics import roc_auc_score

    lfw = load_lfw_subset()
    faces, others = lfw.images[lfw.target == 1], lfw.images[lfw.target == 0]
    train, held_out = faces[:70], faces[70:]
    X = np.concatenate([held_out, others])
    y = np.r_[np.ones(len(held_out)), np.zeros(len(others))]
    ae = FaceAutoencoder(
        16, input_size=32, max_epochs=epochs, device="cpu", random_state=0
    ).fit(train)
    auc_ae = roc_auc_score(y, ae.score_samples(X))
    recon = ae.reconstruct(X).reshape(len(X), -1)
    target = ae._inputs_targets(X, inputs=False)[0].reshape(len(X), -1)
    auc_ae_mse = roc_auc_score(y, -((recon - target) ** 2).mean(1))
    conv = FaceAutoencoder(
        16,
        input_size=32,
        linear_path="none",
        max_epochs=epochs,
        device="cpu",
        random_state=0,
    ).fit(train)
    auc_conv = roc_auc_score(y, conv.score_samples(X))
    pca = PCA(16, random_state=0).fit(train.reshape(len(train), -1))
    flat = X.reshape(len(X), -1)
    err = ((pca.inverse_transform(pca.transform(flat)) - flat) ** 2).mean(1)
    auc_pca = roc_auc_score(y, -err)
    auc_pca_rel = roc_auc_score(y, -err / (flat.var(1) + 1e-3))
    print("\n## Anomaly detection, LFW subset (70 faces to train; 30 faces vs 100")
    print("non-faces to score)\n")
    print("| score | ROC AUC |")
    print("|---|---|")
    print(f"| FaceAutoencoder(16).score_samples (relative error) | {auc_ae:.3f} |")
    print(f"| FaceAutoencoder(16), plain negative MSE | {auc_ae_mse:.3f} |")
    print(f"| FaceAutoencoder(16, linear_path='none').score_samples | {auc_conv:.3f} |")
    print(f"| PCA(16), relative error (same definition) | {auc_pca_rel:.3f} |")
    print(f"| PCA(16), plain negative MSE | {auc_pca:.3f} |")


# ----------------------------------------------------------------------
# 5: anonymisation (helper script)


def anonymisation(olivetti, quick):
    path = ROOT / "benchmarks" / "bench_anonymization.py"
    if not path.exists():
        print("\n(bench_anonymization.py not found: anonymisation skipped)")
        return
    spec = importlib.util.spec_from_file_location("bench_anonymization", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    accepted = inspect.signature(module.run).parameters
    kwargs = {
        k: v for k, v in {"olivetti": olivetti, "quick": quick}.items() if k in accepted
    }
    rows = module.run(**kwargs)
    print("\n## Anonymisation (bench_anonymization.run)\n")
    if rows and isinstance(rows[0], dict):
        keys = list(rows[0])
        print("| " + " | ".join(keys) + " |")
        print("|" + "---|" * len(keys))
        for row in rows:
            print("| " + " | ".join(_fmt(row.get(k)) for k in keys) + " |")
    else:
        for row in rows or []:
            print(row)


def _fmt(value):
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--olivetti",
        default=str(
            ROOT / ".." / "shared" / "data" / "olivetti" / "olivetti_faces.npz"
        ),
    )
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="few epochs, 2 dims")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        default=SECTIONS,
        help="run these sections only",
    )
    parser.add_argument(
        "--rounds", type=int, default=4, help="throughput rounds (even: both orders)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    epochs = 3 if args.quick else args.epochs
    start = time.perf_counter()
    print(
        f"# bench_autoencoders {datetime.date.today()} {platform.node()} "
        f"({os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, {epochs} epochs)"
    )
    olivetti = {"quality", "throughput"} & set(args.only)
    if olivetti and Path(args.olivetti).exists():
        train, test = load(args.olivetti)
        if "quality" in args.only:
            quality(train, test, epochs, (16, 128) if args.quick else DIMS)
        if "throughput" in args.only:
            throughput(train, 2 if args.quick else 3, 2 if args.quick else args.rounds)
    elif olivetti:
        print(f"\n({args.olivetti} not found: Olivetti parts skipped)")
    if "anomaly" in args.only:
        anomaly(epochs)
    if "anonymisation" in args.only:
        anonymisation(args.olivetti, args.quick)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
