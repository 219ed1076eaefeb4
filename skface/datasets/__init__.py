"""Sample data, synthetic faces, folder and annotation loaders, model files.

Nothing in this package downloads data, except the ``fetch_*`` wrappers
around scikit-learn's online fetchers, which are for users with internet
access and are never called by the tests.
"""

from ._dlib_xml import load_dlib_xml
from ._fetchers import fetch_lfw_people, fetch_olivetti_faces
from ._folder import load_image_folder
from ._head_model import mean_face_3d
from ._head_turn import make_head_turn_pairs
from ._models import MODEL_NAMES, ModelNotFoundError, get_model_path
from ._olivetti import load_olivetti_faces
from ._samples import load_lfw_subset, load_sample_images
from ._synthetic import make_synthetic_faces
from ._umist import load_umist_faces

__all__ = [
    "MODEL_NAMES",
    "ModelNotFoundError",
    "fetch_lfw_people",
    "fetch_olivetti_faces",
    "get_model_path",
    "load_dlib_xml",
    "load_image_folder",
    "load_lfw_subset",
    "load_olivetti_faces",
    "load_sample_images",
    "load_umist_faces",
    "make_head_turn_pairs",
    "make_synthetic_faces",
    "mean_face_3d",
]
