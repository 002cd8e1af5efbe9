"""DeepMetricLearner: a network trained on labelled points by any loss, miner and distance."""

import copy
import numbers

import numpy as np
import torch
from sklearn.base import _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_class_labels
from ..base import SupervisedMixin
from ._embedding import _DeepEmbedding
from ._semi_supervised import UNLABELLED, neighbour_pseudo_labels, unlabelled_mask
from .distances import BaseDistance, CosineSimilarity, DotProductSimilarity, LpDistance
from .losses import LOSSES, BaseMetricLoss, make_loss
from .miners import MINERS, BaseMiner, make_miner
from .samplers import class_balanced_batches

DISTANCES = {
    "normalized_euclidean": lambda: LpDistance(normalize_embeddings=True),
    "euclidean": lambda: LpDistance(normalize_embeddings=False),
    "cosine": CosineSimilarity,
    "dot": DotProductSimilarity,
}
# miner='auto': the mining each loss's paper trains with (none: every tuple of the batch).
_AUTO_MINER = {
    "triplet": "semihard",
    "margin": "distance_weighted",
    "multi_similarity": "multi_similarity",
}


def make_distance(distance):
    """A distance object from a name (:data:`DISTANCES`) or an instance (as is)."""
    return distance if isinstance(distance, BaseDistance) else DISTANCES[distance]()


