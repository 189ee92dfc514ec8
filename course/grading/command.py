"""Grade a class: the reference first, then every distinct lesson file once, in parallel.

grade() is the whole job as a function (the engine tests and the benchmark call it); main()
and merge_main() are the `grade` verb's two forms on the command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, as_completed, wait
from pathlib import Path

from course import ROOT
from course.grading.lms import RosterError, read_roster, write_gradebooks
from course.grading.report import META, MergeError, course_digest, merge, write_outputs
from course.grading.results import Limits, StudentResult, combine, error_result, judge
from course.grading.runners import RunnerBroken, Stopped, SubprocessRunner, make_runner
from course.grading.submissions import (
    MAX_DOWNLOAD_MEMBERS,
    Submission,
    SubmissionError,
    copy_learner_files,
    download_limit,
    find_root,
    find_submissions,
    parse_shard,
    read_learner_files,
    select_shard,
    stage,
    unpack_zip,
    write_learner_files,
)
from course.manifest import SOLUTIONS_DIR, Lesson, all_lessons, find_lesson
from course.targets import Target

REFERENCE_NAME = "reference solutions"
# The name a lesson's run is graded under: the test process never learns whose files it has.
LESSON_FILES = Submission("lesson files", "lesson-files", Path("."))


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

    def read(self, submission: Submission) -> dict[str, bytes]:
        """The learner files of a submission (unpacked if a zip); SubmissionError if refused."""
        work = self.scratch / ("r-" + submission.slug)
        shutil.rmtree(work, ignore_errors=True)
        try:
            boundary = self._unpacked(submission, work)
            return read_learner_files(find_root(boundary), boundary, self.lessons)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _unpacked(self, submission: Submission, work: Path) -> Path:
        """The folder to read a submission from: itself, its zip unpacked, or a platform's
        loose files put together (submissions.stage)."""
        if submission.members:
            work.mkdir(parents=True, exist_ok=True)
            stage(submission, work / "unpacked", self.lessons)
            return work / "unpacked"
        if submission.path.is_file():
            work.mkdir(parents=True, exist_ok=True)
            unpack_zip(submission.path, work / "unpacked")
            return work / "unpacked"
        return submission.path

    def grade_lesson(self, number: int, lesson: Lesson, files: dict[str, bytes]) -> StudentResult:
        """One lesson's learner files, in a test process that holds nothing else.

        The result belongs to no student (its name is LESSON_FILES): the process never sees
        whose files these are, so one result can stand for every student who handed them in.
        """
        started = time.perf_counter()
        work = self.scratch / f"u-{number}"
        shutil.rmtree(work, ignore_errors=True)
        try:
            work.mkdir(parents=True)
            target = work / "target"
            target.mkdir()
            write_learner_files(target, files)
            outcome = self._run(self._request(work, target, [lesson]))
            replacements = self._replacements(work, target)
            return judge(
                LESSON_FILES, (lesson,), outcome, files, replacements, self.limits, started
            )
        except Stopped:
            raise
        except Exception as exc:  # a grader bug or an odd file system must not stop the class
            return error_result(
                LESSON_FILES,
                (lesson,),
                f"Internal grading error: {type(exc).__name__}: {exc}",
                started,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _request(self, work: Path, target: Path, lessons) -> dict:
        return {
            "target": str(target),
            "run": str(work / "run"),
            "own": str(work),
            "lessons": [lesson.slug for lesson in lessons],
            "test_timeout": self.limits.test_timeout,
            "forbidden": self.forbidden,
            "labels": self.labels,
        }

    @staticmethod
    def _replacements(work: Path, target: Path) -> list[tuple[str, str]]:
        return [
            (str(target.resolve()), "lessons"),
            (str(target), "lessons"),
            (str(work.resolve()), "<scratch>"),
            (str(work), "<scratch>"),
        ]

    def grade(self, submission: Submission) -> StudentResult:
        """A whole submission in one test process (`--no-dedup`, the way before lessons were
        graded one by one)."""
        started = time.perf_counter()
        work = self.scratch / ("s-" + submission.slug)
        shutil.rmtree(work, ignore_errors=True)
        try:
            work.mkdir(parents=True)
            boundary = self._unpacked(submission, work)
            target = work / "target"
            target.mkdir()
            copied = copy_learner_files(find_root(boundary), boundary, target, self.lessons)
            outcome = self._run(self._request(work, target, self.lessons))
            replacements = self._replacements(work, target)
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
    dedup: bool = True,
    roster: Path | None = None,
    missing: str = "omit",
) -> list[StudentResult]:
    """Grade the submissions in `submissions` (or shard K of N of them) and write `out`.

    `lessons`: lesson numbers or slugs (default: every lesson that has graded tests);
    `runner`: auto (fork on Linux, else subprocess), fork or subprocess; `scratch` (default:
    a new temporary folder, removed afterwards) is where submissions are unpacked and run;
    `console`, a rich Console, shows progress (None: quiet); `reference` is the folder of
    reference solutions graded first, which must earn full marks.

    `roster` (the roster a platform exports, see course.grading.lms) also writes that
    platform's gradebook file (canvas.csv, moodle.csv) and gradebook.csv; `missing` says what a
    roster student without a submission gets there (omit, zero, blank); grading.json lists
    who is missing and who is extra.

    `dedup` (the default): each lesson of a submission is graded in a test process of its
    own, and identical lesson files are graded once (see grade_by_lesson); False grades each
    submission's lessons together in one process.
    """
    started = time.perf_counter()
    # Absolute: the test processes check paths against these from their own working folder.
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    chosen, notes = gradable_lessons(lessons)
    if not chosen:
        raise GradingError("There is no lesson with graded tests to grade.")
    class_roster = read_roster(roster) if roster is not None else None  # before any grading
    own_scratch = scratch is None
    scratch = Path(tempfile.mkdtemp(prefix="course-grade-")) if own_scratch else Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    scratch = scratch.resolve()
    download = submissions
    if submissions.is_file():  # a platform's "download all" zip, as it came
        download = scratch / "download"
        try:
            unpack_zip(submissions, download, download_limit(submissions), MAX_DOWNLOAD_MEMBERS)
        except SubmissionError as exc:
            if own_scratch:
                shutil.rmtree(scratch, ignore_errors=True)
            raise GradingError(
                f"{exc} If the download is what your platform gave you, unpack it yourself "
                "and grade the folder."
            ) from None
    students, skipped = find_submissions(download, exclude=[out, scratch])
    if shard is not None:
        students = select_shard(students, *shard)
    if skipped:
        names = ", ".join(entry.name for entry in skipped[:5]) + (
            ", ..." if len(skipped) > 5 else ""
        )
        notes.append(
            f"Skipped {len(skipped)} entries that are no submission (neither a folder nor a "
            f".zip, nor a platform's file holding code): {names}."
        )
    limits = Limits(timeout, test_timeout, memory_mb)
    labels = {str(submissions): "<submissions>", str(scratch): "<scratch>", str(out): "<out>"}
    labels[str(Path(reference).resolve())] = "<reference>"
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
    # The reference's learner files too: a test process reads copies only, and a submission
    # that could read the answers could print them into its feedback (on Gradescope, to the
    # student). The rest of the reference folder (known mistakes, mutants) the course reads.
    answers = Target("reference", Path(reference).resolve())
    forbidden = [submissions, scratch, out]
    forbidden += [
        answers.learner_file(lesson, name) for lesson in chosen for name in lesson.learner_files
    ]
    grader = Grader(scratch, chosen, limits, active, forbidden, labels)
    _show_notes(console, notes)
    digest = course_digest(chosen)
    counts = {}
    try:
        if dedup:
            reference_result, results, counts = grade_by_lesson(
                grader, students, reference, max(1, jobs), console, digest
            )
        else:
            reference_result, results = _grade_all(
                grader, students, reference, max(1, jobs), console
            )
    finally:
        grader.runner.close()
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    _show_notes(console, grader.notes)
    by_slug = {student.slug: student for student in students}
    for result in results:  # what the platform said of the submission, kept beside the grade
        student = by_slug.get(result.slug)
        if student is not None and student.platform:
            result.late = student.late
            result.platform = {"kind": student.platform, "user": student.user}
    if not dedup:
        expected = _test_ids(reference_result)
        for result in results:
            if result.status != "error" and _test_ids(result) != expected:
                result.flags.append(TESTS_DIFFER)
    meta = {
        "version": 1,
        "lessons": [lesson.slug for lesson in chosen],
        "course_digest": digest,
        "shard": list(shard) if shard else None,
        "runner": grader.runner.name if not grader.notes else "fork, then subprocess",
        "dedup": dedup,
        **counts,
        "warm_up": started_runner,
        "jobs": max(1, jobs),
        "limits": {"timeout": timeout, "test_timeout": test_timeout, "memory_mb": memory_mb},
        "seconds": round(time.perf_counter() - started, 2),
        "created": time.strftime("%Y-%m-%d %H:%M"),
        "notes": notes + grader.notes,
    }
    if class_roster is not None:
        out.mkdir(parents=True, exist_ok=True)
        records = [result.to_json() for result in results]
        meta["roster"] = write_gradebooks(records, chosen, class_roster, out, missing)
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


TESTS_DIFFER = "tampering: the run did not report exactly the course's tests"


def lesson_key(lesson: Lesson, files: dict[str, bytes], digest: str, limits: Limits) -> str:
    """What decides a lesson's grade, hashed: the lesson, the sha256 of each of its learner
    files (or their absence), the course (manifests, graded tests, plugin) and the limits."""
    prints = {}
    for name in lesson.learner_files:
        data = files.get(f"lessons/{lesson.slug}/{name}")
        prints[name] = hashlib.sha256(data).hexdigest() if data is not None else None
    facts = {
        "lesson": lesson.slug,
        "files": prints,
        "course": digest,
        "limits": [limits.timeout, limits.test_timeout, limits.memory_mb],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def reusable(result: StudentResult) -> bool:
    """Whether a lesson's grade may be given to another student who handed in the same files.

    Never when the run errored (a crash, a time limit), when it saw anything but the code's
    words (tampering, looking inside the test process: what such code does can depend on more
    than its text), or when a limit of time or memory decided a test: those depend on the
    machine's load at the moment, so each student's copy is graded for itself.
    """
    if result.status == "error" or result.report is None:
        return False
    if any(not flag.startswith("review: code uses ") for flag in result.flags):
        return False
    for lesson_result in result.report.lessons:
        texts = [lesson_result.load_error or ""]
        texts += [t.message or "" for e in lesson_result.exercises for t in e.tests]
        if any(word in text for text in texts for word in _LIMIT_WORDS):
            return False
    return True


_LIMIT_WORDS = ("did not finish", "MemoryError", "out of memory")


def _lesson_files(copied: dict[str, bytes], lesson: Lesson) -> dict[str, bytes]:
    prefix = f"lessons/{lesson.slug}/"
    return {path: data for path, data in copied.items() if path.startswith(prefix)}


def grade_by_lesson(
    grader: Grader, students: list[Submission], reference: Path, jobs: int, console, digest: str
):
    """Grade each distinct (lesson, learner files) once; every student with those files gets it.

    The reference is graded first, one run per lesson, and must earn full marks. Then each
    distinct key (lesson_key) is run once, for the first student in name order who has it;
    if that run's result is reusable() every other student with the key gets it, otherwise
    each of them is graded in a run of their own. A student's grade is then what grading them
    alone gives: the same runs on the same files, in processes that hold nothing else.
    Returns (reference result, results sorted by name, counts for grading.json).
    """
    from rich.markup import escape

    lessons = grader.lessons
    reference_submission = Submission(REFERENCE_NAME, "reference", Path(reference))
    try:
        reference_files = grader.read(reference_submission)
    except SubmissionError as exc:
        raise GradingError(f"The reference solutions cannot be read: {exc}") from None
    copied: dict[str, dict[str, bytes]] = {}
    results: dict[str, StudentResult] = {}
    for student in students:
        started = time.perf_counter()
        try:
            copied[student.slug] = grader.read(student)
        except SubmissionError as exc:
            results[student.slug] = error_result(student, lessons, str(exc), started)
    keys = {
        (slug, lesson.slug): lesson_key(lesson, _lesson_files(files, lesson), digest, grader.limits)
        for slug, files in copied.items()
        for lesson in lessons
    }
    holders: dict[str, list[Submission]] = {}
    for student in students:
        for lesson in lessons:
            key = keys.get((student.slug, lesson.slug))
            if key is not None:
                holders.setdefault(key, []).append(student)
    by_slug = {lesson.slug: lesson for lesson in lessons}
    lesson_of = {key: by_slug[slug] for (_, slug), key in keys.items()}
    graded: dict[str, dict[str, tuple[StudentResult, dict]]] = {slug: {} for slug in copied}
    numbers = iter(range(1, 1 << 30))
    runs = 0

    with (
        Progress(console, len(students), jobs) as progress,
        ThreadPoolExecutor(jobs, "grade") as pool,
    ):
        pending: dict = {}
        try:
            for lesson in lessons:
                files = _lesson_files(reference_files, lesson)
                future = pool.submit(grader.grade_lesson, next(numbers), lesson, files)
                pending[future] = lesson
            by_lesson = {}
            for future in as_completed(list(pending)):
                by_lesson[pending.pop(future).slug] = future.result()
            reference_result = combine(
                reference_submission,
                lessons,
                {slug: (result, {}) for slug, result in by_lesson.items()},
                reference_files,
            )
            _require_reference(reference_result)  # fail fast: the class's grades would be wrong
            progress.guess(reference_result.duration)
            expected = {slug: _test_ids(result) for slug, result in by_lesson.items()}
            cache: dict[str, StudentResult] = {}
            for lesson in lessons:
                key = lesson_key(
                    lesson, _lesson_files(reference_files, lesson), digest, grader.limits
                )
                if reusable(by_lesson[lesson.slug]):
                    cache[key] = by_lesson[lesson.slug]

            def give(student: Submission, key: str, result: StudentResult, own: bool) -> None:
                lesson = lesson_of[key]
                unit = {"key": key[:16], "own_run": own, "shared_by": len(holders[key])}
                graded[student.slug][lesson.slug] = (result, unit)
                if len(graded[student.slug]) == len(lessons):
                    final = combine(student, lessons, graded[student.slug], copied[student.slug])
                    results[student.slug] = final
                    progress.advance()
                    if final.status == "error" or final.flags:
                        note = f" · {'; '.join(final.flags)}" if final.flags else ""
                        progress.print(
                            f"[yellow]{escape(final.name)}[/]: {final.status}{escape(note)}"
                        )

            def submit(key: str, owner: Submission | None) -> None:
                nonlocal runs
                runs += 1
                files = _lesson_files(copied[(owner or holders[key][0]).slug], lesson_of[key])
                future = pool.submit(grader.grade_lesson, next(numbers), lesson_of[key], files)
                pending[future] = (key, owner)

            for student in students:  # those refused before running anything
                if student.slug in results:
                    progress.advance()
            # The longest lessons first (as the reference took), so no long run is left for last.
            ordered_keys = sorted(holders, key=lambda k: -by_lesson[lesson_of[k].slug].duration)
            for key in ordered_keys:
                students_with_key = holders[key]
                if key in cache:
                    for student in students_with_key:
                        give(student, key, cache[key], own=False)
                else:
                    submit(key, None)
            while pending:
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for future in finished:
                    key, owner = pending.pop(future)
                    result = future.result()
                    slug = lesson_of[key].slug
                    if result.status != "error" and _test_ids(result) != expected[slug]:
                        result.flags.append(TESTS_DIFFER)
                    if owner is not None:
                        give(owner, key, result, own=True)
                        continue
                    first, *others = holders[key]
                    give(first, key, result, own=True)
                    if reusable(result):
                        for student in others:
                            give(student, key, result, own=False)
                    else:  # tampering or an error is never handed to another student
                        for student in others:
                            submit(key, student)
        except BaseException:
            for future in pending:
                future.cancel()
            grader.runner.stop()
            raise
    ordered = sorted(results.values(), key=lambda r: (r.name, r.slug))
    counts = {
        "lesson_runs": runs,
        "lesson_grades": len(keys),
        "distinct_lesson_files": len(holders),
    }
    return reference_result, ordered, counts


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
        f"Wrote {escape(str(out))}/: grades.csv, report.html, results/, feedback/, "
        f"gradescope/, {META}"
    )


def main(args) -> int:
    """`grade SUBMISSIONS`: 0 when grading ran (whatever the grades), 1 if it could not be
    trusted, 2 on a usage error, 130 when interrupted."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    submissions = Path(args.submissions)
    problems = []
    if not (submissions.is_dir() or submissions.suffix.lower() == ".zip" and submissions.is_file()):
        problems.append(
            "SUBMISSIONS must be a folder with one folder or .zip per student, or a platform's "
            f"download (Canvas's submissions.zip, Moodle's zip, or the folder either was "
            f"unpacked to, a GitHub Classroom clone): {submissions}"
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
        if getattr(args, "roster", None):
            # A shard's gradebook would list the other shards' students as missing (and, with
            # --missing zero or blank, take their grades away on import).
            problems.append(
                "--roster goes to `grade merge`, which sees the whole class; a shard holds "
                "only part of it."
            )
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
            dedup=not getattr(args, "no_dedup", False),
            roster=Path(args.roster) if getattr(args, "roster", None) else None,
            missing=getattr(args, "missing", "omit"),
        )
    except RosterError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        return 2
    except GradingError as exc:
        console.print(f"[bold red]Grading stopped.[/] {escape(str(exc))}")
        return 1
    except KeyboardInterrupt:
        console.print("[red]Interrupted: every test process was stopped; nothing was written.[/]")
        return 130
    print_summary(console, results, Path(args.out), time.perf_counter() - started)
    if getattr(args, "roster", None):
        _show_roster(console, Path(args.out))
    return 0


