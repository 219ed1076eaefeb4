"""Face swap (DeepFakes) on the classic pair: identity, pose kept, quality, speed.

Reads ``../shared/data/deepfakes_pair/{trump,cage}`` (376 + 318 aligned
256x256 colour faces, research/demo use; the script says so and exits 0
when they are missing). Each person's sorted file list is split by a fixed
permutation (``--seed`` 0): 80% to train :class:`skface.generation.
FaceSwapper`, 20% held out. Every held-out face of each person is swapped
to the other person (``FaceSwapper.swap``: FaceExtractor -> shared encoder
-> the target's decoder -> FaceReconstructor with colour matching and
Poisson blending) and scored, per face:

* **retrieval**: dlib's 128-d embedding of the swapped face (in the source
  face's box) against a gallery of every held-out face of both people,
  the source photo itself left out: the share whose nearest gallery face
  is the *target* person (target: >= 0.9);
* **landmark error**: dlib's 68 landmarks re-predicted on the swapped photo
  in the source's box vs the source's own, over the inter-ocular distance
  (pose and expression kept; target: <= 0.06); also split by the source's
  mouth: ``error_open`` over the ``open_mouths`` faces whose inner lips are
  more than 0.2 inter-ocular distances apart, ``error_rest`` over the
  others (the script prints how many training faces of each person have
  such a mouth: a decoder that never saw one cannot draw it); and by
  region: ``error_jaw`` over the 17 jaw-line points (the face's outline,
  which is the target's face shape and where the pasted face is blended
  into the photo), ``error_inner`` over the other 51 (brows, eyes, nose,
  mouth: the expression); ``error_5pt`` is the same error measured by
  another model, dlib's 5-point predictor (eye corners and nose base),
  which ``FaceSwapper(landmark_warp=...)`` does not use: a check that the
  warp moves the face, not just the 68-point model's reading of it;
* **KID x 1000**: :func:`skface.generation.face_kid` between the swapped
  photos and the target person's real held-out photos (lower is better;
  the floor row is the target's training photos against the same held-out
  photos, at the same count).

Baselines, scored the same way: the unchanged source photo, and the
target's mean face (the mean of the target's training chips) pasted into
each source photo by the same extractor and reconstructor. Always scored:
each held-out face drawn by its *own* person's decoder (the autoencoder's
reconstruction, the floor under the swap's landmark error; retrieval then
counts the source person as the hit, and KID compares with the source's
training photos).

``--section speed``: training images/s of ``FaceSwapper.fit`` (epochs timed
by a callback) against a plain PyTorch loop doing the same work on fresh
copies of the same modules (same chips, batch size, shuffling,
:func:`skface.nn.random_warp`, masked loss, Adam betas), rounds alternating
which goes first; the median per-round ratio is the figure (target: the
estimator within 10%).

Run from the repository root (``OMP_NUM_THREADS=1`` leaves a core to
others)::

    python benchmarks/bench_swap.py [--epochs 60] [--width 32] [--n-latent 256]
        [--chip-size 64] [--section {quality,speed} ...] [--model PATH]
        [--padding P] [--set KEY=VALUE ...] [--sharpen S ...]
        [--flip-average {0,1} ...] [--landmark-warp W ...] [--no-baselines]
        [--out benchmarks/out] [--device cpu] [--quick]

``--landmarks 5`` aligns the speed section's chips with dlib's 5-point
model (for a GPU machine without the 68-point file; the two loops still
train on the same chips).

``--padding`` is the training chips' margin (``FaceExtractor(padding=P)``;
default: FaceSwapper's own, 0.1); ``--set`` passes other FaceSwapper
parameters to a new model (``--set adversarial_weight=0.1``); ``--sharpen``
scores the swapper's rows at several ``sharpen`` values (the unsharp
masking of the drawn chips) and ``--flip-average 0 1`` without and with
the test-time mirror averaging, ``--landmark-warp 0 1`` without and with
the expression warp (``landmark_warp``); ``--no-baselines`` scores the
swapper only.

``--model`` evaluates a saved swapper (``FaceSwapper.save``) instead of
training (with ``--resume``: after ``--epochs`` more epochs of warm-started
training on the same split); without it the trained model is saved to
``--out/swap_pair.safetensors`` with before/after panels
``swap_<a>_to_<b>.png``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator

HERE = Path(__file__).resolve().parent
PAIR = HERE.parent.parent / "shared" / "data" / "deepfakes_pair"
PEOPLE = ("trump", "cage")


def split_pair(root, seed=0, train_fraction=0.8, quick=False):
    """``{person: (train_files, test_files)}``, a fixed permutation each."""
    rng = np.random.RandomState(seed)
    out = {}
    for who in PEOPLE:
        files = sorted(
            str(p) for p in (Path(root) / who).iterdir() if p.suffix.lower() == ".jpg"
        )
        order = rng.permutation(len(files))
        n = int(train_fraction * len(files))
        train = [files[i] for i in order[:n]]
        test = [files[i] for i in order[n:]]
        if quick:
            train, test = train[:40], test[:10]
        out[who] = (train, test)
    return out


def load(files):
    from skface.utils import check_images

    return check_images(list(files), dtype="uint8", channels="rgb", stack=False)


def _boxes_and_landmarks(images):
    """Largest HOG face box and its 68 landmarks per photo (NaN: none)."""
    from skface.detection import HOGFaceDetector
    from skface.landmarks import LandmarkExtractor
    from skface.utils import select_boxes

    det = HOGFaceDetector(upsample=1).fit(images[:1])
    boxes = select_boxes(
        det.detect(images), [im.shape[:2] for im in images], on_missing="nan"
    )
    lm = LandmarkExtractor(on_missing="nan").fit(images[:1])
    ok = np.isfinite(boxes).all(axis=1)
    L = np.full((len(images), 68, 2), np.nan)
    if ok.any():
        rows = np.flatnonzero(ok)
        L[rows] = lm.landmarks([images[i] for i in rows], boxes=boxes[rows])
    return boxes, L, lm


def _embed(images, boxes):
    from skface.features import DlibFaceEncoder

    out = np.full((len(images), 128), np.nan)
    ok = np.isfinite(boxes).all(axis=1)
    if ok.any():
        rows = np.flatnonzero(ok)
        enc = DlibFaceEncoder(input="photos", on_missing="nan").fit(images[:1])
        out[rows] = enc.transform([images[i] for i in rows], boxes=boxes[rows])
    return out


OPEN_MOUTH = 0.2  # inner-lip gap over the inter-ocular distance


def mouth_opening(L):
    """Inner-lip gap of 68-point landmarks over the inter-ocular distance.

    The mean distance between the upper inner lip (points 62-64, 1-based)
    and the lower one (68-66) below it; about 0.0-0.1 for a closed or
    smiling mouth, over ``OPEN_MOUTH`` = 0.2 for a wide-open one. NaN
    where the landmarks are NaN.
    """
    from skface.metrics._landmarks import _interocular

    L = np.asarray(L, dtype=float)
    gap = np.linalg.norm(L[:, [61, 62, 63]] - L[:, [67, 66, 65]], axis=2).mean(1)
    return gap / _interocular(L)


def equal_count_kid(real, fake):
    """Face KID x 1000 on the first ``min(len(real), len(fake))`` of each."""
    from skface.generation import face_kid

    n = min(len(real), len(fake))
    return float(face_kid(list(real)[:n], list(fake)[:n], random_state=0)[0] * 1000)


def _five_point_model(images):
    from skface.landmarks import LandmarkExtractor

    return LandmarkExtractor(5, on_missing="nan").fit(images)


def score_swaps(
    name,
    swapped,
    sources,
    src_boxes,
    src_L,
    src_person,
    gallery,
    target_real,
    lm,
    target_person=None,
):
    """One row of the table for photos swapped from one person to the other.

    ``target_person`` (default: the other person) is whom retrieval counts
    as a hit; the source person for the own-decoder rows.
    """
    from skface.metrics._landmarks import _interocular

    if target_person is None:
        target_person = 1 - src_person

    g_emb, g_person, g_index = gallery
    emb = _embed(swapped, src_boxes)
    ok = np.isfinite(emb).all(axis=1)
    hits = []
    for i in np.flatnonzero(ok):
        keep = ~((g_index[:, 0] == src_person) & (g_index[:, 1] == i))
        d = np.linalg.norm(g_emb[keep] - emb[i], axis=1)
        hits.append(g_person[keep][np.argmin(d)] == target_person)
    rows = np.flatnonzero(np.isfinite(src_L).all(axis=(1, 2)))
    L1 = lm.landmarks([swapped[i] for i in rows], boxes=src_boxes[rows])
    iod = _interocular(src_L[rows])
    per_point = np.linalg.norm(L1 - src_L[rows], axis=2) / iod[:, None]
    err = per_point.mean(1)
    kid = equal_count_kid(target_real, swapped)
    wide = mouth_opening(src_L[rows]) > OPEN_MOUTH
    # a check by another model: dlib's 5-point predictor (eye corners and
    # nose base), which FaceSwapper's landmark_warp does not use
    lm5 = _five_point_model(swapped[:1])
    P0 = lm5.landmarks([sources[i] for i in rows], boxes=src_boxes[rows])
    P1 = lm5.landmarks([swapped[i] for i in rows], boxes=src_boxes[rows])
    err5 = (np.linalg.norm(P1 - P0, axis=2) / iod[:, None]).mean(1)

    def mean(a):
        return float(np.nanmean(a)) if np.isfinite(a).any() else float("nan")

    return {
        "row": name,
        "faces": int(ok.sum()),
        "retrieval": float(np.mean(hits)) if hits else float("nan"),
        "landmark_error": mean(err),
        "open_mouths": int(wide.sum()),
        "error_open": mean(err[wide]),
        "error_rest": mean(err[~wide]),
        "error_jaw": mean(per_point[:, :17].mean(1)),
        "error_inner": mean(per_point[:, 17:].mean(1)),
        "error_5pt": mean(err5),
        "kid_x1000": float(kid),
    }


def found_chips(swapper, files):
    """The swapper's aligned chips (float, [0, 1]) of the images with a face."""
    from sklearn.base import clone

    ext = clone(swapper.extractor_).set_params(on_missing="nan", dtype="float32")
    rec = ext.fit(files[:1]).extract(files)
    ok = np.asarray(rec.found, dtype=bool)
    return rec[np.flatnonzero(ok)], ok


