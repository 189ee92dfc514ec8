"""`course grade`: a made-up class of good, broken and hostile students, graded once.

The class is graded a single time (module fixture), with the default runner (the warm parent
forking a child per submission on Linux, a fresh process elsewhere); the tests then read what
the run wrote. The good students are graded again, each alone and the portable way, and must
get the same grades. Lesson 01 only, so the run stays short whatever lessons exist.

Each made-up bad student stands for one thing a submission can do wrong or on purpose; for
each, the run finishes, the student gets what it earned with a clear status and message, and
tampering shows in the CSV and the report.
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from course import ROOT, grading
from course.grading.command import estimate_left
from course.grading.flags import is_tampering
from course.manifest import all_lessons
from course.mistakes import find_mistake

from .conftest import LESSON, SOLUTION, STARTER

pytestmark = pytest.mark.slow  # a whole class graded: left out of make test-fast

TIMEOUT = 40.0  # seconds per submission: only a loop the per-test limit cannot stop costs it
TEST_TIMEOUT = 4.0  # seconds per test: each endless loop costs this much, once or twice
MEMORY_MB = 768
SCRIPT_NAME = "eve<script>alert(1)" if os.name != "nt" else "eve script"
MISTAKE = find_mistake("01/e2_patch_without_partial").files()["exercise.py"]
EXERCISE = f"lessons/{LESSON.slug}/exercise.py"
BARE = f"{LESSON.slug}/exercise.py"
SOLUTION_TEXT = SOLUTION.read_text(encoding="utf-8")
STARTER_TEXT = STARTER.read_text(encoding="utf-8")
PWNED = ROOT / "tests" / "lessons" / f"test_zz_{uuid.uuid4().hex[:8]}.py"
EVIL = f"evil-{uuid.uuid4().hex}.txt"


def in_view(view: str, code: str, source: str = SOLUTION_TEXT) -> str:
    """`source` with `code` run first thing in `view` (indented into its body)."""
    head = f"def {view}(request" + ("):\n" if view == "course_list" else ", pk):\n")
    assert head in source
    body = "".join(f"    {line}\n" if line else "\n" for line in code.splitlines())
    return source.replace(head, head + body, 1)


SYNTAX_ERROR = SOLUTION_TEXT.replace(
    "def course_students(request, pk):", "def course_students(request, pk)\n", 1
)
SYNTAX_LINE = next(
    n
    for n, line in enumerate(SYNTAX_ERROR.splitlines(), 1)
    if "def course_students(request, pk)" in line
)
LOOP_IN_VIEW = in_view(
    "course_detail", 'if request.method == "DELETE":\n    while True:\n        pass'
)
EXIT_IN_VIEW = in_view("course_students", "import os\n\nos._exit(7)")
MEMORY_HOG = "hog = []\nwhile True:\n    hog.append(bytearray(32 * 1024 * 1024))\n"
FLOOD = 'for _ in range(20):\n    print("x" * 1_000_000)\n\n' + SOLUTION_TEXT
PATCH_TESTS = (
    STARTER_TEXT
    + """

# Make every graded test pass: replace the expectations the tests call with no-ops.
import gc
import sys

gc.get_objects()
for _name, _module in list(sys.modules.items()):
    if _name.startswith("test_l01"):
        _module.expect = _module.expect_status = lambda *args, **kwargs: None
"""
)
PATCH_PYTEST = (
    STARTER_TEXT
    + """

# Make pytest report a pass for every test phase from now on.
import _pytest.runner as _runner
from _pytest.reports import TestReport


def _passing(item, when, log=True, **kwargs):
    call = _runner.CallInfo.from_call(lambda: None, when=when)
    report = TestReport.from_item_and_call(item, call)
    if log:
        item.ihook.pytest_runtest_logreport(report=report)
    return report


