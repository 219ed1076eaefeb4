"""ProgressiveGAN: faces grown from 4x4 to ``image_size``, optionally conditional.

The growth schedule counts images shown to the critic (``images_seen``):
each resolution ``4, 8, ..., image_size`` gets ``images_per_stage`` real
images, the first half fading the new block in (``alpha`` from 0 to 1), the
second half stabilising it (the ``4x4`` stage only stabilises). After the
last stage has faded in, training continues there. The counter is a fitted
attribute (``n_images_seen_``), so the schedule survives ``warm_start``,
:meth:`~skface.neural._base.BaseNeuralEstimator.save` and ``load``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..landmarks._groups import _MIRROR
from ..nn import (
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    mirror_condition,
    progressive_sizes,
    shift_condition,
)
from ..utils._image import resize
from ..utils.validation import check_images, check_landmarks
from ._base import BaseGAN, _GANNet
from ._conditional import _detect_landmarks

__all__ = ["ProgressiveGAN", "progressive_stage"]

#: Values of the ``condition`` parameter (None: unconditional).
CONDITIONS = ("landmarks+colour", "landmarks", "colour")


def progressive_stage(
    images_seen: int, sizes: list[int], images_per_stage: int
) -> tuple[int, float]:
    """Resolution and fade-in ``alpha`` after ``images_seen`` training images.

    Stage ``k`` (resolution ``sizes[k]``) spans images
    ``[k * images_per_stage, (k + 1) * images_per_stage)``; for ``k >= 1`` its
    first half fades in (``alpha`` rises linearly from 0 to 1), its second
    half stabilises (``alpha = 1``). The last stage lasts for ever.

    Examples
    --------
    >>> from skface.generation import progressive_stage
    >>> progressive_stage(150, [4, 8, 16], 100)
    (8, 1.0)
    >>> progressive_stage(125, [4, 8, 16], 100)
    (8, 0.5)
    """
    k = min(int(images_seen) // int(images_per_stage), len(sizes) - 1)
    if k == 0:
        return sizes[0], 1.0
    done = int(images_seen) - k * int(images_per_stage)
    return sizes[k], min(1.0, done / (0.5 * int(images_per_stage)))


def _downsample(x: torch.Tensor, size: int) -> torch.Tensor:
    """Area average of ``(N, C, S, S)`` images down to ``size``."""
    factor = x.shape[-1] // size
    return x if factor == 1 else F.avg_pool2d(x, factor)


def _real_at(x: torch.Tensor, size: int, alpha: float) -> torch.Tensor:
    """Real images as the critic sees them at ``size`` while it fades in.

    ``alpha * down(x, size) + (1 - alpha) * up(down(x, size / 2))``
    (Karras et al., 2018): during fade-in the reals are blurred like the
    generator's blended output.
    """
    new = _downsample(x, size)  # (N, C, size, size)
    if alpha >= 1 or size <= 4:
        return new
    old = F.interpolate(_downsample(new, size // 2), scale_factor=2.0)
    return alpha * new + (1 - alpha) * old


class _ProgressiveNet(_GANNet):
    """:class:`_GANNet` that grows: reals, generator and critic at the stage.

    Conditions are ``(N, k)`` vectors in the layout of
    :class:`ConditionalGAN` (so :func:`skface.nn.mirror_condition` and
    :func:`skface.nn.shift_condition` move them with the image): 68
    landmarks ``(x, y)`` normalised to ``[-1, 1]`` (``u = 2 (x + 0.5) / W -
    1``: mirroring is ``u -> -u``) and/or the ``3x2x2`` colour thumbnail in
    ``[-1, 1]``, in that order.
    """

    loss_names = (*_GANNet.loss_names, "mode_seeking_loss")

    def __init__(
        self,
        *args,
        images_per_stage=100_000,
        max_size=64,
        landmark_dims=136,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.images_per_stage = images_per_stage
        self.max_size = max_size
        self.landmark_dims = landmark_dims

    def initialize_module(self):
        super().initialize_module()
        self.images_seen_ = 0
        return self

    def stage(self) -> tuple[int, float]:
        """``(resolution, alpha)`` of the next training batch."""
        sizes = progressive_sizes(int(self.max_size))
        return progressive_stage(self.images_seen_, sizes, self.images_per_stage)

    # -- hooks -----------------------------------------------------------
    def split_batch(self, batch):
        X, y = super().split_batch(batch)
        return _real_at(X, self._size, self._alpha), y

    def generate(self, module, z, condition):
        return module(z, condition, size=self._size, alpha=self._alpha)

    def discriminate(self, x, condition):
        return self.discriminator_(x, condition, alpha=self._alpha)

    def flip_condition(self, condition, flipped):
        points = _MIRROR[68] if self.landmark_dims else []
        perm = torch.as_tensor(points, dtype=torch.long)
        t = 2 if condition.shape[1] > self.landmark_dims else 0
        mirrored = mirror_condition(condition, perm, thumbnail_size=t)
        return torch.where(flipped[:, None], mirrored, condition)

    def shift_condition(self, condition, shift):
        if not self.landmark_dims:
            return condition  # a colour thumbnail does not move
        return shift_condition(condition, shift, 68, self._size)

    # -- the step --------------------------------------------------------
    def train_step(self, batch, **fit_params):
        self._size, self._alpha = self.stage()
        step = super().train_step(batch, **fit_params)
        self.images_seen_ += len(batch[0])
        self.history.record_batch("resolution", self._size)
        self.history.record_batch("alpha", self._alpha)
        return step

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)
        size, alpha = self.stage()
        self.history.record("resolution", size)
        self.history.record("alpha", alpha)
        self.history.record("images_seen", int(self.images_seen_))


class ProgressiveGAN(BaseGAN):
    """Progressive GAN for faces (Karras et al. 2018), optionally conditional.

    The generator and critic (:class:`skface.nn.ProgressiveGenerator`,
    :class:`skface.nn.ProgressiveDiscriminator`: equalised learning rate,
    pixel norm in the generator, minibatch standard deviation in the critic)
    start at ``4x4`` and grow by a block per doubling up to ``image_size``,
    each new block fading in over the upsampled output of the previous
    resolution. The real images are area-averaged down to the current
    resolution and, during a fade-in, blended the same way with their
    upsampled half-resolution version. Trained with the WGAN-GP loss (the
    gradient norm per sample over ``C x H x W``) and the drift term, one
    critic step per generator step, Adam with ``betas=(0, 0.99)``, and a
    moving average of the generator weights for sampling. The shared
    small-data options of :class:`DCGAN` apply too (DiffAugment, mirroring).

    **Growth schedule.** See :func:`progressive_stage`: resolution ``k``
    lasts ``images_per_stage`` real images, half fading in, half
    stabilising; the count (``n_images_seen_``) continues across warm starts
    and is saved with the model. ``image_size`` starts fading in after
    ``(len(sizes) - 1) * images_per_stage`` images and is in full after
    ``(len(sizes) - 0.5) * images_per_stage`` (``sizes = 4, 8, ...,
    image_size``): choose ``max_epochs`` accordingly, or fit repeatedly with
    ``warm_start=True``. Before then, :meth:`sample`, :meth:`transform` and
    :meth:`score_samples` work at the resolution reached (``resolution_``,
    ``alpha_``) and images are returned at ``image_size``, upsampled by
    pixel repetition (nearest neighbour), so the output shape never changes
    and the blockiness shows how far the model has grown.

    **Conditioning** (``condition``). A vector per face: its 68 landmarks
    (iBUG order, pixel ``(x, y)`` normalised to ``[-1, 1]`` by
    ``2 (x + 0.5) / W - 1``) and its ``3x2x2`` colour thumbnail (area
    average, in ``[-1, 1]``; grey repeated), 148 numbers, laid out as in
    :class:`ConditionalGAN` with ``thumbnail_size=2``. The generator
    receives it next to the latent code, the critic as a projection term
    ``<V c, phi(x)>`` (Miyato & Koyama, 2018). Mirroring and translation
    move the landmarks with the image. Without conditions, :meth:`sample`
    draws them from a Gaussian fitted to the training conditions (a point
    distribution model of the landmarks and colours).

    Parameters
    ----------
    n_latent : int, default=128
        Size of the latent code ``z ~ N(0, I)``.
    image_size : int, default=64
        Final resolution, a power of two >= 8 (128 is sensible on a GPU).
        On a CPU, 32 (samples enlarged afterwards) sees about twice as many
        images a minute as 64 and gave better faces in the same time
        (``benchmarks/RESULTS.md``, "Longer CPU runs").
    condition : {'landmarks+colour', 'landmarks', 'colour'} or None, \
