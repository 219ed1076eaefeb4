"""
==============================================
Process a folder on a Dask cluster, to Parquet
==============================================

Each task of a 2-worker :class:`distributed.LocalCluster` reads a few
photos *from their paths*, finds every face with a
:class:`~skface.recognition.FaceAnalyzer` (box, 68 landmarks, 128-d
embedding) and writes its own Parquet part: the main process never holds the
photos, only their paths, so the same script scales to millions of files on
a real cluster. The table has the layout of ``skface encode --out
faces.parquet`` plus the landmarks: one row per face, ``source``, ``face``,
``left``, ``top``, ``right``, ``bottom``, ``score``, ``x0``...``y67`` and
``e0``...``e127``.

The analyzer is fitted once and sent to the workers: skface estimators
pickle without their native dlib handles, and each worker process loads
the models once. The same work can also go through joblib:
``joblib.parallel_config(backend="dask")`` routes every per-image
transform's workers to the cluster (last section).
"""

# %%
# A folder of photos
# ------------------
# Synthetic faces and the astronaut photo bundled with scikit-image are
# written as JPEG files to a temporary folder; the coffee cup has no face.
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from PIL import Image
from skimage.data import astronaut, coffee

from skface.datasets import make_synthetic_faces
from skface.recognition import FaceAnalyzer


def write_folder(root):
    """Write the example photos to ``root``; their paths, sorted."""
    faces = make_synthetic_faces(9, size=160, random_state=0).images
    photos = {f"synthetic_{i}.jpg": face for i, face in enumerate(faces)}
    photos["astronaut.jpg"] = astronaut()
    photos["coffee.jpg"] = coffee()
    for name, image in photos.items():
        Image.fromarray(image).save(root / name, quality=95)
    return sorted(str(p) for p in root.glob("*.jpg"))


# %%
# One task: a chunk of paths to a Parquet part
# --------------------------------------------
# The worker reads the photos itself; the table is flattened to plain
# numeric columns (Parquet stores them compactly and any tool reads them).


def face_table(rows, sources):
    """A :class:`~skface.utils.FaceRows` as one flat row per face."""
    frame = rows.to_frame(sources=sources)
    table = frame[["source", "face", "left", "top", "right", "bottom", "score"]]
    n = len(frame)
    L = np.stack(frame["landmarks"]).reshape(n, -1) if n else np.empty((0, 136))
    E = np.stack(frame["embedding"]) if n else np.empty((0, 128))
    xy = [f"{c}{p}" for p in range(L.shape[1] // 2) for c in "xy"]
    return pd.concat(
        [
            table.reset_index(drop=True),
            pd.DataFrame(L, columns=xy),
            pd.DataFrame(E, columns=[f"e{d}" for d in range(E.shape[1])]),
        ],
        axis=1,
    )


def faces_to_parquet(part, paths, analyzer, out_dir):
    """Find the faces of ``paths`` and write them to ``part-NNNNN.parquet``."""
    table = face_table(analyzer.analyze_rows(paths), paths)
    table.to_parquet(Path(out_dir) / f"part-{part:05d}.parquet", index=False)
    return len(table)


def _name(path):
    return Path(path).name


# %%
# Run it on a 2-worker cluster
# ----------------------------
# ``client.map`` sends only the paths; ``n_jobs=1`` inside each task, since
# the cluster already runs one task per worker.


def main():
    import distributed

    root = Path(tempfile.mkdtemp(prefix="skface_photos_"))
    out_dir = root / "faces.parquet"  # a Parquet dataset: one file per task
    out_dir.mkdir()
    paths = write_folder(root)
    blank = [np.zeros((64, 64, 3), np.uint8)]  # pretrained models: fit is cheap
    analyzer = FaceAnalyzer(landmarks=True, embeddings=True, n_jobs=1).fit(blank)

    chunk = 3
    chunks = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        shared = client.scatter(analyzer, broadcast=True)
        futures = client.map(
            faces_to_parquet,
            range(len(chunks)),
            chunks,
            analyzer=shared,
            out_dir=str(out_dir),
        )
        counts = client.gather(futures)
        print(f"{len(paths)} photos, {sum(counts)} faces, {len(counts)} Parquet parts")

        # The same through joblib: ``parallel_config(backend="dask")`` sends
        # the per-image work of every skface transform to the cluster.
        import joblib

        with joblib.parallel_config(backend="dask"):
            rows = FaceAnalyzer(landmarks=True, embeddings=True).analyze_rows(paths)

    table = pd.read_parquet(out_dir).sort_values(["source", "face"])
    table = table.reset_index(drop=True)
    shown_table = table.iloc[:, :7].assign(source=table["source"].map(_name))
    print(shown_table.to_string(max_rows=12))
    same = face_table(rows, paths).sort_values(["source", "face"])
    np.testing.assert_allclose(
        table.drop(columns="source").to_numpy(),
        same.drop(columns="source").reset_index(drop=True).to_numpy(),
    )
    print("client.map and the joblib backend give the same table")

    # A figure from the table alone: boxes and landmarks over the photos.
    shown = [p for p in paths if "synthetic_" in p][:3] + [paths[0]]
    fig, axes = plt.subplots(1, len(shown), figsize=(3 * len(shown), 3.2))
    for ax, path in zip(axes, shown):
        ax.imshow(np.asarray(Image.open(path)))
        for _, face in table[table["source"] == path].iterrows():
            left, top, right, bottom = face[["left", "top", "right", "bottom"]]
            ax.add_patch(
                plt.Rectangle(
                    (left, top), right - left, bottom - top, fill=False, ec="red"
                )
            )
            ax.plot(
                face[[f"x{p}" for p in range(68)]],
                face[[f"y{p}" for p in range(68)]],
                ".",
                ms=2,
                c="lime",
            )
        ax.set_title(_name(path), fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    shutil.rmtree(root)
    plt.show()


# %%
# Dask starts its workers as new Python processes that import this script
# again, so the cluster is only started under the ``__main__`` guard (a
# script that starts a cluster at import time would start one per worker).
if __name__ == "__main__":
    main()
