"""Common-test settings for skface.generation.HeadTurnGenerator."""

from . import EstimatorSpec

SPECS = {
    # fit(X) with no y: synthetic views of the six default faces (their
    # landmarks found by dlib), tiny network, one epoch
    "HeadTurnGenerator": EstimatorSpec(
        init={
            "image_size": 16,
            "width": 2,
            "n_yaw_features": 4,
            "synthetic_yaws": (-10, 10),
            "frame_yaws": (-10, 10),
            "max_epochs": 1,
            "batch_size": 8,
            "device": "cpu",
            "random_state": 0,
        },
    ),
}
