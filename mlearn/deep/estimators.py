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

import copy
import numbers
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._optim import ProgressTable
from .._validation import check_class_labels
from ..base import MahalanobisMixin, PairsMixin, SupervisedMixin, _best_threshold
from .losses import ContrastiveLoss, TripletLoss
from .miners import MINERS, mine_triplets
from .networks import NETWORKS, build_network
from .samplers import class_balanced_batches

__all__ = ["DeepMetricLearner", "DeepPairsLearner"]

_OPTIMIZERS = {
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
    "adamw": lambda params, lr: torch.optim.AdamW(params, lr=lr),
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
}
_NETWORK_PREFIX = "network__"
# Rows embedded at once by transform: bounds memory for large X.
_TRANSFORM_BATCH = 4096


def _resolve_device(device):
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for, but torch sees no CUDA device.")
    return torch.device(device)


@contextmanager
def _torch_threads(n_threads):
    """Run torch's CPU operators on ``n_threads`` threads (None: torch's own setting)."""
    if n_threads is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _torch_dtype(dtype):
    return torch.float32 if dtype == np.float32 else torch.float64


def _as_tensor(X, dtype, device):
    # A private copy: never aliases (possibly read-only) caller memory.
    return torch.tensor(np.asarray(X), dtype=dtype, device=device)


