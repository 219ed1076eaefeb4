"""HeadTurnGenerator: one yaw-conditioned network that turns a face's head."""

from __future__ import annotations

import dataclasses
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin, _fit_context
from sklearn.utils import Bunch
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..alignment._photo_faces import photo_face_landmarks
from ..base import ImageEstimatorMixin
from ..datasets import make_head_turn_pairs
from ..landmarks import estimate_head_pose
from ..neural._base import BaseNeuralEstimator
from ..neural._multi import MultiModuleNet
from ..neural._net import _to_device
from ..nn import (
    FLOW_INTERPOLATIONS,
    HEAD_TURN_OUTPUTS,
    SWAP_LOSSES,
    HeadTurnNet,
    masked_reconstruction_loss,
)
from ..utils._image import resize
from ..utils._optional import import_cv2
from ..utils.validation import check_images, stack_if_same_shape
from ._base import PhotoFrontEndMixin

__all__ = ["HeadTurnGenerator"]

#: Frames of :meth:`HeadTurnGenerator.transform` when ``frame_yaws`` is None.
DEFAULT_FRAME_YAWS = np.linspace(-20.0, 20.0, 9)

#: Border of the chip left out of the region pasted back (fraction of its side).
_PASTE_MARGIN = 0.06


class _HeadTurnTrainNet(MultiModuleNet):
    """Trains a :class:`~skface.nn.HeadTurnNet` on pairs within groups (private).

    The dataset's ``X`` holds target indices; ``train_data`` (set for a fit
    only) holds every image ``(M, C, S, S)``, its yaw (degrees / 90) and
    the first row and size of its pool of sources (rows sorted by group:
    the whole group, or only its first row, the real face). Each step draws
    for every target a source uniformly from its pool (the target itself
    may be drawn: the identity pair) from the forked torch RNG, mirrors half of
    the pairs (and negates their yaws), and fits the turned source to the
    target with ``masked_reconstruction_loss`` (unit weights).
    """

    module_names = ("generator",)

    def __init__(
        self, *args, loss_kind="ssim+l1", ssim_weight=0.5, flip=True,
        train_data=None, **kwargs,
    ):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.loss_kind = loss_kind
        self.ssim_weight = ssim_weight
        self.flip = flip
        self.train_data = train_data

    def _data(self):
        data = self.train_data
        if data is None:
            raise ValueError(
                "this net has no training data (it is set by HeadTurnGenerator.fit)"
            )
        if data["images"].device.type != torch.device(self.device).type:
            data = {k: v.to(self.device) for k, v in data.items()}
            self.train_data = data
        return data

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        data = self._data()
        target = _to_device(batch[0], self.device).long()
        start, size = data["start"][target], data["size"][target]
        pick = torch.rand(len(target), device=self.device) * size
        source = start + pick.long().clamp_max(size - 1)
        x, y = data["images"][source], data["images"][target]
        t, s = data["yaws"][target], data["yaws"][source]
        if self.flip:
            m = torch.rand(len(target), device=self.device) < 0.5
            x = torch.where(m[:, None, None, None], x.flip(-1), x)
            y = torch.where(m[:, None, None, None], y.flip(-1), y)
            t = torch.where(m, -t, t)
            s = torch.where(m, -s, s)
        pred = self.generator_(x, t, s)
        ones = torch.ones_like(y[:, :1])
        loss = masked_reconstruction_loss(
            pred, y, ones, self.loss_kind, float(self.ssim_weight)
        )
        self.step_module("generator", loss, batch)
        return {"loss": loss.detach(), "y_pred": pred.detach()}

    def validation_step(self, batch, **fit_params):
        raise ValueError("HeadTurnGenerator trains without a validation split")


