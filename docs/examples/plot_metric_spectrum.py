"""
The learned matrix and its spectrum
===================================

:func:`mlearn.plotting.plot_metric` draws the Mahalanobis matrix M as a heatmap on a colour
scale symmetric about zero, and :func:`mlearn.plotting.plot_spectrum` its eigenvalues with the
effective rank, exp of the entropy of the normalised eigenvalues: d for M ∝ I, 1 for a rank-one
M. Here M is the whitening metric of the wine data, whose 13 features are strongly correlated.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from mlearn import Covariance
from mlearn.plotting import effective_rank, plot_metric, plot_spectrum

X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)
model = Covariance().fit(X)
print(f"effective rank of M: {effective_rank(model.get_mahalanobis_matrix()):.2f} of 13")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
plot_metric(model, ax=left)
plot_spectrum(model, ax=right)
plt.show()
