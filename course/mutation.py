"""Grading a learner's tests by mutation: run them against the reference and known-wrong APIs.

A lesson whose learner file is a test module (lesson 14) names, in its manifest, the course
module those tests exercise (`[mutation] module = "api.py"`). The course ships *mutants* of
that module: `solutions/lNN_topic/mutants/eN_<what_goes_wrong>.diff`, each one change to it,
whose first line says the change in a sentence (the same format as a known mistake, read by
course/mistakes.py). A learner's tests are good when they pass on the reference and fail on
each mutant, and they earn credit only by what they observe of the API's behaviour.

`run_learner_tests()` runs the target's test module once per implementation, each time in a
process of its own that knows nothing but "run these tests against this code":

- the reference in file order, the reference with the tests in reverse order (a test that
  passes only after another one depends on it), two *equivalents* (the reference rebuilt by
  course/equivalents.py from a random seed: renamed locals, reordered definitions, constants
  written as calls, one in file order and one reversed), and every mutant, rewritten the
  same way from a seed of its own;
- in an order shuffled for each run, so that counting runs tells nothing;
- each implementation installed as the tested module under its usual name and file (the
  file on disk is always the reference's), so nothing in the process names the run. A test
  that pins the module's text, bytecode or names fails on an equivalent and counts for
  nothing (`Verdicts.sound`).

The processes are forked, one per implementation, from a warm process that has imported
Django and pytest (`python -I -B -m course.mutation`), so a run costs a fork, not an import;
where there is no fork (Windows) that process runs one implementation and exits. The warm
process holds one job at a time, reads the next only when the last one ended, and never runs
learner code; the job comes on its stdin, the verdicts go back on its stdout, each line
tagged with a random nonce of that job. A run that did not say it finished (an early exit, a
crash, a report that does not match the tests collected) counts as not run: on the reference
it is an error, on a mutant it catches nothing. Two warm processes run jobs side by side;
the second is forked from the first once it is warm and before it has read any job (so it
knows no more than the first), and serves pipes of its own: one warm-up per graded run.

What a run pays for, and what it does not: the warm process has imported every module a run
used to import (Django's and DRF's views, pytest's plugins) and built the test database, which
a run restores; pytest is handed its plugins rather than left to find them by reading every
installed package's metadata; and the run mounts the playground's own pages and the lessons
graded by mutation only (course/mutation_urls.py), not the other lessons, whose learner files
it would otherwise import anew every time.

What the learner's code still could look at is watched (`Watch`, an audit hook installed in
each forked process before the learner's file is compiled): the code of functions
(`__code__`, `dis`, `marshal`, `inspect`), the stack, the garbage collector, pytest's plugin
manager, and files read outside the learner's folder. A test that does any of these counts
for nothing and its message says where; under the grader they also become review flags.

Under the grader the test process refuses to start processes; it makes one exception, for
exactly this command with the grader's own limits in it, and each forked process installs the
same audit hook (course/grading/child.py, Guard) before it reads the learner's file.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import queue
import random
import secrets
import subprocess
import sys
import threading
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from course import ROOT
from course.grading.nested import GUARD_ENV, command, flush_streams
from course.manifest import Lesson
from course.mutants import mutants_of, reference_source

REFERENCE = "reference"
REVERSED = "reference-reversed"
# The reference rebuilt with another text: a test must pass on them too to count.
EQUIVALENTS = ("equivalent-1", "equivalent-2")
REFERENCE_LIKE = (REFERENCE, REVERSED, *EQUIVALENTS)
# Seconds one learner test may take, and the whole run (every implementation) at most.
LEARNER_TEST_TIMEOUT = 10
RUN_TIMEOUT = 180
# Warm processes that run implementations side by side (each forks one run at a time).
WARM_PROCESSES = 2


# ------------------------------------------------------------------------ verdicts


@dataclass
class Verdicts:
    """What the learner's tests did on each implementation: {run: {test: (status, message)}}."""

    lesson: Lesson
    runs: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    run_errors: dict[str, str] = field(default_factory=dict)  # a run that did not report
    error: str | None = None  # the run as a whole failed
    output: str = ""  # the end of what the reference's pytest printed
    # What a test did that earns no credit: {test: [why, ...]}; "" for the module's top level.
    looked: dict[str, list[str]] = field(default_factory=dict)

    @property
    def tests(self) -> list[str]:
        """The learner's tests, in file order."""
        return list(self.runs.get(REFERENCE, {}))

    def tests_of(self, exercise_id: str) -> list[str]:
        """A test belongs to En when its name starts with test_en_; one named for none, to all."""
        return [t for t in self.tests if exercise_of(t) in (exercise_id.upper(), None)]

    def status(self, run: str, test: str) -> tuple[str, str]:
        return self.runs.get(run, {}).get(test, ("missing", "it did not run"))

    def looked_at(self, test: str) -> list[str]:
        """What `test` (or the module's top level) read that is not the API's behaviour."""
        return list(dict.fromkeys(self.looked.get("", []) + self.looked.get(test, [])))

    def wrong(self, test: str) -> str | None:
        """Why `test` cannot count (it fails on the reference or on an equivalent of it, in
        some order, or it looks at the code or the grader), or None."""
        looked = self.looked_at(test)
        if looked:
            return (
                f"{test} {'; '.join(looked)}. A test earns credit only by what it observes of "
                "the API through requests, the database, mail and time, so this one counts for "
                "nothing (and is flagged for review)"
            )
        status, message = self.status(REFERENCE, test)
        if status in ("fail", "error"):
            return f"{test} fails on the reference API: {message}"
        for run in REFERENCE_LIKE[1:]:
            if run in self.run_errors:
                return (
                    f"{test} did not report on a run of the reference API: {self.run_errors[run]}"
                )
        reversed_status, reversed_message = self.status(REVERSED, test)
        if status == "pass" and reversed_status in ("fail", "error"):
            return (
                f"{test} passes when your tests run in file order, but fails when they run in "
                f"reverse order: {reversed_message}. It depends on what an earlier test left behind"
            )
        for run in EQUIVALENTS:
            other, other_message = self.status(run, test)
            if status == "pass" and other in ("fail", "error"):
                return (
                    f"{test} passes on the reference API but fails on a copy of it that behaves "
                    f"the same and is written differently: {other_message}. It checks how the "
                    "code is written, not what the API does"
                )
        return None

    def sound(self) -> list[str]:
        """The tests that pass on the reference in both orders and on its equivalents, and
        look at nothing but the API: only they can catch a mutant."""
        return [
            t
            for t in self.tests
            if all(self.status(run, t)[0] == "pass" for run in REFERENCE_LIKE)
            and not self.looked_at(t)
        ]

    def catchers(self, mutant: str) -> list[str]:
        """The sound tests that fail on `mutant`."""
        if mutant in self.run_errors:
            return []
        return [t for t in self.sound() if self.status(mutant, t)[0] in ("fail", "error")]


