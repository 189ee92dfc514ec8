"""Run one submission's tests in a process of its own: forked from a warm parent, or started anew.

Two runners give the same verdicts, because both run course.grading.child.run in the test
process:

- ForkRunner (Linux): a warm parent (course.grading.forkserver) has already imported Django,
  pytest, the graded test modules and the framework code the lessons use, and built the test
  database once; it forks a child per submission. Each child pays only for its own tests.
- SubprocessRunner (macOS, Windows, or when asked): a fresh `python -m course.grading.child`
  per submission, the portable way. macOS has fork(), but forking a process that has loaded
  system frameworks without exec'ing is unsafe there, so it takes this path too.

Each run gets a folder (`run`) inside its submission's scratch folder; the test process
writes results.json, child.json, events.jsonl and output.log there, and the runner reads them
once the process, and whatever it started in its session, is gone.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from course import ROOT
from course.grading.limits import CHILD, EVENTS, OUTPUT, RESULTS, limit_resources
from course.targets import ENV_VAR

OUTPUT_TAIL_CHARS = 4000  # of the test process's output, kept for errors
WARM_UP_SECONDS = 300  # the warm parent's start, at most (it grades the reference once)

# The environment must not change how a submission is graded.
_DROPPED_ENV = {
    ENV_VAR,  # the request decides whose files are graded
    "DJANGO_SETTINGS_MODULE",  # would override pyproject's test settings
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_CURRENT_TEST",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
    "PYTHONDONTWRITEBYTECODE",  # the test process sets sys.dont_write_bytecode itself
}


class Stopped(Exception):
    """Grading was stopped (interrupt, failed reference) before this submission ran."""


class RunnerBroken(RuntimeError):
    """The runner itself failed (the warm parent died): not the submission's fault."""


@dataclass
class RunOutcome:
    """What a test process left behind."""

    payload: dict | None  # the course plugin's records, when written and readable
    child: dict | None  # child.json: exit code, files loaded, machinery changed
    events: list[dict]  # events.jsonl: audit records and the tests started
    returncode: int | None  # negative: killed by that signal
    timed_out: bool
    output: str  # the tail of stdout and stderr
    unreadable: str | None = None  # why a results file that exists could not be read

    @property
    def last_test(self) -> str | None:
        tests = [e["test"] for e in self.events if e.get("kind") == "test"]
        return tests[-1] if tests else None


def child_environment() -> dict[str, str]:
    """The test process's environment: the course importable, the same hashing every time."""
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED_ENV}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONHASHSEED="0",  # the same submission always runs the same way
        PYTHONUTF8="1",  # a learner's non-ASCII print never crashes on a narrow console encoding
    )
    return env


