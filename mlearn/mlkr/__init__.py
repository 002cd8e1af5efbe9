"""MLKR: Metric Learning for Kernel Regression (Weinberger & Tesauro, AISTATS 2007).

MLKR learns a linear map L for a regression target y. In the projected space
z = Lx, each point's target is predicted by Nadaraya–Watson kernel regression
over all the other points with the Gaussian kernel k_ij = exp(−‖z_i − z_j‖²)
(eq. 2 and 5 of the paper, the kernel width absorbed into L):

    ŷ_i = Σ_{j≠i} p_ij y_j,   p_ij = k_ij / Σ_{l≠i} k_il,

and MLKR minimises the leave-one-out squared error (eq. 3)

    ℒ(L) = Σ_i (ŷ_i − y_i)².

Its gradient (eq. 8, written for L) is

    ∂ℒ/∂L = 4 L Σ_i (ŷ_i − y_i) Σ_j p_ij (ŷ_i − y_j) x_ij x_ijᵀ,   x_ij = x_i − x_j.

The objective is not convex; it is minimised by L-BFGS on the fused loss and
gradient from ``init``. metric-learn's ``MLKR`` minimises the same function.

With 100 parameters for 10 features and a few hundred points, the leave-one-out
error overfits a noisy target. By default (``early_stopping=True``) a fifth of the
points is held out: L-BFGS fits ℒ on the others, and the iterate (the start
included) whose kernel regression from the fitted points predicts the held-out
targets best is kept, the fit ending ``n_iter_no_change`` iterations after it.

The softmax p is NCA's, read through other targets: the shared core
:mod:`mlearn._pair_softmax` walks row tiles of it with b_i = y_i,
s_i = ŷ_i, f_i = (s_i − y_i)² and u_i = 2 (s_i − y_i), so that
w_ij = 2 p_ij (ŷ_i − y_i)(ŷ_i − y_j), and assembles the gradient as 2 Vᵀ X with
V of shape n × n_components: no n × n × d tensor, and no n × n matrix beyond one
tile of rows (sized by scikit-learn's ``working_memory``), except below 64 MiB,
where the whole matrix is kept so that the gradient takes one n × n × k product
fewer.
"""

from ._mlkr import MLKR

__all__ = ["MLKR"]
