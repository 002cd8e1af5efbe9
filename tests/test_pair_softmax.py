"""The tiled pair-softmax objective against a brute-force n × n reference and finite differences."""

import numpy as np
import pytest
from sklearn import config_context

from mlearn._pair_softmax import PairSoftmax, softmax_loss_and_grad
from mlearn.mlkr._objective import squared_error_row_loss
from mlearn.nca._objective import misclassification_row_loss, one_hot_classes


def _problem(kind, n=40, d=5, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    if kind == "nca":
        y = rng.integers(0, 3, n)
        X[:, 0] += y
        targets, row_loss = one_hot_classes(y, 3, dtype), misclassification_row_loss
    else:
        targets = (X[:, :2].sum(axis=1) + 0.1 * rng.normal(size=n)).reshape(-1, 1).astype(dtype)
        row_loss = squared_error_row_loss
    L = (0.7 * rng.normal(size=(k, d))).astype(dtype)
    return X, targets, row_loss, L


def _brute_force(X, B, kind, L):
    """Loss and ∂loss/∂L from the full n × n softmax and explicit pair differences."""
    diff = X[:, None, :] - X[None, :, :]  # n × n × d: small n only
    Zdiff = diff @ L.T
    D = np.sum(Zdiff**2, axis=2)
    np.fill_diagonal(D, np.inf)
    K = np.exp(-(D - D.min(axis=1, keepdims=True)))
    P = K / K.sum(axis=1, keepdims=True)
    S = P @ B
    if kind == "nca":
        loss, U = -np.sum(S * B), -B
    else:
        loss, U = np.sum((S - B) ** 2), 2 * (S - B)
    W = P * (np.sum(U * S, axis=1)[:, None] - U @ B.T)
    gradient = 2 * np.einsum("ij,ijk,ijl->kl", W, Zdiff, diff)
    return loss, gradient


@pytest.mark.parametrize("kind", ["nca", "mlkr"])
@pytest.mark.parametrize("tile_rows", [1, 7, 16, 40, None])
@pytest.mark.parametrize("whole_matrix", [False, True])
def test_tiled_objective_equals_brute_force(kind, tile_rows, whole_matrix):
    X, B, row_loss, L = _problem(kind)
    evaluator = PairSoftmax(
        0, X, B, row_loss=row_loss, tile_rows=tile_rows, whole_matrix=whole_matrix
    )
    loss_and_grad = softmax_loss_and_grad(evaluator, *L.shape, X.dtype)
    # A first call at another L: the second must not read anything the first left behind.
    loss_and_grad(2 * L.ravel())
    loss, gradient = loss_and_grad(L.ravel())
    expected_loss, expected_gradient = _brute_force(X, B, kind, L)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-10)
    scale = np.abs(expected_gradient).max()
    np.testing.assert_allclose(gradient.reshape(L.shape), expected_gradient, atol=1e-10 * scale)


def test_the_whole_matrix_is_kept_only_when_the_evaluator_holds_every_point():
    X, B, row_loss, _ = _problem("nca", n=30)
    assert PairSoftmax(0, X, B, row_loss=row_loss)._uses_whole_matrix(30)
    assert not PairSoftmax(0, X, B, row_loss=row_loss, whole_matrix=False)._uses_whole_matrix(30)
    # A block of rows (a shard) walks tiles even when asked for the whole matrix.
    block = PairSoftmax(10, X[10:], B[10:], row_loss=row_loss, whole_matrix=True)
    assert not block._uses_whole_matrix(30)
    with config_context(working_memory=0.001):  # MiB: 30 rows of 30 float64 do not fit
        assert not PairSoftmax(0, X, B, row_loss=row_loss)._uses_whole_matrix(30)


@pytest.mark.parametrize("kind", ["nca", "mlkr"])
def test_gradient_matches_finite_differences(kind):
    X, B, row_loss, L = _problem(kind, n=25, seed=1)
    evaluator = PairSoftmax(0, X, B, row_loss=row_loss, tile_rows=6)
    loss_and_grad = softmax_loss_and_grad(evaluator, *L.shape, X.dtype)
    _, gradient = loss_and_grad(L.ravel())
    h, numeric = 1e-6, np.empty(L.size)
    for e in range(L.size):
        step = np.zeros(L.size)
        step[e] = h
        numeric[e] = (loss_and_grad(L.ravel() + step)[0] - loss_and_grad(L.ravel() - step)[0]) / (
            2 * h
        )
    np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-7 * np.abs(numeric).max())