class MeanFaceSwapper(BaseEstimator):
    """A stand-in swapper whose every output is one fixed chip (a baseline)."""

    def __init__(self, mean=None, chip_size=64, extractor=None):
        self.mean = mean
        self.chip_size = chip_size
        self.extractor = extractor

    def fit(self, X, y=None):
        self.extractor_ = self.extractor
        self.n_faces_fit_ = np.array([1])
        return self

    def swap_chips(self, chips, target=None):
        return np.repeat(np.asarray(self.mean, np.float32)[None], len(chips), axis=0)

    def _identity_weights(self, target):
        return np.ones(1)


def mean_face_paste(swapper, sources, target_chips):
    """The target's mean training chip pasted onto each source face."""
    from skface.autoencoders import FaceAnonymizer

    mean = np.mean(np.asarray(target_chips, np.float32), axis=0)
    stand_in = MeanFaceSwapper(mean, swapper.chip_size, swapper.extractor_)
    anon = FaceAnonymizer(
        method="swap",
        swapper=stand_in,
        reconstructor=swapper.reconstructor_,
        on_missing="keep",
    )
    return anon.fit(sources[:1], [0]).transform(sources)


def morph_swap(target_files, sources, n_donors=1):
    """The classical face swap toward the target person (no training).

    ``FaceAnonymizer(method='morph')`` with the target's training photos as
    the only donors (``donor_distance=0``: any of them): each source face
    gets the target photo nearest in landmark shape, warped onto the
    source's own landmarks (``n_donors`` > 1: that many, the nearest in
    shape, combined as ``FaceAnonymizer`` does). A reference for the
    neural swap, not a FaceSwapper.
    """
    from skface.autoencoders import FaceAnonymizer

    anon = FaceAnonymizer(
        method="morph", donor_distance=0.0, n_donors=n_donors, on_missing="keep"
    )
    with warnings.catch_warnings():  # donor photos without a face: skipped
        warnings.simplefilter("ignore", UserWarning)
        anon.fit(load(target_files))
    return anon.transform(sources)


