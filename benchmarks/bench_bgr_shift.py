"""How far BGR input moves dlib's face embeddings (why skface says "RGB").

Run from the repository root::

    python benchmarks/bench_bgr_shift.py [--utkface ../shared/data/utkface] [--n 60]

skface takes RGB images. ``cv2.imread`` returns BGR, and a BGR array has the
same shape and dtype as an RGB one, so nothing can refuse it. This script
encodes the same photos as RGB and as their BGR copy (``image[..., ::-1]``)
with :class:`skface.features.DlibFaceEncoder` (its default HOG detector, 5
points and ResNet) and prints the Euclidean distance between the two
embeddings of each face, to compare with dlib's same-person threshold of
0.6: scikit-image's astronaut, then the first ``--n`` UTKFace photos (in
sorted file order) when that folder exists.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

UTKFACE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "utkface"


def _distances(encoder, photos):
    rgb = encoder.transform(photos)
    bgr = encoder.transform([np.ascontiguousarray(p[..., ::-1]) for p in photos])
    d = np.linalg.norm(rgb - bgr, axis=1)
    return d[np.isfinite(d)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utkface", type=Path, default=UTKFACE)
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args(argv)

    from skimage.data import astronaut

    from skface.features import DlibFaceEncoder
    from skface.utils import read_image

    photo = astronaut()
    encoder = DlibFaceEncoder(on_missing="nan").fit([photo])
    d = _distances(encoder, [photo])
    print(f"astronaut: RGB vs BGR embedding distance {d[0]:.3f} (threshold 0.6)")
    if args.utkface.is_dir():
        files = sorted(args.utkface.glob("*.jpg"))[: args.n]
        d = _distances(encoder, [read_image(f) for f in files])
        print(
            f"UTKFace, first {len(files)} files, {len(d)} faces found: median "
            f"{np.median(d):.3f}, min {d.min():.3f}, max {d.max():.3f}"
        )


if __name__ == "__main__":
    main()
