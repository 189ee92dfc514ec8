"""`course grade`: a made-up class, graded once, with good, partial, broken and hostile students.

The class is graded a single time (module fixture) because each submission runs pytest in a
process of its own; the test functions then read what the run wrote. No test here needs the
Django database.
"""

import csv
import hashlib
import json
import os
import shutil
import stat
import time
import uuid
import zipfile
from argparse import Namespace
from pathlib import Path

import pytest

from course import grading

from .conftest import LESSON, SOLUTION, STARTER

TIMEOUT = 20.0  # seconds per submission: the endless loop costs exactly this much
SCRIPT_NAME = "eve<script>alert(1)" if os.name != "nt" else "eve script"
MISTAKE = LESSON.solution_folder / "mistakes" / "e2_patch_without_partial.py"
SYNTAX_ERROR = SOLUTION.read_text(encoding="utf-8").replace(
    "def course_students(request, pk):", "def course_students(request, pk)\n", 1
)
SYNTAX_LINE = next(
    n
    for n, line in enumerate(SYNTAX_ERROR.splitlines(), 1)
    if "def course_students(request, pk)" in line
)
EVIL = f"evil-{uuid.uuid4().hex}.txt"
STUDENTS = ["alice", "bob", "carol", SCRIPT_NAME, "frank", "grace", "heidi", "mallory"]


def put(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)