def quality(args, split):
    from skface.generation import FaceSwapper

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [f for who in PEOPLE for f in split[who][0]]
    labels = [who for who in PEOPLE for _ in split[who][0]]
    if args.model and not args.resume:
        swapper = FaceSwapper.load(args.model, device=args.device)
        fit_s, epochs = float("nan"), len(swapper.history_)
    else:
        if args.model:  # --resume: continue training the saved model
            swapper = FaceSwapper.load(args.model, device=args.device)
            swapper.set_params(warm_start=True, max_epochs=args.epochs, verbose=1)
            if args.lr is not None:  # e.g. a lower rate to settle the weights
                swapper.set_params(lr=args.lr)
        else:
            from skface.alignment import FaceExtractor

            swapper = FaceSwapper(
                args.chip_size,
                width=args.width,
                n_latent=args.n_latent,
                max_channels=args.max_channels,
                max_epochs=args.epochs,
                batch_size=args.batch_size,
                lr=args.lr,
                extractor=(
                    None
                    if args.padding is None
                    else FaceExtractor(padding=args.padding)
                ),
                device=args.device,
                random_state=args.seed,
                verbose=1,
            )
            swapper.set_params(**args.set)
        t = time.perf_counter()
        swapper.fit(files, labels)
        fit_s, epochs = time.perf_counter() - t, args.epochs
        swapper.save(out_dir / "swap_pair.safetensors")
    print(
        f"\nFaceSwapper: {epochs} epochs ({len(swapper.history_)} in all) on "
        f"{swapper.n_faces_fit_.tolist()} training "
        f"faces ({', '.join(swapper.classes_)}), fit {fit_s:.0f} s, "
        f"{epochs * int(swapper.n_faces_fit_.sum()) / fit_s:.1f} images/s",
        flush=True,
    )
    # held-out photos where no face is found come back unchanged (and are
    # scored as such: retrieval counts them as misses)
    swapper.set_params(on_missing="keep")
    test = {who: load(split[who][1]) for who in PEOPLE}
    train_imgs = {who: load(split[who][0][: len(test[who])]) for who in PEOPLE}
    info = {who: _boxes_and_landmarks(test[who]) for who in PEOPLE}
    lm = info[PEOPLE[0]][2]
    # what each decoder could learn: wide-open mouths among the faces found
    counts = []
    for who in PEOPLE:
        train_L = _boxes_and_landmarks(load(split[who][0]))[1]
        for part, L in (("train", train_L), ("test", info[who][1])):
            L = L[np.isfinite(L).all(axis=(1, 2))]
            n_open = int((mouth_opening(L) > OPEN_MOUTH).sum())
            counts.append(f"{who} {part} {n_open} of {len(L)}")
    print(f"mouths open > {OPEN_MOUTH} IOD: " + ", ".join(counts), flush=True)
    g_emb, g_person, g_index = [], [], []
    for p, who in enumerate(PEOPLE):
        e = _embed(test[who], info[who][0])
        ok = np.isfinite(e).all(axis=1)
        g_emb.append(e[ok])
        g_person += [p] * int(ok.sum())
        g_index += [(p, i) for i in np.flatnonzero(ok)]
    gallery = (np.concatenate(g_emb), np.array(g_person), np.array(g_index))
    rows = []
    for p, src in enumerate(PEOPLE):
        dst = PEOPLE[1 - p]
        sources, (boxes, L, _) = test[src], info[src]
        common = (sources, boxes, L, p, gallery, test[dst], lm)
        flips = args.flip_average or [swapper.flip_average]
        warps = args.landmark_warp or [swapper.landmark_warp]
        for flip, sharpen, warp in itertools.product(
            flips, args.sharpen or [swapper.sharpen], warps
        ):
            swapper.set_params(
                sharpen=sharpen, flip_average=bool(flip), landmark_warp=warp
            )
            swapped = list(swapper.swap(sources, target=dst).images)
            name = f"{src} -> {dst}: FaceSwapper, {_settings(swapper)}"
            rows.append(score_swaps(name, swapped, *common))
        # the source's own decoder: the autoencoder's reconstruction error,
        # the floor under the swap's (KID against the source's training
        # photos, not the held-out photos reconstructed)
        own = list(swapper.swap(sources, target=src).images)
        rows.append(
            score_swaps(
                f"{src} -> {src}: FaceSwapper, own decoder (reconstruction), "
                + _settings(swapper),
                own,
                sources,
                boxes,
                L,
                p,
                gallery,
                train_imgs[src],
                lm,
                target_person=p,
            )
        )
        if args.no_baselines:
            _panel(out_dir / f"swap_{src}_to_{dst}.png", sources[:8], swapped[:8])
            continue
        rows.append(score_swaps(f"{src} -> {dst}: unchanged source", sources, *common))
        chips = np.clip(found_chips(swapper, split[dst][0][:200])[0].chips, 0, 1)
        pasted = list(mean_face_paste(swapper, sources, chips))
        rows.append(score_swaps(f"{src} -> {dst}: {dst}'s mean face", pasted, *common))
        k = args.morph_donors
        morphed = list(morph_swap(split[dst][0], sources, k))
        rows.append(
            score_swaps(
                f"{src} -> {dst}: classical morph from {dst}'s training photos"
                + (f" ({k} combined)" if k > 1 else ""),
                morphed,
                *common,
            )
        )
        n = min(len(train_imgs[dst]), len(test[dst]))
        rows.append(
            {
                "row": f"{dst}: training photos vs held-out (floor)",
                "faces": n,
                "kid_x1000": equal_count_kid(test[dst], train_imgs[dst]),
            }
        )
        _panel(
            out_dir / f"swap_{src}_to_{dst}.png",
            sources[:8],
            swapped[:8],
            pasted[:8],
            morphed[:8],
        )
    return rows


