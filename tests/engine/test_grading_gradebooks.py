"""The gradebook files `course grade --roster` writes, read by each importer's documented rules.

The validators below encode what the importers do with a file, not what this course writes:

- Canvas (Grades > Import; Canvas guides and university guides built on them): the header
  holds the student's name, Canvas `ID` or `SIS User ID`, `SIS Login ID` and `Section`, then
  one column per assignment; a second row `Points Possible` is allowed; every other row is a
  student found by those columns; a blank cell where Canvas has a grade removes that grade.
- Moodle (Grades > Import > CSV file): the header names the columns; one column is mapped to a
  user field (email address, username, ID number or user id) and every row after the header
  must map to a user, or the import stops; each other mapped column is a grade item.

Records are made up here (the grading itself is tested in test_grading.py): fast.
"""

import csv
import io

import pytest

from course.grading.lms import RosterError, read_roster, write_gradebooks
from course.manifest import find_lesson

LESSONS = [find_lesson("01"), find_lesson("02")]


def record(name: str, earned: dict[str, float], **extra) -> dict:
    exercises = {}
    for lesson in LESSONS:
        for exercise in lesson.exercises:
            key = f"{lesson.nn}.{exercise.id}"
            exercises[key] = {"earned": earned.get(key, 0.0), "points": exercise.points}
    points = round(sum(v["earned"] for v in exercises.values()), 2)
    return {"student": name, "exercises": exercises, "points": points, "status": "fail", **extra}