@pytest.mark.parametrize("kind", ["nca", "mlkr"])
def test_row_blocks_add_up_to_the_whole(kind):
    """Evaluators of row blocks (each with its offset) sum to the one over all rows:
    the property a sharded fit relies on."""
    X, B, row_loss, L = _problem(kind, n=30, seed=2)
    whole = PairSoftmax(0, X, B, row_loss=row_loss)
    bounds = [(0, 11), (11, 30)]
    blocks = [PairSoftmax(a, X[a:b], B[a:b], row_loss=row_loss) for a, b in bounds]
    Z = np.concatenate([block.embed(L) for block in blocks])
    np.testing.assert_allclose(Z, whole.embed(L), rtol=1e-14)
    parts = [block.loss_and_directions(Z, B) for block in blocks]
    loss, V = whole.loss_and_directions(Z, B)
    np.testing.assert_allclose(sum(p[0] for p in parts), loss, rtol=1e-12)
    np.testing.assert_allclose(sum(p[1] for p in parts), V, rtol=1e-10, atol=1e-12)
    gradient = sum(block.gradient(V[a:b]) for block, (a, b) in zip(blocks, bounds, strict=True))
    np.testing.assert_allclose(gradient, whole.gradient(V), rtol=1e-12)


def test_float32_stays_float32_and_matches_float64():
    X, B, row_loss, L = _problem("nca", seed=3)
    X32, B32, L32 = X.astype(np.float32), B.astype(np.float32), L.astype(np.float32)
    evaluator = PairSoftmax(0, X32, B32, row_loss=row_loss, tile_rows=9)
    Z = evaluator.embed(L32)
    loss, V = evaluator.loss_and_directions(Z, B32)
    assert Z.dtype == V.dtype == evaluator.gradient(V).dtype == np.float32
    expected, _ = _brute_force(X32.astype(np.float64), B, "nca", L32.astype(np.float64))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_far_apart_points_give_a_finite_objective():
    """Distances of 10⁶ between clusters: every exp underflows except the nearest ones."""
    X, B, row_loss, L = _problem("mlkr", n=20, seed=4)
    X[10:] += 1e3
    evaluator = PairSoftmax(0, X, B, row_loss=row_loss)
    loss, gradient = softmax_loss_and_grad(evaluator, *L.shape, X.dtype)(L.ravel())
    expected_loss, expected_gradient = _brute_force(X, B, "mlkr", L)
    assert np.isfinite(loss) and np.all(np.isfinite(gradient))
    # Distances from norms of size 10⁵ lose digits against explicit differences.
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-8)
    np.testing.assert_allclose(
        gradient.reshape(L.shape), expected_gradient, atol=1e-8 * np.abs(expected_gradient).max()
    )


def test_wide_evaluator_takes_over_above_the_squared_norm():
    """A float32 evaluator with a float64 one beside it: the float64 one evaluates every L
    whose centred projected points reach a squared norm above the bound."""
    X, B, row_loss, L = _problem("nca", seed=5)
    narrow = PairSoftmax(0, X.astype(np.float32), B.astype(np.float32), row_loss=row_loss)
    wide = PairSoftmax(0, X, B, row_loss=row_loss)
    alone = {
        "float32": softmax_loss_and_grad(narrow, *L.shape, np.float32)(L.ravel()),
        "float64": softmax_loss_and_grad(wide, *L.shape, np.float64)(L.ravel()),
    }
    Z = X @ L.T
    largest = np.max(np.sum((Z - Z.mean(axis=0)) ** 2, axis=1))
    for bound, expected in [(0.5 * largest, "float64"), (2.0 * largest, "float32")]:
        both = softmax_loss_and_grad(
            narrow, *L.shape, np.float32, wide=wide, max_squared_norm=bound
        )
        loss, gradient = both(L.ravel())
        assert loss == alone[expected][0]
        np.testing.assert_array_equal(gradient, alone[expected][1])
    assert alone["float32"][0] != alone["float64"][0]


def _assert_is_brute_force(X, B, L, loss, gradient, rtol):
    """NCA's loss and gradient at L are the float64 brute force's, to ``rtol``."""
    X64, B64, L64 = (a.astype(np.float64) for a in (X, B, L))
    expected_loss, expected_gradient = _brute_force(X64, B64, "nca", L64)
    np.testing.assert_allclose(loss, expected_loss, rtol=rtol)
    np.testing.assert_allclose(
        gradient.reshape(L.shape), expected_gradient, atol=rtol * np.abs(expected_gradient).max()
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("whole_matrix", "own_class"), [(False, False), (True, False), (True, True)]
)
def test_weights_hold_no_subnormal_numbers_and_the_objective_is_unchanged(
    dtype, whole_matrix, own_class
):
    """Distances spread up to the exponent floor: without the flush, a share of the pair
    weights falls below the smallest normal number (and the products that read W slow
    down several times); with it, none does, and loss and gradient are the brute force's.
    NCA's whole-matrix passes (``own_class``) keep their weights in W's lower triangle."""
    from mlearn.nca._objective import ClassPairSoftmax

    # (Seed 6 makes weights below the smallest normal number in both layouts; seed 5 in the
    # row-shifted one only.)
    X, B, row_loss, L = _problem("nca", n=60, seed=6 if own_class else 5, dtype=dtype)
    # Squared distances from 0 to well past the floor (about 79 in float32, 700 in float64).
    scale = 3.0 if dtype == np.float32 else 8.0
    L = (scale * L).astype(dtype)
    if own_class:
        evaluator = ClassPairSoftmax(0, X, B, whole_matrix=True)
    else:
        evaluator = PairSoftmax(0, X, B, row_loss=row_loss, tile_rows=13, whole_matrix=whole_matrix)
    loss, gradient = softmax_loss_and_grad(evaluator, *L.shape, dtype)(L.ravel())
    W = evaluator._buffer
    if own_class:
        W = W[np.tril_indices(W.shape[0], -1)]
    tiny = np.finfo(dtype).tiny
    assert not np.any((W != 0) & (np.abs(W) < tiny))
    # The flush did act: some weights are exactly 0 besides the diagonal's.
    assert np.count_nonzero(W == 0) > X.shape[0]
    _assert_is_brute_force(X, B, L, loss, gradient, 1e-4 if dtype == np.float32 else 1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("tile_rows", "whole_matrix"), [(1, False), (7, False), (None, True)])
