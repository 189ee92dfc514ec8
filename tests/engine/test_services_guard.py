"""The grader's guard and lessons that start services (lesson 15): what it lets through."""

import csv
import os
import shutil
import subprocess
import sys

import pytest

from course.grading.child import Guard, _descends_from
from course.manifest import find_lesson


class _Log:
    def write(self, record, *, always=False):
        pass


def guard_for(slug, tmp_path):
    request = {"own": str(tmp_path), "target": str(tmp_path / "target"), "lessons": [slug]}
    return Guard(request, _Log())


def test_only_a_lesson_that_names_services_may_start_them(tmp_path):
    assert find_lesson("15").services, "lesson 15's manifest names the services its tests start"
    assert guard_for(find_lesson("15").slug, tmp_path).services
    assert not guard_for(find_lesson("01").slug, tmp_path).services
    nested_off = Guard(
        {"own": str(tmp_path), "target": str(tmp_path), "lessons": [find_lesson("15").slug]},
        _Log(),
        allow_nested=False,
    )
    assert not nested_off.services, "a process started for a lesson may start no more processes"


def test_descendants_are_found_through_proc():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        assert _descends_from(child.pid, os.getpid())
        assert not _descends_from(os.getpid(), child.pid)
        assert not _descends_from(1, os.getpid())
        assert not _descends_from(None, os.getpid())
    finally:
        child.kill()
        child.wait()


def test_a_preloading_server_may_fork_its_workers(tmp_path):
    """gunicorn's master loads the learner's code and then forks: only such a guard lets it."""
    request = {"own": str(tmp_path), "target": str(tmp_path / "target"), "lessons": []}
    serving = Guard(request, _Log(), allow_nested=False, serving=True)
    serving("os.fork", ())  # from the course's code: allowed
    plain = Guard(request, _Log(), allow_nested=False)
    try:
        plain("os.fork", ())
    except PermissionError:
        pass
    else:
        raise AssertionError("a guarded process that does not serve may not fork")


def test_a_lesson_with_services_may_start_their_commands_only(tmp_path):
    """The allow-list: PostgreSQL's programs, the scratch folder's mktemp and rm, gunicorn."""
    from course.services import gunicorn_command, postgres_bin

    guard = guard_for(find_lesson("15").slug, tmp_path)
    allowed = [gunicorn_command("127.0.0.1:8123", 2)]
    if postgres_bin() is not None:
        allowed.append([str(postgres_bin() / "pg_ctl"), "-D", "x", "-w", "stop"])
        allowed.append(["runuser", "-u", "postgres", "--", str(postgres_bin() / "initdb")])
    folder = str(tmp_path / "course-pg-12-abc")
    allowed.append(["runuser", "-u", "postgres", "--", "rm", "-rf", folder])
    for argv in allowed:
        guard("subprocess.Popen", (argv[0], argv, None, None))
    refused = [
        ["sh", "-c", "echo hi"],
        [sys.executable, "-c", "print(1)"],
        [*gunicorn_command("0.0.0.0:8123", 2)[:-1], "some.module:app"],
        ["runuser", "-u", "postgres", "--", "rm", "-rf", "/"],
        ["rm", "-rf", folder],  # as the grading user, never
        ["runuser", "-u", "postgres", "--", "rm", "-rf", folder + "/../x"],
    ]
    for argv in refused:
        try:
            guard("subprocess.Popen", (argv[0], argv, None, None))
        except PermissionError:
            continue
        raise AssertionError(f"the guard let a lesson with services start {argv}")


def test_a_link_inside_the_run_from_course_code_passes_and_one_out_does_not(tmp_path):
    """pytest links `pytest-current` beside each tmp_path; a link out of the folder would let
    a later write escape the guard's check."""
    guard = guard_for(find_lesson("15").slug, tmp_path)
    made = tmp_path / "run" / "tmp" / "pytest-0"
    made.mkdir(parents=True)
    inside = (str(made), str(made.parent / "pytest-current"), -1)
    assert guard._link_within_own(inside)
    assert not guard._link_within_own(("/etc", str(made.parent / "out"), -1))
    assert not guard._link_within_own((str(made), "/elsewhere/link", -1))
    assert not guard._link_within_own((str(made), str(made.parent / "fd"), 3))


@pytest.mark.slow
def test_course_grade_grades_lesson_15_as_check_does(tmp_path):
    """The whole grader, its guard on, over lesson 15's services: the reference is not stopped
    by its own run (pytest's links, the servers' bytecode), a complete student gets every
    point, the starter none."""
    from course import grading

    lesson = find_lesson("15")
    for name, source in (("alice", lesson.solution_folder), ("bob", lesson.folder)):
        folder = tmp_path / "class" / name / "lessons" / lesson.slug
        folder.mkdir(parents=True)
        shutil.copy(source / "exercise.py", folder / "exercise.py")
    grading.grade(tmp_path / "class", tmp_path / "out", jobs=2, lessons=[lesson.nn])
    rows = {
        row["student"]: row
        for row in csv.DictReader((tmp_path / "out" / "grades.csv").open(encoding="utf-8"))
    }
    assert (rows["alice"]["percent"], rows["alice"]["flags"]) == ("100.0", ""), rows["alice"]
    assert (rows["bob"]["total"], rows["bob"]["flags"]) == ("0", ""), rows["bob"]
