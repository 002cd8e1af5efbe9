"""Sphinx configuration of the mlearn documentation.

Build from the repository root with
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.

Four pieces of the site are written here at build time, into ``docs/generated/`` (ignored by
git), so that branches merged later show up without edits to this folder:

- the API reference page ``docs/api.rst`` (also ignored by git), from ``mlearn.__all__`` and
  the public modules;
- the migration table, converted from ``docs/migration_from_metric_learn.md`` (the one copy,
  kept next to the code it describes);
- the benchmark table, from the latest committed run under ``benchmarks/results/``;
- the toctree entries of optional pages (``deep.rst``, ``reliability.rst``), listed only when
  the page exists.
"""

import importlib
import inspect
import os
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "generated"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import mlearn  # noqa: E402

project = "mlearn"
author = "The mlearn developers"
copyright = "2026, The mlearn developers"
release = mlearn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "generated/*.rst.inc", "examples/README.txt"]
default_role = "py:obj"

autosummary_generate = True
# Inherited members are documented (transform, get_metric, ... come from the mixins), except
# scikit-learn's metadata-routing and set_output plumbing, whose docstrings link into
# scikit-learn's own site.
autodoc_default_options = {
    "members": True,
    "inherited-members": "_SetOutputMixin, _MetadataRequester, object",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"mlearn {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path = []

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("mlearn",),
}

# Modules whose public functions and classes are documented, when they can be imported
# (mlearn.deep needs torch; some of these arrive with later branches).
PUBLIC_MODULES = [
    "mlearn.datasets",
    "mlearn.metrics",
    "mlearn.plotting",
    "mlearn.persistence",
    "mlearn.deep",
    "mlearn.psd",
    "mlearn.constraints",
    "mlearn.base",
]
OPTIONAL_PAGES = ["deep", "reliability"]


def _module_public_names(module):
    """The module's ``__all__``, or its public functions and classes defined in it."""
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]


API_INTRO = """\
API reference
=============

Generated from the docstrings. This page is written when the documentation is built, from
``mlearn.__all__`` and the public modules, so every exported estimator appears here.

Estimators
----------

Every estimator is a scikit-learn transformer with ``components_`` (L),
``transform(X)`` = X Lᵀ, ``get_mahalanobis_matrix()`` (M = LᵀL), ``get_metric()``,
``pair_distance`` and ``pair_score``; see :doc:`supervision` for what each kind of learner adds.
"""


def _autosummary(module, names):
    lines = [f".. currentmodule:: {module}", "", ".. autosummary::", "   :toctree: generated/api"]
    return "\n".join([*lines, "", *(f"   {name}" for name in names)]) + "\n"


def write_api_page():
    """Write ``api.rst``: autosummary lists of the estimators and of each public module.

    It is a whole page rather than an include because autosummary generates the stub pages
    only for directives it finds in source files.
    """
    sections = [API_INTRO, _autosummary("mlearn", sorted(mlearn.__all__))]
    for name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        title = f"``{name}``"
        doc = (inspect.getdoc(module) or "").split("\n\n")[0].replace("\n", " ")
        sections.append(f"{title}\n{'-' * len(title)}\n\n{doc}\n")
        sections.append(_autosummary(name, _module_public_names(module)))
    (DOCS / "api.rst").write_text("\n".join(sections))