class _DeepEmbedding(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Shared by the deep learners: network kwargs, training loop, transform, persistence."""

    _parameter_constraints: dict = {
        "network": [StrOptions(set(NETWORKS)), type],
        "embedding_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "margin": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "n_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }
    # Fitted attributes, besides the network's weights, that persistence keeps.
    _persistent_attributes = ("n_features_in_", "input_shape_", "n_iter_", "loss_curve_")

    # --- parameters: ``network__name=value`` goes to the network's constructor ----------

    def _store_network_params(self, network_params):
        # Stored as given; fit checks that each is a network__<name> option.
        for key, value in network_params.items():
            setattr(self, key, value)

    def _extra_params(self):
        """Parameters given through **network_params: the public, non-fitted attributes
        that are not named in the signature."""
        named = set(self._get_param_names())
        return {
            k: v
            for k, v in vars(self).items()
            if k not in named and not k.startswith("_") and not k.endswith("_")
        }

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._extra_params())
        return params

    def set_params(self, **params):
        extra = self._extra_params()
        for key in [k for k in params if k.startswith(_NETWORK_PREFIX) or k in extra]:
            setattr(self, key, params.pop(key))
        return super().set_params(**params)

    def _network_kwargs(self):
        kwargs = {}
        for key, value in self._extra_params().items():
            if not key.startswith(_NETWORK_PREFIX) or key == _NETWORK_PREFIX:
                raise TypeError(
                    f"{type(self).__name__} got an unexpected parameter {key!r}; options of "
                    f"the network are passed as network__<name>."
                )
            kwargs[key[len(_NETWORK_PREFIX) :]] = value
        return kwargs

    # --- training -----------------------------------------------------------------

    def _new_network(self, seed=None):
        """The network for ``input_shape_``, initialised from ``seed`` without touching
        torch's global random state."""
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            return build_network(
                self.network, self.input_shape_, self.embedding_dim, self._network_kwargs()
            )

    def _make_optimizer(self, parameters):
        if isinstance(self.optimizer, str):
            return _OPTIMIZERS[self.optimizer](parameters, self.lr)
        return self.optimizer(parameters, lr=self.lr)

    def _train(self, X, make_batches, batch_loss):
        """Run ``max_epochs`` epochs; ``batch_loss(network, X_tensor, batch, generator)``
        returns a LossOutput. Sets ``network_``, ``n_iter_``, ``loss_curve_``."""
        device = _resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        rng = np.random.default_rng(seed)
        generator = torch.Generator().manual_seed(seed)
        self.input_shape_ = tuple(X.shape[1:])
        # The network computes in X's float dtype: float32 stays float32 end to end.
        dtype = _torch_dtype(X.dtype)
        network = self._new_network(seed).to(device=device, dtype=dtype)
        optimizer = self._make_optimizer(network.parameters())
        X_tensor = _as_tensor(X, dtype, device)
        table = ProgressTable(type(self).__name__, self.verbose, ("loss", "active tuples"))
        self.loss_curve_, self.active_fraction_ = [], []
        network.train()
        with _torch_threads(self.n_threads):
            for epoch in range(self.max_epochs):
                losses, active = [], []
                for batch in make_batches(rng):
                    out = batch_loss(network, X_tensor, batch, generator)
                    optimizer.zero_grad()
                    out.loss.backward()
                    optimizer.step()
                    losses.append(float(out.loss.detach()))
                    active.append(out.active_fraction)
                self.loss_curve_.append(float(np.mean(losses)))
                self.active_fraction_.append(float(np.mean(active)))
                table.row(epoch + 1, self.loss_curve_[-1], self.active_fraction_[-1])
        self.network_ = network.eval()
        self.n_iter_ = self.max_epochs

    # --- embedding ----------------------------------------------------------------

    @property
    def _n_features_out(self):
        return self.embedding_dim

    def _embed(self, X):
        """f(X) for validated X, in eval mode, as numpy in X's float dtype."""
        weight = next(self.network_.parameters())
        out = np.empty((X.shape[0], self.embedding_dim), dtype=X.dtype)
        with torch.no_grad(), _torch_threads(self.n_threads):
            for block in gen_batches(X.shape[0], _TRANSFORM_BATCH):
                batch = _as_tensor(X[block], weight.dtype, weight.device)
                out[block] = self.network_(batch).cpu().numpy()
        return out

    def transform(self, X):
        """Embed X with the trained network (in eval mode).

        Parameters
        ----------
        X : array-like of shape (n_samples, \\*input_shape_)

        Returns
        -------
        X_embedded : ndarray of shape (n_samples, embedding_dim)
            In X's float dtype (float32 stays float32).
        """
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32], allow_nd=True)
        if X.shape[1:] != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but {type(self).__name__} was fitted "
                f"on samples of shape {self.input_shape_}."
            )
        return self._embed(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # --- pickling and persistence -------------------------------------------------

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the estimator keeps its device
        network = state.get("network_")
        if network is not None and next(network.parameters()).device.type != "cpu":
            state["network_"] = copy.deepcopy(network).cpu()
        return state

    def _get_persistent_state(self):
        """Fitted state as named numpy arrays: the network's weights ("network.<name>")
        and the fitted attributes; the parameters are kept separately (get_params)."""
        check_is_fitted(self, "network_")
        state = {
            f"network.{k}": v.detach().cpu().numpy().copy()
            for k, v in self.network_.state_dict().items()
        }
        for name in self._persistent_attributes + ("active_fraction_",):
            state[name] = np.asarray(getattr(self, name))
        if hasattr(self, "feature_names_in_"):
            # As text, not objects: loading it needs no pickle.
            state["feature_names_in_"] = self.feature_names_in_.astype(str)
        return state

    def _set_persistent_state(self, state):
        """Rebuild the network from the parameters and load the weights of ``state``."""
        self.input_shape_ = tuple(int(s) for s in state["input_shape_"])
        self.n_features_in_ = int(state["n_features_in_"])
        self.n_iter_ = int(state["n_iter_"])
        self.loss_curve_ = [float(v) for v in state["loss_curve_"]]
        self.active_fraction_ = [float(v) for v in state.get("active_fraction_", [])]
        for name in self._persistent_attributes[len(_DeepEmbedding._persistent_attributes) :]:
            value = np.asarray(state[name])
            setattr(self, name, value.item() if value.ndim == 0 else value)
        if "feature_names_in_" in state:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        weights = {
            k[len("network.") :]: torch.from_numpy(np.array(v))
            for k, v in state.items()
            if k.startswith("network.")
        }
        dtype = next(v.dtype for v in weights.values() if v.is_floating_point())
        network = self._new_network().to(dtype=dtype)
        network.load_state_dict(weights)
        self.network_ = network.to(_resolve_device(self.device)).eval()
        return self


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
