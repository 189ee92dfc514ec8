"""Grade a class: each submission in its own process; scores, reports and feedback for all.

`python -m course grade SUBMISSIONS --out DIR` calls main(); grade() does the work and returns
one StudentResult per student, sorted by name. SUBMISSIONS holds one folder or .zip per
student. For each one the grader unpacks a zip safely, finds the course checkout inside it,
copies only the learner files the manifests name into a fresh scratch target, and runs the
graded tests against that target in a separate `python -m pytest` process, through the same
plugin and command line as `course check` (course.checking.pytest_args). It writes in DIR:

- results/<student>.json  Exercism's test-runner v3 shape, plus points, duration, exercises;
- feedback/<student>.md   what the student would see from `check`, or why it could not run;
- grades.csv              one row per student, one column per exercise;
- report.html             the class at a glance, self-contained.

The class-wide files are built from the per-student JSON records alone
(write_class_outputs), so that joining shards later only has to read results/*.json.
Before trusting any grade, the reference solutions are graded the same way, alongside the
students: if they do not earn full marks the environment is broken and nothing is written.

What isolation does and does not stop. A separate process per submission, in its own process
group, with a wall-clock timeout (the whole group is killed), and on POSIX an address-space
limit and a file-size limit, contains crashes, endless loops, early exits (sys.exit,
os._exit), memory hogs and floods of output: that submission gets status "error" with a
message and 0 points, and the others are graded as if it were not there. Grades are read
only after the process group is gone. It is not a sandbox: the code runs as the grading user,
so it can read any file that user can read (other submissions being graded at the same time
included), write outside its scratch folder, use the network, start a process that leaves
its process group, and forge its own results from inside the test process. The grader makes
such tampering visible rather than impossible: it flags code that touches the test machinery,
results whose fingerprint of the loaded file differs from the file copied, and runs that do
not report exactly the reference's tests. Grade untrusted classes as an unprivileged user in
a container or VM without network.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import html
import io
import json
import os
import re
import shutil
import signal
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tokenize
import unicodedata
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from course import ROOT, checking, render
from course.checking import CheckReport
from course.manifest import SOLUTIONS_DIR, Lesson, all_lessons
from course.targets import ENV_VAR, Target

try:
    import resource  # POSIX only; imported here so that preexec_fn never imports
except ImportError:  # Windows: no resource limits, the timeout still applies
    resource = None

MAX_ZIP_BYTES = 50 * 1024 * 1024  # uncompressed, all members together
MAX_ZIP_MEMBERS = 10_000
MAX_LEARNER_FILE_BYTES = 1024 * 1024
MAX_WRITE_BYTES = 64 * 1024 * 1024  # RLIMIT_FSIZE: no file the tests write (the log included)
OUTPUT_TAIL_CHARS = 4000  # of the test process's output, kept for errors
REFERENCE_NAME = "reference solutions"

# The environment must not change how a submission is graded.
_DROPPED_ENV = {
    ENV_VAR,  # --target decides whose files are graded
    "DJANGO_SETTINGS_MODULE",  # would override pyproject's test settings
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_CURRENT_TEST",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
}
_PYTEST_EXIT = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}


class SubmissionError(Exception):
    """A submission that cannot be graded as handed in; the message says why."""


class GradingError(RuntimeError):
    """The grading environment cannot be trusted (the reference solutions fail)."""


class _Stopped(Exception):
    """Grading was stopped (interrupt, failed reference) before this submission ran."""


# ------------------------------------------------------------------------------ results


@dataclass
class StudentResult:
    """One student's grade: a CheckReport when the tests ran to the end, else an error."""

    name: str  # as handed in: the folder's or zip's name without .zip
    slug: str  # safe for file names and unique in the class
    status: str  # Exercism's top-level status: pass, fail or error
    message: str | None  # why the status is error
    duration: float
    report: CheckReport | None = None
    flags: list[str] = field(default_factory=list)
    output: str = ""  # the tail of the test process's output, for errors
    loaded_files: dict = field(default_factory=dict)

    @property
    def possible(self) -> int:
        return sum(lesson.points for lesson in all_lessons())

    @property
    def earned(self) -> float:
        return self.report.earned if self.report and self.status != "error" else 0.0

    @property
    def percent(self) -> float:
        return round(100 * self.earned / self.possible, 1) if self.possible else 0.0

    def exercises(self) -> dict[str, dict]:
        """Per exercise, keyed like the CSV columns (`01.E1`): earned, points, passed."""
        scores = {
            _column(lesson, ex): {"earned": 0.0, "points": ex.points, "passed": False}
            for lesson in all_lessons()
            for ex in lesson.exercises
        }
        if self.report and self.status != "error":
            for lesson_result in self.report.lessons:
                for ex in lesson_result.exercises:
                    scores[_column(lesson_result.lesson, ex.exercise)].update(
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
                            "exercise": _column(lesson_result.lesson, ex.exercise),
                            "status": status,
                            "message": test.message if status != "pass" else None,
                            "output": test.output or None,
                            "test_code": test.test_code,
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
            "exercises": self.exercises(),
            "loaded_files": self.loaded_files,
            "load_errors": {
                lr.lesson.slug: lr.load_error
                for lr in (self.report.lessons if self.report else [])
                if lr.load_error
            },
            "flags": self.flags,
            "output": self.output if self.status == "error" else None,
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


def _column(lesson: Lesson, exercise) -> str:
    return f"{lesson.nn}.{exercise.id}"


# -------------------------------------------------------------------------- submissions


@dataclass(frozen=True)
class Submission:
    name: str
    slug: str
    path: Path  # a folder or a .zip


def safe_name(name: str) -> str:
    """A file name for `name` on any system: ASCII letters, digits, `.`, `_` and `-`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._-")[:80] or "student"
    reserved = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT") for i in range(10))}
    return f"_{slug}" if slug.split(".")[0].upper() in reserved else slug


def find_submissions(
    folder: Path, exclude: Path | None = None
) -> tuple[list[Submission], list[Path]]:
    """The students in `folder`, sorted by name, and the entries that are not submissions."""
    entries, skipped = [], []
    excluded = exclude.resolve() if exclude else None
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX" or entry.resolve() == excluded:
            continue
        if entry.is_dir():
            entries.append((entry.name, entry))
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            entries.append((entry.name[: -len(".zip")], entry))
        else:
            skipped.append(entry)
    entries.sort(key=lambda item: (item[0], item[1].name))
    submissions, taken = [], set()
    for name, path in entries:
        slug = base = safe_name(name)
        # Case-insensitive: "Alice" and "alice" must not share a file on macOS or Windows.
        for n in range(2, len(entries) + 2):
            if slug.lower() not in taken:
                break
            slug = f"{base}-{n}"
        taken.add(slug.lower())
        submissions.append(Submission(name, slug, path))
    return submissions, skipped


def unpack_zip(archive: Path, dest: Path) -> None:
    """Unpack `archive` into `dest`, refusing anything that could write elsewhere or explode."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_members(archive.name, infos)
            _extract(archive.name, zf, infos, dest)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise SubmissionError(f"{archive.name} could not be unpacked: {exc}") from None


def _check_members(label: str, infos: list[zipfile.ZipInfo]) -> None:
    """Reject the whole zip before writing anything: a partial unpack would mislead."""
    if len(infos) > MAX_ZIP_MEMBERS:
        raise SubmissionError(
            f"Rejected {label}: it has {len(infos)} members; at most {MAX_ZIP_MEMBERS} are accepted."
        )
    declared = sum(info.file_size for info in infos)
    if declared > MAX_ZIP_BYTES:
        raise SubmissionError(
            f"Rejected {label}: it unpacks to {declared / 2**20:.0f} MB; "
            f"at most {MAX_ZIP_BYTES // 2**20} MB are accepted."
        )
    for info in infos:
        name = info.filename.replace("\\", "/")
        if (
            name.startswith("/")
            or re.match(r"[A-Za-z]:", name)
            or ".." in PurePosixPath(name).parts
        ):
            raise SubmissionError(
                f"Rejected {label}: the member {info.filename!r} would be written outside the "
                "submission folder (absolute paths and '..' are not allowed)."
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionError(
                f"Rejected {label}: the member {info.filename!r} is a symbolic link."
            )
        if info.flag_bits & 0x1:
            raise SubmissionError(f"Rejected {label}: the member {info.filename!r} is encrypted.")


def _extract(label: str, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], dest: Path) -> None:
    # Count the bytes actually written: a member's declared size is the zip's own claim.
    written = 0
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if not parts:
            continue
        path = dest.joinpath(*parts)
        if info.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as source, path.open("wb") as sink:
            while chunk := source.read(1 << 16):
                written += len(chunk)
                if written > MAX_ZIP_BYTES:
                    raise SubmissionError(
                        f"Rejected {label}: it unpacks to more than {MAX_ZIP_BYTES // 2**20} MB."
                    )
                sink.write(chunk)


def find_root(folder: Path) -> Path:
    """The folder holding lessons/ or lNN_topic folders: `folder` itself or one level down."""
    if _holds_lessons(folder):
        return folder
    inside = [
        c for c in sorted(folder.iterdir()) if c.is_dir() and not c.name.startswith((".", "__"))
    ]
    found = [c for c in inside if _holds_lessons(c)]
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(c.name for c in found)
        raise SubmissionError(
            f"The submission holds several course folders ({names}); hand in one."
        )
    example = all_lessons()[0].slug
    raise SubmissionError(
        f"The submission holds no lessons/ folder and no lesson folder such as {example}/, "
        "at the top or one folder down."
    )


def _holds_lessons(folder: Path) -> bool:
    return (folder / "lessons").is_dir() or any(
        (folder / lesson.slug).is_dir() for lesson in all_lessons()
    )


def copy_learner_files(root: Path, boundary: Path, target: Path) -> dict[str, bytes]:
    """Copy the manifests' learner files from `root` to `target/lNN_topic/`; nothing else.

    Returns the sources copied, keyed by the path the student knows them by
    (lessons/lNN_topic/exercise.py). A missing file is left missing: its tests say so.
    """
    source = Target("submission", root)  # the same lookup as `check --target PATH`
    boundary = boundary.resolve()
    copied = {}
    for lesson in all_lessons():
        for name in lesson.learner_files:
            path = source.learner_file(lesson, name)
            shown = f"lessons/{lesson.slug}/{name}"
            if not (path.exists() or path.is_symlink()):
                continue
            # A link could hand in someone else's file, the reference solution included.
            if path.is_symlink() or not path.resolve().is_relative_to(boundary):
                raise SubmissionError(
                    f"Rejected: {shown} is a link to a file outside the submission."
                )
            if not path.is_file() or path.stat().st_size > MAX_LEARNER_FILE_BYTES:
                raise SubmissionError(
                    f"Rejected: {shown} is not a source file of at most {MAX_LEARNER_FILE_BYTES // 1024} KB."
                )
            data = path.read_bytes()
            (target / lesson.slug).mkdir(parents=True, exist_ok=True)
            (target / lesson.slug / name).write_bytes(data)
            copied[shown] = data
    return copied


# ---------------------------------------------------------------- review flags (static)

_SUSPICIOUS = {
    "test machinery": re.compile(
        r"\b_?pytest\b|\bconftest\b|\bsys\s*\.\s*modules\b|\bmeta_path\b|"
        r"^\s*(?:from|import)\s+course\b(?!\.stubs\b)",
        re.M,
    ),
    "exits": re.compile(r"\b(?:os\s*\.\s*_exit|sys\s*\.\s*exit|exit|quit)\s*\("),
    "dynamic code": re.compile(
        r"(?<![\w.])(?:exec|eval|compile|__import__)\s*\(|\bimportlib\b|\b__builtins__\b|\bbuiltins\b"
    ),
    "introspection": re.compile(
        r"\bsys\s*\.\s*(?:_getframe|settrace|setprofile)\b|\bgc\s*\.|\binspect\b"
    ),
    "processes or files": re.compile(
        r"\b(?:subprocess|multiprocessing|ctypes|signal|atexit|shutil|socket)\b|"
        r"\bos\s*\.\s*(?:system|popen|fork|kill|remove|unlink|rename|replace|walk|listdir|scandir|chdir)\b|"
        r"(?<![\w.])open\s*\("
    ),
}


def review_flags(sources: dict[str, bytes]) -> list[str]:
    """Words in the code (not in comments or strings) that a learner file rarely needs.

    A heuristic for a human to look at, never a verdict: obfuscated code evades it.
    """
    found = set()
    for data in sources.values():
        code = _code_only(data.decode("utf-8", errors="replace"))
        found.update(label for label, pattern in _SUSPICIOUS.items() if pattern.search(code))
    return [f"code uses {', '.join(sorted(found))}"] if found else []


# Python 3.12+ splits f-strings into several tokens; their literal text is FSTRING_MIDDLE.
_BLANKED_TOKENS = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}


