"""Face inpainting on Olivetti: FaceInpainter against the classical baselines.

Train on persons 0-29 (300 faces), test on persons 30-39 (100 faces never
seen in training), 64x64 grey, three hole types:

* ``lower``: the lower half (rows 32-63), scikit-learn's face-completion task;
* ``centre``: the centred square of side 21 (the context encoder's test hole);
* ``facemask``: :class:`~skface.restoration.masks.FaceMaskShape` (template
  placement: the surgical-mask region, nose bridge to chin).

Methods: one :class:`~skface.restoration.FaceInpainter` trained once for all
three hole types (holes drawn afresh each batch from a mix of the three hole
families plus random rectangles), :class:`BiharmonicInpainter`,
:class:`TeleaInpainter` (Telea and Navier-Stokes) and
:class:`RegressionInpainter` with ExtraTrees, KNN and RidgeCV (one regressor
per hole type: its hole is fixed).

Metrics on the test faces, mean over images: PSNR on the hole and the seam
score (gradient jump across the hole edge minus the gradient beside it;
about 0 is seamless, positive is a visible edge, negative a boundary
smoother than its surroundings) for each way of putting the fill in the
hole (``none``: pasted as predicted, ``feather``, ``poisson``; every method
gets the same three), plus SSIM and L1 on the hole and PSNR on the whole
image after feathering (FaceInpainter's default blend). The summary
compares FaceInpainter with the best classical method under each blend.

Run ``python benchmarks/bench_inpainting.py [--quick] [--olivetti PATH]``.
``--quick`` trains FaceInpainter for a few epochs only (a smoke test of the
script, not a result).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OLIVETTI = HERE.parent.parent / "shared" / "data" / "olivetti" / "olivetti_faces.npz"

BLENDS = ("none", "feather", "poisson")
COLUMNS = (
    "hole",
    "method",
    *(f"psnr_{b}" for b in BLENDS),
    "ssim_hole",
    "l1_hole",
    "psnr_whole",
    *(f"seam_{b}" for b in BLENDS),
    "fit_s",
)


def training_masks():
    """The hole mix FaceInpainter trains on here: the three test families.

    The lower half, the centre square and the template face-mask shape (the
    same holes the regressors are fitted on, one at a time), plus random
    rectangles (a tenth of the holes) for generality.
    """
    from skface.restoration.masks import (
        CenterSquare,
        FaceMaskShape,
        LowerBand,
        MixedMasks,
        RandomRectangles,
    )

    return MixedMasks(
        [
            LowerBand(0.5, 0.5),
            CenterSquare(),
            FaceMaskShape(),
            RandomRectangles(min_size=0.25, max_size=0.6),
        ],
        weights=[3, 3, 3, 1],
    )


def face_inpainter(max_epochs, adversarial_weight=1e-4, random_state=0):
    """The benchmark's FaceInpainter recipe."""
    from skface.restoration import FaceInpainter

    return FaceInpainter(
        image_size=64,
        width=16,
        skip_connections=True,
        adversarial_weight=adversarial_weight,
        lr=1e-3,
        batch_size=16,
        max_epochs=max_epochs,
        masks=training_masks(),
        random_state=random_state,
    )


def test_holes(n):
    from skface.restoration.masks import CenterSquare, FaceMaskShape

    lower = np.zeros((n, 64, 64), dtype=bool)
    lower[:, 32:] = True
    return {
        "lower": lower,
        "centre": CenterSquare().generate((n, 64, 64)),
        "facemask": FaceMaskShape().generate((n, 64, 64)),
    }


def _classical():
    from sklearn.ensemble import ExtraTreesRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.neighbors import KNeighborsRegressor

    from skface.restoration import (
        BiharmonicInpainter,
        RegressionInpainter,
        TeleaInpainter,
    )

    return {
        "Biharmonic": lambda: BiharmonicInpainter(),
        "Telea": lambda: TeleaInpainter("telea"),
        "NavierStokes": lambda: TeleaInpainter("ns"),
        "ExtraTrees": lambda: RegressionInpainter(
            ExtraTreesRegressor(n_estimators=10, max_features=32), random_state=0
        ),
        "KNN": lambda: RegressionInpainter(KNeighborsRegressor()),
        "RidgeCV": lambda: RegressionInpainter(RidgeCV(alphas=np.logspace(-2, 3, 11))),
    }


def _metrics(truth, fills, holes):
    from skface.metrics import l1_error, psnr, seam_score, ssim
    from skface.restoration import blend_fill

    out = {}
    for blend in BLENDS:
        done = np.stack(
            [blend_fill(x, f, m, blend) for x, f, m in zip(truth, fills, holes)]
        )
        out[f"psnr_{blend}"] = psnr(truth, done, masks=holes)
        out[f"seam_{blend}"] = seam_score(done, holes)
        if blend == "feather":
            out["ssim_hole"] = ssim(truth, done, masks=holes)
            out["l1_hole"] = l1_error(truth, done, masks=holes)
            out["psnr_whole"] = psnr(truth, done)
    return out


