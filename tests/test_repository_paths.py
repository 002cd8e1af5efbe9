"""What a user reads names no path of the machine a benchmark ran on.

Results headers, docs and scripts are read on other machines: an absolute path of ours
(``/work/...``, a home folder) or a path outside the repository (``../shared``) is one the
reader does not have. The peer interpreters are made by the repository's own scripts
(``benchmarks/make-peer-venv.sh``, ``.peer-venv``).
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("benchmarks", "docs", "mlearn", "tests")
SKIPPED = ("docs/_build", "docs/generated", "docs/auto_examples", "docs/api.rst")
SUFFIXES = {".py", ".md", ".rst", ".txt", ".csv", ".sh", ".toml", ".cfg"}
MACHINE_PATH = re.compile(r"(?<![\w.])(/work/|/home/\w+|/root/|/tmp/bash_jobs|\.\./shared)")


def user_facing_files():
    files = [ROOT / "README.md", ROOT / "pyproject.toml"]
    for folder in FOLDERS:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    return [
        p
        for p in files
        if not str(p.relative_to(ROOT)).startswith(SKIPPED)
        and "__pycache__" not in p.parts
        and p.name != Path(__file__).name
    ]


@pytest.mark.parametrize("path", user_facing_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_file_names_no_machine_path(path):
    hits = [
        f"line {number}: {line.strip()[:100]}"
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if MACHINE_PATH.search(line)
    ]
    assert not hits, "paths a reader does not have:\n" + "\n".join(hits)
