"""Front end at scale: images/s, per-image time and peak memory vs folder size.

The front end is detect (``HOGFaceDetector``) -> 68 landmarks
(``LandmarkExtractor`` on the boxes) -> align (``FaceExtractor`` chips from
the landmarks) -> encode (``DlibFaceEncoder`` on the boxes). It runs over a
folder of JPEG files, read from their paths in batches (``--batch-size``), so
no run ever holds all the photos, in four modes:

* ``n_jobs=1``: one process;
* ``n_jobs=2``: the estimators' own joblib workers (threads for HOG and the
  landmarks, loky processes for the warps and the encoder);
* ``dask-joblib``: the same batch loop with ``n_jobs=None`` inside
  ``joblib.parallel_config(backend='dask')`` on a 2-worker
  ``distributed.LocalCluster`` (one thread each); the photos are read by the
  driver and shipped to the workers;
* ``dask-map``: ``client.map`` over chunks of *paths* on the same cluster;
  each worker reads its photos and runs the whole front end with
  ``n_jobs=1`` (the fitted estimators are scattered once: they pickle
  without native handles, which each worker builds once).

Each (mode, size) runs in a fresh process: models are loaded, the cluster
started and a warm-up batch run before the clock starts (the "setup"
column). Peak memory is sampled every 0.2 s over the driver and all its
child processes (workers, nannies) together, and is also given for the
driver alone (``ru_maxrss``). The photos are written once to ``--data``:
real UTKFace faces (``../shared/data/utkface``, 200x200 JPEG) alternating
with synthetic ones (``make_synthetic_faces(size=200)``); without the shared
data, all are synthetic (said in the output).

Run from the repository root::

    python benchmarks/bench_scale.py --quick   # 16 / 48 images, minutes (setup-bound)
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_scale.py
    python benchmarks/bench_scale.py --sizes 10000 --stages detect landmarks align
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
UTKFACE = ROOT.parent / "shared" / "data" / "utkface"
MODES = ("n_jobs=1", "n_jobs=2", "dask-joblib", "dask-map")
STAGES = ("detect", "landmarks", "align", "encode")
SIDE = 200  # pixels of every photo (UTKFace's size)


# --------------------------------------------------------------------------
# Data: written once, read from paths


def prepare(folder, n):
    """Write ``n`` photos to ``folder`` (kept between runs); their paths."""
    from PIL import Image

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.txt"
    if index.exists():
        names = index.read_text().split()
        if len(names) >= n:
            return [str(folder / name) for name in names[:n]]
    real = sorted(UTKFACE.glob("*.jpg")) if UTKFACE.is_dir() else []
    names, n_real, t0 = [], 0, time.perf_counter()
    synth, used = [], 0
    for i in range(n):
        if i % 2 == 0 and n_real < len(real):  # real and synthetic alternate
            name = f"{i:06d}_real.jpg"
            shutil.copyfile(real[n_real], folder / name)
            n_real += 1
        else:
            if used == len(synth):
                from skface.datasets import make_synthetic_faces

                synth = make_synthetic_faces(
                    250, size=SIDE, random_state=len(names)
                ).images
                used = 0
            name = f"{i:06d}_synthetic.jpg"
            Image.fromarray(synth[used]).save(folder / name, quality=95)
            used += 1
        names.append(name)
    index.write_text("\n".join(names) + "\n")
    print(
        f"wrote {n} photos ({n_real} UTKFace, {n - n_real} synthetic) to "
        f"{folder} in {time.perf_counter() - t0:.0f} s",
        file=sys.stderr,
    )
    return [str(folder / name) for name in names]


# --------------------------------------------------------------------------
# The front end


def build_front_end(n_jobs, stages):
    """Fitted estimators (pretrained models), as a dict."""
    from skface.alignment import FaceExtractor
    from skface.detection import HOGFaceDetector
    from skface.features import DlibFaceEncoder
    from skface.landmarks import LandmarkExtractor

    blank = [np.zeros((64, 64, 3), np.uint8)]  # pretrained: fit data unused
    # upsample=0: the faces of 200-pixel photos are larger than the 80-pixel
    # window of the pretrained detector.
    det = HOGFaceDetector(upsample=0, on_missing="nan", n_jobs=n_jobs).fit(blank)
    parts = {"detect": det}
    if "landmarks" in stages:
        parts["landmarks"] = LandmarkExtractor(
            detector=det, on_missing="nan", n_jobs=n_jobs
        ).fit(blank)
    if "align" in stages:
        parts["align"] = FaceExtractor(
            128,
            landmark_extractor=parts.get("landmarks"),
            on_missing="whole",
            n_jobs=n_jobs,
        ).fit(blank)
    if "encode" in stages:
        parts["encode"] = DlibFaceEncoder(
            detector=det, on_missing="nan", n_jobs=n_jobs
        ).fit(blank)
    return parts


def run_front_end(parts, images):
    """Run the stages on a batch; a small summary (nothing is kept)."""
    boxes = parts["detect"].transform(images)
    found = np.isfinite(boxes).all(axis=1)
    out = {"images": len(images), "faces": int(found.sum()), "checksum": 0.0}
    if "landmarks" in parts:
        L = parts["landmarks"].landmarks(images, boxes=boxes)
        out["checksum"] += float(np.nansum(L))
        if "align" in parts:
            chips = parts["align"].extract(images, landmarks=L).chips
            out["checksum"] += float(
                chips[found].astype(np.float64).mean(axis=(1, 2, 3)).sum()
            )
    if "encode" in parts:
        E = parts["encode"].transform(images, boxes=boxes)
        out["checksum"] += float(np.nansum(E))
    return out


def read_batch(paths):
    from skface.utils.validation import check_images

    return check_images(list(paths), dtype="uint8", channels="rgb", stack=False)


def run_chunk(paths, parts):
    """Read the photos of ``paths`` and run the front end (in a worker)."""
    return run_front_end(parts, read_batch(paths))


def _add(total, part):
    for key, value in part.items():
        total[key] = total.get(key, 0) + value
    return total


# --------------------------------------------------------------------------
# Memory


class PeakRSS:
    """Peak of the summed RSS of this process and its children (sampled)."""

    def __init__(self, interval=0.2):
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def sample(self):
        import psutil

        total = self._proc.memory_info().rss
        for child in self._proc.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # exited meanwhile
                pass
        self.peak = max(self.peak, total)

    def _loop(self):
        while not self._stop.wait(self._interval):
            self.sample()

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()


# --------------------------------------------------------------------------
# One measurement (in its own process)


def measure(mode, paths, stages, batch_size):
    import joblib

    t0 = time.perf_counter()
    warm, rest = paths[:8], paths
    client = cluster = None
    if mode.startswith("dask"):
        import distributed

        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )
        client = distributed.Client(cluster)
    n_jobs = {"n_jobs=1": 1, "n_jobs=2": 2, "dask-joblib": None, "dask-map": 1}[mode]
    parts = build_front_end(n_jobs, stages)
    batches = [rest[i : i + batch_size] for i in range(0, len(rest), batch_size)]
    total = {}
    with PeakRSS() as mem:
        if mode == "dask-map":
            shared = client.scatter(parts, broadcast=True)
            client.run(run_chunk, warm, parts)  # every worker loads the models
            setup = time.perf_counter() - t0
            t1 = time.perf_counter()
            futures = client.map(run_chunk, batches, parts=shared, pure=False)
            for future in distributed.as_completed(futures):
                _add(total, future.result())
                future.release()
        else:
            context = (
                joblib.parallel_config(backend="dask")
                if mode == "dask-joblib"
                else joblib.parallel_config()
            )
            with context:
                run_front_end(parts, read_batch(warm))  # models, workers
                setup = time.perf_counter() - t0
                t1 = time.perf_counter()
                for batch in batches:
                    _add(total, run_front_end(parts, read_batch(batch)))
        wall = time.perf_counter() - t1
    if client is not None:
        client.close()
        cluster.close()
    return {
        "mode": mode,
        "n": len(rest),
        "stages": list(stages),
        "setup_s": setup,
        "wall_s": wall,
        "faces": total.get("faces", 0),
        "checksum": total.get("checksum", 0.0),
        "peak_rss_all_mb": mem.peak / 2**20,
        "peak_rss_driver_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load": os.getloadavg()[0],
    }


def run_child(mode, data, n, stages, batch_size, timeout):
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--data",
        str(data),
        "--sizes",
        str(n),
        "--batch-size",
        str(batch_size),
        "--stages",
        *stages,
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"mode": mode, "n": n, "error": f"timed out after {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = " ".join(proc.stderr.strip().splitlines()[-3:])[:300]
    return {"mode": mode, "n": n, "error": f"exit {proc.returncode}: {tail}"}


def _machine():
    import dlib

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, dlib {dlib.__version__}"
    )


def print_table(rows):
    print(
        "| mode | images | setup s | wall s | images/s | ms/image | faces found "
        "| peak RSS, all processes (MiB) | peak RSS, driver (MiB) | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['mode']} | {r['n']:,} | {r['error']} |||||||")
            continue
        rate = r["n"] / r["wall_s"]
        print(
            f"| {r['mode']} | {r['n']:,} | {r['setup_s']:.1f} | {r['wall_s']:.1f} "
            f"| {rate:.1f} | {1000 / rate:.1f} | {r['faces']:,} "
            f"| {r['peak_rss_all_mb']:.0f} | {r['peak_rss_driver_mb']:.0f} "
            f"| {r['load']:.1f} |"
        )


def check_agreement(rows):
    """Every mode must find the same faces and give the same outputs."""
    by_n = {}
    for r in rows:
        if "error" not in r:
            by_n.setdefault(r["n"], []).append(r)
    ok = True
    for n, group in by_n.items():
        faces = {r["faces"] for r in group}
        sums = np.array([r["checksum"] for r in group])
        same = len(faces) == 1 and np.allclose(sums, sums[0], rtol=1e-9, atol=1e-6)
        ok &= same
        print(
            f"- {n:,} images: faces found {sorted(faces)}, output checksums "
            f"{'identical across modes' if same else 'DIFFER: ' + str(sums)}"
        )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="16 and 48 images")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--data",
        default=None,
        help="folder of the generated photos (default: benchmarks/out/scale_photos; "
        "a temporary folder with --quick)",
    )
    parser.add_argument("--timeout", type=float, default=7200, help="per run, s")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    stages = [s for s in STAGES if s in args.stages]
    if "detect" not in stages:
        parser.error("--stages must include detect")
    if args.child:
        paths = prepare(args.data, args.sizes[0])
        print(json.dumps(measure(args.child, paths, stages, args.batch_size)))
        return 0
    sizes = [16, 48] if args.quick else args.sizes
    tmp = tempfile.TemporaryDirectory() if args.quick and args.data is None else None
    data = Path(tmp.name if tmp else args.data or ROOT / "benchmarks/out/scale_photos")
    prepare(data, max(sizes))
    start = datetime.now(timezone.utc)
    print(f"## Front end at scale ({start:%Y-%m-%d %H:%M} UTC, {_machine()})\n")
    source = "UTKFace + synthetic" if UTKFACE.is_dir() else "synthetic only"
    print(
        f"Stages: {' -> '.join(stages)}; photos {SIDE}x{SIDE} JPEG ({source}), "
        f"read from paths in batches of {args.batch_size}; load average at the "
        f"start {os.getloadavg()[0]:.1f}\n"
    )
    rows = []
    for n in sizes:
        for mode in args.modes:
            row = run_child(mode, data, n, stages, args.batch_size, args.timeout)
            rows.append(row)
            print(f"done: {mode} n={n}: {row}", file=sys.stderr, flush=True)
    print_table(rows)
    print()
    ok = check_agreement(rows)
    end = datetime.now(timezone.utc)
    print(
        f"\nTotal {(end - start).total_seconds() / 60:.1f} min; load average at "
        f"the end {os.getloadavg()[0]:.1f}"
    )
    if tmp:
        tmp.cleanup()
    return 0 if ok and not any("error" in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
