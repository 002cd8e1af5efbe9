"""Numbers quoted in the README agree with the committed benchmark results they come from."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
RESULTS = ROOT / "benchmarks" / "results"

# The README's learner names, as the harness's results name them.
HARNESS_NAMES = {"MMCSupervised (full)": "MMC", "MMCSupervised (diagonal)": "MMC-diag"}


def _table_after(heading_start, text=README):
    """The body rows (cells) of the first Markdown table after the line starting so."""
    lines = text[text.index(heading_start) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _harness_rows(dataset):
    """{(estimator, library): (fit time, accuracy, speed-up)} over every committed run."""
    found = {}
    for path in sorted(RESULTS.rglob("results.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) >= 7 and cells[0] == dataset and cells[3]:
                found.setdefault((cells[1], cells[2]), []).append((cells[3], cells[4], cells[6]))
    return found


def _agrees(quoted, measured):
    """``quoted`` is ``measured`` rounded to the digits the quote prints."""
    quoted, measured = quoted.rstrip("×"), float(measured.rstrip("×"))
    decimals = len(quoted.partition(".")[2])
    return round(measured, decimals) == pytest.approx(float(quoted), abs=0.51 * 10**-decimals)


def test_the_digits_table_quotes_a_committed_harness_run():
    measured = _harness_rows("digits")
    rows = _table_after("Digits (1,797 × 64), 10-fold CV")
    assert len(rows) >= 4
    for learner, fit, peer_fit, speed_up, accuracies in rows:
        name = HARNESS_NAMES.get(learner, learner)
        ours, theirs = accuracies.split(" / ")
        candidates = [
            (mine, peer)
            for mine in measured.get((name, "mlearn"), [])
            for peer in measured.get((name, "metric-learn"), [])
        ]
        assert any(
            _agrees(fit, mine[0])
            and _agrees(peer_fit, peer[0])
            and _agrees(speed_up, mine[2])
            and _agrees(ours, mine[1])
            and _agrees(theirs, peer[1])
            for mine, peer in candidates
        ), (learner, fit, peer_fit, speed_up, accuracies, candidates)


def test_the_demo_tables_are_the_committed_demo_run():
    committed = (RESULTS / "demo" / "results.md").read_text(encoding="utf-8")
    # The tables and the takeaway line the demo writes under them.
    quoted = [line for line in committed.splitlines() if line and not line.startswith("Produced")]
    assert len(quoted) > 6
    readme_lines = set(README.splitlines())
    missing = [line for line in quoted if line not in readme_lines]
    assert not missing, missing


def test_every_speed_up_quoted_in_the_readme_names_its_results():
    # Each paragraph that quotes "N×" points to the committed file it comes from, or is a
    # committed result itself (the demo's takeaway).
    committed = "\n".join(p.read_text(encoding="utf-8") for p in RESULTS.rglob("*.md"))
    for paragraph in re.split(r"\n\s*\n", README):
        if re.search(r"\d×", paragraph) and not paragraph.lstrip().startswith("|"):
            assert "benchmarks/" in paragraph or paragraph in committed, paragraph[:200]


def _section(path, heading):
    """The text of ``path`` from the line ``heading`` to the next heading of its level."""
    text = path.read_text(encoding="utf-8")
    start = text.index(heading + "\n")
    rule = text[start + len(heading) + 1 :].splitlines()[0]
    rest = text[start + len(heading) + len(rule) + 2 :]
    lines = rest.splitlines()
    for i in range(1, len(lines)):
        if lines[i] and set(lines[i]) == set(rule[0]) and len(lines[i]) >= len(lines[i - 1]):
            return "\n".join(lines[: i - 1])
    return rest


@pytest.mark.parametrize(
    ("page", "heading"),
    [
        ("metrics.rst", "Deep metric learning measured this way"),
        ("deep.rst", "Benchmark"),
    ],
)
def test_deep_retrieval_numbers_quoted_in_the_docs_are_the_committed_run(page, heading):
    # Every "mean ± CI" the page quotes is a cell of the committed deep_retrieval tables.
    section = _section(ROOT / "docs" / page, heading)
    quoted = [" ".join(q.split()) for q in re.findall(r"\d\.\d{3}\s+±\s+\d\.\d{3}", section)]
    assert len(quoted) >= 4
    results = (RESULTS / "deep_retrieval" / "results.md").read_text(encoding="utf-8")
    cells = set(re.findall(r"\d\.\d{3} ± \d\.\d{3}", results))
    assert [q for q in quoted if q not in cells] == []


def test_the_cold_start_table_in_the_migration_page_is_the_committed_run():
    page = (ROOT / "docs" / "migration.rst").read_text(encoding="utf-8")
    section = page[page.index("A script that fits once") :]
    measured = {
        row[0]: row
        for row in _table_after(
            "| learner |", (RESULTS / "cold_start.md").read_text(encoding="utf-8")
        )
    }
    quoted = re.findall(r"\* - (\w+)\n((?:     - .*\n){4})", section)
    assert quoted[0][0] == "learner"  # the header row
    assert [name for name, _ in quoted[1:]] == list(measured)
    for name, cells in quoted[1:]:
        ours, theirs, cold, warm = (cell.strip()[2:] for cell in cells.strip().splitlines())
        row = measured[name]
        assert ours == f"{row[1]} + {row[3]}" and theirs == f"{row[5]} + {row[6]}"
        assert (cold, warm) == (row[7], row[8])
    sklearn_s, import_s = ([float(row[i]) for row in measured.values()] for i in (2, 1))
    takes = f"takes {min(sklearn_s):.2f}–{max(sklearn_s):.2f} s"
    of_the = f"of the {min(import_s):.2f}–{max(import_s):.2f} s"
    prose = " ".join(section.split())
    assert f"{takes} {of_the}" in prose
    bounds = [row[9].rstrip("×") for row in measured.values()]
    assert re.findall(
        r"could not pass ([\d.]+)× \(LMNN\), ([\d.]+)× \(ITMLSupervised\) and ([\d.]+)×", prose
    ) == [tuple(bounds)]