_runner.call_and_report = _passing
"""
)


def writes_tests_folder() -> str:
    return SOLUTION_TEXT + (
        "\n\ntry:\n"
        f"    with open({str(PWNED)!r}, 'w') as sink:\n"
        "        sink.write('def test_free_points():\\n    pass\\n')\n"
        "except OSError:\n"
        "    pass\n"
    )


def reads_other_students(submissions: Path) -> str:
    alice = submissions / "alice" / "lessons" / LESSON.slug / "exercise.py"
    return SOLUTION_TEXT + (
        "\n\nimport os\nimport subprocess\n\nSTOLEN = None\n"
        "try:\n"
        f"    STOLEN = open({str(alice)!r}).read()\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        f"    os.listdir({str(submissions)!r})\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        "    subprocess.run(['true'])\n"
        "except OSError:\n"
        "    pass\n"
    )


GOOD = ["alice", "bob", SCRIPT_NAME]  # complete, partial, untouched starter
# Students whose lesson files are byte for byte another's: graded once, unless they tamper.
COPIES = {"alice2": "alice", "bob2": "bob", "nina2": "nina"}
STUDENTS = sorted(
    [
        *GOOD,
        *COPIES,
        "carol",  # syntax error
        "frank",  # endless loop at import
        "grace",  # sys.exit() at import
        "heidi",  # os._exit() at import
        "ivan",  # endless loop inside a view
        "kate",  # memory hog
        "leo",  # megabytes of output
        "mallory",  # a zip that writes outside its folder
        "mike",  # os._exit() inside a view
        "nina",  # patches the test module to pass
        "oscar",  # patches pytest to pass
        "pat",  # writes into tests/
        "quinn",  # reads another student's folder, starts a process
    ]
)


def put(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)


def build_good(folder: Path) -> None:
    put(folder / "alice", EXERCISE, SOLUTION_TEXT)
    put(folder / "alice", "lessons/conftest.py", "raise SystemExit('never imported')\n")
    make_zip(folder / "bob.zip", {f"bob-main/{EXERCISE}": MISTAKE})
    put(folder / SCRIPT_NAME, EXERCISE, STARTER_TEXT)


def build_class(folder: Path) -> None:
    """One folder or zip per student; both layouts a target accepts (checkout and bare)."""
    build_good(folder)
    put(folder / "carol", BARE, SYNTAX_ERROR)
    put(folder / "frank", BARE, "while True:\n    pass\n")
    put(folder / "grace", BARE, "import sys\n\nsys.exit(3)\n")
    put(folder / "heidi", BARE, "import os\n\nos._exit(0)\n")
    put(folder / "ivan", BARE, LOOP_IN_VIEW)
    put(folder / "kate", BARE, MEMORY_HOG)
    put(folder / "leo", BARE, FLOOD)
    make_zip(
        folder / "mallory.zip",
        {
            f"mallory/{EXERCISE}": SOLUTION_TEXT,
            f"../../../{EVIL}": "written outside the scratch folder",
            f"../../../../{EVIL}": "written outside the scratch folder",
        },
    )
    put(folder / "mike", BARE, EXIT_IN_VIEW)
    put(folder / "nina", BARE, PATCH_TESTS)
    put(folder / "oscar", BARE, PATCH_PYTEST)
    put(folder / "pat", BARE, writes_tests_folder())
    put(folder / "quinn", BARE, reads_other_students(folder))
    put(folder / "alice2", BARE, SOLUTION_TEXT)  # a bare folder where alice has a checkout
    put(folder / "bob2", EXERCISE, MISTAKE)  # a folder where bob has a zip
    put(folder / "nina2", EXERCISE, PATCH_TESTS)
    (folder / "notes.txt").write_text("not a submission", encoding="utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def grade_class(submissions: Path, out: Path, **kwargs):
    options = {
        "jobs": 2,
        "timeout": TIMEOUT,
        "memory_mb": MEMORY_MB,
        "lessons": [LESSON.nn],
        "test_timeout": TEST_TIMEOUT,
    }
    return grading.grade(submissions, out, **{**options, **kwargs})


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    submissions, out, scratch = base / "submissions", base / "out", base / "scratch"
    submissions.mkdir()
    build_class(submissions)
    before = snapshot(submissions)
    started = time.perf_counter()
    try:
        results = grade_class(submissions, out, scratch=scratch)
    finally:
        leaked = PWNED.exists()
        PWNED.unlink(missing_ok=True)
    return Namespace(
        base=base,
        submissions=submissions,
        out=out,
        scratch=scratch,
        results={r.name: r for r in results},
        order=[r.name for r in results],
        before=before,
        seconds=time.perf_counter() - started,
        leaked=leaked,
    )


def record(graded, name: str) -> dict:
    result = graded.results[name]
    return json.loads((graded.out / "results" / f"{result.slug}.json").read_text(encoding="utf-8"))


def feedback(graded, name: str) -> str:
    result = graded.results[name]
    return (graded.out / "feedback" / f"{result.slug}.md").read_text(encoding="utf-8")


def csv_rows(graded) -> dict[str, dict[str, str]]:
    with (graded.out / "grades.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    return {row["student"]: row for row in rows}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------ the class run


def test_every_student_is_graded_in_name_order(graded):
    assert graded.order == STUDENTS
    for name in STUDENTS:
        assert record(graded, name)["student"] == name
        assert feedback(graded, name).startswith(f"# Feedback for {name}")


def test_complete_student_gets_full_points(graded):
    alice = record(graded, "alice")
    assert alice["status"] == "pass" and alice["message"] is None
    assert alice["points"] == alice["max_points"] == LESSON.points
    assert all(test["status"] == "pass" for test in alice["tests"])
    assert "**Total: 10/10**" in feedback(graded, "alice")
    assert alice["flags"] == []


def test_only_learner_files_are_taken_from_a_submission(graded):
    # alice's lessons/conftest.py would stop the run if it were imported.
    assert record(graded, "alice")["loaded_files"] == {
        LESSON.slug: {EXERCISE: hashlib.sha256(SOLUTION.read_bytes()).hexdigest()}
    }


def test_each_result_says_the_students_own_file_was_tested(graded):
    """A warm parent that kept the reference's views would grade everyone alike: never again."""
    sources = {
        "carol": SYNTAX_ERROR,
        "ivan": LOOP_IN_VIEW,
        "nina": PATCH_TESTS,
        "oscar": PATCH_PYTEST,
        SCRIPT_NAME: STARTER_TEXT,
        "leo": FLOOD,
    }
    for name, source in sources.items():
        assert record(graded, name)["loaded_files"][LESSON.slug] == {EXERCISE: sha(source)}, name


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
    # The failure names the README item it grades, in the feedback and in the v3 record.
    item = f"(README: lessons/{LESSON.slug}/README.md, E2. {LESSON.exercise('E2').title};"
    assert item in feedback(graded, "bob")
    assert any(item in (test["message"] or "") for test in bob["tests"])


