"""The offline face-quality panel for generated faces, on dlib embeddings.

Inception weights cannot be downloaded everywhere, and FID's Inception was
never trained on faces. This panel scores generated faces with models that
ship with skface's dlib dependency: the 128-d face embeddings of
:class:`~skface.features.DlibFaceEncoder` (for the kernel and Frechet
distances, recall and same-identity pairs), dlib's HOG face detector and its
68-point shape predictor. The array metrics themselves are in
:mod:`skface.metrics` (:func:`~skface.metrics.kernel_distance` and its
siblings); this module runs the models.

Generated faces are small, aligned and fill the image (64x64 GAN samples,
UTKFace or Olivetti chips), and a detector may miss them, which must not
drop them from the panel. So the faces are not detected for embedding:
every image is enlarged (bicubic) to ``input_size`` pixels and embedded in
one fixed box (``box``, fractions of the image), in which dlib's 5-point
predictor aligns the chip.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..detection import HOGFaceDetector
from ..features import DlibFaceEncoder
from ..landmarks import LandmarkExtractor
from ..metrics import (
    embedding_recall,
    frechet_distance,
    kernel_distance,
    landmark_error,
    pair_collision_rate,
    sharpness_ratio,
)
from ..utils import resize
from ..utils.validation import check_images, check_landmarks

__all__ = [
    "FACE_BOX",
    "face_embeddings",
    "face_fd",
    "face_generation_report",
    "face_kid",
]

#: Side (pixels) the faces are enlarged to before dlib sees them. Measured on
#: 111 UTKFace faces shrunk to 64x64 and enlarged again (see FACE_BOX): the
#: median distance to the embedding of the 200-pixel original in its
#: detected box was 0.110 at 100 px, 0.097 at 150 px, 0.085 at 200 px.
INPUT_SIZE = 200

#: Face box ``(left, top, right, bottom)`` as fractions of the image width and
#: height: the median box of dlib's HOG detector on UTKFace's aligned
#: 200-pixel faces (120 random faces, 111 found). On those faces shrunk to
#: 64 px and enlarged to 200 px, embedding in this fixed box gave a median
#: distance of 0.085 to the embedding of the original photo in its own
#: detected box, the same as the per-image detected box scaled to the small
#: face (0.084), against 0.089-0.110 for boxes 10-20% larger or smaller and
#: 0.19 for the enlarged face fed as a chip without alignment. Olivetti faces
#: are cropped tighter: there the whole image, ``(0, 0, 1, 1)``, is the
#: detector's box (median distance 0 against 0.063 for this box).
FACE_BOX = (0.06, 0.06, 0.84, 0.84)

#: Images enlarged at a time (bounds the memory of large sets).
_CHUNK = 256


# --------------------------------------------------------------------------
# validation and preparation


def _check_box(box):
    try:
        b = np.asarray(box, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"box must be 4 numbers, got {box!r}") from None
    if b.shape != (4,) or not np.isfinite(b).all():
        raise ValueError(f"box must be 4 finite numbers, got {box!r}")
    if not (b[2] > b[0] and b[3] > b[1]):
        raise ValueError(
            f"box must be (left, top, right, bottom) with right > left and "
            f"bottom > top, got {box!r}"
        )
    return b


def _check_input_size(input_size):
    if input_size is None:
        return INPUT_SIZE
    if (
        not isinstance(input_size, numbers.Integral)
        or isinstance(input_size, bool)
        or input_size < 32
    ):
        raise ValueError(f"input_size must be an int >= 32 or None, got {input_size!r}")
    return int(input_size)


def _enlarge(image, side):
    """Resize so that the shorter side is ``side`` (bicubic when enlarging)."""
    h, w = image.shape[:2]
    s = side / min(h, w)
    hw = (max(1, round(h * s)), max(1, round(w * s)))
    return resize(image, hw, interpolation="cubic")


def _chunks(images, side):
    """``(start, enlarged images)`` for consecutive chunks of the images."""
    for start in range(0, len(images), _CHUNK):
        yield start, [_enlarge(im, side) for im in images[start : start + _CHUNK]]


def _boxes_for(images, box):
    return np.array(
        [box * [im.shape[1], im.shape[0], im.shape[1], im.shape[0]] for im in images]
    ).reshape(-1, 4)


def _load(X, name):
    return check_images(X, dtype="uint8", channels="rgb", stack=False, name=name)


# --------------------------------------------------------------------------
# embeddings


def face_embeddings(X, *, input_size=None, box=FACE_BOX, n_jobs=None):
    """dlib face embeddings of aligned faces, without a detector.

    Every image is taken to be one aligned face that fills it (a GAN sample,
    a UTKFace or Olivetti chip): it is enlarged (bicubic) so that its shorter
    side is ``input_size``, and :class:`~skface.features.DlibFaceEncoder`
    embeds it in the fixed face ``box``, where dlib's 5-point predictor
    aligns the 150x150 chip. No face is missed, so a generated face that a
    detector would not find still counts (a poor one lands far from the real
    ones).

    Parameters
    ----------
    X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
        Aligned faces, grey or RGB, ``uint8``, ``uint16`` or float in
        ``[0, 1]`` (grey is replicated to RGB).
    input_size : int, default=None
        Shorter side, in pixels, the images are resized to; ``None`` means
        200, the size whose embeddings of 64-pixel faces came closest to
        those of the original photos (:data:`INPUT_SIZE`).
    box : tuple of 4 float, default=FACE_BOX
        Face box ``(left, top, right, bottom)`` as fractions of the image's
        width and height. The default, ``(0.06, 0.06, 0.84, 0.84)``, is dlib's
        HOG box on UTKFace's aligned faces (:data:`FACE_BOX`); use
        ``(0, 0, 1, 1)`` for faces cropped as tightly as Olivetti's.
    n_jobs : int, default=None
        Workers of the encoder (processes; ``None`` follows
        :func:`joblib.parallel_config`).

    Returns
    -------
    embeddings : ndarray of shape (n_samples, 128)
        dlib's embeddings; two faces closer than 0.6 pass for one person.

    Raises
    ------
    ValueError
        For invalid images (naming ``X[i]``), ``input_size`` or ``box``.

    See Also
    --------
    face_kid, face_fd, face_generation_report : The panel on these embeddings.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage.data import astronaut
    >>> from skface.generation import face_embeddings
    >>> face = astronaut()[67:176, 166:275]  # the face, cropped like UTKFace
    >>> E = face_embeddings([face, face[:, ::-1]])  # and its mirror image
    >>> E.shape
    (2, 128)
    >>> bool(np.linalg.norm(E[0] - E[1]) < 0.6)  # one person
    True
    """
    side = _check_input_size(input_size)
    box = _check_box(box)
    images = _load(X, "X")
    return _embed(images, side, box, n_jobs)


def _embed(images, side, box, n_jobs):
    encoder = DlibFaceEncoder(n_jobs=n_jobs)
    parts = [np.empty((0, 128))]
    for _, big in _chunks(images, side):
        parts.append(encoder.transform(big, boxes=_boxes_for(big, box)))
    return np.concatenate(parts)


def _as_embeddings(X, name, side, box, n_jobs):
    """Embeddings given as a 2-D ``(n, 128)`` array, or computed from images."""
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if X.shape[1] != 128:
            raise ValueError(
                f"{name} is a 2-D array of shape {X.shape}: expected images "
                "(n_samples, H, W[, C]) or dlib embeddings (n_samples, 128)"
            )
        return np.asarray(X, dtype=np.float64)
    return _embed(_load(X, name), side, box, n_jobs)


def _check_counts(**sets):
    counts = {name: len(v) for name, v in sets.items() if v is not None}
    if len(set(counts.values())) > 1:
        desc = ", ".join(f"{name} has {n}" for name, n in counts.items())
        raise ValueError(
            f"the sets must have equal sample counts ({desc}): the kernel and "
            "Frechet distances, recall and pair rate depend on the count, so "
            "compare at equal counts (subsample the larger set)"
        )


# --------------------------------------------------------------------------
# distances


def face_kid(
    X_real,
    X_fake,
    *,
    n_subsets=100,
    subset_size=1000,
    input_size=None,
    box=FACE_BOX,
    random_state=None,
    n_jobs=None,
):
    """Kernel inception distance (KID) of generated faces, on dlib embeddings.

    The unbiased MMD^2 with KID's cubic polynomial kernel
    (:func:`skface.metrics.kernel_distance`) between the dlib face
    embeddings (:func:`face_embeddings`) of real and generated faces. It is
    usually quoted x 1000. For orientation, ``benchmarks/bench_face_metrics.py``
    measured KID x 1000 on Olivetti's 64x64 faces (200 of persons 0-19 vs
    200 built from persons 20-39, ``box=(0, 0, 1, 1)``): 0.54 for the real
    faces of the new people, 1.25 blurred (sigma 2 px), 1.55 for PCA-10
    reconstructions, 1.31 and 2.59 with pixel noise (sigma 0.05, 0.1), 2.13
    for 5 faces repeated and 6.5 for one. Compare any figure with the floor
    of two real sets of the same size (:func:`face_generation_report` with
    ``X_floor``).

    Parameters
    ----------
    X_real : images or ndarray of shape (n_samples, 128)
        Real aligned faces, or their embeddings from :func:`face_embeddings`
        (a 2-D array is taken as embeddings, so a fixed real set is embedded
        once).
    X_fake : images or ndarray of shape (n_samples, 128)
        Generated faces (or their embeddings), as many as ``X_real``.
    n_subsets : int, default=100
        Random subsets averaged (see :func:`~skface.metrics.kernel_distance`).
    subset_size : int, default=1000
        Samples per subset, capped at the number of samples.
    input_size : int, default=None
        See :func:`face_embeddings`.
    box : tuple of 4 float, default=FACE_BOX
        See :func:`face_embeddings`.
    random_state : int, RandomState instance or None, default=None
        Draws the subsets.
    n_jobs : int, default=None
        Workers of the encoder.

    Returns
    -------
    kid : float
        Mean over subsets; lower is better, about 0 (possibly negative) for
        two samples of one distribution.
    kid_std : float
        Its standard deviation over the subsets (0 when one subset holds
        every sample).

    Raises
    ------
    ValueError
        If the sets differ in size, hold fewer than 2 faces, or are invalid.

    See Also
    --------
    face_fd : The Frechet distance on the same embeddings.
    face_generation_report : The whole panel, with the real-vs-real floor.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage.data import lfw_subset
    >>> from skface.metrics import face_kid
    >>> faces = lfw_subset()[:20]  # 25x25 grey faces
    >>> kid, kid_std = face_kid(faces[:10], faces[10:], box=(0, 0, 1, 1))
    >>> round(kid_std, 6)  # 10 faces: one subset holds them all
    0.0
    """
    side, box = _check_input_size(input_size), _check_box(box)
    R = _as_embeddings(X_real, "X_real", side, box, n_jobs)
    F = _as_embeddings(X_fake, "X_fake", side, box, n_jobs)
    _check_counts(X_real=R, X_fake=F)
    return kernel_distance(
        R,
        F,
        n_subsets=n_subsets,
        subset_size=subset_size,
        random_state=random_state,
    )


def face_fd(X_real, X_fake, *, input_size=None, box=FACE_BOX, n_jobs=None):
    """Frechet distance of generated faces, on dlib embeddings.

    FID's formula (:func:`skface.metrics.frechet_distance`) on the dlib face
    embeddings of :func:`face_embeddings`. It is biased upwards for small
    sets, so compare it only at equal sample counts (enforced) and next to
    the real-vs-real floor. Like FID on Inception features it barely sees
    blur or noise (on Olivetti's 200 vs 200 faces of new people:
    0.188 real, 0.205 blurred with sigma 2 px, 0.188 with pixel noise of
    sigma 0.05, ``benchmarks/bench_face_metrics.py``): read it with the
    kernel distance and the sharpness ratio of :func:`face_generation_report`.

    Parameters
    ----------
    X_real : images or ndarray of shape (n_samples, 128)
        Real aligned faces or their embeddings (see :func:`face_kid`).
    X_fake : images or ndarray of shape (n_samples, 128)
        Generated faces or their embeddings, as many as ``X_real``.
    input_size : int, default=None
        See :func:`face_embeddings`.
    box : tuple of 4 float, default=FACE_BOX
        See :func:`face_embeddings`.
    n_jobs : int, default=None
        Workers of the encoder.

    Returns
    -------
    fd : float
        Lower is better.

    Raises
    ------
    ValueError
        If the sets differ in size, hold fewer than 2 faces, or are invalid.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import face_fd
    >>> rng = np.random.default_rng(0)
    >>> E = rng.normal(scale=0.1, size=(400, 128))  # stand-in embeddings
    >>> bool(face_fd(E[:200], E[200:]) < face_fd(E[:200], E[200:] + 0.1))
    True
    """
    side, box = _check_input_size(input_size), _check_box(box)
    R = _as_embeddings(X_real, "X_real", side, box, n_jobs)
    F = _as_embeddings(X_fake, "X_fake", side, box, n_jobs)
    _check_counts(X_real=R, X_fake=F)
    return frechet_distance(R, F)


# --------------------------------------------------------------------------
# the panel


def _condition_points(conditions, n_samples, landmark_points):
    """Validated conditions and their indices into the 68-point scheme."""
    C = check_landmarks(conditions, n_samples=n_samples, name="conditions")
    p = C.shape[1]
    if landmark_points is not None:
        idx = tuple(int(i) for i in np.asarray(landmark_points).ravel())
        if len(idx) != p or not all(0 <= i < 68 for i in idx):
            raise ValueError(
                f"landmark_points must give, for each of the {p} condition "
                f"points, its index in the 68-point scheme; got {landmark_points!r}"
            )
    elif p == 68:
        idx = tuple(range(68))
    else:
        raise ValueError(
            f"conditions have {p} points per face; for a subset of the 68 "
            "points pass landmark_points, their indices in the 68-point scheme "
            "(e.g. skface.generation.LANDMARK_SUBSETS['10'])"
        )
    if 36 not in idx or 45 not in idx:
        raise ValueError(
            "the condition points must include the outer eye corners (points 36 "
            "and 45 of the 68) to normalise the error by the inter-ocular "
            f"distance; got points {idx}"
        )
    return C, idx


def _landmark_error(images_big, boxes, scale, C, idx, n_jobs):
    """Per-face error of re-detected landmarks vs conditions, / inter-ocular."""
    extractor = LandmarkExtractor(68, n_jobs=n_jobs)
    L = extractor.landmarks(images_big, boxes=boxes)[:, list(idx)] / scale
    err = landmark_error(C, L, normalize=None, average=False)
    iod = np.linalg.norm(C[:, idx.index(36)] - C[:, idx.index(45)], axis=1)
    if not (iod > 0).all():
        i = int(np.flatnonzero(~(iod > 0))[0])
        raise ValueError(f"conditions[{i}] has a zero inter-ocular distance")
    return err / iod


def _analyse(images, side, box, hog_upsample, n_jobs, *, embed, conditions=None):
    """Embeddings, HOG detection flags and landmark errors of one set."""
    detector = HOGFaceDetector(upsample=hog_upsample, clip=False, n_jobs=n_jobs)
    encoder = DlibFaceEncoder(n_jobs=n_jobs)
    emb, found, errors = [], [], []
    for start, big in _chunks(images, side):
        fixed = _boxes_for(big, box)
        if embed:
            emb.append(encoder.transform(big, boxes=fixed))
        dets = detector.detect(big)
        found.append([len(d) > 0 for d in dets])
        if conditions is not None:
            C, idx = conditions
            # The detector's box where it finds the face (the predictor was
            # trained on such boxes), the fixed face box where it does not.
            boxes = np.array(
                [d[0, :4] if len(d) else f for d, f in zip(dets, fixed)]
            ).reshape(-1, 4)
            scale = np.array(
                [
                    [b.shape[1] / im.shape[1], b.shape[0] / im.shape[0]]
                    for b, im in zip(big, images[start : start + _CHUNK])
                ]
            )[:, None, :]
            errors.append(
                _landmark_error(
                    big, boxes, scale, C[start : start + len(big)], idx, n_jobs
                )
            )
    return (
        np.concatenate(emb) if embed else None,
        np.concatenate(found).astype(bool),
        np.concatenate(errors) if errors else None,
    )


def face_generation_report(
    X_real,
    X_fake,
    *,
    X_floor=None,
    conditions=None,
    landmark_points=None,
    emb_real=None,
    emb_fake=None,
    emb_floor=None,
    n_subsets=100,
    subset_size=1000,
    k=20,
    threshold=0.6,
    input_size=None,
    box=FACE_BOX,
    hog_upsample=0,
    random_state=None,
    n_jobs=None,
):
    """The offline face-quality panel of generated faces against real ones.

    Every entry compares the generated set with a real set of the same size
    (enforced); with ``X_floor``, a second real set of that size (e.g.
    held-out faces of other people), each entry is also computed for
    ``X_floor`` in place of ``X_fake`` and reported as ``<entry>_floor``:
    the value a perfect generator would get at this sample size.

    Parameters
    ----------
    X_real : images
        Real aligned faces (see :func:`face_embeddings`).
    X_fake : images
        Generated faces, as many as ``X_real``, the same size.
    X_floor : images, default=None
        A second real set, as many as ``X_real``, for the real-vs-real floor.
    conditions : array-like of shape (n_samples, n_points, 2), default=None
        For a conditional model: the landmarks each generated face was
        drawn to, ``(x, y)`` in the pixels of ``X_fake``: the 68 points, or
        a subset of them named by ``landmark_points``.
    landmark_points : sequence of int, default=None
        For conditions that are a subset of the 68 points: the index in the
        68-point scheme of each condition point, e.g.
        ``skface.generation.LANDMARK_SUBSETS['10']``. It must hold the outer
        eye corners 36 and 45 (the normalisation). ``None``: 68 points.
    emb_real, emb_fake, emb_floor : ndarray of shape (n_samples, 128), \
