"""Face2Vec classifier: a fully connected network on face features."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.special import softmax
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)
from torch import nn

from ..nn import ACTIVATIONS, MLP
from ._base import BaseNeuralEstimator
from ._net import _ClassifierNet

__all__ = ["Face2VecClassifier"]


class Face2VecClassifier(ClassifierMixin, BaseNeuralEstimator):
    """Fully connected neural network classifier for face features.

    The classifier of the Face2Vec recipe: landmark features (e.g.
    :class:`skface.features.Face2VecFeatures`) go through a multi-layer
    perceptron trained with cross-entropy, an L2 penalty on weights and
    biases and the Nadam optimizer. It works on any 2-D features, e.g.
    :class:`skface.features.DlibFaceEncoder` embeddings; scale them first
    (e.g. ``StandardScaler`` in a pipeline).

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(256, 128)
        Width of each hidden layer; ``()`` gives a linear (softmax) model.
    activation : {'relu', 'elu', 'tanh', 'leaky_relu'}, default='relu'
        Hidden-layer non-linearity.
    dropout : float, default=0.0
        Dropout probability after each hidden layer, in ``[0, 1)``.
    alpha : float, default=1e-4
        L2 strength: ``alpha * sum(p ** 2)`` over all weights and biases is
        added to each batch's training loss, as the seed's Keras L2 kernel
        and bias regularisers did. (``weight_decay`` is the optimizer's own,
        decoupled for ``'adamw'``; use one or the other.)
    class_weight : dict, 'balanced' or None, default=None
        Per-class loss weights ``{label: weight}``; ``'balanced'`` uses
        ``n_samples / (n_classes * np.bincount(y))``. Multiplied with
        ``sample_weight``; each batch's loss is the weighted mean.
    optimizer : str or torch.optim.Optimizer subclass, default='nadam'
        ``'adam'``, ``'adamw'``, ``'nadam'``, ``'rmsprop'``, ``'sgd'`` or an
        optimizer class.
    lr : float, default=1e-3
        Learning rate.
    weight_decay : float, default=0.0
        Optimizer weight decay.
    batch_size : int, default=32
        Mini-batch size.
    max_epochs : int, default=100
        Number of passes over the training data.
    validation_fraction : float, default=0.0
        Fraction of the training data held out (stratified) to record
        ``valid_loss`` and ``valid_acc`` each epoch; 0 trains on all of it.
    early_stopping : bool, default=False
        Stop when the validation loss (training loss if
        ``validation_fraction=0``) has not improved for ``n_iter_no_change``
        epochs, and keep the best weights.
    n_iter_no_change : int, default=10
        Patience of ``early_stopping``, in epochs.
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks, e.g. ``skorch.callbacks.Checkpoint`` (with
        ``LoadInitState`` to resume an interrupted fit) or a pruning callback
        reading ``net.history[-1, 'valid_acc']`` in ``on_epoch_end``; an
        exception it raises propagates out of ``fit``. Used as given
        (skorch initialises them in place).
    warm_start : bool, default=False
        Continue training the fitted network (and its optimizer state) for
        ``max_epochs`` more epochs on the next ``fit``.
    device : str, default='auto'
        ``'auto'`` (CUDA when available, else CPU), ``'cpu'``, ``'cuda'``...
    amp : bool, default=False
        Mixed-precision training: float16 autocast with gradient scaling on
        CUDA, bfloat16 autocast on the CPU; inference stays in float32.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``):
        several GPUs under ``accelerate launch``, mixed precision from its
        ``mixed_precision``; ``device`` is then ``'auto'`` or the
        accelerator's device. Not saved by ``save``. See :ref:`gpu_training`.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout and the validation split.
    verbose : int, default=0
        0 silent, 1 one line per epoch, 2 also a progress bar.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is the :class:`skface.nn.MLP`.
    history_ : skorch.History
        Per-epoch ``train_loss`` (data loss plus the L2 penalty), and with a
        validation split ``valid_loss`` and ``valid_acc``, plus ``dur``.
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    skface.features.Face2VecFeatures : Landmark geometry features.
    sklearn.neural_network.MLPClassifier : The NumPy counterpart.

    Notes
    -----
    The seed evaluated with a "k-fold" loop that kept training one model
    across folds, so later folds had seen their test data. Evaluate with
    :func:`sklearn.model_selection.cross_val_score`, which fits a fresh clone
    per fold.

    Examples
    --------
    >>> import numpy as np
    >>> from skface.neural import Face2VecClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 5))
    >>> y = np.where(X[:, 0] > 0, "alice", "bob")
    >>> clf = Face2VecClassifier((16,), max_epochs=20, lr=0.01, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _net_class = _ClassifierNet
    _fitted_attributes = ("classes_", "n_features_in_", "feature_names_in_")
    _validation_score = ("valid_acc", False)

    _parameter_constraints: dict = {
        **BaseNeuralEstimator._parameter_constraints,
        "hidden_layer_sizes": [
            Interval(Integral, 1, None, closed="left"),
            "array-like",
        ],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 128),
        *,
        activation="relu",
        dropout=0.0,
        alpha=1e-4,
        class_weight=None,
        optimizer="nadam",
        lr=1e-3,
        weight_decay=0.0,
        batch_size=32,
        max_epochs=100,
        validation_fraction=0.0,
        early_stopping=False,
        n_iter_no_change=10,
        callbacks=None,
        warm_start=False,
        device="auto",
        amp=False,
        accelerator=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.alpha = alpha
        self.class_weight = class_weight
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.amp = amp
        self.accelerator = accelerator
        self.random_state = random_state
        self.verbose = verbose

    def _hidden_sizes(self) -> tuple[int, ...]:
        sizes = self.hidden_layer_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        if not all(isinstance(s, Integral) and s >= 1 for s in sizes):
            raise ValueError(
                "hidden_layer_sizes must hold positive ints, got "
                f"{self.hidden_layer_sizes!r}"
            )
        return tuple(int(s) for s in sizes)

    def _net_params(self) -> dict:
        return {
            "module": MLP,
            "module__n_inputs": int(self.n_features_in_),
            "module__n_outputs": len(self.classes_),
            "module__hidden_layer_sizes": self._hidden_sizes(),
            "module__activation": self.activation,
            "module__dropout": float(self.dropout),
            "criterion": nn.CrossEntropyLoss,
            "alpha": float(self.alpha),
        }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features (float32 or float64 arrays, DataFrames...).
        y : array-like of shape (n_samples,)
            Class labels (strings, ints...).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample loss weights.

        Returns
        -------
        self : Face2VecClassifier
            Fitted estimator.
        """
        self._hidden_sizes()
        warm = self.warm_start and self.__sklearn_is_fitted__()
        X, y = validate_data(self, X, y, dtype=np.float32, reset=not warm)
        check_classification_targets(y)
        if warm:
            unseen = np.setdiff1d(y, self.classes_)
            if unseen.size:
                raise ValueError(
                    f"warm_start: y has classes {unseen.tolist()} not seen in the "
                    f"first fit ({self.classes_.tolist()})"
                )
            y_enc = np.searchsorted(self.classes_, y)
        else:
            classes, y_enc = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise ValueError(
                    "Classifier can't train when only one class is present."
                )
            self.classes_ = classes
        weight = self._sample_weight(sample_weight, X, y, y_enc)
        self._check_validation_split(y_enc)
        return self._fit_net(
            X, y_enc.astype(np.int64), sample_weight=weight, stratify=y_enc
        )

    def _sample_weight(self, sample_weight, X, y, y_enc):
        weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        if self.class_weight is not None:
            per_class = compute_class_weight(
                self.class_weight, classes=self.classes_, y=y
            )
            weight = weight * per_class[y_enc].astype(np.float32)
        if np.count_nonzero(np.bincount(y_enc, weights=weight)) < 2:
            raise ValueError(
                "Only one class has non-zero sample weight; a classifier needs at "
                "least two classes to train."
            )
        # Unit weights take the unweighted code path: identical results.
        return None if np.all(weight == 1) else weight

    def _check_validation_split(self, y_enc):
        if not self.validation_fraction:
            return
        n = len(y_enc)
        n_valid = int(np.ceil(self.validation_fraction * n))
        n_classes = len(self.classes_)
        smallest = int(np.bincount(y_enc).min())
        if smallest < 2 or n_valid < n_classes or n - n_valid < n_classes:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} cannot hold out a "
                f"stratified validation set: {n_valid} of {n} samples for "
                f"{n_classes} classes, the smallest class has {smallest} samples. "
                "Use a larger fraction, more data, or validation_fraction=0."
            )

    def _logits(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        return self._forward(X).astype(np.float64)

    def decision_function(self, X):
        """Class scores (logits); for two classes, ``z[:, 1] - z[:, 0]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Higher means more likely.
        """
        z = self._logits(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X):
        """Class probabilities (softmax of the logits).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        return softmax(self._logits(X), axis=1)

    def predict(self, X):
        """Most likely class label of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        scores = self._logits(X)
        return self.classes_[np.argmax(scores, axis=1)]