def test_syntax_error_names_file_and_line(graded):
    carol = record(graded, "carol")
    assert carol["status"] == "fail"
    assert carol["points"] == 0
    where = f"{EXERCISE}, line {SYNTAX_LINE}"
    text = feedback(graded, "carol")
    assert where in text and "SyntaxError" in text, text
    assert where in json.dumps(carol["load_errors"])
    assert str(graded.scratch) not in text, "scratch paths are replaced by the student's own"


def test_endless_loop_at_import_fails_the_lesson_without_waiting_for_every_test(graded):
    frank = record(graded, "frank")
    assert frank["status"] == "fail" and frank["points"] == 0
    assert "did not finish loading within" in frank["load_errors"][LESSON.slug]
    assert "did not finish loading" in feedback(graded, "frank")
    # One test's limit, not one per test, and not the whole submission's.
    assert frank["duration"] < TIMEOUT
    assert frank["duration"] < TEST_TIMEOUT * 3 + 10


def test_endless_loop_in_a_view_fails_only_the_tests_that_reach_it(graded):
    ivan = record(graded, "ivan")
    assert ivan["status"] == "fail"
    scores = ivan["exercises"]
    assert scores[f"{LESSON.nn}.E1"]["passed"] and scores[f"{LESSON.nn}.E3"]["passed"]
    assert not scores[f"{LESSON.nn}.E2"]["passed"] and scores[f"{LESSON.nn}.E2"]["earned"] > 0
    stopped = [t for t in ivan["tests"] if t["status"] != "pass"]
    assert stopped and all("DELETE" in t["name"] or "delete" in t["name"] for t in stopped)
    assert all(f"did not finish within {TEST_TIMEOUT:g} s" in t["message"] for t in stopped)


