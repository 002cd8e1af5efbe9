"""metric-learn 0.7.0's own test suite, run against mlearn through a name map.

The measure of how far a metric-learn user's code runs unchanged on mlearn. metric-learn's
tests are not in its wheel; its sdist has them. This script unpacks the sdist's ``test/``
into a temporary folder beside a shim package ``metric_learn`` that maps metric-learn's
public names onto mlearn's, and runs pytest there in this interpreter (mlearn's
scikit-learn). The shim is a measurement, not a shipped compatibility layer:

- every class of ``docs/migration_table.csv`` (the one source of truth for the map) under
  its metric-learn name: ``metric_learn.LSML_Supervised`` is ``mlearn.LSMLSupervised``;
  parameters are not renamed (a test that passes a metric-learn spelling mlearn renamed
  fails, and counts as such);
- the module paths the tests import: ``metric_learn.base_metric`` (the mixins, as the
  table's owners map them), ``metric_learn.constraints`` (``Constraints``),
  ``metric_learn.sklearn_shims`` (scikit-learn's testing helpers, as metric-learn's own
  shim takes them), ``metric_learn.exceptions``, ``metric_learn.sdml``, and
  ``metric_learn._util`` with ``components_from_metric`` mapped to
  :func:`mlearn.psd.components_from_metric`; metric-learn's other private helpers are
  stand-ins that raise ``NotImplementedError("metric-learn internal: ...")``, so that the
  test modules import and the tests of those helpers fail under that one cause;
- a ``conftest.py`` that gives ``pytest.warns(None)`` (pytest 6's "record every warning",
  refused by pytest 8) its old meaning, since many tests assert with it that nothing warns.

It writes a table of passed / failed / errored tests per file and the failures grouped by
cause (``CAUSES`` below: regular expressions on the failure text, first match wins).

Usage (from the repository root; the sdist is fetched once with pip, never by the script)::

    pip download metric-learn==0.7.0 --no-binary :all: --no-deps -d /tmp/ml
    OPENBLAS_NUM_THREADS=1 python benchmarks/metric_learn_suite.py \
        --sdist /tmp/ml/metric-learn-0.7.0.tar.gz --out benchmarks/results/metric_learn_suite.md
"""

import argparse
import csv
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "migration_table.csv"

MIXINS = {
    "MahalanobisMixin": "MahalanobisMixin",
    "_PairsClassifierMixin": "PairsMixin",
    "_TripletsClassifierMixin": "TripletsMixin",
    "_QuadrupletsClassifierMixin": "QuadrupletsMixin",
}

# metric-learn's private helpers the test modules import; stand-ins that raise.
INTERNALS = [
    "check_input",
    "make_context",
    "preprocess_tuples",
    "make_name",
    "preprocess_points",
    "check_collapsed_pairs",
    "validate_vector",
    "_check_sdp_from_eigen",
    "_check_n_components",
    "check_y_valid_values_for_pairs",
    "_auto_select_init",
    "_pseudo_inverse_from_eig",
    "_initialize_metric_mahalanobis",
]

