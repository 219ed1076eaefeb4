"""Calibration of the offline face-quality panel (issue 11, "Metric").

The panel (:func:`skface.metrics.face_generation_report`) scores generated
faces on dlib's 128-d face embeddings, HOG detections, 68 landmarks and the
Laplacian sharpness. This script measures what its figures mean on real
faces and on simple degradations of them, so that a GAN's figures can be
read against them:

1. **Olivetti** (``../shared/data/olivetti/olivetti_faces.npz``, 400 grey
   64x64 faces of 40 people, cropped tightly: ``box=(0, 0, 1, 1)``). The
   real set is persons 0-19 (200 faces); every other row is 200 faces built
   from persons 20-39, *new people*: as they are (the real-vs-real floor),
   blurred (Gaussian, sigma 2 px), reconstructed from a 10-component PCA fit
   on them, mode collapse (one face repeated 200 times; 5 faces repeated
   40 times each), and with Gaussian pixel noise (sigma 0.05 and 0.1 on the
   [0, 1] scale, clipped). KID uses 100 subsets of 100 faces (hence a
   spread); the issue quotes, for orientation, real-vs-real 0.48, blur
   1.82, PCA-10 1.16, collapse 1.44, noise 3.5-5.3 (KID x 1000).
2. **UTKFace** (``../shared/data/utkface``, aligned 200x200 colour faces,
   shrunk to 64x64 as the GANs of issue 11 see them): 2,000 random files
   (seed 0) split into two disjoint sets of 1,000, the real set and the
   floor set (UTKFace has no identities, so the floor is "other images",
   not strictly other people). Every panel entry of floor vs real, with the
   defaults (``box=FACE_BOX``, KID on one subset of all 1,000 faces), and the
   landmark-error floor: the floor set's conditions are the 68 landmarks
   found on the 200-pixel originals (HOG box, or ``FACE_BOX`` when HOG
   misses), scaled to 64 px, and compared with those re-detected on the
   64-pixel faces by the panel.

Everything is seeded; BLAS uses one thread. Run from the repository root::

    python benchmarks/bench_face_metrics.py           # ~5-10 min on 2 cores
    python benchmarks/bench_face_metrics.py --quick   # 60 / 200 faces, ~2 min
    python benchmarks/bench_face_metrics.py --only utkface   # one section

It needs ``../shared/data`` and says so (exit status 0, nothing measured)
when it is missing. Paste the printed tables into ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy loads BLAS

import argparse  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "shared" / "data"
OLIVETTI = DATA / "olivetti" / "olivetti_faces.npz"
UTKFACE = DATA / "utkface"
TIGHT = (0.0, 0.0, 1.0, 1.0)


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


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


HEADER = [
    "set",
    "KID x1000 (std)",
    "FD",
    "recall k=20",
    "pair rate <0.6",
    "HOG rate",
    "sharpness ratio",
]


def _row(name, r, suffix=""):
    def g(key):
        return r[key + suffix]

    return [
        name,
        f"{1000 * g('kid'):.3f} ({1000 * g('kid_std'):.3f})",
        f"{g('fd'):.3f}",
        f"{g('recall_k20'):.3f}",
        f"{g('pair_rate'):.4f}",
        f"{g('hog_detection_rate'):.3f}",
        f"{g('sharpness_ratio'):.2f}",
    ]


# ------------------------------------------------------------------ Olivetti
def olivetti(quick):
    from scipy.ndimage import gaussian_filter
    from sklearn.decomposition import PCA

    from skface.generation._quality import face_embeddings, face_generation_report

    data = np.load(OLIVETTI)
    images = data["images"].astype(np.float32) / 255.0
    target = data["target"]
    real, new = images[target < 20], images[target >= 20]
    if quick:
        real, new = real[::3][:60], new[::3][:60]
    n = len(real)
    rng = np.random.default_rng(0)

    flat = new.reshape(n, -1)
    pca = PCA(10, random_state=0).fit(flat)
    pca10 = np.clip(pca.inverse_transform(pca.transform(flat)), 0, 1)
    five = rng.choice(n, 5, replace=False)
    sets = {
        "real vs real (new people)": new,
        "blur sigma=2": gaussian_filter(new, (0, 2, 2)),
        "PCA-10 reconstructions": pca10.reshape(new.shape).astype(np.float32),
        "collapse: 1 face x n": np.repeat(new[:1], n, axis=0),
        "collapse: 5 faces x n/5": np.repeat(new[five], n // 5, axis=0),
        "noise sigma=0.05": np.clip(new + rng.normal(0, 0.05, new.shape), 0, 1),
        "noise sigma=0.1": np.clip(new + rng.normal(0, 0.1, new.shape), 0, 1),
    }
    t0 = time.perf_counter()
    emb_real = face_embeddings(real, box=TIGHT)
    emb_new = face_embeddings(new, box=TIGHT)
    given = {
        "collapse: 1 face x n": np.repeat(emb_new[:1], n, axis=0),
        "collapse: 5 faces x n/5": np.repeat(emb_new[five], n // 5, axis=0),
        "real vs real (new people)": emb_new,
    }
    rows = []
    for name, fake in sets.items():
        r = face_generation_report(
            real,
            fake.astype(np.float32),
            emb_real=emb_real,
            emb_fake=given.get(name),
            n_subsets=100,
            subset_size=min(100, n // 2),
            box=TIGHT,
            random_state=0,
        )
        rows.append(_row(name, r))
        print(f"  olivetti {name}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    rows.append(["pair rate of the real set", "", "", "", f"{r['pair_rate_real']:.4f}"])
    return rows, n, time.perf_counter() - t0


# ------------------------------------------------------------------ UTKFace
def utkface(quick):
    from skface.detection import HOGFaceDetector
    from skface.generation._quality import FACE_BOX, face_generation_report
    from skface.landmarks import LandmarkExtractor
    from skface.utils import read_image, resize

    files = sorted(UTKFACE.glob("*.jpg"))
    n = 200 if quick else 1000
    pick = np.random.default_rng(0).choice(len(files), 2 * n, replace=False)
    t0 = time.perf_counter()
    originals = [read_image(files[i]) for i in pick]
    small = np.stack([resize(im, 64) for im in originals])
    real, floor = small[:n], small[n:]

    # Conditions of the floor set: 68 landmarks on the 200-px originals.
    big = originals[n:]
    dets = HOGFaceDetector(upsample=0, clip=False).detect(big)
    boxes = np.array(
        [
            d[0, :4]
            if len(d)
            else np.multiply(FACE_BOX, [*im.shape[1::-1], *im.shape[1::-1]])
            for d, im in zip(dets, big)
        ]
    )
    found = np.mean([len(d) > 0 for d in dets])
    scale = np.array([[64 / im.shape[1], 64 / im.shape[0]] for im in big])
    conditions = LandmarkExtractor().landmarks(big, boxes=boxes) * scale[:, None]
    print(f"  utkface conditions: done ({time.perf_counter() - t0:.0f} s)", flush=True)

    r = face_generation_report(real, floor, conditions=conditions, random_state=0)
    elapsed = time.perf_counter() - t0
    rows = [_row("floor (real vs disjoint real)", r)]
    extra = [
        ["pair rate of the real set", f"{r['pair_rate_real']:.4f}"],
        [
            "landmark error floor (re-detected on 64 px vs found on 200 px, "
            "/ inter-ocular)",
            f"{r['landmark_error']:.4f}",
        ],
        ["HOG found on the 200-px originals (conditions)", f"{found:.3f}"],
    ]
    return rows, extra, n, elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument(
        "--only", choices=["olivetti", "utkface"], help="run one section only"
    )
    args = parser.parse_args(argv)
    if not OLIVETTI.exists() or not UTKFACE.is_dir():
        print(
            f"SKIPPED: bench_face_metrics needs the shared face data in {DATA} "
            "(olivetti/olivetti_faces.npz and utkface/); nothing was measured."
        )
        return 0
    cmd = " ".join(["python benchmarks/bench_face_metrics.py", *(argv or sys.argv[1:])])
    start = _load()
    print("running (progress below, tables at the end) ...", flush=True)
    if args.only != "utkface":
        o_rows, o_n, o_time = olivetti(args.quick)
    if args.only != "olivetti":
        u_rows, u_extra, u_n, u_time = utkface(args.quick)
    print()
    print(
        f"# bench_face_metrics {datetime.date.today()} {_machine()}; {start} "
        f"at start, {_load()} at the end; python {platform.python_version()}; "
        f"`{cmd}`"
    )
    if args.only != "utkface":
        _print_olivetti(o_rows, o_n, o_time)
    if args.only != "olivetti":
        _print_utkface(u_rows, u_extra, u_n, u_time)
    return 0


def _print_olivetti(o_rows, o_n, o_time):
    print()
    print(
        f"## Olivetti: {o_n} faces of persons 0-19 vs {o_n} built from persons "
        f"20-39 (box (0, 0, 1, 1); KID: 100 subsets of {min(100, o_n // 2)}); "
        f"{o_time:.0f} s"
    )
    print()
    print(_table(HEADER, o_rows))


def _print_utkface(u_rows, u_extra, u_n, u_time):
    print()
    print(
        f"## UTKFace 64x64: real floor, {u_n} vs {u_n} disjoint faces "
        f"(default box; KID on all faces, one subset); {u_time:.0f} s"
    )
    print()
    print(_table(HEADER, u_rows))
    print()
    print(_table(["UTKFace floor entry", "value"], u_extra))


if __name__ == "__main__":
    sys.exit(main())
