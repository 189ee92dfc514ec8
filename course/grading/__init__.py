"""Grade a class: each lesson file in a process of its own, each distinct one once; all outputs.

`python -m course grade SUBMISSIONS --out DIR` (and `make grade`) calls command.main();
grade() does the work and returns one StudentResult per student, sorted by name. SUBMISSIONS
holds one folder or .zip per student (a full checkout of the course, or just their lesson
folders), or is what a platform's "download all" gives (Canvas, GitHub Classroom, Moodle:
submissions.find_submissions). For each one the grader unpacks a zip safely, finds the course inside it and reads
only the learner files the manifests name. Each lesson's files then go into a fresh scratch
target, and that lesson's graded tests run against it in a test process of its own, through
the same pytest plugin and command line as `course check` (course.checking.pytest_args).
A (lesson, sha256 of its learner files) pair that several students handed in is run once and
its result given to each of them, unless the run errored, tampered or hit a limit (see
command.grade_by_lesson and command.reusable); a student's grade is the sum of their lessons'.
`--no-dedup` keeps one process per submission, all its lessons together. It writes in DIR:

- results/<student>.json  Exercism's test-runner v3 shape, plus points, duration, exercises,
                          the sha256 of each file tested, review flags, the run of each lesson;
- feedback/<student>.md   what the student would see from `check`, or why it could not run;
- gradescope/<student>.json  the same grade as Gradescope's results.json (gradescope);
- grades.csv              one row per student, one column per exercise, total, status, flags;
- report.html             the class at a glance, self-contained;
- canvas.csv, moodle.csv, gradebook.csv  with --roster: the roster's platform's gradebook (lms);
- grading.json            what was graded and how (lessons, course digest, shard, runner, runs).

The class-wide files are built from the per-student JSON alone, so `grade --shard K/N` on N
machines and `grade merge` give the same files as one run. The reference solutions are graded
first, the same way: if they do not earn full marks the environment is broken and nothing is
written.

Modules: submissions (finding, sharding, unpacking, reading learner files), runners (a
test process per run: forked from the warm parent on Linux, a fresh interpreter elsewhere),
forkserver (the warm parent), child (what runs in the test process), results (a grade, judged
from what the process left, and a student's from their lessons'), flags (review and
tampering flags), report (JSON, CSV, HTML, merge), command (grade() and the command line),
gradescope (results.json and the autograder zip), classroom (GitHub Classroom's reporter
results, its workflow), lms (rosters and gradebook files).

Speed. On Linux a warm parent process imports Django, pytest, the graded test modules and the
framework code the lessons use, and builds the test database once; it forks a child per
run, which restores the database image and runs only its tests. Elsewhere (macOS,
Windows, or `--runner subprocess`) each run gets a fresh interpreter: slower, same
verdicts. See forkserver's docstring for the pitfalls it avoids.

What isolation does and does not stop. Each lesson of a submission runs in its own process
(with `--no-dedup`, each submission), in its own session, with a wall-clock limit
(`--timeout`, the whole session is killed), a per-test limit
(`--test-timeout`: an endless loop in one view fails the tests that reach it; an endless loop
at import fails that lesson), and on POSIX an address-space limit (`--memory`), a file-size
limit and a CPU-time backstop. Crashes, early exits (sys.exit, os._exit), memory hogs and
floods of output are contained to that submission, which gets what it earned or an error with
a message; the others are graded exactly as if it were not there, because nothing of one
process reaches another. Grades are read only after the process's session is gone.

Inside the test process an audit hook (sys.addaudithook), installed before any learner code
runs and impossible to remove from Python, refuses and records: opening files for writing,
creating, removing or renaming anything outside the submission's own scratch folder (so
tests/, the course and other submissions stay untouched); reading other submissions, other
scratch folders, the grader's output and the reference's learner files (also through a link);
starting processes; signalling others; network connections. It records uses of gc.get_objects, tracing and ctypes from a learner file. After
the run the test process compares the test machinery (the course's modules, the graded test
modules, pytest, pluggy, pytest-django, builtins, hook implementations, the collected tests)
with a snapshot taken before any learner code ran, and reports what was rebound; the grader
compares the file the process says it compiled with the file handed in, and the tests it
reported with the reference's. All of these become `tampering:` flags in grades.csv and the
report; words in the code that a learner file rarely needs become `review:` flags.

Grading a lesson file once for every student who handed it in changes no grade: a run sees
only that lesson's files (never whose they are), and the same files in the same course with
the same limits give the same run as grading that student alone would. A run that errored,
was flagged for anything its code did, or had a test decided by a time or memory limit is
never given to another student: each copy is graded in a run of its own.

What remains possible: the learner's code runs inside the process that runs its tests, so it
can forge its own results. Code that patches objects the snapshot does not cover, mutates
objects in place (a dict of records, say), or writes the results file after the course's
plugin, or that reaches native code (ctypes, which is only recorded) can report passes and
may leave no trace; so can code that hides its calls from the audit hook's stack inspection
(exec with a false file name). It can read any file the grading user can read outside the
other submissions and the grader's folders, use all the memory and processor time the limits
allow, and, with native code, do anything that user can do, the grader's processes included.
Separate processes limit the damage to that one submission's grade; the flags make tampering
visible, not impossible. Grade an untrusted class as an unprivileged user, in a container or
VM without network, and read the flagged submissions.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from course.grading.command import REFERENCE_NAME, GradingError, grade, main, merge_main
    from course.grading.flags import review_flags
    from course.grading.report import MergeError, merge, write_class_outputs, write_outputs
    from course.grading.results import StudentResult
    from course.grading.submissions import (
        MAX_LEARNER_FILE_BYTES,
        MAX_ZIP_BYTES,
        MAX_ZIP_MEMBERS,
        Submission,
        SubmissionError,
        copy_learner_files,
        find_root,
        find_submissions,
        parse_shard,
        safe_name,
        select_shard,
        unpack_zip,
    )

# Imported on first use: every test process (`python -m course.grading.child`, one per
# submission on the portable path) and the warm parent import this package first, and need
# none of the grader's side (rich, the report, the command line).
_HOMES = {
    **dict.fromkeys(["REFERENCE_NAME", "GradingError", "grade", "main", "merge_main"], "command"),
    "review_flags": "flags",
    **dict.fromkeys(["MergeError", "merge", "write_class_outputs", "write_outputs"], "report"),
    "StudentResult": "results",
    **dict.fromkeys(
        [
            "MAX_LEARNER_FILE_BYTES",
            "MAX_ZIP_BYTES",
            "MAX_ZIP_MEMBERS",
            "Submission",
            "SubmissionError",
            "copy_learner_files",
            "find_root",
            "find_submissions",
            "parse_shard",
            "safe_name",
            "select_shard",
            "unpack_zip",
        ],
        "submissions",
    ),
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "MAX_LEARNER_FILE_BYTES",
    "MAX_ZIP_BYTES",
    "MAX_ZIP_MEMBERS",
    "REFERENCE_NAME",
    "GradingError",
    "MergeError",
    "StudentResult",
    "Submission",
    "SubmissionError",
    "copy_learner_files",
    "find_root",
    "find_submissions",
    "grade",
    "main",
    "merge",
    "merge_main",
    "parse_shard",
    "review_flags",
    "safe_name",
    "select_shard",
    "unpack_zip",
    "write_class_outputs",
    "write_outputs",
]
