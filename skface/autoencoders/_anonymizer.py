"""FaceAnonymizer: blur, pixelate, fill, morph or regenerate every face in a photo."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context, clone
from sklearn.utils import Bunch
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..alignment import FaceExtractor, FaceReconstructor
from ..alignment._photo_faces import photo_face_landmarks
from ..base import ImageEstimatorMixin
from ..utils._optional import require_neural
from ..utils._random import draw_seed
from ..utils.validation import check_images, stack_if_same_shape
from ._donor_methods import _DonorMethodsMixin
from ._latent_features import _mirror, latent_features
from ._obscure import CLASSICAL_METHODS, face_region, obscure_faces

__all__ = ["FaceAnonymizer", "latent_features"]


class FaceAnonymizer(
    _DonorMethodsMixin, TransformerMixin, ImageEstimatorMixin, BaseEstimator
):
    """Obscure every face in photos: blur, pixelate, fill, morph or generate.

    ``method='blur'``, ``'pixelate'`` and ``'fill'`` need no training and
    no torch: the pretrained detector and 68-point landmarks find every
    face, and the face region (the landmarks' hull with the forehead
    added, grown by 10%, so the jaw line and the hairline are inside; see
    ``skface.autoencoders._obscure``) is replaced with a soft edge outside
    it. :meth:`fit` only loads the pretrained models.

    ``method='morph'`` needs no training and no torch either, but needs
    donor faces: :meth:`fit` aligns every face of ``X`` into a donor pool
    (chips, 68 landmarks, dlib identity embeddings). Each face to
    anonymise then gets a donor who is somebody else by a margin (dlib
    embedding distance at least ``donor_distance``) and, among those, the
    nearest in aligned landmark shape (similar pose and face shape); the
    donor's face is warped onto the face's own 68 landmarks, triangle by
    triangle (:func:`skface.alignment.piecewise_affine_warp`), colour
    matched and Poisson blended. The face keeps its pose, expression,
    outline and lighting, and takes the donor's skin, eyes, brows, nose
    and mouth: the classical face swap. It stays a sharp face (detectors
    find it) while a recogniser no longer matches the original. Use donors
    who agreed to it (their features appear in the output) and many of
    them; fitting on the photos to anonymise themselves works when they
    show many people (a face is never its own donor: it is at distance 0).

    ``method='generate'`` replaces each face by a generated one with the
    same pose and colours (needs the ``neural`` extra and a :meth:`fit`
    that trains the decoder). The FaceSwap seed's anonymisation, end to
    end: :class:`FaceExtractor`
    aligns each face onto a chip; the chip's landmarks and an 8x8x3
    thumbnail (:func:`latent_features`) go through a :class:`LatentDecoder`
    that generates a face chip from them; :class:`FaceReconstructor` warps
    the chip back and blends it into the photo. The decoder is trained on
    many faces (:meth:`fit` learns from the photos' own faces) to produce a
    face from landmarks and coarse colours alone, so the generated face has
    the original's pose, expression and colouring but the texture of a
    face *in general*.

    A decoder fed a face's own thumbnail can still give that face back
    (it memorises the faces it was trained on, and 192 colour values
    carry some identity), so identity is removed explicitly with the
    k-Same idea (Newton, Sweeney & Malin, 2005): at transform time each
    face's appearance features (the thumbnail, not the landmarks, which
    carry pose and expression) are replaced by the mean thumbnail of the
    ``k`` training faces nearest to it (euclidean distance between
    thumbnails; a training face identical to the face itself is left out),
    shifted to the face's own mean colour per channel. The decoder then
    renders an average of ``k`` *other* people with the face's own
    landmarks and overall colouring: the output cannot be traced back to
    fewer than ``k`` people, and the more faces the decoder was fitted on
    (e.g. a public face set plus the photos), the better it generalises.
    Measure the result with :func:`skface.autoencoders.anonymization_report`.

    Parameters
    ----------
    swapper : FaceSwapper, default=None
        ``method='swap'`` only: a :class:`skface.generation.FaceSwapper`,
        cloned and trained in :meth:`fit` on ``X`` and ``y`` (the donors'
        faces and faces like the ones to anonymise, labelled by person); a
        fitted one wrapped in :class:`sklearn.frozen.FrozenEstimator` is
        used as it is. Its extractor aligns the faces. Give it
        ``landmark_warp=0`` to anonymise: the swapper's default (0.25)
        moves the drawn features part of the way back onto the person's
        own, which serves a face swap but lowered the identity change by
        up to 11 points in ``benchmarks/bench_anonymization.py``.
    donor : label, list of labels or dict, default=None
        ``method='swap'`` only: whom every face becomes, one person of the
        swapper, a list of people (the mean of their decoders) or a
        ``{label: weight}`` blend; None: the swapper's own ``target``.
    n_donors : int, default=1
        ``method='morph'`` only: donors warped onto each face and combined
        (two: averaged; three or more: each region from the donor of
        median brightness there, soft-edged, which leaves out what covers
        one donor's face).
        One keeps the output sharpest; more blend several people (each
        one's features are then less recognisable, the face softer).
    donor_distance : float, default=0.9
        ``method='morph'`` only: the least dlib embedding distance between
        a face and its donors (dlib's same-person threshold is 0.6; the
        margin makes the morphed face, which keeps the original's
        geometry, land beyond it). When fewer than ``n_donors`` donors are
        that far, the farthest are used.
    max_tries : int, default=1
        ``method='morph'`` only: donor choices tried per face. With more
        than one, every morphed face is checked once it is blended into
        its photo: the face finder must still find it there (landmarks
        whose box overlaps the face's with IoU >= 0.5) and dlib's
        recogniser must no longer match it with the original (embedding
        distance above 0.6). A face that fails is morphed again from its
        next donors (the next nearest in shape) until one passes; when
        none of ``max_tries`` does, the try that did best is kept
        (``anonymize(X).passed`` says which faces passed). Each round
        costs a detection and an embedding of the photos concerned. The
        check uses dlib's recogniser, so it guarantees nothing against
        another one.
    decoder : LatentDecoder or LatentGAN, default=None
        ``method='generate'`` only. The generator, cloned in
        :meth:`fit`; ``None`` uses ``LatentDecoder(output_size=64)``.
        :class:`skface.generation.LatentGAN` (the same decoder trained with
        a discriminator too: sharper faces) is a drop-in. Tune it through
        nested parameters, e.g. ``decoder__max_epochs``.
    extractor : FaceExtractor, default=None
        Finds, aligns and masks the faces, cloned in :meth:`fit` (its
        ``on_missing`` is replaced by this estimator's policy); ``None``
        uses ``FaceExtractor(output_size=decoder.output_size)`` with
        :class:`skface.landmarks.LandmarkExtractor`'s 68 points. Pass one
        with another ``landmark_extractor`` to change the face detector.
    reconstructor : FaceReconstructor, default=None
        Blends the generated chips back; ``None`` uses
        ``FaceReconstructor(blend='poisson')`` (seamless cloning: the
        generated face takes the photo's colours at its edge, so there is
        no seam).
    thumbnail_size : int, default=8
        Side of the colour thumbnail fed to the decoder: 8 is the seed's
        best; smaller keeps less of the original's appearance.
    k : int, default=5
        k-Same anonymity: the thumbnail of each face is replaced by the
        mean of its ``k`` nearest training thumbnails (the face itself left
        out), recoloured to the face's mean colour. ``k=1`` is the plain
        latent-model mapping (the face's own thumbnail, no averaging): the
        output then resembles the input, and a face the decoder was trained
        on comes back almost unchanged. Must not exceed the number of
        training faces (checked in :meth:`fit`).
    faces : {'all', 'largest'}, default='all'
        Replace every face the detector finds (through the landmark
        extractor's ``landmarks_all``), or only the largest one.
    on_missing : {'raise', 'keep', 'whole'}, default='raise'
        A photo in which no face is found: ``'raise'`` raises a
        ``ValueError`` naming it (a face the detector misses would stay
        recognisable, so it is not silently passed through); ``'keep'``
        returns it unchanged; ``'whole'`` takes the whole photo as the
        face box (for photos cropped to a face, e.g. Olivetti; the
        classical methods obscure the whole photo). Either way one photo
        comes out per photo in. It does not apply to ``method='morph'``'s
        donor photos: those without a face are skipped (with a warning).
    horizontal_flip : bool, default=True
        Also train on the mirrored chips (and mirrored landmarks).
    method : {'fill', 'blur', 'pixelate', 'morph', 'generate', 'swap'}, \
            default='fill'
        How each face is obscured. ``'fill'``: the face region's mean
        colour (nothing of the face is left: the strongest method that
        needs neither training nor donor faces, and the default).
        ``'morph'``: a donor's face warped onto the face (see above; needs
        :meth:`fit` on donor photos, no training): the one method that
        changes identity while the face stays a face with its landmarks.
        ``'blur'``: a Gaussian blur with a sigma of a fifth of the face
        size. ``'pixelate'``: blocks a sixth of the face size. Blurred and
        pixelated faces can still be matched by a face recogniser
        (McPherson et al., 2016);
        ``skface.autoencoders.anonymization_report`` measures it.
        ``'generate'``: the trained :class:`LatentDecoder` with k-Same
        (needs :meth:`fit` on faces and the ``neural`` extra); the other
        parameters above apply to it only, except ``extractor``, ``faces``
        and ``on_missing``. ``'swap'``: every face becomes the ``donor``
        (a :class:`~skface.generation.FaceSwapper`, DeepFakes; needs
        training on the donors' faces, or a frozen fitted swapper), with
        the face's pose, expression and colours; blended back with
        ``FaceReconstructor(blend='poisson', color_match='mean_std')``
        unless ``reconstructor`` is given.
    random_state : int, RandomState instance or None, default=None
        When not None, seeds the decoder (overriding its own
        ``random_state``): an int gives identical outputs.

    Attributes
    ----------
    extractor_ : FaceExtractor
        The fitted extractor.
    decoder_ : LatentDecoder
        The trained decoder.
    swapper_ : FaceSwapper or None
        The trained (or frozen) swapper of ``method='swap'``.
    encoder_ : DlibFaceEncoder or None
        ``method='morph'``: embeds faces to choose their donors.
    donor_chips_ : ndarray of shape (n_donor_faces, S, S, 3) or None
        ``method='morph'``: the aligned donor faces.
    donor_index_ : ndarray of shape (n_donor_faces,), dtype int, or None
        ``method='morph'``: the index in the fitted ``X`` of the photo each
        donor face comes from (``donor_index_[anonymize(X).neighbors]``
        names each face's donor photos, e.g. to keep a record of consent).
    donor_landmarks_ : ndarray of shape (n_donor_faces, n_points, 2) or None
        ``method='morph'``: their landmarks in chip coordinates.
    donor_embeddings_ : ndarray of shape (n_donor_faces, 128) or None
        ``method='morph'``: their dlib embeddings (NaN where dlib could not
        embed one).
    reconstructor_ : FaceReconstructor
        The blender.
    n_faces_fit_ : int
        Number of faces (before mirroring) the decoder was trained on.
    appearance_ : ndarray of shape (n_faces_fit, 3 * thumbnail_size**2)
        Thumbnails of the training faces (not mirrored): the pool that
        k-Same averages over.

    ``decoder_``, ``reconstructor_``, ``n_faces_fit_`` and ``appearance_``
    are None (``n_faces_fit_`` 0) for the classical methods; the
    ``donor_*_`` and ``encoder_`` attributes are None except for
    ``'morph'``, where ``n_faces_fit_`` counts the donor faces.

    See Also
    --------
    LatentDecoder : The generator.
    skface.autoencoders.anonymization_report : Identity change, landmark error
        and seam of the result.

    References
    ----------
    E. M. Newton, L. Sweeney and B. Malin, "Preserving privacy by
    de-identifying face images", IEEE Transactions on Knowledge and Data
    Engineering 17(2), 2005.

    R. McPherson, R. Shokri and V. Shmatikov, "Defeating image obfuscation
    with deep learning", arXiv:1609.00408, 2016.

    Examples
    --------
    >>> from skface.autoencoders import FaceAnonymizer, LatentDecoder
    >>> from skface.datasets import make_synthetic_faces
    >>> X = make_synthetic_faces(6, size=64, n_identities=2, random_state=0).images
    >>> FaceAnonymizer(method="blur").fit(X).transform(X).shape
    (6, 64, 64, 3)
    >>> dec = LatentDecoder(32, width=4, max_epochs=2, device="cpu")
    >>> anon = FaceAnonymizer(dec, method="generate", random_state=0).fit(X)
    >>> anon.transform(X).shape
    (6, 64, 64, 3)

    Morphing needs donor photos (here: scikit-image's astronaut, a single
    donor, so ``donor_distance=0``):

    >>> from skimage.data import astronaut
    >>> morph = FaceAnonymizer(method="morph", donor_distance=0.0)
    >>> morph.fit([astronaut()]).transform(X).shape
    (6, 64, 64, 3)
    """

    _parameter_constraints: dict = {
        "swapper": [HasMethods(["fit", "swap_chips"]), None],
        "donor": "no_validation",
        "n_donors": [Interval(Integral, 1, None, closed="left")],
        "donor_distance": [Interval(Real, 0, None, closed="left")],
        "max_tries": [Interval(Integral, 1, None, closed="left")],
        "decoder": [HasMethods(["fit", "predict"]), None],
        "extractor": [HasMethods(["fit", "extract"]), None],
        "reconstructor": [HasMethods(["reconstruct"]), None],
        "thumbnail_size": [Interval(Integral, 1, None, closed="left")],
        "k": [Interval(Integral, 1, None, closed="left")],
        "faces": [StrOptions({"all", "largest"})],
        "on_missing": [StrOptions({"raise", "keep", "whole"})],
        "horizontal_flip": ["boolean"],
        "method": [StrOptions({*CLASSICAL_METHODS, "morph", "generate", "swap"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        decoder=None,
        *,
        swapper=None,
        donor=None,
        n_donors=1,
        donor_distance=0.9,
        max_tries=1,
        extractor=None,
        reconstructor=None,
        thumbnail_size=8,
        k=5,
        faces="all",
        on_missing="raise",
        horizontal_flip=True,
        method="fill",
        random_state=None,
    ):
        self.decoder = decoder
        self.swapper = swapper
        self.donor = donor
        self.n_donors = n_donors
        self.donor_distance = donor_distance
        self.max_tries = max_tries
        self.extractor = extractor
        self.reconstructor = reconstructor
        self.thumbnail_size = thumbnail_size
        self.k = k
        self.faces = faces
        self.on_missing = on_missing
        self.horizontal_flip = horizontal_flip
        self.method = method
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Load the face finder; train the decoder or the swapper if needed.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos (see :func:`skface.utils.check_images`); for
            ``method='generate'`` every face found is a training sample; for
            ``method='morph'`` every face found is a donor; for
            ``method='swap'`` the swapper's training images.
        y : array-like of shape (n_samples,), default=None
            ``method='swap'`` with a swapper to train: the person in each
            image (the donors among them). Ignored otherwise.

        Returns
        -------
        self : FaceAnonymizer
            Fitted estimator.
        """
        images = self._load(X)
        self.encoder_ = self.donor_chips_ = self.donor_index_ = None
        self.donor_landmarks_ = self.donor_embeddings_ = None
        if self.method in CLASSICAL_METHODS:
            self._fit_extractor(images, FaceExtractor())
            self.decoder_ = self.reconstructor_ = self.appearance_ = None
            self.swapper_ = None
            self.n_faces_fit_ = 0
            return self
        if self.method == "swap":
            return self._fit_swap(images, y)
        if self.method == "morph":
            return self._fit_morph(images)

        require_neural("FaceAnonymizer(method='generate')")
        from ._latent_decoder import LatentDecoder

        decoder = LatentDecoder() if self.decoder is None else self.decoder
        decoder = clone(decoder)
        if self.random_state is not None:
            decoder.set_params(random_state=draw_seed(self.random_state))
        size = decoder.get_params().get("output_size", 64)
        self._fit_extractor(images, FaceExtractor(output_size=size))
        self._fit_reconstructor(FaceReconstructor(blend="poisson"))

        records, _ = self._extract(images)
        if len(records) == 0:
            raise ValueError(
                f"no face found in any of the {len(images)} training photos; "
                "FaceAnonymizer learns from the faces of X"
            )
        if self.k > len(records):
            raise ValueError(
                f"k={self.k} is larger than the number of training faces "
                f"({len(records)} found in {len(images)} photos); k-Same averages "
                "k training faces, so fit on more faces or lower k"
            )
        chips, L = records.chips, records.landmarks
        n_points = 2 * L.shape[1]
        if self.horizontal_flip:
            mirrored, L_mirrored = _mirror(chips, L)
            chips = np.concatenate([chips, mirrored])
            L = np.concatenate([L, L_mirrored])
        features = latent_features(chips, L, thumbnail_size=self.thumbnail_size)
        self.decoder_ = decoder.fit(features, chips)
        self.swapper_ = None
        self.n_faces_fit_ = len(records)
        self.appearance_ = features[: len(records), n_points:].copy()
        return self

    def _fit_extractor(self, images, default, **params):
        """``extractor_``: ``extractor`` (else ``default``), whole-photo policy."""
        extractor = default if self.extractor is None else self.extractor
        self.extractor_ = clone(extractor).set_params(on_missing="whole", **params)
        self.extractor_.fit(images)

    def _fit_reconstructor(self, default):
        """``reconstructor_``: ``reconstructor`` (else ``default``), fitted."""
        reconstructor = default if self.reconstructor is None else self.reconstructor
        self.reconstructor_ = clone(reconstructor).fit()

    def _load(self, X):
        return check_images(X, dtype=None, channels="rgb", stack=False)

    # ---------------------------------------------------------- the faces
    def _face_landmarks(self, images, whole_landmarks=True, on_missing=None):
        """Per photo, ``(k_i, n_points, 2)`` landmarks of the faces to replace.

        With ``on_missing='whole'`` and ``whole_landmarks=False``, a photo
        without a face gets no landmarks (the caller takes the whole photo).
        ``on_missing`` overrides the parameter (e.g. ``'keep'``: a photo
        without a face gets none).
        """
        return photo_face_landmarks(
            self.extractor_.landmark_extractor_,
            images,
            faces=self.faces,
            on_missing=self.on_missing if on_missing is None else on_missing,
            whole=whole_landmarks,
        )

    def _extract(self, images, on_missing=None):
        """Records of every face, and the photo index of each face."""
        per_image = self._face_landmarks(images, on_missing=on_missing)
        owner = np.array(
            [i for i, f in enumerate(per_image) for _ in range(len(f))], dtype=int
        )
        if len(owner) == 0:
            return [], owner
        L = np.concatenate([f for f in per_image if len(f)])
        records = self.extractor_.extract([images[i] for i in owner], landmarks=L)
        keep = records.found
        return records[np.flatnonzero(keep)], owner[keep]

    def _k_same(self, thumbs):
        """k-Same thumbnails and the training faces averaged for each."""
        pool = self.appearance_
        d2 = (
            (thumbs**2).sum(1)[:, None]
            - 2 * thumbs @ pool.T
            + (pool**2).sum(1)[None, :]
        )
        d2 = np.maximum(d2, 0.0)
        d2[d2 <= 1e-10 * thumbs.shape[1]] = np.inf  # the face itself: left out
        k = min(self.k, pool.shape[0] - 1) if np.isinf(d2).any() else self.k
        nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
        mean = pool[nearest].mean(axis=1)
        # keep the face's own mean colour (skin tone, lighting) per channel
        n_ch = 3
        shape = (len(thumbs), -1, n_ch)
        own = thumbs.reshape(shape).mean(axis=1, keepdims=True)
        avg = mean.reshape(shape).mean(axis=1, keepdims=True)
        mean = np.clip(mean.reshape(shape) - avg + own, 0.0, 1.0)
        return mean.reshape(len(thumbs), -1), nearest

    def _generate(self, records):
        """Generated chips, and the k-Same neighbours (None when k=1)."""
        features = latent_features(
            records.chips, records.landmarks, thumbnail_size=self.thumbnail_size
        )
        nearest = None
        if self.k > self.n_faces_fit_:
            raise ValueError(
                f"k={self.k} is larger than the number of training faces "
                f"({self.n_faces_fit_}); k-Same averages k training faces"
            )
        if self.k > 1:
            n_points = features.shape[1] - self.appearance_.shape[1]
            thumbs, nearest = self._k_same(features[:, n_points:])
            features = np.hstack([features[:, :n_points], thumbs])
        return self.decoder_.predict(features), nearest

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """The photos with every face replaced by a generated one.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos: grey, RGB or RGBA; uint8, uint16 or float in [0, 1].

        Returns
        -------
        images : ndarray of shape (n_samples, H, W, 3) or list of ndarray
            RGB photos in the dtype of ``X``, one per input photo (a list
            when sizes differ). Pixels away from the faces are unchanged;
            photos without a face follow ``on_missing``.
        """
        return self.anonymize(X).images

    def anonymize(self, X):
        """Anonymised photos, plus where faces were replaced.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos.

        Returns
        -------
        result : :class:`~sklearn.utils.Bunch`
            images : ndarray or list of ndarray
                As :meth:`transform`.
            masks : list of ndarray of shape (H, W), dtype bool
                The blend region of each photo (the union of its faces'
                eroded masks, where the generated faces go; its edge is the
                blend boundary). All False for a photo left unchanged.
            n_faces : ndarray of shape (n_samples,), dtype int
                Faces replaced in each photo.
            records : FaceRecords or None
                One entry per replaced face (chips, transforms, landmarks);
                None for the classical methods.
            owner : ndarray of shape (n_faces_total,), dtype int
                Photo index of each entry of ``records``.
            chips : ndarray of shape (n_faces_total, S, S, 3) or None
                The generated chips (None for the classical methods).
            neighbors : ndarray of shape (n_faces_total, k) or None
                ``'generate'``: indices (into the training faces) of the
                ``k`` faces whose thumbnails were averaged for each face;
                None when ``k=1``. ``'morph'``: indices (into
                ``donor_chips_``) of each face's ``n_donors`` donors.
            donor_distances : ndarray of shape (n_faces_total, n_donors) or None
                ``'morph'`` only: dlib embedding distance between each face
                and each of its donors (NaN where a face could not be
                embedded).
            tries : ndarray of shape (n_faces_total,), dtype int, or None
                ``'morph'`` only: which try each face's donors come from
                (1: the first choice; see ``max_tries``).
            passed : ndarray of shape (n_faces_total,), dtype bool, or None
                ``'morph'`` with ``max_tries > 1``: whether each face
                passed the check (still detected, identity changed); None
                otherwise.
        """
        check_is_fitted(self)
        images = self._load(X)
        if self.method in CLASSICAL_METHODS:
            return self._obscure(images)
        out = [im.copy() for im in images]
        masks = [np.zeros(im.shape[:2], bool) for im in images]
        records, owner = self._extract(images)
        chips = neighbors = distances = tries = passed = None
        if self.method == "morph" and len(owner):
            chips, neighbors, distances, masks, tries, passed = self._morph(
                images, out, records, owner
            )
        elif len(owner):
            if self.method == "swap":
                chips = self.swapper_.swap_chips(records.chips, target=self.donor)
            else:
                chips, neighbors = self._generate(records)
            masks = self._paste(out, chips, records, owner)
        return Bunch(
            images=stack_if_same_shape(out),
            masks=masks,
            n_faces=np.bincount(owner, minlength=len(images)),
            records=records,
            owner=owner,
            chips=chips,
            neighbors=neighbors,
            donor_distances=distances,
            tries=tries,
            passed=passed,
        )

    def _obscure(self, images):
        """The classical methods: every face region blurred/pixelated/filled."""
        # on_missing='whole': a photo without a face is a face crop, all of
        # it obscured (not a hull of landmarks guessed in it)
        per_image = self._face_landmarks(images, whole_landmarks=False)
        out, masks, n_faces = [], [], np.zeros(len(images), int)
        for i, (image, faces) in enumerate(zip(images, per_image)):
            regions = [face_region(pts, image.shape) for pts in faces]
            if not regions and self.on_missing == "whole":
                regions = [np.ones(image.shape[:2], bool)]
            n_faces[i] = len(regions)
            out.append(obscure_faces(image, regions, self.method))
            mask = np.zeros(image.shape[:2], bool)
            for region in regions:
                mask |= region
            masks.append(mask)
        owner = np.repeat(np.arange(len(images)), n_faces)
        return Bunch(
            images=stack_if_same_shape(out),
            masks=masks,
            n_faces=n_faces,
            records=None,
            owner=owner,
            chips=None,
            neighbors=None,
            donor_distances=None,
            tries=None,
            passed=None,
        )

    def _paste(self, out, chips, records, owner):
        """Paste ``chips`` into the photos of the list ``out``, in place.

        One face per photo at a time, so that photos with several faces get
        each of them pasted over the previous result. ``owner`` gives each
        record's photo. Returns the blend region of each photo (the union
        of its faces' regions).
        """
        masks = [np.zeros(im.shape[:2], bool) for im in out]
        region = self._blend_region()
        rank = np.zeros(len(owner), int)
        for i in np.unique(owner):
            sel = np.flatnonzero(owner == i)
            rank[sel] = np.arange(len(sel))
        for r in range(int(rank.max()) + 1):
            sel = np.flatnonzero(rank == r)
            rec = records[sel]
            photos = [out[i] for i in owner[sel]]
            pasted = self.reconstructor_.reconstruct(photos, chips[sel], rec)
            zeros = [np.zeros(p.shape[:2], np.float32) for p in photos]
            ones = np.ones((len(sel), rec.chip_size, rec.chip_size), np.float32)
            alpha = region.reconstruct(zeros, ones, rec)
            for k, i in enumerate(owner[sel]):
                out[i] = pasted[k]
                masks[i] |= alpha[k][..., 0] > 0.0
        return masks

    def _blend_region(self):
        """A reconstructor that pastes hard-edged ones where the chips go."""
        params = {"color_match": False}
        names = self.reconstructor_.get_params()
        if "blend" in names:
            params["blend"] = "alpha"
        if "feather" in names:
            params["feather"] = 0.0
        return clone(self.reconstructor_).set_params(**params)
