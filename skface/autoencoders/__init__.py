"""Face autoencoders: compress a face to a small code and decode it back.

* :class:`FaceAutoencoder`: convolutional autoencoder (HyperFace or DCGAN
  encoder, DCGAN decoder) as a scikit-learn transformer: codes from
  ``transform``, images from ``inverse_transform``, PSNR from ``score`` and
  per-image anomaly scores from ``score_samples``.
* :class:`LatentDecoder`: face chips generated from landmarks and an 8x8x3
  thumbnail (the FaceSwap latent model, pixel-shuffle decoder).
* :class:`FaceAnonymizer`: photos in, the same photos with every face
  replaced by a generated one that keeps pose, expression and colour.
"""

from ._anonymizer import FaceAnonymizer, latent_features
from ._face_autoencoder import FaceAutoencoder
from ._latent_decoder import LatentDecoder

__all__ = ["FaceAnonymizer", "FaceAutoencoder", "LatentDecoder", "latent_features"]
