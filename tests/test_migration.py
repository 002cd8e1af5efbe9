"""The migration table (``docs/migration_table.csv``), row by row.

Each row maps a metric-learn 0.7.0 name (a class, a constructor or fit parameter, a
fitted attribute, a method) to mlearn's. The test of a row builds the mlearn class,
sets the mapped parameter to the row's value and fits on small data, or reads the
mapped attribute of a fitted learner, or finds the mapped method; a row that says
mlearn has no equivalent ("—") checks that the metric-learn name is indeed absent,
so the table cannot go stale silently. Rows of learners not merged yet are skipped,
naming the class.
"""

import ast
import csv
import inspect
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import mlearn
import mlearn.base
import mlearn.constraints

from ._estimators import fit_args, fit_quietly, fitted, labelled_points, make, supervision

TABLE = Path(__file__).resolve().parents[1] / "docs" / "migration_table.csv"
ROWS = list(csv.DictReader(TABLE.open(encoding="utf-8")))

# metric-learn 0.7.0's public classes (``metric_learn.__all__``, read from its installed
# package); every one needs a row.
METRIC_LEARN_CLASSES = [
    "Constraints",
    "Covariance",
    "ITML",
    "ITML_Supervised",
    "LFDA",
    "LMNN",
    "LSML",
    "LSML_Supervised",
    "MLKR",
    "MMC",
    "MMC_Supervised",
    "NCA",
    "RCA",
    "RCA_Supervised",
    "SCML",
    "SCML_Supervised",
    "SDML",
    "SDML_Supervised",
]
# Learners being written on other branches; their rows turn strict once merged.
NOT_MERGED_YET = set()
# metric-learn's mixins and modules, as the rows name them, to mlearn's.
OWNERS = {
    "MahalanobisMixin": "MahalanobisMixin",
    "_PairsClassifierMixin": "PairsMixin",
    "_TripletsClassifierMixin": "TripletsMixin",
    "_QuadrupletsClassifierMixin": "QuadrupletsMixin",
    "constraints": "constraints",
    **{row["metric_learn"]: row["mlearn"] for row in ROWS if row["kind"] == "class"},
}
NAME = re.compile(r"^(?P<owner>\w+)(?:\((?P<param>\w+)\)|\.fit\((?P<fit>\w+)\)|\.(?P<attr>\w+))?$")
CALL = re.compile(r"^(?P<owner>\w+)\.(?P<method>\w+)\(\)$")


def _resolve(name):
    """mlearn's object of this name: a public class, a base mixin, or the constraints module."""
    if name == "constraints":
        return mlearn.constraints
    for module in (mlearn, mlearn.base, mlearn.constraints):
        if hasattr(module, name):
            return getattr(module, name)
    if name in NOT_MERGED_YET:
        pytest.skip(f"{name} is not merged yet")
    raise AssertionError(f"mlearn has no {name}")


def _parts(spelling):
    match = NAME.match(spelling)
    assert match, f"cannot read {spelling!r}"
    return match.groupdict()


def _value(row):
    return row["value"] if row["value"] == "X" else ast.literal_eval(row["value"])


def _fit_with(estimator, value_is_points, **fit_params):
    """Fit on :func:`labelled_points`; with ``preprocessor=X``, on identifiers into it."""
    X, y = labelled_points()
    if not value_is_points:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return estimator.fit(*fit_args(estimator, X, y), **fit_params)
    estimator.set_params(preprocessor=X)
    kind = supervision(estimator)
    if kind in ("supervised", "points"):
        ids = np.arange(len(X))  # X as row identifiers
        return fit_quietly(estimator, *((ids, y) if kind == "supervised" else (ids,)))
    return fit_quietly(estimator, *fit_args(estimator, X, y, indices=True))


def _check_parameter(cls, name, row):
    assert name in inspect.signature(cls).parameters, f"{cls.__name__} takes no {name}"
    estimator = make(cls)
    value = _value(row)
    estimator.set_params(**({} if value == "X" else {name: value}))
    estimator._validate_params()
    estimator = _fit_with(estimator, value == "X")
    assert hasattr(estimator, "components_")
    if name == "n_components":
        assert estimator.components_.shape == (value, estimator.n_features_in_)


def _check_absent(row, ours):
    theirs = _parts(row["metric_learn"])
    owner = _resolve(OWNERS[theirs["owner"]])
    if theirs["param"]:
        assert theirs["param"] not in inspect.signature(owner).parameters
    elif theirs["attr"] and row["kind"] == "attribute":
        assert not hasattr(fitted(owner), theirs["attr"])
    elif theirs["attr"]:
        assert not hasattr(owner, theirs["attr"])


def _check_row(row):
    ours = row["mlearn"]
    if ours == "—":
        return _check_absent(row, ours)
    call = CALL.match(ours)
    if call:
        value = getattr(fitted(_resolve(call["owner"])), call["method"])()
        assert isinstance(value, np.ndarray)
        return None
    parts = _parts(ours)
    owner = _resolve(parts["owner"])
    if parts["param"]:
        return _check_parameter(owner, parts["param"], row)
    if parts["fit"]:
        assert parts["fit"] in inspect.signature(owner.fit).parameters
        if row["value"]:
            estimator = _fit_with(make(owner), False, **{parts["fit"]: _value(row)})
            assert hasattr(estimator, "threshold_")
        return None
    if parts["attr"] and row["kind"] == "attribute":
        assert hasattr(fitted(owner), parts["attr"]), f"{ours} is not set by fit"
    elif parts["attr"]:
        assert callable(getattr(owner, parts["attr"], None)), f"{ours} is not a method"
    return None


@pytest.mark.parametrize("row", ROWS, ids=[row["metric_learn"] for row in ROWS])
def test_each_row_runs_in_mlearn(row):
    _check_row(row)


def test_every_metric_learn_class_has_a_row_and_every_spelling_one_row():
    spellings = [row["metric_learn"] for row in ROWS]
    assert len(spellings) == len(set(spellings))
    assert set(METRIC_LEARN_CLASSES) <= {r["metric_learn"] for r in ROWS if r["kind"] == "class"}
    assert {row["kind"] for row in ROWS} <= {
        "class",
        "parameter",
        "fit parameter",
        "attribute",
        "method",
    }


def test_every_metric_learn_class_maps_to_a_public_name():
    public = set(mlearn.__all__) | NOT_MERGED_YET | {"Constraints"}
    for row in ROWS:
        if row["kind"] == "class":
            assert row["mlearn"] in public, row["mlearn"]


def test_the_page_includes_the_table():
    page = (TABLE.parent / "migration.rst").read_text(encoding="utf-8")
    assert ".. include:: generated/migration_table.rst.inc" in page