def sentence(summary: str) -> str:
    """A mutant's summary to follow "when": `The list shows ...` -> `the list shows ...`."""
    first, _, rest = summary.partition(" ")
    if not first or (len(first) > 1 and first.isupper()):  # POST, GET: keep as written
        return summary
    return f"{first[0].lower()}{first[1:]} {rest}".strip()


def exercise_of(test: str) -> str | None:
    """`test_e2_token_works` and `TestCourses::test_e2_...` belong to E2."""
    name = test.rsplit("::", 1)[-1].lower()
    head = name.removeprefix("test_").split("_", 1)[0]
    return head.upper() if name.startswith("test_e") and head[1:].isdigit() else None


# ------------------------------------------------------------------------ the outer side


@dataclass
class Job:
    """One implementation to run the learner's tests on; only `source` and `reverse` leave here."""

    run: str
    source: str
    reverse: bool = False


def plan(lesson: Lesson, exercises: list[str] | None = None) -> list[Job]:
    """Every implementation of one graded run, in a new random order, the rewrites new too.

    With `exercises`, the mutants of the other exercises are left out: no graded test of the
    run asks about them (the course's self-checks grade a known mistake by its own exercise's
    tests). The reference and its equivalents always run: every verdict is judged on them.
    """
    from course.equivalents import rewrite

    chance = random.SystemRandom()
    reference = reference_source(lesson)
    jobs = [Job(REFERENCE, reference), Job(REVERSED, reference, reverse=True)]
    jobs += [
        Job(run, rewrite(reference, secrets.randbits(64)), reverse=index % 2 == 1)
        for index, run in enumerate(EQUIVALENTS)
    ]
    jobs += [
        Job(m.name, rewrite(m.source(), secrets.randbits(64)))
        for m in mutants_of(lesson)
        if exercises is None or m.exercise_id in {e.upper() for e in exercises}
    ]
    chance.shuffle(jobs)
    return jobs


