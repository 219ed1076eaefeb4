"""Common-test settings for skface.features."""

from estimator_specs import EstimatorSpec

SPECS = {
    # Face2Vec works on points of any dimension; with n_dims=1 every column is
    # a point, so sklearn's 2-D checks (3 or 5 columns, odd) run the real code
    # (offsets to the centroid, distances, Umeyama/Procrustes alignment) in
    # full, with no waiver. 'procrustes' is the setting with learned state.
    # The default n_dims=2 is checked the same way in tests/features.
    "Face2VecFeatures": EstimatorSpec(init={"normalize": "procrustes", "n_dims": 1}),
    "ThumbnailFeatures": EstimatorSpec(init={"output_size": 4}),
    "ColorHistogram": EstimatorSpec(init={"bins": 8}),
    # Chips mode embeds any image (resized to 150x150), so the synthetic faces
    # work without a detector; photos mode is tested in tests/features.
    "DlibFaceEncoder": EstimatorSpec(init={"input": "chips", "batch_size": 4}),
}
