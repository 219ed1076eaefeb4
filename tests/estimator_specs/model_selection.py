"""Common-test settings for skface.model_selection."""

from optuna.distributions import IntDistribution
from sklearn.tree import DecisionTreeClassifier

from . import EstimatorSpec

SPECS = {
    "OptunaSearch": EstimatorSpec(
        init={
            # A fast estimator: the checks fit the search about 100 times.
            "estimator": DecisionTreeClassifier(random_state=0),
            "param_space": {"max_depth": IntDistribution(1, 4)},
            "n_trials": 2,
            "cv": 2,
            "random_state": 0,
        },
    ),
}