default='landmarks+colour'
        What the generator and critic are conditioned on; None trains an
        unconditional model.
    width : int, default=32
        Channels of both networks up to ``16x16``, halved at each later
        doubling (Karras et al. used 512; 32 is sized for a CPU).
    images_per_stage : int, default=3000
        Real images shown per resolution (half fade-in, half stabilisation).
        With the defaults, 64 px fades in from image 12,000 to 13,500
        (5 minutes on one CPU core, see Notes); Karras et al. used 800,000
        per stage on GPUs.
    loss : {'wgan-gp', 'hinge', 'nonsaturating'}, default='wgan-gp'
        Adversarial loss. ``'wgan-gp'`` uses the gradient penalty
        ``gp_weight * E(||grad D(x_hat)|| - 1)^2`` (norm per sample over
        ``C x H x W``) and the drift term; the others the R1 penalty.
    gp_weight : float, default=10.0
        Weight of the gradient penalty (``'wgan-gp'``).
    drift : float, default=1e-3
        Weight of ``E[D(x)^2]`` that keeps the critic's scores near 0.
    augment : str or None, default=None
        DiffAugment policy (see :data:`skface.nn.AUGMENT_POLICIES`), e.g.
        ``'color,translation'``; None (the default) turns it off: at ``4x4``
        a one-pixel translation is a quarter of the image, and with it the
        samples stayed noise after 10,000 images (see Notes).
        Translation is in pixels of the current resolution.
    horizontal_flip : bool, default=True
        Mirror a random half of each real batch (and its landmarks).
    ema_decay : float, default=0.999
        Decay of the moving average of the generator weights used for
        sampling; 0 samples from the trained weights.
    r1_weight : float, default=0.1
        ``gamma`` of the R1 penalty (not used with ``'wgan-gp'``).
    r1_interval : int, default=16
        Lazy R1 interval (not used with ``'wgan-gp'``).
    n_critic : int, default=1
        Critic updates per generator update (1, as Karras et al. with drift).
    mode_seeking_weight : float, default=0.0
        Weight of a mode-seeking term (MSGAN, Mao et al., 2019): each step
        draws a second fake per condition from a new code and the generator
        pays the weight over the mean absolute difference of the two
        (relative to that of the codes), at the current resolution. Costs a
        second generator pass per step. 0: none.
    lr : float, default=5e-3
        Learning rate of the generator (and the critic when
        ``lr_discriminator`` is None). Karras et al. used 1e-3 over
        millions of images; for CPU-sized runs 5e-3 learns much faster
        (see Notes).
    lr_discriminator : float or None, default=None
        Learning rate of the critic.
    betas : tuple of float, default=(0.0, 0.99)
        Adam's ``(beta1, beta2)``.
    optimizer : str or torch.optim.Optimizer subclass, default='adam'
        Optimizer of both networks.
    weight_decay : float, default=0.0
        Weight decay of both optimizers.
    batch_size : int, default=16
        Real images per step (16, as Karras et al. at high resolutions).
    max_epochs : int, default=50
        Passes over the training images in this ``fit``.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, used as given.
    warm_start : bool, default=False
        Continue training (weights, optimizers, moving average and the
        growth schedule) for ``max_epochs`` more epochs.
    device : str, default='auto'
        ``'auto'`` (CUDA when available, else CPU), ``'cpu'``, ``'cuda'``...
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
    n_conditions_ : int
        Length of the condition vector (0 when unconditional).
    n_images_seen_ : int
        Real images shown so far, over all fits: the position in the growth
        schedule.
    resolution_ : int
        Current resolution (from ``n_images_seen_``).
    alpha_ : float
        Current fade-in weight of the newest block (1: stable).
    condition_mean_ : ndarray of shape (k,) or None
        Mean of the training conditions (``k = n_conditions_``).
    condition_cholesky_ : ndarray of shape (k, k) or None
        Lower Cholesky factor of their covariance (plus ``1e-6 I``).
    net_ : skorch.NeuralNet
        The trained net (``generator_``, ``discriminator_``,
        ``generator_ema_``).
    history_ : skorch.History
        Per-epoch ``generator_loss``, ``discriminator_loss``, ``penalty``,
        ``mode_seeking_loss`` (weighted; 0 without the term),
        ``train_loss``, ``resolution``, ``alpha`` and ``images_seen`` at the
        epoch's end; per-batch values (``resolution`` and ``alpha`` of each
        batch too) in ``history_[-1, 'batches']``.
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    DCGAN : Fixed-resolution GAN.
    skface.metrics.face_generation_report : Judge the samples.

    Notes
    -----
    The defaults were measured on UTKFace (7,000 aligned 64x64 faces, the
    conditional model, one CPU core shared with other work). At ``4x4``,
    after 10,000 images (625 steps of 16), ``lr=5e-3`` gave face-shaped
    colour blobs and ``lr=1e-3`` still noise; ``augment='color,translation'``
    kept ``lr=5e-3`` at noise too. With all defaults, 18,000 images (12
    minutes; 64 px from image 12,000) gave blurry but varied faces (eyes,
    mouth, hair, skin tones; some coloured speckle), smoother from the
    moving average than from the raw generator. Their ``2x2`` colours follow
    the conditions (mean absolute thumbnail error 0.057 against 0.156 for
    shuffled conditions); their landmarks hardly do yet (dlib re-detects
    them 0.125 inter-ocular distances from the conditions, 0.132 from
    shuffled ones). On a GPU, raise ``width``, ``images_per_stage`` and
    ``image_size`` (128).

    References
    ----------
    T. Karras, T. Aila, S. Laine, J. Lehtinen, "Progressive growing of GANs
    for improved quality, stability, and variation", ICLR 2018.
    I. Gulrajani et al., "Improved training of Wasserstein GANs", NeurIPS
    2017. T. Miyato, M. Koyama, "cGANs with projection discriminator",
    ICLR 2018.

    Examples
    --------
    >>> from skface.datasets import make_synthetic_faces
    >>> from skface.generation import ProgressiveGAN
    >>> faces = make_synthetic_faces(16, size=32, random_state=0).images
    >>> gan = ProgressiveGAN(n_latent=8, image_size=16, condition=None, width=4,
    ...                      images_per_stage=8, max_epochs=1, batch_size=8,
    ...                      random_state=0).fit(faces)
    >>> gan.n_images_seen_, gan.resolution_, gan.alpha_  # 16 px starts fading in
    (16, 16, 0.0)
    >>> gan.sample(3, random_state=0).shape
    (3, 16, 16, 3)
    """

    _net_class = _ProgressiveNet
    _fitted_attributes = (
        "n_channels_",
        "n_conditions_",
        "n_images_seen_",
        "condition_mean_",
        "condition_cholesky_",
    )
    _parameter_constraints: dict = {
        **BaseGAN._shared_constraints,
        "condition": [StrOptions(set(CONDITIONS)), None],
        "images_per_stage": [Interval(Integral, 2, None, closed="left")],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "drift": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_latent=128,
        image_size=64,
        *,
        condition="landmarks+colour",
        width=32,
        images_per_stage=3000,
        loss="wgan-gp",
        gp_weight=10.0,
        drift=1e-3,
        augment=None,
        horizontal_flip=True,
        ema_decay=0.999,
        r1_weight=0.1,
        r1_interval=16,
        n_critic=1,
        mode_seeking_weight=0.0,
        lr=5e-3,
        lr_discriminator=None,
        betas=(0.0, 0.99),
        optimizer="adam",
        weight_decay=0.0,
        batch_size=16,
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
        self.condition = condition
        self.width = width
        self.images_per_stage = images_per_stage
        self.loss = loss
        self.gp_weight = gp_weight
        self.drift = drift
        self.augment = augment
        self.horizontal_flip = horizontal_flip
        self.ema_decay = ema_decay
        self.r1_weight = r1_weight
        self.r1_interval = r1_interval
        self.n_critic = n_critic
        self.mode_seeking_weight = mode_seeking_weight
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

    # -- network ---------------------------------------------------------
    def _landmark_dims(self) -> int:
        return 136 if self.condition in ("landmarks+colour", "landmarks") else 0

    def _net_params(self) -> dict:
        size, n, k = int(self.image_size), int(self.n_channels_), self.n_conditions_
        return {
            "generator": ProgressiveGenerator,
            "generator__n_latent": int(self.n_latent),
            "generator__n_conditions": k,
            "generator__max_size": size,
            "generator__n_channels": n,
            "generator__width": int(self.width),
            "discriminator": ProgressiveDiscriminator,
            "discriminator__n_conditions": k,
            "discriminator__max_size": size,
            "discriminator__n_channels": n,
            "discriminator__width": int(self.width),
            "images_per_stage": int(self.images_per_stage),
            "max_size": size,
            "landmark_dims": self._landmark_dims(),
            "gp_weight": float(self.gp_weight),
            "drift": float(self.drift),
            **self._gan_net_params(),
        }

    def _build_net_for_loading(self, device: str):
        net = super()._build_net_for_loading(device)
        net.images_seen_ = int(self.n_images_seen_)
        return net

    @property
    def resolution_(self) -> int:
        """Resolution the model has grown to."""
        return self._stage()[0]

    @property
    def alpha_(self) -> float:
        """Fade-in weight of the newest block (1 once stable)."""
        return self._stage()[1]

    def _stage(self):
        check_is_fitted(self)
        sizes = progressive_sizes(int(self.image_size))
        return progressive_stage(self.n_images_seen_, sizes, self.images_per_stage)

    # -- conditions ------------------------------------------------------
    def encode_conditions(self, X, y=None):
        """Condition vectors of faces: landmarks and/or colour thumbnail.

        Parameters
        ----------
        X : images
            Faces (any size; uint8 or float in ``[0, 1]``).
        y : array-like of shape (n_samples, 68, 2) or None, default=None
            Their landmarks ``(x, y)`` in pixels of ``X``; None finds them
            as :class:`ConditionalGAN` does (dlib's HOG detector and 68-point
            predictor; a chip whose face is not detected gets the fixed box
            of an aligned chip). Not used by
            ``condition='colour'``.

        Returns
        -------
        conditions : ndarray of shape (n_samples, n_conditions)
            Float32; the input of :meth:`sample`.
        """
        if self.condition is None:
            raise ValueError("encode_conditions needs condition != None")
        images = check_images(X, dtype="float32", channels="keep", stack=False)
        return self._encode(images, y)

    def _encode(self, images, y):
        parts = []
        if self._landmark_dims():
            if y is None:
                y = _detect_landmarks(images)
            pts = check_landmarks(y, n_samples=len(images), n_points=68, name="y")
            wh = np.array([[im.shape[1], im.shape[0]] for im in images], float)
            parts.append((2.0 * (pts + 0.5) / wh[:, None, :] - 1.0).reshape(-1, 136))
        if self.condition in ("landmarks+colour", "colour"):
            thumbs = np.empty((len(images), 3, 2, 2))
            for i, im in enumerate(images):  # (3, 2, 2); grey repeated
                small = resize(im if im.ndim == 3 else im[:, :, None], (2, 2))
                small = np.broadcast_to(small.reshape(2, 2, -1), (2, 2, 3))
                thumbs[i] = small.transpose(2, 0, 1)
            parts.append(np.clip(thumbs, 0, 1).reshape(len(images), 12) * 2.0 - 1.0)
        return np.concatenate(parts, axis=1).astype(np.float32)

    def _check_conditions(self, C):
        C = np.asarray(C, dtype=np.float32)
        k = self.n_conditions_
        if C.ndim != 2 or C.shape[1] != k or not len(C):
            raise ValueError(
                f"conditions must have shape (n_samples, {k}) (n_conditions_), "
                f"got shape {C.shape}"
            )
        if not np.isfinite(C).all():
            raise ValueError("conditions contain NaN or infinity")
        return C

    # -- fit -------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Grow and train the generator and critic on face images.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Aligned faces, uint8 or float in ``[0, 1]``, resized to
            ``image_size``.
        y : array-like of shape (n_samples, 68, 2) or None, default=None
            Landmarks ``(x, y)`` in pixels of ``X`` for the conditional
            model; None finds them as :meth:`encode_conditions` does. Ignored when
            ``condition`` is None or ``'colour'``.

        Returns
        -------
        self : ProgressiveGAN
            Fitted estimator.
        """
        self._check_size()
        images = self._validate_training_images(X)
        warm = self.warm_start and self.__sklearn_is_fitted__()
        n_channels = (
            self.n_channels_
            if warm
            else (3 if any(im.ndim == 3 for im in images) else 1)
        )
        conditions = None
        if self.condition is not None:
            conditions = self._encode(images, y)
        if not warm:
            self.n_channels_ = n_channels
            self.n_images_seen_ = 0
            self.n_conditions_ = 0 if conditions is None else conditions.shape[1]
            self.condition_mean_ = self.condition_cholesky_ = None
            if conditions is not None:
                self.condition_mean_ = conditions.mean(axis=0).astype(np.float64)
                cov = np.atleast_2d(np.cov(conditions.astype(np.float64), rowvar=False))
                if len(conditions) < 2:
                    cov = np.zeros_like(cov)
                cov += 1e-6 * np.eye(len(cov))
                self.condition_cholesky_ = np.linalg.cholesky(cov)
        elif self.n_conditions_ != (0 if conditions is None else conditions.shape[1]):
            raise ValueError(
                f"warm start with condition={self.condition!r} does not match the "
                f"fitted model ({self.n_conditions_} conditions)"
            )
        data = self._images_to_net(images, n_channels)
        before = self.n_images_seen_
        try:
            self._fit_net(data, conditions)
        except BaseException:
            if self.__sklearn_is_fitted__():  # weights rolled back: the count too
                self.net_.images_seen_ = before
            raise
        self.n_images_seen_ = int(self.net_.images_seen_)
        return self

    # -- generation ------------------------------------------------------
    def _generate(self, Z, C):
        """``(n, C, S, S)`` images in ``[-1, 1]`` at ``image_size``."""
        size, alpha = self._stage()
        conditions = () if C is None else (C,)
        x = self._forward(
            Z, *conditions, module=self._inference_module(), size=size, alpha=alpha
        )
        factor = int(self.image_size) // size
        if factor > 1:  # nearest-neighbour enlargement to image_size
            x = x.repeat(factor, axis=2).repeat(factor, axis=3)
        return x.astype(np.float32, copy=False)

    def transform(self, X):
        """Generate one face per latent code (and condition).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_latent + k)
            Latent codes, each followed by its condition vector when the
            model is conditional (:meth:`encode_conditions`;
            ``k = n_conditions_``, 0 for an unconditional model).

        Returns
        -------
        images : ndarray of shape (n_samples, S, S, 3) or (n_samples, S, S)
            Float32 faces in ``[0, 1]``, ``S = image_size`` (upsampled by
            pixel repetition while the model has not grown to it).
        """
        check_is_fitted(self)
        n, k = int(self.n_latent), self.n_conditions_
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != n + k:
            raise ValueError(
                f"X must have shape (n_samples, {n + k}) (n_latent + "
                f"n_conditions_), got shape {X.shape}"
            )
        Z = self._check_latent(X[:, :n])
        C = self._check_conditions(X[:, n:]) if k else None
        return self._net_to_images(self._generate(Z, C))

    def sample(self, n_samples=1, random_state=None):
        """Generate faces, for given conditions or random ones.

        Parameters
        ----------
        n_samples : int or array-like of shape (n, k), default=1
            Number of faces, or (conditional model) the condition vectors
            of :meth:`encode_conditions` (``k = n_conditions_``), one face
            each. With a number, a
            conditional model draws conditions from the Gaussian fitted to
            the training ones.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent codes (and drawn conditions).

        Returns
        -------
        images : ndarray of shape (n, S, S, 3) or (n, S, S)
            Float32 faces in ``[0, 1]``.
        """
        check_is_fitted(self)
        rng = check_random_state(random_state)
        if isinstance(n_samples, Integral):
            if n_samples < 1:
                raise ValueError(f"n_samples must be a positive int, got {n_samples}")
            Z = self._draw_latent(int(n_samples), rng)
            C = None
            if self.n_conditions_:
                e = rng.standard_normal((int(n_samples), self.n_conditions_))
                C = self.condition_mean_ + e @ self.condition_cholesky_.T
                C = C.astype(np.float32)
        else:
            if not self.n_conditions_:
                raise ValueError(
                    "sample of an unconditional model takes a number of samples, "
                    f"got an array of shape {np.shape(n_samples)}"
                )
            C = self._check_conditions(n_samples)
            Z = self._draw_latent(len(C), rng)
        return self._net_to_images(self._generate(Z, C))

    def _score_samples_for(self, real):
        # score(X): a conditional model draws faces to the real faces' own
        # conditions, so the comparison measures the faces, not the Gaussian.
        if not self.n_conditions_:
            return super()._score_samples_for(real)
        return list(self.sample(self._encode(real, None), random_state=0))

    # -- critic ----------------------------------------------------------
    def score_samples(self, X, y=None):
        """Critic score of each image: how real it looks to the model.

        The images are resized to ``image_size``, then downsampled (and
        blended, during a fade-in) to the current resolution as in training.
        The critic's minibatch-stddev layer mixes the samples of a group, so
        each image is scored in a group of its own with fixed companions:
        generator samples from the latent codes of ``random_state=0`` (at
        the mean condition). A score thus depends on its image alone, not on
        the rest of ``X``.

        Parameters
        ----------
        X : images
            Faces.
        y : array-like of shape (n_samples, 68, 2) or None, default=None
            Their landmarks for a landmark-conditional critic (None: found
            as :meth:`encode_conditions` does).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher means more like the training faces (relative to the
            current generator).
        """
        check_is_fitted(self)
        images = check_images(X, dtype="float32", channels="keep", stack=False)
        n_channels = int(self.n_channels_)
        data = torch.as_tensor(self._images_to_net(images, n_channels))
        C = None
        if self.n_conditions_:
            C = torch.as_tensor(self._encode(images, y))
        return self._critic_scores(data, C)

    @torch.no_grad()
    def _critic_scores(self, data, C):
        size, alpha = self._stage()
        net = self.net_
        critic = net.discriminator_
        g = int(critic.mbstd.group_size)
        comp = None
        if g > 1:  # the fixed companions, at the current resolution
            rng = np.random.RandomState(0)
            z = self._draw_latent(g - 1, rng)
            c = None
            if self.n_conditions_:
                c = np.tile(self.condition_mean_.astype(np.float32), (g - 1, 1))
            comp = _downsample(torch.as_tensor(self._generate(z, c)), size)
            comp = comp.to(net.device)
        was_training = critic.training
        critic.train(False)
        out = []
        try:
            for i in range(0, len(data), int(self.batch_size)):
                x = _real_at(
                    data[i : i + int(self.batch_size)].to(net.device), size, alpha
                )
                n = len(x)
                c = None if C is None else C[i : i + n].to(net.device)
                if comp is not None:  # (n * g, C, s, s): [x_i, companions]
                    x = torch.cat([x[:, None], comp[None].expand(n, -1, -1, -1, -1)], 1)
                    x = x.flatten(0, 1)
                    if c is not None:
                        c = c.repeat_interleave(g, dim=0)
                scores = critic(x, c, alpha=alpha)
                out.append(scores[::g].double().cpu() if comp is not None else scores)
        finally:
            critic.train(was_training)
        return torch.cat(out).numpy().astype(np.float64)