def run_learner_tests(
    lesson: Lesson,
    target: str,
    timeout: float = RUN_TIMEOUT,
    exercises: list[str] | None = None,
) -> Verdicts:
    """Run the target's test module of `lesson` against the reference, its equivalents and
    every mutant (of `exercises` only, when given), each in a process of its own."""
    from course import targets

    guard = json.loads(os.environ[GUARD_ENV]) if os.environ.get(GUARD_ENV) else None
    parsed = targets.Target.parse(target)
    path = parsed.learner_file(lesson, lesson.learner_files[0])
    data = parsed.read(path)
    if data is None:
        return Verdicts(lesson, error=f"{path} does not exist")
    # What was tested, for the grader (the learner's module is never imported here).
    targets.LOADED[str(path)] = hashlib.sha256(data).hexdigest()
    base = {
        "lesson": lesson.slug,
        "target": target,
        "learner": data.decode("utf-8", errors="replace"),
    }
    verdicts = Verdicts(lesson)
    deadline = time.monotonic() + timeout
    jobs = plan(lesson, exercises)
    reports: dict[str, dict] = {}

    warms = [_Warm(guard) for _ in range(WARM_PROCESSES)]
    if hasattr(os, "fork"):
        # One interpreter warms up; the others are forked from it before it holds any job.
        try:
            warms[0].start(siblings=warms[1:])
        except Exception:  # noqa: BLE001 - each then starts its own, and says what went wrong
            for warm in warms:
                warm.close()

    def work(warm: _Warm):
        try:
            while True:
                try:
                    job = jobs.pop()
                except IndexError:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    verdicts.error = f"your tests did not finish within {timeout:g} s"
                    return
                reports[job.run] = warm.run(
                    {**base, "source": job.source, "reverse": job.reverse}, left
                )
        except Exception as exc:  # noqa: BLE001 - said in the verdicts, not raised in a thread
            verdicts.error = f"the course could not run your tests: {type(exc).__name__}: {exc}"

    workers = [threading.Thread(target=work, args=(warm,)) for warm in warms]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for warm in reversed(warms):  # the copies first: the first process waits for them
        warm.close()
    for run, report in sorted(reports.items()):
        _record(verdicts, run, report)
    for job in jobs:  # left over after a time limit or an error
        verdicts.run_errors.setdefault(job.run, "your tests did not run on it")
    return _check_consistency(verdicts)


class _Warm:
    """A warm process: one job at a time on its stdin, tagged records back on its stdout.

    `start(siblings=...)` starts the interpreter and has it fork, once warm and before any job,
    a copy of itself for each sibling, which serves that sibling's jobs on pipes of its own: the
    warm-up (an interpreter, Django, pytest, the test database) is paid once per graded run.
    A process that ended is started anew, alone, for the next job.
    """

    READY = '{"siblings": "ready"}'

    def __init__(self, guard: dict | None):
        self.guard = guard
        self.process: subprocess.Popen | None = None
        self.stdin = None
        self.alive = False
        self.lines: queue.Queue = queue.Queue()

    def _attach(self, stdin, stdout) -> None:
        lines = queue.Queue()

        def pump():
            for line in stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        self.stdin, self.lines, self.alive = stdin, lines, True

    def start(self, siblings: list[_Warm] = ()) -> None:
        pipes = [(os.pipe(), os.pipe()) for _ in siblings]  # (jobs read, write), (out read, write)
        theirs = [fd for (jobs, _), (_, out) in pipes for fd in (jobs, out)]
        try:
            self.process = subprocess.Popen(
                command(self.guard),
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
                pass_fds=theirs,
            )
        finally:
            for fd in theirs:
                os.close(fd)
        self._attach(self.process.stdin, self.process.stdout)
        if not pipes:
            return
        ready = False
        try:
            fds = [[jobs_read, out_write] for (jobs_read, _), (_, out_write) in pipes]
            self.stdin.write(json.dumps({"siblings": fds}) + "\n")
            self.stdin.flush()
            # No job is written before the copies exist: none can be in the stream they share.
            while (line := self.lines.get(timeout=RUN_TIMEOUT)) is not None:
                if line.strip() == self.READY:
                    ready = True
                    break
        except (OSError, queue.Empty):
            pass
        for sibling, ((_, jobs_write), (out_read, _)) in zip(siblings, pipes, strict=True):
            if ready:
                sibling._attach(
                    open(jobs_write, "w", encoding="utf-8", buffering=1),
                    open(out_read, encoding="utf-8", errors="replace"),
                )
            else:  # each starts its own interpreter at its first job
                os.close(jobs_write)
                os.close(out_read)

    def run(self, job: dict, timeout: float) -> dict:
        """{"records": [...], "output": str, "ended": status or None} for one job."""
        if not self.alive:
            self.close()
            self.start()
        nonce = secrets.token_hex(16)
        job = {**job, "nonce": nonce, "timeout": timeout}
        records, output, ended = [], [], None
        try:
            self.stdin.write(json.dumps(job) + "\n")
            self.stdin.flush()
        except OSError:
            return {"records": [], "output": "", "ended": None}
        deadline = time.monotonic() + timeout + 5
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                self.alive = False  # it ended: the next job starts a new one
                break
            # Tagged anywhere in the line: the learner's output may not end with a newline.
            at = line.find(f"{nonce} ")
            if at < 0:
                output.append(line)
                continue
            output.append(line[:at])
            try:
                record = json.loads(line[at + len(nonce) + 1 :])
            except ValueError:
                continue
            if "ended" in record:
                ended = record["ended"]
                break
            records.append(record)
        return {"records": records, "output": "".join(output)[-2000:], "ended": ended}

    def close(self) -> None:
        """End the jobs (a warm process, or a copy of one, exits at the end of its stdin)."""
        if self.stdin is not None:
            try:
                self.stdin.close()
            except OSError:
                pass
            self.stdin = None
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.process = None
        self.alive = False


