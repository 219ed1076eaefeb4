"""Seconds per image of every image estimator on one 6000x4000 photo.

Every public image estimator (``skface.utils.all_estimators()`` filtered on
the ``three_d_array`` input tag) is built with small settings,
fitted on small face crops when it needs fitting, warmed up on a small
image (model files loaded), and then timed once on a 6000x4000 RGB photo:
the astronaut upscaled five times (a face of about 600x700 pixels) pasted
into smooth noise. Inpainters get a face-sized elliptical hole (about
240,000 pixels). Each estimator runs in its own process under a time
limit, so one slow estimator cannot stall the table.

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/bench_large_images.py
    python benchmarks/bench_large_images.py --only HOGFaceDetector --timeout 60

To time another checkout (e.g. the code before a change), put it first on
the path: ``PYTHONPATH=/path/to/old/tree python benchmarks/...``; parameter
names that changed are tried under their old names too.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

H, W = 4000, 6000
SCALE = 5  # astronaut upscaling
OFFSET = (700, 1800)  # top-left corner of the pasted astronaut (y, x)
#: Face box of the astronaut (x0, y0, x1, y1) in its own 512x512 pixels.
FACE_512 = (165, 50, 290, 200)
#: Old names of renamed parameters, tried when the new one is absent.
ALIASES = {
    "width": "n_filters",
    "output_size": "size",
    "horizontal_flip": "flip",
    "loss": "reconstruction_loss",
}
#: Image estimators that cannot take a photo of another size than the
#: training images, with the reason printed in the table.
NOT_APPLICABLE = {
    "RegressionInpainter": "needs the training image size (a per-pixel model)",
}


def _photo_path():
    return os.path.join(tempfile.gettempdir(), "skface_bench_6000x4000.npy")


def make_photo():
    """The 6000x4000 RGB uint8 benchmark photo (cached in the temp folder)."""
    path = _photo_path()
    if os.path.exists(path):
        return np.load(path)
    import cv2
    from skimage.data import astronaut

    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (H // 50, W // 50, 3), dtype=np.uint8)
    photo = cv2.resize(noise, (W, H), interpolation=cv2.INTER_CUBIC)
    big = cv2.resize(astronaut(), (512 * SCALE,) * 2, interpolation=cv2.INTER_CUBIC)
    y, x = OFFSET
    photo[y : y + big.shape[0], x : x + big.shape[1]] = big
    np.save(path, photo)
    return photo


def face_box():
    """The pasted face's box (left, top, right, bottom) in the photo."""
    x0, y0, x1, y1 = FACE_512
    y, x = OFFSET
    return (x + SCALE * x0, y + SCALE * y0, x + SCALE * x1, y + SCALE * y1)


def face_hole():
    """A face-sized elliptical hole in the photo."""
    l, t, r, b = face_box()
    yy, xx = np.ogrid[:H, :W]
    cy, cx, ay, ax = (t + b) / 2, (l + r) / 2, (b - t) / 2.6, (r - l) / 2.6
    return ((yy - cy) / ay) ** 2 + ((xx - cx) / ax) ** 2 < 1


def small_faces(n=8, size=64):
    """``n`` jittered astronaut face crops, ``(n, size, size, 3)`` uint8."""
    import cv2
    from skimage.data import astronaut

    rng = np.random.default_rng(1)
    img = astronaut()
    x0, y0, x1, y1 = FACE_512
    out = []
    for _ in range(n):
        dx, dy = rng.integers(-8, 9, 2)
        crop = img[y0 - 20 + dy : y1 + 10 + dy, x0 - 15 + dx : x1 + 15 + dx]
        out.append(cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA))
    return np.stack(out)


def _params(cls, **params):
    """``params`` under the names ``cls`` takes (new name, else old name)."""
    names = inspect.signature(cls.__init__).parameters
    out = {}
    for key, value in params.items():
        if key in names:
            out[key] = value
        elif ALIASES.get(key) in names:
            old = ALIASES[key]
            if key == "loss" and value == "mse":
                value = "l2"
            out[old] = value
    return out


