"""Deep metric learners: a network f trained so that ‖f(x) − f(x')‖ is a good distance.

:class:`DeepMetricLearner` learns from points and class labels. Each batch
holds m examples of each of its classes (:mod:`~mlearn.deep.samplers`); a
miner picks triplets in the batch (:mod:`~mlearn.deep.miners`) and the loss
(:mod:`~mlearn.deep.losses`) is averaged over them:

- ``loss='triplet'`` (Schroff et al. 2015):
  mean over mined (a, p, n) of max(0, D(a, p) − D(a, n) + α);
- ``loss='contrastive'`` (Hadsell et al. 2006): mean over the mined pairs of
  (1 − Y) ½ D² + Y ½ max(0, m − D)², Y = 0 similar, 1 dissimilar;

with D(i, j) = ‖f(x_i) − f(x_j)‖ and α = m = ``margin``. The network's
parameters follow the optimiser's steps on this batch loss for ``max_epochs``
epochs (a fixed budget: stochastic training has no convergence test).

:class:`DeepPairsLearner` is the siamese setting of Hadsell et al.: no classes,
only pairs labelled +1 (similar, Y = 0) or −1 (dissimilar, Y = 1), batches of
pairs, the contrastive loss, and the pairs API of :class:`mlearn.base.PairsMixin`
with the embedding distance.
"""

import numbers

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.utils import gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_class_labels
from ..base import MahalanobisMixin, PairsMixin, SupervisedMixin, _best_threshold
from ._embedding import _DeepEmbedding
from .losses import ContrastiveLoss, TripletLoss
from .miners import MINERS, mine_triplets
from .samplers import class_balanced_batches

__all__ = ["DeepMetricLearner", "DeepPairsLearner"]

_LOSSES = {"contrastive": ContrastiveLoss, "triplet": TripletLoss}


