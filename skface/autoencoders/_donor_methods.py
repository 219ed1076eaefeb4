"""FaceAnonymizer's donor methods: 'swap' (a FaceSwapper) and 'morph'."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

from ..alignment import FaceExtractor, FaceReconstructor
from ..alignment._photo_faces import photo_face_landmarks
from ..features import DlibFaceEncoder
from ..metrics import box_iou
from ..utils._random import draw_seed
from ._anonymization_report import SAME_PERSON_DISTANCE
from ._donor_morph import (
    choose_donors,
    face_boxes_from_landmarks,
    landmark_boxes,
    morph_chips,
    record_embeddings,
)

# the other person's face takes the photo's colours, then is Poisson cloned
_COLOR_MATCHED = FaceReconstructor(blend="poisson", color_match="mean_std")


class _DonorMethodsMixin:
    """Fitting and chip making of ``method='swap'`` and ``method='morph'``.

    Mixed into :class:`FaceAnonymizer`, which provides ``_extract``,
    ``_fit_extractor``, ``_fit_reconstructor`` and the parameters.
    """

    def _fit_swap(self, images, y):
        if self.swapper is None:
            raise ValueError(
                "method='swap' needs a swapper: FaceAnonymizer(method='swap', "
                "swapper=skface.generation.FaceSwapper(...), donor=...)"
            )
        swapper = clone(self.swapper)  # a FrozenEstimator clones to itself
        frozen = isinstance(swapper, FrozenEstimator)
        if not frozen:
            if y is None:
                raise ValueError(
                    "method='swap' trains its FaceSwapper on faces labelled by "
                    "person: pass y (the donors' and the other faces' labels), or "
                    "a fitted swapper wrapped in sklearn.frozen.FrozenEstimator"
                )
            if self.random_state is not None and "random_state" in (
                swapper.get_params()
            ):
                swapper.set_params(random_state=draw_seed(self.random_state))
            swapper.fit(images, y)
        else:
            check_is_fitted(swapper)
        self.swapper_ = swapper
        fitted = getattr(swapper, "estimator", swapper)
        self._fit_extractor(
            images[:1], fitted.extractor_, output_size=int(fitted.chip_size)
        )
        self._fit_reconstructor(_COLOR_MATCHED)
        fitted._identity_weights(self.donor)  # an unknown donor fails here
        self.decoder_ = self.appearance_ = None
        self.n_faces_fit_ = int(np.sum(getattr(fitted, "n_faces_fit_", 0)))
        return self

    def _fit_morph(self, images):
        self._fit_extractor(images, FaceExtractor())
        self._fit_reconstructor(_COLOR_MATCHED)
        self.encoder_ = DlibFaceEncoder(input="photos", on_missing="nan").fit(
            images[:1]
        )
        # donors are the faces found: a donor photo without one is skipped
        # (on_missing is about the photos to anonymise)
        records, owner = self._extract(images, on_missing="keep")
        n_faceless = len(images) - len(np.unique(owner))
        if n_faceless and len(owner) >= self.n_donors:
            warnings.warn(
                f"no face found in {n_faceless} of the {len(images)} donor "
                "photos; they are skipped",
                UserWarning,
                stacklevel=3,
            )
        if len(owner) < self.n_donors:
            raise ValueError(
                f"method='morph' found {len(owner)} donor faces in the "
                f"{len(images)} photos of X, fewer than n_donors={self.n_donors}; "
                "fit on photos of (many) donors"
            )
        self.donor_chips_ = records.chips
        self.donor_index_ = owner
        self.donor_landmarks_ = records.landmarks
        self.donor_embeddings_ = record_embeddings(
            self.encoder_, images, owner, records
        )
        self.decoder_ = self.appearance_ = self.swapper_ = None
        self.n_faces_fit_ = len(owner)
        return self

    def _morph(self, images, out, records, owner):
        """Morph every face and paste it into ``out`` (in place), checked.

        Each face's donors are tried in order, ``n_donors`` at a time (the
        nearest in shape first). With ``max_tries > 1`` every pasted face
        is checked (:meth:`_morph_check`); a face that fails is morphed
        again from its next donors, its photo pasted anew, until it passes
        or ``max_tries`` are spent; then the try that did best is kept.
        Returns the chips, the donors' indices and identity distances, the
        blend masks, the try kept per face (1-based) and whether it passed
        (None without a check).
        """
        k = self.n_donors
        tries = max(1, min(self.max_tries, len(self.donor_chips_) // k))
        embeddings = record_embeddings(self.encoder_, images, owner, records)
        candidates, candidate_d = choose_donors(
            embeddings,
            records.landmarks / float(records.chip_size),
            self.donor_embeddings_,
            self.donor_landmarks_ / float(self.donor_chips_.shape[1]),
            min_distance=self.donor_distance,
            n_donors=k * tries,
        )
        n = len(owner)
        kept = np.zeros(n, int)  # the try (0-based) of each face's chip
        chips = np.empty_like(records.chips)
        masks = None
        best = np.full(n, -np.inf)
        best_try = np.zeros(n, int)
        todo = np.ones(n, bool)
        for t in range(tries):
            self._morph_faces(chips, records, candidates, todo, t)
            kept[todo] = t
            masks = self._repaste(out, images, masks, chips, records, owner, todo)
            if tries == 1:
                break
            score = np.full(n, -np.inf)
            score[todo] = self._morph_check(out, records, owner, embeddings, todo)
            better = todo & (score > best)
            best[better], best_try[better] = score[better], t
            todo &= score <= 0
            if not todo.any():
                break
        redo = todo & (best_try != kept)
        if redo.any():  # no try passed: the one that did best
            for t in np.unique(best_try[redo]):
                self._morph_faces(chips, records, candidates, redo & (best_try == t), t)
            kept[redo] = best_try[redo]
            masks = self._repaste(out, images, masks, chips, records, owner, redo)
        cols = kept[:, None] * k + np.arange(k)
        donors = np.take_along_axis(candidates, cols, axis=1)
        distances = np.take_along_axis(candidate_d, cols, axis=1)
        passed = None if tries == 1 else best > 0
        if passed is not None and not passed.all():
            warnings.warn(
                f"{int((~passed).sum())} of {n} faces passed no check in "
                f"{tries} tries (still matched by dlib's recogniser, or no "
                "longer found); anonymize(X).passed says which",
                UserWarning,
                stacklevel=3,
            )
        return chips, donors, distances, masks, kept + 1, passed

    def _morph_faces(self, chips, records, candidates, which, t):
        """``chips[which]`` = the faces morphed from their ``t``-th donors."""
        sel = np.flatnonzero(which)
        k = self.n_donors
        # same extractor_ for the pool and the faces: same chip size
        chips[sel] = morph_chips(
            records.chips[sel],
            records.landmarks[sel],
            self.donor_chips_,
            self.donor_landmarks_,
            candidates[sel, t * k : (t + 1) * k],
        )

    def _repaste(self, out, images, masks, chips, records, owner, which):
        """Paste every face of the photos of ``which`` anew (in ``out``)."""
        photos = np.unique(owner[which])
        faces = np.flatnonzero(np.isin(owner, photos))
        for i in photos:
            out[i] = images[i].copy()
        fresh = self._paste(out, chips[faces], records[faces], owner[faces])
        if masks is None:
            return fresh
        for i in photos:
            masks[i] = fresh[i]
        return masks

    def _morph_check(self, out, records, owner, embeddings, which):
        """A score per face of ``which``: positive when it passes.

        A face passes when the detector still finds it in the output (a
        face found there whose landmarks' box overlaps the face's with IoU
        at least 0.5) and dlib's recogniser no longer matches it with the
        original (embedding distance above 0.6; a face dlib could not embed
        in the original passes this part). The score is the distance minus
        0.6 for a face found, -1 minus the detection's shortfall otherwise
        (a face lost ranks below any face found).
        """
        sel = np.flatnonzero(which)
        boxes = face_boxes_from_landmarks(records[sel])
        now = record_embeddings(self.encoder_, out, owner[sel], records[sel])
        distance = np.linalg.norm(now - embeddings[sel], axis=1)
        # an original dlib cannot embed, it cannot match either; an output
        # it cannot embed is not known to have changed
        unknown = ~np.isfinite(embeddings[sel]).all(axis=1)
        distance = np.where(unknown, np.inf, distance)
        distance = np.where(np.isfinite(now).all(axis=1) | unknown, distance, 0.0)
        photos = np.unique(owner[sel])
        found = photo_face_landmarks(
            self.extractor_.landmark_extractor_,
            [out[i] for i in photos],
            faces="all",
            on_missing="keep",
        )
        iou = np.zeros(len(sel))
        for j, pts in zip(photos, found):
            if len(pts) == 0:
                continue
            here = owner[sel] == j
            iou[here] = box_iou(boxes[here], landmark_boxes(pts)).max(axis=1)
        margin = np.minimum(distance - SAME_PERSON_DISTANCE, 1.0)
        return np.where(iou >= 0.5, margin, -1.0 - (0.5 - iou))