def _fmt(row):
    out = []
    for col in COLUMNS:
        v = row.get(col, "")
        out.append(f"{v:.3f}" if isinstance(v, float) else str(v))
    return "| " + " | ".join(out) + " |"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--olivetti", type=Path, default=OLIVETTI)
    parser.add_argument("--quick", action="store_true", help="few epochs (smoke test)")
    parser.add_argument("--epochs", type=int, default=None, help="FaceInpainter epochs")
    parser.add_argument(
        "--adversarial-weight", type=float, default=1e-4, help="0: no GAN"
    )
    parser.add_argument("--png", type=Path, default=None, help="write a figure here")
    args = parser.parse_args(argv)

    from skface.datasets import load_olivetti_faces

    data = load_olivetti_faces(args.olivetti)
    images = data.images.astype(np.float32) / 255.0
    train, test = images[data.target < 30], images[data.target >= 30]
    holes = test_holes(len(test))
    epochs = args.epochs or (3 if args.quick else 60)

    t_all = time.perf_counter()
    rows, fills_by = [], {}
    inp = face_inpainter(epochs, args.adversarial_weight)
    t0 = time.perf_counter()
    inp.fit(train)
    fit_s = time.perf_counter() - t0
    speed = {}
    for hole, m in holes.items():
        t0 = time.perf_counter()
        fills = inp.inpaint(test, masks=m)[0]
        speed[hole] = len(test) / (time.perf_counter() - t0)
        fills_by[(hole, "FaceInpainter")] = fills
        rows.append(
            {"hole": hole, "method": "FaceInpainter", "fit_s": fit_s}
            | _metrics(test, fills, m)
        )
    t0 = time.perf_counter()
    inp.transform(test, masks=holes["facemask"])
    blend_speed = len(test) / (time.perf_counter() - t0)

    for name, make in _classical().items():
        for hole, m in holes.items():
            est = make()
            t0 = time.perf_counter()
            est.fit(train, masks=np.broadcast_to(m[0], (len(train), 64, 64)))
            fills = est.inpaint(test, masks=m)[0]
            dt = time.perf_counter() - t0
            fills_by[(hole, name)] = fills
            rows.append(
                {"hole": hole, "method": name, "fit_s": dt} | _metrics(test, fills, m)
            )

    rows.sort(key=lambda r: (list(holes).index(r["hole"]), -r["psnr_feather"]))
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for row in rows:
        print(_fmt(row))
    print()
    print(
        f"FaceInpainter (adversarial_weight={args.adversarial_weight:g}): "
        f"{epochs} epochs on {len(train)} faces in {fit_s:.1f} s "
        f"({epochs * len(train) / fit_s:.0f} training images/s); inference "
        f"{np.mean(list(speed.values())):.0f} images/s (network), "
        f"{blend_speed:.0f} images/s with {inp.blend!r} blending"
    )
    print()
    print(
        "| hole | blend | FaceInpainter dB | best classical | its dB | margin | "
        "FaceInpainter seam | classical seams |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for hole in holes:
        here = [r for r in rows if r["hole"] == hole]
        mine = next(r for r in here if r["method"] == "FaceInpainter")
        others = [r for r in here if r["method"] != "FaceInpainter"]
        for blend in BLENDS:
            key, seam = f"psnr_{blend}", f"seam_{blend}"
            best = max(others, key=lambda r: r[key])
            seams = [r[seam] for r in others]
            print(
                f"| {hole} | {blend} | {mine[key]:.2f} | {best['method']} | "
                f"{best[key]:.2f} | {mine[key] - best[key]:+.2f} | "
                f"{mine[seam]:+.4f} | {min(seams):+.4f} .. {max(seams):+.4f} |"
            )
    print(f"total {time.perf_counter() - t_all:.0f} s")
    if args.png is not None:
        _figure(test, holes, fills_by, args.png)


def _figure(test, holes, fills_by, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skface.restoration import blend_fill

    methods = ["FaceInpainter", "RidgeCV", "ExtraTrees", "Biharmonic"]
    idx = [0, 25, 51, 77]
    cols = 2 + len(methods)
    n_rows = len(holes) * len(idx)
    fig, axes = plt.subplots(n_rows, cols, figsize=(cols, len(holes) * 4))
    r = 0
    for hole, m in holes.items():
        for i in idx:
            shown = [np.where(m[i], 0.5, test[i])]
            for meth in methods:
                shown.append(
                    blend_fill(test[i], fills_by[(hole, meth)][i], m[i], "feather")
                )
            shown.append(test[i])
            for c, img in enumerate(shown):
                ax = axes[r, c]
                ax.imshow(img, cmap="gray", vmin=0, vmax=1)
                ax.set_axis_off()
                if r == 0:
                    ax.set_title((["masked", *methods, "truth"])[c], fontsize=6)
            r += 1
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
