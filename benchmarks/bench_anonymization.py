"""Face anonymisation: identity removed, pose kept, no seam.

``FaceAnonymizer`` (FaceExtractor -> landmarks + 8x8x3 thumbnail ->
LatentDecoder -> FaceReconstructor) on two sets of faces:

* the four PASCAL VOC photos of dlib's face-landmark example
  (``dlib_faces_train``, 18 faces of 37 to 90 pixels), every face of every
  photo replaced. Fitted on the photos' own faces the decoder memorises
  them (row "fit on the same photos", k=1). The real setting is a 2-fold
  cross-fit: each half of the photos is anonymised by an anonymiser fitted
  on Olivetti persons 0-29 (300 faces, 2x upscaled, RGB) plus the faces of
  the *other* half, so no photo's own faces are in its training set; it is
  evaluated with k-Same ``k`` = 1 (plain latent mapping), 5 and 10 (the
  same fitted decoders, only the transform changes);
* Olivetti: fitted on persons 0-29, applied to persons 30-39 (people never
  seen in training). dlib's HOG detector misses a quarter of the 64x64
  faces (the face fills the frame), so the photos are first upscaled 2x
  (bicubic, 128x128): then it finds all of them.

Metrics (:func:`skface.autoencoders.anonymization_report`), one row per face, the
same face box on the original and the output:

* identity change rate: fraction of faces whose dlib embedding distance to
  the original exceeds 0.6 (dlib's same-person threshold), higher is better;
* landmark shift: dlib's 68 landmarks re-predicted on the output against the
  original's, in inter-ocular distances, lower is better (pose/expression
  kept);
* detection rate: fraction of output faces dlib's detector still finds;
* seam score: gradient jump across the blend boundary (about 0: seamless).

A control row pastes each face's own chip back through the same extractor
and reconstructor: it shows what the pipeline alone does to the metrics
(identity should stay, landmarks should not move).

Run ``python benchmarks/bench_anonymization.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
OLIVETTI = SHARED / "olivetti" / "olivetti_faces.npz"
DLIB_FACES = SHARED / "dlib_faces_train"

COLUMNS = (
    "dataset",
    "method",
    "n_faces",
    "identity_change_rate",
    "identity_distance",
    "landmark_shift",
    "detection_rate",
    "seam_score",
    "fit_s",
)


def _anonymizer(max_epochs, random_state=0, k=1):
    from skface.autoencoders import FaceAnonymizer, LatentDecoder

    decoder = LatentDecoder(64, max_epochs=max_epochs, lr=1e-3, batch_size=32)
    return FaceAnonymizer(decoder, method="generate", k=k, random_state=random_state)


def _evaluate(name, method, anonymizer, X, result, chips, rows, fit_s):
    """Metrics on one face per row; ``rows`` = (photo index, box)."""
    from skface.autoencoders import anonymization_report
    from skface.metrics import seam_score

    idx = [i for i, _ in rows]
    boxes = np.array([b for _, b in rows], dtype=float)
    images = result.images
    if chips is not None:  # control: paste the original chips back
        images = [im.copy() for im in anonymizer._load(X)]
        anonymizer._paste(images, chips, result.records, result.owner)
    report = anonymization_report(
        [X[i] for i in idx], [images[i] for i in idx], boxes=boxes
    )
    has = [i for i, m in enumerate(result.masks) if m.any()]
    report["seam_score"] = seam_score(
        [images[i] for i in has], [result.masks[i] for i in has]
    )
    return {"dataset": name, "method": method, **report, "fit_s": fit_s}, images


def _dlib_photos(dlib_faces_dir, quick):
    from skface.datasets import load_dlib_xml

    data = load_dlib_xml(Path(dlib_faces_dir) / "training_with_face_landmarks.xml")
    X = data.images
    rows = [(i, box) for i, bx in enumerate(data.boxes) for box in bx]
    return X, rows, (20 if quick else 150)


def _olivetti(olivetti_path, quick):
    import cv2

    from skface.datasets import load_olivetti_faces

    data = load_olivetti_faces(olivetti_path)
    up = np.stack(
        [cv2.resize(x, (128, 128), interpolation=cv2.INTER_CUBIC) for x in data.images]
    )
    train = up[data.target < 30]
    test = up[data.target >= 30]
    if quick:
        train, test = train[::5], test[::5]
    return train, test, (5 if quick else 60)


def _olivetti_rgb(olivetti_path, quick):
    """Olivetti persons 0-29, 2x upscaled, as RGB photos (extra training faces)."""
    import cv2

    from skface.datasets import load_olivetti_faces

    if olivetti_path is None or not Path(olivetti_path).is_file():
        return []
    data = load_olivetti_faces(olivetti_path)
    train = data.images[data.target < 30]
    if quick:
        train = train[::2]
    up = [cv2.resize(x, (128, 128), interpolation=cv2.INTER_CUBIC) for x in train]
    return [np.repeat(x[..., None], 3, axis=2) for x in up]


def run(olivetti_path=OLIVETTI, dlib_faces_dir=DLIB_FACES, quick=False, ks=(1, 5, 10)):
    """Anonymisation metrics on the dlib photos and on Olivetti.

    Parameters
    ----------
    olivetti_path : path
        ``olivetti_faces.npz``; skipped when missing.
    dlib_faces_dir : path
        Folder with ``training_with_face_landmarks.xml`` and its photos;
        skipped when missing.
    quick : bool, default=False
        Few epochs and a fifth of Olivetti (half of it as extra training
        faces for the photos), to check that it runs.
    ks : tuple of int, default=(1, 5, 10)
        k-Same values evaluated on the cross-fitted photos and Olivetti.

    Returns
    -------
    rows : list of dict
        Keys :data:`COLUMNS`; one row per dataset and method.
    """
    from sklearn.utils import Bunch

    from skface.detection import HOGFaceDetector
    from skface.utils import select_boxes

    results = []
    if dlib_faces_dir is not None and Path(dlib_faces_dir).is_dir():
        X, rows, epochs = _dlib_photos(dlib_faces_dir, quick)
        name = "dlib_faces_train"
        # (a) fitted on the very photos it anonymises: the decoder memorises
        # its 18 training faces and gives them back (no anonymity).
        anon = _anonymizer(epochs)
        t = time.perf_counter()
        anon.fit(X)
        fit_s = time.perf_counter() - t
        res = anon.anonymize(X)
        row, _ = _evaluate(
            name,
            "FaceAnonymizer, fit on the same photos",
            anon,
            X,
            res,
            None,
            rows,
            fit_s,
        )
        results.append(row)
        control, _ = _evaluate(
            name, "paste-back control", anon, X, res, res.records.chips, rows, 0.0
        )
        results.append(control)
        # (b) 2-fold cross-fitting: each half of the photos is anonymised by
        # a decoder fitted on Olivetti persons 0-29 plus the other half's
        # faces (other people); k-Same only changes the transform.
        extra = _olivetti_rgb(olivetti_path, quick)
        extra_epochs = (15 if quick else 60) if extra else epochs
        folds = [[0, 2], [1, 3]]
        fitted, fit_s = [], 0.0
        for test in folds:
            train = [i for i in range(len(X)) if i not in test]
            anon = _anonymizer(extra_epochs).set_params(on_missing="whole")
            t = time.perf_counter()
            anon.fit(extra + [X[i] for i in train])
            fit_s += time.perf_counter() - t
            fitted.append(anon)
        what = f"Olivetti 0-29 ({len(extra)}) + other half" if extra else "other half"
        for k in ks:
            images, masks = list(X), [None] * len(X)
            for test, anon in zip(folds, fitted):
                anon.set_params(k=k)
                r = anon.anonymize([X[i] for i in test])
                for j, i in enumerate(test):
                    images[i], masks[i] = r.images[j], r.masks[j]
            res = Bunch(images=images, masks=masks)
            method = f"2-fold cross-fit on {what}, k={k}"
            row, _ = _evaluate(name, method, anon, X, res, None, rows, fit_s)
            results.append(row)
    if olivetti_path is not None and Path(olivetti_path).is_file():
        train, test, epochs = _olivetti(olivetti_path, quick)
        anon = _anonymizer(epochs)
        anon.set_params(faces="largest", on_missing="whole")
        t = time.perf_counter()
        anon.fit(train)
        fit_s = time.perf_counter() - t
        det = HOGFaceDetector(upsample=1).fit(test)
        shapes = [x.shape for x in test]
        boxes = select_boxes(det.detect(test), shapes, on_missing="nan")
        rows = [(i, b) for i, b in enumerate(boxes)]
        name = "olivetti (2x, persons 30-39)"
        for k in ks:
            res = anon.set_params(k=k).anonymize(test)
            method = f"FaceAnonymizer, k={k}"
            row, _ = _evaluate(name, method, anon, test, res, None, rows, fit_s)
            results.append(row)
        control, _ = _evaluate(
            name, "paste-back control", anon, test, res, res.records.chips, rows, 0.0
        )
        results.append(control)
    return results


def format_table(rows):
    """Markdown table of :func:`run`'s rows."""
    head = "| " + " | ".join(COLUMNS) + " |"
    sep = "|" + "---|" * len(COLUMNS)
    lines = [head, sep]
    for r in rows:
        cells = []
        for c in COLUMNS:
            v = r.get(c, "")
            cells.append(f"{v:.3f}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--olivetti", default=str(OLIVETTI))
    parser.add_argument("--dlib-faces", default=str(DLIB_FACES))
    parser.add_argument("--k", type=int, nargs="+", default=[1, 5, 10])
    args = parser.parse_args()
    rows = run(args.olivetti, args.dlib_faces, quick=args.quick, ks=tuple(args.k))
    print(format_table(rows))
