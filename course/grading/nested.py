"""The one process a graded test process may start: lesson 14's warm process (course.mutation).

Under the grader the test process refuses to start processes (course/grading/child.py,
Guard), with one exception: exactly `command(guard)`, the warm process that runs a learner's
tests once per implementation, carrying the grader's own limits, which it installs again.
Kept apart from both so that each imports it and neither imports the other.
"""

from __future__ import annotations

import json
import sys

# Set by the grader's test process (course/grading/child.py): its limits, which the nested run
# must carry and keep.
GUARD_ENV = "COURSE_GRADER_GUARD"


def guard_of(request: dict) -> dict:
    """The part of a grader's request that its audit hook enforces, handed on to a nested run."""
    keys = ("run", "own", "forbidden", "target", "labels")
    # As JSON has it, so that the copy on a command line compares equal.
    return json.loads(json.dumps({key: request.get(key) for key in keys}, default=str))


def command(guard: dict | None) -> list[str]:
    """The warm process's command line: isolated (-I: no PYTHON* variables, no script folder on
    the path), writing no bytecode (-B), and carrying the grader's limits, if any. The same for
    every run: nothing in it names an implementation."""
    return [sys.executable, "-I", "-B", "-m", "course.mutation", json.dumps({"guard": guard})]


def is_nested_run(argv, guard: dict) -> bool:
    """True when `argv` is exactly the warm process, keeping the grader's `guard` (Guard's test)."""
    argv = list(argv) if isinstance(argv, (list, tuple)) else []
    if len(argv) != 6 or argv[:5] != command(None)[:5]:
        return False
    try:
        request = json.loads(argv[5])
    except (TypeError, ValueError):
        return False
    return isinstance(request, dict) and request == {"guard": guard}


def flush_streams() -> None:
    """Flush every standard stream before an os._exit(), which would drop what they hold."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # a learner may have replaced or closed them
            pass
