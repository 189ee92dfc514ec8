"""GitHub Classroom: grade a student's repository one lesson per step, as the reporter reads it.

GitHub Classroom's workflow (examples/github-classroom.yml, or `autograder classroom-workflow`)
runs one step per lesson. Each step runs `python -m course autograder classroom NN`, which
grades that lesson of the repository with `course grade` itself (the test process of its own,
the time and memory limits, the audit hook) and prints one line per exercise, `e1=<result>`,
appended to $GITHUB_OUTPUT. The reporter, classroom-resources/autograding-grading-reporter
(read at v1: src/main.js, src/console-results.js, src/helpers/test-helpers.js,
src/notify-classroom.js), reads each runner named in `runners` from `<RUNNER>_RESULTS`,
base64-decodes it, `JSON.parse`s it (an empty or broken value throws and no score is sent for
any runner), then:

- the score notice (what Classroom records) adds up every test's `score` over the runners that
  have a `max_score`;
- the job log prints each test (`✅ name` when its status is `pass`, `❌ name` otherwise, and
  `Error: message` for status `error`) and gives each runner (passed tests / tests) times its
  `max_score`, ignoring `score`.

So that both say the same, each exercise is a runner of its own (max_score: its points) and
each of its graded tests one reporter test: the log's (passed / tests) * points is then the
course's own rule, and the notice adds, per exercise, the points the course gives it
(carried by its first passing test; the others score 0, so that sums stay exact). The two
agree to the hundredth (the course rounds each exercise there; the log prints `toFixed(2)`). When the lesson could not be graded (the code ended the test process, or it ran
out of time), each exercise's result has status `error`, one test with score 0 and the reason
as its message: still valid JSON, so the other lessons' points are sent.

Whatever happens, the command prints a result for every exercise of the lessons named within
`budget` seconds: a watchdog prints an error result and ends the process if grading has not
finished by then, so the step's `timeout-minutes` never has to cut it off.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

from course.manifest import Lesson

BUDGET_SECONDS = 240.0  # the whole command, per lesson step: inside the step's timeout-minutes
STEP_TIMEOUT_MINUTES = 5  # in the workflow: a backstop the budget never reaches
MARGIN_SECONDS = 30.0  # starting the warm parent and writing the results, within the budget


def runner_name(lesson: Lesson, exercise) -> str:
    """The reporter's runner for one exercise, e.g. lesson01e2 (letters and digits only)."""
    return f"lesson{lesson.nn}{exercise.id.lower()}"


def output_name(exercise) -> str:
    """The step output that carries one exercise's result, e.g. e2."""
    return exercise.id.lower()


def _test(name: str, status: str, score: float, message: str | None, test_code: str, lesson):
    return {
        "name": name,
        "status": status,
        "score": score,
        "message": message,
        "test_code": test_code,
        "filename": f"lessons/{lesson.slug}/exercise.py",
        "line_no": 0,
        "duration": 0,
    }


def error_results(lesson: Lesson, reason: str) -> dict[str, dict]:
    """Each exercise of `lesson` as not graded: status error, 0 points, the reason."""
    results = {}
    for exercise in lesson.exercises:
        name = f"{lesson.nn}.{exercise.id} {exercise.title}"
        results[output_name(exercise)] = {
            "version": 1,
            "status": "error",
            "max_score": exercise.points,
            "tests": [_test(name, "error", 0, f"Not graded: {reason}", "", lesson)],
        }
    return results


