"""Common-test settings for skface.neural (tabular input: scikit-learn's checks)."""

from . import EstimatorSpec

SPECS = {
    "Face2VecClassifier": EstimatorSpec(
        # Tiny net; 20 epochs at lr=0.01 reach sklearn's accuracy bar (0.83)
        # in check_classifiers_train.
        init={
            "hidden_layer_sizes": (8,),
            "max_epochs": 20,
            "lr": 0.01,
            "random_state": 0,
        },
    ),
}
