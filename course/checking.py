"""Run the graded tests for some lessons against a target and sum them up per exercise.

This is the one check mechanism: `course check`, the notebooks' check cell, `course grade`
and plain pytest all run the same tests through the same plugin and read the same records.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from course import ROOT
from course.manifest import Exercise, Lesson, all_lessons, find_lesson
from course.targets import ENV_VAR


@dataclass
class TestResult:
    name: str
    status: str  # pass, fail, error, skip
    message: str | None
    doc: str | None = None
    output: str = ""
    test_code: str | None = None
    duration: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass
class ExerciseResult:
    exercise: Exercise
    tests: list[TestResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests)

    @property
    def earned(self) -> float:
        """Points in proportion to the tests passed, so partial work earns partial credit."""
        if not self.tests:
            return 0.0
        share = sum(t.passed for t in self.tests) / len(self.tests)
        return round(self.exercise.points * share, 2)

    @property
    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if not t.passed), None)


@dataclass
class LessonResult:
    lesson: Lesson
    exercises: list[ExerciseResult]
    load_error: str | None = None

    @property
    def passed(self) -> bool:
        return all(e.passed for e in self.exercises)

    @property
    def earned(self) -> float:
        return round(sum(e.earned for e in self.exercises), 2)


@dataclass
class CheckReport:
    target: str
    lessons: list[LessonResult]
    duration: float
    loaded_files: dict = field(default_factory=dict)
    error: str | None = None  # the run itself failed (not the learner's tests)

    @property
    def earned(self) -> float:
        return round(sum(lr.earned for lr in self.lessons), 2)

    @property
    def possible(self) -> int:
        return sum(lr.lesson.points for lr in self.lessons)

    def failed_tests(self) -> set[str]:
        """The graded test functions that did not pass; a parametrized case counts for its function."""
        return {
            t.name.split("[", 1)[0]
            for lr in self.lessons
            for ex in lr.exercises
            for t in ex.tests
            if not t.passed
        }

    def to_json(self) -> dict:
        return {
            "target": self.target,
            "duration": round(self.duration, 3),
            "error": self.error,
            "earned": self.earned,
            "possible": self.possible,
            "loaded_files": self.loaded_files,
            "lessons": [
                {
                    "slug": lr.lesson.slug,
                    "number": lr.lesson.number,
                    "title": lr.lesson.title,
                    "load_error": lr.load_error,
                    "earned": lr.earned,
                    "possible": lr.lesson.points,
                    "exercises": [
                        {
                            "id": e.exercise.id,
                            "title": e.exercise.title,
                            "points": e.exercise.points,
                            "earned": e.earned,
                            "status": "pass" if e.passed else "fail",
                            "message": e.first_failure.message if e.first_failure else None,
                            "hint": hint_command(lr.lesson, e.exercise),
                            "tests": [t.__dict__ for t in e.tests],
                        }
                        for e in lr.exercises
                    ],
                }
                for lr in self.lessons
            ],
        }


def hint_command(lesson: Lesson, exercise: Exercise) -> str:
    return f"make hint L={lesson.nn} E={exercise.id}  (without make: python -m course hint {lesson.nn} {exercise.id})"


def build_report(payload: dict, lessons: list[Lesson], target: str) -> CheckReport:
    """Group the plugin's per-test records (see pytest_plugin.ResultRecorder) by exercise."""
    by_lesson: dict[str, dict[str, list[TestResult]]] = {}
    for record in payload.get("tests", []):
        result = TestResult(
            name=record["name"],
            status=record["status"],
            message=record.get("message"),
            doc=record.get("doc"),
            output=record.get("output", ""),
            test_code=record.get("test_code"),
            duration=record.get("duration", 0.0),
        )
        by_lesson.setdefault(record["lesson"], {}).setdefault(record["exercise"], []).append(result)
    results = []
    for lesson in lessons:
        tests = by_lesson.get(lesson.slug, {})
        exercises = [
            ExerciseResult(exercise, tests.get(exercise.id, [])) for exercise in lesson.exercises
        ]
        results.append(
            LessonResult(lesson, exercises, payload.get("load_errors", {}).get(lesson.slug))
        )
    return CheckReport(
        target, results, payload.get("duration", 0.0), payload.get("loaded_files", {})
    )


def pytest_args(
    lessons: list[Lesson],
    target: str,
    results_path: Path,
    transport: str = "client",
    tests: list[str] | None = None,
    exercises: list[str] | None = None,
) -> list[str]:
    """The pytest command line (after `pytest`) that grades `lessons` against `target`.

    `tests` narrows the run to some test ids, `exercises` to some exercises' tests; by default
    every test of each lesson runs.
    """
    return [
        *(f"--exercise={exercise}" for exercise in exercises or ()),
        *(tests if tests is not None else [str(lesson.test_file) for lesson in lessons]),
        f"--rootdir={ROOT}",
        f"-c={ROOT / 'pyproject.toml'}",
        f"--target={target}",
        f"--transport={transport}",
        f"--course-results={results_path}",
        "-p",
        "no:warnings",
        # Its end-of-session garbage collections cost ~0.1 s and only report stray warnings.
        "-p",
        "no:unraisableexception",
        "-q",
        "--no-header",
        "--tb=no",
    ]


def run_in_process(lessons: list[Lesson], target: str = "lessons") -> CheckReport:
    """Run the graded tests in this process (the fast path of `course check`)."""
    import pytest

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-check-") as scratch:
        results_path = Path(scratch) / "results.json"
        sink = io.StringIO()
        with (
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            contextlib.chdir(ROOT),
        ):
            code = pytest.main(pytest_args(lessons, target, results_path))
        return _read_report(results_path, lessons, target, started, int(code), sink.getvalue())


def _read_report(results_path, lessons, target, started, code, output) -> CheckReport:
    """The report from a run's results file; without one, every exercise fails and it says why."""
    if results_path.exists():
        payload = json.loads(results_path.read_text(encoding="utf-8"))
        report = build_report(payload, lessons, target)
    else:
        empty = [LessonResult(lr, [ExerciseResult(e) for e in lr.exercises]) for lr in lessons]
        report = CheckReport(target, empty, 0.0)
        report.error = f"pytest stopped before grading (exit code {code}):\n{output[-3000:]}"
    report.duration = time.perf_counter() - started
    return report


def lessons_from_args(keys: list[str] | None) -> list[Lesson]:
    return [find_lesson(k) for k in keys] if keys else list(all_lessons())


def run_in_subprocess(
    lessons: list[Lesson], target: str, transport: str = "client", timeout: float = 600
) -> CheckReport:
    """Run the graded tests in a fresh process: a clean slate for every target."""
    import subprocess
    import sys

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="course-check-") as scratch:
        results_path = Path(scratch) / "results.json"
        env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *pytest_args(lessons, target, results_path, transport),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return _read_report(
            results_path, lessons, target, started, done.returncode, done.stdout + done.stderr
        )