def lesson_results(lesson: Lesson, result) -> dict[str, dict]:
    """The reporter's JSON for each exercise of `lesson`, from `course grade`'s StudentResult."""
    if result.status == "error" or result.report is None:
        return error_results(lesson, result.message or "the tests did not run.")
    (lesson_result,) = [lr for lr in result.report.lessons if lr.lesson.slug == lesson.slug]
    test_file = f"tests/lessons/{lesson.test_file.name}"
    results = {}
    for exercise_result in lesson_result.exercises:
        exercise = exercise_result.exercise
        tests = exercise_result.tests
        if not tests:
            why = lesson_result.load_error or "No graded test ran."
            name = f"{lesson.nn}.{exercise.id} {exercise.title}"
            results[output_name(exercise)] = {
                "version": 1,
                "status": "error",
                "max_score": exercise.points,
                "tests": [_test(name, "error", 0, why, "", lesson)],
            }
            continue
        # The exercise's points earned (points * passed / tests, to the hundredth, as the
        # course counts them) ride on its first passing test and the others score 0: the
        # notice's sum is then exact (a full exercise adds its whole points, not a sum of
        # thirds), and the log's passed / tests * max_score is the same number.
        carried = False
        entries = []
        for test in tests:
            message = None
            if not test.passed:
                message = test.message or test.status
                if lesson_result.load_error:
                    message = f"Your code does not load. {lesson_result.load_error}"
            score = 0
            if test.passed and not carried:
                score, carried = exercise_result.earned, True
            entry = _test(
                f"{lesson.nn}.{exercise.id} {test.name}",
                "pass" if test.passed else "fail",
                score,
                message,
                f"{test_file}::{test.name}",
                lesson,
            )
            entry["duration"] = round(test.duration * 1000)
            entries.append(entry)
        results[output_name(exercise)] = {
            "version": 1,
            "status": "pass" if exercise_result.passed else "fail",
            "max_score": exercise.points,
            "tests": entries,
        }
    return results


def encode(data: dict) -> str:
    """A step output's value: base64 of the JSON, one line."""
    return base64.b64encode(json.dumps(data, ensure_ascii=False).encode()).decode()


def output_lines(results: dict[str, dict]) -> str:
    """`e1=<base64>` lines, as a step appends them to $GITHUB_OUTPUT."""
    return "".join(f"{name}={encode(data)}\n" for name, data in results.items())


def run_timeout(budget: float, timeout: float) -> float:
    """Seconds for one test process: the reference's run and the student's come one after the
    other, so each gets at most half of what the budget leaves."""
    return max(5.0, min(timeout, (budget - MARGIN_SECONDS) / 2))


def grade_lesson(
    lesson: Lesson, target: str, timeout: float, test_timeout: float, memory_mb: int
) -> dict[str, dict]:
    """Grade `lesson` of `target` with `course grade` in a scratch folder; the reporter's JSON."""
    from course.grading.command import grade
    from course.grading.submissions import SubmissionError, read_learner_files, write_learner_files
    from course.targets import Target

    chosen = Target.parse(target)
    with tempfile.TemporaryDirectory(prefix="classroom-") as scratch:
        scratch = Path(scratch)
        submission = scratch / "class" / "student"
        submission.mkdir(parents=True)
        try:
            if chosen.sources:  # a known mistake, applied in memory
                files = {}
                for name in lesson.learner_files:
                    data = chosen.read(chosen.learner_file(lesson, name))
                    if data is not None:
                        files[f"lessons/{lesson.slug}/{name}"] = data
            else:
                files = read_learner_files(chosen.root, chosen.root, [lesson])
        except SubmissionError as exc:
            return error_results(lesson, str(exc))
        write_learner_files(submission, files)
        if not files:
            (submission / lesson.slug).mkdir()  # no file: its tests say what is missing
        (result,) = grade(
            scratch / "class",
            scratch / "out",
            jobs=1,
            timeout=timeout,
            memory_mb=memory_mb,
            lessons=[lesson.slug],
            test_timeout=test_timeout,
            scratch=scratch / "work",
        )
    return lesson_results(lesson, result)


class _Once:
    """Write the step's outputs exactly once: from the grading, or from the watchdog."""

    def __init__(self, stream):
        self.stream = stream
        self.lock = threading.Lock()
        self.done = False

    def write(self, text: str) -> bool:
        with self.lock:
            if self.done:
                return False
            self.stream.write(text)
            self.stream.flush()
            self.done = True
            return True


