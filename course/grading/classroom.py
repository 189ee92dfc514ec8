"""GitHub Classroom: a check's result as the autograding reporter reads it.

GitHub Classroom's workflow (examples/github-classroom.yml) runs one step per lesson; each
step's `result` output is read by classroom-resources/autograding-grading-reporter, which
decodes `<RUNNER>_RESULTS` from base64, parses it as JSON, adds up `score` over `tests` for
every runner whose `max_score` is set (the points Classroom records), prints each test with
its `message`, and fails the job when a runner's `status` is `fail` or `error`.

`python -m course autograder classroom NN` prints that result for the lessons named: one
entry per exercise, scored as `make check` scores it (points in proportion to the tests
passed), so partial credit shows, with the first failure's message. What `make check` shows
goes to stderr, for the job's log.
"""

from __future__ import annotations

import base64
import json

from course.checking import CheckReport


def result(report: CheckReport) -> dict:
    """The reporter's JSON for one check: version, status, max_score, tests."""
    tests = []
    for lesson_result in report.lessons:
        lesson = lesson_result.lesson
        for exercise in lesson_result.exercises:
            failure = exercise.first_failure
            message = None
            if lesson_result.load_error:
                message = f"Your code does not load. {lesson_result.load_error}"
            elif failure is not None:
                message = failure.message or f"{failure.name}: {failure.status}"
            elif not exercise.tests:
                message = "No graded test ran."
            tests.append(
                {
                    "name": f"{lesson.nn}.{exercise.exercise.id} {exercise.exercise.title}",
                    "status": "pass" if exercise.passed else "fail",
                    "score": exercise.earned,
                    "message": message,
                    "test_code": ", ".join(test.name for test in exercise.tests),
                    "filename": f"lessons/{lesson.slug}/exercise.py",
                    "line_no": 0,
                    "duration": round(sum(test.duration for test in exercise.tests) * 1000),
                }
            )
    if report.error:
        status = "error"
    else:
        status = "pass" if all(lr.passed for lr in report.lessons) else "fail"
    return {
        "version": 1,
        "status": status,
        "max_score": report.possible,
        "tests": tests,
    }


def encode(data: dict) -> str:
    """The `result` output: base64 of the JSON, one line."""
    return base64.b64encode(json.dumps(data).encode()).decode()