def test_the_own_class_pass_of_nca_gives_the_generic_objective(dtype, tile_rows, whole_matrix):
    """NCA's evaluator computes the weights from the class labels in one compiled pass;
    loss and V are those of the generic passes (the mix product and u = ∂f/∂s), and the
    gradient the brute force's."""
    from mlearn.nca._objective import ClassPairSoftmax

    X, B, row_loss, L = _problem("nca", n=45, seed=6, dtype=dtype)
    fused = ClassPairSoftmax(0, X, B, tile_rows=tile_rows, whole_matrix=whole_matrix)
    generic = PairSoftmax(
        0, X, B, row_loss=row_loss, tile_rows=tile_rows, whole_matrix=whole_matrix
    )
    assert fused.own_class_loss and not generic.own_class_loss
    Z = generic.embed(L)
    loss, V = fused.loss_and_directions(Z, B)
    expected_loss, expected_V = generic.loss_and_directions(Z, B)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss, expected_loss, rtol=rtol)
    np.testing.assert_allclose(V, expected_V, rtol=rtol, atol=rtol * np.abs(expected_V).max())
    gradient = softmax_loss_and_grad(fused, *L.shape, dtype)(L.ravel())[1]
    _, brute = _brute_force(*(a.astype(np.float64) for a in (X, B)), "nca", L.astype(np.float64))
    np.testing.assert_allclose(
        gradient.reshape(L.shape), brute, atol=10 * rtol * np.abs(brute).max()
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("n_isolated", "symmetric"), [(0, True), (3, True), (12, False)])
def test_the_symmetric_passes_of_nca_equal_brute_force_with_isolated_points(
    dtype, n_isolated, symmetric, monkeypatch
):
    """NCA's whole-matrix evaluation exponentiates each pair once, unshifted, and computes
    the rows of points far from all others (nearest squared distance beyond NEAREST_RANGE)
    apart; with more than an eighth of the points isolated it hands over to the row-shifted
    passes. Loss and gradient are the brute force's on every path, and the path taken is
    the one expected."""
    import mlearn._pair_softmax as pair_softmax
    from mlearn.nca._objective import ClassPairSoftmax

    X, B, _, L = _problem("nca", n=48, seed=7, dtype=dtype)
    # Groups of up to four points at the corners of a regular tetrahedron (in the projected
    # space), far from the rest and from each other, of squared edge about 1.5 times the
    # range (within about 1 of each other): their nearest neighbours are each other, beyond
    # the range, at distances close enough for their softmax to spread over two classes.
    rng = np.random.default_rng(1)
    corners = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / np.sqrt(8)
    edge = np.sqrt(1.5 * pair_softmax.NEAREST_RANGE[dtype])
    lift = np.linalg.pinv(L.astype(np.float64))
    for point in range(n_isolated):
        group, corner = divmod(point, 4)
        centre = np.zeros(3)
        centre[group] = 3 * edge
        target = centre + edge * (corners[corner] + rng.normal(size=3) / edge**2)
        i = 4 * point + 1
        X[i] += (lift @ (target - L @ X[i].astype(np.float64))).astype(dtype)
        B[i] = np.eye(3)[corner // 2]  # two classes in a group, two of each
    taken = []

    def spy(passes, W):
        terms = symmetric_terms(passes, W)
        taken.append(terms is not None)
        return terms

    symmetric_terms = pair_softmax._symmetric_class_terms
    monkeypatch.setattr(pair_softmax, "_symmetric_class_terms", spy)
    evaluator = ClassPairSoftmax(0, X, B, whole_matrix=True)
    loss, gradient = softmax_loss_and_grad(evaluator, *L.shape, dtype)(L.ravel())
    assert taken == [symmetric]
    _assert_is_brute_force(X, B, L, loss, gradient, 1e-4 if dtype == np.float32 else 1e-10)
