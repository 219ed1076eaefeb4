"""Draw realistic surgical masks on face photos, from their landmarks."""

from __future__ import annotations

import warnings
import zlib
from numbers import Integral, Real

import numpy as np
from scipy.ndimage import gaussian_filter
from skimage.draw import polygon as draw_polygon
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..landmarks import LandmarkExtractor
from ..utils._random import draw_seed
from ..utils.validation import _LUMA, check_images, check_landmarks
from .masks._face_mask import _template_points, face_mask_polygon

__all__ = ["MaskedFaceSynthesizer", "MASK_COLORS"]

#: Colours of common disposable and cloth masks (RGB in [0, 1]).
MASK_COLORS = {
    "surgical_blue": (0.55, 0.74, 0.86),
    "white": (0.92, 0.93, 0.94),
    "black": (0.13, 0.13, 0.15),
    "teal": (0.42, 0.72, 0.70),
    "pink": (0.93, 0.74, 0.80),
    "grey": (0.62, 0.63, 0.66),
}
_ON_MISSING = ("raise", "keep", "whole")
_SS = 4  # supersampling factor of the anti-aliased outline


def _alpha(polygon, shape):
    """Anti-aliased coverage in [0, 1] of ``polygon`` ((x, y), pixels)."""
    h, w = shape
    alpha = np.zeros((h, w), dtype=np.float32)
    # Supersample the polygon's bounding box only (whole pixels, so the
    # samples are those of the whole image).
    x0, y0 = (max(int(np.floor(v)) - 1, 0) for v in polygon.min(axis=0))
    x1 = min(int(np.ceil(polygon[:, 0].max())) + 2, w)
    y1 = min(int(np.ceil(polygon[:, 1].max())) + 2, h)
    if x1 <= x0 or y1 <= y0:
        return alpha
    bh, bw = y1 - y0, x1 - x0
    poly = (polygon - [x0, y0] + 0.5) * _SS - 0.5
    big = np.zeros((bh * _SS, bw * _SS), dtype=np.float32)
    rr, cc = draw_polygon(poly[:, 1], poly[:, 0], shape=big.shape)
    big[rr, cc] = 1.0
    alpha[y0:y1, x0:x1] = big.reshape(bh, _SS, bw, _SS).mean(axis=(1, 3))
    return alpha


def _edge_curve(points, x):
    """y of a polyline through ``points`` ((x, y), sorted by x) at ``x``."""
    order = np.argsort(points[:, 0])
    return np.interp(x, points[order, 0], points[order, 1])


def _render(image, landmarks, rng, params):
    """Mask-wearing version of one (H, W, C) float32 image, and its region."""
    h, w, n_ch = image.shape
    face_h = max(landmarks[8, 1] - landmarks[19:25, 1].min(), 1.0)
    jitter = params["jitter"]
    top_offset = rng.uniform(-jitter, jitter) if jitter else 0.0
    expand = params["expand"] + (rng.uniform(0, jitter) if jitter else 0.0)
    poly = face_mask_polygon(landmarks, top_offset=top_offset, expand=expand)
    alpha = _alpha(poly, (h, w))
    region = alpha > 0
    if not region.any():
        return image.copy(), region
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    # Vertical coordinate inside the mask: 0 on the upper edge, 1 at the bottom.
    n_jaw = 15
    y_top = _edge_curve(poly[n_jaw:], xx)
    y_bot = _edge_curve(poly[:n_jaw], xx)
    v = np.clip((yy - y_top) / np.maximum(y_bot - y_top, 1.0), 0, 1)
    xs = poly[:, 0]
    u = np.clip((xx - xs.mean()) / max((xs.max() - xs.min()) / 2, 1.0), -1, 1)
    texture = np.ones((h, w))
    if params["texture"] == "pleats":
        # Three horizontal folds: a soft ridge and a dark crease each.
        phase = 3.0 * (v - 0.2) / 0.6 + rng.uniform(-0.1, 0.1)
        inside = (v > 0.15) & (v < 0.85)
        frac = np.mod(phase, 1.0)
        fold = 0.06 * np.sin(2 * np.pi * frac) - 0.16 * np.exp(
            -((frac - 0.95) ** 2) / 0.003
        )
        texture += np.where(inside, fold, 0.0)
    if params["texture"] in ("pleats", "noise"):
        # Non-woven fabric: fine blurred noise.
        grain = gaussian_filter(rng.standard_normal((h, w)), 0.6)
        texture += 0.04 * grain / max(grain.std(), 1e-6)
    shade = np.ones((h, w))
    strength = params["shading"]
    if strength > 0:
        # Curved surface: darker towards the cheeks and the lower edge.
        shade *= 1.0 - strength * (0.35 * u**2 + 0.12 * v**2)
        # The photo's own lighting, seen through the mask.
        lum = image.mean(axis=2).astype(np.float64)
        sigma = max(face_h / 8, 1.0)
        light = gaussian_filter(lum, sigma)
        ref = max(float(light[region].mean()), 1e-3)
        shade *= np.clip((light / ref) ** (0.6 * strength), 0.5, 1.5)
    color = np.asarray(params["color"], dtype=np.float64)
    color = np.clip(color * rng.uniform(0.97, 1.03, size=3), 0, 1)
    if n_ch == 1:
        color = np.array([color @ _LUMA])
    paint = np.clip(color[None, None, :] * (shade * texture)[:, :, None], 0, 1)
    a = alpha[:, :, None]
    out = image.copy()
    out[region] = (a * paint + (1 - a) * image)[region].astype(np.float32)
    return out, region


