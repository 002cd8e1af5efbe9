"""Every ``pip install`` line a user can read installs this project, with extras it has.

The name ``mlearn`` on the package index belongs to an unrelated project, so the distribution
is ``mlearn-metric`` (the import name stays ``mlearn``). This test reads the README, the docs
sources, the package's messages and docstrings and the benchmark scripts, finds every
``pip install`` command, and checks each requirement it names against ``pyproject.toml``: a
requirement of this project is either the local checkout (``.``, ``-e .``) or
``mlearn-metric``, and every extra it asks for is declared.
"""

import re
from pathlib import Path

import pytest

# The standard library's TOML reader (Python ≥ 3.11).
tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
DISTRIBUTION = PYPROJECT["project"]["name"]
EXTRAS = set(PYPROJECT["project"]["optional-dependencies"])

# Third-party packages a line may name beside the project (installed before it, or instead
# of an extra); anything else is a typo or a stale name.
THIRD_PARTY = {"torch", "mlxtend", "matplotlib", "metric-learn", "pytorch-metric-learning"}

SOURCES = [
    "README.md",
    "benchmarks/README.md",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.rst")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "mlearn").rglob("*.py")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks").glob("*.sh")),
]
SOURCES = [s for s in SOURCES if not s.startswith(("docs/_build", "docs/generated", "docs/auto"))]

_COMMAND = re.compile(r"pip install ([^`\n;&|()]*)")
_REQUIREMENT = re.compile(
    r"^(?P<name>[A-Za-z0-9_.\-]+)(\[(?P<extras>[^\]]*)\])?(?P<pin>[=<>!~].*)?$"
)


def _looks_like_requirement(word):
    """True for a requirement (``.``, ``name[extras]``, ``name==pin``, a known name); False
    for the prose that may follow a command in a sentence ("... once it is released")."""
    name = re.split(r"[\[=<>!~]", word)[0]
    return (
        word.startswith(".")
        or "[" in word
        or "==" in word
        or name
        in {
            *THIRD_PARTY,
            DISTRIBUTION,
            "mlearn",
        }
    )


def install_commands():
    """``(source, requirement)`` for every requirement of every ``pip install`` command."""
    found = []
    for source in SOURCES:
        for match in _COMMAND.finditer((ROOT / source).read_text()):
            for word in match.group(1).split():
                word = word.strip("\\\"'`,")
                if word.startswith("-"):
                    continue
                if not _looks_like_requirement(word):
                    break
                found.append((source, word))
    return found


COMMANDS = install_commands()


def test_the_distribution_name_is_not_the_unrelated_mlearn():
    assert DISTRIBUTION == "mlearn-metric"


def test_install_lines_are_found():
    # The README's two commands alone install the project twice.
    assert sum(source == "README.md" for source, _ in COMMANDS) >= 3


@pytest.mark.parametrize(("source", "requirement"), COMMANDS)
def test_install_line_names_this_project_and_declared_extras(source, requirement):
    if requirement.startswith("."):
        name, extras = ".", requirement[1:].strip("[]")
    else:
        match = _REQUIREMENT.match(requirement)
        assert match, f"{source}: cannot read the requirement {requirement!r}"
        name, extras = match.group("name"), match.group("extras") or ""
    if name in THIRD_PARTY:
        return
    assert name in {".", DISTRIBUTION}, (
        f"{source}: 'pip install {requirement}' installs {name!r}, not this project "
        f"({DISTRIBUTION!r} or the checkout '.')"
    )
    unknown = {e.strip() for e in extras.split(",") if e.strip()} - EXTRAS
    assert not unknown, f"{source}: extras {sorted(unknown)} are not in pyproject.toml"
