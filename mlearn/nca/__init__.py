"""NCA: Neighbourhood Components Analysis (Goldberger, Roweis, Hinton, Salakhutdinov, NIPS 2004).

NCA learns a linear map L (n_components × n_features) that makes a stochastic
nearest-neighbour rule right as often as possible. In the projected space
z = Lx each point i picks a neighbour j ≠ i with probability (eq. 1 of the
paper)

    p_ij = exp(−‖z_i − z_j‖²) / Σ_{l≠i} exp(−‖z_i − z_l‖²),   p_ii = 0,

and is classified correctly with probability p_i = Σ_{j : y_j = y_i} p_ij. NCA
maximises the expected number of points classified correctly (eq. 2),

    f(L) = Σ_i p_i,

whose gradient (eq. 5) is

    ∂f/∂L = 2 L Σ_i ( p_i Σ_k p_ik x_ik x_ikᵀ − Σ_{j : y_j = y_i} p_ij x_ij x_ijᵀ ),
    x_ij = x_i − x_j.

We minimise −f(L) (scikit-learn's :class:`~sklearn.neighbors.NeighborhoodComponentsAnalysis`
and metric-learn's ``NCA`` minimise the same function) with L-BFGS on the fused
loss and gradient. The objective is not convex: the fit is a stationary point
reached from ``init``.

The softmax is over all n² pairs. It is never formed whole: the shared core
:mod:`mlearn._pair_softmax` walks row tiles of it, with the targets b_i the
one-hot class of point i, s_i = Σ_j p_ij b_j (the class probabilities of i's
soft neighbourhood), f_i = −⟨s_i, b_i⟩ = −p_i and u_i = −b_i, and assembles the
gradient as 2 Vᵀ X with V of shape n × n_components — never an n × n × d
tensor, and no n × n matrix beyond one tile of rows (sized by scikit-learn's
``working_memory``), except below 64 MiB, where the whole matrix is kept so that
the gradient takes one n × n × k product fewer. The docs page "NCA" gives the
cost of the tile size.

For float64 data and ``tol`` ≥ 1e-6 (the default is 1e-5) the softmax stage runs
in float32: every pass over the n × n matrix moves half the bytes. The loss of a
tile is summed in float64; the objective is then rounded to about 1e-7 relative,
ten times below what the stopping rule reads, and the fit takes the same L-BFGS
path as in float64 (``benchmarks/results/nca_mlkr_peer.md``). A smaller ``tol``
keeps float64 throughout.
"""

from ._nca import NCA

__all__ = ["NCA"]