def write(tmp_path, text: str, name: str = "roster.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows_of(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


# ----------------------------------------------------------------- the importers' rules


def canvas_import(path, gradebook: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """Canvas's gradebook import applied to `gradebook` ({Canvas ID: {column: grade}})."""
    rows = rows_of(path)
    header = rows[0]
    for required in ("SIS Login ID", "Section"):
        assert required in header, f"Canvas needs a {required} column"
    assert {"Student", "ID", "SIS User ID"} & set(header), "Canvas needs a way to find students"
    assignments = header[header.index("Section") + 1 :]
    body = rows[1:]
    if body and body[0][0].strip() == "Points Possible":
        body = body[1:]  # allowed, and only as the second row
    result = {key: dict(value) for key, value in gradebook.items()}
    for row in body:
        assert len(row) == len(header)
        cells = dict(zip(header, row, strict=True))
        assert "Points Possible" not in cells["Student"], "Points Possible only as row two"
        student = cells["ID"]
        assert student in result, f"Canvas finds no student {cells['Student']!r}"
        for column in assignments:
            value = cells[column]
            if value == "":
                result[student].pop(column, None)  # a blank removes the grade Canvas has
            else:
                float(value)
                result[student][column] = value
    return result


MOODLE_USER_FIELDS = {"Email address": "email", "Username": "username", "ID number": "idnumber"}


def moodle_import(path, users: dict[str, dict[str, str]], mapping: str) -> dict[str, dict]:
    """Moodle's CSV grade import: `mapping` (a column) maps to a user field; each row a user."""
    rows = rows_of(path)
    header, body = rows[0], rows[1:]
    assert mapping in header, f"the column to map, {mapping!r}, is missing"
    field = MOODLE_USER_FIELDS[mapping]
    by_field = {user[field]: key for key, user in users.items()}
    grades = {}
    for row in body:
        cells = dict(zip(header, row, strict=True))
        user = by_field.get(cells[mapping])
        if user is None:  # Moodle: "user mapping error", and the import stops
            raise AssertionError(f"Moodle maps no user to {cells[mapping]!r}: import aborted")
        grades[user] = {k: v for k, v in cells.items() if k not in (mapping, "Full name")}
        for value in grades[user].values():
            assert value == "" or float(value) >= 0
    return grades


# ---------------------------------------------------------------------------- Canvas

CANVAS = """Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (77)
    Points Possible,,,,,10
"Smith, Bob",340934,S1,bsmith,A,7
"Müller, Zoë",340935,S2,zmuller,A,9
"Ng, Li",340936,S3,lng,B,8
"""


def test_canvas_gets_a_file_its_import_reads_and_no_grade_is_removed(tmp_path):
    roster = read_roster(
        write(
            tmp_path,
            CANVAS.replace("Section,", "Section,Submission,")
            .replace(",A,7", ",A,bob,7")
            .replace(",A,9", ",A,zoe,9")
            .replace(",B,8", ",B,li,8")
            .replace(",,,,,10", ",,,,,,10"),
        )
    )
    assert roster.platform == "canvas" and roster.name_column == "Submission"
    full = {f"01.{e.id}": e.points for e in LESSONS[0].exercises}
    records = [record("bob", full), record("zoe", {"01.E1": 3}), record("stranger", full)]
    matched = write_gradebooks(records, LESSONS, roster, tmp_path)
    assert matched["missing"] == ["Ng, Li"] and matched["extra"] == ["stranger"]
    assert matched["files"] == ["canvas.csv", "gradebook.csv"]
    title1 = f"Lesson 01: {LESSONS[0].title}"
    before = {"340934": {}, "340935": {}, "340936": {title1: "6"}}  # Li has a grade already
    after = canvas_import(tmp_path / "canvas.csv", before)
    assert after["340934"][title1] == "10" and after["340935"][title1] == "3"
    assert after["340936"] == {title1: "6"}, "a student without a submission keeps their grade"
    assert rows_of(tmp_path / "canvas.csv")[1][:1] == ["Points Possible"]


@pytest.mark.parametrize("missing, expected", [("zero", "0"), ("blank", None)])
def test_canvas_missing_students_get_zero_or_a_blank_only_when_asked(tmp_path, missing, expected):
    roster = read_roster(write(tmp_path, CANVAS))  # matched on SIS Login ID
    assert roster.name_column == "SIS Login ID"
    write_gradebooks([record("bsmith", {})], LESSONS, roster, tmp_path, missing)
    title1 = f"Lesson 01: {LESSONS[0].title}"
    after = canvas_import(
        tmp_path / "canvas.csv", {k: {title1: "6"} for k in ("340934", "340935", "340936")}
    )
    assert after["340934"][title1] == "0"
    assert after["340936"].get(title1) == expected  # blank: Canvas removes the 6


def test_a_roster_that_gives_a_key_to_two_students_is_refused(tmp_path):
    text = CANVAS.replace("340935", "340934")
    with pytest.raises(RosterError, match="340934"):
        read_roster(write(tmp_path, text))


# ---------------------------------------------------------------------------- Moodle

WORKSHEET = """Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed
Participant 12345,Bob Smith,bob@example.edu,Submitted for grading,,100,Yes
Participant 12346,Zoë Müller,zoe@example.edu,Submitted for grading,,100,Yes
Participant 12347,Li Ng,li@example.edu,No submission,,100,Yes
"""
USERS = {
    "bob": {"email": "bob@example.edu"},
    "zoe": {"email": "zoe@example.edu"},
    "li": {"email": "li@example.edu"},
}


def moodle_record(name: str, participant: str, earned: dict) -> dict:
    return record(name, earned, platform={"kind": "moodle", "user": participant})


@pytest.mark.parametrize("missing", ["omit", "zero", "blank"])
def test_moodle_gets_no_points_row_and_every_row_maps_to_a_user(tmp_path, missing):
    roster = read_roster(write(tmp_path, WORKSHEET))
    assert roster.platform == "moodle"
    records = [
        moodle_record("Bob Smith", "12345", {"01.E1": 3}),
        moodle_record("Zoë Müller", "12346", {}),
        moodle_record("Eve", "99999", {}),
    ]
    matched = write_gradebooks(records, LESSONS, roster, tmp_path, missing)
    assert matched["files"] == ["moodle.csv", "gradebook.csv"]
    assert matched["missing"] == ["Li Ng"] and matched["extra"] == ["Eve"]
    header = rows_of(tmp_path / "moodle.csv")[0]
    assert header[0] == "Email address" and header[-1] == "Total"
    grades = moodle_import(tmp_path / "moodle.csv", USERS, "Email address")
    assert grades["bob"]["Total"] == "3" and grades["zoe"]["Total"] == "0"
    assert ("li" in grades) == (missing != "omit")


def test_a_worksheet_without_a_column_moodle_can_map_is_refused(tmp_path):
    text = "\n".join(
        ",".join(cell for i, cell in enumerate(line.split(",")) if i != 2)
        for line in WORKSHEET.splitlines()
    )
    with pytest.raises(RosterError, match="Email address"):
        read_roster(write(tmp_path, text))


# ------------------------------------------------------------------------- plain CSV


def test_the_plain_gradebook_lists_every_roster_row_with_its_own_columns(tmp_path):
    text = "identifier,github_username,github_id,name\nS1,bob-s,11,Bob Smith\nS2,li,12,Li Ng\n"
    roster = read_roster(write(tmp_path, text))
    assert roster.platform == "classroom"
    records = [record("bob-s", {"01.E1": 3}, late=True)]
    matched = write_gradebooks(records, LESSONS, roster, tmp_path)
    assert matched["files"] == ["gradebook.csv"] and matched["missing"] == ["Li Ng"]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "gradebook.csv").read_text("utf-8"))))
    assert [r["github_username"] for r in rows] == ["bob-s", "li"]
    assert rows[0]["total"] == "3" and rows[0]["late"] == "late" and rows[0]["status"] == "fail"
    assert rows[1]["status"] == "missing" and rows[1]["total"] == ""