def _record(verdicts: Verdicts, run: str, report: dict) -> None:
    """Read one run's records into `verdicts`: only a run that says it finished counts."""
    done = next((r for r in report["records"] if "done" in r), None)
    for record in report["records"]:
        if "looked" in record:
            key = record.get("test") or ""
            reason = f"{record['looked']} at {record['where']}"
            reasons = verdicts.looked.setdefault(key, [])
            if reason not in reasons:
                reasons.append(reason)
    errors = [r["collect_error"] for r in report["records"] if "collect_error" in r]
    if errors:
        verdicts.run_errors[run] = errors[0]
    if run == REFERENCE:
        verdicts.output = report["output"][-1500:]
    if done is None:
        if not errors:
            verdicts.run_errors[run] = (
                "your tests stopped before pytest reported their results"
                + (f" (exit status {report['ended']})" if report["ended"] is not None else "")
                + (f":\n{report['output'][-1200:]}" if report["output"].strip() else "")
            )
        return
    collected = done.get("collected", [])
    results = {test: tuple(verdict) for test, verdict in done.get("verdicts", {}).items()}
    if set(results) != set(collected):
        verdicts.run_errors[run] = (
            "pytest's report does not match the tests it collected: did a test change how "
            "pytest reports?"
        )
        return
    verdicts.runs[run] = {
        test: results.get(test, ("missing", "it did not run")) for test in collected
    }


def _check_consistency(verdicts: Verdicts) -> Verdicts:
    """Every run must collect the tests the reference collected."""
    expected = set(verdicts.runs.get(REFERENCE, {}))
    for run, tests in list(verdicts.runs.items()):
        if run != REFERENCE and set(tests) != expected:
            verdicts.run_errors[run] = (
                "your module collected other tests on this run than on the reference "
                f"({', '.join(sorted(set(tests) ^ expected)[:3])})"
            )
            del verdicts.runs[run]
    return verdicts


# ------------------------------------------------------------------------ the warm process


def _isolate_environment() -> None:
    """Only the course decides how the nested pytest runs: no options from the environment."""
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "playground_project.test_settings"
    sys.dont_write_bytecode = True


# What a run imports besides the lessons' own modules (which the target decides, and of which
# lesson 14's are the implementation under test): the framework, pytest's plugins.
_WARM_MODULES = (
    "pytest_django",
    "time_machine",
    "pytest_timeout",
    "pdb",
    "xml.etree.ElementTree",
    "markdown_it",
    "platformdirs.pytest_plugin",
    "_pytest.debugging",
    "_pytest.faulthandler",
    "_pytest.helpconfig",
    "_pytest.junitxml",
    "_pytest.pastebin",
    "_pytest.setuponly",
    "_pytest.setupplan",
    "_pytest.skipping",
    "_pytest.stepwise",
    "_pytest.threadexception",
    "_pytest.tracemalloc",
    "_pytest.unittest",
    "course.pytest_plugin",
    "course.loading",
    "playground_project.middleware",
    "playground_project.openapi",
    "playground_project.routes",
    "playground_project.views",
    "django.test",
    "django.contrib.admindocs.views",
    "django.contrib.auth.views",
    "django.contrib.auth.backends",
    "django.contrib.auth.context_processors",
    "django.contrib.auth.middleware",
    "django.contrib.contenttypes.views",
    "django.contrib.sessions.serializers",
    "django.contrib.staticfiles.storage",
    "django.views.decorators.vary",
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.middleware",
    "django.contrib.messages.middleware",
    "django.contrib.messages.storage.fallback",
    "django.contrib.messages.context_processors",
    "django.contrib.staticfiles.views",
    "django.core.mail.backends.locmem",
    "django.middleware.clickjacking",
    "django.middleware.common",
    "django.middleware.security",
    "django.template.context_processors",
    "drf_spectacular.views",
    "drf_spectacular.openapi",
    "drf_spectacular.contrib.rest_framework_simplejwt",
    "drf_spectacular.contrib.django_filters",
    "rest_framework.test",
    "rest_framework.viewsets",
    "rest_framework.routers",
    "rest_framework.authtoken.views",
    "rest_framework.urls",
    "rest_framework.schemas.openapi",
    "rest_framework.filters",
    "rest_framework.pagination",
    "rest_framework.throttling",
    "rest_framework_simplejwt.views",
    "rest_framework_simplejwt.authentication",
    "rest_framework_simplejwt.serializers",
    "faulthandler",
    "_pytest._argcomplete",
)


