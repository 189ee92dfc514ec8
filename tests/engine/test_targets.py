"""Targets: learner files come from the target, everything else from the course, nothing is written."""

import hashlib
import html
import json
import os
import subprocess
import sys

import pytest

from course import ROOT
from course.checking import run_in_subprocess
from course.targets import Target

from .conftest import LESSON, SOLUTION, STARTER


def verdicts(report):
    return {e.exercise.id: e.passed for lr in report.lessons for e in lr.exercises}


def test_parse_rejects_a_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        Target.parse(tmp_path / "nope")


def test_named_targets():
    assert Target.parse("lessons").is_default
    assert Target.parse("solutions").root == ROOT / "solutions"


@pytest.mark.parametrize("layout", ["bare", "checkout"])
def test_solution_passes_from_either_layout(make_target, layout):
    """A bare folder of lesson folders and a full checkout are both targets."""
    root = make_target(copy_of=SOLUTION, layout=layout)
    report = run_in_subprocess([LESSON], str(root))
    assert report.error is None, report.error
    assert all(verdicts(report).values()), verdicts(report)
    loaded = report.loaded_files[LESSON.slug]
    assert any(str(root) in path for path in loaded), (
        f"the learner file was not read from the target: {loaded}"
    )


def test_only_learner_files_are_taken_from_a_target(make_target):
    """A submission's own urls.py or serializers.py is ignored: the course's are used."""
    root = make_target(copy_of=SOLUTION)
    (root / LESSON.slug / "urls.py").write_text(
        "raise SystemExit('the submission urls.py was imported')\n"
    )
    (root / LESSON.slug / "serializers.py").write_text(
        "raise SystemExit('the submission serializers.py was imported')\n"
    )
    report = run_in_subprocess([LESSON], str(root))
    assert all(verdicts(report).values()), report.error or verdicts(report)


def test_a_missing_learner_file_fails_every_test_with_a_clear_message(make_target):
    root = make_target()  # the lesson folder exists but has no exercise.py
    report = run_in_subprocess([LESSON], str(root))
    (result,) = report.lessons
    assert result.load_error and "MISSING FILE" in result.load_error
    assert not any(verdicts(report).values())


def test_grading_writes_nothing_into_the_target_or_the_course(make_target):
    """No bytecode or anything else appears next to the learner's files, and lessons/ is untouched."""

    def snapshot(folder):
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*")
            if p.is_file()
        }

    root = make_target(copy_of=SOLUTION)
    before_target, before_lessons = snapshot(root), snapshot(ROOT / "lessons" / LESSON.slug)
    run_in_subprocess([LESSON], str(root))
    assert snapshot(root) == before_target
    after_lessons = {
        k: v for k, v in snapshot(ROOT / "lessons" / LESSON.slug).items() if "__pycache__" not in k
    }
    assert after_lessons == {k: v for k, v in before_lessons.items() if "__pycache__" not in k}


def test_four_front_ends_agree():
    """check (in process, CLI JSON), plain pytest --target and a subprocess run give the same verdicts.

    The target is a known mistake, applied in memory (`mistake:NN/NAME`), which every front end
    takes as it takes a folder.
    """
    root = f"mistake:{LESSON.nn}/e2_put_accepts_partial_body"
    by_subprocess = verdicts(run_in_subprocess([LESSON], str(root)))
    cli = subprocess.run(
        [sys.executable, "-m", "course", "check", LESSON.nn, "--target", str(root), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    by_cli = {
        e["id"]: e["status"] == "pass" for e in json.loads(cli.stdout)["lessons"][0]["exercises"]
    }
    pytest_run = subprocess.run(
        [sys.executable, "-m", "pytest", str(LESSON.test_file), f"--target={root}", "-q", "-rf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    failed_exercises = {
        line.split("::test_")[1].split("_")[0].upper()
        for line in pytest_run.stdout.splitlines()
        if line.startswith("FAILED")
    }
    by_pytest = {e.id: e.id not in failed_exercises for e in LESSON.exercises}
    assert by_subprocess == by_cli == by_pytest == {"E1": True, "E2": False, "E3": True}
    assert cli.returncode == 1, "check exits 1 when an exercise fails"


def test_the_starter_fails_with_the_stubs_message(make_target):
    root = make_target(copy_of=STARTER)
    report = run_in_subprocess([LESSON], str(root))
    for ex in report.lessons[0].exercises:
        assert not ex.passed
        assert (
            "not done yet" in ex.first_failure.message
            and f"TODO({ex.exercise.id})" in ex.first_failure.message
        )


def test_a_failure_names_the_readme_item_it_grades():
    """check, the notebook's table, plain pytest and the grader's feedback all name the README item."""
    from course import render

    root = f"mistake:{LESSON.nn}/e2_put_accepts_partial_body"  # fails one test of E2
    item = f"(README: lessons/{LESSON.slug}/README.md, E2. {LESSON.exercise('E2').title}; graded by `test_e2_"
    wide = {**os.environ, "COLUMNS": "1000"}  # rich wraps at the terminal's width
    command = [sys.executable, "-m", "course", "check", LESSON.nn, "--target", str(root)]
    terminal = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=wide)
    assert item in terminal.stdout, terminal.stdout
    data = json.loads(
        subprocess.run([*command, "--json"], cwd=ROOT, capture_output=True, text=True).stdout
    )
    (e2,) = [e for e in data["lessons"][0]["exercises"] if e["id"] == "E2"]
    assert e2["message"].startswith("Called ") and item in e2["message"]
    assert html.escape(item) in render.html(data)  # the notebook's check cell
    assert item in render.markdown(data)  # the grader's feedback file
    passed = [e for e in data["lessons"][0]["exercises"] if e["status"] == "pass"]
    assert passed and all(e["message"] is None for e in passed)
    pytest_run = subprocess.run(
        [sys.executable, "-m", "pytest", str(LESSON.test_file), f"--target={root}", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert f"E           {item}" in pytest_run.stdout, pytest_run.stdout[-3000:]


def test_a_change_of_target_forgets_every_lesson_module_but_the_registered_ones():
    """Any lesson module may bind learner names when imported (lesson 15's production settings
    do): after a change of target it is imported anew, from the new target's code. Models,
    migrations, the admin and app configs stay, since Django's registries hold them."""
    script = "\n".join(
        [
            "import sys, types",
            "import django",
            "django.setup()",
            "from course import targets",
            "import lessons.l11_signup_otp.models as models",
            "import lessons.l01_function_views.urls",
            "sys.modules['lessons.l01_function_views.bound'] = types.ModuleType('bound')",
            "targets.install(targets.Target.parse('solutions'))",
            "print(sorted(n for n in sys.modules if n.startswith('lessons.l01_function_views.')),"
            " sys.modules.get('lessons.l11_signup_otp.models') is models)",
        ]
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "playground_project.test_settings"}
    env.pop("COURSE_TARGET", None)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "True"], done.stdout
