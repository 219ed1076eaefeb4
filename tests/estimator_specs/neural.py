"""Common-test settings for skface.neural (tabular input: no image waivers)."""

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
        expected_failed_checks={
            "check_sample_weight_equivalence_on_dense_data": (
                "mini-batch stochastic training in float32: weights and "
                "repetitions give the same loss, but a repeated sample also "
                "changes the number and make-up of the batches, which no "
                "mini-batch optimizer can reproduce to rtol=1e-7 (sklearn "
                "checks MLPClassifier only with full-batch lbfgs). With full "
                "batches they agree to ~1e-7; tests/neural/test_face2vec.py "
                "checks that at atol=1e-5."
            ),
        },
    ),
}