def _inline(text):
    """Markdown inline markup to reStructuredText: code, links, escaped pipes, bold."""
    text = text.replace("\\|", "|")
    # Code first: the links made next are themselves in backticks.
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`__", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"**\1**", text)


def _table(rows):
    """A Markdown pipe table (header, rule, body) as a list-table."""
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]] for row in rows]
    header, body = cells[0], cells[2:]
    out = [".. list-table::", "   :header-rows: 1", ""]
    for row in [header, *body]:
        out.append(f"   * - {_inline(row[0]) or ' '}")
        out.extend(f"     - {_inline(cell) or ' '}" for cell in row[1:])
    return out + [""]


def markdown_to_rst(text, skip_title=False):
    """Convert the Markdown this repository writes (headings, paragraphs, tables) to rst."""
    out, lines, i = [], text.splitlines(), 0
    underline = {1: "=", 2: "-", 3: "~"}
    while i < len(lines):
        line = lines[i]
        heading = re.match(r"(#+) (.*)", line)
        if heading:
            if not (skip_title and len(heading.group(1)) == 1):
                title = _inline(heading.group(2))
                out += [title, underline[len(heading.group(1))] * len(title), ""]
            i += 1
        elif line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            out += _table(block)
        else:
            out.append(_inline(line.rstrip()))
            i += 1
    return "\n".join(out) + "\n"


def write_migration():
    """The migration table, from the Markdown file that the code branches keep current."""
    text = (DOCS / "migration_from_metric_learn.md").read_text()
    (GENERATED / "migration.rst.inc").write_text(markdown_to_rst(text, skip_title=True))


def write_benchmark_table():
    """The latest committed benchmark run (``full`` when present, else ``quick``)."""
    for run in ("full", "quick"):
        path = ROOT / "benchmarks" / "results" / run / "results.md"
        if path.is_file():
            break
    else:
        (GENERATED / "benchmark.rst.inc").write_text("No committed benchmark run yet.\n")
        return
    header, _, table = path.read_text().partition("\n\n")
    settings = "\n".join(f"   {line.rstrip()}" for line in header.splitlines())
    text = (
        f"From ``benchmarks/results/{run}/results.md``, run with:\n\n.. code-block:: text\n\n"
        f"{settings}\n\n" + markdown_to_rst(table)
    )
    (GENERATED / "benchmark.rst.inc").write_text(text)


def optional_toctree(docs=DOCS):
    """Toctree entries for the optional pages that exist, so a missing one never warns."""
    present = [page for page in OPTIONAL_PAGES if (docs / f"{page}.rst").is_file()]
    body = "".join(f"   {page}\n" for page in present)
    return f".. toctree::\n   :maxdepth: 1\n\n{body}" if present else ""


def write_optional_toctree():
    """Write the toctree of the optional pages present, see `optional_toctree`."""
    (GENERATED / "optional_pages.rst.inc").write_text(optional_toctree())


_TRAILING_UNDERSCORE = re.compile(r"(?<![\w\\`*|])([A-Za-z]\w*)_(?=[\s,.;:)\]]|$)")
_LITERAL = re.compile(r"(``.*?``|`[^`]*`_{0,2}|:\w+:`[^`]*`)")


def _escape_plain_text(text):
    text = _TRAILING_UNDERSCORE.sub(r"\1\\_", text)
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def escape_plain_text_markup(app, what, name, obj, options, lines):
    """Escape maths-like plain text that rst would read as markup, outside backticks.

    Docstrings write attribute names with a trailing underscore, e.g. "of shape
    (n_features_in_,)", which rst reads as a hyperlink reference, and absolute values or
    set sizes with bars, e.g. "max(1, |F|)", which rst reads as a substitution. Lines of
    directives and of grid tables or line blocks (starting with ``|`` or ``+``) are left
    alone.
    """
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("..", "|", "+")):
            continue
        parts = _LITERAL.split(line)
        parts[::2] = [_escape_plain_text(part) for part in parts[::2]]
        lines[index] = "".join(parts)


def skip_metadata_request_methods(app, what, name, obj, skip, options):
    """Leave out scikit-learn's generated ``set_{method}_request`` methods.

    scikit-learn adds them to estimators whose methods take more than X (pairs learners'
    ``fit(pairs, y)``, ``score``...); their docstrings link into scikit-learn's own site.
    """
    if re.fullmatch(r"set_\w+_request", name):
        return True
    return None


def setup(app):
    # Written here, not at import, so that the tests can import this file; setup runs before
    # the sources are read and before autosummary looks for its directives.
    GENERATED.mkdir(exist_ok=True)
    write_api_page()
    write_migration()
    write_benchmark_table()
    write_optional_toctree()
    # After numpydoc (priority 500) has turned the sections into rst.
    app.connect("autodoc-process-docstring", escape_plain_text_markup, priority=600)
    app.connect("autodoc-skip-member", skip_metadata_request_methods)