default=None
        Embeddings already computed with :func:`face_embeddings` (same
        ``input_size`` and ``box``), e.g. of a real set scored against
        several models; ``None`` computes them.
    n_subsets, subset_size : int, default=100, 1000
        Subsets of the kernel distance (see :func:`face_kid`).
    k : int, default=20
        Neighbour of the recall (:func:`skface.metrics.embedding_recall`);
        needs more than ``k`` samples.
    threshold : float, default=0.6
        Distance under which two faces count as one person in the pair rate.
    input_size : int, default=None
        Shorter side the faces are enlarged to for every model (embedding,
        detection, landmarks); ``None``: 200 (see :func:`face_embeddings`).
    box : tuple of 4 float, default=FACE_BOX
        Fixed face box (fractions of the image) for the embeddings, and for
        the landmarks of faces the detector misses.
    hog_upsample : int, default=0
        ``upsample`` of the :class:`~skface.detection.HOGFaceDetector` run
        on the enlarged faces. At the default 200 pixels, faces filling the
        image are found without upsampling: on 150 UTKFace faces shrunk to
        64 px, 98.7% found with 0 and 97.3% with 1 (2.7 times slower); on
        134 Olivetti faces 98.5% and 96.3%.
    random_state : int, RandomState instance or None, default=None
        Draws the kernel distance's subsets.
    n_jobs : int, default=None
        Workers of the encoder, detector and landmark extractor.

    Returns
    -------
    report : dict
        ``n_samples`` and, as floats:

        ``kid``, ``kid_std``
            Kernel distance and its spread (:func:`face_kid`; x 1000 is the
            usual unit). Lower is better.
        ``fd``
            Frechet distance (:func:`face_fd`). Lower is better.
        ``recall_k{k}`` (``recall_k20``)
            Share of real faces covered by the generated ones
            (:func:`skface.metrics.embedding_recall`). Higher is better.
        ``pair_rate``
            Share of generated pairs closer than ``threshold``: same-identity
            pairs, mode collapse (:func:`skface.metrics.pair_collision_rate`).
            Compare with ``pair_rate_floor``; ``pair_rate_real`` is the rate
            of ``X_real``.
        ``hog_detection_rate``
            Share of generated faces in which dlib's HOG detector finds a
            face. Higher is better.
        ``sharpness_ratio``
            Median Laplacian sharpness of the generated faces over the real
            ones' (:func:`skface.metrics.sharpness_ratio`): below 1 blurred,
            above 1 noisy.
        ``landmark_error`` (with ``conditions``)
            Mean distance between the landmarks re-detected on each
            generated face (68-point predictor, in the detector's box, or
            ``box`` when it misses the face) and its conditions, over the
            conditions' inter-ocular distance (outer eye corners), averaged
            over faces. Lower is better.
        ``<entry>_floor`` (with ``X_floor``)
            The same for ``X_floor`` in place of ``X_fake`` (no landmark
            error: the real faces have no conditions).

    Raises
    ------
    ValueError
        If the sets differ in size, ``k`` is not below their size, the
        conditions do not fit, or an input is invalid.

    See Also
    --------
    face_kid, face_fd, face_embeddings

    Examples
    --------
    >>> import numpy as np
    >>> from skimage.data import lfw_subset
    >>> from skface.metrics import face_generation_report
    >>> faces = lfw_subset()  # 200 grey 25x25 faces
    >>> report = face_generation_report(faces[:30], faces[30:60], k=5,
    ...                                 X_floor=faces[60:90], box=(0, 0, 1, 1))
    >>> sorted(report)[:4]
    ['fd', 'fd_floor', 'hog_detection_rate', 'hog_detection_rate_floor']
    """
    side, box = _check_input_size(input_size), _check_box(box)
    if (
        not isinstance(hog_upsample, numbers.Integral)
        or isinstance(hog_upsample, bool)
        or hog_upsample < 0
    ):
        raise ValueError(f"hog_upsample must be an int >= 0, got {hog_upsample!r}")
    real = _load(X_real, "X_real")
    fake = _load(X_fake, "X_fake")
    floor = None if X_floor is None else _load(X_floor, "X_floor")
    _check_counts(X_real=real, X_fake=fake, X_floor=floor)
    n = len(real)
    if not (isinstance(k, numbers.Integral) and 1 <= k < n):
        raise ValueError(
            f"k must be an int with 1 <= k < n_samples = {n} (the recall needs "
            f"more than k faces), got {k!r}"
        )
    cond = None
    if conditions is not None:
        cond = _condition_points(conditions, n, landmark_points)
    given = {"emb_real": emb_real, "emb_fake": emb_fake, "emb_floor": emb_floor}
    for name, E in given.items():
        if E is not None and np.shape(E) != (n, 128):
            raise ValueError(
                f"{name} has shape {np.shape(E)}; expected ({n}, 128), the "
                "embeddings of the corresponding set"
            )

    if emb_real is None:
        emb_real = _embed(real, side, box, n_jobs)
    sets = {"": (fake, emb_fake, cond)}
    if floor is not None:
        sets["_floor"] = (floor, emb_floor, None)
    report = {"n_samples": n}
    for suffix, (images, emb, c) in sets.items():
        computed, found, errors = _analyse(
            images, side, box, hog_upsample, n_jobs, embed=emb is None, conditions=c
        )
        emb = computed if emb is None else np.asarray(emb, dtype=np.float64)
        kid, kid_std = kernel_distance(
            emb_real,
            emb,
            n_subsets=n_subsets,
            subset_size=subset_size,
            random_state=random_state,
        )
        report["kid" + suffix] = kid
        report["kid_std" + suffix] = kid_std
        report["fd" + suffix] = frechet_distance(emb_real, emb)
        report[f"recall_k{k}" + suffix] = embedding_recall(emb_real, emb, k=k)
        report["pair_rate" + suffix] = pair_collision_rate(emb, threshold=threshold)
        report["hog_detection_rate" + suffix] = float(found.mean())
        report["sharpness_ratio" + suffix] = sharpness_ratio(real, images)
        if errors is not None:
            report["landmark_error" + suffix] = float(errors.mean())
    report["pair_rate_real"] = pair_collision_rate(emb_real, threshold=threshold)
    return report
