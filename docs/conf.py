"""Sphinx configuration of the mlearn documentation.

Build from the repository root with
``python -m sphinx -W --keep-going -b html docs docs/_build/html``.

Five pieces of the site are written here at build time, into ``docs/generated/`` (ignored by
git), so that branches merged later show up without edits to this folder:

- the API reference page ``docs/api.rst`` (also ignored by git), from ``mlearn.__all__`` and
  the public modules;
- the migration table, from ``docs/migration_table.csv`` (the one copy, which
  ``tests/test_migration.py`` runs row by row);
- the benchmark table, from the latest committed run under ``benchmarks/results/``;
- the toctree entries of optional pages (``deep.rst``, ``reliability.rst``), listed only when
  the page exists;
- the intersphinx inventories of scikit-learn, numpy, scipy, torch and dask
  (``docs/inventories.py``), from the installed packages, as the build is offline.
"""

import csv
import importlib
import inspect
import os
import pkgutil
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "generated"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS))
os.environ.setdefault("MPLBACKEND", "Agg")

from inventories import intersphinx_mapping_for, write_inventories  # noqa: E402

import mlearn  # noqa: E402

project = "mlearn"
author = "The mlearn developers"
copyright = "2026, The mlearn developers"
release = mlearn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax copied into the built site, so that formulas render offline (no CDN).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# Links to scikit-learn, numpy, scipy, torch and dask through inventories written from the
# installed packages (docs/inventories.py): the build is offline.
INVENTORIES = GENERATED / "inventories"
intersphinx_mapping = intersphinx_mapping_for(INVENTORIES)

templates_path = ["_templates"]
exclude_patterns = ["_build", "generated/*.rst.inc", "examples/README.txt"]
default_role = "py:obj"

autosummary_generate = True
# Inherited members are documented (transform, get_metric, ... come from the mixins), except
# scikit-learn's metadata-routing and set_output plumbing, whose docstrings link into
# scikit-learn's own site.
autodoc_default_options = {
    "members": True,
    "inherited-members": "_SetOutputMixin, _MetadataRequester, Module, object",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"mlearn {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    # Every top-level section in the navbar, none folded into a "More" menu.
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path = ["_static"]
html_css_files = ["mlearn.css"]

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
    sections.append(learner_packages_section())
    (DOCS / "api.rst").write_text("\n".join(sections))


def learner_packages():
    """The learner packages (``mlearn.lmnn``, ``mlearn.mmc``, ...): each one's docstring is
    the maths of its learner, which the estimators' docstrings cite as :mod:`mlearn.<pkg>`."""
    return sorted(
        f"mlearn.{info.name}"
        for info in pkgutil.iter_modules(mlearn.__path__)
        if info.ispkg
        and not info.name.startswith("_")
        and f"mlearn.{info.name}" not in PUBLIC_MODULES
    )


def formulas_as_literal_blocks(doc):
    """The docstring with each indented block (the formulas, aligned in plain text) made a
    literal block, so that rst keeps their layout instead of reading nested quotes.

    A paragraph followed by an indented block gets a trailing `` ::``, which rst drops from
    the text and reads as "a literal block follows".
    """
    lines = doc.splitlines()
    out = []
    for i, line in enumerate(lines):
        opens_block = (
            line.strip()
            and not line.startswith(" ")
            and not line.rstrip().endswith("::")
            and i + 2 < len(lines)
            and not lines[i + 1].strip()
            and lines[i + 2].startswith("    ")
        )
        out.append(f"{line} ::" if opens_block else line)
    # The prose (not the literal blocks) gets the escaping the estimators' docstrings get.
    prose = [i for i, line in enumerate(out) if not line.startswith(" ")]
    escaped = [out[i] for i in prose]
    escape_plain_text_markup(None, None, None, None, None, escaped)
    for i, line in zip(prose, escaped, strict=True):
        out[i] = line
    return "\n".join(out)


def learner_packages_section():
    """A page per learner package (its docstring, which also makes :mod: links resolve) and
    the api page's section listing them."""
    folder = GENERATED / "packages"
    folder.mkdir(exist_ok=True)
    entries = []
    for name in learner_packages():
        title = f"``{name}``: the maths"
        doc = formulas_as_literal_blocks(inspect.getdoc(importlib.import_module(name)) or "")
        (folder / f"{name}.rst").write_text(
            f"{title}\n{'=' * len(title)}\n\n.. py:module:: {name}\n\n{doc}\n"
        )
        entries.append(f"   generated/packages/{name}")
    return (
        "Learner packages\n----------------\n\nEach learner's package docstring: its objective, "
        "the algorithm and the paper.\n\n.. toctree::\n   :maxdepth: 1\n\n"
        + "\n".join(entries)
        + "\n"
    )


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
    # Columns in proportion to their longest cell (the header's words, not its whole length),
    # within 6..40, so that the fixed-layout table of docs/_static/mlearn.css fits the page.
    longest = [
        max([len(max(h.split() or [""], key=len)) + 4, *(len(row[i]) for row in body)])
        for i, h in enumerate(header)
    ]
    widths = " ".join(str(min(40, max(6, n))) for n in longest)
    out = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}", ""]
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


