"""ConditionalGAN: faces generated to given facial landmarks."""

from __future__ import annotations

import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..landmarks import LANDMARK_GROUPS, LandmarkExtractor
from ..landmarks._groups import _MIRROR
from ..nn import (
    LandmarkDiscriminator,
    LandmarkGenerator,
    LandmarkRegressor,
    diff_augment,
)
from ..nn import mirror_condition as _mirror_condition
from ..nn import shift_condition as _shift_condition
from ..utils._image import resize
from ..utils.validation import check_images, check_landmarks
from ._base import BaseGAN, _GANNet

__all__ = ["CHIP_BOX", "LANDMARK_SUBSETS", "ConditionalGAN", "mirror_landmarks"]

#: Indices into the 68 iBUG points of each ``landmarks`` option. ``'5'`` is
#: dlib's 5-point scheme (outer and inner corner of the subject's left eye,
#: then of the right eye, the base of the nose: the order of
#: :data:`skface.landmarks.LANDMARK_GROUPS` ``[5]``); ``'10'`` adds the
#: mouth corners, the eyebrow centres and the chin.
LANDMARK_SUBSETS = {
    "68": tuple(range(68)),
    "10": (45, 42, 36, 39, 33, 54, 48, 24, 19, 8),
    "5": (45, 42, 36, 39, 33),
}

#: Face box ``(left, top, right, bottom)`` as fractions of an aligned chip,
#: used when the HOG detector misses a chip: the box it finds on UTKFace's
#: aligned 64-pixel chips (``(3, 3, 56, 56)``, measured on 200 of them).
CHIP_BOX = (3 / 64, 3 / 64, 56 / 64, 56 / 64)


def _subset_mirror(indices):
    """Permutation of a subset of the 68 points under a horizontal mirror."""
    where = {i: j for j, i in enumerate(indices)}
    return tuple(where[int(_MIRROR[68][i])] for i in indices)


def _groups(landmarks):
    """Heat-map channels: the named groups for 68 points, else one per point."""
    if landmarks == "68":
        return tuple(LANDMARK_GROUPS[68].values())
    return tuple((i,) for i in range(len(LANDMARK_SUBSETS[landmarks])))


def mirror_landmarks(landmarks, width):
    """Landmarks of horizontally mirrored images.

    ``x -> width - 1 - x`` and the points re-indexed so that each keeps
    its meaning (the subject's left eye corner of the mirrored face is the
    mirror image of the right one), for the 68-point scheme and the
    5- and 10-point subsets of :data:`LANDMARK_SUBSETS`.

    Parameters
    ----------
    landmarks : array-like of shape (n_samples, n_points, 2)
        ``(x, y)`` pixel coordinates, ``n_points`` in 68, 10 or 5.
    width : int
        Width of the images in pixels.

    Returns
    -------
    mirrored : ndarray of shape (n_samples, n_points, 2)

    Examples
    --------
    >>> import numpy as np
    >>> from skface.generation import mirror_landmarks
    >>> L = np.zeros((1, 5, 2)); L[0, 0] = (40.0, 20.0)
    >>> mirror_landmarks(L, 64)[0, 2]  # the right eye's outer corner
    array([23., 20.])
    """
    L = check_landmarks(landmarks)
    names = {len(v): k for k, v in LANDMARK_SUBSETS.items()}
    if L.shape[1] not in names:
        raise ValueError(
            f"landmarks must have 68, 10 or 5 points, got {L.shape[1]} points"
        )
    perm = _subset_mirror(LANDMARK_SUBSETS[names[L.shape[1]]])
    out = L[:, list(perm)].copy()
    out[..., 0] = width - 1 - out[..., 0]
    return out


