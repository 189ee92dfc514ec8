"""Gradebooks: a platform's roster read, submissions matched to it exactly, its import file written.

`course grade SUBMISSIONS --roster ROSTER.csv` reads the roster the platform itself exports,
recognised by its columns, and matches each submission to one row with no column added:

| roster | recognised by | a platform download matched on | a folder or zip named after the student matched on |
|---|---|---|---|
| Canvas gradebook export (Grades > Export) | `Student` and `ID` | `ID`, the Canvas user id in Canvas's file names | `Submission` if the roster has it, else `SIS Login ID` |
| Moodle grading worksheet (assignment > Download grading worksheet) | `Identifier` (`Participant 12345`) | the participant id in Moodle's file names | `Submission` if the roster has it |
| GitHub Classroom roster (Download roster) | `github_username` | the username in `<assignment>-<username>`, in any case | `github_username`, in any case |
| any other CSV | a `Submission` column | | `Submission` |

Matching is exact: a roster row with no submission is listed as missing, a submission with no
roster row as extra; nothing is matched by guessing, and a roster that gives one key to two
rows is refused before anything is graded.

Then, beside grades.csv, the gradebook file of that platform, as its importer reads it:

- canvas.csv (Canvas's gradebook import): `Student`, `ID`, `SIS User ID`, `SIS Login ID`,
  `Section`, a column per lesson, and a second row `Points Possible`. Canvas reads a blank
  cell where it has a grade as removing that grade, so a blank is written only when asked.
- moodle.csv (Moodle's Import grades > CSV file): every row after the header must map to a
  user, so there is no points row; the first column is the one to map, `Email address` (or
  `Username`, `ID number`, whichever the roster has), then `Full name`, a column per lesson and
  `Total`.
- gradebook.csv (any other gradebook, and GitHub Classroom's roster): every roster row with
  its own columns, the submission matched, a column per lesson, total, possible, late, status.

`missing` says what canvas.csv and moodle.csv give a roster student without a submission:
`omit` (the default: their row is left out and the platform keeps what it has), `zero`, or
`blank` (Canvas then removes a grade it has). gradebook.csv lists them with status `missing`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from course.grading.submissions import canvas_word
from course.manifest import Lesson

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_MAPPING = ("Email address", "Username", "ID number")  # what the import maps to a user
MISSING_CHOICES = ("omit", "zero", "blank")
PLATFORM_FILES = {"canvas": "canvas.csv", "moodle": "moodle.csv"}
PLAIN_FILE = "gradebook.csv"


class RosterError(ValueError):
    """A roster that cannot be used; the message says why and how to fix it."""


@dataclass
class Roster:
    platform: str  # canvas, moodle, classroom or plain
    header: list[str]
    rows: list[dict[str, str]]
    id_column: str | None  # matched against a platform download's user id
    name_column: str | None  # matched against a submission's name
    by_id: dict[str, dict[str, str]] = field(default_factory=dict)
    by_name: dict[str, dict[str, str]] = field(default_factory=dict)

    def user_id(self, row: dict[str, str]) -> str:
        """The platform's id of a row's student, as the platform's download names carry it."""
        value = row.get(self.id_column or "", "")
        if self.platform == "moodle":
            found = re.fullmatch(r"\D*?(\d+)", value)
            return found[1] if found else ""
        return self.key(value)

    def key(self, value: str) -> str:
        """A name as the index holds it: GitHub usernames are the same in any case."""
        return value.lower() if self.platform == "classroom" else value

    def find(self, record: dict) -> dict[str, str] | None:
        """The roster row of a graded student, matched exactly, or None."""
        source = record.get("platform") or {}
        if source.get("kind") == self.platform and self.id_column:
            user = self.key(str(source.get("user", "")))
            row = self.by_id.get(user)
            if row is not None and self.platform == "canvas":
                # Canvas's file names start with the sortable name: a name that ends in
                # `_<digits>` could pose as another student's id, so both must agree.
                if record["student"] != f"{canvas_name(row.get('Student', ''))}_{user}":
                    return None
            return row
        if self.name_column:
            return self.by_name.get(self.key(record["student"]))
        return None

    def label(self, row: dict[str, str]) -> str:
        for column in ("Student", "Full name", "name", "github_username", "Submission"):
            if row.get(column):
                return row[column]
        return next((value for value in row.values() if value), "(empty row)")


