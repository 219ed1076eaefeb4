"""``skface demo``: the face pipeline on bundled images, as a PNG and a JSON.

Each step is a function ``step(ctx) -> (panel, summary)`` registered in
:data:`STEPS`; a panel is a PIL image, a summary a JSON-able dict. New
components add their step here. The default steps are the quick ones (a
few seconds on an idle 2-core machine, no torch needed); the two that train
networks are opt-in (``--steps all`` or by name).
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np

from .._version import __version__
from . import _render


def _step_samples(ctx):
    """Synthetic faces with their true 68 landmarks, and the bundled photos."""
    from ..datasets import load_sample_images, make_synthetic_faces

    faces = make_synthetic_faces(8, size=96, n_identities=4, random_state=ctx["seed"])
    photos = load_sample_images()
    ctx["photos"] = ctx["user_images"] or photos.images
    ctx["photo_names"] = ctx["user_names"] or photos.names
    tiles = [
        _render.draw(img, boxes=[box], landmarks=[lm])
        for img, lm, box in zip(faces.images, faces.landmarks, faces.boxes)
    ]
    panel = _render.grid(
        tiles,
        columns=8,
        tile_size=112,
        captions=[f"id {t}" for t in faces.target],
        title="make_synthetic_faces: true 68-point landmarks and boxes",
    )
    return panel, {
        "synthetic_faces": int(len(faces.images)),
        "photos": list(ctx["photo_names"]),
    }


def _step_eigenfaces(ctx):
    """ImageResizer -> PCA -> LogisticRegression: face vs non-face on LFW."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    from ..datasets import load_lfw_subset
    from ..preprocessing import ImageResizer

    lfw = load_lfw_subset()
    pipe = make_pipeline(
        ImageResizer(output_size=25, channels="grey", flatten=True),
        PCA(n_components=20, random_state=ctx["seed"]),
        LogisticRegression(max_iter=1000),
    )
    acc = cross_val_score(pipe, lfw.images, lfw.target, cv=5)
    pipe.fit(lfw.images, lfw.target)
    pca = pipe[1]
    comps = pca.components_[:8].reshape(-1, 25, 25)
    comps = (comps - comps.min(axis=(1, 2), keepdims=True)) / np.ptp(
        comps, axis=(1, 2), keepdims=True
    )
    panel = _render.grid(
        list(comps),
        columns=8,
        tile_size=112,
        captions=[f"PC {i + 1}" for i in range(8)],
        title=f"Pipeline(ImageResizer, PCA, LogisticRegression) face vs non-face: "
        f"5-fold accuracy {acc.mean():.3f}",
    )
    return panel, {"lfw_face_vs_nonface_cv_accuracy": round(float(acc.mean()), 4)}


def _step_detection(ctx):
    """HOG detection and 68 landmarks on the photos (no face: on_missing)."""
    from ..detection import HOGFaceDetector
    from ..landmarks import LandmarkExtractor

    photos = ctx["photos"]
    detector = HOGFaceDetector(upsample=1, select="best").fit(photos)
    detections = detector.detect(photos)
    extractor = LandmarkExtractor(detector=detector, on_missing="nan").fit(photos)
    # landmarks of the best-scored box of each photo: no second detection
    best = np.full((len(photos), 4), np.nan)
    for i, det in enumerate(detections):
        if len(det):
            best[i] = det[int(np.argmax(det[:, 4])), :4]
    landmarks = extractor.landmarks(photos, boxes=best)
    ctx["landmark_extractor"] = extractor
    tiles, captions, scores = [], [], {}
    for name, img, det, lm in zip(ctx["photo_names"], photos, detections, landmarks):
        tiles.append(_render.draw(img, boxes=det, landmarks=[lm]))
        scores[name] = [round(float(s), 3) for s in det[:, 4]]
        listed = ", ".join(f"{s:.2f}" for s in det[:, 4]) or "none: NaN landmarks"
        captions.append(f"{name}: scores {listed}")
    panel = _render.grid(
        tiles,
        columns=len(tiles),
        tile_size=256,
        captions=captions,
        title="HOGFaceDetector (all detections, with scores) + LandmarkExtractor "
        "on the best-scored face",
    )
    ctx["landmarks"] = landmarks
    return panel, {"detection_scores": scores}