def test_exits_are_contained(graded):
    """sys.exit() at import fails the lesson; os._exit() ends the process: an error that says where."""
    grace = record(graded, "grace")
    assert grace["status"] == "fail" and grace["points"] == 0
    assert "SystemExit: 3" in json.dumps(grace["load_errors"])
    assert "exercise.py, line 3" in feedback(graded, "grace")
    heidi = record(graded, "heidi")
    assert heidi["status"] == "error" and heidi["points"] == 0
    assert "before writing any results" in heidi["message"] and "os._exit()" in heidi["message"]
    mike = record(graded, "mike")
    assert mike["status"] == "error" and mike["points"] == 0
    assert "exited (code 7) during test_e3_" in mike["message"]
    for name in ("grace", "heidi", "mike"):
        assert any("exits" in flag for flag in record(graded, name)["flags"]), name


def test_memory_hog_gets_a_memory_error_and_the_limit(graded):
    kate = record(graded, "kate")
    assert kate["status"] == "fail" and kate["points"] == 0
    message = kate["load_errors"][LESSON.slug]
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert "MemoryError" in message and f"{MEMORY_MB} MiB" in message


def test_megabytes_of_output_change_nothing(graded):
    leo = record(graded, "leo")
    assert leo["status"] == "pass" and leo["points"] == LESSON.points
    path = graded.out / "results" / f"{graded.results['leo'].slug}.json"
    assert path.stat().st_size < 200_000


def test_patching_the_tests_or_pytest_is_flagged_as_tampering(graded):
    nina = record(graded, "nina")  # the starter, made to pass: the score itself is forged
    assert any(
        flag.startswith("tampering: changed the test machinery")
        and "test_l01_function_views.expect_status" in flag
        for flag in nina["flags"]
    ), nina["flags"]
    assert any("gc.get_objects" in flag for flag in nina["flags"]), nina["flags"]
    oscar = record(graded, "oscar")
    assert any("_pytest.runner.call_and_report" in flag for flag in oscar["flags"]), oscar["flags"]
    rows = csv_rows(graded)
    for name in ("nina", "oscar"):
        assert "tampering:" in rows[name]["flags"]
    page = (graded.out / "report.html").read_text(encoding="utf-8")
    flagged = page.split("<h2>Flagged for review</h2>")[1].split("<h2>")[0]
    assert "nina" in flagged and "oscar" in flagged and "class=tamper" in flagged


def test_writing_into_tests_is_refused_and_flagged(graded):
    assert not graded.leaked, "a submission wrote into the course's tests/"
    pat = record(graded, "pat")
    assert pat["status"] == "pass" and pat["points"] == LESSON.points  # what the code earns
    flag = next(f for f in pat["flags"] if f.startswith("tampering: wrote outside its folder"))
    assert f"<course>/tests/lessons/{PWNED.name}" in flag
    assert f"at {EXERCISE}, line" in flag
    assert "tampering:" in csv_rows(graded)["pat"]["flags"]


def test_reading_another_student_is_refused_and_flagged(graded):
    quinn = record(graded, "quinn")
    assert quinn["status"] == "pass"
    flags = "; ".join(quinn["flags"])
    assert "read another submission" in flags and "<submissions>/alice/" in flags
    assert "started a process" in flags
    assert "tampering:" in csv_rows(graded)["quinn"]["flags"]


