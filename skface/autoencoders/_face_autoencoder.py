"""FaceAutoencoder: compress faces to a small linear code and back."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.extmath import randomized_svd
from sklearn.utils.validation import check_array, check_is_fitted

from ..base import ImageEstimatorMixin
from ..metrics import psnr
from ..neural._base import BaseNeuralEstimator
from ..neural._schedule import CosineLR
from ..nn import FaceAutoencoderNet, ReconstructionLoss
from ..nn._autoencoder import _shift_pair
from ..utils.validation import check_images
from ._autoencoder_net import (  # noqa: F401  (_LRSchedule: old pickles)
    _AutoencoderNet,
    _channels_last,
    _LRSchedule,
    _prepare,
)

# The skorch net and the image helpers live in _autoencoder_net; importing
# the classes here also keeps models pickled before the split loadable.

__all__ = ["FaceAutoencoder"]

_DEFAULT_INPUT_SIZE = {"hyperface": 227, "dcgan": 64}
_MIN_INPUT_SIZE = {"hyperface": 64, "dcgan": 16}
#: Most numbers (rows x pixels) the PCA initialisation works on.
_PCA_BUDGET = 25_000_000


class FaceAutoencoder(TransformerMixin, ImageEstimatorMixin, BaseNeuralEstimator):
    """Convolutional face autoencoder: images -> linear code -> images.

    The HyperEncoder seed's model made right: an encoder (the seed's
    truncated AlexNet with HyperFace's side branches, or a light DCGAN-style
    strided-conv encoder) compresses a face into ``embedding_dim`` numbers and
    a DCGAN decoder (transposed convolutions) rebuilds an ``output_size``
    image from them. Unlike the seed, inputs are normalised (per-channel mean
    and standard deviation of the training images, not raw 0-255 BGR), the
    code is linear (the seed's ReLU made every code non-negative, wasting
    half of each dimension), batch norm is an option, and the loss can be
    ``'l1'`` or ``'mse+ssim'`` as well as the seed's ``'mse'``.

    As a transformer, :meth:`transform` gives the codes (features for any
    scikit-learn estimator) and :meth:`inverse_transform` decodes them;
    :meth:`score` is the mean PSNR of the reconstructions, so
    ``GridSearchCV`` can choose ``embedding_dim``, and :meth:`score_samples`
    is the negative reconstruction error of each image, for anomaly
    detection (a face the model was not trained on, or no face at all,
    reconstructs worse; the error is relative to the image's own contrast,
    so that smooth non-faces do not pass for typical faces).

    Images may be grey or RGB, uint8 or float in [0, 1], of any size: they
    are resized to ``input_size`` for the encoder and to ``output_size`` for
    the reconstruction target. The number of channels is learned in
    ``fit`` (grey only if every training image is grey); afterwards RGB
    input to a grey model is converted to grey (BT.601 luma) and grey input
    to an RGB model is replicated to three channels.

    Parameters
    ----------
    embedding_dim : int, default=128
        Size of the code, ``1 <= embedding_dim < 512``. The seed's bound:
        the fully connected layer that feeds the code has 512 units, and an
        autoencoder's code must be narrower than the layers around it to be
        a bottleneck (with 512 or more numbers the network could pass its
        hidden layer through unchanged).
    encoder : {'dcgan', 'hyperface'}, default='dcgan'
        ``'hyperface'`` is the seed's truncated AlexNet with HyperFace's two
        side branches fused at 7x7 (:class:`skface.nn.HyperFaceEncoder`, 227x227
        input by default; about 30 times the work of ``'dcgan'`` per image,
        a GPU model). ``'dcgan'`` is four strided 4x4 convolutions
        (:class:`skface.nn.DCGANEncoder`), practical on a CPU at 64x64.
    input_size : int or None, default=None
        Side of the encoder's input; None: 227 for ``'hyperface'``, 64 for
        ``'dcgan'``. At least 64 (hyperface) or 16 (dcgan).
    output_size : {64, 128}, default=64
        Side of the reconstructed images.
    width : int, default=32
        Base width of the DCGAN encoder and of the decoder (channels next to
        the full-size image; doubled at each halving, up to 8x).
    output_activation : {'linear', 'sigmoid', 'tanh'}, default='linear'
        Last activation of the decoder, mapped to [0, 1]: ``'linear'`` (no
        saturation while training; outputs clipped to [0, 1] afterwards),
        ``sigmoid``, or DCGAN's ``tanh`` as ``(tanh(z) + 1) / 2``.
    linear_path : {'pca', 'none'}, default='pca'
        ``'pca'`` adds a linear path beside the convolutional encoder
        (flattened input -> code) and decoder (code -> image), initialised
        from the principal components of the training images (with their
        mirrored and shifted copies, see ``horizontal_flip`` and
        ``max_shift``) while the convolutional paths'
        last layers start at zero: training starts from PCA's reconstruction
        and the convolutions learn what PCA misses (the linear path itself
        trains at ``lr * linear_lr_scale``). On 300 Olivetti faces a
        plain DCGAN autoencoder stays well below PCA at the same code size
        after 100 epochs (see ``benchmarks/bench_autoencoders.py``).
        ``'none'`` is the plain convolutional autoencoder of the seed.
    batch_norm : bool, default=True
        Batch norm in the encoder and the decoder.
    loss : {'mse', 'l1', 'mse+ssim'}, default='mse'
        Reconstruction loss; ``'mse+ssim'`` adds ``0.05 * (1 - SSIM)``.
    horizontal_flip : bool, default=True
        Mirror a random half of each training batch (augmentation).
    max_shift : int, default=2
        Shift each training image (and its target) by a random whole number
        of pixels, up to ``max_shift`` (in ``output_size`` pixels) in each
        direction, the border repeating the edge pixels. The PCA
        initialisation sees the same augmentation (mirrored copies and
        copies shifted by ``max_shift`` in the 8 directions): on Olivetti's
        unseen people this alone takes the start from 25.4 to 26.3 dB.
        0 disables it.
    linear_lr_scale : float, default=0.01
        Learning rate of the PCA-initialised linear path relative to ``lr``.
        That path starts at the least-squares optimum of the (augmented)
        training faces; at the full rate Adam's first steps (about ``lr``
        per weight, whatever the gradient) wreck it and the test error on
        unseen people rises, while the convolutional paths, starting at
        zero, need the full rate. 0 freezes the linear path. (Olivetti,
        persons 30-39 unseen, 128 numbers, 15 epochs: 26.26 dB at the start,
        26.25 with 0.01, 26.10 with 0.1; the old scale 1 lost about 0.8 dB
        in the first epochs.)
    lr_schedule : {'cosine', 'constant'}, default='cosine'
        ``'cosine'`` decays the learning rates (``lr``, and
        ``lr * linear_lr_scale``) towards 0 over the ``max_epochs`` of each
        ``fit`` call.
    optimizer : str or torch.optim.Optimizer subclass, default='adam'
        ``'adam'``, ``'adamw'``, ``'nadam'``, ``'rmsprop'``, ``'sgd'`` or an
        optimizer class.
    lr : float, default=1e-3
        (Initial) learning rate.
    weight_decay : float, default=0.0
        Optimizer weight decay.
    batch_size : int, default=32
        Mini-batch size (also used when encoding and decoding).
    max_epochs : int, default=50
        Passes over the training images.
    validation_fraction : float, default=0.0
        Fraction of the images held out to record ``valid_loss``.
    early_stopping : bool, default=False
        Stop when the validation (or training) loss has not improved for
        ``n_iter_no_change`` epochs, and keep the best weights.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (see :class:`skface.neural.BaseNeuralEstimator`).
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit``.
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
        Seeds initialisation, shuffling, flips and the validation split;
        the caller's global torch RNG is left untouched.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar.

    Attributes
    ----------
    n_channels_ : int
        1 (grey) or 3 (RGB), learned from the training images.
    input_size_ : int
        Side of the encoder's input.
    input_mean_, input_std_ : ndarray of shape (n_channels,)
        Per-channel normalisation of the encoder's input.
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is a :class:`skface.nn.FaceAutoencoderNet`.
    history_ : skorch.History
        Per-epoch ``train_loss`` (and ``valid_loss``) and ``dur``.
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    sklearn.decomposition.PCA : The linear baseline (eigenfaces).
    skface.nn.FaceAutoencoderNet : The PyTorch module.

    References
    ----------
    .. [1] R. Ranjan, V. M. Patel, R. Chellappa, "HyperFace: A Deep
       Multi-task Learning Framework for Face Detection, Landmark
       Localization, Pose Estimation, and Gender Recognition", 2016.
    .. [2] A. Radford, L. Metz, S. Chintala, "Unsupervised Representation
       Learning with Deep Convolutional Generative Adversarial Networks",
       2015.

    Examples
    --------
    >>> from skface.autoencoders import FaceAutoencoder
    >>> from skface.datasets import make_synthetic_faces
    >>> faces = make_synthetic_faces(8, size=32, random_state=0)
    >>> ae = FaceAutoencoder(16, width=8, max_epochs=2, random_state=0)
    >>> codes = ae.fit(faces.images).transform(faces.images)
    >>> codes.shape, ae.inverse_transform(codes).shape
    ((8, 16), (8, 64, 64, 3))
    """

    _net_class = _AutoencoderNet
    _fitted_attributes = ("n_channels_", "input_size_", "input_mean_", "input_std_")

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "embedding_dim": [Interval(Integral, 1, 512, closed="left")],
        "encoder": [StrOptions({"hyperface", "dcgan"})],
        "input_size": [Interval(Integral, 16, None, closed="left"), None],
        "output_size": [Options(Integral, {64, 128})],
        "width": [Interval(Integral, 1, None, closed="left")],
        "output_activation": [StrOptions({"sigmoid", "tanh", "linear"})],
        "linear_path": [StrOptions({"pca", "none"})],
        "batch_norm": ["boolean"],
        "loss": [StrOptions({"mse", "l1", "mse+ssim"})],
        "horizontal_flip": ["boolean"],
        "max_shift": [Interval(Integral, 0, None, closed="left")],
        "linear_lr_scale": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions({"cosine", "constant"})],
    }

    def __init__(
        self,
        embedding_dim=128,
        *,
        encoder="dcgan",
        input_size=None,
        output_size=64,
        width=32,
        output_activation="linear",
        linear_path="pca",
        batch_norm=True,
        loss="mse",
        horizontal_flip=True,
        max_shift=2,
        linear_lr_scale=0.01,
        lr_schedule="cosine",
        optimizer="adam",
        lr=1e-3,
        weight_decay=0.0,
        batch_size=32,
        max_epochs=50,
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
        self.embedding_dim = embedding_dim
        self.encoder = encoder
        self.input_size = input_size
        self.output_size = output_size
        self.width = width
        self.output_activation = output_activation
        self.linear_path = linear_path
        self.batch_norm = batch_norm
        self.loss = loss
        self.horizontal_flip = horizontal_flip
        self.max_shift = max_shift
        self.linear_lr_scale = linear_lr_scale
        self.lr_schedule = lr_schedule
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

    # ------------------------------------------------------------------
    # network

    def _net_params(self) -> dict:
        params = {
            "module": FaceAutoencoderNet,
            "module__encoder": self.encoder,
            "module__in_channels": int(self.n_channels_),
            "module__embedding_dim": int(self.embedding_dim),
            "module__output_size": int(self.output_size),
            "module__n_filters": int(self.width),
            "module__batch_norm": bool(self.batch_norm),
            "module__output_activation": self.output_activation,
            "module__mean": [float(v) for v in self.input_mean_],
            "module__std": [float(v) for v in self.input_std_],
            "module__linear_path": self.linear_path == "pca",
            "module__input_size": int(self.input_size_),
            "linear_init": getattr(self, "_linear_init", None),
            "criterion": ReconstructionLoss,
            "criterion__kind": self.loss,
            "horizontal_flip": bool(self.horizontal_flip),
            "max_shift": int(self.max_shift),
        }
        if self.linear_path == "pca":
            params["optimizer__param_groups"] = [
                ("linear_*", {"lr_scale": float(self.linear_lr_scale)})
            ]
        return params

    def _all_callbacks(self) -> list:
        callbacks = super()._all_callbacks()
        cosine = self.lr_schedule == "cosine"
        callbacks.insert(0, ("lr_schedule", CosineLR(cosine=cosine)))
        return callbacks

    def _check_sizes(self) -> int:
        size = self.input_size
        if size is None:
            return _DEFAULT_INPUT_SIZE[self.encoder]
        if size < _MIN_INPUT_SIZE[self.encoder]:
            raise ValueError(
                f"input_size={size} is too small for encoder={self.encoder!r}; "
                f"use at least {_MIN_INPUT_SIZE[self.encoder]}"
            )
        return int(size)

    # ------------------------------------------------------------------
    # data

    def _images(self, X):
        """Validated float32 images with the fitted number of channels."""
        channels = "grey" if self.n_channels_ == 1 else "rgb"
        return check_images(X, dtype="float32", channels=channels, stack=False)

    def _inputs_targets(self, X, *, inputs=True, targets=True):
        sizes = ([self.input_size_] if inputs else []) + (
            [int(self.output_size)] if targets else []
        )
        return _prepare(self._images(X), self.n_channels_, sizes)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder on face images.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face images (e.g. aligned chips from
            :class:`skface.alignment.FaceExtractor`), grey or RGB, any size.
        y : None
            Ignored (accepted so that the estimator fits in a ``Pipeline``).

        Returns
        -------
        self : FaceAutoencoder
            Fitted estimator.
        """
        input_size = self._check_sizes()
        warm = self.warm_start and self.__sklearn_is_fitted__()
        if not warm:
            images = check_images(X, dtype="float32", channels="keep", stack=False)
            self.n_channels_ = 3 if any(im.ndim == 3 for im in images) else 1
            self.input_size_ = input_size
        inputs, targets = self._inputs_targets(X)
        if not warm:
            self.input_mean_ = inputs.mean(axis=(0, 2, 3)).astype(np.float64)
            self.input_std_ = np.maximum(inputs.std(axis=(0, 2, 3)), 1e-3).astype(
                np.float64
            )
            if self.linear_path == "pca":
                self._linear_init = self._pca_init(inputs, targets)
        try:
            self._fit_net(inputs, targets)
        finally:
            self.__dict__.pop("_linear_init", None)
        self.net_.linear_init = None  # big arrays, needed only to initialise
        return self

    def _augment(self, inputs, targets):
        """The training augmentation as extra rows, for the PCA initialisation.

        Mirror images (``horizontal_flip``) and copies shifted by
        ``max_shift`` pixels in the 8 directions; shifted copies are a random
        (fixed-seed) subset when all of them would exceed ``_PCA_BUDGET``
        numbers.
        """
        if self.horizontal_flip:
            inputs = np.concatenate([inputs, inputs[..., ::-1]])
            targets = np.concatenate([targets, targets[..., ::-1]])
        s = int(self.max_shift)
        n = len(inputs)
        n_extra = min(8 * n, max(0, _PCA_BUDGET // inputs[0].size - n))
        if not s or not n_extra:
            return inputs, targets
        offsets = torch.tensor([(i, j) for i in (-s, 0, s) for j in (-s, 0, s)])
        offsets = offsets[(offsets != 0).any(1)]  # (8, 2)
        pick = np.random.default_rng(0).choice(8 * n, n_extra, replace=False)
        rows, which = pick // 8, torch.from_numpy(pick % 8)
        xs, ys = _shift_pair(
            torch.from_numpy(inputs[rows]),
            torch.from_numpy(targets[rows]),
            offsets[which, 0],
            offsets[which, 1],
        )
        inputs = np.concatenate([inputs, xs.numpy()])
        return inputs, np.concatenate([targets, ys.numpy()])

    def _pca_init(self, inputs, targets):
        """Linear-path weights: PCA of the inputs, least squares to targets.

        Both on the training images plus their augmented copies (see
        :meth:`_augment`): eigenfaces of mirrored and shifted faces
        generalise better to unseen people.
        """
        inputs, targets = self._augment(inputs, targets)
        mean = self.input_mean_.astype(np.float32)[:, None, None]
        std = self.input_std_.astype(np.float32)[:, None, None]
        xn = ((inputs - mean) / std).reshape(len(inputs), -1)
        mu = xn.mean(axis=0, dtype=np.float64)
        xc = xn - mu.astype(np.float32)
        k = min(int(self.embedding_dim), *xc.shape)
        if min(xc.shape) > 2 * k + 20:
            vt = randomized_svd(xc, k, n_iter=4, random_state=0)[2]
        else:
            vt = np.linalg.svd(xc.astype(np.float64), full_matrices=False)[2][:k]
        enc_w = np.zeros((int(self.embedding_dim), xn.shape[1]))
        enc_w[:k] = vt
        codes = xc.astype(np.float64) @ enc_w.T
        t = targets.reshape(len(targets), -1).astype(np.float64)
        if self.output_activation != "linear":  # fit the logits
            t = np.clip(t, 0.02, 0.98)
            t = np.log(t / (1 - t)) * (0.5 if self.output_activation == "tanh" else 1)
        design = np.hstack([codes, np.ones((len(codes), 1))])
        sol = np.linalg.lstsq(design, t, rcond=None)[0]  # (d + 1, C * O * O)
        as32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
        return (
            as32(enc_w),
            as32(-enc_w @ mu),
            as32(sol[:-1].T),
            as32(sol[-1]),
        )

    # ------------------------------------------------------------------
    # inference

    def _run(self, method: str, data: np.ndarray) -> np.ndarray:
        """Apply ``net_.module_.<method>`` to ``data`` in eval mode, batched."""
        module = self.net_.module_
        device = self.net_.device
        was_training = module.training
        module.eval()
        out = []
        try:
            with torch.no_grad():
                for start in range(0, len(data), int(self.batch_size)):
                    batch = torch.from_numpy(data[start : start + self.batch_size])
                    out.append(getattr(module, method)(batch.to(device)).cpu().numpy())
        finally:
            module.train(was_training)
        return np.concatenate(out).astype(np.float32, copy=False)

    def transform(self, X):
        """Encode images into their codes.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.

        Returns
        -------
        codes : ndarray of shape (n_samples, embedding_dim), float32
            Linear codes (any sign).
        """
        check_is_fitted(self)
        (inputs,) = self._inputs_targets(X, targets=False)
        return self._run("encode", inputs)

    def inverse_transform(self, X):
        """Decode codes into images.

        Parameters
        ----------
        X : array-like of shape (n_samples, embedding_dim)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        images : ndarray of shape (n_samples, output_size, output_size[, 3])
            float32 in [0, 1]; grey models give ``(n, S, S)`` (the image
            contract's grey layout), RGB models ``(n, S, S, 3)``.
        """
        check_is_fitted(self)
        codes = check_array(X, dtype=np.float32, input_name="X")
        if codes.shape[1] != self.embedding_dim:
            raise ValueError(
                f"X has {codes.shape[1]} columns but the codes of this model have "
                f"embedding_dim={self.embedding_dim}"
            )
        return _channels_last(self._run("decode", np.ascontiguousarray(codes)))

    def _reconstruct_with_targets(self, X):
        inputs, targets = self._inputs_targets(X)
        recon = self._run("forward", inputs)
        return recon, targets

    def reconstruct(self, X):
        """Encode and decode images (``inverse_transform(transform(X))``).

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.

        Returns
        -------
        images : ndarray of shape (n_samples, output_size, output_size[, 3])
            float32 in [0, 1].
        """
        check_is_fitted(self)
        (inputs,) = self._inputs_targets(X, targets=False)
        return _channels_last(self._run("forward", inputs))

    def score_samples(self, X):
        """Anomaly score: negative relative reconstruction error per image.

        ``-mean((r - x) ** 2) / (var(x) + 1e-3)``, with ``x`` the image
        resized to ``output_size`` (intensities in [0, 1]), ``r`` its
        reconstruction and ``var(x)`` the variance of the image's own
        pixels: one minus the fraction of the image's contrast that the
        model explains (like ``1 - R^2``). Higher means more typical of the
        training images. The plain squared error is not used because it
        ranks smooth, low-contrast images (a wall, the sky) as the most
        typical of all: they are easy to reconstruct whatever the model
        learned; relative to their own small variance their error is large.
        The 1e-3 floor (a standard deviation of about 0.03) keeps
        flat images from dividing by zero. A model that reconstructs unseen
        faces well also reconstructs other images fairly well: on
        scikit-image's LFW subset (30 held-out faces vs 100 non-faces) the
        default model reaches a ROC AUC of about 0.72, a plain
        convolutional one (``linear_path='none'``) about 0.94, and the plain
        squared error below 0.5 (see ``benchmarks/bench_autoencoders.py``).

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            At most 0 (perfect reconstruction); about -1 when the
            reconstruction explains none of the image's contrast.
        """
        check_is_fitted(self)
        recon, targets = self._reconstruct_with_targets(X)
        n = len(recon)
        recon = recon.reshape(n, -1).astype(np.float64)
        targets = targets.reshape(n, -1).astype(np.float64)
        err = ((recon - targets) ** 2).mean(axis=1)
        return -err / (targets.var(axis=1) + 1e-3)

    def score(self, X, y=None):
        """Mean PSNR (dB) of the reconstructions, higher is better.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Images; each is compared with itself resized to ``output_size``.
        y : None
            Ignored.

        Returns
        -------
        psnr : float
            :func:`skface.metrics.psnr` of reconstructions vs inputs.
        """
        check_is_fitted(self)
        recon, targets = self._reconstruct_with_targets(X)
        return psnr(_channels_last(targets), _channels_last(recon))