def _settings(swapper):
    """The drawing settings a row of the table was scored with."""
    text = f"sharpen={swapper.sharpen:g}"
    text += ", flip_average" if swapper.flip_average else ""
    if swapper.landmark_warp:
        text += f", landmark_warp={swapper.landmark_warp:g}"
    return text


def _panel(path, *rows_of_images):
    from PIL import Image

    from skface.utils import resize

    lines = []
    for images in rows_of_images:
        tiles = [resize(np.asarray(im), (128, 128)) for im in images]
        lines.append(np.concatenate(tiles, axis=1))
    Image.fromarray(np.concatenate(lines, axis=0).astype(np.uint8)).save(path)
    print(f"wrote {path}")


# ------------------------------------------------------------------ speed
def speed(args, split, rounds=3, epochs=2, n_images=256):
    """Estimator epochs vs a plain loop on the same modules; prints a table."""
    import torch
    from skorch.callbacks import Callback

    from skface.generation import FaceSwapper
    from skface.nn import masked_reconstruction_loss, random_warp

    files = [f for who in PEOPLE for f in split[who][0][: n_images // 2]]
    labels = [who for who in PEOPLE for _ in split[who][0][: n_images // 2]]
    settings = dict(
        chip_size=args.chip_size,
        width=args.width,
        n_latent=args.n_latent,
        max_channels=args.max_channels,
        batch_size=args.batch_size,
        lr=args.lr,
        device=args.device,
    )
    if args.landmarks != 68:
        from skface.alignment import FaceExtractor
        from skface.landmarks import LandmarkExtractor

        settings["extractor"] = FaceExtractor(
            padding=0.1, landmark_extractor=LandmarkExtractor(n_points=args.landmarks)
        )

    class Timer(Callback):
        def initialize(self):
            self.times = []
            return self

        def on_epoch_begin(self, net, **kw):
            self.t = time.perf_counter()

        def on_epoch_end(self, net, **kw):
            self.times.append(time.perf_counter() - self.t)

    template = FaceSwapper(**settings, max_epochs=1, random_state=0).fit(files, labels)
    # the training tensors, exactly as fit builds them
    from skface.generation import feature_weight_map

    rec, ok = found_chips(template, files)
    chips = np.clip(rec.chips, 0, 1)
    w = feature_weight_map(rec.masks, rec.landmarks)
    data = torch.as_tensor(
        np.concatenate([chips, w[..., None]], 3).transpose(0, 3, 1, 2).copy()
    )
    ident = torch.as_tensor(np.unique(labels, return_inverse=True)[1][ok])
    n = len(data)
    device = template.net_.device
    betas = tuple(template.betas)

    def plain_epoch(net, opt, gen):
        order = torch.randperm(n, generator=gen)
        for s in range(0, n, args.batch_size):
            idx = order[s : s + args.batch_size]
            x, k = data[idx].to(device), ident[idx].to(device)
            target, warped = random_warp(x, n_image_channels=3)
            pred = net(warped[:, :3], k)
            loss = masked_reconstruction_loss(
                pred, target[:, :3], target[:, 3:], "ssim+l1", 0.5
            )
            opt.zero_grad()
            loss.backward()
            opt.step()

    est_rate, plain_rate, ratios = [], [], []
    for r in range(rounds):
        order = ("estimator", "plain") if r % 2 == 0 else ("plain", "estimator")
        rates = {}
        for which in order:
            if which == "estimator":
                timer = Timer()
                est = FaceSwapper(
                    **settings,
                    max_epochs=epochs,
                    random_state=r,
                    callbacks=[("bench", timer)],
                )
                est.fit(files, labels)
                rates[which] = n / np.mean(timer.times)
            else:
                torch.manual_seed(r)
                net = type(template.net_.autoencoder_)(
                    2, 3, args.chip_size, args.width, args.max_channels, args.n_latent
                ).to(device)
                opt = torch.optim.Adam(net.parameters(), lr=args.lr, betas=betas)
                gen = torch.Generator().manual_seed(r)
                times = []
                for _ in range(epochs):
                    t = time.perf_counter()
                    plain_epoch(net, opt, gen)
                    times.append(time.perf_counter() - t)
                rates[which] = n / np.mean(times)
        est_rate.append(rates["estimator"])
        plain_rate.append(rates["plain"])
        ratios.append(rates["estimator"] / rates["plain"])
        print(
            f"round {r}: estimator {rates['estimator']:.1f} img/s, plain "
            f"{rates['plain']:.1f} img/s, ratio {ratios[-1]:.3f}",
            flush=True,
        )
    print("\n| loop | images/s (median) |\n|---|---|")
    print(f"| FaceSwapper.fit | {np.median(est_rate):.1f} |")
    print(f"| plain PyTorch | {np.median(plain_rate):.1f} |")
    print(
        f"\nmedian per-round ratio estimator/plain: {np.median(ratios):.3f} "
        f"({n} chips of {args.chip_size} px, {epochs} epochs x {rounds} rounds, "
        f"device {device}, {args.landmarks}-point alignment)"
    )


def format_table(rows):
    cols = (
        "row",
        "faces",
        "retrieval",
        "landmark_error",
        "open_mouths",
        "error_open",
        "error_rest",
        "error_jaw",
        "error_inner",
        "error_5pt",
        "kid_x1000",
    )
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c, "")
            cells.append(f"{v:.3f}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(PAIR))
    parser.add_argument(
        "--section",
        nargs="+",
        default=["quality", "speed"],
        choices=("quality", "speed"),
    )
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--chip-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--n-latent", type=int, default=256)
    parser.add_argument("--max-channels", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--lr",
        type=float,
        default=None,
        help="learning rate (default 5e-4; with --resume: the saved model's)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--landmarks",
        type=int,
        choices=(68, 5),
        default=68,
        help="speed section: align with dlib's 68- or 5-point model (5: a GPU "
        "machine without the 68-point file; both loops train on the same chips)",
    )
    parser.add_argument(
        "--speed-epochs",
        type=int,
        default=2,
        help="speed section: epochs per timed fit (more on a GPU, where an epoch "
        "of 256 chips takes a fraction of a second)",
    )
    parser.add_argument("--model", default=None)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="with --model: train it --epochs more epochs (warm start), then score",
    )
    parser.add_argument(
        "--morph-donors",
        type=int,
        default=1,
        help="the classical morph row: target photos averaged per face",
    )
    parser.add_argument(
        "--padding",
        type=float,
        default=None,
        help="FaceExtractor padding of the training chips (margin around the "
        "face); default: FaceSwapper's (0.1)",
    )
    parser.add_argument(
        "--set",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="other FaceSwapper parameters of a new model, e.g. adversarial_weight=0.1",
    )
    parser.add_argument(
        "--sharpen",
        type=float,
        nargs="+",
        default=None,
        help="score the FaceSwapper rows at each of these sharpen values (the "
        "panels show the last); default: the model's own",
    )
    parser.add_argument(
        "--no-baselines",
        action="store_true",
        help="score the FaceSwapper rows only (no source, mean-face, morph, floor)",
    )
    parser.add_argument(
        "--flip-average",
        type=int,
        nargs="+",
        choices=(0, 1),
        default=None,
        help="score the FaceSwapper rows with flip_average off (0) and/or on "
        "(1), the test-time mirror averaging; default: the model's own",
    )
    parser.add_argument(
        "--landmark-warp",
        type=float,
        nargs="+",
        default=None,
        help="score the FaceSwapper rows at each of these landmark_warp values "
        "(0: as drawn, 1: landmarks moved onto the source's; the panels show "
        "the last); default: the model's own",
    )
    parser.add_argument("--out", default=str(HERE / "out"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from bench_head_turn import parse_set  # KEY=VALUE, values as literals

    args.set = parse_set(args.set)
    if not all((Path(args.data) / who).is_dir() for who in PEOPLE):
        print(f"deepfakes pair not found under {args.data}; nothing to do")
        return 0
    if args.quick:
        args.epochs = min(args.epochs, 2)
    if args.lr is None and not args.resume:
        args.lr = 5e-4
    split = split_pair(args.data, args.seed, quick=args.quick)
    print(
        "data: "
        + ", ".join(
            f"{who} {len(split[who][0])} train / {len(split[who][1])} test"
            for who in PEOPLE
        )
    )
    if "quality" in args.section:
        rows = quality(args, split)
        print("\n" + format_table(rows))
    if "speed" in args.section:
        speed(
            args,
            split,
            rounds=1 if args.quick else 3,
            epochs=args.speed_epochs,
            n_images=64 if args.quick else 256,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