class HeadTurnGenerator(
    ImageEstimatorMixin, TransformerMixin, PhotoFrontEndMixin, BaseNeuralEstimator
):
    """Turn a face's head (yaw) with one yaw-conditioned network.

    The seed behind this estimator drew a head turn with one autoencoder per
    frame transition, each fed the previous one's output: errors added up
    from frame to frame and faces it had not seen failed. Here one
    encoder-decoder (:class:`skface.nn.HeadTurnNet`: a U-Net whose every
    stage is modulated by the target yaw) turns a face chip to *any* yaw,
    and every frame of a sequence is drawn from the source chip directly:
    nothing is chained, so nothing drifts.

    Training pairs are a face at one yaw and the same face at another.
    With ``y=None`` they are made from the training faces themselves by
    :func:`skface.datasets.make_head_turn_pairs` (a 3-D-aware warp driven
    by each face's 68 landmarks, to the ``synthetic_yaws``), each view
    paired with the real face it was made from (and the face with itself at
    its own, estimated, yaw): the network learns to turn a real face, which
    is what it gets in :meth:`transform`. (Pairs of two warped views, e.g.
    -20 to +20, teach nothing a real input needs and are much harder: on
    one face they took several times the steps to fit.) With
    real views of people at known yaws, pass the yaws as ``y`` and the
    person (or video) of each image as ``groups``; every step pairs each
    image with a random image of its group. Real and synthetic data mix by
    concatenation: ``pairs = make_head_turn_pairs(faces)``, then
    ``fit(concat(real, faces, pairs.images), concat(real_yaws,
    pairs.source_yaws, pairs.yaws), groups=concat(real_ids, k + arange(n),
    k + pairs.groups))`` with group numbers that do not collide.

    Parameters
    ----------
    image_size : int, default=64
        Side of the chips the network sees and draws (even, >= 8).
    width : int, default=32
        Channels of the network's first stage (doubled per halving, up to
        ``8 * width``). On a CPU, 16 trains about 3.5 times faster.
    n_yaw_features : int, default=32
        Size of the yaw embedding.
    output : {'flow', 'residual', 'image'}, default='flow'
        ``'flow'``: a predicted backward flow moves the source's pixels, a
        residual corrects their shading and a blend mask mixes in drawn
        pixels where nothing can be moved (keeps the source's detail);
        ``'residual'``: the source plus a predicted change (the seed's);
        ``'image'``: drawn directly. (The three have not yet been
        compared on real faces; ``'flow'`` is the default because it starts
        as the identity and moves pixels instead of redrawing them.)
    condition_on_source : bool, default=False
        Also give the network the source's yaw (training: the pair's; in
        :meth:`transform`: ``source_yaws``, or estimated from the chips'
        landmarks). Without it, the network reads the source's pose off the
        image and ``yaws`` are absolute.
    interpolation : {'bicubic', 'bilinear'}, default='bicubic'
        How the ``'flow'`` output samples the source's pixels. Bilinear
        sampling at fractional offsets blurs the moved pixels; on 200 unseen
        faces, one trained model's frames had a Laplacian sharpness ratio
        of 0.66 (bilinear) and 0.84 (bicubic) against the photos, the
        landmark warp 0.82 (``benchmarks/RESULTS.md``, "Head turn").
    frame_yaws : array-like of float, default=None
        Yaws (degrees) of :meth:`transform`'s frames; None:
        ``np.linspace(-20, 20, 9)``.
    synthetic_yaws : tuple of float, default=(-20, -10, 0, 10, 20)
        Target yaws of the synthetic views made when ``fit`` gets no ``y``.
    loss : {'ssim+l1', 'l1'}, default='ssim+l1'
        Pixel loss (:func:`skface.nn.masked_reconstruction_loss`, uniform
        weights).
    ssim_weight : float, default=0.5
        Weight of ``1 - SSIM`` in ``'ssim+l1'``.
    horizontal_flip : bool, default=True
        Mirror half of the training pairs (and negate their yaws).
    extractor : FaceExtractor, default=None
        Aligns the faces of photos in :meth:`turn_head` (cloned, its
        ``output_size`` set to ``image_size``); None: ``FaceExtractor()``.
        Train on chips aligned the same way.
    reconstructor : FaceReconstructor, default=None
        Pastes the turned chips back in :meth:`turn_head`; None:
        ``FaceReconstructor(blend='poisson', color_match='mean_std')``.
    faces : {'all', 'largest'}, default='all'
        Turn every face of each photo in :meth:`turn_head`, or only the
        largest (a detector's false positive, e.g. a badge, is then left
        alone).
    on_missing : {'raise', 'keep', 'whole'}, default='raise'
        A photo without a face in :meth:`turn_head`: a ``ValueError``
        naming it, its frames unchanged (``'keep'``), or the whole photo
        taken as the face. (Training faces whose landmarks cannot be found
        are skipped with a warning.)
    optimizer, lr, weight_decay, batch_size, max_epochs, callbacks, \
warm_start, device, random_state, verbose
        See :class:`~skface.neural.BaseNeuralEstimator`. An epoch is one
        pass over the training images as targets.
    amp : bool, default=False
        Mixed-precision training: float16 autocast with gradient scaling on
        CUDA, bfloat16 autocast on the CPU; inference stays in float32.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        several GPUs under ``accelerate launch``, mixed precision from its
        ``mixed_precision``; ``device`` is then ``'auto'`` or the
        accelerator's device. Not saved by ``save``. See :ref:`gpu_training`.

    Attributes
    ----------
    n_channels_ : int
        1 (trained on grey images) or 3.
    n_images_fit_ : int
        Training images (with ``y=None``: the faces kept plus their
        synthetic views).
    yaw_range_ : ndarray of shape (2,)
        Smallest and largest training yaw (degrees); further yaws are
        extrapolation.
    extractor_ : FaceExtractor
        Aligns the faces of photos (:meth:`turn_head`).
    reconstructor_ : FaceReconstructor
        Pastes them back.
    net_ : skorch net
        The trained network (``net_.generator_``).

    See Also
    --------
    skface.datasets.make_head_turn_pairs : The synthetic training views.
    skface.landmarks.estimate_head_pose : Yaw of a face from its landmarks.
    skface.utils.save_animation : Frames to an animated GIF.

    References
    ----------
    Seed 004, "imageInference" (one convolutional autoencoder per frame
    transition, chained).

    Examples
    --------
    >>> from skface.datasets import make_synthetic_faces
    >>> from skface.generation import HeadTurnGenerator
    >>> faces = make_synthetic_faces(4, size=64, random_state=0)
    >>> gen = HeadTurnGenerator(16, width=2, n_yaw_features=4, max_epochs=1,
    ...                         device="cpu", random_state=0)
    >>> gen = gen.fit(faces.images)
    >>> gen.transform(faces.images, yaws=[-20, 0, 20]).shape
    (4, 3, 16, 16, 3)
    """

    _net_class = _HeadTurnTrainNet
    _fitted_attributes = ("n_channels_", "n_images_fit_", "yaw_range_")

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "image_size": [Interval(Integral, 8, None, closed="left")],
        "width": [Interval(Integral, 1, None, closed="left")],
        "n_yaw_features": [Interval(Integral, 1, None, closed="left")],
        "output": [StrOptions(set(HEAD_TURN_OUTPUTS))],
        "condition_on_source": ["boolean"],
        "faces": [StrOptions({"all", "largest"})],
        "interpolation": [StrOptions(set(FLOW_INTERPOLATIONS))],
        "frame_yaws": ["array-like", None],
        "synthetic_yaws": ["array-like"],
        "loss": [StrOptions(set(SWAP_LOSSES))],
        "ssim_weight": [Interval(Real, 0, None, closed="left")],
        "horizontal_flip": ["boolean"],
        "extractor": [HasMethods(["fit", "extract"]), None],
        "reconstructor": [HasMethods(["reconstruct"]), None],
        "on_missing": [StrOptions({"raise", "keep", "whole"})],
    }
    validation_fraction = 0.0
    early_stopping = False

    def __init__(
        self,
        image_size=64,
        *,
        width=32,
        n_yaw_features=32,
        output="flow",
        condition_on_source=False,
        interpolation="bicubic",
        frame_yaws=None,
        synthetic_yaws=(-20, -10, 0, 10, 20),
        loss="ssim+l1",
        ssim_weight=0.5,
        horizontal_flip=True,
        extractor=None,
        reconstructor=None,
        faces="all",
        on_missing="raise",
        optimizer="adam",
        lr=1e-3,
        weight_decay=0.0,
        batch_size=32,
        max_epochs=30,
        callbacks=None,
        warm_start=False,
        device="auto",
        amp=False,
        accelerator=None,
        random_state=None,
        verbose=0,
    ):
        self.image_size = image_size
        self.width = width
        self.n_yaw_features = n_yaw_features
        self.output = output
        self.condition_on_source = condition_on_source
        self.interpolation = interpolation
        self.frame_yaws = frame_yaws
        self.synthetic_yaws = synthetic_yaws
        self.loss = loss
        self.ssim_weight = ssim_weight
        self.horizontal_flip = horizontal_flip
        self.extractor = extractor
        self.reconstructor = reconstructor
        self.faces = faces
        self.on_missing = on_missing
        self.optimizer = optimizer
        self.lr = lr
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
    def _check_size(self) -> int:
        size = int(self.image_size)
        if size % 2:
            raise ValueError(f"image_size must be even, got {size}")
        return size

    def _net_params(self) -> dict:
        return {
            "generator": HeadTurnNet,
            "generator__in_channels": int(self.n_channels_),
            "generator__image_size": self._check_size(),
            "generator__width": int(self.width),
            "generator__n_yaw_features": int(self.n_yaw_features),
            "generator__output": self.output,
            "generator__condition_on_source": bool(self.condition_on_source),
            "generator__interpolation": self.interpolation,
            "loss_kind": self.loss,
            "ssim_weight": float(self.ssim_weight),
            "flip": bool(self.horizontal_flip),
            # set for a fit only (never saved with the model)
            "train_data": getattr(self, "_train_data", None),
        }

    # ------------------------------------------------------------------ fit
    @staticmethod
    def _yaws(values, name):
        yaws = np.asarray(values, dtype=np.float64)
        if yaws.ndim != 1 or not len(yaws):
            raise ValueError(
                f"{name} must be a 1-D list of yaws in degrees, got shape {yaws.shape}"
            )
        if not np.isfinite(yaws).all():
            raise ValueError(f"{name} must be finite, got {values!r}")
        return yaws

    def _chips(self, images, channels=None) -> np.ndarray:
        """``(n, C, S, S)`` float32 chips of validated float images."""
        size = self._check_size()
        c = self.n_channels_ if channels is None else channels
        out = np.empty((len(images), c, size, size), np.float32)
        for i, im in enumerate(images):
            if im.ndim == 2 and c == 3:
                im = np.repeat(im[..., None], 3, axis=2)
            elif im.ndim == 3 and c == 1:
                im = im @ np.array([0.299, 0.587, 0.114], np.float32)
            r = resize(im, (size, size)).reshape(size, size, -1)
            out[i] = np.clip(r, 0, 1).transpose(2, 0, 1)
        return out

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, groups=None, landmarks=None):
        """Train the network on pairs of views of the same faces.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face chips (aligned like :attr:`extractor_`'s chips for
            :meth:`turn_head`), grey or RGB.
        y : array-like of shape (n_samples,), default=None
            Yaw of each image in degrees (then ``groups`` is required).
            None: synthetic views of every face at ``synthetic_yaws``
            (:func:`~skface.datasets.make_head_turn_pairs`).
        groups : array-like of shape (n_samples,), default=None
            Person or sequence of each image; pairs are drawn within a
            group. Only with ``y``.
        landmarks : array-like of shape (n_samples, 68, 2), default=None
            Landmarks of ``X`` for the synthetic views (``y=None``); None
            finds them (faces without are skipped with a warning).

        Returns
        -------
        self : HeadTurnGenerator
            Fitted estimator.
        """
        self._check_size()
        images = check_images(X, dtype="float32", channels="keep", stack=False)
        warm = self.warm_start and self.__sklearn_is_fitted__()
        n_channels = 3 if any(im.ndim == 3 for im in images) else 1
        if warm and n_channels != self.n_channels_:
            raise ValueError(
                f"warm_start continues a model of {self.n_channels_} channel(s); "
                f"got images with {n_channels}"
            )
        self._fit_front_end(images[:1])
        if y is None:
            if groups is not None:
                raise ValueError(
                    "groups are given without y; pass the yaw of each image as y"
                )
            images, yaws, group = self._synthetic_views(images, landmarks)
            n_sources = 1  # each view is drawn from its real face
        else:
            yaws = self._yaws(y, "y")
            if len(yaws) != len(images):
                raise ValueError(
                    f"y has {len(yaws)} yaws for {len(images)} images; give one "
                    "yaw (degrees) per image"
                )
            if groups is None:
                raise ValueError(
                    "y (yaws) needs groups: the person or sequence of each image, "
                    "so that pairs show the same face"
                )
            group = np.asarray(groups)
            if group.shape != (len(images),):
                raise ValueError(
                    f"groups must be one label per image, got shape {group.shape} "
                    f"for {len(images)} images"
                )
            group = np.unique(group, return_inverse=True)[1]
            n_sources = None  # any image of the group
        self.n_channels_ = n_channels
        chips = self._chips(images)
        order = np.argsort(group, kind="stable")
        chips, yaws, group = chips[order], yaws[order], group[order]
        _, first, counts = np.unique(group, return_index=True, return_counts=True)
        idx = np.searchsorted(np.unique(group), group)
        if n_sources is not None:  # the real face comes first in its group
            counts = np.minimum(counts, n_sources)
        data = {
            "images": torch.from_numpy(chips),
            "yaws": torch.from_numpy((yaws / 90.0).astype(np.float32)),
            "start": torch.from_numpy(first[idx].astype(np.int64)),
            "size": torch.from_numpy(counts[idx].astype(np.int64)),
        }
        self.n_images_fit_ = len(chips)
        self.yaw_range_ = np.array([yaws.min(), yaws.max()])
        self._train_data = data
        if warm:
            self.net_.train_data = data
        try:
            self._fit_net(np.arange(len(chips), dtype=np.int64), None)
        finally:
            self.__dict__.pop("_train_data", None)
        self.net_.train_data = None  # the data is needed only while training
        return self

    def _synthetic_views(self, images, landmarks):
        """Training images, yaws and groups from the faces' synthetic views."""
        yaws = self._yaws(self.synthetic_yaws, "synthetic_yaws")
        shapes = {im.shape for im in images}
        if len(shapes) > 1:  # one array for make_head_turn_pairs
            h, w = images[0].shape[:2]
            images = [resize(im, (h, w)).reshape(h, w, *im.shape[2:]) for im in images]
        if len({im.ndim for im in images}) > 1:  # grey and RGB: all RGB
            images = [
                im if im.ndim == 3 else np.repeat(im[..., None], 3, 2) for im in images
            ]
        faces = np.stack(images)
        if landmarks is None:
            landmarks = self._chip_landmarks(faces)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said below, in our words
            pairs = make_head_turn_pairs(
                faces, yaws, landmarks=landmarks, on_missing="skip"
            )
        kept = np.unique(pairs.groups)
        if not len(kept):
            raise ValueError(f"no landmarks found in any of the {len(faces)} faces")
        if len(kept) < len(faces):
            warnings.warn(
                f"no landmarks found in {len(faces) - len(kept)} of {len(faces)} "
                "training faces; they are skipped",
                UserWarning,
                stacklevel=3,
            )
        source_yaws = np.asarray(pairs.source_yaws, dtype=np.float64)  # (n_kept,)
        views = np.clip(np.asarray(pairs.images, dtype=np.float32), 0, 1)
        all_images = list(faces[kept]) + list(views)
        all_yaws = np.concatenate([source_yaws, np.asarray(pairs.yaws, np.float64)])
        all_groups = np.concatenate([kept, np.asarray(pairs.groups)])
        return all_images, all_yaws, np.unique(all_groups, return_inverse=True)[1]

    def __sklearn_is_fitted__(self):
        return getattr(self, "net_", None) is not None and hasattr(self, "n_channels_")

    # ------------------------------------------------------------ inference
    def _frame_yaws(self, yaws):
        if yaws is None:
            yaws = self.frame_yaws
        if yaws is None:
            return DEFAULT_FRAME_YAWS.copy()
        return self._yaws(np.atleast_1d(np.asarray(yaws, dtype=np.float64)), "yaws")

    def estimate_source_yaws(self, X):
        """Yaw (degrees) of face chips from their landmarks.

        dlib's 68 landmarks (:class:`~skface.landmarks.LandmarkExtractor`
        inside :attr:`extractor_`, the chip's face box given as the chip's
        central part) and :func:`~skface.landmarks.estimate_head_pose`.
        Chips whose landmarks cannot be found get 0 (frontal).

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face chips.

        Returns
        -------
        yaws : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        images = check_images(X, dtype="uint8", channels="keep", stack=False)
        L = self._chip_landmarks(images)
        yaws = np.zeros(len(images))
        ok = np.isfinite(L).all(axis=(1, 2))
        if ok.any():
            yaws[ok] = estimate_head_pose(L[ok])[:, 0]
        return yaws

    def _chip_landmarks(self, images):
        """68 landmarks of face chips: detected, else in the chip's face box.

        The detector of :attr:`extractor_`'s landmark extractor first; where
        it finds no face (chips of faces that fill the image, small chips),
        the shape predictor runs in the box where an aligned chip has its
        face (:func:`_chip_box`). NaN rows where neither works.
        """
        lm = self.extractor_.landmark_extractor_
        L = np.asarray(lm.landmarks(images), dtype=float)
        missing = np.flatnonzero(~np.isfinite(L).all(axis=(1, 2)))
        if len(missing):
            boxes = np.array([_chip_box(images[i].shape[:2]) for i in missing])
            L[missing] = lm.landmarks([images[i] for i in missing], boxes=boxes)
        return L

    def transform(self, X, yaws=None, source_yaws=None):
        """Frames of every face turning its head, each drawn from the source.

        Parameters
        ----------
        X : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Face chips (any size: resized to ``image_size``).
        yaws : array-like of shape (n_frames,), default=None
            Yaw of each frame in degrees (positive: the nose moves to the
            image's right); None: ``frame_yaws``.
        source_yaws : array-like of shape (n_samples,), default=None
            Yaws of the chips, read only by a model with
            ``condition_on_source=True``; None estimates them
            (:meth:`estimate_source_yaws`).

        Returns
        -------
        frames : ndarray of shape (n_samples, n_frames, S, S[, 3])
            float32 in ``[0, 1]``; ``(n, n_frames, S, S)`` for a model
            trained on grey images.
        """
        check_is_fitted(self)
        channels = "grey" if self.n_channels_ == 1 else "rgb"
        images = check_images(X, dtype="float32", channels=channels, stack=False)
        frames = self._frame_yaws(yaws)
        chips = self._chips(images)
        n, k = len(chips), len(frames)
        x = np.repeat(chips, k, axis=0)  # (n * k, C, S, S): frame j of face i
        t = np.tile(frames / 90.0, n).astype(np.float32)
        more = [t]
        if self.condition_on_source:
            if source_yaws is None:
                source_yaws = self.estimate_source_yaws(images)
            s = self._yaws(source_yaws, "source_yaws")
            if len(s) != n:
                raise ValueError(f"got {len(s)} source_yaws for {n} images")
            more.append(np.repeat(s / 90.0, k).astype(np.float32))
        out = self._forward(x, *more, module="generator")  # (n * k, C, S, S)
        size = out.shape[-1]
        out = np.clip(out, 0, 1).reshape(n, k, self.n_channels_, size, size)
        out = out.transpose(0, 1, 3, 4, 2)
        return np.ascontiguousarray(out[..., 0] if self.n_channels_ == 1 else out)

    def sample_sequence(self, face, yaws=None, *, pingpong=False, source_yaw=None):
        """The frames of one face turning its head (e.g. for a GIF).

        Parameters
        ----------
        face : (H, W[, C]) ndarray or path
            One face chip.
        yaws : array-like of shape (n_frames,), default=None
            Frame yaws (degrees); None: ``frame_yaws``.
        pingpong : bool, default=False
            Append the frames backwards (without repeating the end frames):
            a turn there and back that loops smoothly.
        source_yaw : float, default=None
            The face's yaw for models with ``condition_on_source=True``.

        Returns
        -------
        frames : ndarray of shape (n_frames, S, S[, 3])
            float32 in ``[0, 1]``; ``2 * n_frames - 2`` frames with
            ``pingpong``. Write them with :func:`skface.utils.save_animation`.
        """
        if isinstance(face, np.ndarray) and face.ndim not in (2, 3):
            raise ValueError(
                f"face must be one image (H, W[, C]), got shape {face.shape}; "
                "use transform for several faces"
            )
        source = None if source_yaw is None else [source_yaw]
        frames = self.transform([face], yaws, source_yaws=source)[0]
        if pingpong and len(frames) > 2:
            frames = np.concatenate([frames, frames[-2:0:-1]])
        return frames

    # ------------------------------------------------------------- photos
    def _faces(self, images):
        """Landmarks of every face per photo, following ``on_missing``."""
        return photo_face_landmarks(
            self.extractor_.landmark_extractor_,
            images,
            faces=self.faces,
            on_missing=self.on_missing,
        )

    def turn_head(self, photos, yaws=None):
        """Every face of each photo turning its head, pasted back in.

        :attr:`extractor_` aligns each face, :meth:`transform` turns it and
        :attr:`reconstructor_` blends each frame's chip back into the
        photo, as :meth:`FaceSwapper.swap <skface.generation.FaceSwapper.swap>`
        does, except that the whole chip but a thin border is pasted, not
        only the face mask: a head turns as a whole, and pasting only the
        face left the photo's own features beside the turned ones (seen on
        scikit-image's astronaut at +-20 degrees).

        Parameters
        ----------
        photos : (n_samples, H, W[, C]) ndarray, list of ndarray or list of path
            Photos.
        yaws : array-like of shape (n_frames,), default=None
            Frame yaws (degrees); None: ``frame_yaws``.

        Returns
        -------
        result : :class:`~sklearn.utils.Bunch`
            images : ndarray of shape (n_samples, n_frames, H, W, 3) or list
                The frames of each photo (RGB, the photos' dtype); a list of
                ``(n_frames, H_i, W_i, 3)`` arrays when sizes differ. Photos
                without a face repeat unchanged (``on_missing='keep'``).
            masks : list of ndarray of shape (H, W), dtype bool
                Where each photo was changed (the pasted chips' regions).
            n_faces : ndarray of shape (n_samples,), dtype int
                Faces turned in each photo.
            records : FaceRecords or None
                One entry per face (chips, transforms, landmarks).
            owner : ndarray of shape (n_faces_total,), dtype int
                Photo index of each entry of ``records``.
            chips : ndarray of shape (n_faces_total, n_frames, S, S, 3) or None
                The turned chips.
            yaws : ndarray of shape (n_frames,)
                The frame yaws.
        """
        check_is_fitted(self)
        images = check_images(photos, dtype=None, channels="rgb", stack=False)
        frames = self._frame_yaws(yaws)
        per_image = self._faces(images)
        owner = np.array(
            [i for i, f in enumerate(per_image) for _ in range(len(f))], dtype=int
        )
        records, chips = None, None
        out = [np.repeat(im[None], len(frames), axis=0) for im in images]
        masks = [np.zeros(im.shape[:2], bool) for im in images]
        if len(owner):
            L = np.concatenate([f for f in per_image if len(f)])
            records = self.extractor_.extract([images[i] for i in owner], landmarks=L)
            keep = np.flatnonzero(records.found)
            records, owner = records[keep], owner[keep]
            # A turning head moves as a whole (face outline, hair, ears): paste
            # the chip's whole central square, not the source's face mask, which
            # left the source's own features beside the turned ones (ghosts).
            whole = np.broadcast_to(_paste_mask(records), records.masks.shape)
            records = dataclasses.replace(records, masks=whole)
        if records is not None and len(owner):
            chips = self.transform(records.chips, frames)
            if chips.ndim == 4:  # grey model: RGB for the reconstructor
                chips = np.repeat(chips[..., None], 3, axis=-1)
            rank = np.zeros(len(owner), int)
            for i in np.unique(owner):
                sel = np.flatnonzero(owner == i)
                rank[sel] = np.arange(len(sel))
            for j in range(len(frames)):
                current = [im for im in images]
                for r in range(int(rank.max()) + 1):
                    sel = np.flatnonzero(rank == r)
                    pasted = self.reconstructor_.reconstruct(
                        [current[i] for i in owner[sel]], chips[sel, j], records[sel]
                    )
                    for k, i in enumerate(owner[sel]):
                        current[i] = pasted[k]
                for i in np.unique(owner):
                    out[i][j] = current[i]
            masks = self._photo_masks(images, records, owner)
        n_faces = np.bincount(owner, minlength=len(images)).astype(int)
        return Bunch(
            images=stack_if_same_shape(out),
            masks=masks,
            n_faces=n_faces,
            records=records,
            owner=owner,
            chips=chips,
            yaws=frames,
        )

    @staticmethod
    def _photo_masks(images, records, owner):
        cv2 = import_cv2()
        masks = [np.zeros(im.shape[:2], bool) for im in images]
        inverse = records.inverse_transforms
        for k, i in enumerate(owner):
            h, w = images[i].shape[:2]
            m = cv2.warpAffine(
                records.masks[k].astype(np.uint8), inverse[k], (w, h),
                flags=cv2.INTER_NEAREST,
            )  # fmt: skip
            masks[i] |= m.astype(bool)
        return masks

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.non_deterministic = False
        return tags


def _paste_mask(records):
    """``(S, S)`` mask of the chip's central square (all but a thin border)."""
    size = records.masks.shape[-1]
    lo, hi = _PASTE_MARGIN * size, (1 - _PASTE_MARGIN) * size
    centres = np.arange(size) + 0.5
    inside = (centres > lo) & (centres < hi)
    return inside[:, None] & inside[None, :]


def _chip_box(shape):
    """The face box dlib's shape predictor expects in an aligned chip.

    ``(left, top, right, bottom)``: where dlib's HOG detector puts its box
    in a chip of :class:`~skface.alignment.FaceExtractor` with its default
    alignment and padding (the same box, to a pixel, on the astronaut photo
    and on six synthetic faces at 128 pixels).
    """
    h, w = shape
    return (0.125 * w, 0.055 * h, 0.836 * w, 0.758 * h)