def _code_only(source: str) -> str:
    """`source` with comments and string literals blanked out, lines kept in place."""
    lines = source.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source  # broken code: scan it as it is
    for token in tokens:
        if token.type not in _BLANKED_TOKENS:
            continue
        (first, start), (last, end) = token.start, token.end
        for row in range(first, last + 1):
            line = lines[row - 1]
            lo = start if row == first else 0
            hi = end if row == last else len(line.rstrip("\r\n"))
            lines[row - 1] = line[:lo] + " " * (hi - lo) + line[hi:]
    return "".join(lines)


# ------------------------------------------------------------------- running the tests


@dataclass
class RunOutcome:
    """What a test process left behind."""

    payload: dict | None  # the plugin's results, when written and readable
    returncode: int | None
    timed_out: bool
    output: str  # the tail of stdout and stderr
    unreadable: str | None = None  # why a results file that exists could not be read


class _Children:
    """The test processes running now, so that an interrupt stops every one of them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._stopping = False

    def spawn(self, command: list[str], **kwargs) -> subprocess.Popen:
        with self._lock:
            if self._stopping:
                raise _Stopped("grading was stopped")
            process = subprocess.Popen(command, **kwargs)
            self._running.add(process)
            return process

    def end(self, process: subprocess.Popen) -> None:
        """Kill what is left of the process's group (a child it started, say) and reap it."""
        _kill_group(process)
        process.wait()
        with self._lock:
            self._running.discard(process)

    def stop_all(self) -> None:
        with self._lock:
            self._stopping = True
            for process in self._running:
                _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()  # Windows: the process only; pytest starts no children of its own
    except OSError:
        pass  # already gone