def read_outcome(run: Path, returncode, timed_out: bool) -> RunOutcome:
    payload, unreadable = None, None
    results = run / RESULTS
    if results.is_file() and not timed_out:
        try:
            payload = json.loads(results.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            unreadable = f"{type(exc).__name__}: {exc}"
    child = None
    try:
        child = json.loads((run / CHILD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    events = []
    try:
        with (run / EVENTS).open(encoding="utf-8", errors="replace") as lines:
            for line in itertools.islice(lines, 5000):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    events.append(record)
    except OSError:
        pass
    return RunOutcome(payload, child, events, returncode, timed_out, tail(run / OUTPUT), unreadable)


def tail(path: Path, chars: int = OUTPUT_TAIL_CHARS) -> str:
    """The end of a log that may be huge, without reading the rest."""
    try:
        with path.open("rb") as log:
            log.seek(max(0, path.stat().st_size - 4 * chars))
            return log.read().decode("utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def _kill_group(pid: int) -> None:
    try:
        if os.name == "posix":
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGTERM)  # Windows: TerminateProcess
    except OSError:
        pass  # already gone


# ---------------------------------------------------------------------- the portable way


class SubprocessRunner:
    """A fresh interpreter per submission, in a process group of its own."""

    name = "subprocess"

    def __init__(self, memory_mb: int):
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._stopping = False

    def start(self) -> dict:
        return {"runner": self.name}

    def run(self, request: dict, timeout: float) -> RunOutcome:
        run = Path(request["run"])
        (run / "request.json").write_text(json.dumps(request), encoding="utf-8")
        command = [sys.executable, "-m", "course.grading.child", str(run / "request.json")]
        # Output goes to a file, never a pipe: a student printing megabytes costs disk (capped
        # by RLIMIT_FSIZE), not the grader's memory, and only the tail is read.
        with (run / OUTPUT).open("wb") as log:
            with self._lock:
                if self._stopping:
                    raise Stopped("grading was stopped")
                process = subprocess.Popen(
                    command,
                    cwd=run,
                    env=child_environment(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    **self._isolation(timeout),
                )
                self._running.add(process)
            timed_out = False
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                _kill_group(process.pid)  # and anything it started in its group
                process.wait()
                with self._lock:
                    self._running.discard(process)
        return read_outcome(run, process.returncode, timed_out)

    def _isolation(self, timeout: float) -> dict:
        if os.name != "posix":
            return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        return {
            "start_new_session": True,
            "preexec_fn": functools.partial(limit_resources, self.memory_mb, timeout + 5),
        }

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            for process in self._running:
                _kill_group(process.pid)

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- the fast way


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    reply: dict | None = None


class ForkRunner:
    """Ask the warm parent (course.grading.forkserver) to fork a child per submission.

    The warm parent is a separate `python -m course.grading.forkserver` process, started with
    exec: the grader here runs threads (a pool, the progress bar), and a process with threads
    must not fork. The warm parent is single-threaded; it talks JSON lines over its stdin and
    stdout, keeps each child's wall clock and kills the child's whole session at the limit.
    """

    name = "fork"

    def __init__(self, scratch: Path, lessons: list[str], memory_mb: int):
        self.scratch = scratch
        self.lessons = lessons
        self.memory_mb = memory_mb
        self.process: subprocess.Popen | None = None
        self._write_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._broken: str | None = None
        self._stopping = False

    @staticmethod
    def available() -> bool:
        return sys.platform.startswith("linux") and hasattr(os, "fork")

    def start(self) -> dict:
        """Start the warm parent and wait until it is ready; RunnerBroken if it cannot be."""
        log_path = self.scratch / "forkserver.log"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "course.grading.forkserver"],
                cwd=ROOT,
                env=child_environment(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,  # Ctrl+C reaches the grader, which stops it in order
            )
        settings = {
            "lessons": self.lessons,
            "memory_mb": self.memory_mb,
            "scratch": str(self.scratch),
        }
        self._send(settings)
        ready: dict = {}
        reader = threading.Thread(target=self._first_line, args=(ready,), daemon=True)
        reader.start()
        reader.join(WARM_UP_SECONDS)
        if ready.get("event") != "ready":
            self.close()
            why = ready.get("error") or "it did not answer in time"
            raise RunnerBroken(f"The warm parent could not start: {why}\n{tail(log_path)}")
        threading.Thread(target=self._read_replies, name="forkserver-replies", daemon=True).start()
        return {"runner": self.name, **{k: v for k, v in ready.items() if k != "event"}}

    def _first_line(self, into: dict) -> None:
        line = self.process.stdout.readline()
        try:
            into.update(json.loads(line))
        except ValueError:
            into["error"] = "it ended before it was ready"

    def _send(self, message: dict) -> None:
        data = (json.dumps(message) + "\n").encode()
        with self._write_lock:
            self.process.stdin.write(data)
            self.process.stdin.flush()

    def _read_replies(self) -> None:
        for line in self.process.stdout:
            try:
                reply = json.loads(line)
            except ValueError:
                continue
            pending = self._pending.get(reply.get("id"))
            if pending is not None and reply.get("event") == "done":
                pending.reply = reply
                pending.done.set()
        self._broken = self._broken or "the warm parent ended unexpectedly"
        for pending in list(self._pending.values()):
            pending.done.set()

    def run(self, request: dict, timeout: float) -> RunOutcome:
        if self._stopping:
            raise Stopped("grading was stopped")
        if self._broken:
            raise RunnerBroken(self._broken)
        number = next(self._ids)
        pending = self._pending[number] = _Pending()
        run = Path(request["run"])
        try:
            self._send({"id": number, "request": request, "timeout": timeout})
        except OSError as exc:
            self._broken = f"the warm parent cannot be reached ({exc})"
            raise RunnerBroken(self._broken) from None
        pending.done.wait()
        self._pending.pop(number, None)
        reply = pending.reply
        if reply is None:
            if self._stopping:
                raise Stopped("grading was stopped")
            raise RunnerBroken(self._broken or "the warm parent gave no answer")
        return read_outcome(run, reply.get("returncode"), reply.get("timed_out", False))

    def stop(self) -> None:
        """Stop every child: the warm parent kills them all when its input closes."""
        self._stopping = True
        self.close()

    def close(self) -> None:
        if self.process is None:
            return
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _kill_group(self.process.pid)
            self.process.wait()


def make_runner(kind: str, scratch: Path, lessons: list[str], memory_mb: int):
    """`auto` forks where it can (Linux) and falls back to the portable way elsewhere."""
    if kind == "fork" or (kind == "auto" and ForkRunner.available()):
        if not ForkRunner.available():
            raise RunnerBroken("--runner fork needs Linux; use --runner subprocess here.")
        return ForkRunner(scratch, lessons, memory_mb)
    return SubprocessRunner(memory_mb)
