"""metric-learn 0.7.0's SDML, runnable on the peer's scikit-learn (1.5.2).

metric-learn 0.7.0 calls ``sklearn.covariance.graphical_lasso(..., cov_init=...)``; the
``cov_init`` keyword was removed from scikit-learn in 1.5, so without skggm its SDML raises
``RuntimeError`` on every fit in the peer interpreter. These classes are metric-learn's own
``SDML`` and ``SDML_Supervised`` with that one keyword dropped: the graphical lasso then
starts from the matrix it is given (scikit-learn's default), as mlearn's SDML does. Nothing
else of metric-learn's algorithm changes.

Imported by name in the peer interpreter (``PeerCounterpart("peer_compat", "SDML_Supervised",
...)`` in ``registry.py``; ``peer_worker.py`` runs from this folder), never by mlearn.
"""

import metric_learn
import metric_learn.sdml as _sdml
from sklearn.covariance import graphical_lasso as _graphical_lasso


def _graphical_lasso_without_cov_init(emp_cov, alpha, *, cov_init=None, **kwargs):
    return _graphical_lasso(emp_cov, alpha, **kwargs)


_sdml.graphical_lasso = _graphical_lasso_without_cov_init

SDML = metric_learn.SDML
SDML_Supervised = metric_learn.SDML_Supervised