def _show_roster(console, out: Path) -> None:
    from rich.markup import escape

    matched = json.loads((out / META).read_text(encoding="utf-8")).get("roster") or {}
    keys = " or ".join(f"`{matched[k]}`" for k in ("id_column", "name_column") if matched.get(k))
    files = ", ".join(f"{escape(str(out))}/{name}" for name in matched.get("files", []))
    console.print(
        f"Wrote {files} for {matched.get('students', 0)} students on the "
        f"{escape(str(matched.get('platform')))} roster ({matched.get('matched', 0)} matched "
        f"on its {escape(keys)} column)."
    )
    left = {
        "omit": "left out of the platform's file",
        "zero": "0 in the platform's file",
        "blank": "blank in the platform's file",
    }[matched.get("missing_policy", "omit")]
    for label, names in (
        (f"On the roster, no submission ({left})", matched.get("missing") or []),
        ("Submissions not on the roster (left out of the gradebooks)", matched.get("extra") or []),
    ):
        if names:
            console.print(f"[yellow]{label}:[/] {escape(', '.join(names))}")


def merge_main(
    shards: list[str], out: str, roster: str | None = None, missing: str = "omit"
) -> int:
    """`grade merge SHARD_DIR... --out DIR`: 0 when merged, 2 when the shards do not fit."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    folders = [Path(folder) for folder in shards]
    try:
        class_roster = read_roster(Path(roster)) if roster else None
        records, meta = merge(folders, Path(out))
    except (MergeError, RosterError) as exc:
        console.print(f"[bold red]Cannot merge.[/] {escape(str(exc))}")
        return 2
    if class_roster is not None:
        lessons = [find_lesson(slug) for slug in meta["lessons"]]
        meta["roster"] = write_gradebooks(records, lessons, class_roster, Path(out), missing)
        (Path(out) / META).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        _show_roster(console, Path(out))
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