# (cause, kind, regular expression on the failure text). kind: "internal" (a test of
# metric-learn's private helpers or exact wording), "deliberate" (a difference the migration
# table documents), "mlearn" (an API behaviour to look at), "environment", "inapplicable"
# (a test metric-learn runs only on other learners, selected here by a parameter mlearn's has).
CAUSES = [
    (
        "pytest.warns(None), which pytest 8 removed",
        "environment",
        r"exceptions must be derived from Warning, not <class 'NoneType'>",
    ),
    ("uses a metric-learn private helper", "internal", r"metric-learn internal: "),
    (
        "a mock learner built on metric-learn's private mixin methods",
        "internal",
        r"_prepare_inputs|_check_preprocessor|_validate_calibration_params|"
        r"MockMetricLearner\(\) takes no arguments|"
        r"'super' object has no attribute '__sklearn_tags__'",
    ),
    (
        "score_pairs (deprecated in metric-learn; mlearn has pair_distance / pair_score)",
        "deliberate",
        r"score_pairs",
    ),
    (
        "repr shows mlearn's class name (LSMLSupervised, not LSML_Supervised)",
        "deliberate",
        r"Supervised\(.*\)' != '\w+_Supervised",
    ),
    (
        "constructor parameter spelled as metric-learn (renamed in mlearn)",
        "deliberate",
        r"unexpected keyword argument|got an unexpected keyword",
    ),
    (
        "exact error / warning message of metric-learn",
        "internal",
        r"Regex pattern did not match|warn_msgs|expected_msg|msg ==|== msg|str\(raised_e|"
        r"\.message\) ==|== str\(|str\(\w+\.value\)|You should provide a strictly positive|"
        r"value\.args\[0\] ==",
    ),
    (
        "an 'lda' start asked of the pairs learner MMC, whose ±1 pair labels are no classes "
        "(MMCSupervised takes it)",
        "deliberate",
        r"The 'init' parameter of MMC must be .*Got 'lda' instead",
    ),
    (
        "a square init that is not a metric: MMC's is a starting metric, as in metric-learn",
        "deliberate",
        r"init is not symmetric",
    ),
    (
        "a test metric-learn runs on learners of points only: it tiles pairs into 4-element tuples",
        "inapplicable",
        r"pairs must have 2 elements each \(axis 1\), got 4",
    ),
    (
        "a warning of metric-learn's for SCML's default n_basis (mlearn documents the default "
        "instead of warning about it)",
        "deliberate",
        r"As no value for `n_basis` was selected",
    ),
    (
        "mlearn's learners are scikit-learn transformers: the test transforms tuples",
        "deliberate",
        r"Found array with dim \d+, while dim <= 2|is expecting \d+ features as input",
    ),
    (
        "LinAlgError with metric-learn's exact text for a singular prior (mlearn: ValueError)",
        "internal",
        r"pytest.raises\(LinAlgError\)|needs a strictly positive definite covariance",
    ),
    (
        "metric-learn's exception classes (PreprocessorError, NonPSDError)",
        "internal",
        r"PreprocessorError|NonPSDError",
    ),
    ("expected a warning mlearn does not raise", "mlearn", r"DID NOT WARN"),
    ("expected an error mlearn does not raise", "mlearn", r"DID NOT RAISE"),
    ("numbers differ from metric-learn's", "mlearn", r"Not equal to tolerance|Arrays are not"),
    ("an assertion on mlearn's output", "mlearn", r"AssertionError|assert "),
    ("other exception", "mlearn", r"."),
]


def class_map():
    """{metric-learn class name: mlearn name} from the migration table's class rows."""
    with TABLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {r["metric_learn"]: r["mlearn"] for r in rows if r["kind"] == "class"}


def write_shim(folder, classes):
    """The package ``metric_learn`` in ``folder``, mapping names onto mlearn's."""
    package = folder / "metric_learn"
    package.mkdir()
    mapped = {k: v for k, v in classes.items() if v != "—" and k != "Constraints"}
    lines = ["import mlearn", "from .constraints import Constraints"]
    lines += [f"{ours_theirs[0]} = mlearn.{ours_theirs[1]}" for ours_theirs in mapped.items()]
    lines.append(f"__all__ = {sorted([*mapped, 'Constraints'])!r}")
    lines.append("__version__ = '0.7.0'")
    (package / "__init__.py").write_text("\n".join(lines) + "\n")
    (package / "base_metric.py").write_text(
        "from mlearn.base import *  # noqa\nimport mlearn.base as _base\n"
        + "".join(f"{theirs} = _base.{ours}\n" for theirs, ours in MIXINS.items())
        + "from ._util import ArrayIndexer\n"
    )
    (package / "constraints.py").write_text(
        "from mlearn.constraints import *  # noqa\nfrom mlearn.constraints import Constraints\n"
    )
    (package / "sklearn_shims.py").write_text(
        textwrap.dedent(
            """\
            SKLEARN_AT_LEAST_0_22 = True
            from sklearn.utils._testing import (set_random_state, ignore_warnings,
                                                assert_allclose_dense_sparse)
            from sklearn.metrics import get_scorer
            import inspect


            def _get_args(function, varargs=False):
                # scikit-learn < 1.3's helper, gone from its testing module since.
                kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
                parameters = inspect.signature(function).parameters.values()
                return [p.name for p in parameters if p.kind not in kinds and p.name != "self"]


            def is_public_parameter(attr):
                return not (attr.startswith("_") or attr.endswith("_"))
            """
        )
    )
    (package / "exceptions.py").write_text(
        textwrap.dedent(
            """\
            class PreprocessorError(Exception):
                '''metric-learn's own exception; mlearn raises ValueError.'''

            class NonPSDError(Exception):
                '''metric-learn's own exception; mlearn raises ValueError.'''
            """
        )
    )
    (package / "sdml.py").write_text("from mlearn.sdml._sdml import _BaseSDML, SDML\n")
    stubs = "".join(
        f"def {name}(*args, **kwargs):\n"
        f"    raise NotImplementedError('metric-learn internal: {name}')\n\n"
        for name in INTERNALS
    )
    (package / "_util.py").write_text(
        "from mlearn.psd import components_from_metric\n\n"
        + stubs
        + "class ArrayIndexer:\n    def __init__(self, *args, **kwargs):\n"
        "        raise NotImplementedError('metric-learn internal: ArrayIndexer')\n"
    )