def _limit_resources(memory_mb: int) -> None:
    """preexec_fn, in the child between fork and exec.

    preexec_fn is documented as unsafe when the parent has threads (ours runs a pool): this
    one only makes C calls on a module imported beforehand, so it takes no Python-level lock.
    Soft and hard limits are both set so that the submission cannot raise them again.
    """
    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, MAX_WRITE_BYTES)]
    if memory_mb > 0:
        limits.append((resource.RLIMIT_AS, memory_mb * 1024 * 1024))
    for kind, value in limits:
        try:
            _soft, hard = resource.getrlimit(kind)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass  # macOS refuses RLIMIT_AS; the timeout still applies


def _isolation(memory_mb: int) -> dict:
    """Popen arguments: a process group of its own, and resource limits where there are any."""
    if os.name != "posix":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True, "preexec_fn": functools.partial(_limit_resources, memory_mb)}


def child_environment(tmp: Path) -> dict[str, str]:
    """The test process's environment: the course importable, temporary files in scratch."""
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED_ENV}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONHASHSEED="0",  # the same submission always runs the same way
        PYTHONUTF8="1",  # a learner's non-ASCII print never crashes on a narrow console encoding
        TMPDIR=str(tmp),
        TEMP=str(tmp),
        TMP=str(tmp),
    )
    return env


