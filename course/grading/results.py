"""One student's grade, and how a finished test process becomes one.

A StudentResult holds a CheckReport (the same object `course check` builds) when the tests
ran to the end, or an error with a message for the student. Its JSON is Exercism's
test-runner v3 record plus the course's points, per-exercise scores, the files tested and
the review flags; the class-wide files are built from those records alone.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import time
from dataclasses import dataclass, field

from course import checking, render
from course.checking import CheckReport
from course.grading.flags import review_flags, runtime_flags
from course.grading.limits import MAX_WRITE_BYTES
from course.grading.runners import RunOutcome
from course.grading.submissions import Submission
from course.manifest import Lesson

_PYTEST_EXIT = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}
_TIMEOUT_MESSAGE = re.compile(r"^Timeout \(>[\d.]+s\) from pytest-timeout\.")


def column(lesson: Lesson, exercise) -> str:
    """The CSV column and the key in `exercises` of one exercise: `01.E2`."""
    return f"{lesson.nn}.{exercise.id}"


@dataclass
class StudentResult:
    """One student's grade: a CheckReport when the tests ran to the end, else an error."""

    name: str  # as handed in: the folder's or zip's name without .zip
    slug: str  # safe for file names and unique in the class
    status: str  # Exercism's top-level status: pass, fail or error
    message: str | None  # why the status is error
    duration: float
    lessons: tuple[Lesson, ...]
    report: CheckReport | None = None
    flags: list[str] = field(default_factory=list)
    output: str = ""  # the tail of the test process's output, for errors
    loaded_files: dict = field(default_factory=dict)  # lesson slug -> {file: sha256 tested}
    units: dict = field(default_factory=dict)  # lesson slug -> {"key", "reused"}: see combine()
    late: bool = False  # the platform marked the submission late (Canvas); the grade is not changed
    platform: dict | None = None  # {"kind", "user"}: the download's platform and its user id

    @property
    def possible(self) -> int:
        return sum(lesson.points for lesson in self.lessons)

    @property
    def earned(self) -> float:
        return self.report.earned if self.report and self.status != "error" else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.earned / self.possible, 1) if self.possible else 0.0

    def exercises(self) -> dict[str, dict]:
        """Per exercise, keyed like the CSV columns (`01.E1`): earned, points, passed."""
        scores = {
            column(lesson, ex): {"earned": 0.0, "points": ex.points, "passed": False}
            for lesson in self.lessons
            for ex in lesson.exercises
        }
        if self.report and self.status != "error":
            for lesson_result in self.report.lessons:
                for ex in lesson_result.exercises:
                    scores[column(lesson_result.lesson, ex.exercise)].update(
                        earned=ex.earned, passed=ex.passed
                    )
        return scores

    def tests(self) -> list[dict]:
        """The tests in Exercism's v3 shape; task_id is the exercise's number (E2 -> 2)."""
        if not self.report or self.status == "error":
            return []
        rows = []
        for lesson_result in self.report.lessons:
            for ex in lesson_result.exercises:
                for test in ex.tests:
                    status = test.status if test.status in ("pass", "fail", "error") else "fail"
                    rows.append(
                        {
                            "name": test.name,
                            "task_id": int(ex.exercise.id[1:]),
                            "exercise": column(lesson_result.lesson, ex.exercise),
                            "status": status,
                            "message": test.message if status != "pass" else None,
                            "output": test.output or None,
                            "test_code": test.test_code,
                            "duration": round(test.duration, 4),
                        }
                    )
        return rows

    def to_json(self) -> dict:
        """Exercism's test-runner v3 record, plus the course's points and review flags."""
        return {
            "version": 3,
            "status": self.status,
            "message": self.message,
            "tests": self.tests(),
            "student": self.name,
            "file": self.slug,
            "points": self.earned,
            "max_points": self.possible,
            "percent": self.percent,
            "duration": round(self.duration, 3),
            "lessons": [lesson.slug for lesson in self.lessons],
            "exercises": self.exercises(),
            "loaded_files": self.loaded_files,
            "load_errors": {
                lr.lesson.slug: lr.load_error
                for lr in (self.report.lessons if self.report else [])
                if lr.load_error
            },
            "flags": self.flags,
            "output": self.output if self.status == "error" else None,
            "units": self.units,
            "late": self.late,
            "platform": self.platform,
        }

    def feedback(self) -> str:
        """What the student would see from `check`, or why their submission did not run."""
        title = f"Feedback for {self.name}"
        if self.status != "error" and self.report:
            return render.markdown(self.report.to_json(), title=title)
        lines = [f"# {title}", "", "Your submission could not be graded; it earns 0 points.", ""]
        lines += [self.message or "", ""]
        if self.output.strip():
            lines += ["The end of what the tests printed:", "", "```", self.output[-2000:], "```"]
        return "\n".join(lines) + "\n"


