"""Neural face inpainter: a context encoder trained adversarially."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import _fit_context, clone
from sklearn.utils._param_validation import Interval, StrOptions
from torch.nn import functional as F

from ..neural._base import BaseNeuralEstimator
from ..neural._multi import MultiModuleNet
from ..neural._net import _to_device
from ..neural._schedule import CosineLR
from ..nn import BOTTLENECKS, ContextDiscriminator, ContextEncoder, flip_shift_batch
from ..utils._image import convert_channels, resize
from ._base import BaseInpainter
from .masks import (
    CenterSquare,
    FaceMaskShape,
    IrregularStrokes,
    MixedMasks,
    RandomRectangles,
    check_masks,
)

__all__ = ["FaceInpainter"]

_MAX_SEED = 2**31 - 1


def default_training_masks():
    """The mask mix :class:`FaceInpainter` trains on when ``masks=None``.

    Surgical-mask shapes (with jitter), centred squares, one or two random
    rectangles and brush strokes, weighted 3 : 2 : 3 : 1.
    """
    return MixedMasks(
        [
            FaceMaskShape(jitter=0.1),
            CenterSquare(),
            RandomRectangles(n_rectangles=1, min_size=0.2, max_size=0.6),
            IrregularStrokes(),
        ],
        weights=[3, 2, 3, 1],
    )


class _InpainterNet(MultiModuleNet):
    """Generator + discriminator, alternating updates (private).

    A training batch holds clean images ``(N, C, S, S)`` (a fresh hole is
    drawn for each image from ``mask_generator``) or images with their hole
    as an extra channel ``(N, C + 1, S, S)`` (holes given to ``fit``).
    """

    module_names = ("generator", "discriminator")
    loss_names = ("reconstruction_loss", "adversarial_loss", "discriminator_loss")

    def __init__(
        self,
        *args,
        mask_generator=None,
        adversarial_weight=1e-4,
        reconstruction_loss="mse",
        horizontal_flip=True,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.mask_generator = mask_generator
        self.adversarial_weight = adversarial_weight
        self.reconstruction_loss = reconstruction_loss
        self.horizontal_flip = horizontal_flip

    # -- data ------------------------------------------------------------
    def _split_batch(self, X, rng):
        """``(images, holes)`` of a batch, drawing holes where none are given."""
        X = _to_device(X, self.device)
        n_channels = self.generator_.n_channels
        if X.shape[1] == n_channels + 1:
            return X[:, :-1], X[:, -1:]
        n, _, h, w = X.shape
        masks = self.mask_generator.generate((n, h, w), random_state=rng)
        holes = torch.from_numpy(np.asarray(masks, dtype=np.float32)[:, None])
        return X, _to_device(holes, self.device)

    def _reconstruction(self, fill, real, hole):
        diff = fill - real  # (N, C, S, S)
        err = diff.pow(2) if self.reconstruction_loss == "mse" else diff.abs()
        area = (hole.sum() * real.shape[1]).clamp_min(1.0)
        return (err * hole).sum() / area  # mean over hole pixels

    # -- steps -----------------------------------------------------------
    def train_step(self, batch, **fit_params):
        self._set_training(True)
        # Seeds come from the torch RNG, which fit seeds from random_state.
        rng = np.random.default_rng(int(torch.randint(_MAX_SEED, (1,))))
        real, hole = self._split_batch(batch[0], rng)
        if self.horizontal_flip:  # mirror half of the faces (and their holes)
            real, hole = flip_shift_batch(real, hole, horizontal_flip=True)
        fill = self.generator_(torch.cat([real * (1 - hole), hole], 1))
        composite = hole * fill + (1 - hole) * real
        rec = self._reconstruction(fill, real, hole)
        losses = {"reconstruction_loss": rec}
        g_loss = rec
        if self.adversarial_weight > 0:
            # 1) discriminator: real faces vs completed ones (generator frozen)
            ones = torch.ones(len(real), device=real.device)
            d_real = self.discriminator_(real)
            d_fake = self.discriminator_(composite.detach())
            d_loss = 0.5 * (
                F.binary_cross_entropy_with_logits(d_real, ones)
                + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(ones))
            )
            self.step_module("discriminator", d_loss, batch)
            # 2) generator: fool the updated discriminator (non-saturating)
            adv = F.binary_cross_entropy_with_logits(
                self.discriminator_(composite), ones
            )
            g_loss = rec + self.adversarial_weight * adv
            losses.update(adversarial_loss=adv, discriminator_loss=d_loss)
        self.step_module("generator", g_loss, batch)
        self.record_losses(**losses)
        return {"loss": rec.detach(), "y_pred": fill.detach()}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        # The same holes every epoch, so that valid_loss is comparable.
        real, hole = self._split_batch(batch[0], np.random.default_rng(0))
        with torch.no_grad():
            fill = self.generator_(torch.cat([real * (1 - hole), hole], 1))
            loss = self._reconstruction(fill, real, hole)
        return {"loss": loss, "y_pred": fill}


def _to_channels(image, n):
    """``(H, W, n)`` float32 from a grey or RGB ``(H, W, C)`` image."""
    if image.shape[2] == n:
        return image
    out = convert_channels(image, "grey" if n == 1 else "rgb")
    return (out[:, :, None] if out.ndim == 2 else out).astype(np.float32)


class FaceInpainter(BaseInpainter, BaseNeuralEstimator):
    """Context-encoder face inpainter with real adversarial training.

    The generator (:class:`skface.nn.ContextEncoder`) sees the known
    pixels and the hole mask and paints the whole face; the hole is then
    taken from its output. It is trained on ``fit`` images with holes drawn
    afresh for every batch from ``masks`` (surgical-mask shapes, centred
    squares, rectangles and strokes by default), to minimise a reconstruction
    loss on the hole plus ``adversarial_weight`` times an adversarial loss.
    The discriminator (:class:`skface.nn.ContextDiscriminator`) learns to
    tell real faces from completed ones. Generator and discriminator have
    their own optimizers and are updated in turn on every batch (first the
    discriminator on real vs completed faces, then the generator against the
    updated discriminator), so the game is a real one. In ``transform`` the
    known pixels are kept exactly and the fill is blended into the hole
    (feathering by default: a cross-fade from the known pixels over a few
    pixels inside the hole, which leaves no seam and, on Olivetti, gives a
    slightly higher hole PSNR than Poisson blending, which spreads any
    mismatch at the edge over the whole hole; see
    ``benchmarks/bench_inpainting.py``).

    Images of any size work: they are resized to ``image_size`` for the
    network and the fill is resized back to the hole.

    Parameters
    ----------
    image_size : int, default=64
        Working size of the network (a multiple of 16).
    bottleneck : {'channelwise', 'plain'}, default='channelwise'
        Pathak et al.'s channel-wise fully connected layer between encoder
        and decoder, or a plain dense bottleneck of 256 units.
    width : int, default=16
        Channels of the first convolution stage of both networks (doubled
        at each of the four stages).
    skip_connections : bool, default=False
        Add U-Net skip connections from encoder to decoder (not in the
        seed's context encoder); they sharpen the fill near the hole's edge.
    loss : {'mse', 'l1'}, default='mse'
        Pixel loss on the hole: mean squared or mean absolute error.
    adversarial_weight : float, default=1e-4
        Weight of the adversarial loss; 0 trains the generator alone (no
        discriminator updates). Pathak et al. use 0.001 with images in
        [-1, 1], where the squared error is 4 times ours (pixels in [0, 1]);
        on Olivetti 1e-3 costs about 0.7 dB of hole PSNR against no
        adversarial loss, 1e-4 about 0.3 dB, for sharper fills.
    lr_discriminator : float, default=2e-4
        Learning rate of the discriminator's optimizer (``lr`` is the
        generator's).
    horizontal_flip : bool, default=True
        Faces are symmetric: mirror a random half of each training batch,
        and average the fill of each image with the (mirrored back) fill of
        its mirror image in ``transform``.
    lr_schedule : {'cosine', 'constant'}, default='cosine'
        Learning rates of both optimizers decay to 0 over ``max_epochs``
        along a half cosine (:class:`skface.neural.CosineLR`), or stay
        constant.
    masks : mask generator or None, default=None
        Where training holes come from (and the holes of ``transform`` when
        it gets none): an object from :mod:`skface.restoration.masks`.
        None: a mix of surgical-mask shapes (``FaceMaskShape(jitter=0.1)``),
        centred squares, random rectangles and brush strokes (3 : 2 : 3 : 1).
    blend : {'none', 'feather', 'poisson'}, default='feather'
        How the fill is put into the hole (see
        :func:`skface.restoration.blend_fill`).
    optimizer : str or torch.optim.Optimizer subclass, default='adam'
        Optimizer class of both networks.
    lr : float, default=1e-3
        Learning rate of the generator.
    weight_decay : float, default=0.0
        Weight decay of both optimizers.
    batch_size : int, default=16
        Mini-batch size.
    max_epochs : int, default=100
        Passes over the training images (each with new holes).
    validation_fraction : float, default=0.0
        Fraction of the images held out to record ``valid_loss`` (the
        reconstruction loss on fixed holes).
    early_stopping : bool, default=False
        Stop when the validation (else training) reconstruction loss has not
        improved for ``n_iter_no_change`` epochs.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks (see :class:`skface.neural.BaseNeuralEstimator`).
    warm_start : bool, default=False
        Continue training the fitted networks on the next ``fit``.
    device : str, default='auto'
        ``'auto'`` (CUDA when available), ``'cpu'``, ``'cuda'``...
    amp : bool, default=False
        Mixed-precision training: float16 autocast with gradient scaling on
        CUDA, bfloat16 autocast on the CPU; inference stays in float32.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        several GPUs under ``accelerate launch``, mixed precision from its
        ``mixed_precision``; ``device`` is then ``'auto'`` or the
        accelerator's device. Not saved by ``save``. See :ref:`gpu_training`.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, flips and training holes, and the
        holes ``transform`` draws when given none.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar.

    Attributes
    ----------
    n_channels_ : int
        Channels the networks work on (1 grey, 3 RGB; other inputs are
        converted).
    mask_generator_ : mask generator
        The training hole generator (a clone of ``masks``).
    net_ : skorch.NeuralNet
        The trained net: ``net_.generator_``, ``net_.discriminator_`` and
        their optimizers ``net_.generator_optimizer_`` and
        ``net_.discriminator_optimizer_``.
    history_ : skorch.History
        Per epoch: ``train_loss`` (reconstruction loss),
        ``reconstruction_loss``, ``adversarial_loss`` (the generator's),
        ``discriminator_loss`` (the last two only when
        ``adversarial_weight > 0``), ``valid_loss`` with a validation split.
    n_iter_ : int
        Epochs trained.

    See Also
    --------
    skface.restoration.RegressionInpainter : Learns a fixed hole with sklearn.
    skface.restoration.BiharmonicInpainter : Smooth fill, nothing to learn.

    References
    ----------
    D. Pathak, P. Krahenbuhl, J. Donahue, T. Darrell and A. Efros, "Context
    Encoders: Feature Learning by Inpainting", CVPR 2016.

    Examples
    --------
    >>> from skface.datasets import make_synthetic_faces
    >>> from skface.restoration import FaceInpainter
    >>> faces = make_synthetic_faces(16, size=32, random_state=0).images
    >>> inp = FaceInpainter(image_size=32, width=8, max_epochs=1, random_state=0)
    >>> out = inp.fit(faces).transform(faces)
    >>> out.shape, out.dtype
    ((16, 32, 32, 3), dtype('float32'))
    """

    _net_class = _InpainterNet
    _fitted_attributes = ("n_channels_",)

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        **BaseInpainter._parameter_constraints,
        "image_size": [Interval(Integral, 16, None, closed="left")],
        "bottleneck": [StrOptions(set(BOTTLENECKS))],
        "width": [Interval(Integral, 1, None, closed="left")],
        "skip_connections": ["boolean"],
        "loss": [StrOptions({"mse", "l1"})],
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "lr_discriminator": [Interval(Real, 0, None, closed="neither")],
        "horizontal_flip": ["boolean"],
        "lr_schedule": [StrOptions({"cosine", "constant"})],
    }

    def __init__(
        self,
        image_size=64,
        *,
        bottleneck="channelwise",
        width=16,
        skip_connections=False,
        loss="mse",
        adversarial_weight=1e-4,
        lr_discriminator=2e-4,
        horizontal_flip=True,
        lr_schedule="cosine",
        masks=None,
        blend="feather",
        optimizer="adam",
        lr=1e-3,
        weight_decay=0.0,
        batch_size=16,
        max_epochs=100,
        validation_fraction=0.0,
        early_stopping=False,
        n_iter_no_change=10,
        callbacks=None,
        warm_start=False,
        device="auto",
        amp=False,
        accelerator=None,
        random_state=None,
        verbose=0,
    ):
        self.image_size = image_size
        self.bottleneck = bottleneck
        self.width = width
        self.skip_connections = skip_connections
        self.loss = loss
        self.adversarial_weight = adversarial_weight
        self.lr_discriminator = lr_discriminator
        self.horizontal_flip = horizontal_flip
        self.lr_schedule = lr_schedule
        self.masks = masks
        self.blend = blend
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.amp = amp
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    # -- network ---------------------------------------------------------
    def _training_masks(self):
        return default_training_masks() if self.masks is None else clone(self.masks)

    def _mask_generator(self):
        gen = getattr(self, "mask_generator_", None)
        return self._training_masks() if gen is None else gen

    def _net_params(self) -> dict:
        size, n = int(self.image_size), int(self.n_channels_)
        return {
            "generator": ContextEncoder,
            "generator__n_channels": n,
            "generator__image_size": size,
            "generator__width": int(self.width),
            "generator__bottleneck": self.bottleneck,
            "generator__skip": bool(self.skip_connections),
            "discriminator": ContextDiscriminator,
            "discriminator__n_channels": n,
            "discriminator__image_size": size,
            "discriminator__width": int(self.width),
            "discriminator_optimizer__lr": float(self.lr_discriminator),
            "mask_generator": self._mask_generator(),
            "adversarial_weight": float(self.adversarial_weight),
            "reconstruction_loss": self.loss,
            "horizontal_flip": bool(self.horizontal_flip),
        }

    def _all_callbacks(self) -> list:
        callbacks = super()._all_callbacks()
        cosine = self.lr_schedule == "cosine"
        callbacks.insert(0, ("lr_schedule", CosineLR(cosine=cosine)))
        return callbacks

    # -- data ------------------------------------------------------------
    def _net_input(self, image, hole=None):
        """``(C[+1], S, S)`` network input of one image (and its hole)."""
        size = (int(self.image_size),) * 2
        image = _to_channels(image, int(self.n_channels_))
        if hole is None:
            return resize(image, size).transpose(2, 0, 1)
        if image.shape[:2] != size:
            # Hide the hole's content before resampling, and grow the small
            # hole to every network pixel the big one touches.
            # (The known pixels' mean from sums: no copy of the known part.)
            total = image.sum(axis=(0, 1), dtype=np.float64)
            n_known = max(hole.size - int(hole.sum()), 1)
            mean = (total - image[hole].sum(axis=0, dtype=np.float64)) / n_known
            image = image.copy()
            image[hole] = mean
            small = resize(hole.astype(np.float32), size) > 1e-3
            image, hole = resize(image, size), small
        image = image * ~hole[:, :, None]
        return np.concatenate([image, hole[:, :, None]], axis=2).transpose(2, 0, 1)

    # -- BaseInpainter hooks --------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, masks=None):
        """Train generator and discriminator on faces.

        Parameters
        ----------
        X : images
            Complete faces (see :func:`skface.utils.check_images`), grey or
            RGB, any size (resized to ``image_size``).
        y : None
            Ignored.
        masks : bool array-like of shape (n_samples, H, W) or (H, W), default=None
            Fixed training holes, one per image; ``None`` (recommended)
            draws fresh holes from ``masks`` for every batch.

        Returns
        -------
        self : FaceInpainter
            Fitted estimator.
        """
        images, _ = self._validate_images(X)
        holes = None
        if masks is not None:
            holes = check_masks(masks, [im.shape[:2] for im in images])
        self.mask_generator_ = self._training_masks()
        self._fit(images, holes)
        return self

    def _fit(self, images, masks):
        if not (self.warm_start and self.__sklearn_is_fitted__()):
            self.n_channels_ = max(im.shape[2] for im in images)
        if masks is None:
            data = [self._net_input(im) for im in images]
        else:
            data = [self._net_input(im, m) for im, m in zip(images, masks)]
        self._fit_net(np.stack(data).astype(np.float32))

    def _inpaint(self, images, masks):
        data = np.stack([self._net_input(im, m) for im, m in zip(images, masks)])
        data = data.astype(np.float32)
        out = self._forward(data)  # (N, C, S, S)
        if self.horizontal_flip:  # faces are symmetric: average with the mirror's fill
            mirrored = self._forward(np.ascontiguousarray(data[..., ::-1]))
            out = 0.5 * (out + mirrored[..., ::-1])
        fills = []
        for image, small in zip(images, out):
            small = np.ascontiguousarray(small.transpose(1, 2, 0))
            fill = resize(small, image.shape[:2])
            fills.append(_to_channels(fill, image.shape[2]))
        return fills