def test_identical_lesson_files_are_graded_once_and_tampering_ones_never_shared(graded):
    names = [*COPIES, *COPIES.values()]
    units = {name: record(graded, name)["units"][LESSON.slug] for name in names}
    assert record(graded, "mallory")["units"] == {}, "a refused zip is graded by no run"
    for copy, original in COPIES.items():
        assert units[copy]["key"] == units[original]["key"], copy
        assert record(graded, copy)["exercises"] == record(graded, original)["exercises"], copy
        verdicts = [
            [{k: v for k, v in t.items() if k != "duration"} for t in record(graded, name)["tests"]]
            for name in (copy, original)
        ]
        assert verdicts[0] == verdicts[1], copy
    # alice's file is the reference's: the reference's own run grades both.
    assert not units["alice"]["own_run"] and not units["alice2"]["own_run"]
    assert units["alice"]["shared_by"] == 2
    assert sorted([units["bob"]["own_run"], units["bob2"]["own_run"]]) == [False, True]
    # nina's file tampers: each copy is graded in a run of its own, and each is flagged.
    assert units["nina"]["own_run"] and units["nina2"]["own_run"]
    assert is_tampering(record(graded, "nina2")["flags"])
    meta = json.loads((graded.out / "grading.json").read_text(encoding="utf-8"))
    assert meta["dedup"] is True
    assert meta["lesson_grades"] == len(STUDENTS) - 1  # mallory's zip is refused unread
    assert meta["distinct_lesson_files"] == meta["lesson_grades"] - len(COPIES)
    # One run per distinct file, less alice's (the reference's run), plus nina2's own.
    assert meta["lesson_runs"] == meta["distinct_lesson_files"] - 1 + 1


def test_a_lesson_key_holds_the_files_the_course_and_the_limits():
    from course.grading.command import lesson_key
    from course.grading.results import Limits

    files = {EXERCISE: SOLUTION.read_bytes()}
    limits = Limits(TIMEOUT, TEST_TIMEOUT, MEMORY_MB)
    key = lesson_key(LESSON, files, "digest", limits)
    assert key == lesson_key(LESSON, dict(files), "digest", limits)
    assert key != lesson_key(LESSON, {EXERCISE: SOLUTION.read_bytes() + b"\n"}, "digest", limits)
    assert key != lesson_key(LESSON, {}, "digest", limits)
    assert key != lesson_key(LESSON, files, "other course", limits)
    assert key != lesson_key(LESSON, files, "digest", Limits(TIMEOUT, TEST_TIMEOUT + 1, MEMORY_MB))


def test_good_students_are_not_flagged(graded):
    for name in [*GOOD, "carol", "frank", "ivan", "leo"]:
        assert not [f for f in record(graded, name)["flags"] if f.startswith("tampering")], name


def test_hostile_zip_is_rejected_and_writes_nothing(graded):
    mallory = record(graded, "mallory")
    assert mallory["status"] == "error" and mallory["points"] == 0
    assert "../" in mallory["message"] and "outside the submission folder" in mallory["message"]
    assert not list(graded.base.rglob(EVIL))
    assert not (graded.base.parent / EVIL).exists()
    assert not [p for p in graded.scratch.iterdir() if p.name.startswith("s-")], (
        "every submission's scratch folder is removed"
    )
    assert snapshot(graded.submissions) == graded.before, "submissions are never written to"