def _tail(path: Path, chars: int = OUTPUT_TAIL_CHARS) -> str:
    """The end of a log that may be huge, without reading the rest."""
    try:
        with path.open("rb") as log:
            log.seek(max(0, path.stat().st_size - 4 * chars))
            return log.read().decode("utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def _scrub(value, replacements: list[tuple[str, str]]):
    """Replace scratch paths in every string of a JSON value by what the student knows."""
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_scrub(item, replacements) for item in value]
    if isinstance(value, dict):
        return {_scrub(k, replacements): _scrub(v, replacements) for k, v in value.items()}
    return value


# ------------------------------------------------------------------------------ grading


@dataclass
class Grader:
    """Grade one submission at a time, each in a process of its own, under `scratch`.

    A faster design (a warm parent forking a child per submission) replaces run_tests.
    """

    scratch: Path
    timeout: float = 120.0
    memory_mb: int = 1024
    children: _Children = field(default_factory=_Children)

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
            copied = copy_learner_files(find_root(boundary), boundary, target)
            outcome = self.run_tests(target, work / "run")
            return _judge(submission, outcome, copied, target, work, self.timeout, started)
        except SubmissionError as exc:
            return _error(submission, str(exc), started)
        except Exception as exc:  # a grader bug or an odd file system must not stop the class
            return _error(
                submission, f"Internal grading error: {type(exc).__name__}: {exc}", started
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def run_tests(self, target: Path, run: Path) -> RunOutcome:
        """Run the graded tests against `target` in a child process with cwd `run`."""
        tmp = run / "tmp"
        tmp.mkdir(parents=True)
        results, log_path = run / "results.json", run / "output.log"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *checking.pytest_args(list(all_lessons()), str(target), results),
        ]
        # Output goes to a file, never a pipe: a student printing megabytes costs disk (capped
        # by RLIMIT_FSIZE), not the grader's memory, and we read only the tail.
        with log_path.open("wb") as log:
            process = self.children.spawn(
                command,
                cwd=run,
                env=child_environment(tmp),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                **_isolation(self.memory_mb),
            )
            timed_out = False
            try:
                process.wait(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                self.children.end(process)
        payload, unreadable = None, None
        if results.is_file() and not timed_out:
            try:
                payload = json.loads(results.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                unreadable = f"{type(exc).__name__}: {exc}"
        return RunOutcome(payload, process.returncode, timed_out, _tail(log_path), unreadable)


def _error(submission: Submission, message: str, started: float, **extra) -> StudentResult:
    duration = time.perf_counter() - started
    return StudentResult(submission.name, submission.slug, "error", message, duration, **extra)


def _judge(submission, outcome, copied, target, work, timeout, started) -> StudentResult:
    """Turn a finished run into a result: an error unless the tests ran to the end."""
    replacements = [
        (str(target.resolve()), "lessons"),
        (str(target), "lessons"),
        (str(work.resolve()), "<scratch>"),
        (str(work), "<scratch>"),
    ]
    output = _scrub(outcome.output, replacements)
    payload = _scrub(outcome.payload, replacements) if outcome.payload is not None else None
    flags = review_flags(copied)
    problem = _run_problem(outcome, payload, timeout)
    loaded = (payload or {}).get("loaded_files", {})
    if problem:
        return _error(submission, problem, started, flags=flags, output=output, loaded_files=loaded)
    if _fingerprints(loaded) != {
        path: hashlib.sha256(data).hexdigest() for path, data in copied.items()
    }:
        flags.append("loaded files differ from the files handed in")
    report = checking.build_report(payload, list(all_lessons()), submission.name)
    passed = all(lesson.passed for lesson in report.lessons)
    duration = time.perf_counter() - started
    return StudentResult(
        submission.name,
        submission.slug,
        "pass" if passed else "fail",
        None,
        duration,
        report,
        flags=flags,
        output=output,
        loaded_files=loaded,
    )


def _fingerprints(loaded: dict) -> dict[str, str]:
    """The plugin's loaded_files as {lessons/lNN_topic/file: sha256}, missing files left out."""
    return {
        path.replace("\\", "/"): digest
        for files in loaded.values()
        if isinstance(files, dict)
        for path, digest in files.items()
        if digest
    }


def _run_problem(outcome: RunOutcome, payload: dict | None, timeout: float) -> str | None:
    """Why the run's results cannot be trusted, in words for the student; None when they can."""
    code = outcome.returncode
    if outcome.timed_out:
        return (
            f"Stopped after {timeout:g} s: the tests did not finish in time. An endless loop "
            "(at import, or in a view) is the usual cause."
        )
    if payload is None:
        if outcome.unreadable:
            return f"The test process left results that cannot be read ({outcome.unreadable})."
        return _died(code)
    if code not in (0, 1):
        meaning = _PYTEST_EXIT.get(code, "an unexpected exit")
        return f"The tests stopped early: pytest exited with code {code} ({meaning})."
    tests = payload.get("tests") or []
    if not tests:
        return "No graded test ran."
    for test in tests:
        message = test.get("message") or ""
        if message.startswith("SystemExit"):
            return (
                f"Your code ended the test process ({message.splitlines()[0]}) during "
                f"{test.get('name')}. A submission must not call sys.exit(), exit() or quit(): "
                "remove that call."
            )
    return None


def _died(code: int | None) -> str:
    if code is not None and code < 0 and os.name == "posix":
        name = signal.Signals(-code).name if -code in signal.valid_signals() else f"signal {-code}"
        if -code == getattr(signal, "SIGXFSZ", None):
            why = f"it wrote a file larger than {MAX_WRITE_BYTES // 2**20} MB (printing in a loop?)"
        else:
            why = "it crashed (out of memory, or a crash in native code)"
        return f"The test process was killed by {name} before writing results: {why}."
    return (
        f"The test process exited (code {code}) before writing any results. Code that calls "
        "os._exit() or otherwise ends the interpreter stops the tests."
    )


def _test_ids(result: StudentResult) -> set[tuple[str, str]]:
    return {(test["exercise"], test["name"]) for test in result.tests()}


def _require_reference(result: StudentResult) -> None:
    if result.status == "pass":
        return
    why = result.message or next(
        (t["message"] for t in result.tests() if t["status"] != "pass"), "a test fails"
    )
    raise GradingError(
        f"The reference solutions earn {result.earned:g}/{result.possible} in this environment, "
        f"so no grade can be trusted and none was written. First problem: {why}\n{result.output[-1500:]}"
    )


def grade(
    submissions: Path,
    out: Path,
    jobs: int = 1,
    timeout: float = 120.0,
    memory_mb: int = 1024,
    *,
    scratch: Path | None = None,
    console=None,
) -> list[StudentResult]:
    """Grade every submission in `submissions`, write the outputs in `out`, return the results.

    `scratch` (default: a new temporary folder, removed afterwards) is where submissions are
    unpacked and run; `console`, a rich Console, shows progress (None: quiet).
    """
    students, skipped = find_submissions(Path(submissions), exclude=Path(out))
    if console is not None and skipped:
        console.print(
            f"[dim]Skipped {len(skipped)} entries that are neither a folder nor a .zip.[/]"
        )
    own_scratch = scratch is None
    scratch = Path(tempfile.mkdtemp(prefix="course-grade-")) if own_scratch else Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    grader = Grader(scratch, timeout, memory_mb)
    try:
        reference, results = _grade_all(grader, students, max(1, jobs), console)
    finally:
        if own_scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    expected = _test_ids(reference)
    for result in results:
        if result.status != "error" and _test_ids(result) != expected:
            result.flags.append("the run did not report exactly the course's tests")
    write_outputs(results, Path(out), reference)
    return results


def _grade_all(grader: Grader, students: list[Submission], jobs: int, console):
    from rich.markup import escape

    reference = Submission(REFERENCE_NAME, "reference", SOLUTIONS_DIR)
    reference_result: StudentResult | None = None
    results: list[StudentResult] = []
    with _progress(console) as progress, ThreadPoolExecutor(jobs, "grade") as pool:
        task = progress.add_task("Grading", total=len(students))
        reference_future = pool.submit(grader.grade, reference)
        futures = [pool.submit(grader.grade, student) for student in students]
        try:
            for future in as_completed([reference_future, *futures]):
                result = future.result()
                if future is reference_future:
                    _require_reference(result)  # fail fast: the class's grades would be wrong
                    reference_result = result
                    continue
                results.append(result)
                progress.advance(task)
                if result.status == "error" or result.flags:
                    note = f" · {'; '.join(result.flags)}" if result.flags else ""
                    progress.console.print(
                        f"[yellow]{escape(result.name)}[/]: {result.status}{escape(note)}"
                    )
        except BaseException:
            for future in futures:
                future.cancel()
            grader.children.stop_all()
            raise
    results.sort(key=lambda r: (r.name, r.slug))
    return reference_result, results


def _progress(console):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console or Console(quiet=True),
        disable=console is None,
    )


# ------------------------------------------------------------------------------ outputs


def write_outputs(results: list[StudentResult], out: Path, reference: StudentResult | None) -> None:
    """Per student results/<slug>.json and feedback/<slug>.md, then the class-wide files."""
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    records = []
    for result in results:
        record = result.to_json()
        text = json.dumps(record, indent=1, ensure_ascii=False) + "\n"
        (out / "results" / f"{result.slug}.json").write_text(text, encoding="utf-8")
        (out / "feedback" / f"{result.slug}.md").write_text(result.feedback(), encoding="utf-8")
        records.append(record)
    write_class_outputs(records, out, reference.to_json() if reference else None)


def write_class_outputs(records: list[dict], out: Path, reference: dict | None = None) -> None:
    """grades.csv and report.html from the per-student JSON records alone."""
    out.mkdir(parents=True, exist_ok=True)
    columns = [_column(lesson, ex) for lesson in all_lessons() for ex in lesson.exercises]
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow(["student", *columns, "total", "possible", "percent", "status", "flags"])
        for record in records:
            scores = record["exercises"]
            writer.writerow(
                [
                    _csv_safe(record["student"]),
                    *(f"{scores.get(c, {}).get('earned', 0):g}" for c in columns),
                    f"{record['points']:g}",
                    record["max_points"],
                    f"{record['percent']:.1f}",
                    record["status"],
                    _csv_safe("; ".join(record["flags"])),
                ]
            )
    (out / "report.html").write_text(report_html(records, columns, reference), encoding="utf-8")


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas: a name like =HYPERLINK(...) stays text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{padding:.25rem .5rem;text-align:left;
border-bottom:1px solid #eee;vertical-align:top}th{background:#f6f6f6}
.num{text-align:right;white-space:nowrap}.bar{background:#eee;width:10rem;height:.8rem}
.bar>div{background:#3a7;height:100%}.pass{color:#185}.fail{color:#a60}.error{color:#b22}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;
padding:.5rem 1rem}.card b{display:block;font-size:1.4rem}pre{white-space:pre-wrap;margin:0;
font-size:12px;max-height:8rem;overflow:auto}.muted{color:#777}
"""


def report_html(records: list[dict], columns: list[str], reference: dict | None = None) -> str:
    """The class at a glance, one self-contained page; every student-made string escaped."""
    e = html.escape
    percents = [r["percent"] for r in records]
    count = len(records)
    mean = statistics.fmean(percents) if percents else 0.0
    median = statistics.median(percents) if percents else 0.0
    passed = sum(r["status"] == "pass" for r in records)
    errors = [r for r in records if r["status"] == "error"]
    cards = [
        ("students", str(count)),
        ("mean", f"{mean:.1f}%"),
        ("median", f"{median:.1f}%"),
        ("all passed", str(passed)),
        ("errors", str(len(errors))),
        ("flagged", str(sum(bool(r["flags"]) for r in records))),
    ]
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>Class report</title><style>" + _CSS + "</style></head><body>",
        "<h1>Class report</h1>",
        f"<p class=muted>Generated {e(time.strftime('%Y-%m-%d %H:%M'))}."
        + (
            f" Reference solutions: {reference['points']:g}/{reference['max_points']}"
            f" in {reference['duration']:.1f} s.</p>"
            if reference
            else "</p>"
        ),
        "<div class=cards>"
        + "".join(f"<div class=card><b>{e(v)}</b>{e(k)}</div>" for k, v in cards)
        + "</div>",
        "<h2>Score distribution</h2>",
        _histogram(percents),
        "<h2>Exercises, most failed first</h2>",
        "<p class=muted>Among all submissions: one with an error passes none.</p>",
        _exercise_table(records, columns),
        "<h2>Tests, most failed first</h2>",
        "<p class=muted>Among submissions whose tests ran to the end.</p>",
        _test_table(records),
        "<h2>Slowest submissions</h2>",
        _table(
            ["student", "seconds", "status"],
            [
                (e(r["student"]), f"{r['duration']:.1f}", _status(r["status"]))
                for r in sorted(records, key=lambda r: -r["duration"])[:10]
            ],
        ),
        "<h2>Submissions with errors</h2>",
        _table(
            ["student", "message"],
            [(e(r["student"]), f"<pre>{e(r['message'] or '')}</pre>") for r in errors],
        ),
        "<h2>Flagged for review</h2>",
        _table(
            ["student", "flags"],
            [(e(r["student"]), e("; ".join(r["flags"]))) for r in records if r["flags"]],
        ),
        "<h2>All students</h2>",
        _table(
            ["student", "points", "percent", "status", "flags"],
            [
                (
                    e(r["student"]),
                    f"{r['points']:g}/{r['max_points']}",
                    f"{r['percent']:.1f}%",
                    _status(r["status"]),
                    e("; ".join(r["flags"])),
                )
                for r in records
            ],
        ),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _status(status: str) -> str:
    return f"<span class={html.escape(status)}>{html.escape(status)}</span>"


def _table(headers: list[str], rows: list[tuple]) -> str:
    if not rows:
        return "<p class=muted>None.</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _rate_cells(passed: int, total: int) -> tuple[str, str]:
    share = passed / total if total else 0.0
    bar = f"<div class=bar><div style='width:{100 * share:.0f}%'></div></div>"
    return f"{passed}/{total} ({100 * share:.0f}%)", bar


def _exercise_table(records: list[dict], columns: list[str]) -> str:
    rows = []
    for column in columns:
        passed = sum(r["exercises"].get(column, {}).get("passed", False) for r in records)
        rows.append((passed / len(records) if records else 0.0, column, passed))
    rows.sort()
    return _table(
        ["exercise", "passed", ""],
        [(html.escape(column), *_rate_cells(passed, len(records))) for _, column, passed in rows],
    )


def _test_table(records: list[dict]) -> str:
    counts: dict[tuple[str, str], list[int]] = {}
    for record in records:
        for test in record["tests"]:
            tally = counts.setdefault((test["exercise"], test["name"]), [0, 0])
            tally[0] += test["status"] == "pass"
            tally[1] += 1
    rows = sorted(counts.items(), key=lambda item: (item[1][0] / item[1][1], item[0]))
    return _table(
        ["exercise", "test", "passed", ""],
        [
            (html.escape(exercise), html.escape(name), *_rate_cells(passed, ran))
            for (exercise, name), (passed, ran) in rows
        ],
    )


def _histogram(percents: list[float]) -> str:
    """Ten bars of ten percent each (100 % in the last), as inline SVG."""
    bins = [0] * 10
    for value in percents:
        bins[min(int(value // 10), 9)] += 1
    tallest = max(bins) or 1
    width, height, gap = 44, 120, 6
    bars = []
    for i, n in enumerate(bins):
        h = height * n / tallest
        x = i * (width + gap)
        bars.append(
            f"<rect x={x} y={height - h + 16:.1f} width={width} height={h:.1f} fill='#3a7'/>"
            f"<text x={x + width / 2} y={height - h + 12:.1f} text-anchor=middle font-size=12>"
            f"{n or ''}</text>"
            f"<text x={x + width / 2} y={height + 32} text-anchor=middle font-size=11>"
            f"{i * 10}–{100 if i == 9 else i * 10 + 9}%</text>"
        )
    total_width = 10 * (width + gap)
    return (
        f"<svg role=img aria-label='histogram of percent scores' width={total_width} "
        f"height={height + 40} xmlns='http://www.w3.org/2000/svg'>{''.join(bars)}</svg>"
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
    console.print(f"Wrote {escape(str(out))}/: grades.csv, report.html, results/, feedback/")


def main(args) -> int:
    """The `grade` verb: 0 when grading ran (whatever the grades), 1 if it could not be trusted,
    2 on a usage error."""
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    submissions = Path(args.submissions)
    problems = []
    if not submissions.is_dir():
        problems.append(
            f"SUBMISSIONS must be a folder with one folder or .zip per student: {submissions}"
        )
    if args.jobs < 1:
        problems.append("--jobs must be at least 1.")
    if args.timeout <= 0:
        problems.append("--timeout must be a positive number of seconds.")
    if args.memory < 0:
        problems.append("--memory must be a number of MiB (0: no limit).")
    if problems:
        for problem in problems:
            console.print(f"[red]{escape(problem)}[/]")
        return 2
    started = time.perf_counter()
    try:
        results = grade(
            submissions, Path(args.out), args.jobs, args.timeout, args.memory, console=console
        )
    except GradingError as exc:
        console.print(f"[bold red]Grading stopped.[/] {escape(str(exc))}")
        return 1
    except KeyboardInterrupt:
        console.print("[red]Interrupted: every test process was stopped; nothing was written.[/]")
        return 130
    print_summary(console, results, Path(args.out), time.perf_counter() - started)
    return 0