def canvas_name(sortable_name: str) -> str:
    """A sortable name as Canvas writes it in its download's file names (ContentZipper:
    `_<digits>_` runs joined, lowercased, every non-word character dropped), as NFC."""
    name = unicodedata.normalize("NFC", re.sub(r"_(\d+)_", r"\1", sortable_name).lower())
    return "".join(char for char in name if canvas_word(char))


def _known_header(text: str, delimiter: str) -> bool:
    """Whether the first row, split at `delimiter`, names a column a roster is known by."""
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    return bool({"ID", "Identifier", "github_username", "Submission"} & {c.strip() for c in first})


def read_roster(path: Path) -> Roster:
    """Read ROSTER.csv; RosterError if it is no roster this module knows or names a key twice."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as source:
            text = source.read().lstrip()  # blank lines before the header are no header
        # Saved again from a spreadsheet where `,` is the decimal mark, a roster has `;`.
        delimiter = next((mark for mark in (",", ";", "\t") if _known_header(text, mark)), ",")
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = [name.strip() for name in reader.fieldnames or []]
        rows = [
            {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
            for row in reader
        ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"The roster {path} cannot be read: {exc}") from None
    if "Student" in header and "ID" in header:
        name_column = "Submission" if "Submission" in header else None
        if name_column is None and "SIS Login ID" in header:
            name_column = "SIS Login ID"
        # Canvas's export has a "Points Possible" row (and may have a test student): not students.
        rows = [
            row for row in rows if row.get("Student") and "Points Possible" not in row["Student"]
        ]
        roster = Roster("canvas", header, rows, "ID", name_column)
    elif "Identifier" in header:
        if not any(column in header for column in MOODLE_MAPPING):
            raise RosterError(
                f"The roster {path} is a Moodle grading worksheet without an `Email address`, "
                "`Username` or `ID number` column, so Moodle's grade import could not map its "
                "rows to users. Show one of them in the assignment's grading table (site "
                "administration > Show user identity) and download the worksheet again."
            )
        rows = [row for row in rows if row.get("Identifier")]
        name_column = "Submission" if "Submission" in header else None
        roster = Roster("moodle", header, rows, "Identifier", name_column)
    elif "github_username" in header:
        roster = Roster("classroom", header, rows, "github_username", "github_username")
    elif "Submission" in header:
        roster = Roster("plain", header, rows, None, "Submission")
    else:
        raise RosterError(
            f"The roster {path} is none this grader knows (it has: "
            f"{', '.join(header) or 'no header'}). Give the roster your platform exports: "
            "Canvas's gradebook export, Moodle's grading worksheet or GitHub Classroom's "
            "roster; or any CSV with a `Submission` column holding each submission's name."
        )
    for number, row in enumerate(roster.rows, start=2):
        for column, index, value in (
            (roster.id_column, roster.by_id, roster.user_id(row)),
            (roster.name_column, roster.by_name, roster.key(row.get(roster.name_column or "", ""))),
        ):
            if not column or not value:
                continue
            if value in index and index[value] is not row:
                raise RosterError(
                    f"The roster {path} gives the {column} {value!r} to two students "
                    f"({roster.label(index[value])!r} and {roster.label(row)!r}, row {number})."
                )
            index[value] = row
    return roster


def _lesson_points(record: dict, lesson: Lesson) -> float:
    return round(
        sum(
            value["earned"]
            for key, value in record["exercises"].items()
            if key.startswith(f"{lesson.nn}.")
        ),
        2,
    )


def _number(value: float) -> str:
    return f"{value:g}"


def write_gradebooks(
    records: list[dict],
    lessons: list[Lesson],
    roster: Roster,
    out: Path,
    missing: str = "omit",
) -> dict:
    """The platform's import file (if it has one) and gradebook.csv; the matching, for
    grading.json: the key columns, who is missing, who is extra, the files written."""
    if missing not in MISSING_CHOICES:
        raise ValueError(f"missing must be one of {', '.join(MISSING_CHOICES)}, not {missing!r}")
    out = Path(out)
    matched: dict[int, dict] = {}
    extra = []
    for record in records:
        row = roster.find(record)
        if row is None or id(row) in matched:
            extra.append(record["student"])
        else:
            matched[id(row)] = record
    absent = [row for row in roster.rows if id(row) not in matched]
    titles = [f"Lesson {lesson.nn}: {lesson.title}" for lesson in lessons]
    written = [PLAIN_FILE]
    _write_plain(out / PLAIN_FILE, roster, matched, lessons, titles)
    if roster.platform == "canvas":
        _write_canvas(out / PLATFORM_FILES["canvas"], roster, matched, lessons, titles, missing)
        written.insert(0, PLATFORM_FILES["canvas"])
    elif roster.platform == "moodle":
        _write_moodle(out / PLATFORM_FILES["moodle"], roster, matched, lessons, titles, missing)
        written.insert(0, PLATFORM_FILES["moodle"])
    return {
        "platform": roster.platform,
        "id_column": roster.id_column,
        "name_column": roster.name_column,
        "students": len(roster.rows),
        "matched": len(matched),
        "missing": [roster.label(row) for row in absent],
        "extra": extra,
        "missing_policy": missing,
        "files": written,
    }


def _cells(record: dict | None, lessons: list[Lesson], missing: str) -> list[str] | None:
    """A row's lesson cells, or None when the row is left out."""
    if record is not None:
        return [_number(_lesson_points(record, lesson)) for lesson in lessons]
    if missing == "omit":
        return None
    return ["0" if missing == "zero" else "" for _ in lessons]


