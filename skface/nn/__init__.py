"""Pure PyTorch modules used by skface's neural estimators.

The modules here take only architecture hyperparameters, import nothing but
torch, and know nothing about scikit-learn or skorch: the estimators in
:mod:`skface.neural` wrap them.

* :class:`MLP`: fully connected network (the Face2Vec classifier's body).
* :class:`FaceAutoencoderNet`: :class:`HyperFaceEncoder` or
  :class:`DCGANEncoder` to a linear code, :class:`ConvDecoder` back to an
  image; :class:`SSIMLoss` and :class:`ReconstructionLoss` train it.
* :class:`PixelShuffleDecoder`: feature vector to image through
  :class:`UpscaleBlock` s (the LatentDecoder's network).
* :class:`ContextEncoder` (with :class:`ChannelwiseFC`) and
  :class:`ContextDiscriminator`: the FaceInpainter's networks.
* :func:`flip_shift_batch`: random mirror and shift of training batches.
* GANs: :class:`DCGANGenerator`, :class:`DCGANDiscriminator`,
  :class:`ProjectionDiscriminator`, :class:`ConditionalGenerator`, the
  landmark-conditional :class:`LandmarkGenerator` and
  :class:`LandmarkDiscriminator` (on :func:`landmark_heatmaps`) with
  :class:`LandmarkRegressor`, the
  growing :class:`ProgressiveGenerator` and :class:`ProgressiveDiscriminator`
  (with :class:`EqualizedConv2d`, :class:`EqualizedLinear`,
  :class:`PixelNorm`, :class:`MinibatchStdDev`, :class:`FiLM`,
  :class:`ConditionalBatchNorm2d`); losses and penalties
  (:func:`d_hinge_loss`, :func:`gradient_penalty`, :func:`r1_penalty`, ...),
  :func:`diff_augment` and the weight average :class:`EMA`.
* Face swap (DeepFakes): :class:`FaceSwapNet` (a shared
  :class:`SwapEncoder`, one :class:`SwapDecoder` per person),
  :func:`masked_reconstruction_loss` and the :func:`random_warp`
  augmentation.
* Head turn: :class:`HeadTurnNet` (a yaw-conditioned U-Net drawing the
  turned face directly, as a residual or as a flow warp of the input,
  :func:`flow_warp`).
"""

from ._augment import flip_shift_batch
from ._autoencoder import (
    ConvDecoder,
    DCGANEncoder,
    FaceAutoencoderNet,
    HyperFaceEncoder,
    init_autoencoder_weights,
)
from ._conditional_gan import (
    LandmarkDiscriminator,
    LandmarkGenerator,
    LandmarkRegressor,
    landmark_heatmaps,
    mirror_condition,
    shift_condition,
)
from ._context_encoder import (
    BOTTLENECKS,
    ChannelwiseFC,
    ContextDiscriminator,
    ContextEncoder,
    init_context_weights,
)
from ._dcgan import (
    CONDITIONINGS,
    GAN_OUTPUTS,
    ConditionalGenerator,
    DCGANDiscriminator,
    DCGANGenerator,
    ProjectionDiscriminator,
)
from ._diff_augment import AUGMENT_POLICIES, diff_augment
from ._ema import EMA
from ._face_swap import (
    SWAP_LOSSES,
    FaceSwapNet,
    SwapDecoder,
    SwapEncoder,
    masked_reconstruction_loss,
)
from ._gan_blocks import (
    ConditionalBatchNorm2d,
    EqualizedConv2d,
    EqualizedLinear,
    FiLM,
    MinibatchStdDev,
    PixelNorm,
    SpectralNorm,
    init_gan_weights,
    spectral_norm_all,
)
from ._gan_losses import (
    GAN_LOSSES,
    d_hinge_loss,
    d_nonsaturating_loss,
    d_wgan_loss,
    g_hinge_loss,
    g_nonsaturating_loss,
    g_wgan_loss,
    gradient_penalty,
    per_sample_grad_norm,
    r1_penalty,
)
from ._head_turn import (
    FLOW_INTERPOLATIONS,
    HEAD_TURN_OUTPUTS,
    HeadTurnNet,
    flow_warp,
    init_head_turn_weights,
)
from ._latent_decoder import PixelShuffleDecoder, UpscaleBlock
from ._losses import ReconstructionLoss, SSIMLoss, ssim_map
from ._mlp import ACTIVATIONS, MLP, init_dense_weights
from ._progressive import (
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    progressive_sizes,
)
from ._random_warp import random_warp

__all__ = [
    "ACTIVATIONS",
    "flip_shift_batch",
    "MLP",
    "init_dense_weights",
    "ConvDecoder",
    "DCGANEncoder",
    "FaceAutoencoderNet",
    "HyperFaceEncoder",
    "init_autoencoder_weights",
    "ReconstructionLoss",
    "SSIMLoss",
    "ssim_map",
    "PixelShuffleDecoder",
    "UpscaleBlock",
    "BOTTLENECKS",
    "ChannelwiseFC",
    "ContextDiscriminator",
    "ContextEncoder",
    "init_context_weights",
    # GANs
    "CONDITIONINGS",
    "GAN_OUTPUTS",
    "ConditionalGenerator",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "ProjectionDiscriminator",
    "LandmarkDiscriminator",
    "LandmarkGenerator",
    "LandmarkRegressor",
    "landmark_heatmaps",
    "mirror_condition",
    "shift_condition",
    "AUGMENT_POLICIES",
    "diff_augment",
    "EMA",
    "ConditionalBatchNorm2d",
    "EqualizedConv2d",
    "EqualizedLinear",
    "FiLM",
    "MinibatchStdDev",
    "PixelNorm",
    "init_gan_weights",
    "SpectralNorm",
    "spectral_norm_all",
    "GAN_LOSSES",
    "d_hinge_loss",
    "d_nonsaturating_loss",
    "d_wgan_loss",
    "g_hinge_loss",
    "g_nonsaturating_loss",
    "g_wgan_loss",
    "gradient_penalty",
    "per_sample_grad_norm",
    "r1_penalty",
    "ProgressiveDiscriminator",
    "ProgressiveGenerator",
    "progressive_sizes",
    # face swap
    "SWAP_LOSSES",
    "FaceSwapNet",
    "SwapDecoder",
    "SwapEncoder",
    "masked_reconstruction_loss",
    "random_warp",
    # head turn
    "FLOW_INTERPOLATIONS",
    "HEAD_TURN_OUTPUTS",
    "HeadTurnNet",
    "flow_warp",
    "init_head_turn_weights",
]
