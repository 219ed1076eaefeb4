"""What every skface GAN shares: the adversarial training step and sampling.

:class:`_GANNet` is the private skorch net (a
:class:`~skface.neural._multi.MultiModuleNet` with a generator, a
discriminator and their own optimizers); :class:`BaseGAN` is the estimator
base that validates images, builds the net in ``fit`` and samples from it.

One training step (:meth:`_GANNet.train_step`)
----------------------------------------------
1. The real batch (images in ``[-1, 1]``, conditions) is mirrored for a
   random half (``horizontal_flip``; conditions mirrored by
   :meth:`_GANNet.flip_condition`).
2. ``n_critic`` discriminator updates: fakes from fresh latent codes
   (detached: no gradient to the generator; the first update uses the
   batch of fakes the generator update reuses), both batches through the same random
   differentiable augmentation (:func:`skface.nn.diff_augment`; pixel-tied
   conditions moved with the image by :meth:`_GANNet.shift_condition`), the
   loss of ``loss``, plus the regulariser: the lazy R1 penalty on the real
   images every ``r1_interval`` steps (``hinge``/``nonsaturating``) or the
   WGAN-GP gradient penalty, norm per sample over ``C x H x W``, and the
   drift term (``wgan-gp``).
3. One generator update against the updated discriminator: its loss
   times ``adversarial_weight`` plus :meth:`_GANNet.extra_generator_losses`
   (e.g. the L1 term of a LatentGAN) and, with ``mode_seeking_weight``,
   MSGAN's mode-seeking term (:meth:`_GANNet.mode_seeking`).
4. The moving average of the generator weights (``generator_ema_``) moves
   towards the new weights with decay ``min(ema_decay, (1 + t) / (10 + t))``
   at step ``t``: it follows closely at the start, slowly later.

Every loss is recorded per batch and per epoch in ``history_``
(``generator_loss``, ``discriminator_loss``, ``penalty`` and the extra
ones); ``train_loss`` is their sum and the non-finite loss guard watches it.
"""

from __future__ import annotations

import copy
import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..alignment import FaceExtractor, FaceReconstructor
from ..base import ImageEstimatorMixin
from ..neural._base import BaseNeuralEstimator
from ..neural._multi import MultiModuleNet
from ..neural._net import _to_device
from ..nn import AUGMENT_POLICIES, GAN_LOSSES, diff_augment, gradient_penalty
from ..nn import r1_penalty as _r1_penalty
from ..utils._image import resize
from ..utils.validation import check_images
from ._quality import face_kid

__all__ = ["BaseGAN", "LOSSES"]

#: Values of the ``loss`` parameter.
LOSSES = ("hinge", "nonsaturating", "wgan-gp")


def _check_policy(policy):
    """The DiffAugment policy string (``''`` for None); ValueError if unknown."""
    if policy is None:
        return ""
    names = [p.strip() for p in str(policy).split(",") if p.strip()]
    bad = [p for p in names if p not in AUGMENT_POLICIES]
    if bad:
        raise ValueError(
            f"augment must be None or a comma-separated list of {AUGMENT_POLICIES}, "
            f"got {policy!r} (unknown: {bad})"
        )
    return ",".join(names)


def gan_net_params(est) -> dict:
    """The training options of a GAN estimator, as :class:`_GANNet` takes them.

    Reads ``n_latent`` (when the estimator has it), ``loss``, ``augment``,
    ``horizontal_flip``, ``ema_decay``, ``r1_weight``, ``r1_interval``,
    ``n_critic``, ``lr_discriminator`` and ``mode_seeking_weight`` (when the
    estimator has it).
    """
    params = {
        "loss": est.loss,
        "augment": _check_policy(est.augment),
        "horizontal_flip": bool(est.horizontal_flip),
        "ema_decay": float(est.ema_decay),
        "r1_weight": float(est.r1_weight),
        "r1_interval": int(est.r1_interval),
        "n_critic": int(est.n_critic),
    }
    if hasattr(est, "n_latent"):
        params["n_latent"] = int(est.n_latent)
    if hasattr(est, "mode_seeking_weight"):
        params["mode_seeking_weight"] = float(est.mode_seeking_weight)
    if est.lr_discriminator is not None:
        params["discriminator_optimizer__lr"] = float(est.lr_discriminator)
    return params