def serve(argv: list[str]) -> int:
    """`python -I -B -m course.mutation HEADER`: run jobs from stdin, each in a forked process.

    Without fork, run the first job in this process and exit: the parent starts another.
    """
    guard = json.loads(argv[0]).get("guard")
    _isolate_environment()
    import django

    django.setup()
    from django.conf import settings

    # The runs serve the playground's pages and the lesson graded by mutation, not every lesson:
    # mounting the others would import their learner files in every run (course/mutation_urls.py).
    settings.ROOT_URLCONF = "course.mutation_urls"
    import importlib

    for name in _WARM_MODULES:  # imported once here rather than in every run
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from django.db import connections

    from course.grading import child, forkserver

    # The test database, built once and restored by each run (as the grader's children do);
    # it holds the course's tables, nothing of any implementation.
    forkserver._warm_templates()
    image, original = forkserver._database_image(nomigrations=True)
    connections.close_all()
    child.DATABASE_IMAGE = (image, original) if image else None
    # What is built so far stays put: a forked run that touches it copies no pages for it.
    gc.collect()
    gc.freeze()

    if not hasattr(os, "fork"):
        line = sys.stdin.readline()
        return _run_job(json.loads(line), guard) if line else 0
    first, copies = True, None
    while True:
        line = sys.stdin.readline()
        if not line:
            for pid in copies or ():  # their jobs end with their own stdin
                os.waitpid(pid, 0)
            return 0
        job = json.loads(line)
        if first and "siblings" in job:
            copies = _fork_siblings(job["siblings"])
            if copies is not None:  # in this process, not in a copy
                sys.stdout.write(_Warm.READY + "\n")
                sys.stdout.flush()
            first = False
            continue
        first = False
        nonce, timeout = job["nonce"], float(job["timeout"])
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 3
            try:
                code = _run_job(job, guard)
            finally:
                flush_streams()
                os._exit(code)
        # This process keeps no job: the next fork sees none of this one.
        del job, line
        status = _wait(pid, timeout)
        sys.stdout.write(f"{nonce} {json.dumps({'ended': status})}\n")
        sys.stdout.flush()


