"""Sample data, synthetic faces, folder and annotation loaders, model files.

Nothing in this package downloads data, except the ``fetch_*`` wrappers
around scikit-learn's online fetchers, which are for users with internet
access and are never called by the tests.
"""

from ._dlib_xml import load_dlib_xml
from ._fetchers import fetch_lfw_people, fetch_olivetti_faces
from ._folder import load_image_folder
from ._models import MODEL_NAMES, ModelNotFoundError, get_model_path
from ._olivetti import load_olivetti_faces
from ._samples import load_lfw_subset, load_sample_images
from ._synthetic import make_synthetic_faces

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
    "make_synthetic_faces",
]