class _ConditionalGANNet(_GANNet):
    """The GAN net with landmark conditions that follow flips and shifts.

    A third module, ``landmark_net`` (:class:`skface.nn.LandmarkRegressor`),
    learns to read the landmarks of the real faces (mirrored and shifted
    like them) with an L1 loss (``landmark_net_loss``); the generator gets
    ``landmark_weight`` times the same L1 distance between what it reads on
    the fakes and their conditions (``landmark_loss``).
    """

    module_names = ("generator", "discriminator", "landmark_net")
    loss_names = (
        *_GANNet.loss_names,
        "landmark_loss",
        "landmark_net_loss",
        "mode_seeking_loss",
    )

    def __init__(
        self,
        *args,
        n_points=68,
        image_size=64,
        thumbnail_size=0,
        mirror=(),
        landmark_weight=10.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.n_points = n_points
        self.image_size = image_size
        self.thumbnail_size = thumbnail_size
        self.mirror = mirror
        self.landmark_weight = landmark_weight

    def generate(self, module, z, condition):
        return module(z, condition)

    def discriminate(self, x, condition):
        return self.discriminator_(x, condition)

    def flip_condition(self, condition, flipped):
        perm = torch.as_tensor(self.mirror, dtype=torch.long)
        mirrored = _mirror_condition(condition, perm, int(self.thumbnail_size))
        return torch.where(flipped[:, None], mirrored, condition)

    def shift_condition(self, condition, shift):
        return _shift_condition(
            condition, shift, int(self.n_points), int(self.image_size)
        )

    def _landmark_error(self, images, condition):
        points = condition[:, : 2 * int(self.n_points)]
        return (self.landmark_net_(images) - points).abs().mean()

    def extra_generator_losses(self, fake, real, condition):
        losses = {}
        if self.landmark_weight:
            error = self._landmark_error(fake, condition)
            losses["landmark_loss"] = float(self.landmark_weight) * error
        return losses

    def train_step(self, batch, **fit_params):
        if self.landmark_weight:
            self._set_training(True)
            real, condition = self.split_batch(batch)
            if self.horizontal_flip:
                real, condition = self._flip(real, condition)
            real, shift = diff_augment(real, "translation", return_shift=True)
            condition = self.shift_condition(condition, shift)
            loss = self._landmark_error(real, condition)
            self.step_module("landmark_net", loss, batch)
            self.record_losses(landmark_net_loss=loss.detach())
        else:
            self.record_losses(landmark_loss=0.0, landmark_net_loss=0.0)
        return super().train_step(batch, **fit_params)


class ConditionalGAN(BaseGAN):
    """GAN that draws faces to given facial landmarks (and colours).

    The condition of a face is its landmarks (68 points, or the 10- or
    5-point subsets of :data:`LANDMARK_SUBSETS`) in the normalised frame
    ``[-1, 1]`` (pixel ``(x, y)`` of a ``W x H`` image at ``2 (x + 0.5) / W
    - 1``, ``2 (y + 0.5) / H - 1``), optionally followed by a colour
    thumbnail of the face. The landmarks are fed to both networks as
    *heat maps*, one channel per landmark group (:class:`skface.nn.
    LandmarkGenerator`, :class:`skface.nn.LandmarkDiscriminator`): the
    generator decodes the latent code through stages that each see the
    maps at their resolution; the discriminator, a spectrally normalised
    projection discriminator (Miyato & Koyama, 2018), sees the image
    stacked with the maps and projects the condition vector on its
    features. Neither tiles the 136-long vector over the image, the
    instability the seed met. A small landmark regressor
    (:class:`skface.nn.LandmarkRegressor`), trained on the real faces at
    the same time, reads the landmarks off each fake, and the generator
    pays ``landmark_weight`` times its L1 distance to the condition, so
    that the faces follow their landmarks closely early in training.
    Mirrored training faces get mirrored landmarks
    (:func:`mirror_landmarks`), and DiffAugment's translation moves them
    with the image. The training step and the small-data options are
    :class:`DCGAN`'s (:mod:`skface.generation._base`).

    Parameters
    ----------
    n_latent : int, default=100
        Size of the latent code ``z ~ N(0, I)``.
    image_size : int, default=64
        Side ``S`` of the generated faces, a power of two >= 8; training
        faces are resized to it.
    landmarks : {'68', '10', '5'}, default='68'
        Landmarks of the condition: all 68 iBUG points (one heat-map
        channel per named group of :data:`skface.landmarks.LANDMARK_GROUPS`)
        or a subset (one channel per point).
    thumbnail_size : int, default=0
        Side ``t`` of a colour thumbnail (the face resized to ``t x t``)
        added to the condition; 0 conditions on landmarks only.
    width : int, default=64
        Channels of the generator's last stage and the discriminator's
        first; the others double, up to ``8 * width``.
    sigma : float, default=1.0
        Width of the heat maps' Gaussians, in pixels of an ``S``-pixel
        image (raised to half a pixel at coarse stages).
    landmark_weight : float, default=10.0
        Weight of the generator's landmark loss: the L1 distance, in the
        normalised frame, between the landmarks a regressor
        (:class:`skface.nn.LandmarkRegressor`, trained on the real faces
        at the same time, on at most ``32 x 32`` pixels) reads off each
        fake and its condition. 0 trains without the regressor (on the
        adversarial loss only). The regressor's Adam runs at ``5 * lr``
        with ``betas=(0.9, 0.99)``.
    mode_seeking_weight : float, default=1.0
        Weight of a mode-seeking term (MSGAN, Mao et al., 2019): each step
        draws a second fake for every condition from a new code and the
        generator pays the weight over the mean absolute difference of
        the two (relative to that of the codes), so that it cannot ignore
        ``z`` and draw one face per set of landmarks. Costs a second
        generator pass per step (about 15% fewer images per minute on a
        CPU); 0 turns it off. On UTKFace (``benchmarks/RESULTS.md``, two
        seeds) 1 lowered the face KID by a quarter and raised recall by a
        third for 2-4 points of HOG detection; 3 did worse than 1.
    loss : {'hinge', 'nonsaturating', 'wgan-gp'}, default='hinge'
        Adversarial loss.
    augment : str or None, default='color,translation,cutout'
        DiffAugment policy (:data:`skface.nn.AUGMENT_POLICIES`).
    horizontal_flip : bool, default=True
        Mirror a random half of each real batch, with its landmarks.
    ema_decay : float, default=0.999
        Decay of the generator weights' moving average used for sampling.
    spectral_norm : bool, default=True
        Spectral norm on every discriminator layer.
    r1_weight : float, default=0.1
        ``gamma`` of the R1 penalty on real images; 0 turns it off.
    r1_interval : int, default=16
        Lazy R1: compute it every that many steps.
    n_critic : int, default=1
        Discriminator updates per generator update.
    lr : float, default=2e-4
        Learning rate of the generator (and of the discriminator when
        ``lr_discriminator`` is None).
    lr_discriminator : float or None, default=None
        Learning rate of the discriminator.
    betas : tuple of float, default=(0.0, 0.99)
        Adam's ``(beta1, beta2)``.
    optimizer : str or torch.optim.Optimizer subclass, default='adam'
        Optimizer of both networks.
    weight_decay : float, default=0.0
        Weight decay of both optimizers.
    batch_size : int, default=64
        Real images per step.
    max_epochs : int, default=50
        Passes over the training images.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks.
    warm_start : bool, default=False
        Continue training the fitted networks on the next ``fit``.
    device : str, default='auto'
        ``'auto'``, ``'cpu'``, ``'cuda'``...
    amp : bool, default=False
        Mixed-precision training: float16 autocast with gradient scaling on
        CUDA, bfloat16 autocast on the CPU; inference stays in float32.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        several GPUs under ``accelerate launch``, mixed precision from its
        ``mixed_precision``; ``device`` is then ``'auto'`` or the
        accelerator's device. Not saved by ``save``. See :ref:`gpu_training`.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, latent codes and augmentation.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar.

    Attributes
    ----------
    n_channels_ : int
        3 (RGB) or 1 (grey).
    n_points_ : int
        Landmarks per condition (68, 10 or 5).
    net_ : skorch.NeuralNet
        ``net_.generator_``, ``net_.discriminator_``, ``net_.landmark_net_``
        (the regressor) and ``net_.generator_ema_``.
    history_ : skorch.History
        Per-epoch ``generator_loss``, ``discriminator_loss``, ``penalty``,
        ``landmark_loss`` (weighted), ``landmark_net_loss`` (the
        regressor's L1 error on real faces), ``mode_seeking_loss``
        (weighted; 0 without the term), ``train_loss`` and ``dur``.
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    DCGAN : Unconditional faces.
    skface.landmarks.LandmarkExtractor : The landmarks of the conditions.
    mirror_landmarks : The landmarks of mirrored faces.

    Notes
    -----
    Landmarks computed by :meth:`fit` (``y=None``), :meth:`transform` and
    :meth:`score_samples` come from :class:`~skface.landmarks.
    LandmarkExtractor` with dlib's HOG detector; on an aligned chip it
    misses (a few percent of UTKFace chips at 64 pixels), the 68-point
    predictor runs in the box :data:`CHIP_BOX` scaled to the chip, where
    the detector finds aligned faces. Each image is handled on its own, so
    the result does not depend on the rest of the batch.

    References
    ----------
    M. Mirza, S. Osindero, "Conditional generative adversarial nets", 2014.
    T. Miyato, M. Koyama, "cGANs with projection discriminator", ICLR 2018.
    T. Park et al., "Semantic image synthesis with spatially-adaptive
    normalization", CVPR 2019 (spatial conditioning).

    Examples
    --------
    >>> import numpy as np
    >>> from skface.datasets import make_synthetic_faces
    >>> from skface.generation import ConditionalGAN
    >>> data = make_synthetic_faces(8, size=64, random_state=0)
    >>> gan = ConditionalGAN(n_latent=8, image_size=16, landmarks="5", width=4,
    ...                      max_epochs=1, batch_size=8, random_state=0)
    >>> gan = gan.fit(data.images)
    >>> L = np.array([[[11.0, 6.0], [9.0, 6.0], [4.0, 6.0], [6.0, 6.0], [8.0, 10.0]]])
    >>> gan.sample(L, random_state=0).shape
    (1, 16, 16, 3)
    """

    _net_class = _ConditionalGANNet
    _fitted_attributes = ("n_channels_", "n_points_")
    _parameter_constraints: dict = {
        **BaseGAN._shared_constraints,
        "landmarks": [StrOptions(set(LANDMARK_SUBSETS))],
        "thumbnail_size": [Interval(Integral, 0, None, closed="left")],
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "landmark_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_latent=100,
        image_size=64,
        *,
        landmarks="68",
        thumbnail_size=0,
        width=64,
        sigma=1.0,
        landmark_weight=10.0,
        mode_seeking_weight=1.0,
        loss="hinge",
        augment="color,translation,cutout",
        horizontal_flip=True,
        ema_decay=0.999,
        spectral_norm=True,
        r1_weight=0.1,
        r1_interval=16,
        n_critic=1,
        lr=2e-4,
        lr_discriminator=None,
        betas=(0.0, 0.99),
        optimizer="adam",
        weight_decay=0.0,
        batch_size=64,
        max_epochs=50,
        callbacks=None,
        warm_start=False,
        device="auto",
        amp=False,
        accelerator=None,
        random_state=None,
        verbose=0,
    ):
        self.n_latent = n_latent
        self.image_size = image_size
        self.landmarks = landmarks
        self.thumbnail_size = thumbnail_size
        self.width = width
        self.sigma = sigma
        self.landmark_weight = landmark_weight
        self.mode_seeking_weight = mode_seeking_weight
        self.loss = loss
        self.augment = augment
        self.horizontal_flip = horizontal_flip
        self.ema_decay = ema_decay
        self.spectral_norm = spectral_norm
        self.r1_weight = r1_weight
        self.r1_interval = r1_interval
        self.n_critic = n_critic
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

    # Shared neural parameters a GAN does not use (no validation loss).
    validation_fraction = 0.0
    early_stopping = False
    n_iter_no_change = 1

    # -- networks ----------------------------------------------------------
    def _net_params(self) -> dict:
        size, n = int(self.image_size), int(self.n_channels_)
        indices = LANDMARK_SUBSETS[self.landmarks]
        common = {
            "n_points": len(indices),
            "groups": _groups(self.landmarks),
            "image_size": size,
            "n_channels": n,
            "width": int(self.width),
            "thumbnail_size": int(self.thumbnail_size),
            "sigma": float(self.sigma),
        }
        return {
            "generator": LandmarkGenerator,
            "generator__n_latent": int(self.n_latent),
            **{f"generator__{k}": v for k, v in common.items()},
            "generator__output": "tanh",
            "discriminator": LandmarkDiscriminator,
            **{f"discriminator__{k}": v for k, v in common.items()},
            "discriminator__spectral_norm": bool(self.spectral_norm),
            "landmark_net": LandmarkRegressor,
            "landmark_net__n_points": len(indices),
            "landmark_net__image_size": size,
            "landmark_net__n_channels": n,
            "landmark_net__width": int(self.width),
            "landmark_weight": float(self.landmark_weight),
            # A plain supervised regressor: it learns faster than the GAN.
            "landmark_net_optimizer__lr": 5.0 * float(self.lr),
            "n_points": len(indices),
            "image_size": size,
            "thumbnail_size": int(self.thumbnail_size),
            "mirror": _subset_mirror(indices),
            **self._gan_net_params(),
        }

    def _make_net(self, device: str, seed: int):
        net = super()._make_net(device, seed)
        if "betas" in inspect.signature(net.optimizer).parameters:
            net.set_params(landmark_net_optimizer__betas=(0.9, 0.99))
        return net

    # -- conditions ----------------------------------------------------------
    def _landmarks_of(self, images, y, name="y"):
        """``(n, 68 or k, 2)`` pixel landmarks: given, or detected."""
        if y is None:
            return _detect_landmarks(images)
        k = len(LANDMARK_SUBSETS[self.landmarks])
        L = check_landmarks(y, n_samples=len(images), name=name)
        if L.shape[1] not in (68, k):
            raise ValueError(
                f"{name} must have 68 points or {k} (landmarks={self.landmarks!r}), "
                f"got {L.shape[1]}"
            )
        return L

    def _conditions(self, L, sizes, thumbnails=None):
        """Condition vectors ``(n, 2 k + 3 t^2)`` float32.

        ``L`` pixel landmarks ``(n, 68 or k, 2)``; ``sizes`` ``(n, 2)`` the
        ``(W, H)`` of the image each refers to; ``thumbnails`` images.
        """
        L = np.asarray(L, dtype=np.float64)
        if L.shape[1] == 68:
            L = L[:, list(LANDMARK_SUBSETS[self.landmarks])]
        sizes = np.asarray(sizes, dtype=np.float64)[:, None, :]  # (n, 1, 2)
        P = 2.0 * (L + 0.5) / sizes - 1.0  # (n, k, 2) in [-1, 1]
        parts = [P.reshape(len(P), -1)]
        t = int(self.thumbnail_size)
        if t:
            thumbs = np.empty((len(P), 3, t, t))
            for i, image in enumerate(thumbnails):
                image = image if image.ndim == 3 else image[:, :, None]
                small = resize(image, (t, t)).reshape(t, t, -1)
                thumbs[i] = np.broadcast_to(small, (t, t, 3)).transpose(2, 0, 1)
            parts.append(np.clip(thumbs, 0, 1).reshape(len(P), -1) * 2.0 - 1.0)
        return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)

    def _image_conditions(self, images, landmarks, name="landmarks"):
        L = self._landmarks_of(images, landmarks, name=name)
        sizes = [(im.shape[1], im.shape[0]) for im in images]
        return self._conditions(L, sizes, images)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the generator and discriminator on faces and their landmarks.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Aligned faces (e.g. :class:`skface.alignment.FaceExtractor`
            chips), uint8 or float in ``[0, 1]``, resized to ``image_size``.
        y : array-like of shape (n_samples, 68, 2) or None, default=None
            Landmarks ``(x, y)`` in pixels of each image of ``X`` (as
            :class:`~skface.landmarks.LandmarkExtractor` gives them; 68
            points, or exactly the points of ``landmarks``); None detects
            them (see Notes).

        Returns
        -------
        self : ConditionalGAN
            Fitted estimator.
        """
        self._check_size()
        images = self._validate_training_images(X)
        n_channels = 3 if any(im.ndim == 3 for im in images) else 1
        conditions = self._image_conditions(images, y, name="y")
        if self.warm_start and self.__sklearn_is_fitted__():
            n_channels = self.n_channels_
        else:
            self.n_channels_ = n_channels
            self.n_points_ = len(LANDMARK_SUBSETS[self.landmarks])
        return self._fit_net(self._images_to_net(images, n_channels), conditions)

    # -- inference -----------------------------------------------------------
    def _generate(self, conditions, Z):
        out = self._forward(Z, conditions, module=self._inference_module())
        return self._net_to_images(out)

    def sample(self, landmarks, thumbnails=None, random_state=None):
        """Generate one face per set of landmarks.

        Parameters
        ----------
        landmarks : array-like of shape (n_samples, n_points, 2)
            ``(x, y)`` pixel coordinates in an ``image_size x image_size``
            image (scale landmarks of other images by ``image_size / W``):
            68 points, or exactly the points of ``landmarks`` (5 or 10).
        thumbnails : (n_samples, H, W[, C]) ndarray or list, default=None
            Colours of each face (any size, resized to ``thumbnail_size``):
            required when ``thumbnail_size > 0``, ignored otherwise.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent codes: an int gives the same faces each call.

        Returns
        -------
        images : ndarray of shape (n_samples, S, S, 3) or (n_samples, S, S)
            Float32 faces in ``[0, 1]`` whose landmarks are ``landmarks``.
        """
        check_is_fitted(self)
        L = np.asarray(landmarks, dtype=np.float64) if landmarks is not None else None
        if L is None or L.ndim != 3 or L.shape[2] != 2 or not len(L):
            raise ValueError(
                "landmarks must have shape (n_samples, n_points, 2) with "
                f"n_samples >= 1, got {None if L is None else L.shape}"
            )
        if not np.isfinite(L).all():
            raise ValueError("landmarks contain NaN or infinity")
        thumbs = self._check_thumbnails(thumbnails, len(L))
        L = self._landmarks_of([None] * len(L), L, name="landmarks")
        size = int(self.image_size)
        conditions = self._conditions(L, np.full((len(L), 2), size), thumbs)
        Z = self._draw_latent(len(L), random_state)
        return self._generate(conditions, Z)

    def _check_thumbnails(self, thumbnails, n):
        if not int(self.thumbnail_size):
            return None
        if thumbnails is None:
            raise ValueError(
                f"thumbnail_size={self.thumbnail_size}: pass thumbnails (one image "
                "per face) to give the colours"
            )
        thumbs = check_images(thumbnails, dtype="float32", channels="keep", stack=False)
        if len(thumbs) != n:
            raise ValueError(f"{len(thumbs)} thumbnails for {n} sets of landmarks")
        return thumbs

    def transform(self, X, landmarks=None):
        """Regenerate each face on its own landmarks (and colours).

        Each face is drawn from the mean latent code ``z = 0`` with the
        landmarks (and thumbnail) of the matching image of ``X``: the same
        pose and expression, a typical face. Deterministic and row by row.

        Parameters
        ----------
        X : images
            Aligned faces, any size.
        landmarks : array-like of shape (n_samples, 68, 2) or None
            Their landmarks in pixels of ``X``; None detects them.

        Returns
        -------
        images : ndarray of shape (n_samples, S, S, 3) or (n_samples, S, S)
            Float32 faces in ``[0, 1]``.
        """
        check_is_fitted(self)
        images = check_images(X, dtype="float32", channels="keep", stack=False)
        conditions = self._image_conditions(images, landmarks)
        Z = np.zeros((len(images), int(self.n_latent)), dtype=np.float32)
        return self._generate(conditions, Z)

    def fit_transform(self, X, y=None):
        """Fit on ``X`` (and landmarks ``y``), then regenerate ``X`` on them.

        Parameters
        ----------
        X : images
            Aligned faces.
        y : array-like of shape (n_samples, 68, 2) or None, default=None
            Their landmarks in pixels of ``X``; None detects them.

        Returns
        -------
        images : ndarray of shape (n_samples, S, S, 3) or (n_samples, S, S)
            :meth:`transform` of ``X`` with the same landmarks.
        """
        return self.fit(X, y).transform(X, landmarks=y)

    def score_samples(self, X, landmarks=None):
        """Conditional discriminator logit of each face with its landmarks.

        Parameters
        ----------
        X : images
            Faces, resized to ``image_size``.
        landmarks : array-like of shape (n_samples, 68, 2) or None
            Their landmarks in pixels of ``X``; None detects them.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher means more like a training face with those landmarks.
        """
        check_is_fitted(self)
        images = check_images(X, dtype="float32", channels="keep", stack=False)
        conditions = self._image_conditions(images, landmarks)
        data = self._images_to_net(images, int(self.n_channels_))
        return self._forward(data, conditions, module="discriminator").astype(
            np.float64
        )

    def _score_samples_for(self, real):
        # Faces drawn to the real faces' own landmarks and colours.
        conditions = self._image_conditions(real, None)
        Z = self._draw_latent(len(real), 0)
        return list(self._generate(conditions, Z))


def _detect_landmarks(images):
    """68 landmarks per aligned chip: HOG detector, else :data:`CHIP_BOX`."""
    extractor = LandmarkExtractor(n_points=68, on_missing="nan").fit(images[:1])
    L = extractor.landmarks(images)
    missed = np.flatnonzero(np.isnan(L).any(axis=(1, 2)))
    if len(missed):
        boxes = np.array(
            [
                np.multiply(CHIP_BOX, [w, h, w, h])
                for h, w in (images[i].shape[:2] for i in missed)
            ]
        )
        L[missed] = extractor.landmarks([images[i] for i in missed], boxes=boxes)
    return L
