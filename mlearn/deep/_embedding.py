"""What the deep learners share: network options, the training loop, transform,
threads, devices, pickling and persistence.

``_DeepEmbedding`` trains a network f on batches: an epoch asks for index
batches, a loss on each (``batch_loss``), and takes one optimiser step per
batch; ``transform`` is f in eval mode. Options of the network are parameters
named ``network__<name>`` (routed to its constructor, cloned and searched like
any parameter).
"""

import copy
import math
import numbers
from contextlib import contextmanager, nullcontext

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..metrics import map_at_r
from ._training import Progress, collapse_message, embedding_spread, warn_collapse
from .networks import NETWORKS, build_network

_OPTIMIZERS = {
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
    "adamw": lambda params, lr: torch.optim.AdamW(params, lr=lr),
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
}
_NETWORK_PREFIX = "network__"
# Rows embedded at once by transform: bounds memory for large X.
_TRANSFORM_BATCH = 4096
# Training rows whose embedding spread is watched each epoch (collapse detection): enough
# for a spread that falls a hundredfold; 512 rows took 12 % of a small CNN's fit on
# MNIST-5k, 128 take 3 % (benchmarks/deep_epoch_cpu.py).
_PROBE_ROWS = 128


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
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "warm_start": ["boolean"],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "mixed_precision": ["boolean"],
        "n_threads": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }
    # Fitted attributes, besides the network's weights, that persistence keeps.
    _persistent_attributes = (
        "n_features_in_",
        "input_shape_",
        "n_iter_",
        "loss_curve_",
        "normalize_embeddings_",
    )

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

    def _make_scheduler(self, optimizer, epochs):
        # Every fit starts at ``lr``: a cosine schedule ends the previous fit at 0, and a
        # continued fit (warm_start, partial_fit) would otherwise not move at all.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] = self.lr
        if self.lr_schedule == "cosine" and epochs > 1:
            # Per epoch, from lr down to 0 over the epochs of this fit.
            return torch.optim.lr_scheduler.LambdaLR(
                optimizer, lambda e: 0.5 * (1.0 + math.cos(math.pi * e / epochs))
            )
        return None

    def _start_training(self, X, seed, device, dtype, make_loss):
        """A fresh network, loss (``make_loss()``) and optimiser, and empty training curves."""
        self.input_shape_ = tuple(X.shape[1:])
        self.network_ = self._new_network(seed).to(device=device, dtype=dtype)
        # Proxies and class weights are drawn from the seed, not torch's global generator.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            loss = make_loss()
        self.loss_ = loss.to(device=device, dtype=dtype)
        self.normalize_embeddings_ = bool(self.loss_.distance.normalize_embeddings)
        # Proxies, class weights and margins of the loss are trained with the network.
        parameters = [*self.network_.parameters(), *self.loss_.parameters()]
        self._optimizer = self._make_optimizer([p for p in parameters if p.requires_grad])
        self.loss_curve_, self.active_fraction_ = [], []
        self.validation_scores_, self.embedding_spread_ = [], []
        self.n_iter_ = 0

    def _train(self, X, make_batches, batch_loss, *, epochs, continuing, validation=None):
        """Run up to ``epochs`` epochs; ``batch_loss(network, X_tensor, batch, generator)``
        returns (loss tensor, active fraction). ``continuing`` keeps the fitted network,
        loss and optimiser; otherwise they are made anew (the loss by ``_build_loss``).
        With ``validation`` (X_val, y_val), stop after ``n_iter_no_change`` epochs
        without a better MAP@R and keep the best epoch."""
        device = _resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        seed = (seed + getattr(self, "n_iter_", 0) * continuing) % np.iinfo(np.int32).max
        rng = np.random.default_rng(seed)
        generator = torch.Generator().manual_seed(seed)
        # The network computes in X's float dtype: float32 stays float32 end to end.
        dtype = _torch_dtype(X.dtype)
        if not continuing:
            self._start_training(X, seed, device, dtype, self._build_loss)
        if not hasattr(self, "_optimizer"):  # continuing a network loaded from disk
            trained = [*self.network_.parameters(), *self.loss_.parameters()]
            self._optimizer = self._make_optimizer([p for p in trained if p.requires_grad])
        network, optimizer = self.network_, self._optimizer
        scheduler = self._make_scheduler(optimizer, epochs)
        X_tensor = _as_tensor(X, dtype, device)
        probe = X_tensor[torch.from_numpy(rng.permutation(X.shape[0])[:_PROBE_ROWS]).to(device)]
        progress = Progress(type(self).__name__, self.verbose, epochs)
        autocast = (
            torch.autocast("cuda", dtype=torch.bfloat16)
            if self.mixed_precision and device.type == "cuda"
            else nullcontext()
        )
        best, stalled, collapse = None, 0, None
        with _torch_threads(self.n_threads):
            start_spread = self._spread(network, probe)[0]
            for _ in range(epochs):
                network.train()
                self.loss_.train()
                losses, active = [], []
                for batch in make_batches(rng):
                    with autocast:
                        value, fraction = batch_loss(network, X_tensor, batch, generator)
                    optimizer.zero_grad()
                    value.backward()
                    optimizer.step()
                    losses.append(float(value.detach()))
                    active.append(fraction)
                if scheduler is not None:
                    scheduler.step()
                self.n_iter_ += 1
                self.loss_curve_.append(float(np.mean(losses)))
                self.active_fraction_.append(float(np.mean(active)))
                spread, norm = self._spread(network, probe)
                self.embedding_spread_.append(spread)
                collapse = collapse or collapse_message(
                    type(self).__name__, self.n_iter_, spread, start_spread, norm,
                    self.loss_curve_[-1], self.active_fraction_[-1],
                )  # fmt: skip
                score = None if validation is None else self._validation_score(*validation)
                progress.update(
                    self.n_iter_, self.loss_curve_[-1], self.active_fraction_[-1], score
                )
                if score is None:
                    continue
                self.validation_scores_.append(score)
                if best is None or score > best[0]:
                    best, stalled = (score, self.n_iter_, self._weights()), 0
                elif (stalled := stalled + 1) >= self.n_iter_no_change:
                    break
        progress.close()
        if best is not None:
            self.best_validation_score_, self.best_epoch_ = best[0], best[1]
            self.network_.load_state_dict(best[2][0])
            self.loss_.load_state_dict(best[2][1])
        self.network_.eval()
        self.loss_.eval()
        if collapse is not None:
            warn_collapse(collapse)

    def _weights(self):
        return (
            copy.deepcopy(self.network_.state_dict()),
            copy.deepcopy(self.loss_.state_dict()),
        )

    def _spread(self, network, probe):
        network.eval()
        with torch.no_grad():
            out = network(probe).float()
        if self.normalize_embeddings_:
            out = torch.nn.functional.normalize(out, dim=1)
        return embedding_spread(out)

    def _validation_score(self, X_val, y_val):
        """MAP@R of the validation points, each querying the others (mlearn.metrics)."""
        self.network_.eval()
        try:
            return map_at_r(self._embed(X_val), y_val)
        except ValueError:  # every validation point alone in its class: nothing to rank
            return 0.0

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
                embedded = self.network_(batch)
                if getattr(self, "normalize_embeddings_", False):
                    # The loss compared unit vectors: so do the neighbours of the output.
                    embedded = torch.nn.functional.normalize(embedded, dim=1)
                out[block] = embedded.to(weight.dtype).cpu().numpy()
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
        state.update(
            {
                f"loss.{k}": v.detach().cpu().numpy().copy()
                for k, v in self.loss_.state_dict().items()
            }
        )
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
        self.normalize_embeddings_ = bool(state["normalize_embeddings_"])
        self.active_fraction_ = [float(v) for v in state.get("active_fraction_", [])]
        for name in self._persistent_attributes[len(_DeepEmbedding._persistent_attributes) :]:
            value = np.asarray(state[name])
            setattr(self, name, value.item() if value.ndim == 0 else value)
        if "feature_names_in_" in state:
            self.feature_names_in_ = np.asarray(state["feature_names_in_"], dtype=object)
        weights, loss_weights = ({
            k[len(prefix) :]: torch.from_numpy(np.array(v))
            for k, v in state.items()
            if k.startswith(prefix)
        } for prefix in ("network.", "loss."))  # fmt: skip
        dtype = next(v.dtype for v in weights.values() if v.is_floating_point())
        device = _resolve_device(self.device)
        network = self._new_network().to(dtype=dtype)
        network.load_state_dict(weights)
        self.network_ = network.to(device).eval()
        loss = self._build_loss().to(dtype=dtype)
        loss.load_state_dict(loss_weights)
        self.loss_ = loss.to(device).eval()
        return self