def _step_round_trip(ctx):
    """FaceExtractor -> (edited chip) -> FaceReconstructor on the first face."""
    from ..alignment import FaceExtractor, FaceReconstructor

    photos = [
        p for p, lm in zip(ctx["photos"], ctx["landmarks"]) if np.isfinite(lm).all()
    ]
    if not photos:
        raise ValueError("no face found in the demo photos for the round trip")
    photo = photos[:1]
    extractor = FaceExtractor(output_size=128, alignment="similarity").fit(photo)
    records = extractor.extract(photo)
    same = (
        FaceReconstructor(blend="alpha")
        .fit(photo)
        .reconstruct(photo, records.chips, records)
    )
    mask = records.masks[0]
    edited = records.chips.copy()
    edited[0] = edited[0][:, ::-1]  # mirror the face, paste it back seamlessly
    pasted = (
        FaceReconstructor(blend="poisson")
        .fit(photo)
        .reconstruct(photo, edited, records)
    )
    orig = _render.to_uint8_rgb(photo[0]).astype(float)
    back = _render.to_uint8_rgb(same[0]).astype(float)
    region = _face_region(records, 0, orig.shape[:2])
    mse = np.mean((orig[region] - back[region]) ** 2)
    psnr = float(10 * np.log10(255.0**2 / max(mse, 1e-12)))
    panel = _render.grid(
        [
            photo[0],
            records.chips[0],
            mask.astype(np.uint8) * 255,
            same[0],
            edited[0],
            pasted[0],
        ],
        columns=6,
        tile_size=160,
        captions=[
            "photo",
            "aligned chip",
            "face mask",
            "round trip",
            "mirrored chip",
            "pasted back",
        ],
        title="FaceExtractor -> FaceReconstructor round trip: "
        f"PSNR {psnr:.1f} dB in the face",
    )
    return panel, {"round_trip_psnr_db": round(psnr, 2)}


def _face_region(records, i, shape):
    """Face mask of record ``i`` warped back into the photo."""
    import cv2

    inv = cv2.invertAffineTransform(np.asarray(records.transforms[i], dtype=np.float64))
    mask = records.masks[i].astype(np.uint8)
    back = cv2.warpAffine(mask, inv, (shape[1], shape[0]), flags=cv2.INTER_NEAREST)
    back = cv2.erode(back, np.ones((5, 5), np.uint8))
    return back.astype(bool)


def _step_anonymize(ctx):
    """FaceAnonymizer: every face in the photos filled, blurred and pixelated."""
    from ..alignment import FaceExtractor
    from ..autoencoders import FaceAnonymizer
    from ..autoencoders._obscure import obscure_faces
    from ..landmarks import LandmarkExtractor

    photos = ctx["photos"]
    landmarks = ctx.get("landmark_extractor") or LandmarkExtractor()
    anon = FaceAnonymizer(
        method="fill",
        extractor=FaceExtractor(landmark_extractor=landmarks),
        on_missing="keep",
    ).fit(photos)
    result = anon.anonymize(photos)
    tiles, captions = list(result.images), []
    for method in ("blur", "pixelate"):  # the same face regions
        tiles += [
            obscure_faces(_render.to_uint8_rgb(p), [m], method) if m.any() else p
            for p, m in zip(photos, result.masks)
        ]
    for method in ("fill", "blur", "pixelate"):
        captions += [
            f"{method}: {n} face(s) in {name}"
            for n, name in zip(result.n_faces, ctx["photo_names"])
        ]
    counts = [int(n) for n in result.n_faces]
    panel = _render.grid(
        tiles,
        columns=len(tiles),
        tile_size=160,
        captions=captions,
        title="FaceAnonymizer(method='fill'|'blur'|'pixelate'), no training: "
        "every face, jaw line to forehead",
    )
    return panel, {"faces_anonymized": counts}


def _step_reconstruction(ctx):
    """FaceAutoencoder vs PCA at the same code size, on faces never seen."""
    from sklearn.decomposition import PCA

    from ..alignment import FaceExtractor
    from ..autoencoders import FaceAutoencoder
    from ..datasets import make_synthetic_faces
    from ..metrics import psnr
    from ..utils.validation import check_images

    faces = make_synthetic_faces(126, size=96, random_state=ctx["seed"])
    chips = FaceExtractor(output_size=64).fit_transform(
        faces.images, landmarks=faces.landmarks
    )
    chips = check_images(chips, dtype="float32")
    train, test = chips[:120], chips[120:]
    ae = FaceAutoencoder(
        32, width=16, max_epochs=10, batch_size=16, random_state=ctx["seed"]
    ).fit(train)
    recon = ae.reconstruct(test)
    pca = PCA(32, random_state=ctx["seed"]).fit(train.reshape(len(train), -1))
    flat = pca.inverse_transform(pca.transform(test.reshape(len(test), -1)))
    pca_recon = np.clip(flat.reshape(test.shape), 0, 1)
    ae_db = psnr(test, recon, reduction=None)
    pca_db = psnr(test, pca_recon, reduction=None)
    panel = _render.grid(
        [*test, *recon, *pca_recon],
        columns=len(test),
        tile_size=112,
        captions=["unseen face"] * len(test)
        + [f"AE {v:.1f} dB" for v in ae_db]
        + [f"PCA {v:.1f} dB" for v in pca_db],
        title="FaceExtractor chips -> FaceAutoencoder(32-number code) vs PCA(32), "
        f"faces never seen in training: {ae_db.mean():.1f} vs {pca_db.mean():.1f} dB",
    )
    return panel, {
        "autoencoder_psnr_db": round(float(ae_db.mean()), 2),
        "pca_psnr_db": round(float(pca_db.mean()), 2),
        "embedding_dim": 32,
    }


