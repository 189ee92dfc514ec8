"""A gradebook file for an LMS: the roster read, students matched exactly, lms.csv written.

`course grade SUBMISSIONS --roster ROSTER.csv` writes DIR/lms.csv in the columns of Canvas's
own gradebook export, which Canvas's gradebook import reads: `Student`, `ID`, `SIS User ID`,
`SIS Login ID`, `Section`, then one column per lesson graded, and a second row, `Points
Possible`, with each lesson's points. A lesson column Canvas does not know becomes a new
assignment on import; to fill an existing one, name the column as your export does
(`Title (assignment id)`). Moodle's CSV grade import reads the same file once its columns are
mapped (`SIS Login ID` to the username, each lesson to a grade item).

The roster is a Canvas gradebook export (or any CSV with those columns). Each submission is
matched to one roster row by its name (the folder or zip name without .zip), exactly: against
a `Submission` column when the roster has one, else against `SIS Login ID`. A roster row
with no submission is listed as missing and gets blank cells (Canvas leaves blank cells
alone); a submission with no roster row is listed as extra and left out of lms.csv. Nothing
is matched by guessing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from course.manifest import Lesson

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
KEY_COLUMNS = ("Submission", "SIS Login ID")


class RosterError(ValueError):
    """A roster that cannot be used; the message says why and how to fix it."""


@dataclass
class Roster:
    key: str  # the column submissions are matched on
    rows: list[dict[str, str]]
    by_key: dict[str, dict[str, str]] = field(default_factory=dict)


def read_roster(path: Path) -> Roster:
    """Read ROSTER.csv; RosterError if it lacks the columns or names a submission twice."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as source:
            reader = csv.DictReader(source)
            header = [name.strip() for name in reader.fieldnames or []]
            rows = [
                {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
                for row in reader
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"The roster {path} cannot be read: {exc}") from None
    key = next((column for column in KEY_COLUMNS if column in header), None)
    if "Student" not in header or key is None:
        raise RosterError(
            f"The roster {path} needs a `Student` column and a `Submission` or `SIS Login ID` "
            f"column (it has: {', '.join(header) or 'no header'}). Export your gradebook from "
            "Canvas and add a `Submission` column holding each student's submission name."
        )
    # Canvas's export has a "Points Possible" row (and may have a test student): not students.
    rows = [row for row in rows if row.get("Student") and "Points Possible" not in row["Student"]]
    roster = Roster(key, rows)
    for number, row in enumerate(rows, start=2):
        value = row.get(key, "")
        if not value:
            continue
        if value in roster.by_key:
            raise RosterError(
                f"The roster {path} gives the {key} {value!r} to two students "
                f"({roster.by_key[value]['Student']!r} and {row['Student']!r}, row {number})."
            )
        roster.by_key[value] = row
    return roster


def match(roster: Roster, names: list[str]) -> tuple[list[str], list[str]]:
    """(roster students without a submission, submissions without a roster row)."""
    missing = [row["Student"] for row in roster.rows if row.get(roster.key, "") not in names]
    extra = [name for name in names if name not in roster.by_key]
    return missing, extra


def write_lms_csv(records: list[dict], lessons: list[Lesson], roster: Roster, out: Path) -> dict:
    """DIR/lms.csv in Canvas's gradebook columns; returns the matching, for grading.json."""
    by_name = {record["student"]: record for record in records}
    missing, extra = match(roster, list(by_name))
    headers = [*IDENTITY, *(f"Lesson {lesson.nn}: {lesson.title}" for lesson in lessons)]
    with (Path(out) / "lms.csv").open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow(headers)
        writer.writerow(["Points Possible", "", "", "", "", *(lesson.points for lesson in lessons)])
        for row in roster.rows:
            record = by_name.get(row.get(roster.key, ""))
            scores = []
            for lesson in lessons:
                if record is None:
                    scores.append("")  # no submission: Canvas leaves a blank cell alone
                    continue
                earned = sum(
                    value["earned"]
                    for key, value in record["exercises"].items()
                    if key.startswith(f"{lesson.nn}.")
                )
                scores.append(f"{round(earned, 2):g}")
            writer.writerow([_safe(row.get(column, "")) for column in IDENTITY] + scores)
    return {"key": roster.key, "students": len(roster.rows), "missing": missing, "extra": extra}


def _safe(text: str) -> str:
    """Neutralise spreadsheet formulas: a name like =HYPERLINK(...) stays text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
