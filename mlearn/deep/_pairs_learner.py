"""DeepPairsLearner: a siamese network learned from pairs labelled similar or dissimilar."""

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils import gen_batches
from sklearn.utils.validation import check_is_fitted

from ..base import MahalanobisMixin, PairsMixin, _best_threshold
from ._embedding import _DeepEmbedding
from .distances import LpDistance
from .losses import ContrastiveLoss
from .reducers import MeanReducer


class DeepPairsLearner(PairsMixin, _DeepEmbedding):
    """Siamese network learned from pairs labelled similar (+1) or dissimilar (−1).

    The setting of Hadsell et al. (2006): no class labels, only pairs. The
    network f minimises the mean contrastive loss over batches of pairs,

        L = (1 − Y) D + Y max(0, m − D),  D = ‖f(x) − f(x')‖,

    with Y = 0 for a similar pair (label +1) and Y = 1 for a dissimilar one
    (label −1). Pairs go through the same API as the other pairs learners
    (:class:`mlearn.base.PairsMixin`): ``decision_function`` is
    ``threshold_ − D``, ``predict`` gives ±1, ``score`` the ROC AUC, and
    ``calibrate_threshold`` resets ``threshold_``, which fitting sets to the
    best accuracy on the training pairs. ``transform`` embeds points.

    Parameters
    ----------
    network : {'mlp', 'cnn'} or torch.nn.Module class, default='mlp'
        As in :class:`DeepMetricLearner`.
    embedding_dim : int, default=16
    margin : float, default=1.0
        m: dissimilar pairs farther apart than m contribute nothing.
    max_epochs : int, default=20
    batch_size : int, default=64
        Pairs per batch.
    lr : float, default=3e-3
    lr_schedule : {'constant', 'cosine'}, default='constant'
        As in :class:`DeepMetricLearner`.
    optimizer : {'adam', 'adamw', 'sgd'} or torch.optim.Optimizer class, default='adam'
    warm_start : bool, default=False
        Continue from the fitted network and optimiser instead of starting anew.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
    mixed_precision : bool, default=False
        As in :class:`DeepMetricLearner`.
    n_threads : int or None, default=1
        As in :class:`DeepMetricLearner`.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
    preprocessor : array-like of shape (n_points, n_features) or callable, default=None
        With it, pairs are given as (n_pairs, 2) indices into these points.
    **network_params
        ``network__<name>=value`` for the network's constructor.

    Attributes
    ----------
    network_ : torch.nn.Module
    threshold_ : float
        Pairs with D ≤ threshold_ are predicted similar.
    input_shape_, n_features_in_, n_iter_, loss_curve_, active_fraction_
        As in :class:`DeepMetricLearner`.

    References
    ----------
    R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality reduction by learning an
    invariant mapping", CVPR 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from mlearn.constraints import similar_dissimilar_pairs
    >>> from mlearn.deep import DeepPairsLearner
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 30)
    >>> X = rng.normal(size=(90, 5)) + 3.0 * y[:, None]
    >>> pairs, labels = similar_dissimilar_pairs(y, 200, random_state=0)
    >>> learner = DeepPairsLearner(preprocessor=X, random_state=0).fit(pairs, labels)
    >>> bool(learner.score(pairs, labels) > 0.95)
    True
    """

    _parameter_constraints: dict = {
        **_DeepEmbedding._parameter_constraints,
        "preprocessor": ["array-like", callable, None],
    }
    _persistent_attributes = _DeepEmbedding._persistent_attributes + ("threshold_",)
    # The tuple validation of the linear learners, reused as is (it needs no L).
    _validate_tuples = MahalanobisMixin._validate_tuples

    def __init__(
        self,
        network="mlp",
        embedding_dim=16,
        margin=1.0,
        max_epochs=20,
        batch_size=64,
        lr=3e-3,
        lr_schedule="constant",
        optimizer="adam",
        warm_start=False,
        device="cpu",
        mixed_precision=False,
        n_threads=1,
        random_state=None,
        verbose=0,
        preprocessor=None,
        **network_params,
    ):
        self.network = network
        self.embedding_dim = embedding_dim
        self.margin = margin
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.warm_start = warm_start
        self.device = device
        self.mixed_precision = mixed_precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor
        self._store_network_params(network_params)

    def _build_loss(self):
        # Raw Euclidean distances (pair_distance and the threshold are on them), and the
        # mean over the batch's pairs, as in Hadsell et al.
        return ContrastiveLoss(
            neg_margin=self.margin,
            distance=LpDistance(normalize_embeddings=False),
            reducer=MeanReducer(),
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, pairs, y):
        """Train the network on labelled pairs and set ``threshold_``.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices
            Indices need ``preprocessor``.
        y : array-like of shape (n_pairs,)
            +1 for similar pairs, −1 for dissimilar ones.

        Returns
        -------
        self : DeepPairsLearner
        """
        continuing = self.warm_start and hasattr(self, "network_")
        X, indices, y = self._validate_fit_pairs(pairs, y)
        dissimilar = y == -1

        def make_batches(rng):
            order = rng.permutation(indices.shape[0])
            return [order[block] for block in gen_batches(order.shape[0], self.batch_size)]

        def batch_loss(network, X_tensor, batch, generator):
            # Embed each point of the batch once, however many of its pairs use it.
            points, position = np.unique(indices[batch], return_inverse=True)
            position = torch.from_numpy(position.reshape(-1, 2)).to(X_tensor.device)
            embeddings = network(X_tensor[torch.from_numpy(points).to(X_tensor.device)])
            negative = torch.from_numpy(dissimilar[batch]).to(X_tensor.device)
            tuples = (*position[~negative].T, *position[negative].T)
            value = self.loss_(embeddings, None, tuples)
            return value, self.loss_.active_fraction_

        self._train(X, make_batches, batch_loss, epochs=self.max_epochs, continuing=continuing)
        distances = self._distances(X, indices)
        self.threshold_ = _best_threshold(distances, y, "accuracy", beta=1.0, min_rate=None)
        return self

    def _distances(self, X, indices):
        points, position = np.unique(indices, return_inverse=True)
        embedded = self._embed(X[points])[position.reshape(-1, 2)]
        return np.linalg.norm(embedded[:, 0] - embedded[:, 1], axis=1)

    def pair_distance(self, pairs):
        """Distance between the embeddings of the two points of each pair.

        Parameters
        ----------
        pairs : array-like of shape (n_pairs, 2, n_features), or (n_pairs, 2) indices

        Returns
        -------
        distances : ndarray of shape (n_pairs,)
        """
        check_is_fitted(self, "network_")
        X, indices = self._validate_tuples(pairs, 2, reset=False)
        return self._distances(X, indices)

    def pair_score(self, pairs):
        """Similarity of each pair: the negated embedding distance."""
        return -self.pair_distance(pairs)