def _step_inpainting(ctx):
    """FaceInpainter vs Telea on surgical-mask holes placed from landmarks."""
    from ..datasets import make_synthetic_faces
    from ..metrics import psnr, seam_score
    from ..restoration import FaceInpainter, TeleaInpainter
    from ..restoration.masks import FaceMaskShape
    from ..utils.validation import check_images

    faces = make_synthetic_faces(
        206, size=64, n_identities=206, random_state=ctx["seed"]
    )
    train, test = faces.images[:200], faces.images[200:]
    holes = FaceMaskShape().generate(test, landmarks=faces.landmarks[200:])
    net = FaceInpainter(
        image_size=32,
        width=8,
        max_epochs=20,
        batch_size=16,
        lr=2e-3,
        skip_connections=True,
        random_state=ctx["seed"],
    ).fit(train)
    filled = net.transform(test, masks=holes)
    telea = TeleaInpainter().fit(train).transform(test, masks=holes)
    truth = check_images(test, dtype="float32")
    masked = truth.copy()
    masked[holes] = 1.0
    net_db = psnr(truth, filled, masks=holes, reduction=None)
    telea_db = psnr(truth, telea, masks=holes, reduction=None)
    seam = seam_score(filled, holes)
    panel = _render.grid(
        [*masked, *filled, *telea, *truth],
        columns=len(test),
        tile_size=112,
        captions=["masked"] * len(test)
        + [f"FaceInpainter {v:.1f} dB" for v in net_db]
        + [f"Telea {v:.1f} dB" for v in telea_db]
        + ["ground truth"] * len(test),
        title="FaceInpainter (context encoder + discriminator, feathered) vs "
        f"Telea on FaceMaskShape holes: {net_db.mean():.1f} vs "
        f"{telea_db.mean():.1f} dB in the hole",
    )
    return panel, {
        "inpainter_hole_psnr_db": round(float(net_db.mean()), 2),
        "telea_hole_psnr_db": round(float(telea_db.mean()), 2),
        "inpainter_seam_score": round(float(seam), 4),
    }


def _step_generation(ctx):
    """A DCGAN trained for a few seconds on synthetic faces, and its samples."""
    from ..datasets import make_synthetic_faces
    from ..generation import DCGAN

    faces = make_synthetic_faces(
        512, size=32, background="flat", random_state=ctx["seed"]
    ).images
    start = time.perf_counter()
    # 25 epochs of 512 faces: about 25 s on a 2-core CPU. Augmentation is
    # off: it slows a short run down, and 512 drawn faces do not overfit in
    # 400 steps.
    gan = DCGAN(
        n_latent=32,
        image_size=32,
        width=16,
        augment=None,
        max_epochs=25,
        batch_size=32,
        lr=2e-3,
        random_state=ctx["seed"],
    ).fit(faces)
    seconds = time.perf_counter() - start
    samples = gan.sample(16, random_state=ctx["seed"])
    panel = _render.grid(
        [*faces[:8], *samples],
        columns=8,
        tile_size=80,
        captions=["training face"] * 8 + ["DCGAN sample"] * 16,
        title=f"DCGAN trained {seconds:.0f} s on {len(faces)} synthetic 32x32 "
        "faces (spectral norm, hinge + R1, EMA): samples below",
    )
    return panel, {
        "dcgan_training_seconds": round(seconds, 1),
        "dcgan_images_seen": int(gan.n_iter_ * len(faces)),
    }


#: (name, function, in the default run) in the order they run. The
#: training steps are opt-in: each trains a network for 10-30 s on a 2-core
#: CPU. Later components append here.
STEPS = [
    ("samples", _step_samples, True),
    ("eigenfaces", _step_eigenfaces, True),
    ("detection", _step_detection, True),
    ("round_trip", _step_round_trip, True),
    ("anonymize", _step_anonymize, True),
    ("reconstruction", _step_reconstruction, False),
    ("inpainting", _step_inpainting, False),
    ("generation", _step_generation, False),
]

