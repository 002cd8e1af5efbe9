"""mlearn: metric learning with the scikit-learn API.

Learn a distance d(x, x') = ‖L x − L x'‖ (M = LᵀL ⪰ 0) from labels or from weak
supervision, with estimators that slot into Pipeline, GridSearchCV and kNN.
"""

from .covariance import Covariance
from .farm import FARM, FARMSupervised
from .itml import ITML, ITMLSupervised
from .kernel import KernelITML, KernelLMNN, KernelMetricLearner
from .lfda import LFDA
from .lmnn import LMNN, MultiMetricLMNN
from .lsml import LSML, LSMLSupervised
from .mlkr import MLKR
from .mmc import MMC, MMCSupervised
from .nca import NCA
from .rca import RCA, RCASupervised
from .scml import SCML, SCMLSupervised
from .sdml import SDML, SDMLSupervised
from .triplet_svm import TripletSVM, TripletSVMSupervised

__version__ = "0.1.0.dev0"

__all__ = [
    "Covariance",
    "FARM",
    "FARMSupervised",
    "ITML",
    "ITMLSupervised",
    "KernelITML",
    "KernelLMNN",
    "KernelMetricLearner",
    "LFDA",
    "LMNN",
    "LSML",
    "LSMLSupervised",
    "MLKR",
    "MMC",
    "MMCSupervised",
    "MultiMetricLMNN",
    "NCA",
    "RCA",
    "RCASupervised",
    "SDML",
    "SDMLSupervised",
    "SCML",
    "SCMLSupervised",
    "TripletSVM",
    "TripletSVMSupervised",
]
