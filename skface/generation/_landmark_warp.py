"""Move a drawn face's landmarks onto the source face's: expression repair.

A face-swap decoder redraws the source's pose and expression only as well
as it has learnt them: a mouth its person never showed open comes out
closed, a jaw line follows the target's face shape. This module measures
both chips with the same landmark predictor, in the same box, and warps the
drawn chip piecewise-affinely so that its landmarks move a fraction of the
way onto the source's (the classical morph's warp, applied to the neural
drawing). Both chips are aligned to the same template, so one fixed box
serves every chip, and predictor biases common to both cancel.

Classical code: no torch here (see STYLE.md).
"""

from __future__ import annotations

import numpy as np

from ..alignment import face_template, piecewise_affine_warp
from ..landmarks._training import landmark_boxes
from ..utils._image import resize

__all__ = ["warp_to_source_landmarks"]

# the predictor sees chips at this side at least (dlib's shape predictor
# samples pixel pairs; at 64 px they are a few pixels apart)
_PREDICT_SIZE = 256
_JAW = slice(0, 17)  # the 68-point scheme's jaw line: the face's outline


def _chip_box(size, padding):
    """The face box of an aligned ``size`` chip: the 68-point template's.

    The same for every landmark scheme: a shape predictor expects a face
    detector's box, brow to chin, whatever points it places in it.
    """
    template = face_template(68, size=size, padding=padding)
    return landmark_boxes(template[None])[0]


def _predict(landmark_extractor, chips, box, scale):
    """Landmarks of each chip (chip pixels), predicted at ``scale`` times."""
    side = int(round(chips.shape[1] * scale))
    big = [np.clip(resize(c, (side, side)), 0, 1) for c in chips]
    boxes = np.repeat((box * scale)[None], len(chips), axis=0)
    points = landmark_extractor.landmarks(big, boxes=boxes)
    return points / scale


def warp_to_source_landmarks(
    drawn,
    sources,
    landmark_extractor,
    *,
    strength=1.0,
    padding=0.1,
    max_shift=0.1,
    keep_jaw=True,
):
    """Warp each drawn chip so its landmarks move toward its source's.

    Parameters
    ----------
    drawn : ndarray of shape (n, S, S, 3)
        The chips a decoder drew, float in ``[0, 1]``.
    sources : ndarray of shape (n, S, S, 3)
        The source chips they were drawn from (same alignment).
    landmark_extractor : fitted LandmarkExtractor
        Predicts the landmarks of both (``landmarks(X, boxes=...)``), 68
        points or any other number, in the box of the aligned 68-point
        template.
    strength : float, default=1.0
        Fraction of the way each landmark moves: 0 leaves the chip, 1 puts
        its landmarks on the source's.
    padding : float, default=0.1
        The chips' alignment padding (``FaceExtractor.padding``), which
        places the template and so the box.
    max_shift : float, default=0.1
        A chip whose mean landmark displacement exceeds this fraction of the
        side is left unwarped (a failed prediction, not an expression).
    keep_jaw : bool, default=True
        With 68-point landmarks, leave the 17 jaw-line points where they
        were drawn (they hold the warp there) and move the 51 inner ones
        (brows, eyes, nose, mouth). Other landmark schemes (dlib's 5
        points) move all their points.

    Returns
    -------
    warped : ndarray of shape (n, S, S, 3), dtype float32
    shift : ndarray of shape (n,)
        Mean landmark displacement applied to each chip, as a fraction of
        the side (0 where the chip was left unwarped).
    """
    drawn = np.asarray(drawn, dtype=np.float32)
    sources = np.asarray(sources, dtype=np.float32)
    if drawn.shape != sources.shape or drawn.ndim != 4:
        raise ValueError(
            f"drawn and sources must be (n, S, S, 3) arrays of one shape; got "
            f"{drawn.shape} and {sources.shape}"
        )
    n, size = len(drawn), drawn.shape[1]
    shift = np.zeros(n)
    if strength <= 0 or n == 0:
        return drawn.copy(), shift
    box = _chip_box(size, padding)
    scale = max(1.0, _PREDICT_SIZE / size)
    # one predictor call for both sets
    both = _predict(landmark_extractor, np.concatenate([drawn, sources]), box, scale)
    p_drawn, p_source = both[:n], both[n:]
    out = drawn.copy()
    for i in range(n):
        if not (np.isfinite(p_drawn[i]).all() and np.isfinite(p_source[i]).all()):
            continue
        move = float(strength) * (p_source[i] - p_drawn[i])
        if keep_jaw and len(move) == 68:
            move[_JAW] = 0.0
        mean_shift = float(np.linalg.norm(move, axis=1).mean()) / size
        if mean_shift > max_shift:
            continue
        out[i] = piecewise_affine_warp(
            drawn[i], p_drawn[i], p_drawn[i] + move, interpolation="cubic"
        )
        shift[i] = mean_shift
    return np.clip(out, 0, 1).astype(np.float32), shift