def error_result(
    submission: Submission, lessons, message: str, started: float, **extra
) -> StudentResult:
    duration = time.perf_counter() - started
    return StudentResult(
        submission.name, submission.slug, "error", message, duration, tuple(lessons), **extra
    )


_STATIC_REVIEW = "review: code uses "


def combine(
    submission: Submission,
    lessons: tuple[Lesson, ...],
    graded: dict[str, tuple[StudentResult, dict]],
    copied: dict[str, bytes],
) -> StudentResult:
    """One student's grade from the grades of their lessons, each graded in a run of its own.

    `graded` maps each lesson's slug to (the result of the run that graded that lesson's
    files, {"key", "reused"}). A lesson whose run errored (a crash, a timeout) earns nothing
    and its message becomes that lesson's load error; the student is `error` only when no
    lesson ran to the end. Flags: the code review over all the student's files, then what each
    run saw, in lesson order.
    """
    parts, errors, outputs = [], [], []
    flags = review_flags(copied)
    loaded, units, duration = {}, {}, 0.0
    for lesson in lessons:
        result, unit = graded[lesson.slug]
        units[lesson.slug] = unit
        duration += result.duration
        loaded.update(result.loaded_files)
        flags += [f for f in result.flags if not f.startswith(_STATIC_REVIEW) and f not in flags]
        if result.status == "error" or result.report is None:
            errors.append(result.message or "The tests did not run.")
            outputs.append(result.output)
            empty = [checking.ExerciseResult(exercise) for exercise in lesson.exercises]
            parts.append(checking.LessonResult(lesson, empty, result.message))
        else:
            parts.append(result.report.lessons[0])
    if len(errors) == len(lessons):
        unique = list(dict.fromkeys(errors))
        message = unique[0] if len(unique) == 1 else "\n".join(unique)
        return StudentResult(
            submission.name,
            submission.slug,
            "error",
            message,
            duration,
            lessons,
            flags=flags,
            output="\n".join(o for o in outputs if o)[-OUTPUT_CHARS:],
            loaded_files=loaded,
            units=units,
        )
    report = CheckReport(submission.name, parts, duration)
    passed = all(part.passed for part in parts)
    return StudentResult(
        submission.name,
        submission.slug,
        "pass" if passed else "fail",
        None,
        duration,
        lessons,
        report,
        flags=flags,
        loaded_files=loaded,
        units=units,
    )


OUTPUT_CHARS = 4000


@dataclass(frozen=True)
class Limits:
    timeout: float  # seconds for the whole submission
    test_timeout: float  # seconds for one test
    memory_mb: int


def judge(
    submission: Submission,
    lessons: tuple[Lesson, ...],
    outcome: RunOutcome,
    copied: dict[str, bytes],
    replacements: list[tuple[str, str]],
    limits: Limits,
    started: float,
) -> StudentResult:
    """Turn a finished run into a result: an error unless the tests ran to the end."""
    output = scrub(outcome.output, replacements)
    payload = scrub(outcome.payload, replacements) if outcome.payload is not None else None
    child = scrub(outcome.child, replacements) if outcome.child is not None else None
    events = scrub(outcome.events, replacements)
    flags = review_flags(copied) + runtime_flags(events, (child or {}).get("changed", []))
    loaded = _loaded_files(child, lessons)
    extra = {"flags": flags, "output": output, "loaded_files": loaded}
    problem = run_problem(outcome, payload, limits, scrub(outcome.last_test, replacements))
    if problem:
        return error_result(submission, lessons, problem, started, **extra)
    tested = {path: digest for files in loaded.values() for path, digest in files.items()}
    for path, data in copied.items():
        if path not in tested:
            return error_result(
                submission,
                lessons,
                f"The grader could not confirm that your {path} is the file that was tested "
                "(the test process did not record loading it). If your code changes the test "
                "machinery, remove that; otherwise tell your instructor.",
                started,
                **extra,
            )
        if tested[path] != hashlib.sha256(data).hexdigest():
            flags.append(f"tampering: the file tested differs from the file handed in: {path}")
    _explain(payload, limits)
    report = checking.build_report(payload, list(lessons), submission.name)
    passed = all(lesson.passed for lesson in report.lessons)
    return StudentResult(
        submission.name,
        submission.slug,
        "pass" if passed else "fail",
        None,
        time.perf_counter() - started,
        lessons,
        report,
        **extra,
    )