class DeepMetricLearner(SupervisedMixin, _DeepEmbedding):
    """Siamese (contrastive) or triplet network learned from labelled points.

    Trains a network f so that D(x, x') = ‖f(x) − f(x')‖ is small within a
    class and large across classes. Each batch holds ``samples_per_class``
    examples of each of its classes; a miner picks triplets (a, p, n) in the
    batch and the loss is their mean:

    - ``loss='triplet'``: max(0, D(a, p) − D(a, n) + α);
    - ``loss='contrastive'``: over the pairs (a, p) (Y = 0) and (a, n) (Y = 1)
      of the mined triplets, (1 − Y) ½ D² + Y ½ max(0, m − D)²;

    with α = m = ``margin``. The default is a small MLP (one hidden layer of 128
    ReLU units); the inputs should be scaled (e.g. ``StandardScaler``, or pixels
    in [0, 1]) as for any neural network.

    Parameters
    ----------
    network : {'mlp', 'cnn'} or torch.nn.Module class, default='mlp'
        The embedding network (:mod:`mlearn.deep.networks`). 'mlp' flattens
        its input; 'cnn' takes images (n, C, H, W), (n, H, W), or (n, d) with
        d a square number of pixels (8×8 and 28×28 and larger). A class is
        instantiated with ``input_shape`` (the shape of one sample) and
        ``embedding_dim`` where its constructor takes them.
    embedding_dim : int, default=16
        k, the dimension of the embedding.
    loss : {'triplet', 'contrastive'}, default='triplet'
    margin : float, default=1.0
        α of the triplet loss, m of the contrastive loss (and of semi-hard mining).
    miner : {'batch_hard', 'semihard', 'hard', 'random', 'all'}, default='batch_hard'
        Which triplets of a batch the loss sees (:mod:`mlearn.deep.miners`).
        'batch_hard' (one triplet per anchor) learns fastest on small data.
    samples_per_class : int, default=4
        Examples of each class drawn together into a batch.
    max_epochs : int, default=20
        Passes over the training data.
    batch_size : int, default=64
    lr : float, default=3e-3
        Learning rate.
    optimizer : {'adam', 'adamw', 'sgd'} or torch.optim.Optimizer class, default='adam'
        'sgd' uses momentum 0.9; a class is called as ``optimizer(params, lr=lr)``.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        'auto' takes CUDA when torch sees it.
    n_threads : int or None, default=1
        Threads of torch's CPU operators during fit and transform (restored
        afterwards); None keeps torch's setting. One thread is the default
        because batches of a few dozen samples leave too little work per
        operation to share: on 2 cores, a 5-epoch MLP fit on 1,000 digits took
        0.28 s on one thread and 4.7 s on two (docs/deep.rst). Raise it for
        large convolutional networks.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the batches and the random miner: fits are
        reproducible on the CPU for a fixed integer.
    verbose : int, default=0
        Print the mean loss and the fraction of active tuples per epoch if > 0.
    **network_params
        ``network__<name>=value`` is passed to the network's constructor, e.g.
        ``network__hidden_sizes=(128, 64)`` for the MLP or
        ``network__channels=(32, 64)`` for the CNN.

    Attributes
    ----------
    network_ : torch.nn.Module
        The trained network, in eval mode.
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        Shape of one training sample.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        When X has string feature names.
    n_iter_ : int
        Epochs run.
    loss_curve_ : list of float
        Mean batch loss per epoch.
    active_fraction_ : list of float
        Mean fraction of mined tuples with a non-zero loss, per epoch.

    See Also
    --------
    DeepPairsLearner : the same networks learned from similar/dissimilar pairs.

    References
    ----------
    R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality reduction by learning an
    invariant mapping", CVPR 2006.
    F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: a unified embedding for
    face recognition and clustering", CVPR 2015.
    A. Hermans, L. Beyer and B. Leibe, "In defense of the triplet loss for person
    re-identification", arXiv:1703.07737, 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from mlearn.deep import DeepMetricLearner
    >>> X, y = load_digits(return_X_y=True)
    >>> learner = DeepMetricLearner(max_epochs=5, random_state=0).fit(X[:1000] / 16, y[:1000])
    >>> learner.transform(X[:3] / 16).shape
    (3, 16)
    >>> knn = KNeighborsClassifier(1).fit(learner.transform(X[:1000] / 16), y[:1000])
    >>> bool(knn.score(learner.transform(X[1000:] / 16), y[1000:]) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **_DeepEmbedding._parameter_constraints,
        "loss": [StrOptions(set(_LOSSES))],
        "miner": [StrOptions(set(MINERS))],
        "samples_per_class": [Interval(numbers.Integral, 2, None, closed="left")],
    }
    _persistent_attributes = _DeepEmbedding._persistent_attributes + ("classes_",)

    def __init__(
        self,
        network="mlp",
        embedding_dim=16,
        loss="triplet",
        margin=1.0,
        miner="batch_hard",
        samples_per_class=4,
        max_epochs=20,
        batch_size=64,
        lr=3e-3,
        optimizer="adam",
        device="cpu",
        n_threads=1,
        random_state=None,
        verbose=0,
        **network_params,
    ):
        self.network = network
        self.embedding_dim = embedding_dim
        self.loss = loss
        self.margin = margin
        self.miner = miner
        self.samples_per_class = samples_per_class
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self._store_network_params(network_params)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on labelled points.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*image_shape)
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : DeepMetricLearner
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], allow_nd=True)
        self.classes_, y = check_class_labels(y, X.shape[0])
        loss = _LOSSES[self.loss](self.margin)
        labels = torch.from_numpy(y)

        def make_batches(rng):
            return class_balanced_batches(y, self.batch_size, self.samples_per_class, rng)

        def batch_loss(network, X_tensor, batch, generator):
            embeddings = network(X_tensor[torch.from_numpy(batch).to(X_tensor.device)])
            batch_labels = labels[batch].to(X_tensor.device)
            triplets = mine_triplets(
                embeddings, batch_labels, self.miner, margin=self.margin, generator=generator
            )
            return loss.on_triplets(embeddings, *triplets)

        self._train(X, make_batches, batch_loss)
        return self


class DeepPairsLearner(PairsMixin, _DeepEmbedding):
    """Siamese network learned from pairs labelled similar (+1) or dissimilar (−1).

    The setting of Hadsell et al. (2006): no class labels, only pairs. The
    network f minimises the mean contrastive loss over batches of pairs,

        L = (1 − Y) ½ D² + Y ½ max(0, m − D)²,  D = ‖f(x) − f(x')‖,

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
    optimizer : {'adam', 'adamw', 'sgd'} or torch.optim.Optimizer class, default='adam'
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
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
        optimizer="adam",
        device="cpu",
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
        self.optimizer = optimizer
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.preprocessor = preprocessor
        self._store_network_params(network_params)

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
        X, indices, y = self._validate_fit_pairs(pairs, y)
        loss = ContrastiveLoss(self.margin)
        dissimilar = torch.from_numpy((y == -1).astype(np.int64))

        def make_batches(rng):
            order = rng.permutation(indices.shape[0])
            return [order[block] for block in gen_batches(order.shape[0], self.batch_size)]

        def batch_loss(network, X_tensor, batch, generator):
            # Embed each point of the batch once, however many of its pairs use it.
            points, position = np.unique(indices[batch], return_inverse=True)
            position = torch.from_numpy(position.reshape(-1, 2)).to(X_tensor.device)
            embeddings = network(X_tensor[torch.from_numpy(points).to(X_tensor.device)])
            labels = dissimilar[batch].to(X_tensor.device)
            return loss(embeddings, position[:, 0], position[:, 1], labels)

        self._train(X, make_batches, batch_loss)
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
