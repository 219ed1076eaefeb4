"""LatentDecoder: face chips decoded from landmarks and a tiny thumbnail."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from ..metrics import psnr
from ..neural import BaseNeuralEstimator
from ..nn import PixelShuffleDecoder
from ..nn._latent_decoder import _n_blocks
from ..utils._image import resize
from ..utils.validation import check_images

__all__ = ["LatentDecoder"]

_LOSSES = {"l1": nn.L1Loss, "mse": nn.MSELoss}


def resize_chips(chips, size):
    """Float32 ``(n, size, size[, C])`` batch from a list of float32 images.

    :func:`skface.utils.resize`: shrinking area-averages, enlarging is
    bilinear.
    """
    out = [np.clip(resize(chip, size), 0.0, 1.0) for chip in chips]
    return np.stack(out).astype(np.float32, copy=False)


class LatentDecoder(BaseNeuralEstimator):
    """Decode face chips from feature vectors (the FaceSwap "latent model").

    A generator trained end to end, image as target and features extracted
    from it as input: the FaceSwap seed's latent model, whose best input was
    the 68 landmarks (in chip coordinates) plus an 8x8x3 thumbnail of the
    chip. A dense layer maps the standardised features to a 4x4 map, then
    pixel-shuffle blocks (:class:`skface.nn.PixelShuffleDecoder`) upsample
    it to ``output_size``; the loss is the L1 distance between the generated
    and the true chip. Features from *other* faces (a different thumbnail,
    moved landmarks) give a face with their pose and colours: that is what
    :class:`FaceAnonymizer` uses.

    Parameters
    ----------
    output_size : int, default=64
        Side of the generated chips: 4 times a power of two (8, 16, 32, 64,
        128...). Training chips of another size are resized to it.
    width : int, default=16
        Channels of the last (full-resolution) feature map; each earlier one
        has twice as many, at most ``max_channels``.
    max_channels : int, default=256
        Cap on the channels of the small early feature maps.
    loss : {'l1', 'mse'}, default='l1'
        Pixel loss: the seed's L1 (sharper) or the squared error.
    optimizer : str or torch.optim.Optimizer subclass, default='adam'
        ``'adam'``, ``'adamw'``, ``'nadam'``, ``'rmsprop'``, ``'sgd'`` or an
        optimizer class.
    lr : float, default=1e-3
        Learning rate.
    weight_decay : float, default=0.0
        Optimizer weight decay.
    batch_size : int, default=32
        Mini-batch size.
    max_epochs : int, default=50
        Passes over the training data.
    validation_fraction : float, default=0.0
        Fraction held out to record ``valid_loss``; 0 trains on everything.
    early_stopping : bool, default=False
        Stop when the validation (or training) loss stalls for
        ``n_iter_no_change`` epochs, keeping the best weights.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, used as given.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit`` (the
        feature standardisation of the first fit is kept).
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
        Seeds initialisation and shuffling: an int gives identical weights.
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
        The trained net; ``net_.module_`` is the decoder.
    history_ : skorch.History
        Per-epoch ``train_loss`` (and ``valid_loss``).
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    FaceAnonymizer : Photos in, the same photos with generated faces out.
    skface.features.ThumbnailFeatures : The 8x8x3 appearance features.

    References
    ----------
    W. Shi et al., "Real-time single image and video super-resolution using
    an efficient sub-pixel convolutional neural network", CVPR 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.autoencoders import LatentDecoder
    >>> rng = np.random.RandomState(0)
    >>> features = rng.normal(size=(16, 10))
    >>> chips = rng.uniform(size=(16, 16, 16, 3))
    >>> dec = LatentDecoder(output_size=16, width=4, max_epochs=2, random_state=0)
    >>> dec.fit(features, chips).predict(features).shape
    (16, 16, 16, 3)
    """

    _fitted_attributes = (
        "n_features_in_",
        "n_channels_",
        "feature_mean_",
        "feature_scale_",
    )

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "output_size": [Interval(Integral, 8, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "max_channels": [Interval(Integral, 1, None, closed="left")],
        "loss": [StrOptions(set(_LOSSES))],
    }

    def __init__(
        self,
        output_size=64,
        *,
        width=16,
        max_channels=256,
        loss="l1",
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
        self.output_size = output_size
        self.width = width
        self.max_channels = max_channels
        self.loss = loss
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

    def _net_params(self) -> dict:
        return {
            "module": PixelShuffleDecoder,
            "module__n_inputs": int(self.n_features_in_),
            "module__output_size": int(self.output_size),
            "module__n_channels": int(self.n_channels_),
            "module__width": int(self.width),
            "module__max_channels": int(self.max_channels),
            "criterion": _LOSSES[self.loss],
        }

    # ------------------------------------------------------------------ data
    def _check_chips(self, y, n_samples, name="y"):
        """Float32 ``(n, C, S, S)`` targets from images of any size."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None; y must be the face chips to generate, (n_samples, H, "
                "W[, C]) images"
            )
        if isinstance(y, np.ndarray) and y.ndim < 3:
            raise ValueError(
                f"{name} must be images of shape (n_samples, H, W[, C]) (the face "
                f"chips to decode), got an array of shape {y.shape}"
            )
        chips = check_images(
            y, dtype="float32", channels="keep", stack=False, name=name
        )
        if len(chips) != n_samples:
            raise ValueError(
                f"X has {n_samples} feature rows but {name} has {len(chips)} chips"
            )
        if any(c.ndim == 3 for c in chips):  # some colour: all colour
            chips = [c if c.ndim == 3 else np.repeat(c[..., None], 3, 2) for c in chips]
        batch = resize_chips(chips, int(self.output_size))
        if batch.ndim == 3:
            batch = batch[..., None]
        return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))  # (n, C, S, S)

    def _scale(self, X):
        return ((X - self.feature_mean_) / self.feature_scale_).astype(np.float32)

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn to decode the chips ``y`` from the features ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature vectors, e.g. chip landmarks and thumbnails (see
            :class:`FaceAnonymizer`).
        y : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            The face chips to generate; uint8, uint16 or float in ``[0, 1]``,
            grey or RGB, resized to ``output_size``.

        Returns
        -------
        self : LatentDecoder
            Fitted estimator.
        """
        _n_blocks(self.output_size)  # ValueError unless 4 * 2**k
        warm = self.warm_start and self.__sklearn_is_fitted__()
        X = validate_data(self, X, dtype=np.float64, reset=not warm)
        target = self._check_chips(y, len(X))
        if warm:
            if target.shape[1] != self.n_channels_:
                raise ValueError(
                    f"warm_start: y has {target.shape[1]} channels but the network "
                    f"was trained on {self.n_channels_}"
                )
        else:
            self.n_channels_ = int(target.shape[1])
            self.feature_mean_ = X.mean(axis=0)
            std = X.std(axis=0)
            self.feature_scale_ = np.where(std > 1e-12, std, 1.0)
        return self._fit_net(self._scale(X), target)

    # ------------------------------------------------------------- inference
    def predict(self, X):
        """Generate one chip per feature vector.

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
        out = self._forward(self._scale(X)).transpose(0, 2, 3, 1)
        out = np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)
        return np.ascontiguousarray(out[..., 0] if self.n_channels_ == 1 else out)

    def score(self, X, y):
        """Mean PSNR (dB) of the generated chips against ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature vectors.
        y : (n_samples, H, W[, C]) images
            True chips, resized to ``output_size``.

        Returns
        -------
        score : float
            Mean per-chip PSNR (data range 1); higher is better.
        """
        pred = self.predict(X)
        true = self._check_chips(y, len(pred)).transpose(0, 2, 3, 1)
        if true.shape[-1] != (1 if pred.ndim == 3 else pred.shape[-1]):
            raise ValueError(
                f"y has {true.shape[-1]} channels, the decoder makes {self.n_channels_}"
            )
        return psnr(true.reshape(pred.shape), pred)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
