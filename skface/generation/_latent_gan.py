"""LatentGAN: the LatentDecoder trained with a discriminator added."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..autoencoders import LatentDecoder
from ..nn import DCGANDiscriminator, PixelShuffleDecoder
from ._base import LOSSES, BaseGAN, _GANNet, gan_net_params, set_betas

__all__ = ["LatentGAN"]

#: Shared neural and GAN parameters that LatentGAN does not take.
_NOT_PARAMETERS = (
    "mode_seeking_weight",
    "validation_fraction",
    "early_stopping",
    "n_iter_no_change",
    "n_latent",
    "image_size",
)


class _LatentGANNet(_GANNet):
    """Pixel-shuffle decoder + unconditional discriminator (private).

    A batch is ``(features, chips)``: standardised feature vectors
    ``(N, k)`` and the true chips ``(N, C, S, S)`` in ``[0, 1]``. The
    generator is deterministic (no latent code): its fake for a row is
    ``decoder(features)``. Its loss is ``adversarial_weight`` times the
    adversarial loss plus ``l1_weight`` times the mean absolute error to
    the row's own chip (in ``[0, 1]`` units, as :class:`LatentDecoder`'s).

    The base's paired flip is off (the net does not know the layout of the
    features, so it cannot mirror them with the chip); ``mirror`` instead
    mirrors a random half of *every* discriminator input, real and fake
    alike, after DiffAugment: an augmentation of the discriminator only,
    like DiffAugment itself, which never touches the L1 pair.
    """

    loss_names = (*_GANNet.loss_names, "l1_loss")

    def __init__(self, *args, l1_weight=0.5, mirror=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.l1_weight = l1_weight
        self.mirror = mirror

    def split_batch(self, batch):
        features, chips = super().split_batch(batch)
        return chips * 2.0 - 1.0, features  # images in [-1, 1], conditions

    def latent(self, n, like):
        return like.new_zeros(n, 0)  # no latent code: the features decide

    def generate(self, module, z, condition):
        return module(condition) * 2.0 - 1.0  # sigmoid [0, 1] -> [-1, 1]

    def discriminate(self, x, condition):
        if self.mirror:
            flipped = (torch.rand(len(x)) < 0.5).to(x.device)
            x = torch.where(flipped[:, None, None, None], x.flip(3), x)
        return self.discriminator_(x)

    def extra_generator_losses(self, fake, real, condition):
        l1 = 0.5 * (fake - real).abs().mean()  # mean |fake - real| in [0, 1] units
        # The history keeps the plain L1 (comparable across weights and with
        # LatentDecoder's train_loss); the weighted term goes into the sum.
        self.record_losses(l1_loss=l1.detach())
        return {"l1_term": float(self.l1_weight) * l1}

    def record_losses(self, **losses):
        losses.pop("l1_term", None)  # recorded unweighted as l1_loss
        super().record_losses(**losses)


class LatentGAN(LatentDecoder):
    """LatentDecoder with a discriminator: sharper face chips from features.

    The "LatentGAN" of the FaceSwap seed: :class:`~skface.autoencoders.
    LatentDecoder`'s generator (a dense layer and pixel-shuffle blocks,
    :class:`skface.nn.PixelShuffleDecoder`, from a feature vector such as
    the 68 chip landmarks and an 8x8x3 thumbnail to a face chip) trained on
    ``l1_weight * L1 + adversarial_weight * adversarial`` (0.5 and 0.5 in
    the seed) instead of the L1 distance alone. The L1 term ties each
    output to its own chip; an L1 (or any pixel) loss alone averages over
    what the features do not determine (skin texture, hair strands, the
    exact eyes) and gives blurred chips, which the adversarial term
    penalises. Same API as :class:`LatentDecoder`, so it is a drop-in
    decoder for :class:`~skface.autoencoders.FaceAnonymizer`
    (``FaceAnonymizer(LatentGAN(), method='generate')``).

    The discriminator is :class:`skface.nn.DCGANDiscriminator` with
    spectral norm and no batch norm, *unconditional*: it judges whether a
    chip looks real, not whether it matches its features (the L1 term
    does that). A projection discriminator on the features would need the
    features of mirrored chips (the layout of ``X`` is not known here) and
    would learn the training features' distribution, while the
    anonymiser's k-Same features (averaged thumbnails) lie outside it.
    The discriminator sees real and generated chips through the same
    random DiffAugment and random mirroring (``augment``,
    ``horizontal_flip``); the L1 term compares the un-augmented chip with
    its own target. Training follows :mod:`skface.generation._base`: the
    ``loss`` of ``'hinge'``, ``'nonsaturating'`` or ``'wgan-gp'``, the lazy
    R1 penalty, two optimizers, a moving average of the generator weights
    (``generator_ema_``), which :meth:`predict` uses.

    Parameters
    ----------
    output_size : int, default=64
        Side of the generated chips: 4 times a power of two (8, 16, 32, 64,
        128...). Training chips of another size are resized to it.
    width : int, default=16
        Channels of the generator's last (full-resolution) feature map;
        each earlier one has twice as many, at most ``max_channels``.
    max_channels : int, default=256
        Cap on the channels of the generator's small early feature maps.
    discriminator_width : int, default=32
        Channels of the discriminator's first convolution; later ones
        double, up to ``8 * discriminator_width``.
    l1_weight : float, default=0.5
        Weight of the L1 distance between the generated and the true chip.
    adversarial_weight : float, default=0.5
        Weight of the generator's adversarial loss; 0 trains the generator
        on L1 alone (the :class:`LatentDecoder` objective; the
        discriminator still trains, unused).
    loss : {'hinge', 'nonsaturating', 'wgan-gp'}, default='hinge'
        Adversarial loss (unlike :class:`LatentDecoder`'s ``loss``, the
        pixel loss, which here is always L1). ``'wgan-gp'`` adds the
        gradient penalty and the drift term, the others the R1 penalty.
    augment : str or None, default='color,translation,cutout'
        DiffAugment policy for the discriminator's inputs: comma-separated
        names of :data:`skface.nn.AUGMENT_POLICIES`; None or ``''`` turns
        it off. Never applied to the L1 pair.
    horizontal_flip : bool, default=True
        Mirror a random half of the discriminator's inputs (real and
        generated). The L1 pairs are not mirrored; to train the generator
        on mirrored faces, add them to ``X`` and ``y`` with mirrored
        features (:class:`~skface.autoencoders.FaceAnonymizer` does).
    ema_decay : float, default=0.999
        Decay of the moving average of the generator weights used by
        :meth:`predict` (warmed up as ``min(ema_decay, (1 + t) / (10 + t))``
        at step ``t``); 0 predicts with the trained weights themselves.
    spectral_norm : bool, default=True
        Spectral norm on every discriminator layer.
    r1_weight : float, default=0.1
        ``gamma`` of the R1 penalty on real chips; 0 turns it off. Not used
        with ``'wgan-gp'``.
    r1_interval : int, default=16
        Compute R1 every that many steps, scaled up by the interval.
    n_critic : int, default=1
        Discriminator updates per generator update.
    optimizer : str or torch.optim.Optimizer subclass, default='adam'
        ``'adam'``, ``'adamw'``, ``'nadam'``, ``'rmsprop'``, ``'sgd'`` or an
        optimizer class, for both networks.
    lr : float, default=1e-3
        Learning rate of the generator (and of the discriminator when
        ``lr_discriminator`` is None); LatentDecoder's default.
    lr_discriminator : float or None, default=None
        Learning rate of the discriminator.
    betas : tuple of float, default=(0.5, 0.999)
        Adam's ``(beta1, beta2)`` for both optimizers (pix2pix's, a paired
        L1 + adversarial model; ignored by optimizers without ``betas``).
    weight_decay : float, default=0.0
        Weight decay of both optimizers.
    batch_size : int, default=32
        Mini-batch size.
    max_epochs : int, default=50
        Passes over the training data.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, used as given.
    warm_start : bool, default=False
        Continue training the fitted networks (optimizer states, moving
        average; the feature standardisation of the first fit is kept).
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
        Seeds initialisation, shuffling, augmentation and mirroring: an int
        gives identical weights on the CPU.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar.

    Attributes
    ----------
    n_features_in_ : int
        Length of the feature vectors.
    n_channels_ : int
        Channels of the chips: 3 (RGB) or 1 (grey).
    feature_mean_, feature_scale_ : ndarray of shape (n_features_in,)
        Standardisation of the features (mean, std; 1 for constant ones).
    net_ : skorch.NeuralNet
        The trained net: ``net_.generator_`` (the decoder),
        ``net_.discriminator_`` and ``net_.generator_ema_`` (the moving
        average, when ``ema_decay > 0``).
    history_ : skorch.History
        Per-epoch ``l1_loss`` (the plain mean absolute error, in ``[0, 1]``
        units, whatever ``l1_weight``), ``generator_loss`` (adversarial,
        unweighted), ``discriminator_loss``, ``penalty``, ``train_loss``
        (``adversarial_weight * generator_loss + l1_weight * l1_loss +
        discriminator_loss + penalty``) and ``dur``; per-batch values in
        ``history_[-1, 'batches']``.
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    skface.autoencoders.LatentDecoder : The same generator, L1 only.
    skface.autoencoders.FaceAnonymizer : Uses either as its decoder.
    DCGAN : Faces from random codes, same training machinery.

    Notes
    -----
    The two weights act on terms of different scales: the L1 term is a
    mean over pixels (its gradient per pixel is ``1 / (C * S * S)``), the
    adversarial one a logit of a spectrally normalised discriminator, whose
    gradient is spread over the whole image. With the seed's 0.5 and 0.5
    the adversarial term dominates, and early in training, while the
    discriminator is still near chance, it adds high-frequency noise;
    pix2pix (Isola et al.) weighs the mean L1 100 times the adversarial
    loss. Lower ``adversarial_weight`` when the chips come out noisy, raise
    it when they stay blurred.

    :meth:`score` is :class:`LatentDecoder`'s mean PSNR against the true
    chips, so that the two decoders are tuned and compared on one scale.
    PSNR rewards the blurred average, so it favours the L1-only decoder a
    little; judge sharpness with
    :func:`skface.metrics.face_generation_report` or the variance of the
    Laplacian.

    Validation splits and early stopping are not offered (the
    ``validation_fraction``, ``early_stopping`` and ``n_iter_no_change``
    parameters of :class:`LatentDecoder` are fixed to 0, False and 1):
    GAN losses do not measure progress.

    References
    ----------
    P. Isola, J.-Y. Zhu, T. Zhou, A. A. Efros, "Image-to-image translation
    with conditional adversarial networks", CVPR 2017 (L1 + adversarial).
    S. Zhao et al., "Differentiable augmentation for data-efficient GAN
    training", NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.generation import LatentGAN
    >>> rng = np.random.RandomState(0)
    >>> features = rng.normal(size=(16, 10))
    >>> chips = rng.uniform(size=(16, 16, 16, 3))
    >>> gan = LatentGAN(16, width=4, discriminator_width=4, max_epochs=2,
    ...                 batch_size=8, random_state=0)
    >>> gan.fit(features, chips).predict(features).shape
    (16, 16, 16, 3)
    """

    _net_class = _LatentGANNet

    _parameter_constraints: dict = {
        **{
            key: value
            for key, value in BaseGAN._shared_constraints.items()
            if key not in _NOT_PARAMETERS
        },
        "output_size": [Interval(Integral, 8, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "max_channels": [Interval(Integral, 1, None, closed="left")],
        "discriminator_width": [Interval(Integral, 1, None, closed="left")],
        "l1_weight": [Interval(Real, 0, None, closed="left")],
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
    }
    # LatentDecoder parameters a GAN does not take (no validation loss).
    validation_fraction = 0.0
    early_stopping = False
    n_iter_no_change = 1

    def __init__(
        self,
        output_size=64,
        *,
        width=16,
        max_channels=256,
        discriminator_width=32,
        l1_weight=0.5,
        adversarial_weight=0.5,
        loss="hinge",
        augment="color,translation,cutout",
        horizontal_flip=True,
        ema_decay=0.999,
        spectral_norm=True,
        r1_weight=0.1,
        r1_interval=16,
        n_critic=1,
        optimizer="adam",
        lr=1e-3,
        lr_discriminator=None,
        betas=(0.5, 0.999),
        weight_decay=0.0,
        batch_size=32,
        max_epochs=50,
        callbacks=None,
        warm_start=False,
        device="auto",
        amp=False,
        accelerator=None,
        random_state=None,
        verbose=0,
    ):
        self.output_size = output_size
        self.width = width
        self.max_channels = max_channels
        self.discriminator_width = discriminator_width
        self.l1_weight = l1_weight
        self.adversarial_weight = adversarial_weight
        self.loss = loss
        self.augment = augment
        self.horizontal_flip = horizontal_flip
        self.ema_decay = ema_decay
        self.spectral_norm = spectral_norm
        self.r1_weight = r1_weight
        self.r1_interval = r1_interval
        self.n_critic = n_critic
        self.optimizer = optimizer
        self.lr = lr
        self.lr_discriminator = lr_discriminator
        self.betas = betas
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

    def _net_params(self) -> dict:
        size, n = int(self.output_size), int(self.n_channels_)
        params = {
            "generator": PixelShuffleDecoder,
            "generator__n_inputs": int(self.n_features_in_),
            "generator__output_size": size,
            "generator__n_channels": n,
            "generator__width": int(self.width),
            "generator__max_channels": int(self.max_channels),
            "discriminator": DCGANDiscriminator,
            "discriminator__image_size": size,
            "discriminator__n_channels": n,
            "discriminator__width": int(self.discriminator_width),
            "discriminator__spectral_norm": bool(self.spectral_norm),
            "discriminator__batch_norm": False,
            **gan_net_params(self),
            "horizontal_flip": False,  # the L1 pairs are never mirrored
            "mirror": bool(self.horizontal_flip),
            "adversarial_weight": float(self.adversarial_weight),
            "l1_weight": float(self.l1_weight),
        }
        return params

    def _make_net(self, device: str, seed: int):
        return set_betas(super()._make_net(device, seed), self.betas)

    def fit(self, X, y):
        """Learn to generate the chips ``y`` from the features ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature vectors, e.g. chip landmarks and thumbnails
            (:func:`skface.autoencoders.latent_features`).
        y : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            The face chips to generate; uint8, uint16 or float in ``[0, 1]``,
            grey or RGB, resized to ``output_size``.

        Returns
        -------
        self : LatentGAN
            Fitted estimator.
        """
        return super().fit(X, y)

    def predict(self, X):
        """Generate one chip per feature vector (with the averaged generator).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature vectors.

        Returns
        -------
        chips : ndarray of shape (n_samples, S, S, 3) or (n_samples, S, S)
            Float32 chips in ``[0, 1]`` (grey when trained on grey chips),
            ``S = output_size``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        ema = "generator_ema" in self.net_._modules
        out = self._forward(
            self._scale(X), module="generator_ema" if ema else "generator"
        )
        out = np.clip(out.transpose(0, 2, 3, 1), 0.0, 1.0).astype(np.float32)
        return np.ascontiguousarray(out[..., 0] if self.n_channels_ == 1 else out)