# -------------------------------------------------------------------- GitHub Classroom


def test_classroom_usernames_match_in_any_case_as_github_logins_do(tmp_path):
    roster = read_roster(write(tmp_path, "identifier,github_username,name\nb,Bob-Smith,Bob\n"))
    for kind in ("classroom", None):  # from a clone, or a folder named after the student
        clone = {"kind": kind, "user": "bob-smith"} if kind else None
        row = roster.find({"student": "bob-smith", "platform": clone})
        assert row is not None and row["name"] == "Bob", kind
    twice = "identifier,github_username,name\nb,Bob-Smith,Bob\nc,bob-smith,Carl\n"
    with pytest.raises(RosterError, match="two students"):
        read_roster(write(tmp_path, twice, "twice.csv"))


def test_a_roster_saved_again_by_a_spreadsheet_is_read_the_same(tmp_path):
    """A BOM, blank lines, `;` (a spreadsheet where `,` is the decimal mark), quoted commas."""
    saved = "\ufeff\r\n\r\n" + CANVAS.replace(",", ";").replace('"Smith; Bob"', '"Smith, Bob"')
    original, again = (
        read_roster(write(tmp_path, CANVAS)),
        read_roster(write(tmp_path, saved, "x.csv")),
    )
    assert (again.platform, again.header) == (original.platform, original.header)
    assert [row["ID"] for row in again.rows] == [row["ID"] for row in original.rows]
    assert again.by_id["340934"]["Student"] == "Smith, Bob"


def test_a_shard_writes_no_gradebook_the_merge_does(tmp_path, capsys):
    """Shard 1 of 2 holds half the class: its canvas.csv would give the other half as missing
    (with --missing zero, a 0 each on import), so --roster is for `grade merge`."""
    from course import cli

    roster = write(tmp_path, CANVAS)
    (tmp_path / "class").mkdir()
    args = ["grade", str(tmp_path / "class"), "--shard", "1/2", "--roster", str(roster)]
    assert cli.main([*args, "--out", str(tmp_path / "out")]) == 2
    assert "grade merge" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()


def test_no_cell_a_student_controls_can_start_a_formula(tmp_path):
    """OWASP's CSV injection rule: a cell starting with =, +, -, @, a tab or a carriage
    return is a formula to a spreadsheet; names in every gradebook file stay text."""
    names = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"]
    canvas = "Student,ID,SIS User ID,SIS Login ID,Section\n" + "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",{n},={n},@x{n},+A\n'
        for n, name in enumerate(names)
    )
    worksheet = "Identifier,Full name,Email address\n" + "".join(
        f'Participant {n},"{name.replace(chr(34), chr(34) * 2)}",-{n}@example.edu\n'
        for n, name in enumerate(names)
    )
    for kind, text in (("canvas", canvas), ("moodle", worksheet)):
        roster = read_roster(write(tmp_path, text, f"{kind}.csv"))
        records = [
            record(f"{name}_{n}", {}, platform={"kind": kind, "user": str(n)})
            for n, name in enumerate(names)
        ]
        out = tmp_path / kind
        out.mkdir()
        write_gradebooks(records, LESSONS, roster, out, "zero")
        for path in out.glob("*.csv"):
            cells = [cell for row in rows_of(path) for cell in row]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], path.name