def test_grades_csv_has_a_row_per_student_and_a_column_per_exercise(graded):
    with (graded.out / "grades.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    exercises = [f"{LESSON.nn}.{e.id}" for e in LESSON.exercises]
    assert rows[0] == [
        "student",
        *exercises,
        "total",
        "possible",
        "percent",
        "status",
        "late",
        "flags",
    ]
    assert [row[0] for row in rows[1:]] == STUDENTS
    alice = dict(zip(rows[0], rows[1], strict=True))
    assert alice == {
        "student": "alice",
        **{column: str(e.points) for column, e in zip(exercises, LESSON.exercises, strict=True)},
        "total": "10",
        "possible": "10",
        "percent": "100.0",
        "status": "pass",
        "late": "",
        "flags": "",
    }
    statuses = {row[0]: row[-3] for row in rows[1:]}
    assert [name for name, status in statuses.items() if status == "error"] == [
        "heidi",
        "mallory",
        "mike",
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
    for heading in (
        "Score distribution",
        "Exercises, most failed first",
        "Tests, most failed first",
        "Slowest submissions",
        "Submissions with errors",
        "Flagged for review",
    ):
        assert f"<h2>{heading}</h2>" in page


def test_report_puts_the_most_failed_first(graded):
    page = (graded.out / "report.html").read_text(encoding="utf-8")
    tests = page.split("<h2>Tests, most failed first</h2>")[1].split("</table>")[0]
    rates = [
        int(cell.split("(")[1].split("%")[0]) for cell in tests.split("<td>")[1:] if "%)" in cell
    ]
    assert rates and rates == sorted(rates)


def test_students_get_the_same_grade_alone_and_the_portable_way(graded, tmp_path):
    """Each good student, one that tampers, and the copies (whose lessons the class run graded
    once for several students, or not, for the tampering one), graded alone with a fresh
    process each (the way macOS and Windows grade), get what the class run gave, flags
    included."""

    def alone(name: str):
        folder = tmp_path / name
        entry = next(p for p in graded.submissions.iterdir() if p.name in (name, f"{name}.zip"))
        (folder / "in").mkdir(parents=True)
        copy = folder / "in" / entry.name
        shutil.copytree(entry, copy) if entry.is_dir() else shutil.copy(entry, copy)
        (result,) = grade_class(folder / "in", folder / "out", runner="subprocess", test_timeout=30)
        return result

    names = [*GOOD, "pat", *COPIES]
    try:
        with ThreadPoolExecutor(len(names)) as pool:
            results = dict(zip(names, pool.map(alone, names), strict=True))
    finally:
        leaked = PWNED.exists()
        PWNED.unlink(missing_ok=True)
    assert not leaked, "a submission wrote into the course's tests/"
    for name, result in results.items():
        in_class = graded.results[name]
        assert (result.status, result.earned) == (in_class.status, in_class.earned), name
        assert result.exercises() == in_class.exercises(), name
        verdicts = {(t["name"], t["status"]) for t in result.tests()}
        assert verdicts == {(t["name"], t["status"]) for t in in_class.tests()}, name
        assert result.flags == in_class.flags, name


def test_a_loop_at_import_in_one_lesson_leaves_the_other_lessons_graded(tmp_path):
    """The playground imports every lesson's learner file: a loop in one must not stall the rest."""
    other = next(
        lesson for lesson in all_lessons() if lesson != LESSON and lesson.test_file.is_file()
    )
    student = tmp_path / "in" / "una"
    put(student, BARE, "while True:\n    pass\n")
    for name in other.learner_files:
        put(student, f"{other.slug}/{name}", (other.solution_folder / name).read_text("utf-8"))
    (result,) = grading.grade(
        tmp_path / "in",
        tmp_path / "out",
        jobs=1,
        timeout=TIMEOUT,
        lessons=[LESSON.nn, other.nn],
        test_timeout=TEST_TIMEOUT,
    )
    data = result.to_json()
    assert data["status"] == "fail", data["message"]
    assert "did not finish loading" in data["load_errors"][LESSON.slug]
    assert all(data["exercises"][f"{other.nn}.{e.id}"]["passed"] for e in other.exercises), data[
        "exercises"
    ]
    assert result.earned == other.points


def test_a_failing_reference_stops_grading_and_writes_nothing(graded, tmp_path, make_target):
    # Grades from an environment where the reference fails would be wrong for everyone.
    alone = tmp_path / "submissions"
    shutil.copytree(graded.submissions / "alice", alone / "alice")
    with pytest.raises(grading.GradingError, match="reference solutions earn 0/10"):
        grade_class(
            alone,
            tmp_path / "out",
            runner="subprocess",
            reference=make_target(copy_of=STARTER, name="ref"),
        )
    assert not (tmp_path / "out").exists()


def test_a_reference_that_trips_the_guard_stops_grading(graded, tmp_path, make_target):
    """The guard must never refuse what the course itself does: that would misjudge students."""
    alone = tmp_path / "submissions"
    shutil.copytree(graded.submissions / "alice", alone / "alice")
    try:
        with pytest.raises(grading.GradingError, match="trip the grader's guard"):
            grade_class(
                alone,
                tmp_path / "out",
                runner="subprocess",
                reference=make_target(writes_tests_folder(), name="ref"),
            )
    finally:
        leaked = PWNED.exists()
        PWNED.unlink(missing_ok=True)
    assert not leaked and not (tmp_path / "out").exists()


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
    link = zipfile.ZipInfo(EXERCISE)
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


# --------------------------------------------------------------------- the LMS file


ROSTER_HEADER = "Student,ID,SIS User ID,SIS Login ID,Section,Submission\n"


def test_canvas_csv_has_canvas_columns_and_lists_who_is_missing_or_extra(graded, tmp_path):
    from course.grading.lms import read_roster, write_gradebooks

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "\ufeff"  # Excel and Canvas exports start with a byte-order mark
        + ROSTER_HEADER
        + "    Points Possible,,,,,\n"
        + '"Smith, Alice",101,S101,asmith,A,alice\n'
        + '"Jones, Bob",102,S102,bjones,A,bob\n'
        + '"=Evil, Eve",103,S103,eeve,B,eve\n'  # no submission is named eve
        + '"Nobody, Ned",104,S104,nned,B,\n',
        encoding="utf-8",
    )
    records = [record(graded, name) for name in STUDENTS]
    matched = write_gradebooks(records, [LESSON], read_roster(roster), tmp_path, "blank")
    assert matched["missing"] == ["=Evil, Eve", "Nobody, Ned"]
    assert matched["extra"] == [name for name in STUDENTS if name not in ("alice", "bob")]
    with (tmp_path / "canvas.csv").open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    column = f"Lesson {LESSON.nn}: {LESSON.title}"
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column]
    assert rows[1] == ["Points Possible", "", "", "", "", str(LESSON.points)]
    bob = f"{graded.results['bob'].earned:g}"
    assert rows[2:] == [
        ["Smith, Alice", "101", "S101", "asmith", "A", "10"],
        ["Jones, Bob", "102", "S102", "bjones", "A", bob],
        ["'=Evil, Eve", "103", "S103", "eeve", "B", ""],
        ["Nobody, Ned", "104", "S104", "nned", "B", ""],
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name,ID\nAlice,1\n", "is none this grader knows"),
        (ROSTER_HEADER + "A,1,,,,alice\nB,2,,,,alice\n", "gives the Submission 'alice' to two"),
    ],
    ids=["no-columns", "same-submission-twice"],
)
def test_a_bad_roster_is_a_usage_error_before_any_grading(tmp_path, text, expected, capsys):
    (tmp_path / "in" / "alice").mkdir(parents=True)
    (tmp_path / "roster.csv").write_text(text, encoding="utf-8")
    args = Namespace(
        submissions=str(tmp_path / "in"),
        out=str(tmp_path / "out"),
        jobs=1,
        timeout=5,
        memory=0,
        roster=str(tmp_path / "roster.csv"),
    )
    assert grading.main(args) == 2
    assert expected in " ".join(capsys.readouterr().out.split())
    assert not (tmp_path / "out").exists()


def test_the_time_left_follows_the_pace_so_far():
    assert estimate_left(0, 10, 1.0, None, 2) is None
    assert estimate_left(0, 10, 1.0, 2.0, 2) == pytest.approx(9.0)  # 10 x 2 s over 2 jobs
    assert estimate_left(4, 10, 8.0, 2.0, 2) == pytest.approx(12.0)  # 2 s each so far
    assert estimate_left(10, 10, 8.0, 2.0, 2) == 0.0