def unpack_tests(sdist, folder):
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if "/test/" in m.name and m.isfile()]
        for member in members:
            member.name = "test/" + member.name.split("/test/", 1)[1]
            archive.extract(member, folder, filter="data")
    (folder / "test" / "__init__.py").touch()
    # pytest 8 refuses pytest.warns(None), pytest 6's spelling of "record every warning";
    # metric-learn's tests use it to assert that nothing warns. Restored as that.
    (folder / "conftest.py").write_text(
        textwrap.dedent(
            """\
            import warnings

            import pytest

            _warns = pytest.warns


            class _RecordAll(warnings.catch_warnings):
                def __init__(self):
                    super().__init__(record=True)

                def __enter__(self):
                    record = super().__enter__()
                    warnings.simplefilter("always")
                    return record


            def warns(expected_warning=Warning, *args, **kwargs):
                if expected_warning is None:
                    return _RecordAll()
                return _warns(expected_warning, *args, **kwargs)


            pytest.warns = warns
            """
        )
    )


def run_pytest(folder, timeout):
    env = dict(os.environ, PYTHONPATH=f"{folder}{os.pathsep}{ROOT}")
    report = folder / "report.xml"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--continue-on-collection-errors",
        "--junitxml",
        str(report),
        "test",
    ]
    subprocess.run(command, cwd=folder, env=env, timeout=timeout, capture_output=True)
    return ET.parse(report).getroot()


def classify(text):
    for cause, kind, pattern in CAUSES:
        if re.search(pattern, text):
            return cause, kind
    return "other exception", "mlearn"


def summarise(root):
    per_file = defaultdict(Counter)
    causes = Counter()
    kinds = {}
    examples = {}
    for case in root.iter("testcase"):
        module = (
            case.get("classname", "").split(".")[1] if "." in case.get("classname", "") else "?"
        )
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            element = case.find(tag)
            if element is not None:
                outcome = {"failure": "failed", "error": "errored", "skipped": "skipped"}[tag]
                if tag != "skipped":
                    text = (element.get("message") or "") + "\n" + (element.text or "")
                    cause, kind = classify(text)
                    causes[cause] += 1
                    kinds[cause] = kind
                    examples.setdefault(cause, f"{module}::{case.get('name')}")
                break
        per_file[module][outcome] += 1
    return per_file, causes, kinds, examples


def markdown(per_file, causes, kinds, examples, command):
    total = Counter()
    for counts in per_file.values():
        total.update(counts)
    lines = [
        "# metric-learn 0.7.0's test suite against mlearn, through a name map",
        "",
        f"Command: `{command}`",
        "",
        "| test file | passed | failed | errored | skipped |",
        "|---|---:|---:|---:|---:|",
    ]
    for module in sorted(per_file):
        c = per_file[module]
        lines.append(
            f"| {module} | {c['passed']} | {c['failed']} | {c['errored']} | {c['skipped']} |"
        )
    lines.append(
        f"| **all** | **{total['passed']}** | **{total['failed']}** | **{total['errored']}** "
        f"| **{total['skipped']}** |"
    )
    lines += [
        "",
        "## Failures and errors by cause",
        "",
        "| cause | kind | tests | e.g. |",
        "|---|---|---:|---|",
    ]
    for cause, count in causes.most_common():
        lines.append(f"| {cause} | {kinds[cause]} | {count} | `{examples[cause]}` |")
    lines += [
        "",
        "kind: *internal* = a test of metric-learn's private helpers, classes or exact "
        "message wording; *deliberate* = a difference the migration table documents; "
        "*mlearn* = an API behaviour of mlearn to look at; *environment* = scikit-learn's "
        "API, not mlearn's; *inapplicable* = a test that metric-learn runs only on other "
        "learners (mlearn's have more parameters), whose set-up does not fit this one.",
        "",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", required=True, help="metric-learn-0.7.0.tar.gz")
    parser.add_argument("--out", help="write the markdown here (default: stdout)")
    parser.add_argument("--timeout", type=int, default=3000, help="seconds for the whole run")
    parser.add_argument("--keep", help="run in this (new) folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep) if args.keep else Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        unpack_tests(args.sdist, folder)
        write_shim(folder, class_map())
        root = run_pytest(folder, args.timeout)
        command = (
            "OPENBLAS_NUM_THREADS=1 python benchmarks/metric_learn_suite.py --sdist "
            "metric-learn-0.7.0.tar.gz"
        )
        text = markdown(*summarise(root), command)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
