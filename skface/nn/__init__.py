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
"""

from ._autoencoder import (
    ConvDecoder,
    DCGANEncoder,
    FaceAutoencoderNet,
    HyperFaceEncoder,
    init_autoencoder_weights,
)
from ._context_encoder import (
    BOTTLENECKS,
    ChannelwiseFC,
    ContextDiscriminator,
    ContextEncoder,
    init_context_weights,
)
from ._latent_decoder import PixelShuffleDecoder, UpscaleBlock
from ._losses import ReconstructionLoss, SSIMLoss, ssim_map
from ._mlp import ACTIVATIONS, MLP, init_dense_weights

__all__ = [
    "ACTIVATIONS",
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
]