def main(
    lessons: list[Lesson],
    target: str,
    budget: float = BUDGET_SECONDS,
    timeout: float = 60.0,
    test_timeout: float = 10.0,
    memory_mb: int = 1024,
) -> int:
    """Print `eN=<result>` for every exercise of `lessons`; always 0, always every line.

    Each graded test's verdict goes to stderr, for the step's log.
    """
    out = _Once(sys.stdout)
    started = time.monotonic()

    def give_up() -> None:
        reason = (
            f"grading did not finish within the step's budget of {budget:g} s "
            "(an endless loop or a very slow machine). Your other lessons are graded."
        )
        results = {}
        for lesson in lessons:
            results.update(error_results(lesson, reason))
        if out.write(output_lines(results)):
            print(f"Stopped after {budget:g} s: {reason}", file=sys.stderr)
            os._exit(0)  # leave now; the test processes are stopped with the step

    watchdog = threading.Timer(budget, give_up)
    watchdog.daemon = True
    watchdog.start()
    results: dict[str, dict] = {}
    for lesson in lessons:
        left = budget - (time.monotonic() - started)
        try:
            per_run = run_timeout(left, timeout)
            graded = grade_lesson(lesson, target, per_run, min(test_timeout, per_run), memory_mb)
        except BaseException as exc:  # noqa: BLE001 - whatever happens, the reporter gets JSON
            traceback.print_exc()
            graded = error_results(
                lesson, f"the autograder failed ({type(exc).__name__}: {exc}); tell your teacher."
            )
        results.update(graded)
        _show(graded)
    watchdog.cancel()
    out.write(output_lines(results))
    return 0


def _show(results: dict[str, dict]) -> None:
    """The lesson's verdicts in the step's log (stderr), one line per graded test."""
    for data in results.values():
        for test in data["tests"]:
            mark = {"pass": "✔", "fail": "✘"}.get(test["status"], "!")
            line = f"{mark} {test['name']}"
            if test["message"]:
                line += f": {test['message']}"
            print(line, file=sys.stderr)


# ------------------------------------------------------------------------------ workflow

_HEADER = """\
# GitHub Classroom autograding for this course: one step per lesson, one runner per exercise.
#
# Copy this file to .github/workflows/classroom.yml in the assignment's template repository
# (your copy of the course); `python -m course autograder classroom-workflow --lessons 01,02`
# writes it for the lessons an assignment grades. On every push of a student's repository it
# installs the pinned stack and grades each lesson with `course grade` (a test process of its
# own, time and memory limits, the audit hook), then reports to GitHub Classroom through its
# autograding reporter. A lesson step appends one line per exercise to $GITHUB_OUTPUT,
# `eN=<base64 of {version, status, max_score, tests}>`, always, within its budget of
# {budget} s; each exercise is a runner of its own, so the job log's points and the score
# Classroom records agree. The student's repository holds the tests and this file too: grade
# what counts with `python -m course grade` from your own copy.
"""


def workflow(lessons: list[Lesson], budget: float = BUDGET_SECONDS) -> str:
    """The workflow file for `lessons`, as examples/github-classroom.yml holds it for all."""
    steps_minutes = STEP_TIMEOUT_MINUTES * len(lessons)
    lines = [
        _HEADER.replace("{budget}", f"{budget:g}").rstrip("\n"),
        "name: Autograding Tests",
        '"on":',
        "  - push",
        "  - repository_dispatch",
        "permissions:",
        "  checks: write",
        "  actions: read",
        "  contents: read",
        "jobs:",
        "  run-autograding-tests:",
        "    runs-on: ubuntu-latest",
        "    if: github.actor != 'github-classroom[bot]'",
        f"    timeout-minutes: {steps_minutes + 15}  # every lesson step's backstop, plus setup",
        "    steps:",
        "      - name: Checkout code",
        "        uses: actions/checkout@v4",
        "      - name: Set up Python",
        "        uses: actions/setup-python@v5",
        "        with:",
        '          python-version: "3.11"',
        "          cache: pip",
        "      - name: Install the course's pinned stack",
        "        timeout-minutes: 10",
        "        run: python -m pip install --quiet --disable-pip-version-check -e .",
    ]
    env, runners = [], []
    for lesson in lessons:
        lines += [
            f'      - name: "Lesson {lesson.nn}: {lesson.title}"',
            f"        id: lesson{lesson.nn}",
            f"        timeout-minutes: {STEP_TIMEOUT_MINUTES}",
            f'        run: python -m course autograder classroom {lesson.nn} >> "$GITHUB_OUTPUT"',
        ]
        for exercise in lesson.exercises:
            runner = runner_name(lesson, exercise)
            runners.append(runner)
            value = f"steps.lesson{lesson.nn}.outputs.{output_name(exercise)}"
            env.append(f'          {runner.upper()}_RESULTS: "${{{{ {value} }}}}"')
    lines += [
        "      - name: Autograding Reporter",
        "        uses: classroom-resources/autograding-grading-reporter@v1",
        "        env:",
        *env,
        "        with:",
        f"          runners: {','.join(runners)}",
    ]
    return "\n".join(lines) + "\n"