def build_class(folder: Path) -> None:
    """One folder or zip per student; both layouts a target accepts (checkout and bare)."""
    exercise = f"lessons/{LESSON.slug}/exercise.py"
    bare = f"{LESSON.slug}/exercise.py"
    solution, starter = SOLUTION.read_text(encoding="utf-8"), STARTER.read_text(encoding="utf-8")
    put(folder / "alice", exercise, solution)
    put(folder / "alice", "lessons/conftest.py", "raise SystemExit('never imported')\n")
    make_zip(folder / "bob.zip", {f"bob-main/{exercise}": MISTAKE.read_text(encoding="utf-8")})
    put(folder / "carol", bare, SYNTAX_ERROR)
    put(folder / SCRIPT_NAME, exercise, starter)
    put(folder / "frank", bare, "while True:\n    pass\n")
    put(folder / "grace", bare, "import sys\n\nsys.exit(3)\n")
    put(folder / "heidi", bare, "import os\n\nos._exit(0)\n")
    make_zip(
        folder / "mallory.zip",
        {
            f"mallory/{exercise}": solution,
            f"../../../{EVIL}": "written outside the scratch folder",
            f"../../../../{EVIL}": "written outside the scratch folder",
        },
    )
    (folder / "notes.txt").write_text("not a submission", encoding="utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    submissions, out, scratch = base / "submissions", base / "out", base / "scratch"
    submissions.mkdir()
    build_class(submissions)
    before = snapshot(submissions)
    started = time.perf_counter()
    results = grading.grade(submissions, out, jobs=2, timeout=TIMEOUT, scratch=scratch)
    seconds = time.perf_counter() - started
    return Namespace(
        base=base,
        submissions=submissions,
        out=out,
        scratch=scratch,
        results={r.name: r for r in results},
        order=[r.name for r in results],
        before=before,
        seconds=seconds,
    )


def record(graded, name: str) -> dict:
    result = graded.results[name]
    return json.loads((graded.out / "results" / f"{result.slug}.json").read_text(encoding="utf-8"))


def feedback(graded, name: str) -> str:
    result = graded.results[name]
    return (graded.out / "feedback" / f"{result.slug}.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------ the class run


def test_every_student_is_graded_in_name_order(graded):
    assert graded.order == sorted(STUDENTS)
    for name in STUDENTS:
        assert record(graded, name)["student"] == name
        assert feedback(graded, name).startswith(f"# Feedback for {name}")


def test_complete_student_gets_full_points(graded):
    alice = record(graded, "alice")
    assert alice["status"] == "pass" and alice["message"] is None
    assert alice["points"] == alice["max_points"] == LESSON.points
    assert all(test["status"] == "pass" for test in alice["tests"])
    assert "**Total: 10/10**" in feedback(graded, "alice")


def test_only_learner_files_are_taken_from_a_submission(graded):
    # alice's lessons/conftest.py would stop the run if it were imported.
    assert record(graded, "alice")["loaded_files"] == {
        LESSON.slug: {
            f"lessons/{LESSON.slug}/exercise.py": hashlib.sha256(SOLUTION.read_bytes()).hexdigest()
        }
    }


def test_untouched_starter_gets_nothing(graded):
    starter = record(graded, SCRIPT_NAME)
    assert starter["status"] == "fail"
    assert starter["points"] == 0
    assert starter["tests"] and all(test["status"] != "pass" for test in starter["tests"])


def test_partial_work_gets_partial_credit(graded):
    bob = record(graded, "bob")  # a zip whose files sit under bob-main/
    assert bob["status"] == "fail"
    assert 0 < bob["points"] < bob["max_points"]
    assert bob["exercises"][f"{LESSON.nn}.E1"]["passed"]
    assert not bob["exercises"][f"{LESSON.nn}.E2"]["passed"]
    assert "partial=True" in feedback(graded, "bob")


def test_syntax_error_names_file_and_line(graded):
    carol = record(graded, "carol")
    assert carol["status"] in ("fail", "error")
    assert carol["points"] == 0
    where = f"lessons/{LESSON.slug}/exercise.py, line {SYNTAX_LINE}"
    text = feedback(graded, "carol")
    assert where in text and "SyntaxError" in text, text
    assert where in json.dumps(carol["load_errors"] or carol["message"])
    assert str(graded.scratch) not in text, "scratch paths are replaced by the student's own"


def test_endless_loop_is_stopped_with_a_clear_error(graded):
    frank = record(graded, "frank")
    assert frank["status"] == "error" and frank["points"] == 0 and frank["tests"] == []
    assert f"Stopped after {TIMEOUT:g} s" in frank["message"]
    assert "endless loop" in frank["message"]
    assert TIMEOUT <= frank["duration"] < TIMEOUT + 10


def test_exits_at_import_are_contained(graded):
    """sys.exit() at import is code that does not load (file and line); os._exit() kills the run."""
    grace = record(graded, "grace")
    assert grace["status"] == "fail" and grace["points"] == 0
    assert "SystemExit: 3" in json.dumps(grace["load_errors"])
    assert "exercise.py, line 3" in feedback(graded, "grace")
    heidi = record(graded, "heidi")
    assert heidi["status"] == "error" and heidi["points"] == 0
    assert "before writing any results" in heidi["message"] and "os._exit()" in heidi["message"]
    assert grace["flags"] and heidi["flags"], "code that exits is flagged for review"


def test_hostile_zip_is_rejected_and_writes_nothing(graded):
    mallory = record(graded, "mallory")
    assert mallory["status"] == "error" and mallory["points"] == 0
    assert "../" in mallory["message"] and "outside the submission folder" in mallory["message"]
    assert not list(graded.base.rglob(EVIL))
    assert not (graded.base.parent / EVIL).exists()
    assert not list(graded.scratch.iterdir()), "every submission's scratch folder is removed"
    assert snapshot(graded.submissions) == graded.before, "submissions are never written to"


def test_grades_csv_has_a_row_per_student_and_a_column_per_exercise(graded):
    with (graded.out / "grades.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    exercises = [f"{LESSON.nn}.{e.id}" for e in LESSON.exercises]
    assert rows[0] == ["student", *exercises, "total", "possible", "percent", "status", "flags"]
    assert [row[0] for row in rows[1:]] == sorted(STUDENTS)
    alice = dict(zip(rows[0], rows[1], strict=True))
    assert alice == {
        "student": "alice",
        **{column: str(e.points) for column, e in zip(exercises, LESSON.exercises, strict=True)},
        "total": "10",
        "possible": "10",
        "percent": "100.0",
        "status": "pass",
        "flags": "",
    }
    statuses = {row[0]: row[-2] for row in rows[1:]}
    assert [name for name, status in statuses.items() if status == "error"] == [
        "frank",
        "heidi",
        "mallory",
    ]


def test_results_follow_exercism_v3(graded):
    for name in STUDENTS:
        data = record(graded, name)
        assert data["version"] == 3
        assert data["status"] in ("pass", "fail", "error")
        assert {"message", "tests", "points", "max_points", "duration", "exercises"} <= set(data)
        assert (data["message"] is None) == (data["status"] != "error")
        for test in data["tests"]:
            assert {"name", "task_id", "status", "message", "output", "test_code"} <= set(test)
            assert isinstance(test["task_id"], int) and test["status"] in ("pass", "fail", "error")
        assert set(data["exercises"]) == {f"{LESSON.nn}.{e.id}" for e in LESSON.exercises}
    tasks = {t["task_id"] for t in record(graded, "alice")["tests"]}
    assert tasks == {int(e.id[1:]) for e in LESSON.exercises}


@pytest.mark.skipif(os.name == "nt", reason="Windows file names cannot hold < and >")
def test_report_is_self_contained_and_escapes_student_strings(graded):
    page = (graded.out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "eve&lt;script&gt;alert(1)" in page
    assert "<svg" in page and "src=" not in page and "href=" not in page
    for heading in ("Tests, most failed first", "Slowest submissions", "Submissions with errors"):
        assert heading in page


def test_grading_a_student_alone_gives_the_same_grade(graded, tmp_path):
    alone = tmp_path / "submissions"
    shutil.copytree(graded.submissions / "alice", alone / "alice")
    (result,) = grading.grade(alone, tmp_path / "out", jobs=1, timeout=TIMEOUT)
    in_class = graded.results["alice"]
    assert (result.status, result.earned) == (in_class.status, in_class.earned)
    assert result.exercises() == in_class.exercises()


def test_a_failing_reference_stops_grading_and_writes_nothing(
    graded, tmp_path, make_target, monkeypatch
):
    # Grades from an environment where the reference fails would be wrong for everyone.
    monkeypatch.setattr(grading, "SOLUTIONS_DIR", make_target(copy_of=STARTER, name="ref"))
    alone = tmp_path / "submissions"
    shutil.copytree(graded.submissions / "alice", alone / "alice")
    with pytest.raises(grading.GradingError, match="reference solutions earn 0/10"):
        grading.grade(alone, tmp_path / "out", jobs=2, timeout=TIMEOUT)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------- without running tests


def test_a_missing_submissions_folder_is_a_usage_error(tmp_path):
    args = Namespace(
        submissions=str(tmp_path / "nowhere"),
        out=str(tmp_path / "out"),
        jobs=1,
        timeout=5,
        memory=0,
    )
    assert grading.main(args) == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "size", "expected"),
    [
        ("/etc/passwd", 1, "outside the submission folder"),
        ("a\\..\\..\\b.py", 1, "outside the submission folder"),
        ("bomb.bin", grading.MAX_ZIP_BYTES + 1, "at most 50 MB"),
    ],
    ids=["absolute", "backslash-dotdot", "too-big"],
)
def test_unsafe_zips_are_refused_before_anything_is_written(tmp_path, name, size, expected):
    archive, dest = tmp_path / "s.zip", tmp_path / "unpacked"
    make_zip(archive, {"fine/lessons/readme.txt": "x", name: "0" * size})
    with pytest.raises(grading.SubmissionError, match=expected):
        grading.unpack_zip(archive, dest)
    assert not dest.exists()


def test_zip_symlinks_are_refused(tmp_path):
    archive = tmp_path / "s.zip"
    link = zipfile.ZipInfo("lessons/l01_function_views/exercise.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(link, str(SOLUTION))
    with pytest.raises(grading.SubmissionError, match="symbolic link"):
        grading.unpack_zip(archive, tmp_path / "unpacked")


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_a_learner_file_linking_outside_the_submission_is_refused(tmp_path):
    folder = tmp_path / "sly" / LESSON.slug
    folder.mkdir(parents=True)
    (folder / "exercise.py").symlink_to(SOLUTION)
    with pytest.raises(grading.SubmissionError, match="link to a file outside"):
        grading.copy_learner_files(tmp_path / "sly", tmp_path / "sly", tmp_path / "target")


def test_names_are_safe_and_unique_as_file_names(tmp_path):
    for name in ("Alice", "CON", "José", "a b"):
        (tmp_path / name).mkdir()
    make_zip(tmp_path / "alice.zip", {"x.txt": "x"})
    (tmp_path / "notes.txt").write_text("not a submission", encoding="utf-8")
    submissions, skipped = grading.find_submissions(tmp_path)
    assert [s.name for s in submissions] == ["Alice", "CON", "José", "a b", "alice"]
    assert [s.slug for s in submissions] == ["Alice", "_CON", "Jose", "a_b", "alice-2"]
    assert skipped == [tmp_path / "notes.txt"]
