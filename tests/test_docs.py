"""The documentation's promises: an example for every public name, a site that builds."""

import ast
import importlib
import inspect
import re
import sys
from pathlib import Path

import docutils.core
import docutils.utils
import pytest

import mlearn

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _conf_list(name):
    """A list literal of docs/conf.py, read without running the file."""
    for node in ast.parse((DOCS / "conf.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in docs/conf.py")


@pytest.fixture(scope="module")
def conf():
    sys.path.insert(0, str(DOCS))
    try:
        yield importlib.import_module("conf")
    finally:
        sys.path.remove(str(DOCS))


def _public_objects():
    objects = [(f"mlearn.{name}", getattr(mlearn, name)) for name in mlearn.__all__]
    for module_name in _conf_list("PUBLIC_MODULES"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        names = getattr(module, "__all__", None) or [
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module_name
        ]
        objects += [(f"{module_name}.{name}", getattr(module, name)) for name in names]
    # Constants (a format version, a tuple of names) carry no docstring of their own.
    return [(n, obj) for n, obj in objects if inspect.isclass(obj) or inspect.isroutine(obj)]


@pytest.mark.parametrize(
    "name, obj", _public_objects(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_public_name_has_a_docstring_with_a_runnable_example(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert re.search(r"^Examples\n-+\n", doc, re.MULTILINE), f"{name} has no Examples section"
    assert ">>> " in doc.split("Examples", 1)[1], f"{name}'s Examples has no doctest"


def _rst_problems(text):
    """Parse rst with docutils; return its warnings and errors (directives Sphinx adds aside)."""
    settings = {"report_level": 2, "halt_level": 5, "warning_stream": False}
    doctree = docutils.core.publish_doctree(text, settings_overrides=settings)
    return [
        node.astext()
        for node in doctree.findall(lambda n: n.tagname == "system_message")
        if node["level"] >= 2
    ]


def test_migration_table_converts_to_rst_with_every_row(conf):
    rst = conf.migration_table()
    assert _rst_problems(rst) == []
    n_rows = len((DOCS / "migration_table.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert rst.count("\n   * - ") == n_rows + 1  # the header row too
    assert "   * - ``MMC_Supervised``\n     - ``MMCSupervised``" in rst
    assert "threshold\\_ minus" in rst  # plain-text names escaped


def test_markdown_conversion_keeps_code_links_and_escaped_pipes(conf):
    markdown = "## Title\n\nUse `a|b` and [docs](https://x.org).\n\n"
    markdown += "| k | v |\n|---|---|\n| `none\\|standard` | [x](y) |\n"
    rst = conf.markdown_to_rst(markdown)
    assert "Title\n-----" in rst
    assert "``a|b``" in rst and "`docs <https://x.org>`__" in rst
    assert "   * - ``none|standard``\n     - `x <y>`__" in rst
    assert _rst_problems(rst) == []


@pytest.mark.parametrize(
    "line, expected",
    [
        ("of shape (n_features_in_,)", "of shape (n_features_in\\_,)"),
        ("the ``components_`` and `threshold_`", "the ``components_`` and `threshold_`"),
        ("**feature_names_in_** : ndarray", "**feature_names_in_** : ndarray"),
        ("see :attr:`n_iter_` and n_iter_.", "see :attr:`n_iter_` and n_iter\\_."),
        ("stop at tol·max(1, |F|)", "stop at tol·max(1, \\|F\\|)"),
        ("(1/|R|) Σ_R but ``|x|`` and :math:`|x|`", "(1/\\|R\\|) Σ_R but ``|x|`` and :math:`|x|`"),
        ("| grid | table |", "| grid | table |"),
    ],
)
def test_plain_text_markup_is_escaped_outside_literals(conf, line, expected):
    lines = [line]
    conf.escape_plain_text_markup(None, "class", "x", None, {}, lines)
    assert lines == [expected]
    if ":attr:" not in line and ":math:" not in line:  # Sphinx roles, unknown to docutils
        assert _rst_problems(lines[0]) == []


def test_optional_pages_are_listed_only_when_present(conf, tmp_path):
    assert conf.optional_toctree(tmp_path) == ""
    (tmp_path / "reliability.rst").write_text("Reliability\n===========\n")
    assert conf.optional_toctree(tmp_path) == ".. toctree::\n   :maxdepth: 1\n\n   reliability\n"


def _parameter_entries(cls):
    """``{name: entry text}`` of the Parameters section of the class docstring."""
    doc = inspect.getdoc(cls) or ""
    section = re.search(r"^Parameters\n-+\n(.*?)(?=^\w[\w ]*\n-+\n|\Z)", doc, re.M | re.S)
    assert section, f"{cls.__name__} has no Parameters section"
    entries, name = {}, None
    for line in section.group(1).splitlines():
        match = re.match(r"^(\w+) :", line)
        if match:
            name = match.group(1)
            entries[name] = [line]
        elif name is not None:
            entries[name].append(line)
    return {name: "\n".join(lines).strip() for name, lines in entries.items()}


def _twins():
    names = set(mlearn.__all__)
    return [
        (getattr(mlearn, name[: -len("Supervised")]), getattr(mlearn, name))
        for name in sorted(names)
        if name.endswith("Supervised") and name[: -len("Supervised")] in names
    ]


@pytest.mark.parametrize("learner, twin", _twins(), ids=lambda cls: cls.__name__)
def test_twins_document_their_shared_parameters_identically(learner, twin):
    """A learner and its Supervised twin write out their shared parameters in full, alike."""
    ours, theirs = _parameter_entries(learner), _parameter_entries(twin)
    shared = set(inspect.signature(learner).parameters) & set(inspect.signature(twin).parameters)
    assert shared <= set(ours) and shared <= set(theirs), "undocumented parameters"
    for name in sorted(shared):
        assert ours[name] == theirs[name], f"{name} is documented differently"


def test_every_parameter_after_the_first_is_keyword_only():
    for name in mlearn.__all__:
        parameters = list(inspect.signature(getattr(mlearn, name)).parameters.values())
        late = [p.name for p in parameters[1:] if p.kind is not p.KEYWORD_ONLY]
        assert not late, f"{name}: {late} may be passed by position"


def test_every_learner_that_draws_anything_takes_random_state():
    # Covariance, LFDA and RCA are closed-form and draw nothing.
    for name in set(mlearn.__all__) - {"Covariance", "LFDA", "RCA"}:
        assert "random_state" in inspect.signature(getattr(mlearn, name)).parameters, name


def _read_inventory(path):
    """{(name, role): uri} of an inventory in Sphinx's version-2 format, read by hand."""
    import zlib

    with open(path, "rb") as stream:
        header = [stream.readline() for _ in range(4)]
        body = zlib.decompress(stream.read()).decode()
    assert header[0] == b"# Sphinx inventory version 2\n"
    entries = {}
    for line in body.splitlines():
        name, role, _, uri, _ = line.split(" ", 4)
        entries[name, role] = uri.replace("$", name) if uri.endswith("$") else uri
    return entries


def _written_inventories(folder):
    sys.path.insert(0, str(DOCS))
    try:
        inventories = importlib.import_module("inventories")
    finally:
        sys.path.remove(str(DOCS))
    inventories.write_inventories(folder)
    return inventories.intersphinx_mapping_for(folder)


def test_inventories_written_offline_give_every_api_page_its_address(tmp_path):
    mapping = _written_inventories(tmp_path)
    assert {"sklearn", "numpy", "scipy"} <= set(mapping)
    site, path = mapping["sklearn"]
    assert site == "https://scikit-learn.org/stable"
    entries = _read_inventory(path)
    assert entries["sklearn.decomposition.KernelPCA", "py:class"] == (
        "modules/generated/sklearn.decomposition.KernelPCA.html#sklearn.decomposition.KernelPCA"
    )
    assert ("sklearn.covariance.graphical_lasso", "py:function") in entries
    assert entries["sklearn.neighbors", "py:module"] == "api/sklearn.neighbors.html"
    # Only what each module exports: nothing imported into a module is listed under it.
    assert not any(name == "sklearn.neighbors.np" for name, _ in entries)


def test_sphinx_reads_the_written_inventories_as_fetched_ones(tmp_path):
    inventory_file = pytest.importorskip("sphinx.util.inventory").InventoryFile
    site, path = _written_inventories(tmp_path)["sklearn"]
    entries = _read_inventory(path)
    with open(path, "rb") as stream:
        inventory = inventory_file.load(stream, site, lambda a, b: f"{a}/{b}")
    assert inventory["py:class"]["sklearn.decomposition.KernelPCA"][2] == (
        f"{site}/" + entries["sklearn.decomposition.KernelPCA", "py:class"]
    )
