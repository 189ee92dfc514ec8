"""Grade runs of the graded tests through one warm test runner, as `course grade` grades a class.

The course's self-checks (every known mistake, the starters, the solutions), `course
criteria`, `course mutation` and `course watch` grade their runs here: each run is a child
forked from the grader's warm parent on Linux (which has imported Django, pytest and the
graded tests and built the test database once), a fresh process elsewhere.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from course.checking import CheckReport, ExerciseResult, LessonResult, build_report
from course.grading.runners import make_runner
from course.manifest import Lesson, find_lesson


class WarmChecks:
    """One warm runner for some lessons; `check()` grades a run through it, from any thread.

    Use it as a context manager: the runner starts on entry (about a second: imports and the
    test database) and stops on exit. A run costs a fork and its tests, not a cold start.
    """

    def __init__(self, lessons: list[Lesson]):
        self.slugs = sorted({lesson.slug for lesson in lessons})
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    def __enter__(self) -> WarmChecks:
        self.scratch = Path(tempfile.mkdtemp(prefix="course-batch-"))
        self.runner = make_runner("auto", self.scratch, self.slugs, memory_mb=0)
        self.postgres = None
        try:
            self.runner.start()
        except BaseException:
            shutil.rmtree(self.scratch, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.runner.close()
        finally:
            try:
                if self.postgres:
                    self.postgres.__exit__(*exc)
            finally:
                shutil.rmtree(self.scratch, ignore_errors=True)

    def _database(self, lessons: list[Lesson]) -> tuple[str, str] | None:
        """A database of its own on the batch's PostgreSQL (started on first use), for a run of
        lessons whose tests need one; None otherwise, or where no server can start (the run
        then starts its own, which says why it cannot)."""
        from course.services import SharedPostgres, postgres_bin

        wanted = [lesson for lesson in lessons if "postgresql" in lesson.services]
        if not wanted:
            return None
        with self._lock:
            if self.postgres is None:
                apps = sorted(f"lessons.{slug}" for slug in self.slugs
                              if "postgresql" in find_lesson(slug).services)  # fmt: skip
                # Without PostgreSQL's programs each run says so itself (INSTALL_POSTGRES).
                self.postgres = postgres_bin() is not None and SharedPostgres(apps).__enter__()
            if not self.postgres:
                return None
            return self.postgres.create()

    def check(
        self,
        lessons: list[Lesson],
        target: str = "lessons",
        transport: str = "client",
        exercises: tuple[str, ...] | None = None,
        first_failure: bool = False,
        timeout: float = 600.0,
    ) -> CheckReport:
        """Grade `lessons` of `target`: the same tests, plugin and verdicts as `course check`.

        `exercises`, when given, narrows the run to those exercises' tests (the others report
        none); `first_failure` stops at the first failing test (enough to know it is caught).
        """
        with self._lock:
            run = self.scratch / f"run-{next(self._numbers)}"
        run.mkdir()
        started = time.perf_counter()
        database = self._database(lessons)
        request = {
            "target": str(target),
            "transport": transport,
            "run": str(run),
            "own": str(run),
            "lessons": [lesson.slug for lesson in lessons],
            "test_timeout": 120,
            # The shared server's files hold every run's database: no run may read them.
            "forbidden": [str(self.postgres.root)] if database else [],
            "database_url": database[1] if database else None,
            "labels": {},
            "exercises": list(exercises) if exercises else None,
            "first_failure": first_failure,
        }
        try:
            outcome = self.runner.run(request, timeout)
        finally:
            if database:
                self.postgres.drop(database[0])
        why = "timed out" if outcome.timed_out else f"exit code {outcome.returncode}"
        if outcome.payload is None:
            empty = [LessonResult(lr, [ExerciseResult(e) for e in lr.exercises]) for lr in lessons]
            report = CheckReport(str(target), empty, 0.0)
            report.error = (
                f"the test process stopped before grading ({why}):\n{outcome.output[-3000:]}"
            )
        else:
            report = build_report(outcome.payload, lessons, str(target))
        shutil.rmtree(run, ignore_errors=True)  # a watch runs for hours: keep no run's files
        report.duration = time.perf_counter() - started
        return report


def run_batch(
    runs: list[tuple],
    jobs: int | None = None,
    timeout: float = 600.0,
    first_failure: bool = False,
) -> list[CheckReport]:
    """Grade many (lessons, target, transport[, exercises]) runs, `jobs` at a time (one per core).

    One warm-up for them all instead of a cold start per run.
    """
    with WarmChecks([lesson for lessons, *_ in runs for lesson in lessons]) as warm:

        def grade(run: tuple) -> CheckReport:
            lessons, target, transport, *narrow = run
            exercises = narrow[0] if narrow else None
            return warm.check(lessons, target, transport, exercises, first_failure, timeout)

        with ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
            return list(pool.map(grade, runs))