def _write_canvas(path, roster, matched, lessons, titles, missing) -> None:
    with path.open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow([*CANVAS_IDENTITY, *titles])
        writer.writerow(["Points Possible", "", "", "", "", *(x.points for x in lessons)])
        for row in roster.rows:
            cells = _cells(matched.get(id(row)), lessons, missing)
            if cells is not None:
                writer.writerow([_safe(row.get(column, "")) for column in CANVAS_IDENTITY] + cells)


def _write_moodle(path, roster, matched, lessons, titles, missing) -> None:
    key = next(column for column in MOODLE_MAPPING if column in roster.header)
    with path.open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow([key, "Full name", *titles, "Total"])
        for row in roster.rows:
            if not row.get(key):
                continue  # a row Moodle could not map to a user would stop its import
            record = matched.get(id(row))
            cells = _cells(record, lessons, missing)
            if cells is None:
                continue
            total = (
                _number(round(record["points"], 2))
                if record
                else ("0" if missing == "zero" else "")
            )
            writer.writerow([_safe(row[key]), _safe(row.get("Full name", "")), *cells, total])


def _write_plain(path, roster, matched, lessons, titles) -> None:
    columns = [c for c in roster.header if c and c not in ("Submission",)]
    if roster.platform == "canvas":
        columns = [c for c in CANVAS_IDENTITY if c in roster.header]
    with path.open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow([*columns, "submission", *titles, "total", "possible", "late", "status"])
        possible = sum(lesson.points for lesson in lessons)
        for row in roster.rows:
            record = matched.get(id(row))
            identity = [_safe(row.get(column, "")) for column in columns]
            if record is None:
                blanks = [""] * len(lessons)
                writer.writerow([*identity, "", *blanks, "", possible, "", "missing"])
                continue
            writer.writerow(
                [
                    *identity,
                    _safe(record["student"]),
                    *(_number(_lesson_points(record, lesson)) for lesson in lessons),
                    _number(round(record["points"], 2)),
                    possible,
                    "late" if record.get("late") else "",
                    record["status"],
                ]
            )


def _safe(text: str) -> str:
    """Neutralise spreadsheet formulas: a name like =HYPERLINK(...) stays text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