def _loaded_files(child: dict | None, lessons) -> dict[str, dict[str, str]]:
    """child.json's `loaded` as {lesson slug: {lessons/lNN_topic/file: sha256}}."""
    by_lesson: dict[str, dict[str, str]] = {lesson.slug: {} for lesson in lessons}
    for path, digest in ((child or {}).get("loaded") or {}).items():
        parts = path.replace("\\", "/").split("/")
        if len(parts) >= 2 and parts[-2] in by_lesson:
            by_lesson[parts[-2]][f"lessons/{parts[-2]}/{parts[-1]}"] = digest
    return by_lesson


def _explain(payload: dict, limits: Limits) -> None:
    """Say in the student's words what the grader's own limits did to a test."""
    for test in payload.get("tests", []):
        message = test.get("message") or ""
        if _TIMEOUT_MESSAGE.match(message):
            test["message"] = (
                f"This test did not finish within {limits.test_timeout:g} s and was stopped: "
                "an endless loop (or something very slow) in the code it calls?"
            )
        elif message.startswith("SystemExit"):
            test["message"] = (
                f"{message.splitlines()[0]}: your code called sys.exit(), exit() or quit() "
                "while this test ran. Remove that call."
            )
    for slug, message in (payload.get("load_errors") or {}).items():
        if "MemoryError" in message:
            payload["load_errors"][slug] = (
                f"{message} (your code ran out of memory: each submission may use "
                f"{limits.memory_mb} MiB)"
            )


def run_problem(
    outcome: RunOutcome, payload: dict | None, limits: Limits, last_test: str | None
) -> str | None:
    """Why the run's results cannot be used, in words for the student; None when they can."""
    code = outcome.returncode
    during = f" during {_short(last_test)}" if last_test else ""
    if outcome.timed_out:
        return (
            f"Stopped after {limits.timeout:g} s{during}: the tests did not finish in time. An "
            "endless loop that does not let the grader stop one test (at import, or in a view) "
            "is the usual cause."
        )
    if payload is None:
        if outcome.unreadable:
            return f"The test process left results that cannot be read ({outcome.unreadable})."
        return _died(code, during, limits)
    if code not in (0, 1):
        meaning = _PYTEST_EXIT.get(code, "an unexpected exit")
        return f"The tests stopped early: pytest exited with code {code} ({meaning})."
    if not payload.get("tests"):
        return "No graded test ran."
    return None


def _short(nodeid: str) -> str:
    return nodeid.rsplit("::", 1)[-1]


def _died(code: int | None, during: str, limits: Limits) -> str:
    if code is not None and code < 0 and os.name == "posix":
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        if -code == getattr(signal, "SIGXFSZ", None):
            why = f"it wrote a file larger than {MAX_WRITE_BYTES // 2**20} MB"
        elif -code == getattr(signal, "SIGXCPU", None):
            why = "it used more processor time than allowed"
        else:
            why = (
                f"it crashed (out of memory, the limit is {limits.memory_mb} MiB, or a crash "
                "in native code)"
            )
        return f"The test process was killed by {name}{during} before writing results: {why}."
    return (
        f"The test process exited (code {code}){during} before writing any results. Code that "
        "calls os._exit() or otherwise ends the interpreter stops the tests."
    )


def scrub(value, replacements: list[tuple[str, str]]):
    """Replace scratch paths in every string of a JSON value by what the student knows."""
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [scrub(item, replacements) for item in value]
    if isinstance(value, dict):
        return {scrub(k, replacements): scrub(v, replacements) for k, v in value.items()}
    return value