def _migration_cell(name):
    return "—" if name == "—" else f"``{name}``"


def migration_table(path=None):
    """``docs/migration_table.csv`` as a list-table: metric-learn's name, mlearn's, notes."""
    path = DOCS / "migration_table.csv" if path is None else path
    with open(path, encoding="utf-8", newline="") as table:
        rows = list(csv.DictReader(table))
    out = [".. list-table::", "   :header-rows: 1", "   :widths: 35 35 30", ""]
    out += ["   * - metric-learn 0.7.0", "     - mlearn", "     - notes"]
    for row in rows:
        notes = _escape_plain_text(row["notes"]) if row["notes"] else " "
        out.append(f"   * - {_migration_cell(row['metric_learn'])}")
        out.append(f"     - {_migration_cell(row['mlearn'])}")
        out.append(f"     - {notes}")
    return "\n".join(out) + "\n"


def write_migration():
    """The migration table, from the CSV file that the tests run."""
    (GENERATED / "migration_table.rst.inc").write_text(migration_table())


def split_notes_column(table):
    """The Markdown table without its last column, "notes", and those notes as lines.

    The notes (captured warnings, errors) are long prose that a narrow column would stretch
    into tall rows; on the page they go in a list under the table, each naming its row.
    """
    lines = [line for line in table.strip().splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in line.strip().strip("|").split(" | ")] for line in lines]
    if not cells or cells[0][-1] != "notes":
        return table, []
    notes = [f"{row[0]}, {row[1]} ({row[2]}): {row[-1]}" for row in cells[2:] if row[-1]]
    rows = [row[:-1] for row in [cells[0], *cells[2:]]]
    if "± std" in rows[0]:
        # "0.947 ± 0.040" in one column: one column fewer for the page's width.
        i = rows[0].index("± std")
        rows = [r[: i - 1] + [f"{r[i - 1]} ± {r[i]}".strip(" ±")] + r[i + 1 :] for r in rows]
        rows[0][i - 1] = "kNN accuracy ± std"
    kept = ["| " + " | ".join(row) + " |" for row in rows]
    kept.insert(1, "|" + "---|" * len(rows[0]))
    return "\n".join(kept) + "\n", notes


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
    table, notes = split_notes_column(table)
    text = (
        f"From ``benchmarks/results/{run}/results.md``, run with:\n\n.. code-block:: text\n\n"
        f"{settings}\n\n" + markdown_to_rst(table)
    )
    if notes:
        text += "\nNotes on the rows above:\n\n" + "".join(f"- {_inline(n)}\n" for n in notes)
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
    write_inventories(INVENTORIES)
    # After numpydoc (priority 500) has turned the sections into rst.
    app.connect("autodoc-process-docstring", escape_plain_text_markup, priority=600)
    app.connect("autodoc-skip-member", skip_metadata_request_methods)