def _setup(name, cls, photo):
    """``(warm_up, run)`` callables for one estimator; ``run`` is timed."""
    faces = small_faces()
    small = faces[:1]
    photos = [photo]
    hole = face_hole()
    up = [cv2_up(f) for f in faces]
    if name in ("HOGFaceDetector", "CNNFaceDetector", "HaarFaceDetector"):
        est = cls().fit(up[:1])  # the pretrained detector
        return (lambda: est.detect(small), lambda: est.detect(photos))
    if name in ("ImageResizer",):
        est = cls(**_params(cls, output_size=64)).fit(faces)
    elif name == "ThumbnailFeatures":
        est = cls(**_params(cls, output_size=8)).fit(faces)
    elif name == "FaceAutoencoder":
        est = cls(
            8,
            **_params(
                cls,
                input_size=32,
                width=4,
                max_epochs=1,
                batch_size=8,
                random_state=0,
            ),
        ).fit(faces)
    elif name == "FaceInpainter":
        est = cls(
            **_params(
                cls, image_size=32, width=4, max_epochs=1, batch_size=8, random_state=0
            )
        ).fit(faces)
        small_hole = np.zeros(small.shape[1:3], bool)
        small_hole[20:40, 20:40] = True
        return (
            lambda: est.transform(small, masks=small_hole[None]),
            lambda: est.transform(photos, masks=hole[None]),
        )
    elif name in ("BiharmonicInpainter", "TeleaInpainter"):
        est = cls().fit(faces)
        small_hole = np.zeros(small.shape[1:3], bool)
        small_hole[20:40, 20:40] = True
        return (
            lambda: est.transform(small, masks=small_hole[None]),
            lambda: est.transform(photos, masks=hole[None]),
        )
    elif name == "FaceReconstructor":
        from skface.alignment import FaceExtractor

        ext = FaceExtractor().fit(up[:1])
        records = ext.extract(photos)
        if not records.found.all():
            raise RuntimeError("no face found in the photo to put a chip back")
        chips = 255 - records.chips
        est = cls().fit(up[:1]) if hasattr(cls, "fit") else cls()
        small_rec = ext.extract(up[:1])
        return (
            lambda: est.reconstruct(up[:1], small_rec.chips, small_rec),
            lambda: est.reconstruct(photos, chips, records),
        )
    elif name == "FaceRecognizer":
        est = cls().fit(up[:2], ["a", "b"])
        return (lambda: est.predict(up[:1]), lambda: est.predict(photos))
    elif name == "FaceAnalyzer":
        est = cls().fit(up[:1])
        return (lambda: est.analyze(up[:1]), lambda: est.analyze(photos))
    else:  # pretrained or light fits: landmarks, encoders, photo editors
        est = cls().fit(up)
    return (lambda: est.transform(up[:1]), lambda: est.transform(photos))


def cv2_up(face, size=256):
    """A face crop enlarged with a margin, so that detectors find it."""
    import cv2

    pad = cv2.copyMakeBorder(face, 16, 16, 16, 16, cv2.BORDER_REFLECT)
    return cv2.resize(pad, (size, size), interpolation=cv2.INTER_CUBIC)


def run_one(name):
    """Time one estimator; print a JSON line."""
    from skface.utils import all_estimators

    cls = dict(all_estimators())[name]
    photo = make_photo()
    try:
        warm, run = _setup(name, cls, photo)
        warm()
        t0 = time.perf_counter()
        run()
        seconds = time.perf_counter() - t0
        print(json.dumps({"name": name, "seconds": seconds}))
    except Exception as exc:  # reported in the table, not hidden
        print(json.dumps({"name": name, "error": f"{type(exc).__name__}: {exc}"[:200]}))


def image_estimators():
    from skface.utils import all_estimators

    names = []
    for name, cls in all_estimators():
        try:
            tags = cls().__sklearn_tags__()
        except TypeError:  # needs constructor arguments: a meta-estimator
            if name in NOT_APPLICABLE:
                names.append(name)
            continue
        if tags.input_tags.three_d_array:  # takes images (FaceRecognizer: both)
            names.append(name)
    return sorted(names)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", help="estimator names to time")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    if args.one:
        run_one(args.one)
        return
    make_photo()
    names = args.only or image_estimators()
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs"
    print(f"# {machine}, python {sys.version.split()[0]}")
    print(f"# one {W}x{H} RGB photo; fit-free inference, seconds per image")
    print("| estimator | method | seconds |")
    print("|---|---|---|")
    for name in names:
        method = "detect" if name.endswith("Detector") else "transform"
        method = {
            "FaceReconstructor": "reconstruct",
            "FaceRecognizer": "predict",
            "FaceAnalyzer": "analyze",
        }.get(name, method)
        if name in NOT_APPLICABLE:
            print(f"| {name} | {method} | n/a: {NOT_APPLICABLE[name]} |", flush=True)
            continue
        try:
            proc = subprocess.run(
                [sys.executable, __file__, "--one", name],
                capture_output=True,
                text=True,
                timeout=args.timeout,
            )
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            if not lines:
                cell = f"failed: {proc.stderr.strip().splitlines()[-1:]}"
            else:
                res = json.loads(lines[-1])
                cell = res.get("error") or f"{res['seconds']:.2f}"
        except subprocess.TimeoutExpired:
            cell = f"> {args.timeout:.0f} (stopped)"
        print(f"| {name} | {method} | {cell} |", flush=True)


if __name__ == "__main__":
    main()