#: Steps that need another step's results in ``ctx`` first.
_NEEDS = {
    "detection": ("samples",),
    "round_trip": ("samples", "detection"),
    "anonymize": ("samples",),
}


def step_names(steps=None):
    """The steps to run, in order, for a ``--steps`` value.

    Parameters
    ----------
    steps : None, str or list of str
        None or ``'default'``: the quick steps; ``'all'``: every step; else
        step names (a list, or one comma-separated string), to which the
        steps they need are added.

    Returns
    -------
    names : list of str
    """
    names = [n for n, _, _ in STEPS]
    if steps is None or steps == "default" or steps == ["default"]:
        return [n for n, _, default in STEPS if default]
    if isinstance(steps, str):
        steps = steps.split(",")
    wanted = {s.strip() for s in steps if s.strip()}
    if "all" in wanted:
        return names
    if "default" in wanted:
        wanted |= {n for n, _, default in STEPS if default}
        wanted.discard("default")
    unknown = sorted(wanted - set(names))
    if unknown:
        raise ValueError(
            f"unknown demo step(s) {', '.join(unknown)}; choose from "
            f"{', '.join(names)}, 'default' or 'all'"
        )
    for name in list(wanted):
        wanted |= set(_NEEDS.get(name, ()))
    return [n for n in names if n in wanted]


def describe_steps():
    """One line per step: name, default or opt-in, what it does."""
    return [
        f"{name:<15}{'default' if default else 'opt-in':<9}"
        f"{(func.__doc__ or '').strip().splitlines()[0]}"
        for name, func, default in STEPS
    ]


def run_demo(
    *, out="skface_demo", images=None, seed=0, progress=True, steps=None, log=None
):
    """Run the demo steps and write ``demo.png`` and ``demo.json`` in ``out``.

    Parameters
    ----------
    out : str or path
        Output folder (``~`` expanded), created if needed. Refused when it,
        ``demo.png`` or ``demo.json`` is a symbolic link.
    images : list of path, default=None
        Photos to use instead of the bundled ones.
    seed : int, default=0
    progress : bool, default=True
        Show a tqdm progress bar.
    steps : None, str or list of str, default=None
        Steps to run (see :func:`step_names`; default: the quick ones).
    log : callable, default=None
        Called with one line saying what each step does before it runs.

    Returns
    -------
    summary : dict
        What was written to ``demo.json``, plus the paths.
    """
    from threadpoolctl import threadpool_limits
    from tqdm.auto import tqdm

    from ..utils.validation import check_images
    from ._io import check_not_symlink, open_new, safe_out_dir

    t0 = time.perf_counter()
    names = step_names(steps)
    out = safe_out_dir(out)
    png, path = out / "demo.png", out / "demo.json"
    for target in (png, path):  # before minutes of work, not after
        check_not_symlink(target)
    user_images = None
    if images:
        user_images = check_images(
            list(images), dtype="uint8", stack=False, name="--images"
        )
    ctx = {
        "seed": int(seed),
        "user_images": user_images,
        "user_names": [Path(p).name for p in images] if images else None,
    }
    selected = [(n, f) for n, f, _ in STEPS if n in names]
    panels, report = [], {}
    bar = tqdm(selected, desc="skface demo", disable=not progress, unit="step")
    # The demo's matrices are small: one BLAS thread is as fast on an idle
    # machine and several times faster on a busy one (measured with
    # benchmarks/bench_demo.py: eigenfaces 10.5 s -> under 1 s at load 4.5).
    with threadpool_limits(limits=1, user_api="blas"):
        for k, (name, func) in enumerate(bar):
            bar.set_postfix_str(name)
            if log is not None:
                doc = (func.__doc__ or "").strip().splitlines()[0]
                log(f"[{k + 1}/{len(selected)}] {name}: {doc}")
            t = time.perf_counter()
            panel, summary = func(ctx)
            summary["seconds"] = round(time.perf_counter() - t, 2)
            panels.append(panel)
            report[name] = summary
    with open_new(png) as fh:
        _render.stack_vertical(panels).save(fh, format="PNG")
    result = {
        "skface_version": __version__,
        "python": platform.python_version(),
        "seed": int(seed),
        "steps": report,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    with open_new(path, "w") as fh:
        fh.write(json.dumps(result, indent=2) + "\n")
    result.update(png=str(png), json=str(path))
    return result
