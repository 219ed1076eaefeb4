"""Distribution metrics for generated faces, on given embeddings and images.

The functions compare a set of real samples with a set of generated ones
through fixed features: the kernel distance (KID) and the Frechet distance
(FID's formula) between the two clouds of embeddings, the recall of the real
cloud by the generated one, the rate of near-identical pairs (mode
collapse) and the sharpness of the images. They run no model: the
embeddings (e.g. dlib's 128-d face embeddings) come from the caller, see
:func:`skface.generation.face_embeddings` and
:func:`skface.generation.face_generation_report`, which compute them.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy import linalg, ndimage
from scipy.spatial.distance import cdist

from ..utils import check_random_state
from ..utils.validation import check_images

__all__ = [
    "embedding_recall",
    "frechet_distance",
    "kernel_distance",
    "laplacian_sharpness",
    "pair_collision_rate",
    "sharpness_ratio",
]


# --------------------------------------------------------------------------
# validation


def _check_embeddings(emb, name, *, min_samples=2):
    """A finite ``(n_samples, n_features)`` float64 array."""
    try:
        E = np.asarray(emb, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if E.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got "
            f"shape {E.shape}"
        )
    if E.shape[1] == 0:
        raise ValueError(f"{name} has no features (shape {E.shape})")
    if E.shape[0] < min_samples:
        raise ValueError(
            f"{name} has {E.shape[0]} samples; at least {min_samples} are needed"
        )
    finite = np.isfinite(E).all(axis=1)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise ValueError(
            f"{name}[{i}] contains NaN or inf (a face that was not embedded?)"
        )
    return E


def _check_pair(emb_real, emb_fake, *, min_samples=2):
    R = _check_embeddings(emb_real, "emb_real", min_samples=min_samples)
    F = _check_embeddings(emb_fake, "emb_fake", min_samples=min_samples)
    if R.shape[1] != F.shape[1]:
        raise ValueError(
            f"emb_real has {R.shape[1]} features but emb_fake has {F.shape[1]}; "
            "both must come from the same embedding"
        )
    return R, F


def _check_int(value, name, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def _check_positive(value, name, *, allow_none=False, allow_zero=False):
    if value is None and allow_none:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and np.isfinite(value) and (value > 0 or (allow_zero and value == 0))
    if not ok:
        what = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------
# kernel distance (KID)


def _polynomial_mmd2(X, Y, degree, gamma, coef0):
    """Unbiased MMD^2 between ``X`` (m rows) and ``Y`` (n rows)."""
    m, n = len(X), len(Y)
    K_XX = (gamma * (X @ X.T) + coef0) ** degree
    K_YY = (gamma * (Y @ Y.T) + coef0) ** degree
    K_XY = (gamma * (X @ Y.T) + coef0) ** degree
    xx = (K_XX.sum() - np.trace(K_XX)) / (m * (m - 1))
    yy = (K_YY.sum() - np.trace(K_YY)) / (n * (n - 1))
    return xx + yy - 2.0 * K_XY.mean()


def kernel_distance(
    emb_real,
    emb_fake,
    *,
    n_subsets=100,
    subset_size=1000,
    degree=3,
    gamma=None,
    coef0=1,
    random_state=None,
):
    """Kernel distance (KID) between two sets of embeddings, with its spread.

    The squared maximum mean discrepancy (MMD^2) with the polynomial kernel
    ``k(x, y) = (gamma <x, y> + coef0) ** degree``, estimated without bias
    (the within-set sums leave out the diagonal, so two samples of one
    distribution give values scattered around 0, negative ones included),
    and averaged over ``n_subsets`` random subsets of ``subset_size``
    samples of each set drawn without replacement. With Inception features
    this is the *kernel inception distance* of Binkowski et al. [1]_;
    computed on dlib's face embeddings it is the face KID of
    :func:`skface.generation.face_kid`.

    Parameters
    ----------
    emb_real : array-like of shape (n_real, n_features)
        Embeddings of the real samples.
    emb_fake : array-like of shape (n_fake, n_features)
        Embeddings of the generated samples (the same embedding).
    n_subsets : int, default=100
        Number of random subsets averaged.
    subset_size : int, default=1000
        Samples per subset, capped at ``n_real`` and ``n_fake`` separately.
        When it covers both sets, every subset is the whole data: the
        estimate is computed once and its ``std`` is 0.
    degree : int, default=3
        Degree of the polynomial kernel (3: KID's cubic kernel).
    gamma : float, default=None
        Scale of the inner product; ``None`` means ``1 / n_features``.
    coef0 : float, default=1
        Constant term of the kernel.
    random_state : int, RandomState instance or None, default=None
        Draws the subsets.

    Returns
    -------
    mean : float
        Mean of the unbiased MMD^2 over the subsets. Lower is better; about 0
        (possibly negative) for two samples of one distribution. KID is
        usually quoted multiplied by 1000.
    std : float
        Standard deviation over the subsets (not a standard error: the
        subsets overlap).

    Raises
    ------
    ValueError
        If an embedding array is not 2-D, has fewer than 2 samples, holds
        NaN or inf, the two have different numbers of features, or a
        parameter is out of range.

    See Also
    --------
    frechet_distance : The Frechet distance of Gaussians fitted to the sets.
    skface.generation.face_kid : This distance on dlib face embeddings.

    References
    ----------
    .. [1] M. Binkowski, D. J. Sutherland, M. Arbel and A. Gretton,
       "Demystifying MMD GANs", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import kernel_distance
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 300, 8))
    >>> same, _ = kernel_distance(a, b, n_subsets=20, subset_size=100,
    ...                           random_state=0)
    >>> shifted, _ = kernel_distance(a, b + 1, n_subsets=20, subset_size=100,
    ...                              random_state=0)
    >>> bool(abs(same) < 0.1 < shifted)
    True
    """
    R, F = _check_pair(emb_real, emb_fake)
    n_subsets = _check_int(n_subsets, "n_subsets", 1)
    subset_size = _check_int(subset_size, "subset_size", 2)
    degree = _check_int(degree, "degree", 1)
    gamma = _check_positive(gamma, "gamma", allow_none=True)
    if gamma is None:
        gamma = 1.0 / R.shape[1]
    if not (isinstance(coef0, numbers.Real) and np.isfinite(coef0)):
        raise ValueError(f"coef0 must be a finite number, got {coef0!r}")
    m, n = min(subset_size, len(R)), min(subset_size, len(F))
    if m == len(R) and n == len(F):
        return float(_polynomial_mmd2(R, F, degree, gamma, coef0)), 0.0
    rng = check_random_state(random_state)
    values = np.empty(n_subsets)
    for s in range(n_subsets):
        x = R[rng.choice(len(R), m, replace=False)]
        y = F[rng.choice(len(F), n, replace=False)]
        values[s] = _polynomial_mmd2(x, y, degree, gamma, coef0)
    return float(values.mean()), float(values.std())


# --------------------------------------------------------------------------
# Frechet distance


def frechet_distance(emb_real, emb_fake, *, eps=1e-6):
    """Frechet distance between Gaussians fitted to two sets of embeddings.

    ``||mu_r - mu_f||^2 + tr(S_r + S_f - 2 (S_r S_f)^(1/2))``, the formula
    of the Frechet inception distance (FID) of Heusel et al. [1]_, with
    means ``mu`` and covariances ``S`` (``n - 1`` normalisation) of the
    given embeddings. The matrix square root is
    :func:`scipy.linalg.sqrtm`; when it fails or is inaccurate (a singular
    covariance, e.g. fewer samples than features), ``eps`` is added to the
    diagonal of both covariances and it is computed again. Its real part is
    used (numerical error gives it a tiny imaginary part).

    Parameters
    ----------
    emb_real : array-like of shape (n_real, n_features)
        Embeddings of the real samples.
    emb_fake : array-like of shape (n_fake, n_features)
        Embeddings of the generated samples.
    eps : float, default=1e-6
        Diagonal offset used when the covariance product is singular.

    Returns
    -------
    distance : float
        Lower is better; 0 for equal means and covariances. Biased upwards
        for small samples (it is not an unbiased estimate like
        :func:`kernel_distance`), so compare values at equal sample counts.

    Raises
    ------
    ValueError
        As :func:`kernel_distance`.

    See Also
    --------
    kernel_distance : Unbiased, and comparable across sample sizes.

    References
    ----------
    .. [1] M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler and
       S. Hochreiter, "GANs Trained by a Two Time-Scale Update Rule Converge
       to a Local Nash Equilibrium", NeurIPS 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(2000, 2))
    >>> round(frechet_distance(a, a + [3.0, 4.0]), 6)  # mean shift: 3^2 + 4^2
    25.0
    """
    R, F = _check_pair(emb_real, emb_fake)
    eps = _check_positive(eps, "eps")
    mu_r, mu_f = R.mean(axis=0), F.mean(axis=0)
    S_r = np.atleast_2d(np.cov(R, rowvar=False))
    S_f = np.atleast_2d(np.cov(F, rowvar=False))
    covmean = _sqrtm_product(S_r, S_f)
    if covmean is None:
        offset = eps * np.eye(len(S_r))
        covmean = _sqrtm_product(S_r + offset, S_f + offset, check=False)
    diff = mu_r - mu_f
    return float(diff @ diff + np.trace(S_r) + np.trace(S_f) - 2 * np.trace(covmean))


def _sqrtm_product(A, B, *, check=True):
    """Real part of ``sqrtm(A @ B)``; None when it is not finite or inaccurate."""
    P = A @ B
    # A singular product is expected (and handled by the caller's eps), so
    # scipy's LinAlgWarning about it is not shown to the user.
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(P)
    if not check:
        return np.real(root)
    if not np.isfinite(root).all():
        return None
    scale = max(np.linalg.norm(P), np.finfo(float).tiny)
    if np.linalg.norm(root @ root - P) / scale > 1e-6:
        return None
    return np.real(root)


# --------------------------------------------------------------------------
# recall and collisions


def _chunked_cdist(A, B, chunk=512):
    """``cdist(A, B)`` in row chunks, yielded as ``(start, block)``."""
    for start in range(0, len(A), chunk):
        yield start, cdist(A[start : start + chunk], B)


def embedding_recall(emb_real, emb_fake, *, k=20):
    """Improved recall: share of real samples the generated samples cover.

    The *improved recall* of Kynkaanniemi et al. [1]_: each generated
    embedding ``f_j`` gets a ball whose radius ``r_j`` is the distance to
    its ``k``-th nearest neighbour among the *other* generated embeddings
    (duplicates count, at distance 0). A real embedding ``x`` is covered
    when it lies in at least one ball, ``||x - f_j|| <= r_j``. The recall is
    the fraction of real embeddings covered: low when the generator misses
    parts of the real distribution (mode dropping or collapse), about 1 for
    a second sample of the real distribution.

    Parameters
    ----------
    emb_real : array-like of shape (n_real, n_features)
        Embeddings of the real samples.
    emb_fake : array-like of shape (n_fake, n_features)
        Embeddings of the generated samples; more than ``k`` of them.
    k : int, default=20
        Neighbour defining the radii (the paper uses 3 for precision and
        recall of Inception features; this panel quotes ``k=20``, which
        makes the balls larger and the estimate steadier for a few hundred
        faces).

    Returns
    -------
    recall : float
        In ``[0, 1]``, higher is better.

    Raises
    ------
    ValueError
        As :func:`kernel_distance`, or if ``n_fake <= k``.

    References
    ----------
    .. [1] T. Kynkaanniemi, T. Karras, S. Laine, J. Lehtinen and T. Aila,
       "Improved Precision and Recall Metric for Assessing Generative
       Models", NeurIPS 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import embedding_recall
    >>> fake = np.array([[0.0], [1.0], [2.0]])
    >>> real = np.array([[0.5], [1.5], [9.0]])  # 9 is outside every ball
    >>> round(embedding_recall(real, fake, k=1), 4)
    0.6667
    """
    R, F = _check_pair(emb_real, emb_fake)
    k = _check_int(k, "k", 1)
    if len(F) <= k:
        raise ValueError(
            f"emb_fake has {len(F)} samples; embedding_recall with k={k} needs "
            f"more than k (at least {k + 1})"
        )
    radii = np.empty(len(F))
    for start, block in _chunked_cdist(F, F):
        # Column `start + i` of row i is the sample itself (distance 0); the
        # k-th smallest of the others is index k of the sorted row.
        rows = np.arange(len(block))
        block[rows, start + rows] = -1.0  # sorts first, whatever duplicates
        radii[start : start + len(block)] = np.partition(block, k, axis=1)[:, k]
    covered = np.zeros(len(R), dtype=bool)
    for start, block in _chunked_cdist(R, F):
        covered[start : start + len(block)] = (block <= radii).any(axis=1)
    return float(covered.mean())


def pair_collision_rate(emb, *, threshold=0.6):
    """Fraction of distinct sample pairs closer than ``threshold``.

    With dlib's face embeddings, two faces closer than 0.6 pass for the same
    person (:func:`face_distance`), so this is the rate of *same-ID* pairs
    of a set: a generator that collapses onto a few faces has a far higher
    rate than a real set of many people (compare it with the rate of a real
    set of the same size).

    Parameters
    ----------
    emb : array-like of shape (n_samples, n_features)
        Embeddings; at least 2 samples.
    threshold : float, default=0.6
        Euclidean distance below which (strictly) a pair collides.

    Returns
    -------
    rate : float
        Colliding pairs over the ``n (n - 1) / 2`` pairs, in ``[0, 1]``;
        lower is better (for a generator meant to produce many people).

    Raises
    ------
    ValueError
        If ``emb`` is not a finite 2-D array of at least 2 samples, or
        ``threshold`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.metrics import pair_collision_rate
    >>> emb = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 0.0]])
    >>> round(pair_collision_rate(emb), 4)  # 1 of 3 pairs
    0.3333
    """
    E = _check_embeddings(emb, "emb")
    threshold = _check_positive(threshold, "threshold")
    close = 0
    for start in range(0, len(E) - 1, 512):
        # Pairs (i, j > i) for i in this chunk: no n x n matrix at once.
        block = cdist(E[start : start + 512], E[start:])
        close += int(np.triu(block < threshold, k=1).sum())
    n = len(E)
    return close / (n * (n - 1) / 2)


# --------------------------------------------------------------------------
# sharpness


def laplacian_sharpness(images):
    """Variance of the Laplacian of each image, a blur measure.

    The image is converted to grey (BT.601 luma) float in ``[0, 1]``, filtered
    with the 5-point discrete Laplacian (:func:`scipy.ndimage.laplace`,
    mirrored borders) and the variance of the response taken: blurred
    images, with little high-frequency content, score low. The value depends
    on the image size and content, so compare sets of the same size and kind
    (:func:`sharpness_ratio`).

    Parameters
    ----------
    images : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
        Images, grey or RGB; ``uint8``, ``uint16`` or float in ``[0, 1]``.

    Returns
    -------
    sharpness : ndarray of shape (n_samples,)
        Higher is sharper; 0 for a constant image.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.ndimage import gaussian_filter
    >>> from skface.metrics import laplacian_sharpness
    >>> rng = np.random.default_rng(0)
    >>> img = rng.random((32, 32))
    >>> sharp, blurred = laplacian_sharpness([img, gaussian_filter(img, 2)])
    >>> bool(blurred < sharp)
    True
    """
    grey = check_images(images, dtype="float64", channels="grey", stack=False)
    return np.array([ndimage.laplace(im, mode="reflect").var() for im in grey])


def sharpness_ratio(images_real, images_fake):
    """Median Laplacian sharpness of the fakes over that of the real images.

    Parameters
    ----------
    images_real : images
        Real images (the same size as the generated ones).
    images_fake : images
        Generated images.

    Returns
    -------
    ratio : float
        ``median(laplacian_sharpness(images_fake)) /
        median(laplacian_sharpness(images_real))``: about 1 for sets alike,
        below 1 for blurred fakes, above 1 for noisy ones. ``inf`` when the
        real median is 0 and the fake one is not, NaN when both are 0.

    See Also
    --------
    laplacian_sharpness : The per-image values.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.ndimage import gaussian_filter
    >>> from skface.metrics import sharpness_ratio
    >>> rng = np.random.default_rng(0)
    >>> real = rng.random((4, 32, 32))
    >>> blurred = gaussian_filter(real, (0, 2, 2))
    >>> bool(sharpness_ratio(real, blurred) < 0.1)
    True
    """
    real = np.median(laplacian_sharpness(images_real))
    fake = np.median(laplacian_sharpness(images_fake))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(fake) / np.float64(real))