def _render_window(shape, landmarks):
    """``(x0, y0, x1, y1)`` of the face's neighbourhood, or None if empty.

    The mask reaches a fraction of the face size past the landmarks, and the
    lighting blur 4 sigma (half the face height) past the mask: rendering
    this window only, a face in a 24-megapixel photo costs what the face
    costs.
    """
    h, w = shape
    lo, hi = landmarks.min(axis=0), landmarks.max(axis=0)
    margin = 0.8 * float(max(hi - lo)) + 8
    x0, y0 = (max(int(v - margin), 0) for v in lo)
    x1, y1 = int(min(hi[0] + margin + 1, w)), int(min(hi[1] + margin + 1, h))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


def _render_item(item):
    """Rendered window and covered region of one photo's crop (or None)."""
    crop, landmarks, seed, params = item
    if crop is None:
        return None
    rng = np.random.default_rng(seed)
    if params["color"] is None:
        names = sorted(MASK_COLORS)
        params = {**params, "color": MASK_COLORS[names[rng.integers(len(names))]]}
    return _render(crop, landmarks, rng, params)


class MaskedFaceSynthesizer(TransformerMixin, ImageEstimatorMixin, BaseEstimator):
    """Put a realistic surgical mask on every face photo.

    The mask's outline is :func:`skface.restoration.masks.face_mask_polygon`
    placed from the face's 68 landmarks (nose bridge to under the chin,
    cheek to cheek, curved edges), anti-aliased, painted in a mask colour
    with fabric texture (pleats or noise) and shading that follows the
    face's curvature and the photo's lighting. :meth:`transform_with_masks`
    also returns the covered region, so masked/unmasked training pairs for
    an inpainter can be built from any folder of faces.

    Parameters
    ----------
    color : tuple of 3 floats or str, default=None
        RGB in [0, 1] or a name in :data:`MASK_COLORS`; None picks one of
        :data:`MASK_COLORS` at random per image.
    texture : {'pleats', 'noise', 'flat'}, default='pleats'
        Three horizontal folds with fabric grain, grain only, or flat.
    shading : float in [0, 1], default=0.5
        Strength of the 3-D shading and of the photo's lighting on the mask.
    expand : float, default=0.06
        Margin of the lower edge beyond the jaw, in face heights.
    jitter : float in [0, 1], default=0.0
        Random variation of the outline (see
        :class:`~skface.restoration.masks.FaceMaskShape`).
    landmark_extractor : estimator, default=None
        Gives 68 landmarks when :meth:`transform` gets none (its
        ``landmarks(X)`` method); cloned and fitted in :meth:`fit` with
        ``on_missing='nan'``. None: ``LandmarkExtractor()`` (dlib HOG
        detector and 68-point predictor).
    on_missing : {'raise', 'keep', 'whole'}, default='raise'
        Photos without a face (NaN landmarks): raise a ``ValueError``
        naming them, return them unchanged (``'keep'``; the older spelling
        ``'ignore'`` is deprecated) with an empty region, or place
        the mask as on a face filling the image (the
        :class:`~skface.restoration.masks.FaceMaskShape` template). Outputs
        stay valid images, so there is no ``'nan'`` option.
    n_jobs : int, default=None
        Workers for per-image drawing (joblib).
    random_state : int, RandomState instance or None, default=None
        Seeds colour, texture and jitter. With an int, each photo gets the
        same mask on every call (the draw is seeded by the int and the
        photo's pixels), so outputs do not depend on batch order.

    Attributes
    ----------
    landmark_extractor_ : estimator
        The fitted landmark extractor.

    See Also
    --------
    skface.restoration.masks.FaceMaskShape : The same region as a hole mask.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.alignment import face_template
    >>> from skface.restoration import MaskedFaceSynthesizer
    >>> X = np.full((1, 64, 64, 3), 0.8)
    >>> L = face_template(68, size=64, padding=0.2)[None]
    >>> synth = MaskedFaceSynthesizer(random_state=0).fit(X, landmarks=L)
    >>> images, masks = synth.transform_with_masks(X, landmarks=L)
    >>> images.shape, masks.shape
    ((1, 64, 64, 3), (1, 64, 64))
    """

    _parameter_constraints = {
        "color": [tuple, list, str, None],
        "texture": [StrOptions({"pleats", "noise", "flat"})],
        "shading": [Interval(Real, 0, 1, closed="both")],
        "expand": [Interval(Real, 0, None, closed="left")],
        "jitter": [Interval(Real, 0, 1, closed="left")],
        "landmark_extractor": [HasMethods(["fit", "landmarks"]), None],
        "on_missing": [StrOptions({*_ON_MISSING, "ignore"}, deprecated={"ignore"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        color=None,
        texture="pleats",
        shading=0.5,
        expand=0.06,
        jitter=0.0,
        landmark_extractor=None,
        on_missing="raise",
        n_jobs=None,
        random_state=None,
    ):
        self.color = color
        self.texture = texture
        self.shading = shading
        self.expand = expand
        self.jitter = jitter
        self.landmark_extractor = landmark_extractor
        self.on_missing = on_missing
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _color(self):
        if self.color is None:
            return None
        if isinstance(self.color, str):
            if self.color not in MASK_COLORS:
                raise ValueError(
                    f"color {self.color!r} is not one of {sorted(MASK_COLORS)}"
                )
            return MASK_COLORS[self.color]
        c = np.asarray(self.color, dtype=float)
        if c.shape != (3,) or not ((c >= 0) & (c <= 1)).all():
            raise ValueError(
                f"color must be 3 RGB values in [0, 1], got {self.color!r}"
            )
        return tuple(c)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, landmarks=None):
        """Validate the parameters and prepare the landmark extractor.

        Parameters
        ----------
        X : images
            See :func:`skface.utils.check_images`.
        y : None
            Ignored.
        landmarks : ignored
            Accepted for symmetry with :meth:`transform`.

        Returns
        -------
        self : object
        """
        self._color()
        check_images(X, dtype=None, channels="keep", stack=False)
        if self.landmark_extractor is None:
            extractor = LandmarkExtractor()
        else:
            extractor = clone(self.landmark_extractor)
        if "on_missing" in extractor.get_params(deep=False):
            extractor.set_params(on_missing="nan")
        self.landmark_extractor_ = extractor.fit(X)
        return self

    def transform(self, X, landmarks=None):
        """Photos with a mask drawn on every face.

        Parameters
        ----------
        X : images
            Face photos (grey or RGB, any size).
        landmarks : array-like of shape (n_samples, 68, 2), default=None
            ``(x, y)`` landmarks (NaN rows: no face); None: found with
            ``landmark_extractor_``.

        Returns
        -------
        images : float32 ndarray of shape (n_samples, H, W[, C]) or list
            One image per photo, in [0, 1], with the photo's shape.
        """
        return self.transform_with_masks(X, landmarks=landmarks)[0]

    def transform_with_masks(self, X, landmarks=None):
        """Photos with masks drawn, and the region each mask covers.

        Parameters
        ----------
        X, landmarks
            As in :meth:`transform`.

        Returns
        -------
        images : float32 ndarray of shape (n_samples, H, W[, C]) or list
            As :meth:`transform`.
        masks : bool ndarray of shape (n_samples, H, W) or list
            True on every pixel the mask changed (its anti-aliased edge
            included): the hole to give an inpainter. Pixels outside are
            exactly ``check_images(X, dtype='float32')``.
        """
        check_is_fitted(self)
        raw = check_images(X, dtype=None, channels="keep", stack=False)
        # Each image converted once; a float32 input is copied (the output
        # must not share the caller's memory).
        images = []
        for r in raw:
            im = check_images([r], dtype="float32", channels="keep", stack=False)[0]
            if np.may_share_memory(im, r):
                im = im.copy()
            images.append(im[:, :, None] if im.ndim == 2 else im)
        stacked = all(im.shape == images[0].shape for im in images)
        if landmarks is None:
            # uint8 photos go to the landmark extractor as they are (the same
            # pixels as rounding their float32 copy); others are rounded.
            u8 = [
                r if r.dtype == np.uint8 else np.rint(im * 255).astype(np.uint8)
                for r, im in zip(raw, images, strict=True)
            ]
            u8 = [im[:, :, 0] if im.ndim == 3 and im.shape[2] == 1 else im for im in u8]
            landmarks = self.landmark_extractor_.landmarks(u8)
        L = check_landmarks(
            landmarks, n_samples=len(images), n_points=68, allow_nan=True
        )
        params = {
            "color": self._color(),
            "texture": self.texture,
            "shading": self.shading,
            "expand": self.expand,
            "jitter": self.jitter,
        }
        on_missing = self.on_missing
        if on_missing == "ignore":
            warnings.warn(
                "on_missing='ignore' is deprecated and will be removed in skface "
                "0.3; use on_missing='keep' (the spelling every estimator uses)",
                FutureWarning,
                stacklevel=3,
            )
            on_missing = "keep"
        base = draw_seed(self.random_state)
        items, windows = [], []
        for i, (im, pts) in enumerate(zip(images, L)):
            if not np.isfinite(pts).all():
                if on_missing == "raise":
                    h, w = im.shape[:2]
                    raise ValueError(
                        f"no face found in X[{i}] ({h}x{w} pixels); set "
                        "on_missing='keep' or 'whole' to keep such images"
                    )
                pts = (
                    None
                    if on_missing == "keep"
                    else _template_points(im.shape[:2], (0.0, 0.0, 1.0, 1.0))
                )
            # The draw is seeded by the float32 pixels (crc32 reads the
            # buffer in place, no copy of the photo).
            seed = [base, zlib.crc32(np.ascontiguousarray(im))]
            box = None if pts is None else _render_window(im.shape[:2], pts)
            windows.append(box)
            if box is None:
                items.append((None, None, seed, params))
            else:
                x0, y0, x1, y1 = box
                crop = im[y0:y1, x0:x1]
                items.append((crop, pts - [x0, y0], seed, params))
        results = self._map_images(_render_item, items)
        masks = [np.zeros(im.shape[:2], dtype=bool) for im in images]
        for im, mask, box, res in zip(images, masks, windows, results, strict=True):
            if res is not None:  # paste the window into the (own) float copy
                x0, y0, x1, y1 = box
                im[y0:y1, x0:x1] = res[0]
                mask[y0:y1, x0:x1] = res[1]
        imgs = [im[:, :, 0] if im.shape[2] == 1 else im for im in images]
        if stacked:
            if len(imgs) == 1:  # no copy of a single photo
                return imgs[0][None], masks[0][None]
            return np.stack(imgs), np.stack(masks)
        return imgs, masks
