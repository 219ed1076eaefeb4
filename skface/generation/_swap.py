"""FaceSwapper: the DeepFakes face swap as an estimator."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from scipy.ndimage import gaussian_filter
from sklearn.base import TransformerMixin, _fit_context, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..autoencoders import FaceAnonymizer
from ..base import ImageEstimatorMixin
from ..metrics import ssim
from ..neural._base import BaseNeuralEstimator
from ..neural._multi import MultiModuleNet
from ..neural._net import _to_device
from ..nn import (
    SWAP_LOSSES,
    FaceSwapNet,
    ProjectionDiscriminator,
    d_hinge_loss,
    g_hinge_loss,
    masked_reconstruction_loss,
    random_warp,
)
from ..utils._image import resize
from ..utils._optional import import_cv2
from ..utils.validation import check_images, stack_if_same_shape
from ._base import AdversarialTrainingMixin, PhotoFrontEndMixin
from ._landmark_warp import warp_to_source_landmarks

__all__ = ["FaceSwapper", "feature_weight_map"]

_LEFT_EYE, _RIGHT_EYE, _MOUTH = slice(36, 42), slice(42, 48), slice(48, 68)


def feature_weight_map(masks, landmarks, *, outside=0.1, features=3.0):
    """Per-pixel loss weights of face chips: the face, more on eyes and mouth.

    Parameters
    ----------
    masks : ndarray of shape (n_samples, S, S), dtype bool
        Face masks of the chips (:class:`FaceExtractor`'s hull masks).
    landmarks : ndarray of shape (n_samples, n_points, 2)
        Chip landmarks; with 68 points, the hulls of the eyes and of the
        mouth (grown by a third about their centres) get ``features``.
    outside : float, default=0.1
        Weight outside the mask (0 ignores the background).
    features : float, default=3.0
        Weight on the eyes and the mouth (1 disables it).

    Returns
    -------
    weights : ndarray of shape (n_samples, S, S), dtype float32
    """
    cv2 = import_cv2()

    masks = np.asarray(masks, dtype=bool)
    w = np.where(masks, np.float32(1.0), np.float32(outside)).astype(np.float32)
    L = np.asarray(landmarks, dtype=np.float64)
    if features == 1 or L.ndim != 3 or L.shape[1] != 68:
        return w
    for i in range(len(w)):
        if not np.isfinite(L[i]).all():
            continue
        part = np.zeros(w.shape[1:], np.uint8)
        for sl in (_LEFT_EYE, _RIGHT_EYE, _MOUTH):
            pts = L[i, sl]
            centre = pts.mean(0)
            grown = centre + (4.0 / 3.0) * (pts - centre)
            hull = cv2.convexHull(grown.astype(np.float32))[:, 0]
            cv2.fillConvexPoly(part, np.round(hull).astype(np.int32), 1)
        w[i][part.astype(bool)] = np.float32(features)
    return w


def _collapse(losses, factor=1.5, patience=2):
    """``(best, best_epoch, last)`` when training has collapsed, else None.

    Collapsed: each of the last ``patience`` epoch losses is above
    ``factor`` times the best loss of the epochs before them (an
    autoencoder whose output saturated jumps to a plateau: 0.42 -> 0.84 in
    ``bench_swap`` at 128 px and lr 5e-4). Epochs are numbered from 1.
    """
    losses = [float(v) for v in losses]
    if len(losses) <= patience:
        return None
    before, recent = losses[:-patience], losses[-patience:]
    best = min(before)
    if all(v > factor * best for v in recent):
        return best, before.index(best) + 1, recent[-1]
    return None


def _unsharp_mask(chips, amount, sigma):
    """``chips + amount * (chips - blurred chips)``, clipped to ``[0, 1]``.

    ``chips`` is ``(N, S, S, C)``; the blur is a Gaussian of ``sigma``
    pixels over the two spatial axes. ``amount=0`` only clips.
    """
    chips = np.asarray(chips, dtype=np.float32)
    if amount > 0:
        blurred = gaussian_filter(chips, (0, sigma, sigma, 0), mode="nearest")
        chips = chips + np.float32(amount) * (chips - blurred)
    return np.clip(chips, 0, 1).astype(np.float32)


class _SwapNet(MultiModuleNet):
    """Shared encoder + decoders, trained on warped chips (private).

    A batch is ``(X, identity)``: ``X`` is ``(N, C + 1, S, S)``, the chips
    in ``[0, 1]`` with the loss weight map as the last channel, and
    ``identity`` the ``(N,)`` decoder index of each chip. Every step moves
    the batch at random (:func:`skface.nn.random_warp`), warps the input,
    and trains the autoencoder to give back the moved, unwarped chip through
    the chip's own decoder (masked loss). With ``adversarial_weight > 0`` a
    projection discriminator on the identity (one-hot) judges the outputs
    against the real moved chips, with its own optimizer, and the
    autoencoder adds ``adversarial_weight`` times its hinge loss.
    """

    loss_names = ("reconstruction_loss", "adversarial_loss", "discriminator_loss")

    def __init__(
        self,
        *args,
        loss_kind="ssim+l1",
        ssim_weight=0.5,
        rotation=10.0,
        zoom=0.05,
        shift=0.05,
        flip=True,
        warp=0.04,
        adversarial_weight=0.0,
        priors=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.priors = priors
        self.loss_kind = loss_kind
        self.ssim_weight = ssim_weight
        self.rotation = rotation
        self.zoom = zoom
        self.shift = shift
        self.flip = flip
        self.warp = warp
        self.adversarial_weight = adversarial_weight
        adversarial = float(adversarial_weight) > 0
        self.module_names = (
            ("autoencoder", "discriminator") if adversarial else ("autoencoder",)
        )

    def initialize_module(self):
        super().initialize_module()
        if self.priors is not None:  # each decoder starts at its mean face
            self.autoencoder_.set_priors(torch.as_tensor(self.priors))
        return self

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        X, identity = batch
        X = _to_device(X, self.device)
        identity = _to_device(identity, self.device).long()
        c = X.shape[1] - 1
        target, warped = random_warp(
            X,
            rotation=float(self.rotation),
            zoom=float(self.zoom),
            shift=float(self.shift),
            flip=bool(self.flip),
            warp=float(self.warp),
            n_image_channels=c,
        )
        real, weight = target[:, :c], target[:, c:]
        pred = self.autoencoder_(warped[:, :c], identity)
        rec = masked_reconstruction_loss(
            pred, real, weight, self.loss_kind, float(self.ssim_weight)
        )
        losses = {"reconstruction_loss": rec.detach()}
        total = rec
        if "discriminator" in self.module_names:
            n_ids = self.autoencoder_.n_identities
            onehot = torch.nn.functional.one_hot(identity, n_ids).to(real.dtype)
            real_in, fake_in = real * 2 - 1, pred * 2 - 1
            d_loss = d_hinge_loss(
                self.discriminator_(real_in, onehot),
                self.discriminator_(fake_in.detach(), onehot),
            )
            self.step_module("discriminator", d_loss, batch)
            adv = g_hinge_loss(self.discriminator_(fake_in, onehot))
            total = rec + float(self.adversarial_weight) * adv
            losses.update(adversarial_loss=adv.detach(), discriminator_loss=d_loss)
            d_loss = d_loss.detach()
        self.step_module("autoencoder", total, batch)
        self.record_losses(**losses)
        step_loss = total.detach()
        if "discriminator" in self.module_names:
            step_loss = step_loss + d_loss
        return {"loss": step_loss, "y_pred": pred.detach()}

    def validation_step(self, batch, **fit_params):
        raise ValueError("FaceSwapper trains without a validation split")


def _found_faces(extractor, images, skipped, stacklevel=3):
    """Float chips of the images where ``extractor`` finds a face.

    Returns the records of all images and the indices of those with a
    face; none at all is an error, some missing a warning ending in
    ``skipped``.
    """
    extractor = clone(extractor).set_params(on_missing="nan", dtype="float32")
    records = extractor.fit(images[:1]).extract(images)
    found = np.flatnonzero(records.found)
    if not len(found):
        raise ValueError(f"no face found in any of the {len(images)} images")
    if len(found) < len(images):
        warnings.warn(
            f"no face found in {len(images) - len(found)} of {len(images)} {skipped}",
            UserWarning,
            stacklevel=stacklevel,
        )
    return records, found


def _images_and_labels(X, y):
    """Validated images and one label per image."""
    images = check_images(X, dtype=None, channels="rgb", stack=False)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(images):
        raise ValueError(
            f"y must be one label per image: got shape {y.shape} for "
            f"{len(images)} images"
        )
    return images, y


class FaceSwapper(
    ImageEstimatorMixin,
    TransformerMixin,
    PhotoFrontEndMixin,
    AdversarialTrainingMixin,
    BaseNeuralEstimator,
):
    """Swap faces between people: the DeepFakes autoencoder as an estimator.

    One encoder shared by everyone and one decoder per person
    (:class:`skface.nn.FaceSwapNet`), trained to rebuild each person's
    aligned face chips from randomly warped copies of them
    (:func:`skface.nn.random_warp`: a random rotation, zoom, shift and
    mirror, plus a smooth displacement of a 5x5 control grid) with a loss
    taken inside the face mask (:func:`skface.nn.masked_reconstruction_loss`:
    L1, or SSIM + L1, more weight on the eyes and the mouth, little outside
    the face). The shared code learns pose, expression and lighting, common
    to everyone; the decoders learn the people. At :meth:`transform` time
    every face in a photo is aligned (:class:`~skface.alignment.
    FaceExtractor`), encoded, drawn by the *target* person's decoder, and
    blended back (:class:`~skface.alignment.FaceReconstructor` with colour
    matching and Poisson blending): the photo then shows the target person
    with the original's pose, expression and colours.

    Train on a few hundred faces of each person (the classic DeepFakes pair
    has 376 and 318); on a CPU keep ``chip_size=64`` and a small ``width``.

    Parameters
    ----------
    chip_size : int, default=64
        Side of the aligned chips the network sees and draws (4 times a
        power of two: 16, 32, 64, 128).
    width : int, default=32
        Channels of the encoder's first and the decoders' last feature map;
        they double towards the 4x4 middle, up to ``max_channels``.
    max_channels : int, default=512
        Cap on the channels.
    n_latent : int, default=512
        Size of the shared dense bottleneck (DeepFakes: 1024 at width 128).
    extractor : FaceExtractor, default=None
        Finds and aligns the faces, cloned (its ``output_size`` set to
        ``chip_size``); None uses ``FaceExtractor(padding=0.1)`` with dlib's
        68 points: a tight chip, brow to chin with a tenth of the face's
        extent around it, as DeepFakes crops (the default padding of 0.25
        spends a third of the chip's side on background and hair; measured
        on the DeepFakes pair, the tight chip swaps better both ways, see
        ``benchmarks/RESULTS.md``).
    reconstructor : FaceReconstructor, default=None
        Blends the swapped chips back into photos; None uses
        ``FaceReconstructor(blend='poisson', color_match='mean_std')``.
    target : label, list of labels or dict, default=None
        Whom :meth:`transform` swaps every face to: one person (a label of
        ``y``), a list of people (the mean of their decoders' outputs) or a
        ``{label: weight}`` blend. None: the last of ``classes_``.
    sharpen : float, default=2.0
        Unsharp masking of the drawn chips before they are blended back:
        ``chip + sharpen * (chip - blurred chip)``, the blur a Gaussian of
        ``max(1, chip_size / 64)`` pixels (DeepFakes' converters offer the same
        post-processing). The decoders draw soft faces after a short
        training; sharpening them measurably raises dlib's recognition of
        the target person (``benchmarks/RESULTS.md``). 0 returns the
        decoders' output as is; use 0 with ``adversarial_weight > 0``
        (the discriminator sharpens already, and sharpening on top
        lowered recognition there). Not used by :meth:`score`.
    flip_average : bool, default=True
        Test-time augmentation: draw each chip twice, as it is and
        mirrored (that drawing mirrored back), and average the two before
        sharpening. The decoders learnt mirrored faces too
        (``horizontal_flip``), so the two drawings differ only by the
        decoders' errors, which the mean reduces. Mirroring a chip mirrors
        its swap exactly (before ``landmark_warp``, whose landmark
        predictions are not exactly mirror-symmetric); an asymmetric
        expression (a wink) stays where it is. On the DeepFakes pair it
        raised dlib's recognition of the target person and lowered the
        landmark error a little (``benchmarks/RESULTS.md``), for a second
        forward pass. Not used by :meth:`score`.
    landmark_warp : float in [0, 1], default=0.25
        Expression repair after drawing: the landmarks of each drawn chip
        and of its source chip are predicted (the extractor's landmark
        model, in the same box) and the drawn chip is warped
        piecewise-affinely so that its inner landmarks (brows, eyes, nose,
        mouth: the 51 points inside the jaw line of the 68; all 5 of the
        5-point model) move this fraction of the way onto the source's, as
        the classical morph warps a donor onto the source. The jaw line
        stays as drawn: it is the target's face shape (moving it too
        lowered dlib's recognition of the target, for no lower landmark
        error). It restores what a decoder draws only partly (a mouth
        opened wider than most of its person's photos show, the eyes' and
        brows' exact places), at some cost in identity: on the DeepFakes
        pair (five splits, both ways), 0.25 lowered the swap's landmark
        error by 0.004-0.007 of the inter-ocular distance and changed
        dlib's recognition of the target by -5 to +6 points; 0.5 lowered
        the error a little more but cost up to 9 points of recognition
        (``benchmarks/RESULTS.md``). 0 keeps the decoder's drawing; a chip
        whose landmarks would move by more than a tenth of its side on
        average is left as drawn (a failed prediction). Not used by
        :meth:`score`.
    faces : {'all', 'largest'}, default='all'
        Swap every face of each photo, or only the largest.
    on_missing : {'raise', 'keep', 'whole'}, default='raise'
        A photo without a face in :meth:`transform`: a ``ValueError``
        naming it, returned unchanged (``'keep'``), or the whole photo
        taken as the face.
    loss : {'ssim+l1', 'l1'}, default='ssim+l1'
        Reconstruction loss inside the face mask.
    ssim_weight : float, default=0.5
        Weight of ``1 - SSIM`` in ``'ssim+l1'``.
    outside_weight : float, default=0.1
        Loss weight outside the face mask.
    feature_weight : float, default=3.0
        Loss weight on the eyes and the mouth (1 for none).
    rotation, zoom, shift : float, default=10.0, 0.05, 0.05
        Random move of every training chip: degrees, relative zoom,
        fraction of the side.
    warp : float, default=0.04
        Standard deviation of the random control-grid offsets, as a fraction
        of the side; 0 trains a plain autoencoder (which then copies pixels
        through and swaps poorly).
    horizontal_flip : bool, default=True
        Mirror half of the training chips.
    mean_face_prior : bool, default=True
        Start each decoder from its person's mean training chip: the
        decoder's output is ``sigmoid(logit(mean face) + f(code))`` (the
        mean a buffer saved with the weights), so an untrained decoder
        draws the person's average face and training learns the
        deviations (pose, expression, lighting) instead of the whole face
        from nothing: recognisable swaps after far fewer steps. False is
        the plain DeepFakes decoder.
    adversarial_weight : float, default=0.0
        Weight of an adversarial term (a spectrally normalised projection
        discriminator on the identity, trained with its own optimizer);
        0 trains without a discriminator.
    discriminator_width : int, default=32
        Width of the discriminator.
    lr : float, default=5e-4
        Learning rate of the autoencoder (DeepFakes: 5e-5 with Adam at a
        batch size of 64, for days; this is faster for small budgets). For
        ``chip_size=128`` use ``2e-4``: at 5e-4 a 128 px model collapsed
        (its output saturated; ``benchmarks/RESULTS.md``). ``fit`` warns
        with a :class:`~sklearn.exceptions.ConvergenceWarning` when the
        reconstruction loss jumps to 1.5 times its best and stays there.
    lr_discriminator : float, default=None
        Learning rate of the discriminator (None: ``lr``).
    betas : tuple of float, default=(0.5, 0.999)
        Adam's betas (DeepFakes' values).
    optimizer : str or torch optimizer class, default='adam'
        See :class:`~skface.neural._base.BaseNeuralEstimator`.
    weight_decay : float, default=0.0
        Weight decay of every optimizer.
    batch_size : int, default=32
        Chips per step (mixed people).
    max_epochs : int, default=100
        Passes over all chips.
    callbacks : list of skorch callbacks, default=None
        Extra callbacks.
    warm_start : bool, default=False
        Continue training the fitted network (same people).
    device : str, default='auto'
        ``'auto'`` uses CUDA when available.
    amp : bool, default=False
        Mixed-precision training: float16 autocast with gradient scaling on
        CUDA, bfloat16 autocast on the CPU; inference stays in float32.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        several GPUs under ``accelerate launch``, mixed precision from its
        ``mixed_precision``; ``device`` is then ``'auto'`` or the
        accelerator's device. Not saved by ``save``. See :ref:`gpu_training`.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and augmentation.
    verbose : int, default=0
        0 silent, 1 a line per epoch, 2 a progress bar too.

    Attributes
    ----------
    classes_ : ndarray of shape (n_identities,)
        The people, in decoder order.
    n_faces_fit_ : ndarray of shape (n_identities,), dtype int
        Faces found and trained on, per person.
    extractor_ : FaceExtractor
        The fitted extractor (aligns training and transform faces alike).
    reconstructor_ : FaceReconstructor
        The blender.
    net_ : skorch net
        The trained network (``net_.autoencoder_``); ``history_`` holds
        ``reconstruction_loss`` per batch and epoch (and the adversarial
        losses when there is a discriminator).

    See Also
    --------
    skface.autoencoders.FaceAnonymizer : ``method='swap'`` anonymises with
        a FaceSwapper toward a donor.

    References
    ----------
    "deepfakes/faceswap" (2017-2018) and the description in
    https://hackernoon.com/exploring-deepfakes-20c9947c22d9 (seed 001).

    Examples
    --------
    >>> from skface.datasets import make_synthetic_faces
    >>> from skface.generation import FaceSwapper
    >>> faces = make_synthetic_faces(8, size=64, n_identities=2, random_state=0)
    >>> swap = FaceSwapper(16, width=4, max_channels=16, n_latent=16,
    ...                    max_epochs=1, device="cpu", random_state=0)
    >>> swap = swap.fit(faces.images, faces.target)
    >>> swap.transform(faces.images, target=swap.classes_[0]).shape
    (8, 64, 64, 3)
    """

    _net_class = _SwapNet
    _fitted_attributes = ("classes_", "n_faces_fit_")
    _default_extractor_params = {"padding": 0.1}

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "chip_size": [Interval(Integral, 8, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "max_channels": [Interval(Integral, 1, None, closed="left")],
        "n_latent": [Interval(Integral, 1, None, closed="left")],
        "extractor": [HasMethods(["fit", "extract"]), None],
        "reconstructor": [HasMethods(["reconstruct"]), None],
        "target": "no_validation",
        "sharpen": [Interval(Real, 0, None, closed="left")],
        "flip_average": ["boolean"],
        "landmark_warp": [Interval(Real, 0, 1, closed="both")],
        "faces": [StrOptions({"all", "largest"})],
        "on_missing": [StrOptions({"keep", "raise", "whole"})],
        "loss": [StrOptions(set(SWAP_LOSSES))],
        "ssim_weight": [Interval(Real, 0, None, closed="left")],
        "outside_weight": [Interval(Real, 0, None, closed="left")],
        "feature_weight": [Interval(Real, 0, None, closed="left")],
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "zoom": [Interval(Real, 0, 1, closed="left")],
        "shift": [Interval(Real, 0, 1, closed="left")],
        "warp": [Interval(Real, 0, None, closed="left")],
        "horizontal_flip": ["boolean"],
        "mean_face_prior": ["boolean"],
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "discriminator_width": [Interval(Integral, 1, None, closed="left")],
        "lr_discriminator": [Interval(Real, 0, None, closed="neither"), None],
        "betas": [tuple, list],
    }
    validation_fraction = 0.0
    early_stopping = False

    def __init__(
        self,
        chip_size=64,
        *,
        width=32,
        max_channels=512,
        n_latent=512,
        extractor=None,
        reconstructor=None,
        target=None,
        sharpen=2.0,
        flip_average=True,
        landmark_warp=0.25,
        faces="all",
        on_missing="raise",
        loss="ssim+l1",
        ssim_weight=0.5,
        outside_weight=0.1,
        feature_weight=3.0,
        rotation=10.0,
        zoom=0.05,
        shift=0.05,
        warp=0.04,
        horizontal_flip=True,
        mean_face_prior=True,
        adversarial_weight=0.0,
        discriminator_width=32,
        lr=5e-4,
        lr_discriminator=None,
        betas=(0.5, 0.999),
        optimizer="adam",
        weight_decay=0.0,
        batch_size=32,
        max_epochs=100,
        callbacks=None,
        warm_start=False,
        device="auto",
        amp=False,
        accelerator=None,
        random_state=None,
        verbose=0,
    ):
        self.chip_size = chip_size
        self.width = width
        self.max_channels = max_channels
        self.n_latent = n_latent
        self.extractor = extractor
        self.reconstructor = reconstructor
        self.target = target
        self.sharpen = sharpen
        self.flip_average = flip_average
        self.landmark_warp = landmark_warp
        self.faces = faces
        self.on_missing = on_missing
        self.loss = loss
        self.ssim_weight = ssim_weight
        self.outside_weight = outside_weight
        self.feature_weight = feature_weight
        self.rotation = rotation
        self.zoom = zoom
        self.shift = shift
        self.warp = warp
        self.horizontal_flip = horizontal_flip
        self.mean_face_prior = mean_face_prior
        self.adversarial_weight = adversarial_weight
        self.discriminator_width = discriminator_width
        self.lr = lr
        self.lr_discriminator = lr_discriminator
        self.betas = betas
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.amp = amp
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ net
    def _net_params(self) -> dict:
        size = self._check_size()
        params = {
            "autoencoder": FaceSwapNet,
            "autoencoder__n_identities": len(self.classes_),
            "autoencoder__n_channels": 3,
            "autoencoder__image_size": size,
            "autoencoder__width": int(self.width),
            "autoencoder__max_channels": int(self.max_channels),
            "autoencoder__n_latent": int(self.n_latent),
            "loss_kind": self.loss,
            "ssim_weight": float(self.ssim_weight),
            "rotation": float(self.rotation),
            "zoom": float(self.zoom),
            "shift": float(self.shift),
            "flip": bool(self.horizontal_flip),
            "warp": float(self.warp),
            "adversarial_weight": float(self.adversarial_weight),
            # set for a fit only; a loaded model gets its priors with the weights
            "priors": getattr(self, "_mean_faces", None),
        }
        if self.adversarial_weight > 0:
            params.update(
                {
                    "discriminator": ProjectionDiscriminator,
                    "discriminator__n_conditions": len(self.classes_),
                    "discriminator__image_size": size,
                    "discriminator__n_channels": 3,
                    "discriminator__width": int(self.discriminator_width),
                    "discriminator__spectral_norm": True,
                    "discriminator__batch_norm": False,
                }
            )
            if self.lr_discriminator is not None:
                params["discriminator_optimizer__lr"] = float(self.lr_discriminator)
        return params

    def _check_size(self) -> int:
        size = int(self.chip_size)
        n = size // 4
        if size < 8 or size % 4 or n & (n - 1):
            raise ValueError(
                f"chip_size must be 4 times a power of two (16, 32, 64, 128), "
                f"got {size}"
            )
        return size

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Learn every person's decoder (and the shared encoder).

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos or face crops; the largest face of each is aligned and
            trained on (photos where none is found are skipped, with a
            warning giving their number).
        y : array-like of shape (n_samples,)
            The person in each image; at least two people.

        Returns
        -------
        self : FaceSwapper
            Fitted estimator.
        """
        size = self._check_size()
        images, y = _images_and_labels(X, y)
        classes, identity = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"FaceSwapper needs faces of at least two people, got the labels "
                f"{list(classes)}"
            )
        warm = self.warm_start and self.__sklearn_is_fitted__()
        if warm and not np.array_equal(classes, self.classes_):
            raise ValueError(
                f"warm_start continues training the same people {list(self.classes_)}"
                f"; got {list(classes)}"
            )
        extractor = clone(self._extractor_or_default()).set_params(output_size=size)
        records, rows = _found_faces(
            extractor, images, "training images; they are skipped", stacklevel=4
        )
        counts = np.bincount(identity[rows], minlength=len(classes))
        if (counts == 0).any():
            missing = [classes[k] for k in np.flatnonzero(counts == 0)]
            raise ValueError(f"no face found in any image of {missing}")
        chips = np.clip(np.asarray(records.chips[rows], dtype=np.float32), 0, 1)
        weights = feature_weight_map(
            records.masks[rows],
            records.landmarks[rows],
            outside=float(self.outside_weight),
            features=float(self.feature_weight),
        )
        data = np.concatenate([chips, weights[..., None]], axis=3)
        data = np.ascontiguousarray(data.transpose(0, 3, 1, 2))
        self.classes_ = classes
        self.n_faces_fit_ = counts
        self._fit_front_end(images[:1])
        if self.mean_face_prior and not warm:
            ids = identity[rows]
            means = np.stack([chips[ids == k].mean(0) for k in range(len(classes))])
            if self.horizontal_flip:  # training sees mirrored chips half the time
                means = 0.5 * (means + means[:, :, ::-1])
            self._mean_faces = np.ascontiguousarray(means.transpose(0, 3, 1, 2))
        try:
            self._fit_net(data, identity[rows].astype(np.int64))
        finally:
            self.__dict__.pop("_mean_faces", None)
        self._warn_if_collapsed()
        return self

    def _warn_if_collapsed(self):
        """A ConvergenceWarning when the reconstruction loss jumped and stayed."""
        rows = list(self.net_.history)
        key = "train_loss"
        if any("reconstruction_loss" in row for row in rows):
            key = "reconstruction_loss"  # without the adversarial term's swings
        found = _collapse([row[key] for row in rows if key in row])
        if found is not None:
            best, epoch, last = found
            warnings.warn(
                f"FaceSwapper's training has collapsed: the {key} rose from "
                f"{best:.3f} (epoch {epoch}) to {last:.3f} and stayed there for the "
                "last epochs (the decoders' output saturated). Fit again from "
                f"scratch with a lower lr than {self.lr!r} (2e-4 trains 128 px chips "
                "steadily where 5e-4 collapsed).",
                ConvergenceWarning,
                stacklevel=4,
            )

    def __sklearn_is_fitted__(self):
        return getattr(self, "net_", None) is not None and hasattr(self, "classes_")

    # ------------------------------------------------------------ inference
    def _identity_weights(self, target):
        """``(n_identities,)`` decoder weights for ``target`` (see class doc)."""
        if target is None:
            target = self.target
        if target is None:
            target = self.classes_[-1]
        classes = list(self.classes_)

        def index(label):
            hits = np.flatnonzero(self.classes_ == np.asarray(label))
            if not len(hits):
                raise ValueError(
                    f"target {label!r} is not one of the trained people {classes}"
                )
            return int(hits[0])

        w = np.zeros(len(classes), np.float32)
        if isinstance(target, dict):
            if not target:
                raise ValueError("target is an empty dict; name at least one person")
            for label, weight in target.items():
                if not np.isfinite(weight) or weight < 0:
                    raise ValueError(
                        f"target weights must be finite and >= 0, got {weight!r} "
                        f"for {label!r}"
                    )
                w[index(label)] += float(weight)
        elif isinstance(target, (list, tuple, np.ndarray)):
            if not len(target):
                raise ValueError("target is an empty list; name at least one person")
            for label in target:
                w[index(label)] += 1.0
        else:
            w[index(target)] = 1.0
        if w.sum() <= 0:
            raise ValueError(f"target weights sum to 0: {target!r}")
        return w / w.sum()

    def swap_chips(self, chips, target=None):
        """Aligned face chips drawn as the ``target`` person.

        Parameters
        ----------
        chips : (n_samples, S, S, 3) ndarray or list of ndarray
            Face chips aligned by :attr:`extractor_` (e.g.
            ``swapper.extractor_.transform(photos)``); other sizes are
            resized to ``chip_size`` and back.
        target : label, list of labels or dict, default=None
            See the ``target`` parameter (None: that parameter).

        Returns
        -------
        chips : ndarray of shape (n_samples, S, S, 3), dtype float32
            In ``[0, 1]``, at the input size.
        """
        check_is_fitted(self)
        images = check_images(chips, dtype="float32", channels="rgb", stack=False)
        if not len(images):
            raise ValueError("chips is empty; need at least one chip")
        weights = self._identity_weights(target)
        size = int(self.chip_size)
        x = np.stack([resize(im, (size, size)).reshape(size, size, 3) for im in images])
        x = np.ascontiguousarray(np.clip(x, 0, 1).transpose(0, 3, 1, 2))
        w = np.repeat(weights[None], len(x), axis=0)
        out = self._forward(x, w, module="autoencoder")
        if self.flip_average:  # the mirrored chips' drawings, mirrored back
            mirrored = np.ascontiguousarray(x[..., ::-1])
            out = out + self._forward(mirrored, w, module="autoencoder")[..., ::-1]
            out = np.float32(0.5) * out
        out = out.transpose(0, 2, 3, 1)
        out = _unsharp_mask(out, float(self.sharpen), max(1.0, size / 64.0))
        if self.landmark_warp > 0:
            out, _ = warp_to_source_landmarks(
                out,
                x.transpose(0, 2, 3, 1),
                self.extractor_.landmark_extractor_,
                strength=float(self.landmark_warp),
                padding=float(getattr(self.extractor_, "padding", 0.1)),
                keep_jaw=True,
            )
        result = []
        for im, o in zip(images, out):
            if im.shape[:2] != (size, size):
                o = np.clip(resize(o, im.shape[:2]).reshape(*im.shape[:2], 3), 0, 1)
            result.append(o.astype(np.float32))
        return stack_if_same_shape(result)

    def swap(self, X, target=None):
        """Photos with every face swapped, and where (see FaceAnonymizer).

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos.
        target : label, list of labels or dict, default=None
            Whom to swap to (None: the ``target`` parameter).

        Returns
        -------
        result : :class:`~sklearn.utils.Bunch`
            As :meth:`skface.autoencoders.FaceAnonymizer.anonymize`:
            ``images``, ``masks``, ``n_faces``, ``records``, ``owner`` and
            ``chips`` (the swapped chips).
        """
        check_is_fitted(self)
        anon = FaceAnonymizer(
            method="swap",
            swapper=FrozenEstimator(self),
            donor=self.target if target is None else target,
            extractor=self.extractor_,
            reconstructor=self.reconstructor_,
            faces=self.faces,
            on_missing=self.on_missing,
        )
        images = check_images(X, dtype=None, channels="rgb", stack=False)
        return anon.fit(images[:1]).anonymize(images)

    def transform(self, X, target=None):
        """Photos with every face swapped to ``target``.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos: grey, RGB or RGBA; uint8, uint16 or float in [0, 1].
        target : label, list of labels or dict, default=None
            Whom to swap to (None: the ``target`` parameter, else the last
            of ``classes_``).

        Returns
        -------
        images : ndarray of shape (n_samples, H, W, 3) or list of ndarray
            RGB photos in the dtype of ``X``, one per input photo; pixels
            away from the faces are unchanged; photos without a face follow
            ``on_missing``.
        """
        return self.swap(X, target=target).images

    def score(self, X, y):
        """Mean SSIM of each face redrawn by its own person's decoder.

        The natural quality measure of the DeepFakes model (higher is
        better, at most 1), so ``GridSearchCV`` and Optuna can tune a
        swapper on held-out faces without a custom scorer: each face of
        ``X`` is aligned, encoded and decoded by the decoder of its person
        ``y``, and compared with its chip inside the face mask (skface's
        :func:`~skface.metrics.ssim`). A swap is this same decoder applied
        to someone else's code, so a decoder that redraws its own person's
        unseen faces well swaps better.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos or face crops (the largest face of each is scored;
            images without a face are left out, with a warning).
        y : array-like of shape (n_samples,)
            The person in each image, each one of :attr:`classes_`.

        Returns
        -------
        score : float
            Mean masked SSIM over the faces found.
        """
        check_is_fitted(self)
        images, y = _images_and_labels(X, y)
        unknown = sorted({str(v) for v in y if not (self.classes_ == v).any()})
        if unknown:
            raise ValueError(
                f"y has people the swapper was not trained on: {unknown}; it "
                f"knows {[str(c) for c in self.classes_]}"
            )
        records, found = _found_faces(
            self.extractor_, images, "images; they are left out of the score"
        )
        chips = np.clip(records.chips[found], 0, 1).astype(np.float32)
        identity = np.searchsorted(self.classes_, y[found])
        w = np.eye(len(self.classes_), dtype=np.float32)[identity]
        x = np.ascontiguousarray(chips.transpose(0, 3, 1, 2))
        out = self._forward(x, w, module="autoencoder").transpose(0, 2, 3, 1)
        out = np.clip(out, 0, 1)
        return float(ssim(chips, out, masks=records.masks[found]))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags
