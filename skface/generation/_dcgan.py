"""DCGAN: faces from random latent codes."""

from __future__ import annotations

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils.validation import check_is_fitted

from ..nn import DCGANDiscriminator, DCGANGenerator
from ..utils.validation import check_images
from ._base import BaseGAN, _GANNet

__all__ = ["DCGAN"]


class _DCGANNet(_GANNet):
    """:class:`_GANNet` with the mode-seeking term in its history."""

    loss_names = (*_GANNet.loss_names, "mode_seeking_loss")


class DCGAN(BaseGAN):
    """Deep convolutional GAN for faces, with small-data training built in.

    The DCGAN of Radford et al. (2016) (:class:`skface.nn.DCGANGenerator`,
    transposed convolutions from a ``4x4`` map; a strided convolutional
    discriminator), trained the way a few thousand faces need: the same
    random differentiable augmentation on real and generated images
    (DiffAugment), random mirroring, a spectrally normalised discriminator
    without batch norm, the hinge loss and a lazy R1 penalty, two Adam
    optimizers with ``betas=(0, 0.99)`` and an exponential moving average
    of the generator weights, which :meth:`sample` and :meth:`transform`
    use. The training step is described in :mod:`skface.generation._base`.

    Parameters
    ----------
    n_latent : int, default=100
        Size of the latent code ``z ~ N(0, I)``.
    image_size : int, default=64
        Side of the generated images, a power of two >= 8; training faces
        are resized to it (aligned face chips, e.g. from
        :class:`skface.alignment.FaceExtractor`).
    width : int, default=64
        Channels of the generator's last stage and the discriminator's
        first; the others double, up to ``8 * width`` (64: the paper's).
    loss : {'hinge', 'nonsaturating', 'wgan-gp'}, default='hinge'
        Adversarial loss. ``'wgan-gp'`` adds the gradient penalty (weight
        10, norm per sample over ``C x H x W``) and the drift term;
        the others the R1 penalty. On 7,000 UTKFace faces at 32 px on a
        CPU, ``'nonsaturating'`` gave more varied faces than ``'hinge'``
        (fewer sample pairs that dlib takes for one person) for a little
        of the HOG detection rate on one seed (every target met at 60
        minutes); on a second seed it stayed over the pair-rate target
        from 45 to 75 minutes at ``batch_size=32``. At the default
        ``batch_size=64`` it met every target on both seeds at 60 minutes
        (``benchmarks/RESULTS.md``); the hinge loss was not run at that
        batch size, so it stays the default.
    augment : str or None, default='color,translation,cutout'
        DiffAugment policy: comma-separated names of
        :data:`skface.nn.AUGMENT_POLICIES`; None or ``''`` turns it off.
    horizontal_flip : bool, default=True
        Mirror a random half of each real batch.
    ema_decay : float, default=0.999
        Decay of the moving average of the generator weights used for
        sampling (warmed up as ``min(ema_decay, (1 + t) / (10 + t))``); 0
        samples from the trained weights themselves.
    spectral_norm : bool, default=True
        Spectral norm on every discriminator layer.
    r1_weight : float, default=0.1
        ``gamma`` of the R1 penalty ``gamma / 2 * E||grad D(x)||^2`` on real
        images; 0 turns it off. Not used with ``'wgan-gp'``.
    r1_interval : int, default=16
        Compute R1 every that many steps, scaled up by the interval (lazy
        regularisation, Karras et al. 2020).
    n_critic : int, default=1
        Discriminator updates per generator update.
    mode_seeking_weight : float, default=0.0
        Weight of a mode-seeking term (MSGAN, Mao et al., 2019): each step
        draws a second batch of fakes from new codes and the generator pays
        the weight over the mean absolute difference of the two batches
        (relative to that of the codes), so that it cannot map many codes
        to one face. Costs a second generator pass per step (about a
        quarter fewer images per minute on a CPU). 0: none. On UTKFace
        (``benchmarks/RESULTS.md``, two seeds) 1 lowered the face KID by
        26-38% and raised recall, but raised the same-identity pair rate
        by 0.03-0.06 and cost 3-4 points of HOG detection.
    lr : float, default=2e-4
        Learning rate of the generator (and of the discriminator when
        ``lr_discriminator`` is None).
    lr_discriminator : float or None, default=None
        Learning rate of the discriminator.
    betas : tuple of float, default=(0.0, 0.99)
        Adam's ``(beta1, beta2)`` for both optimizers (ignored by
        optimizers without ``betas``).
    optimizer : str or torch.optim.Optimizer subclass, default='adam'
        ``'adam'``, ``'adamw'``, ``'nadam'``, ``'rmsprop'``, ``'sgd'`` or a
        class.
    weight_decay : float, default=0.0
        Weight decay of both optimizers.
    batch_size : int, default=64
        Real images per step.
    max_epochs : int, default=50
        Passes over the training images.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, used as given.
    warm_start : bool, default=False
        Continue training the fitted networks (optimizer states, moving
        average) for ``max_epochs`` more epochs on the next ``fit``.
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
        Seeds initialisation, shuffling, latent codes and augmentation: an
        int gives identical weights on the CPU.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar.

    Attributes
    ----------
    n_channels_ : int
        3 (RGB) or 1 (grey, when every training image is grey).
    net_ : skorch.NeuralNet
        The trained net: ``net_.generator_``, ``net_.discriminator_`` and
        ``net_.generator_ema_`` (the moving average, when ``ema_decay > 0``).
    history_ : skorch.History
        Per-epoch ``generator_loss``, ``discriminator_loss``, ``penalty``,
        ``mode_seeking_loss`` (weighted; 0 without the term), ``train_loss``
        (their sum) and ``dur``; per-batch values in
        ``history_[-1, 'batches']``.
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    ConditionalGAN : Faces generated to given landmarks.
    skface.metrics.face_generation_report : Judge the samples.

    References
    ----------
    A. Radford, L. Metz, S. Chintala, "Unsupervised representation learning
    with deep convolutional generative adversarial networks", ICLR 2016.
    S. Zhao et al., "Differentiable augmentation for data-efficient GAN
    training", NeurIPS 2020.

    Examples
    --------
    >>> from skface.datasets import make_synthetic_faces
    >>> from skface.generation import DCGAN
    >>> faces = make_synthetic_faces(16, size=32, random_state=0).images
    >>> gan = DCGAN(n_latent=8, image_size=16, width=4, max_epochs=1,
    ...             batch_size=8, random_state=0).fit(faces)
    >>> gan.sample(3, random_state=0).shape
    (3, 16, 16, 3)
    """

    _net_class = _DCGANNet
    _parameter_constraints: dict = {**BaseGAN._shared_constraints}

    def __init__(
        self,
        n_latent=100,
        image_size=64,
        *,
        width=64,
        loss="hinge",
        augment="color,translation,cutout",
        horizontal_flip=True,
        ema_decay=0.999,
        spectral_norm=True,
        r1_weight=0.1,
        r1_interval=16,
        n_critic=1,
        mode_seeking_weight=0.0,
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
        self.width = width
        self.loss = loss
        self.augment = augment
        self.horizontal_flip = horizontal_flip
        self.ema_decay = ema_decay
        self.spectral_norm = spectral_norm
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

    def _net_params(self) -> dict:
        size, n = int(self.image_size), int(self.n_channels_)
        return {
            "generator": DCGANGenerator,
            "generator__n_latent": int(self.n_latent),
            "generator__image_size": size,
            "generator__n_channels": n,
            "generator__width": int(self.width),
            "generator__output": "tanh",
            "discriminator": DCGANDiscriminator,
            "discriminator__image_size": size,
            "discriminator__n_channels": n,
            "discriminator__width": int(self.width),
            "discriminator__spectral_norm": bool(self.spectral_norm),
            "discriminator__batch_norm": False,
            **self._gan_net_params(),
        }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the generator and discriminator on face images.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Aligned faces, uint8 or float in ``[0, 1]``, grey or RGB,
            resized to ``image_size``.
        y : None
            Ignored.

        Returns
        -------
        self : DCGAN
            Fitted estimator.
        """
        self._check_size()
        images = self._validate_training_images(X)
        n_channels = 3 if any(im.ndim == 3 for im in images) else 1
        if self.warm_start and self.__sklearn_is_fitted__():
            n_channels = self.n_channels_
        else:
            self.n_channels_ = n_channels
        return self._fit_net(self._images_to_net(images, n_channels))

    def transform(self, X):
        """Generate one face per latent code.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_latent)
            Latent codes, e.g. ``np.random.standard_normal((n, n_latent))``.

        Returns
        -------
        images : ndarray of shape (n_samples, S, S, 3) or (n_samples, S, S)
            Float32 faces in ``[0, 1]`` (grey when trained on grey),
            ``S = image_size``.
        """
        check_is_fitted(self)
        Z = self._check_latent(X)
        return self._net_to_images(self._forward(Z, module=self._inference_module()))

    def sample(self, n_samples=1, random_state=None):
        """Generate faces from random latent codes.

        Parameters
        ----------
        n_samples : int, default=1
            Number of faces.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent codes: an int gives the same faces each call.

        Returns
        -------
        images : ndarray of shape (n_samples, S, S, 3) or (n_samples, S, S)
            Float32 faces in ``[0, 1]``.
        """
        check_is_fitted(self)
        return self.transform(self._draw_latent(n_samples, random_state))

    def score_samples(self, X):
        """Discriminator logit of each image: how real it looks to the model.

        Parameters
        ----------
        X : images
            Faces, resized to ``image_size``.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher means more like the training faces (the discriminator is
            only meaningful relative to the current generator).
        """
        check_is_fitted(self)
        images = check_images(X, dtype="float32", channels="keep", stack=False)
        data = self._images_to_net(images, int(self.n_channels_))
        return np.asarray(self._forward(data, module="discriminator"), np.float64)
