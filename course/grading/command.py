"""Grade a class: the reference first, then every submission, in parallel; progress and outputs.

grade() is the whole job as a function (the engine tests and the benchmark call it); main()
and merge_main() are the `grade` verb's two forms on the command line.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from course import ROOT
from course.grading.report import META, MergeError, course_digest, merge, write_outputs
from course.grading.results import Limits, StudentResult, error_result, judge
from course.grading.runners import RunnerBroken, Stopped, SubprocessRunner, make_runner
from course.grading.submissions import (
    Submission,
    SubmissionError,
    copy_learner_files,
    find_root,
    find_submissions,
    parse_shard,
    select_shard,
    unpack_zip,
)
from course.manifest import SOLUTIONS_DIR, Lesson, all_lessons, find_lesson

REFERENCE_NAME = "reference solutions"


class GradingError(RuntimeError):
    """The grading environment cannot be trusted (the reference solutions fail)."""


def gradable_lessons(keys: list[str] | None = None) -> tuple[list[Lesson], list[str]]:
    """The lessons to grade, and a note for each lesson left out because it has no tests yet."""
    if keys:
        chosen = [find_lesson(key) for key in keys]
        missing = [lesson for lesson in chosen if not lesson.test_file.is_file()]
        if missing:
            names = ", ".join(f"{m.nn} (tests/lessons/{m.test_file.name})" for m in missing)
            raise GradingError(f"These lessons have no graded tests: {names}.")
        return chosen, []
    chosen, notes = [], []
    for lesson in all_lessons():
        if lesson.test_file.is_file():
            chosen.append(lesson)
        else:
            notes.append(f"Lesson {lesson.nn} is not graded: it has no graded tests yet.")
    return chosen, notes


class Grader:
    """Grade one submission at a time (called from several threads), each in a process of its own."""

    def __init__(
        self,
        scratch: Path,
        lessons: list[Lesson],
        limits: Limits,
        runner,
        forbidden: list[Path],
        labels: dict[str, str],
    ):
        self.scratch = scratch
        self.lessons = tuple(lessons)
        self.limits = limits
        self.runner = runner
        self.forbidden = [str(p) for p in forbidden if not ROOT.is_relative_to(p)]
        self.labels = labels
        self.notes: list[str] = []
        self._lock = threading.Lock()

    def grade(self, submission: Submission) -> StudentResult:
        started = time.perf_counter()
        work = self.scratch / ("s-" + submission.slug)
        shutil.rmtree(work, ignore_errors=True)
        try:
            work.mkdir(parents=True)
            boundary = submission.path
            if submission.path.is_file():
                boundary = work / "unpacked"
                unpack_zip(submission.path, boundary)
            target = work / "target"
            target.mkdir()
            copied = copy_learner_files(find_root(boundary), boundary, target, self.lessons)
            request = {
                "target": str(target),
                "run": str(work / "run"),
                "own": str(work),
                "lessons": [lesson.slug for lesson in self.lessons],
                "test_timeout": self.limits.test_timeout,
                "forbidden": self.forbidden,
                "labels": self.labels,
            }
            outcome = self._run(request)
            replacements = [
                (str(target.resolve()), "lessons"),
                (str(target), "lessons"),
                (str(work.resolve()), "<scratch>"),
                (str(work), "<scratch>"),
            ]
            return judge(
                submission, self.lessons, outcome, copied, replacements, self.limits, started
            )
        except SubmissionError as exc:
            return error_result(submission, self.lessons, str(exc), started)
        except Stopped:
            raise
        except Exception as exc:  # a grader bug or an odd file system must not stop the class
            return error_result(
                submission,
                self.lessons,
                f"Internal grading error: {type(exc).__name__}: {exc}",
                started,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _run(self, request: dict):
        run = Path(request["run"])
        run.mkdir()
        runner = self.runner
        try:
            return runner.run(request, self.limits.timeout)
        except RunnerBroken as exc:
            with self._lock:
                if self.runner is runner:  # the first thread to notice switches the class over
                    self.notes.append(
                        f"The warm parent failed ({exc}); the rest was graded the portable way."
                    )
                    runner.close()
                    self.runner = SubprocessRunner(self.limits.memory_mb)
        shutil.rmtree(run, ignore_errors=True)
        run.mkdir()
        return self.runner.run(request, self.limits.timeout)


def grade(
    submissions: Path,
    out: Path,
    jobs: int = 1,
    timeout: float = 120.0,
    memory_mb: int = 1024,
    *,
    lessons: list[str] | None = None,
    shard: tuple[int, int] | None = None,
    runner: str = "auto",
    test_timeout: float = 10.0,
    scratch: Path | None = None,
    console=None,
    reference: Path = SOLUTIONS_DIR,
) -> list[StudentResult]:
    """Grade the submissions in `submissions` (or shard K of N of them) and write `out`.

    `lessons`: lesson numbers or slugs (default: every lesson that has graded tests);
    `runner`: auto (fork on Linux, else subprocess), fork or subprocess; `scratch` (default:
    a new temporary folder, removed afterwards) is where submissions are unpacked and run;
    `console`, a rich Console, shows progress (None: quiet); `reference` is the folder of
    reference solutions graded first, which must earn full marks.
    """
    started = time.perf_counter()
    # Absolute: the test processes check paths against these from their own working folder.
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    chosen, notes = gradable_lessons(lessons)
    if not chosen:
        raise GradingError("There is no lesson with graded tests to grade.")
    own_scratch = scratch is None
    scratch = Path(tempfile.mkdtemp(prefix="course-grade-")) if own_scratch else Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    scratch = scratch.resolve()
    students, skipped = find_submissions(submissions, exclude=[out, scratch])
    if shard is not None:
        students = select_shard(students, *shard)
    if skipped:
        notes.append(f"Skipped {len(skipped)} entries that are neither a folder nor a .zip.")
    limits = Limits(timeout, test_timeout, memory_mb)
    labels = {str(submissions): "<submissions>", str(scratch): "<scratch>", str(out): "<out>"}
    labels[str(ROOT)] = "<course>"
    try:
        active = make_runner(runner, scratch, [lesson.slug for lesson in chosen], memory_mb)
        started_runner = active.start()
    except RunnerBroken as exc:
        if runner != "auto":
            raise GradingError(str(exc)) from None
        notes.append(f"Grading the portable way: {str(exc).splitlines()[0]}")
        active = SubprocessRunner(memory_mb)
        started_runner = active.start()
    grader = Grader(scratch, chosen, limits, active, [submissions, scratch, out], labels)
    _show_notes(console, notes)
    try:
        reference_result, results = _grade_all(grader, students, reference, max(1, jobs), console)
    finally:
        grader.runner.close()
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    _show_notes(console, grader.notes)
    expected = _test_ids(reference_result)
    for result in results:
        if result.status != "error" and _test_ids(result) != expected:
            result.flags.append("tampering: the run did not report exactly the course's tests")
    meta = {
        "version": 1,
        "lessons": [lesson.slug for lesson in chosen],
        "course_digest": course_digest(chosen),
        "shard": list(shard) if shard else None,
        "runner": grader.runner.name if not grader.notes else "fork, then subprocess",
        "warm_up": started_runner,
        "jobs": max(1, jobs),
        "limits": {"timeout": timeout, "test_timeout": test_timeout, "memory_mb": memory_mb},
        "seconds": round(time.perf_counter() - started, 2),
        "created": time.strftime("%Y-%m-%d %H:%M"),
        "notes": notes + grader.notes,
    }
    write_outputs(results, out, reference_result, meta)
    return results


def _show_notes(console, notes: list[str]) -> None:
    if console is None:
        return
    from rich.markup import escape

    for note in notes:
        console.print(f"[dim]{escape(note)}[/]")


def _grade_all(grader: Grader, students: list[Submission], reference: Path, jobs: int, console):
    from rich.markup import escape

    reference_submission = Submission(REFERENCE_NAME, "reference", Path(reference))
    reference_result: StudentResult | None = None
    results: list[StudentResult] = []
    with (
        Progress(console, len(students), jobs) as progress,
        ThreadPoolExecutor(jobs, "grade") as pool,
    ):
        reference_future = pool.submit(grader.grade, reference_submission)
        futures = [pool.submit(grader.grade, student) for student in students]
        try:
            for future in as_completed([reference_future, *futures]):
                result = future.result()
                if future is reference_future:
                    _require_reference(result)  # fail fast: the class's grades would be wrong
                    reference_result = result
                    progress.guess(result.duration)
                    continue
                results.append(result)
                progress.advance()
                if result.status == "error" or result.flags:
                    note = f" · {'; '.join(result.flags)}" if result.flags else ""
                    progress.print(
                        f"[yellow]{escape(result.name)}[/]: {result.status}{escape(note)}"
                    )
        except BaseException:
            for future in futures:
                future.cancel()
            grader.runner.stop()
            raise
    results.sort(key=lambda r: (r.name, r.slug))
    return reference_result, results


def _test_ids(result: StudentResult) -> set[tuple[str, str]]:
    return {(test["exercise"], test["name"]) for test in result.tests()}


def _require_reference(result: StudentResult) -> None:
    tampering = [flag for flag in result.flags if flag.startswith("tampering:")]
    if result.status == "pass" and tampering:
        raise GradingError(
            "The reference solutions trip the grader's guard, so it would misjudge students: "
            + "; ".join(tampering)
        )
    if result.status == "pass":
        return
    why = result.message or next(
        (t["message"] for t in result.tests() if t["status"] != "pass"), "a test fails"
    )
    failing = [
        lr.lesson for lr in (result.report.lessons if result.report else []) if not lr.passed
    ]
    others = [lesson.nn for lesson in result.lessons if lesson not in failing]
    hint = (
        f" Lessons whose reference fails: {', '.join(lesson.nn for lesson in failing)}; grade the "
        f"others with --lessons {','.join(others)}."
        if failing and others
        else ""
    )
    raise GradingError(
        f"The reference solutions earn {result.earned:g}/{result.possible} in this environment, "
        f"so no grade can be trusted and none was written.{hint} First problem: {why}\n"
        f"{result.output[-1500:]}"
    )


# ------------------------------------------------------------------------------ progress


def estimate_left(done: int, total: int, elapsed: float, guess: float | None, jobs: int):
    """Seconds left: the pace so far, or before the first result, the reference's duration."""
    if done >= total:
        return 0.0
    if done:
        return elapsed / done * (total - done)
    if guess:
        return max(0.0, guess * total / max(1, jobs) - elapsed)
    return None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "-:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """A bar with the time left in a terminal; a line every tenth (or 30 s) in a CI log."""

    def __init__(self, console, total: int, jobs: int):
        self.console = console
        self.total = total
        self.jobs = jobs
        self.done = 0
        self.started = time.monotonic()
        self.reference_seconds: float | None = None
        self.live = console is not None and console.is_terminal
        self.bar = None
        self.last_line = (0.0, 0)

    def __enter__(self):
        if self.live:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                ProgressColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar
            from rich.text import Text

            outer = self

            class TimeLeft(ProgressColumn):
                def render(self, task):
                    left = outer.left()
                    text = f"about {_clock(left)} left" if left is not None else "estimating"
                    return Text(text, style="progress.remaining")

            self.bar = Bar(
                SpinnerColumn(),
                TextColumn("Grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeLeft(),
                console=self.console,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task("Grading", total=self.total)
        elif self.console is not None:
            self.console.print(f"Grading {self.total} submissions with {self.jobs} jobs.")
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        elif self.console is not None and not exc[0]:
            self._line(force=True)

    def left(self) -> float | None:
        elapsed = time.monotonic() - self.started
        return estimate_left(self.done, self.total, elapsed, self.reference_seconds, self.jobs)

    def guess(self, reference_seconds: float) -> None:
        self.reference_seconds = reference_seconds

    def advance(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.advance(self.task)
        elif self.console is not None:
            self._line()

    def print(self, text: str) -> None:
        if self.bar is not None:
            self.bar.console.print(text)
        elif self.console is not None:
            self.console.print(text)

    def _line(self, force: bool = False) -> None:
        now = time.monotonic()
        tenth = self.done * 10 // max(1, self.total)
        last_time, last_done = self.last_line
        last_tenth = last_done * 10 // max(1, self.total)
        if force:
            if self.done in (0, last_done):
                return
        elif tenth == last_tenth and now - last_time < 30:
            return
        self.last_line = (now, self.done)
        elapsed = now - self.started
        self.console.print(
            f"Graded {self.done}/{self.total} ({100 * self.done // max(1, self.total)}%) in "
            f"{_clock(elapsed)}, about {_clock(self.left())} left"
        )


# ---------------------------------------------------------------------------- command line


def print_summary(console, results: list[StudentResult], out: Path, seconds: float) -> None:
    from rich.markup import escape
    from rich.table import Table

    percents = [r.percent for r in results]
    counts = {s: sum(r.status == s for r in results) for s in ("pass", "fail", "error")}
    table = Table(title="Class summary", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("students", str(len(results)))
    table.add_row("all passed / some failed / error", "{pass} / {fail} / {error}".format(**counts))
    if percents:
        table.add_row(
            "mean / median",
            f"{statistics.fmean(percents):.1f}% / {statistics.median(percents):.1f}%",
        )
    table.add_row("flagged for review", str(sum(bool(r.flags) for r in results)))
    per = seconds / len(results) if results else 0.0
    table.add_row("time", f"{seconds:.1f} s ({per:.2f} s per submission)")
    console.print(table)
    for result in [r for r in results if r.status == "error"][:10]:
        first_line = (result.message or "").splitlines()[0] if result.message else ""
        console.print(f"[red]error[/] {escape(result.name)}: {escape(first_line)}")
    console.print(
        f"Wrote {escape(str(out))}/: grades.csv, report.html, results/, feedback/, {META}"
    )


def main(args) -> int:
    """`grade SUBMISSIONS`: 0 when grading ran (whatever the grades), 1 if it could not be
    trusted, 2 on a usage error, 130 when interrupted."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    submissions = Path(args.submissions)
    problems = []
    if not submissions.is_dir():
        problems.append(
            f"SUBMISSIONS must be a folder with one folder or .zip per student: {submissions}"
        )
    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        problems.append("--jobs must be at least 1.")
    if args.timeout <= 0 or getattr(args, "test_timeout", 1) <= 0:
        problems.append("--timeout and --test-timeout must be positive numbers of seconds.")
    if args.memory < 0:
        problems.append("--memory must be a number of MiB (0: no limit).")
    shard = None
    if getattr(args, "shard", None):
        try:
            shard = parse_shard(args.shard)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        for problem in problems:
            console.print(f"[red]{escape(problem)}[/]")
        return 2
    started = time.perf_counter()
    try:
        results = grade(
            submissions,
            Path(args.out),
            jobs,
            args.timeout,
            args.memory,
            lessons=getattr(args, "lessons", None) or None,
            shard=shard,
            runner=getattr(args, "runner", "auto"),
            test_timeout=getattr(args, "test_timeout", 10.0),
            console=console,
        )
    except GradingError as exc:
        console.print(f"[bold red]Grading stopped.[/] {escape(str(exc))}")
        return 1
    except KeyboardInterrupt:
        console.print("[red]Interrupted: every test process was stopped; nothing was written.[/]")
        return 130
    print_summary(console, results, Path(args.out), time.perf_counter() - started)
    return 0


def merge_main(shards: list[str], out: str) -> int:
    """`grade merge SHARD_DIR... --out DIR`: 0 when merged, 2 when the shards do not fit."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    folders = [Path(folder) for folder in shards]
    try:
        records, meta = merge(folders, Path(out))
    except MergeError as exc:
        console.print(f"[bold red]Cannot merge.[/] {escape(str(exc))}")
        return 2
    flagged = sum(bool(r["flags"]) for r in records)
    console.print(
        f"Merged {meta['merged_from']} shards: {len(records)} students, {flagged} flagged. "
        f"Wrote {escape(str(out))}/: grades.csv, report.html, results/, feedback/, {META}"
    )
    return 0


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
