"""Forged grades for lesson 14: test modules that try to score without sending a request.

Each module in tests/engine/forgeries/ is handed in as a learner's exercise.py. It may learn
which implementation it runs against from the grader (its plugins, its frames, its arguments,
the verdicts file), pin the tested module's bytecode, read the mutants' diffs, patch pytest's
reporting or exit early with a status of its choice. None of it may earn a point for a mutant
unless it is flagged for review: the whole class is graded once (`course grade`, the same
records Gradescope reads), and the two forgeries of the issue that found the hole are checked
with `course check`'s own run as well.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest

from course import checking, grading, mutation
from course.manifest import find_lesson
from course.mutants import mutants_of

LESSON = find_lesson("14")
# The class is graded once, two submissions at a time, each run of each in processes of its own.
pytestmark = pytest.mark.timeout(4 * mutation.RUN_TIMEOUT + 60)
FORGERIES = Path(__file__).parent / "forgeries"
NAMES = sorted(p.stem for p in FORGERIES.glob("*.py"))
# Flagged for review, besides earning nothing: what each forgery's code or run gives away.
LOOKED = "review: looked at code, the stack or the grader's objects"
FLAGGED = {
    "plugin_manager": (LOOKED,),
    "bytecode": (LOOKED,),
    # The grader refuses to list the answers' folder; `course check` records the read.
    "mutant_diffs": ("review: read files outside its folder", "tampering: read another"),
    "frames": (LOOKED,),
    "patched_reporting": ("review: code uses",),
    "early_exit": ("review: code uses",),
    "view_objects": (LOOKED,),
    "built_names_resolver": (LOOKED,),
    "importorskip": ("review: code uses",),
}
# Forgeries that read the tested module's objects (a view's attributes, a module constant)
# rather than its code: they pass on the equivalents, so they can catch mutants; no audit
# event sees an attribute read, so only the review flag stands between them and a grade.
CREDITED = {"importorskip"}


def reference_digest() -> str:
    """What a forger computes beforehand and pastes in: a digest of the reference's bytecode."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "playground_project.test_settings")
    django.setup()
    from lessons.l14_testing_your_api import api

    parts = []
    for name, value in sorted(vars(api).items()):
        if isinstance(value, type) and value.__module__ == api.__name__:
            for attribute, member in sorted(vars(value).items()):
                code = getattr(member, "__code__", None)
                if code is not None:
                    parts.append(f"{name}.{attribute}:{code.co_code.hex()}:{code.co_consts!r}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def forgery(name: str) -> str:
    return (FORGERIES / f"{name}.py").read_text().replace("PASTED", reference_digest())


def hand_in(root: Path, name: str) -> Path:
    folder = root / name / LESSON.slug
    folder.mkdir(parents=True)
    (folder / "exercise.py").write_text(forgery(name), encoding="utf-8")
    return root / name


def caught(tests) -> list[str]:
    """The graded tests passed that give points for catching a mutant (test_eN_catches_...)."""
    return [name for name, status in tests if "_catches_" in name and status == "pass"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The forgeries graded as a class, once."""
    root = tmp_path_factory.mktemp("forgeries")
    submissions = root / "class"
    for name in NAMES:
        hand_in(submissions, name)
    out = root / "out"
    results = grading.grade(
        submissions,
        out,
        lessons=[LESSON.nn],
        jobs=2,
        timeout=mutation.RUN_TIMEOUT + 120,
        memory_mb=0,
    )
    records = {}
    for result in results:
        record = json.loads((out / "results" / f"{result.slug}.json").read_text())
        tests = [(f"{t['name']} {t.get('test_code') or ''}", t["status"]) for t in record["tests"]]
        records[result.name] = (tests, result.flags)
    return records


def test_there_are_at_least_six_forgeries():
    assert len(NAMES) >= 6, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_a_forgery_earns_nothing_under_the_grader(graded, name):
    """`course grade`: no mutant caught (but by a forgery in CREDITED), and flagged where
    its code gives it away."""
    tests, flags = graded[name]
    assert len(tests) == len(mutants_of(LESSON)) + len(LESSON.exercises), tests
    if name not in CREDITED:
        assert caught(tests) == [], (name, flags)
    if name in FLAGGED:
        assert any(flag.startswith(FLAGGED[name]) for flag in flags), (name, flags)


@pytest.mark.parametrize("name", ["plugin_manager", "bytecode", "built_names_resolver"])
def test_the_forgeries_of_the_issue_earn_nothing_in_check(tmp_path, name):
    """`course check` (the same graded tests, run for the learner): 0 points, and the check's
    message says what the test looked at and where."""
    report = checking.run_in_subprocess([LESSON], str(hand_in(tmp_path, name)))
    assert report.error is None, report.error
    exercises = report.lessons[0].exercises
    assert sum(e.earned for e in exercises) == 0, [(e.exercise.id, e.earned) for e in exercises]
    assert caught((t.name, t.status) for e in exercises for t in e.tests) == []
    message = exercises[0].first_failure.message
    assert "counts for nothing" in message and "exercise.py, line" in message, message