def _fork_siblings(pipes: list[list[int]]) -> list[int] | None:
    """Before any job: fork a copy of this warm process per pair of pipes (its jobs, its
    output), which serves on them as this one does on its stdin and stdout. Each keeps only
    its own pipes. The copies' process ids, or None in a copy."""
    flush_streams()
    copies = []
    for jobs, out in pipes:
        pid = os.fork()
        if pid == 0:
            os.dup2(jobs, 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            for fd in {fd for pair in pipes for fd in pair}:
                os.close(fd)
            return None
        copies.append(pid)
    for fd in {fd for pair in pipes for fd in pair}:
        os.close(fd)
    return copies


def _wait(pid: int, timeout: float) -> int | str:
    import signal

    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "killed: time limit"
        time.sleep(0.02)


# ------------------------------------------------------------------------ one run


class Channel:
    """Tagged JSON lines to the parent, on a copy of stdout taken before pytest captures it."""

    def __init__(self, nonce: str):
        self.nonce = nonce
        self.fd = os.dup(1)

    def send(self, record: dict) -> None:
        try:
            os.write(self.fd, f"\n{self.nonce} {json.dumps(record, default=str)}\n".encode())
        except OSError:
            pass


def _run_job(job: dict, guard: dict | None) -> int:
    """Run the learner's tests on `job["source"]` in this process; report on the channel."""
    import pytest

    from course import targets
    from course.manifest import find_lesson

    gc.disable()  # as `course check`: a short run, the collector only costs time
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # the warm process's jobs are not for the learner's code
    os.close(devnull)
    channel = Channel(job.pop("nonce"))
    lesson = find_lesson(job["lesson"])
    target = targets.Target.parse(job["target"])
    learner_path = target.learner_file(lesson, lesson.learner_files[0])
    log = None
    if guard:
        from course.grading.child import EventLog, Guard
        from course.grading.limits import EVENTS

        log = EventLog(Path(guard["run"]) / EVENTS)
        sys.addaudithook(Guard(guard, log, allow_nested=False))
    plugin = RunPlugin(lesson, learner_path, job["learner"], bool(job["reverse"]), channel)
    sys.addaudithook(Watch(lesson, learner_path, plugin, channel, log))
    _install(lesson, job.pop("source"))
    _watch_behind_responses()
    from course.grading.child import use_database_image

    use_database_image()
    code = pytest.main(
        [
            str(learner_path),
            # The collection starts at the confcutdir: the learner's own folder, so that pytest
            # lists no other folder (under the grader, the other submissions' are refused).
            f"--rootdir={learner_path.parent}",
            f"--confcutdir={learner_path.parent}",
            f"-c={ROOT / 'pyproject.toml'}",
            f"--target={job['target']}",
            # Only the course's configuration: no conftest.py from beside the learner's file.
            "--noconftest",
            f"--timeout={LEARNER_TEST_TIMEOUT}",
            "-p",
            "no:warnings",
            "-p",
            "no:unraisableexception",
            "-q",
            "--no-header",
            "--tb=short",
            # The plugins pytest would find among the installed packages, handed over instead:
            # finding them reads every package's metadata, a tenth of a run (_PLUGINS).
            "--disable-plugin-autoload",
        ],
        plugins=[plugin, *_plugins()],
    )
    channel.send(
        {
            "done": True,
            "exit": int(code),
            "collected": plugin.collected,
            "verdicts": plugin.verdicts,
        }
    )
    return int(code)


# The pytest plugins of the course's run, as pytest's autoload would register them, in the same
# order: the course's own (`-p` in pyproject.toml's addopts), then the installed packages' entry
# points that addopts does not turn off. The warm process has imported them all.
_PLUGINS = (
    "course.pytest_plugin",
    "time_machine",
    "platformdirs.pytest_plugin",
    "pytest_timeout",
    "pytest_django.plugin",
)


def _plugins() -> list[types.ModuleType]:
    import importlib

    found = []
    for name in _PLUGINS:
        try:
            found.append(importlib.import_module(name))
        except ImportError:  # an optional one (platformdirs' comes with its newer versions)
            pass
    return found


def _install(lesson: Lesson, source: str) -> None:
    """Make `source` the tested module, under its usual name and file, before anything imports it."""
    import importlib

    package_name = f"lessons.{lesson.slug}"
    name = f"{package_name}.{Path(lesson.tested_module).stem}"
    file = str(lesson.folder / lesson.tested_module)
    package = importlib.import_module(package_name)
    module = types.ModuleType(name)
    module.__file__ = file
    module.__package__ = package_name
    sys.modules[name] = module
    exec(compile(source, file, "exec", dont_inherit=True), module.__dict__)
    setattr(package, name.rsplit(".", 1)[1], module)


# What a test client's response, its data and a URL match carry besides what a client of the
# API sees: the view that answered (its class, its queryset), the serializer, the request
# object. A read of one of them from the learner's own line is noted (Watch), under any name.
_BEHIND = {
    ("django.http.response", "HttpResponseBase"): {
        "renderer_context",
        "resolver_match",
        "wsgi_request",
        "__dict__",
    },
    ("django.urls.resolvers", "ResolverMatch"): {"func", "__dict__"},
    ("django.urls.resolvers", "URLPattern"): {"callback", "__dict__"},
    ("rest_framework.utils.serializer_helpers", "ReturnList"): {"serializer", "__dict__"},
    ("rest_framework.utils.serializer_helpers", "ReturnDict"): {"serializer", "__dict__"},
}


def _watch_behind_responses() -> None:
    """Give each class of `_BEHIND` a `__getattribute__` that audits the names listed."""
    import importlib

    for (module, name), hidden in _BEHIND.items():
        cls = getattr(importlib.import_module(module), name)

        def get(self, attribute, _cls=cls, _hidden=frozenset(hidden)):
            if attribute in _hidden:
                sys.audit("course.behind_response", f"{_cls.__name__}.{attribute}")
            return super(_cls, self).__getattribute__(attribute)

        cls.__getattribute__ = get


class RunPlugin:
    """Collect the learner's module from the source handed over; record each test's verdict."""

    def __init__(self, lesson: Lesson, learner_path: Path, learner: str, reverse: bool, channel):
        self.lesson = lesson
        self.learner_path = learner_path
        self.learner = learner
        self.reverse = reverse
        self.channel = channel
        self.collected: list[str] = []
        self.verdicts: dict[str, list[str]] = {}
        self.names: dict[str, str] = {}  # nodeid -> test
        self.current: str | None = None

    def pytest_configure(self, config):
        # Reading the plugin manager from a learner's frame is recorded (Watch).
        config.__class__ = _watched_config(type(config))

    def pytest_pycollect_makemodule(self, module_path, parent):
        if Path(module_path) == self.learner_path:
            return LearnerModule.from_parent(parent, path=Path(module_path), plugin=self)
        return None

    def pytest_collection_modifyitems(self, session, config, items):
        mine = [item for item in items if Path(item.path) == self.learner_path]
        for item in mine:
            file_id = item.nodeid.split("::", 1)[0]
            self.names[item.nodeid] = item.nodeid[len(file_id) + 2 :]
        self.collected = [self.names[item.nodeid] for item in mine]
        items[:] = mine[::-1] if self.reverse else mine

    def pytest_collectreport(self, report):
        if report.failed:
            text = getattr(report, "longreprtext", "") or str(report.longrepr)
            self.channel.send({"collect_error": text[-1500:]})

    def pytest_runtest_logstart(self, nodeid, location):
        self.current = self.names.get(nodeid)

    def pytest_runtest_logreport(self, report):
        test = self.names.get(report.nodeid)
        if test is None:
            return
        verdict = self.verdicts.setdefault(test, ["pass", ""])
        if report.failed and verdict[0] == "pass":
            verdict[0] = "fail" if report.when == "call" else "error"
            message = getattr(report, "learner_message", None) or report.longreprtext
            verdict[1] = _short(message)
        elif report.skipped and verdict[0] == "pass":
            verdict[0] = "skip"
        if report.when == "teardown":
            self.current = None


def _watched_config(cls):
    """A subclass of pytest's Config whose `pluginmanager` and `hook` note a learner's reads."""

    def getter(name):
        def get(self):
            caller = sys._getframe(1).f_code.co_filename
            if caller == self.__dict__.get("_course_learner_file"):
                sys.audit("course.pluginmanager", name)
            return self.__dict__[name]

        def put(self, value):
            self.__dict__[name] = value

        return property(get, put)

    return type(
        cls.__name__, (cls,), {"pluginmanager": getter("pluginmanager"), "hook": getter("hook")}
    )


def _short(message: str, limit: int = 600) -> str:
    """A learner test's failure in a few lines: pytest's explanation without object addresses."""
    lines = [line for line in str(message).splitlines() if " object at 0x" not in line]
    message = " ".join(" ".join(lines[:4]).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


class LearnerModule(pytest.Module):
    """The learner's module, compiled from the source the parent read, with pytest's asserts."""

    def __init__(self, *, plugin: RunPlugin, **kwargs):
        super().__init__(**kwargs)
        self.plugin = plugin
        self.config.__dict__["_course_learner_file"] = str(self.path)

    def _getobj(self):
        import ast

        from _pytest.assertion.rewrite import rewrite_asserts

        plugin = self.plugin
        name = next(iter(plugin.lesson.learner_modules().values()))
        source = plugin.learner
        tree = ast.parse(source, filename=str(self.path))
        rewrite_asserts(tree, source.encode(), str(self.path), self.config)
        module = types.ModuleType(name)
        module.__file__ = str(self.path)
        module.__package__ = name.rpartition(".")[0]
        sys.modules[name] = module
        exec(compile(tree, str(self.path), "exec", dont_inherit=True), module.__dict__)
        return module


# ------------------------------------------------------------------------ what is watched

# Audit events that look at code, the stack or the process's objects, and what they mean.
_LOOKS = {
    "object.__getattr__": "reads the code of a function or a frame ({detail})",
    "sys._getframe": "walks the stack (sys._getframe)",
    "sys._current_frames": "walks the stack (sys._current_frames)",
    "gc.get_objects": "walks the process's objects (gc.get_objects)",
    "gc.get_referrers": "walks the process's objects (gc.get_referrers)",
    "gc.get_referents": "walks the process's objects (gc.get_referents)",
    "sys.settrace": "traces the code (sys.settrace)",
    "sys.setprofile": "traces the code (sys.setprofile)",
    "marshal.dumps": "serialises code (marshal)",
    "marshal.loads": "loads code (marshal)",
    "marshal.dump": "serialises code (marshal)",
    "marshal.load": "loads code (marshal)",
    "code.__new__": "builds code objects",
    "function.__new__": "builds functions from code objects",
    "course.pluginmanager": "asks pytest for its plugins (config.{detail})",
    "course.behind_response": "reads the objects behind a response ({detail}), not what it says",
    "ctypes.dlopen": "uses native code (ctypes)",
    "ctypes.cdata": "uses native code (ctypes)",
    "ctypes.call_function": "uses native code (ctypes)",
}
# Only when the learner's own line makes the call: the standard library calls these for itself.
_DIRECT = {"sys._getframe", "course.behind_response"}
_READS = {"open", "os.listdir", "os.scandir"}


def _stdlib_folders() -> tuple[str, ...]:
    """The standard library's folder (where `os` lives: never a virtual environment's)."""
    folder = os.path.dirname(os.__file__)
    return tuple({os.path.normcase(f) + os.sep for f in (folder, os.path.realpath(folder))})


def _is_stdlib(filename: str, stdlib: tuple[str, ...]) -> bool:
    if filename.startswith("<"):  # frozen modules: the import system, runpy, codecs
        return True
    filename = os.path.normcase(filename)
    return filename.startswith(stdlib) and "site-packages" not in filename


class Watch:
    """An audit hook in each run: what the learner's code looks at besides the API.

    Recorded, on the channel (the verdicts name the test and the line) and, under the grader,
    in its event log (review flags): the events in `_LOOKS` made by the learner's code, also
    through the standard library (`inspect.getsource`, `dis`), and files it reads outside its
    own folder: the course's other files (the tested module, the mutants, the reference), other
    processes' /proc entries. Reads by the import system, Django, pytest are not the learner's.
    """

    def __init__(self, lesson: Lesson, learner_path: Path, plugin: RunPlugin, channel, log):

        self.learner = str(learner_path)
        self.folder = os.path.normcase(os.path.realpath(learner_path.parent)) + os.sep
        self.course = os.path.normcase(os.path.realpath(ROOT)) + os.sep
        self.environment = os.path.normcase(os.path.realpath(sys.prefix)) + os.sep
        self.tested = os.path.normcase(os.path.realpath(lesson.folder / lesson.tested_module))
        self.stdlib = _stdlib_folders()
        self.own = (__file__, sys.modules[Watch.__module__].__file__)
        self.plugin = plugin
        self.channel = channel
        self.log = log
        self.busy = False
        self.seen: set[tuple] = set()

    def __call__(self, event: str, args: tuple) -> None:
        if self.busy or (event not in _LOOKS and event not in _READS):
            return
        self.busy = True
        try:
            self._handle(event, args)
        finally:
            self.busy = False

    def _handle(self, event: str, args: tuple) -> None:
        if event in _READS:
            path = args[0] if args else None
            if (
                event == "open"
                and len(args) > 1
                and isinstance(args[1], str)
                and set(args[1]) & set("wax+")
            ):
                return
            if not isinstance(path, (str, bytes, os.PathLike)):
                return
            text = os.path.normcase(os.path.realpath(os.fsdecode(path)))
            if not self._outside(text):
                return
            where = self._learner_line(direct=False, imports_too=False)
            if where:
                shown = text[len(self.course) :] if text.startswith(self.course) else text
                shown = shown.replace(os.sep, "/")
                self._note("read", f"reads {shown}, outside its own folder", where, event=shown)
            return
        detail = ""
        if event == "object.__getattr__":
            detail = str(args[1]) if len(args) > 1 else ""
        elif event in ("course.pluginmanager", "course.behind_response"):
            detail = str(args[0]) if args else "pluginmanager"
        where = self._learner_line(direct=event in _DIRECT, imports_too=True)
        if where:
            self._note("looked", _LOOKS[event].format(detail=detail), where, event=detail or event)

    def _outside(self, path: str) -> bool:
        if path == self.tested:
            return True
        if path.startswith(self.folder):
            return False
        if path.startswith("/proc/"):
            return not path.startswith((f"/proc/{os.getpid()}/", "/proc/self/"))
        return path.startswith(self.course) and not path.startswith(self.environment)

    def _learner_line(self, direct: bool, imports_too: bool) -> str | None:
        """`exercise.py, line N` when the learner's code made the call, itself or through the
        standard library; None when the import system, or any other library, did."""
        frame = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename in self.own:
            frame = frame.f_back
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename == self.learner:
                parts = Path(filename).parts
                return f"lessons/{parts[-2]}/{parts[-1]}, line {frame.f_lineno}"
            if direct:
                return None
            if filename.startswith("<frozen importlib") and not imports_too:
                return None
            if not _is_stdlib(filename, self.stdlib):
                return None
            frame = frame.f_back
        return None

    def _note(self, kind: str, why: str, where: str, event: str = "") -> None:
        test = self.plugin.current
        key = (why, where, test)
        if key in self.seen or len(self.seen) > 100:
            return
        self.seen.add(key)
        self.channel.send({"looked": why, "where": where, "test": test})
        if self.log is not None:
            record = {"kind": kind, "event": event or why, "detail": event or why, "where": where}
            self.log.write(record)


def main(argv: list[str]) -> int:
    return serve(argv)


if __name__ == "__main__":
    exit_code = 3
    try:
        exit_code = main(sys.argv[1:])
    finally:
        flush_streams()
        os._exit(exit_code)  # no atexit handler a learner's test module registered runs