class DeepMetricLearner(SupervisedMixin, _DeepEmbedding):
    """A network f trained on labelled points so that close embeddings share a class.

    Each batch holds ``samples_per_class`` examples of each of its classes; the
    ``miner`` picks tuples of the batch by the ``distance`` between embeddings, and
    the ``loss`` of those tuples is minimised (:mod:`mlearn.deep.losses`,
    :mod:`mlearn.deep.miners`, :mod:`mlearn.deep.distances`). The defaults — the
    supervised contrastive loss (SupCon, τ = 0.1) on unit-normalised embeddings,
    every pair of the batch, Adam at lr 2·10⁻³ annealed by a cosine — were chosen
    on MNIST-5k and Fashion-MNIST over seeds against pytorch-metric-learning's
    best configuration (``benchmarks/results/deep_batch_ablation.md``) and checked
    on the 8×8 digits (``benchmarks/results/deep_defaults.md``). On test classes
    that training never saw (the class-disjoint split of
    ``benchmarks/results/deep_retrieval/``) they trail that library's best there
    (multi-similarity); the changes that narrow the gap (a lower lr; the
    multi-similarity, contrastive or margin loss) lose the usual split on
    Fashion-MNIST (``benchmarks/results/deep_disjoint_ablation.md``). Hard mining
    on unnormalised distances collapses (every point embedded at one place), and
    training warns (:class:`~mlearn.deep.EmbeddingCollapseWarning`) when that
    happens. The inputs
    should be scaled (pixels in [0, 1], or ``StandardScaler``) as for any network.
    Points labelled −1 are unlabelled: by default they train under pseudo-labels
    voted by their labelled neighbours in the embedding (``unlabelled``).

    Parameters
    ----------
    network : {'mlp', 'cnn'} or torch.nn.Module class, default='mlp'
        The embedding network (:mod:`mlearn.deep.networks`). 'mlp' flattens
        its input; 'cnn' takes images (n, C, H, W), (n, H, W), or (n, d) with
        d a square number of pixels (8×8 and 28×28 and larger). A class is
        instantiated with ``input_shape`` (the shape of one sample) and
        ``embedding_dim`` where its constructor takes them.
    embedding_dim : int, default=32
        k, the dimension of the embedding.
    loss : str or BaseMetricLoss, default='supcon'
        'triplet', 'contrastive', 'margin', 'multi_similarity', 'ntxent', 'supcon',
        'proxy_anchor', 'arcface' or 'lmnn' (built with ``distance`` and ``margin``
        where the loss has a distance margin: triplet, contrastive, margin, LMNN;
        the others compare by the cosine similarity of their papers), or a loss
        object, used as is. Its parameters (proxies, class weights, β) are trained
        with the network.
    margin : float or None, default=None
        The margin of the triplet (α), contrastive (m₋), margin (α) and LMNN (α)
        losses; None keeps the loss's default (0.2 for the triplet loss).
    miner : str, BaseMiner or None, default='auto'
        Which tuples of a batch the loss sees: 'semihard', 'batch_hard',
        'batch_easy_hard', 'hard', 'random', 'all', 'distance_weighted',
        'pair_margin', 'multi_similarity' (built on ``distance``), a miner
        object, or None (every tuple of the batch). 'auto' is the mining of the
        loss's paper: 'semihard' for the triplet loss, 'distance_weighted' for the
        margin loss, 'multi_similarity' for the multi-similarity loss, None for
        the others (which weigh every pair, or have proxies).
    distance : str or BaseDistance, default='normalized_euclidean'
        'normalized_euclidean' (‖x̂ − ŷ‖ of unit vectors), 'euclidean', 'cosine',
        'dot', or a distance object: the distance of the miner and of the losses
        with a distance margin. With a normalising distance (the loss's own, for
        the default SupCon), ``transform`` returns unit vectors, so Euclidean
        neighbours of the output are the learnt ones.
    samples_per_class : int, default=4
        Examples of each class drawn together into a batch.
    max_epochs : int, default=20
        Passes over the training data.
    batch_size : int, default=64
    lr : float, default=2e-3
        Learning rate (at the start of a fit, with the cosine schedule).
    lr_schedule : {'constant', 'cosine'}, default='cosine'
        'cosine' anneals the learning rate from ``lr`` to 0 over the epochs of a fit
        (``partial_fit``'s one epoch runs at ``lr``).
    optimizer : {'adam', 'adamw', 'sgd'} or torch.optim.Optimizer class, default='adam'
        'sgd' uses momentum 0.9; a class is called as ``optimizer(params, lr=lr)``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training points (stratified), stop
        when their MAP@R has not improved for ``n_iter_no_change`` epochs and keep
        the weights of the best epoch.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    unlabelled : {'pseudo_label', 'ignore'}, default='pseudo_label'
        What becomes of the points labelled −1 (unlabelled, the convention of
        :mod:`mlearn.constraints`). 'pseudo_label': before each epoch after the
        first, each takes the majority class of its ``pseudo_label_neighbors``
        nearest labelled points in the current embedding, and joins the epoch's
        batches under that label when at least ``pseudo_label_threshold`` of
        them agree (the others sit the epoch out). 'ignore': they are dropped
        and the network is trained on the labelled points alone. Without −1
        labels both are the same fit.
    pseudo_label_neighbors : int, default=10
        k, the labelled neighbours that vote on an unlabelled point's class.
    pseudo_label_threshold : float, default=1.0
        τ, the share of the k votes the majority class needs for the point to
        be used in an epoch (1.0: all k agree). The defaults k=10, τ=1 were
        chosen on MNIST with 10 % of the labels and checked on Fashion-MNIST
        (``benchmarks/results/deep_semisupervised.md``).
    warm_start : bool, default=False
        Continue from the fitted network, loss and optimiser instead of starting anew.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
        'auto' takes CUDA when torch sees it.
    mixed_precision : bool, default=False
        On CUDA, compute the forward pass in bfloat16 (ignored on the CPU).
    n_threads : int or None, default=1
        Threads of torch's CPU operators during fit and transform (restored
        afterwards); None keeps torch's setting. One thread is the default
        because batches of a few dozen samples leave too little work per
        operation to share: on 2 cores, a 5-epoch MLP fit on 1,000 digits took
        0.28 s on one thread and 4.7 s on two (docs/deep.rst). Raise it for
        large convolutional networks.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the batches and the random miners: fits are
        reproducible on the CPU for a fixed integer.
    verbose : int, default=0
        Show a progress bar over epochs (loss, active fraction, validation MAP@R) if > 0.
    **network_params
        ``network__<name>=value`` is passed to the network's constructor, e.g.
        ``network__hidden_sizes=(128, 64)`` for the MLP or
        ``network__channels=(32, 64)`` for the CNN.

    Attributes
    ----------
    network_ : torch.nn.Module
        The trained network, in eval mode.
    loss_ : BaseMetricLoss
        The trained loss (with its parameters, if any).
    miner_ : BaseMiner or None
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        Shape of one training sample.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        When X has string feature names.
    n_iter_ : int
        Epochs run (over all fits, with ``warm_start`` or ``partial_fit``).
    loss_curve_ : list of float
        Mean batch loss per epoch.
    active_fraction_ : list of float
        Mean fraction of tuples with a non-zero loss, per epoch.
    embedding_spread_ : list of float
        Mean distance of embedded training points to their centroid, per epoch.
    validation_scores_ : list of float
        Validation MAP@R per epoch (with ``early_stopping``).
    pseudo_label_fraction_ : list of float
        With ``unlabelled='pseudo_label'`` and −1 labels in y: per epoch from the
        second of the last fit, the share of the unlabelled points that trained
        under a pseudo-label.
    pseudo_labels_ : ndarray of shape (n_unlabelled,)
        With ``unlabelled='pseudo_label'`` and −1 labels in y: the classes (of
        ``classes_``) the unlabelled points of the last fit took in its last
        epoch, in their order in y; −1 where the votes were below the threshold.
    best_validation_score_, best_epoch_ : float, int
        With ``early_stopping``: the best validation MAP@R and its epoch (kept).
    normalize_embeddings_ : bool
        Whether ``transform`` returns unit vectors.

    See Also
    --------
    DeepPairsLearner : the same networks learned from similar/dissimilar pairs.

    References
    ----------
    F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: a unified embedding for
    face recognition and clustering", CVPR 2015.
    K. Musgrave, S. Belongie and S.-N. Lim, "A metric learning reality check", ECCV 2020.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from mlearn.deep import DeepMetricLearner
    >>> X, y = load_digits(return_X_y=True)
    >>> learner = DeepMetricLearner(max_epochs=5, random_state=0).fit(X[:1000] / 16, y[:1000])
    >>> learner.transform(X[:3] / 16).shape
    (3, 32)
    >>> knn = KNeighborsClassifier(1).fit(learner.transform(X[:1000] / 16), y[:1000])
    >>> bool(knn.score(learner.transform(X[1000:] / 16), y[1000:]) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **_DeepEmbedding._parameter_constraints,
        "loss": [StrOptions(set(LOSSES)), BaseMetricLoss],
        "margin": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "miner": [StrOptions(set(MINERS) | {"auto"}), BaseMiner, None],
        "distance": [StrOptions(set(DISTANCES)), BaseDistance],
        "samples_per_class": [Interval(numbers.Integral, 2, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "unlabelled": [StrOptions({"pseudo_label", "ignore"})],
        "pseudo_label_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "pseudo_label_threshold": [Interval(numbers.Real, 0, 1, closed="right")],
    }
    _persistent_attributes = _DeepEmbedding._persistent_attributes + ("classes_",)

    def __init__(
        self,
        network="mlp",
        embedding_dim=32,
        loss="supcon",
        margin=None,
        miner="auto",
        distance="normalized_euclidean",
        samples_per_class=4,
        max_epochs=20,
        batch_size=64,
        lr=2e-3,
        lr_schedule="cosine",
        optimizer="adam",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        unlabelled="pseudo_label",
        pseudo_label_neighbors=10,
        pseudo_label_threshold=1.0,
        warm_start=False,
        device="cpu",
        mixed_precision=False,
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
        self.distance = distance
        self.samples_per_class = samples_per_class
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.optimizer = optimizer
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.unlabelled = unlabelled
        self.pseudo_label_neighbors = pseudo_label_neighbors
        self.pseudo_label_threshold = pseudo_label_threshold
        self.warm_start = warm_start
        self.device = device
        self.mixed_precision = mixed_precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self._store_network_params(network_params)

    def _build_loss(self):
        if isinstance(self.loss, BaseMetricLoss):
            return copy.deepcopy(self.loss)  # the parameter stays untrained
        return make_loss(
            self.loss,
            distance=make_distance(self.distance),
            margin=self.margin,
            n_classes=len(self.classes_),
            embedding_dim=self.embedding_dim,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on labelled points (continuing it with ``warm_start``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*image_shape)
        y : array-like of shape (n_samples,)
            Class labels; −1 marks an unlabelled point (see ``unlabelled``).

        Returns
        -------
        self : DeepMetricLearner
        """
        continuing = self.warm_start and hasattr(self, "network_")
        return self._fit(X, y, self.max_epochs, continuing, self.early_stopping)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """One epoch on (X, y), continuing from the fitted network if there is one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, \\*image_shape)
        y : array-like of shape (n_samples,)
            Class labels; −1 marks an unlabelled point (see ``unlabelled``).
        classes : array-like of shape (n_classes,) or None, default=None
            Every class of the data, needed on the first call when a loss has one
            parameter per class and this batch lacks some; ignored afterwards.

        Returns
        -------
        self : DeepMetricLearner
        """
        continuing = hasattr(self, "network_")
        return self._fit(X, y, 1, continuing, False, classes)

    def _encode(self, y, n_samples, continuing, classes):
        if not continuing:
            self.classes_, encoded = check_class_labels(y, n_samples)
            if classes is not None:
                self.classes_ = np.unique(np.asarray(classes))
                encoded = np.searchsorted(self.classes_, np.asarray(y))
            return encoded
        y = np.asarray(y).ravel()
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(f"y holds classes not seen in the first fit: {np.unique(y[unknown])}.")
        return np.searchsorted(self.classes_, y)

    def _fit(self, X, y, epochs, continuing, early_stopping, classes=None):
        X, y = validate_data(
            self, X, y, dtype=[np.float64, np.float32], allow_nd=True, reset=not continuing
        )
        if continuing:
            check_is_fitted(self, "network_")
        X, y = self._split_unlabelled(X, y, continuing, classes)
        validation = None
        if early_stopping:
            # Held out among the labelled points; the unlabelled ones all train.
            seed = check_random_state_seed(self.random_state)
            labelled = np.flatnonzero(y != UNLABELLED)
            train, held = train_test_split(
                labelled, test_size=self.validation_fraction,
                stratify=y[labelled], random_state=seed,
            )  # fmt: skip
            validation = (X[held], y[held])
            train = np.sort(np.concatenate([train, np.flatnonzero(y == UNLABELLED)]))
            X, y = X[train], y[train]
        if not continuing or not hasattr(self, "miner_"):
            miner = _AUTO_MINER.get(self.loss) if self.miner == "auto" else self.miner
            self.miner_ = make_miner(miner, make_distance(self.distance), self.margin)
        # The labels of the epoch: pseudo-labels are written into it in place, and the
        # tensor shares its memory.
        current = y.copy()
        labels = torch.from_numpy(current)
        unlabelled = np.flatnonzero(y == UNLABELLED)
        for stale in ("pseudo_label_fraction_", "pseudo_labels_"):
            if hasattr(self, stale):
                delattr(self, stale)
        if unlabelled.shape[0]:
            self.pseudo_label_fraction_ = []

        def make_batches(rng):
            if unlabelled.shape[0] and self.n_iter_ > 0:
                self._refresh_pseudo_labels(X, y, unlabelled, current)
            usable = np.flatnonzero(current != UNLABELLED)
            batches = class_balanced_batches(
                current[usable], self.batch_size, self.samples_per_class, rng
            )
            return [usable[batch] for batch in batches]

        def batch_loss(network, X_tensor, batch, generator):
            embeddings = network(X_tensor[torch.from_numpy(batch).to(X_tensor.device)])
            batch_labels = labels[batch].to(X_tensor.device)
            tuples = None
            if self.miner_ is not None:
                tuples = self.miner_(embeddings.float(), batch_labels, generator)
            value = self.loss_(embeddings, batch_labels, tuples)
            return value, self.loss_.active_fraction_

        self._train(
            X, make_batches, batch_loss, epochs=epochs, continuing=continuing,
            validation=validation,
        )  # fmt: skip
        if unlabelled.shape[0]:
            pseudo = current[unlabelled]
            self.pseudo_labels_ = np.where(
                pseudo == UNLABELLED, UNLABELLED, self.classes_[np.maximum(pseudo, 0)]
            )
        return self

    def _split_unlabelled(self, X, y, continuing, classes):
        """(X, y encoded) with −1 kept for the unlabelled points, or (with
        ``unlabelled='ignore'``) those points dropped."""
        unlabelled = unlabelled_mask(y)
        if unlabelled.all():
            raise ValueError(
                f"{type(self).__name__}: every label of y is -1 (unlabelled); at least two "
                f"labelled classes are needed, with unlabelled={self.unlabelled!r} as with "
                f"any mode."
            )
        if self.unlabelled == "ignore":
            X, y, unlabelled = X[~unlabelled], y[~unlabelled], unlabelled[~unlabelled]
        encoded = np.full(y.shape[0], UNLABELLED, dtype=np.intp)
        encoded[~unlabelled] = self._encode(
            y[~unlabelled], int((~unlabelled).sum()), continuing, classes
        )
        return X, encoded

    def _refresh_pseudo_labels(self, X, y, unlabelled, current):
        """Write into ``current`` the pseudo-labels of the ``unlabelled`` rows of X from
        their labelled neighbours in the current embedding (:mod:`._semi_supervised`)."""
        labelled = np.flatnonzero(y != UNLABELLED)
        embedded = self._embed(X)
        self.network_.train()  # _embed left it in eval mode, mid-training
        pseudo, _ = neighbour_pseudo_labels(
            embedded[unlabelled], embedded[labelled], y[labelled],
            self.pseudo_label_neighbors, self.pseudo_label_threshold,
        )  # fmt: skip
        current[unlabelled] = pseudo
        self.pseudo_label_fraction_.append(float(np.mean(pseudo != UNLABELLED)))


def check_random_state_seed(random_state):
    """An integer seed drawn from ``random_state`` (for splits that must not consume it)."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
