"""Classical front end: throughput vs plain dlib, and accuracy on real photos.

Run from the repository root::

    python benchmarks/bench_frontend.py               # everything
    python benchmarks/bench_frontend.py --skip-train  # throughput + pretrained only

Part 1 times detection + 68 landmarks + 128-d encoding of the same images
with skface (``n_jobs=1`` and ``2``) and with a plain Python loop over dlib
calls, in the same run (best of ``--repeat`` runs, after a warm-up run that
loads the models and starts the workers).

Part 2 uses ``../shared/data/dlib_faces_train`` (4 photos, 18 annotated
faces): average precision at IoU 0.5 of the pretrained HOG detector with its
defaults and of the Haar detector, leave-one-photo-out AP of a HOG detector
trained by skface, and training / leave-one-photo-out landmark error
(normalised by inter-ocular distance) of a trained LandmarkExtractor.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import date
from pathlib import Path

import numpy as np

DATA = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dlib_faces_train"
)


def _machine():
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def _photos(n):
    from skimage.data import astronaut

    if (DATA / "training.xml").exists():
        from skface.datasets import load_dlib_xml

        base = load_dlib_xml(DATA / "training.xml").images
        source = "dlib_faces_train photos"
    else:
        base = [astronaut()]
        source = "astronaut"
    return [base[i % len(base)] for i in range(n)], source


def _plain_loop(images):
    """detection + 68 points + 128-d embedding, the textbook dlib way."""
    import dlib

    from skface.datasets import get_model_path

    det = dlib.get_frontal_face_detector()
    sp68 = dlib.shape_predictor(get_model_path("landmarks_68"))
    sp5 = dlib.shape_predictor(get_model_path("landmarks_5"))
    rec = dlib.face_recognition_model_v1(get_model_path("face_encoder"))

    def run():
        out = []
        for img in images:
            rects = det(img, 1)
            if not rects:
                out.append(None)
                continue
            r = max(rects, key=lambda r: r.width() * r.height())
            s68 = sp68(img, r)
            chip = dlib.get_face_chip(img, sp5(img, r), size=150, padding=0.25)
            out.append((s68, np.array(rec.compute_face_descriptor(chip))))
        return out

    return run


def _skface(images, n_jobs):
    from skface.detection import HOGFaceDetector
    from skface.features import DlibFaceEncoder
    from skface.landmarks import LandmarkExtractor

    det = HOGFaceDetector(upsample=1, on_missing="nan", n_jobs=n_jobs).fit(images)
    lm = LandmarkExtractor(detector=det, on_missing="nan", n_jobs=n_jobs).fit(images)
    enc = DlibFaceEncoder(on_missing="nan", n_jobs=n_jobs).fit(images)

    def run():
        boxes = det.transform(images)
        return lm.transform(images, boxes=boxes), enc.transform(images, boxes=boxes)

    return run


def _best_time(func, repeat):
    func()  # warm-up: models loaded, workers started
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return min(times)


def throughput(n_images, repeat):
    images, source = _photos(n_images)
    rows = [
        ("plain dlib loop", _best_time(_plain_loop(images), repeat)),
        ("skface n_jobs=1", _best_time(_skface(images, 1), repeat)),
        ("skface n_jobs=2", _best_time(_skface(images, 2), repeat)),
    ]
    plain, one, two = (t for _, t in rows)
    print("\n### Throughput: detection + 68 landmarks + 128-d encoding")
    print(f"{n_images} images ({source}), best of {repeat}\n")
    print("| pipeline | seconds | images/s | vs plain loop |")
    print("|---|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {n_images / t:.1f} | {plain / t:.2f}x |")
    print(
        f"\nskface n_jobs=1 overhead vs plain loop: {100 * (one / plain - 1):+.1f}% "
        f"(target within 5%); n_jobs=2 speed-up over n_jobs=1: {one / two:.2f}x "
        "(target >= 1.7x)"
    )


def _xml():
    from skface.datasets import load_dlib_xml

    return load_dlib_xml(DATA / "training_with_face_landmarks.xml")


def detection_accuracy(train):
    from skface.detection import HaarFaceDetector, HOGFaceDetector
    from skface.metrics import average_precision

    data = _xml()
    X, boxes = data.images, data.boxes
    print("\n### Detection on dlib_faces_train (4 photos, 18 faces), AP at IoU 0.5\n")
    print("| detector | AP | faces found (IoU >= 0.5) | false positives |")
    print("|---|---|---|---|")

    def row(name, detections):
        from skface.metrics import box_iou

        found = fp = 0
        for det, truth in zip(detections, boxes):
            iou = box_iou(det[:, :4], truth) if len(det) else np.zeros((0, len(truth)))
            found += int((iou.max(axis=0, initial=0) >= 0.5).sum()) if len(truth) else 0
            fp += int((iou.max(axis=1, initial=0) < 0.5).sum()) if len(det) else 0
        ap = average_precision(boxes, detections)
        print(f"| {name} | {ap:.3f} | {found}/18 | {fp} |")

    row("HOGFaceDetector() pretrained, defaults", HOGFaceDetector().fit(X).detect(X))
    row("HaarFaceDetector() defaults", HaarFaceDetector().fit(X).detect(X))
    if train:
        held_out = []
        t = time.perf_counter()
        for i in range(len(X)):
            rest = [j for j in range(len(X)) if j != i]
            det = HOGFaceDetector().fit([X[j] for j in rest], [boxes[j] for j in rest])
            held_out.append(det.detect([X[i]])[0])
        row(
            "HOGFaceDetector trained, leave-one-photo-out "
            f"({time.perf_counter() - t:.0f} s)",
            held_out,
        )


def landmark_accuracy():
    from skface.landmarks import LandmarkExtractor
    from skface.metrics import landmark_error

    data = _xml()
    # one sample per face: the photo repeated, with that face's box
    X, B, L, photo = [], [], [], []
    for i, (img, boxes, lms) in enumerate(zip(data.images, data.boxes, data.landmarks)):
        for b, lm in zip(boxes, lms):
            X.append(img), B.append(b), L.append(lm), photo.append(i)
    B, L, photo = np.array(B), np.array(L), np.array(photo)
    print(
        "\n### 68-point landmarks on dlib_faces_train, error / inter-ocular distance\n"
    )
    print("| model | train error | leave-one-photo-out error | fit s |")
    print("|---|---|---|---|")
    pre = LandmarkExtractor().fit(X)
    err = landmark_error(L, pre.landmarks(X, boxes=B))
    print(
        f"| pretrained (the XML landmarks come from it) | {err:.4f} | {err:.4f} | - |"
    )
    t = time.perf_counter()
    full = LandmarkExtractor(random_state=0, n_jobs=2).fit(X, L, boxes=B)
    fit_s = time.perf_counter() - t
    train_err = landmark_error(L, full.landmarks(X, boxes=B))
    errs = []
    for p in np.unique(photo):
        tr, te = photo != p, photo == p
        est = LandmarkExtractor(random_state=0, n_jobs=2).fit(
            [x for x, k in zip(X, tr) if k], L[tr], boxes=B[tr]
        )
        pred = est.landmarks([x for x, k in zip(X, te) if k], boxes=B[te])
        errs.append(landmark_error(L[te], pred, average=False))
    loo = float(np.mean(np.concatenate(errs)))
    print(f"| trained, dlib defaults | {train_err:.4f} | {loo:.4f} | {fit_s:.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    print(f"## Front end ({date.today()}, {_machine()})")
    throughput(args.n_images, args.repeat)
    if DATA.exists():
        detection_accuracy(train=not args.skip_train)
        if not args.skip_train:
            landmark_accuracy()
    else:
        print(f"\n{DATA} not found: accuracy part skipped")


if __name__ == "__main__":
    main()
