"""The course checks itself: every lesson has all its parts, and its graded tests mean something.

DESIGN.md "The course checks itself", items 1-4 and 6 (notebooks, item 5, are in
test_notebooks.py): manifests and parts are complete; the solutions pass every graded test,
also over real HTTP; the starter fails every graded test; every known mistake is caught.
"""

import ast
import re
import shutil
from functools import cache

import pytest

from course import ROOT
from course.checking import CheckReport, run_in_subprocess
from course.manifest import all_lessons, unfinished_lesson_folders

from .conftest import IN_CI, starter_is_pristine

LESSONS = all_lessons()


def lesson_id(lesson):
    return lesson.slug


def mistakes():
    return [
        pytest.param(lesson, path, id=f"{lesson.slug}/{path.stem}")
        for lesson in LESSONS
        for path in lesson.mistakes
    ]


@cache
def graded(lesson, target, transport="client") -> CheckReport:
    report = run_in_subprocess([lesson], str(target), transport)
    assert report.error is None, report.error
    return report


def failures(report: CheckReport) -> list[str]:
    return [
        f"{ex.exercise.id} {t.name}: {t.message}"
        for lr in report.lessons
        for ex in lr.exercises
        for t in ex.tests
        if not t.passed
    ]


def exercise_markers(lesson) -> dict[str, int]:
    """How many graded tests each exercise has, read from the test module's decorators."""
    tree = ast.parse(lesson.test_file.read_text(encoding="utf-8"))
    aliases = {}  # E1 = pytest.mark.exercise("E1")
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func).endswith("mark.exercise")
        ):
            aliases[node.targets[0].id] = node.value.args[0].value
    counts = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            for decorator in node.decorator_list:
                text = ast.unparse(decorator)
                found = (
                    aliases.get(text)
                    or (re.search(r"mark\.exercise\(['\"](E\d+)['\"]\)", text) or [None, None])[1]
                )
                if found:
                    counts[found] = counts.get(found, 0) + 1
    return counts


# ------------------------------------------------------------------ 1. every part is there


def test_lessons_exist_and_are_numbered_in_order():
    """Lessons are numbered 1, 2, 3, ... with no gaps, each with a valid manifest."""
    assert LESSONS, "no lesson found under lessons/"
    assert [lr.number for lr in LESSONS] == list(range(1, len(LESSONS) + 1))
    unfinished = [folder.name for folder in unfinished_lesson_folders()]
    assert not unfinished, f"lesson folders without a lesson.toml: {unfinished}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_lesson_has_every_part(lesson):
    """The app, text, manifest, starter, solution, tests and notebook all exist."""
    parts = [
        lesson.folder / "__init__.py",
        lesson.folder / "urls.py",
        lesson.readme,
        *(lesson.folder / name for name in lesson.learner_files),
        *(lesson.solution_folder / name for name in lesson.learner_files),
        lesson.test_file,
        lesson.notebook,
    ]
    missing = [str(p.relative_to(lesson.folder.parent.parent)) for p in parts if not p.exists()]
    assert not missing, f"lesson {lesson.slug} lacks {missing}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_each_exercise_has_todo_hints_section_tests_and_a_mistake(lesson):
    """Each exercise: a TODO(En) in the starter, hints, a README section, tests, a mistake file."""
    if not starter_is_pristine(lesson) and not IN_CI:
        pytest.skip(
            f"lessons/{lesson.slug}/exercise.py holds your work, not the starter; CI checks the starter"
        )
    starter = (lesson.folder / "exercise.py").read_text(encoding="utf-8")
    readme = lesson.readme.read_text(encoding="utf-8")
    tests = exercise_markers(lesson)
    problems = []
    for exercise in lesson.exercises:
        if f"TODO({exercise.id})" not in starter:
            problems.append(f"{exercise.id}: no TODO({exercise.id}) in the starter")
        if f"## {exercise.id}. {exercise.title}\n" not in readme:
            problems.append(
                f"{exercise.id}: the README has no heading '## {exercise.id}. {exercise.title}'"
            )
        if not tests.get(exercise.id):
            problems.append(f"{exercise.id}: no graded test is marked exercise('{exercise.id}')")
        if not any(p.stem.startswith(f"{exercise.id.lower()}_") for p in lesson.mistakes):
            problems.append(
                f"{exercise.id}: no solutions/{lesson.slug}/mistakes/{exercise.id.lower()}_*.py"
            )
    unknown = set(tests) - {e.id for e in lesson.exercises}
    if unknown:
        problems.append(f"tests are marked with exercises the manifest lacks: {sorted(unknown)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_readme_has_whats_next_and_names_files_in_code_blocks(lesson):
    """The text ends with "What's next" and every Python code block names its file."""
    readme = lesson.readme.read_text(encoding="utf-8")
    assert "## What's next" in readme, f'{lesson.readme} has no "## What\'s next" section'
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    unnamed = [b.splitlines()[0] for b in blocks if not b.lstrip().startswith("# ")]
    assert not unnamed, f"Python code blocks whose first line does not name the file: {unnamed}"


# ------------------------------------------------------------------ 2-4, 6. the tests mean something


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_solutions_pass_every_graded_test(lesson):
    """The reference solution passes every graded test through the test client."""
    report = graded(lesson, "solutions")
    assert not failures(report), "\n".join(failures(report))
    assert all(ex.tests for lr in report.lessons for ex in lr.exercises)


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_solutions_pass_over_real_http(lesson):
    """The reference solution passes every graded test against a live server too."""
    report = graded(lesson, "solutions", "live")
    assert not failures(report), "\n".join(failures(report))


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_starter_fails_every_graded_test(lesson, tmp_path):
    """A test that passes on the starter checks nothing the learner wrote."""
    if not starter_is_pristine(lesson) and not IN_CI:
        pytest.skip(
            f"lessons/{lesson.slug}/exercise.py holds your work, not the starter; CI checks the starter"
        )
    report = graded(lesson, "lessons")
    passing = [
        f"{ex.exercise.id} {t.name}"
        for lr in report.lessons
        for ex in lr.exercises
        for t in ex.tests
        if t.passed
    ]
    assert not passing, f"these graded tests pass on the untouched starter: {passing}"


@pytest.mark.parametrize(("lesson", "mistake"), mistakes())
def test_each_mistake_is_caught(lesson, mistake, tmp_path):
    """Every known-wrong variant fails at least one test of its own exercise."""
    folder = tmp_path / lesson.slug
    folder.mkdir()
    shutil.copy(mistake, folder / "exercise.py")
    exercise_id = mistake.stem.split("_", 1)[0].upper()
    report = run_in_subprocess([lesson], str(tmp_path))
    assert report.error is None, report.error
    (result,) = report.lessons
    ex = next(e for e in result.exercises if e.exercise.id == exercise_id)
    caught = [t for t in ex.tests if not t.passed]
    assert caught, f"no test of {exercise_id} fails on {mistake.name}: the mistake goes unnoticed"


def test_course_readme_lists_every_lesson_with_its_exercises():
    """The README's table of lessons names every lesson, its exercises and its points."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = []
    for lesson in LESSONS:
        row = next((line for line in readme.splitlines() if f"lessons/{lesson.slug}/" in line), "")
        points = sum(exercise.points for exercise in lesson.exercises)
        wanted = [f"{e.id} {e.title}" for e in lesson.exercises] + [f"| {points} |"]
        missing += [f"{lesson.nn}: {text}" for text in wanted if text not in row]
    assert not missing, f"README.md's table of lessons is out of date: {missing}"
