"""The toy problem shared by the tests of mlearn.kernel."""

from sklearn.datasets import make_circles


def circles(n=300, seed=0):
    return make_circles(n, factor=0.4, noise=0.06, random_state=seed)
