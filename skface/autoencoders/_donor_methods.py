"""FaceAnonymizer's donor methods: 'swap' (a FaceSwapper) and 'morph'."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

from ..alignment import FaceExtractor, FaceReconstructor
from ..features import DlibFaceEncoder
from ..utils._random import draw_seed
from ._donor_morph import choose_donors, morph_chips, record_embeddings

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
        self.donor_landmarks_ = records.landmarks
        self.donor_embeddings_ = record_embeddings(
            self.encoder_, images, owner, records
        )
        self.decoder_ = self.appearance_ = self.swapper_ = None
        self.n_faces_fit_ = len(owner)
        return self

    def _morph(self, images, records, owner):
        """Donor-morphed chips, the donors' indices and identity distances."""
        embeddings = record_embeddings(self.encoder_, images, owner, records)
        scale = float(records.chip_size)
        donors, distances = choose_donors(
            embeddings,
            records.landmarks / scale,
            self.donor_embeddings_,
            self.donor_landmarks_ / float(self.donor_chips_.shape[1]),
            min_distance=self.donor_distance,
            n_donors=self.n_donors,
        )
        # same extractor_ for the pool and the faces: same chip size
        chips = morph_chips(
            records.chips,
            records.landmarks,
            self.donor_chips_,
            self.donor_landmarks_,
            donors,
        )
        return chips, donors, distances