def set_betas(net, betas):
    """Give every optimizer of ``net`` Adam's ``betas`` (if it takes them)."""
    if "betas" in inspect.signature(net.optimizer).parameters:
        values = tuple(float(b) for b in betas)
        if len(values) != 2 or not all(0 <= b < 1 for b in values):
            raise ValueError(f"betas must be two floats in [0, 1), got {betas!r}")
        net.set_params(optimizer__betas=values)
    return net


class _GANNet(MultiModuleNet):
    """Generator + discriminator trained adversarially (private).

    A batch is ``(images, conditions)``: images ``(N, C, S, S)`` in
    ``[-1, 1]``, conditions ``(N, k)`` or None. Subclasses change how the
    generator and discriminator are called (:meth:`generate`,
    :meth:`discriminate`), how conditions follow flips and shifts, and may
    add generator losses.
    """

    module_names = ("generator", "discriminator")
    loss_names = ("generator_loss", "discriminator_loss", "penalty")

    def __init__(
        self,
        *args,
        n_latent=100,
        loss="hinge",
        augment="color,translation,cutout",
        horizontal_flip=True,
        ema_decay=0.999,
        r1_weight=0.1,
        r1_interval=16,
        gp_weight=10.0,
        drift=1e-3,
        n_critic=1,
        adversarial_weight=1.0,
        mode_seeking_weight=0.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.adversarial_weight = adversarial_weight
        self.mode_seeking_weight = mode_seeking_weight
        self.n_latent = n_latent
        self.loss = loss
        self.augment = augment
        self.horizontal_flip = horizontal_flip
        self.ema_decay = ema_decay
        self.r1_weight = r1_weight
        self.r1_interval = r1_interval
        self.gp_weight = gp_weight
        self.drift = drift
        self.n_critic = n_critic

    # -- modules ---------------------------------------------------------
    def initialize_module(self):
        super().initialize_module()
        if self.ema_decay:
            # Registered by skorch as a module (device moves, state dicts,
            # snapshots, save/load) but given no optimizer.
            ema = copy.deepcopy(self.generator_).requires_grad_(False)
            self.generator_ema_ = ema
        self.n_steps_ = 0
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        # Steps trained so far, from the history: a model loaded from a
        # file (which keeps its history) continues the EMA warm-up and the
        # lazy R1 schedule where it stopped.
        self.n_steps_ = sum(len(row.get("batches", ())) for row in self.history)

    def _bundle(self, key):
        names = super()._bundle(key)
        if key == "f_params" and self.ema_decay:
            names = [*names, "generator_ema"]
        return names

    @torch.no_grad()
    def update_ema(self):
        """Move ``generator_ema_`` towards ``generator_`` (see module doc)."""
        t = self.n_steps_
        decay = min(float(self.ema_decay), (1.0 + t) / (10.0 + t))
        ema, gen = self.generator_ema_, self.generator_
        for avg, p in zip(ema.parameters(), gen.parameters()):
            avg.lerp_(p.detach(), 1.0 - decay)
        for avg, b in zip(ema.buffers(), gen.buffers()):
            avg.copy_(b)

    # -- hooks for subclasses ---------------------------------------------
    def split_batch(self, batch):
        """``(images, conditions or None)`` of a batch, on the device."""
        X, y = batch
        X = _to_device(X, self.device)
        return X, (None if y is None else _to_device(y, self.device))

    def latent(self, n, like):
        """``n`` latent codes ``(n, n_latent)`` from the global torch RNG."""
        return torch.randn(n, int(self.n_latent), device=like.device)

    def generate(self, module, z, condition):
        """Images ``(N, C, S, S)`` in ``[-1, 1]`` from ``module`` (a generator)."""
        return module(z)

    def discriminate(self, x, condition):
        """Discriminator logits ``(N,)``."""
        return self.discriminator_(x)

    def flip_condition(self, condition, flipped):
        """Conditions of images mirrored where ``flipped`` ``(N,)`` is True."""
        return condition

    def shift_condition(self, condition, shift):
        """Conditions of images moved by ``shift`` ``(N, 2)`` pixels (dx, dy)."""
        return condition

    def extra_generator_losses(self, fake, real, condition):
        """Named losses added to the generator's (already weighted)."""
        return {}

    def generator_condition(self, condition):
        """Conditions given to the generator for a batch's fakes."""
        return condition

    def mode_seeking(self, fake, condition):
        """MSGAN's term: the weight over the spread of fakes from new codes.

        A second fake per row (same condition, new latent code); the term
        falls as the two differ more (mean absolute difference of the
        images over the expected mean absolute difference of two standard
        normal codes, ``2 / sqrt(pi)``), so the generator cannot ignore
        ``z`` (Mao et al., 2019).
        """
        z = self.latent(len(fake), fake)
        other = self.generate(self.generator_, z, self.generator_condition(condition))
        ratio = (fake - other).abs().mean() / (2.0 / np.sqrt(np.pi))
        return float(self.mode_seeking_weight) / (ratio + 1e-5)

    # -- the step --------------------------------------------------------
    def _flip(self, real, condition):
        flipped = torch.rand(len(real)) < 0.5
        if not flipped.any():
            return real, condition
        flipped = flipped.to(real.device)
        real = torch.where(flipped[:, None, None, None], real.flip(3), real)
        if condition is not None:
            condition = self.flip_condition(condition, flipped)
        return real, condition

    def _augment(self, x, condition):
        if not self.augment:
            return x, condition
        x, shift = diff_augment(x, self.augment, return_shift=True)
        if condition is not None and "translation" in self.augment:
            condition = self.shift_condition(condition, shift)
        return x, condition

    def _discriminator_step(self, real, condition, batch, fake=None):
        if fake is None:
            z = self.latent(len(real), real)
            with torch.no_grad():
                fake = self.generate(
                    self.generator_, z, self.generator_condition(condition)
                )
        fake = fake.detach()
        real_in, c_real = self._augment(real, condition)
        fake_in, c_fake = self._augment(fake, condition)
        g_loss_fn, d_loss_fn = GAN_LOSSES[self.loss.replace("-gp", "")]
        lazy_r1 = (
            self.loss != "wgan-gp"
            and self.r1_weight > 0
            and self.n_steps_ % int(self.r1_interval) == 0
        )
        if lazy_r1:
            real_in = real_in.detach().requires_grad_(True)
        real_scores = self.discriminate(real_in, c_real)
        fake_scores = self.discriminate(fake_in, c_fake)
        if self.loss == "wgan-gp":
            d_loss = d_loss_fn(real_scores, fake_scores, drift=float(self.drift))
            penalty = float(self.gp_weight) * gradient_penalty(
                lambda x: self.discriminate(x, c_real), real_in, fake_in
            )
        else:
            d_loss = d_loss_fn(real_scores, fake_scores)
            penalty = torch.zeros((), device=real.device)
            if lazy_r1:  # weight gamma / 2, times the interval (lazy R1)
                scale = 0.5 * float(self.r1_weight) * int(self.r1_interval)
                penalty = scale * _r1_penalty(real_scores, real_in)
        self.step_module("discriminator", d_loss + penalty, batch)
        return d_loss.detach(), penalty.detach()

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        real, condition = self.split_batch(batch)
        if self.horizontal_flip:
            real, condition = self._flip(real, condition)
        # One batch of fakes serves the first discriminator update (detached)
        # and the generator's (through the updated discriminator), as in the
        # DCGAN reference loop: one generator pass per step, not two.
        z = self.latent(len(real), real)
        fake = self.generate(self.generator_, z, self.generator_condition(condition))
        for i in range(int(self.n_critic)):
            d_loss, penalty = self._discriminator_step(
                real, condition, batch, fake if i == 0 else None
            )
        # generator: fool the updated discriminator
        fake_in, c_fake = self._augment(fake, condition)
        g_loss_fn = GAN_LOSSES[self.loss.replace("-gp", "")][0]
        g_loss = g_loss_fn(self.discriminate(fake_in, c_fake))
        extra = self.extra_generator_losses(fake, real, condition)
        if self.mode_seeking_weight:
            extra["mode_seeking_loss"] = self.mode_seeking(fake, condition)
        elif "mode_seeking_loss" in self.loss_names:
            self.record_losses(mode_seeking_loss=0.0)
        total = float(self.adversarial_weight) * g_loss
        if extra:
            total = total + sum(extra.values())
        self.step_module("generator", total, batch)
        if self.ema_decay:
            self.update_ema()
        self.n_steps_ += 1
        losses = {
            "generator_loss": g_loss.detach(),
            "discriminator_loss": d_loss,
            "penalty": penalty,
        }
        losses.update({k: v.detach() for k, v in extra.items()})
        self.record_losses(**losses)
        step_loss = total.detach() + d_loss + penalty
        return {"loss": step_loss, "y_pred": fake.detach()}

    def validation_step(self, batch, **fit_params):
        raise ValueError(
            f"{type(self).__name__} has no validation loss (a GAN); train with "
            "validation_fraction=0"
        )


class PhotoFrontEndMixin:
    """The photo front end of the estimators that edit faces in photos.

    ``extractor_`` (the ``extractor`` parameter, or a default
    :class:`~skface.alignment.FaceExtractor`, cloned with its
    ``output_size`` set to the network's chip size) and ``reconstructor_``
    (the ``reconstructor``, or Poisson blending with mean/std colour match).
    Nothing in them is learned, so a loaded model rebuilds them. Used by
    :class:`~skface.generation.FaceSwapper` and
    :class:`~skface.generation.HeadTurnGenerator` (private API); put it
    before :class:`~skface.neural._base.BaseNeuralEstimator` in the bases.
    """

    #: parameters of the default FaceExtractor (``extractor=None``)
    _default_extractor_params: dict = {}

    def _extractor_or_default(self):
        """The ``extractor`` parameter, or this estimator's default one."""
        if self.extractor is None:
            return FaceExtractor(**self._default_extractor_params)
        return self.extractor

    def _fit_front_end(self, images):
        """``extractor_`` and ``reconstructor_`` (nothing learned in them)."""
        extractor = self._extractor_or_default()
        self.extractor_ = clone(extractor).set_params(output_size=self._check_size())
        self.extractor_.fit(images)
        reconstructor = self.reconstructor
        if reconstructor is None:
            reconstructor = FaceReconstructor(blend="poisson", color_match="mean_std")
        self.reconstructor_ = clone(reconstructor).fit()

    def _build_net_for_loading(self, device: str):
        # a loaded model gets its (pretrained, not learned) front end back
        self._fit_front_end(np.zeros((1, 8, 8, 3), np.uint8))
        return super()._build_net_for_loading(device)


class AdversarialTrainingMixin:
    """Training options shared by the adversarial estimators (private API).

    Adam's ``betas`` from the estimator's ``betas``, no validation split and
    no early stopping: losses measured against a moving discriminator (or
    on randomly warped inputs) do not tell progress. Put it before
    :class:`~skface.neural._base.BaseNeuralEstimator` in the bases.
    """

    def _make_net(self, device: str, seed: int):
        return set_betas(super()._make_net(device, seed), self.betas)

    def _train_split(self, seed: int):
        return None

    def _all_callbacks(self) -> list:
        return [
            cb
            for cb in super()._all_callbacks()
            if not (isinstance(cb, tuple) and cb[0] == "early_stopping")
        ]


class BaseGAN(
    ImageEstimatorMixin, TransformerMixin, AdversarialTrainingMixin, BaseNeuralEstimator
):
    """Base class of skface's GAN estimators (private API for subclasses).

    Subclasses declare their parameters in ``__init__`` (the shared ones
    are listed in :data:`_shared_constraints`), set ``_net_class`` and
    implement ``_net_params`` with the generator and discriminator; the
    training data goes through :meth:`_images_to_net`, the samples back
    through :meth:`_net_to_images`.
    """

    _net_class = _GANNet
    _fitted_attributes = ("n_channels_",)

    _shared_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "n_latent": [Interval(Integral, 1, None, closed="left")],
        "image_size": [Interval(Integral, 4, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions(set(LOSSES))],
        "augment": [str, None],
        "horizontal_flip": ["boolean"],
        "ema_decay": [Interval(Real, 0, 1, closed="both")],
        "spectral_norm": ["boolean"],
        "r1_weight": [Interval(Real, 0, None, closed="left")],
        "r1_interval": [Interval(Integral, 1, None, closed="left")],
        "n_critic": [Interval(Integral, 1, None, closed="left")],
        "lr_discriminator": [Interval(Real, 0, None, closed="neither"), None],
        "betas": [tuple, list],
        "mode_seeking_weight": [Interval(Real, 0, None, closed="left")],
    }

    # -- shared net arguments --------------------------------------------
    def _gan_net_params(self) -> dict:
        return gan_net_params(self)

    # -- data ------------------------------------------------------------
    def _check_size(self):
        size = int(self.image_size)
        if size < 8 or size & (size - 1):
            raise ValueError(
                f"image_size must be a power of two >= 8 (16, 32, 64, 128), got {size}"
            )
        return size

    def _validate_training_images(self, X):
        """Float32 list of images, grey or RGB (all RGB when any is)."""
        images = check_images(X, dtype="float32", channels="keep", stack=False)
        if not len(images):
            raise ValueError(f"{type(self).__name__}.fit needs at least one image")
        return images

    def _images_to_net(self, images, n_channels):
        """``(n, C, S, S)`` float32 in ``[-1, 1]`` from float ``[0, 1]`` images."""
        size = self._check_size()
        out = np.empty((len(images), n_channels, size, size), dtype=np.float32)
        for i, image in enumerate(images):
            if image.ndim == 2:
                image = image[:, :, None]
            if image.shape[2] != n_channels:  # grey among colour ones
                image = np.repeat(image[:, :, :1], n_channels, axis=2)
            small = resize(image, (size, size)).reshape(size, size, n_channels)
            out[i] = np.clip(small, 0.0, 1.0).transpose(2, 0, 1)
        return out * 2.0 - 1.0

    def _net_to_images(self, out):
        """Images ``(n, S, S[, 3])`` float32 in ``[0, 1]`` from net output."""
        out = np.asarray(out, dtype=np.float32).transpose(0, 2, 3, 1)
        out = np.clip((out + 1.0) * 0.5, 0.0, 1.0)
        return np.ascontiguousarray(out[..., 0] if self.n_channels_ == 1 else out)

    def _inference_module(self):
        return "generator_ema" if "generator_ema" in self.net_._modules else "generator"

    def _check_latent(self, Z):
        Z = np.asarray(Z, dtype=np.float32)
        if Z.ndim != 2 or Z.shape[1] != int(self.n_latent):
            raise ValueError(
                f"latent codes must have shape (n_samples, {self.n_latent}) "
                f"(n_latent), got shape {Z.shape}"
            )
        if not len(Z):
            raise ValueError("latent codes are empty; need at least one row")
        if not np.isfinite(Z).all():
            raise ValueError("latent codes contain NaN or infinity")
        return np.ascontiguousarray(Z)

    def _draw_latent(self, n_samples, random_state):
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}")
        rng = check_random_state(random_state)
        return rng.standard_normal((int(n_samples), int(self.n_latent))).astype(
            np.float32
        )

    def score(self, X, y=None):
        """Face-quality score of the samples against real faces ``X``.

        ``-1000 * face_kid(X, samples)`` with as many samples as images
        (:func:`skface.metrics.face_kid`: kernel inception distance on dlib
        face embeddings); higher is better, 0 is indistinguishable, so
        :class:`~sklearn.model_selection.GridSearchCV` and Optuna can tune
        a GAN with it. Samples (and the KID subsets) are drawn with
        ``random_state=0``, so the score of a fitted model is repeatable.

        Parameters
        ----------
        X : images
            Real faces, aligned like the training ones.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Minus the KID x 1000.
        """
        check_is_fitted(self)
        real = check_images(X, dtype="float32", channels="keep", stack=False)
        fake = self._score_samples_for(real)
        return -1000.0 * float(face_kid(real, fake, random_state=0)[0])

    def _score_samples_for(self, real):
        return list(self.sample(len(real), random_state=0))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()  # images in (ImageEstimatorMixin)
        tags.requires_fit = True
        tags.non_deterministic = False
        return tags
