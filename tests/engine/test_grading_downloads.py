"""`course grade` on what each platform's "download all" gives, matched to that platform's roster.

For each platform, a made-up download of three students (names with spaces, accents and
hyphens, a late one, one with two uploads), named by the platform's own rule
(course.grading.submissions cites it), and the roster the platform exports, unchanged. One
command grades it into that platform's gradebook file with every student matched, and keeps
lateness beside the grade without changing it. Lesson 01 only, so each class stays short.
"""

import csv
import io
import json
import os
import unicodedata
import zipfile
from pathlib import Path

import pytest

from course import grading
from course.grading.submissions import (
    MAX_ZIP_BYTES,
    SubmissionError,
    find_submissions,
    stage,
)

from .conftest import LESSON, SOLUTION, STARTER
from .test_grading import MISTAKE

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FILE = f"{LESSON.slug}/exercise.py"
SOLUTION_TEXT = SOLUTION.read_text(encoding="utf-8")
STARTER_TEXT = STARTER.read_text(encoding="utf-8")


def zipped(members: dict[str, str]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return sink.getvalue()


def grade(submissions: Path, out: Path, roster: Path, **options):
    return grading.grade(
        submissions,
        out,
        jobs=2,
        timeout=60,
        memory_mb=768,
        lessons=[LESSON.nn],
        roster=roster,
        **options,
    )


def table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def points(out: Path) -> dict[str, str]:
    return {row["student"]: row["total"] for row in table(out / "grades.csv")}


# ---------------------------------------------------------------------------- Canvas

CANVAS_ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Homework 1 (77)
    Points Possible,,,,,10
"Smith, Bob",340934,S1,bsmith,A,
"Müller, Zoë",340935,S2,zmuller,A,
"Ng-Lee, Li",340936,S3,lnglee,B,
"Smith, Bobby",340937,S4,bsmith2,B,
"""


@pytest.fixture(scope="module")
def canvas(tmp_path_factory):
    base = tmp_path_factory.mktemp("canvas")
    # Canvas's submissions.zip: loose files named <sortable name>[_LATE]_<user id>_<file id>_<name>
    download = {
        "smithbob_LATE_340934_208490284_course.zip": zipped(
            {f"bob-main/lessons/{FILE}": SOLUTION_TEXT, "bob-main/README.md": "mine"}
        ),
        "müllerzoë_340935_208490300_exercise.py": MISTAKE,  # one lesson: a lone file is fine
        # Two uploads (older Canvas wrote `late` in lower case): the lesson folder, and notes.
        "ngleeli_late_340936_208490310_l01.zip": zipped({FILE: STARTER_TEXT}),
        "ngleeli_late_340936_208490311_notes.txt": "I ran out of time.",
        "smithbob_LATE_340934_text.html": "<p>a text entry is not code</p>",
        # A sortable name set to `x_340935` would pose as Zoë's id: kept apart, never matched.
        "x_340935_340934_208490320_course.zip": zipped({FILE: SOLUTION_TEXT}),
    }
    archive = base / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as sink:
        for name, data in download.items():
            sink.writestr(name, data)
    (base / "roster.csv").write_text("\ufeff" + CANVAS_ROSTER, encoding="utf-8")
    results = grade(archive, base / "out", base / "roster.csv")
    return base, {r.name: r for r in results}


def test_canvas_zip_grades_each_student_once_matched_by_canvas_id(canvas):
    base, results = canvas
    assert sorted(results) == [
        "müllerzoë_340935",
        "ngleeli_340936",
        "smithbob_340934",
        "x_340935",
    ]
    meta = json.loads((base / "out" / "grading.json").read_text(encoding="utf-8"))
    roster = meta["roster"]
    assert roster["platform"] == "canvas" and roster["id_column"] == "ID"
    assert roster["matched"] == 3 and roster["extra"] == ["x_340935"]
    assert roster["missing"] == ["Smith, Bobby"], "never guessed from a similar name"
    rows = table(base / "out" / "canvas.csv")
    assert rows[0]["Student"].strip() == "Points Possible"
    by_id = {row["ID"]: row for row in rows[1:]}
    column = f"Lesson {LESSON.nn}: {LESSON.title}"
    assert set(by_id) == {"340934", "340935", "340936"}  # Bobby left out: Canvas keeps his
    assert by_id["340934"][column] == str(LESSON.points)
    assert 0 < float(by_id["340935"][column]) < LESSON.points  # Zoë's own file, not x's
    assert by_id["340936"][column] == "0"


def test_canvas_lateness_is_kept_and_the_grade_is_not_changed(canvas):
    base, results = canvas
    assert results["smithbob_340934"].late and results["ngleeli_340936"].late
    assert not results["müllerzoë_340935"].late
    assert results["smithbob_340934"].earned == LESSON.points
    rows = {row["student"]: row for row in table(base / "out" / "grades.csv")}
    assert rows["smithbob_340934"]["late"] == "late" and rows["smithbob_340934"]["total"] == "10"
    assert rows["müllerzoë_340935"]["late"] == ""
    meta = json.loads((base / "out" / "grading.json").read_text(encoding="utf-8"))
    assert meta["late"] == ["ngleeli_340936", "smithbob_340934"]
    record = json.loads(
        (base / "out" / "results" / f"{results['smithbob_340934'].slug}.json").read_text("utf-8")
    )
    assert record["late"] and record["platform"] == {"kind": "canvas", "user": "340934"}
    assert any("text.html" in note for note in meta["notes"])


# ------------------------------------------------------------------- GitHub Classroom

CLASSROOM_ROSTER = """identifier,github_username,github_id,name
bob@example.edu,bob-smith,101,Bob Smith
zoe@example.edu,zoe-m,102,Zoë Müller
li@example.edu,li,103,Li Ng-Lee
"""


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    base = tmp_path_factory.mktemp("classroom")
    # gh classroom clone student-repos: <assignment>-submissions/<assignment>-<username>/
    clone = base / "drf-course-submissions"
    for user, text in (("bob-smith", SOLUTION_TEXT), ("zoe-m", MISTAKE), ("li", STARTER_TEXT)):
        path = clone / f"drf-course-{user}" / "lessons" / FILE
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    (clone / "drf-course-li" / ".git").mkdir()
    (base / "classroom_roster.csv").write_text(CLASSROOM_ROSTER, encoding="utf-8")
    results = grade(clone, base / "out", base / "classroom_roster.csv")
    return base, {r.name: r for r in results}


def test_classroom_clone_is_matched_by_github_username(classroom):
    base, results = classroom
    assert sorted(results) == ["bob-smith", "li", "zoe-m"]
    rows = {row["github_username"]: row for row in table(base / "out" / "gradebook.csv")}
    assert set(rows) == {"bob-smith", "zoe-m", "li"}
    assert all(row["status"] != "missing" for row in rows.values())
    assert rows["bob-smith"]["total"] == "10" and rows["bob-smith"]["name"] == "Bob Smith"
    assert 0 < float(rows["zoe-m"]["total"]) < 10 and rows["li"]["total"] == "0"
    meta = json.loads((base / "out" / "grading.json").read_text(encoding="utf-8"))
    assert meta["roster"]["matched"] == 3 and not meta["roster"]["extra"]


# ---------------------------------------------------------------------------- Moodle

WORKSHEET = """Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed
Participant 12345,Bob Smith,bob@example.edu,Submitted for grading,,10,Yes
Participant 12346,Zoë Müller,zoe@example.edu,Submitted for grading,,10,Yes
Participant 12347,Li Ng-Lee,li@example.edu,Submitted for grading,,10,Yes
"""


@pytest.fixture(scope="module")
def moodle(tmp_path_factory):
    base = tmp_path_factory.mktemp("moodle")
    # Download all submissions: <full name>_<participant id>_assignsubmission_file/<files>
    download = {
        "Bob Smith_12345_assignsubmission_file/course.zip": zipped(
            {f"drf/lessons/{FILE}": SOLUTION_TEXT}
        ),
        "Zoë Müller_12346_assignsubmission_file/exercise.py": MISTAKE,
        f"Li Ng-Lee_12347_assignsubmission_file/{FILE}": STARTER_TEXT,
        "Li Ng-Lee_12347_assignsubmission_onlinetext/onlinetext.html": "<p>notes</p>",
    }
    folder = base / "DRF-Assignment 1-42"
    for name, data in download.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    (base / "worksheet.csv").write_text(WORKSHEET, encoding="utf-8")
    results = grade(folder, base / "out", base / "worksheet.csv")  # the folder it unzipped to
    return base, {r.name: r for r in results}


def test_moodle_download_is_matched_by_participant_id(moodle):
    base, results = moodle
    assert sorted(results) == ["Bob Smith_12345", "Li Ng-Lee_12347", "Zoë Müller_12346"]
    rows = table(base / "out" / "moodle.csv")
    by_email = {row["Email address"]: row for row in rows}
    assert set(by_email) == {"bob@example.edu", "zoe@example.edu", "li@example.edu"}
    assert by_email["bob@example.edu"]["Total"] == "10"
    assert 0 < float(by_email["zoe@example.edu"]["Total"]) < 10
    assert by_email["li@example.edu"]["Total"] == "0"
    assert "Points Possible" not in (base / "out" / "moodle.csv").read_text("utf-8")
    meta = json.loads((base / "out" / "grading.json").read_text(encoding="utf-8"))
    assert meta["roster"]["matched"] == 3 and meta["roster"]["id_column"] == "Identifier"


def test_moodle_files_without_folders_are_one_submission_per_participant(tmp_path):
    for name in (
        "Zoë Müller_12346_assignsubmission_file_exercise.py",
        "Zoë Müller_12346_assignsubmission_file_notes.txt",
        "Bob Smith_12345_assignsubmission_onlinetext_onlinetext.html",
        "Cher_12347_assignsubmission_file_hw_1_2_exercise.py",  # could read as Canvas's
    ):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found, skipped = find_submissions(tmp_path)
    cher, zoe = found
    assert (cher.platform, cher.user) == ("moodle", "12347")
    assert (zoe.platform, zoe.user, zoe.name) == ("moodle", "12346", "Zoë Müller_12346")
    assert sorted(original for _, original in zoe.members) == ["exercise.py", "notes.txt"]
    assert [path.name for path in skipped] == [
        "Bob Smith_12345_assignsubmission_onlinetext_onlinetext.html"
    ]


# ---------------------------------------------------------------- as a cheat would


def test_canvas_names_are_read_as_canvas_writes_them_composed_or_not(tmp_path):
    """Canvas keeps marks in a name (Ruby's [[:word:]]); a zip unpacked on macOS may hand the
    names back decomposed (NFD). Both are still Canvas files, matched to their roster row."""
    from course.grading.lms import read_roster

    decomposed = unicodedata.normalize("NFD", "müllerzoë_340935_208490300_exercise.py")
    dotted = "i\u0307nceali_340938_208490301_exercise.py"  # "İnce, Ali" lowercased keeps a mark
    for name in (decomposed, dotted, "hw 1_340939_208490302_x.zip"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    found, _ = find_submissions(tmp_path)
    canvas = {item.user: item.name for item in found if item.platform == "canvas"}
    assert canvas == {"340935": "müllerzoë_340935", "340938": "i\u0307nceali_340938"}
    path = tmp_path.parent / f"{tmp_path.name}-roster.csv"
    path.write_text(
        'Student,ID,SIS User ID,SIS Login ID,Section\n"Müller, Zoë",340935,,,\n'
        '"İnce, Ali",340938,,,\n',
        encoding="utf-8",
    )
    roster = read_roster(path)
    for user, name in canvas.items():
        row = roster.find({"student": name, "platform": {"kind": "canvas", "user": user}})
        assert row is not None and row["ID"] == user, name


def stage_canvas(tmp_path, uploads: dict[str, bytes]):
    download = tmp_path / "download"
    download.mkdir(parents=True)
    for name, data in uploads.items():
        (download / name).write_bytes(data)
    (student,), _ = find_submissions(download)
    stage(student, tmp_path / "staged", [LESSON])
    return tmp_path / "staged"


def deflated(members: dict[str, bytes]) -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return sink.getvalue()


def test_a_zip_of_zips_cannot_unpack_to_more_than_one_zip_may(tmp_path):
    """Each zip inside is under the limit, so only a limit shared by the whole submission
    stops a student's zip of zips from filling the grader's disk."""
    inner = deflated({"padding.bin": bytes(MAX_ZIP_BYTES // 2)})  # a few kB, half the limit
    bomb = deflated({f"part{n}.zip": inner for n in range(3)})  # 1.5 limits, nested
    with pytest.raises(SubmissionError, match="together"):
        stage_canvas(tmp_path, {"smithbob_340934_208490284_course.zip": bomb})
    assert sum(p.stat().st_size for p in tmp_path.rglob("*.bin")) <= MAX_ZIP_BYTES


def test_two_uploads_holding_the_same_file_are_refused_not_one_silently_kept(tmp_path):
    uploads = {
        "smithbob_340934_208490284_course.zip": zipped({f"lessons/{FILE}": SOLUTION_TEXT}),
        "smithbob_340934_208490285_course.zip": zipped({f"lessons/{FILE}": STARTER_TEXT}),
    }
    with pytest.raises(SubmissionError, match="twice"):
        stage_canvas(tmp_path, uploads)
    # Two zips from macOS's Finder, each with its own .DS_Store and the same README: one.
    mac = {".DS_Store": "finder", "__MACOSX/._README.md": "meta", "README.md": "mine"}
    staged = stage_canvas(
        tmp_path / "apart",
        {
            "smithbob_340934_208490284_course.zip": zipped(
                {**mac, f"lessons/{FILE}": SOLUTION_TEXT}
            ),
            "smithbob_340934_208490285_notes.zip": zipped({**mac, ".DS_Store": "other"}),
        },
    )
    assert (staged / "lessons" / FILE).read_text(encoding="utf-8") == SOLUTION_TEXT


def test_moodle_participant_ids_that_prefix_each_other_stay_apart(tmp_path):
    from course.grading.lms import read_roster

    for name in ("Ann Lee_12_assignsubmission_file", "Bo Lee_123_assignsubmission_file"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "exercise.py").write_text("x", encoding="utf-8")
    found, _ = find_submissions(tmp_path)
    assert sorted(item.user for item in found) == ["12", "123"]
    sheet = tmp_path.parent / f"{tmp_path.name}.csv"
    sheet.write_text(
        "Identifier,Full name,Email address\nParticipant 123,Bo Lee,bo@x\nParticipant 12,Ann Lee,ann@x\n",
        encoding="utf-8",
    )
    roster = read_roster(sheet)
    for item in found:
        row = roster.find({"student": item.name, "platform": {"kind": "moodle", "user": item.user}})
        assert row["Full name"] == item.name.split("_")[0]


def test_a_class_download_may_unpack_to_its_floor_or_ten_times_its_size(tmp_path, monkeypatch):
    """A bomb (zeros that deflate to nothing) is refused before anything is written; a large
    class's download of zips, which hardly shrink, is not, even past the floor."""
    from course.grading import submissions
    from course.grading.submissions import MAX_DOWNLOAD_MEMBERS, download_limit, unpack_zip

    monkeypatch.setattr(submissions, "MAX_DOWNLOAD_BYTES", 2**20)  # a 1 MB floor for the test
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(deflated({"smithbob_1_2_course.zip": bytes(5 * 2**20)}))
    with pytest.raises(SubmissionError, match="at most 1 MB"):
        unpack_zip(bomb, tmp_path / "bomb", download_limit(bomb), MAX_DOWNLOAD_MEMBERS)
    assert not (tmp_path / "bomb").exists() or not any((tmp_path / "bomb").iterdir())
    large = tmp_path / "class.zip"
    large.write_bytes(deflated({f"s{n}_1_2_course.zip": os.urandom(2**20) for n in range(3)}))
    written, members = unpack_zip(
        large, tmp_path / "class", download_limit(large), MAX_DOWNLOAD_MEMBERS
    )
    assert (written, members) == (3 * 2**20, 3)
