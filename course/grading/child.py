"""The test process of one submission: guard it, run the graded tests, say what happened.

The same code runs in a child forked by the warm parent (course.grading.forkserver) and, on
the portable path, as `python -m course.grading.child REQUEST.json`; either way it runs the
graded tests through `pytest.main` with the course's plugin and `checking.pytest_args`, so its
verdicts are `course check`'s. On top of them it adds, for the grader only:

- a per-test time limit (pytest-timeout, which the course already uses), so an endless loop
  in one view fails the tests that call it rather than the whole submission; a loop at import
  is turned into that lesson's load error at once instead of costing every test its limit;
- an audit hook (sys.addaudithook, which Python code cannot remove), installed before any
  learner code runs: it refuses opens for writing outside the submission's own scratch
  folder, reads of other submissions and of the grader's output, new processes and network
  connections, and records them, and what the code did to look inside the test process
  (gc.get_objects, sys.settrace, ctypes ...), with the learner file and line when the call
  comes from a learner file;
- a snapshot of the test machinery (the course's modules, the graded test modules, pytest,
  pluggy, pytest-django, builtins, the registered hook implementations and the collected
  tests) taken after collection and compared after the run: anything rebound is reported;
- child.json: the exit code, the sha256 of every learner file as it was compiled (from
  course.targets.LOADED, so the grader can tell which file was really tested), and the
  snapshot's differences; events.jsonl: the audit records and the test being run, written as
  they happen, so a process that dies still says where it was.

None of this is a sandbox: see the package docstring for what it cannot stop.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import random
import signal
import sys
import tempfile
import threading
import types
from pathlib import Path

import pytest

from course.grading.limits import CHILD, EVENTS, MAX_EVENTS, RESULTS

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
# Audit events that change the file system, and which of their arguments are paths.
_FILE_CHANGES = {
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.chflags": (0,),
    "os.lchflags": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (1,),
    "shutil.copytree": (1,),
    "shutil.move": (1,),
}
_LINKS = {"os.symlink", "os.link"}  # a link out of the scratch folder would defeat the check
_READS = {"os.listdir", "os.scandir", "os.chdir"}
_PROCESSES = {
    "subprocess.Popen",
    "os.system",
    "os.fork",
    "os.forkpty",
    "os.exec",
    "os.posix_spawn",
    "os.spawn",
    "os.startfile",
    "pty.spawn",
}
_SIGNALS = {"os.kill", "os.killpg"}
_NETWORK = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
_INTROSPECTION = {
    "gc.get_objects",
    "gc.get_referrers",
    "gc.get_referents",
    "sys.settrace",
    "sys.setprofile",
    "sys._current_frames",
    "sys.addaudithook",
    "ctypes.dlopen",
    "ctypes.dlsym",
    "ctypes.call_function",
    "ctypes.cdata",
}
_HANDLED = frozenset(
    {"open", "sqlite3.connect", *_FILE_CHANGES, *_LINKS, *_READS, *_PROCESSES, *_SIGNALS}
    | _NETWORK
    | _INTROSPECTION
)


# ------------------------------------------------------------------------ the process


def _prepare(request: dict) -> None:
    """cwd and temporary files in the scratch folder; nothing cached outside it."""
    run = Path(request["run"])
    tmp = run / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    os.chdir(run)
    for name in ("TMPDIR", "TEMP", "TMP"):
        os.environ[name] = str(tmp)
    tempfile.tempdir = None  # forget the warm parent's choice
    sys.dont_write_bytecode = True  # no __pycache__ written next to anything
    if hasattr(signal, "SIGXFSZ"):
        # Past RLIMIT_FSIZE a write fails with EFBIG (the learner's print raises) instead of
        # killing the process: the other tests still run.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    gc.disable()  # as `course check`: a short run, the collector only costs time
    # A forked child would inherit the warm parent's generator; every test process starts
    # from the same one instead, forked or not.
    random.seed(0)


class EventLog:
    """JSON lines appended with os.write, so a record survives a process that dies next."""

    def __init__(self, path: Path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.count = 0
        self.lock = threading.Lock()

    def write(self, record: dict, *, always: bool = False) -> None:
        with self.lock:
            if not always:
                if self.count >= MAX_EVENTS:
                    return
                self.count += 1
            try:
                os.write(self.fd, (json.dumps(record, default=str) + "\n").encode())
            except OSError:
                pass


# -------------------------------------------------------------------------- the guard


def _norm(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _roots(paths) -> tuple[str, ...]:
    """Each folder as given and as resolved (a temporary folder may sit behind a link)."""
    found = []
    for path in paths:
        for form in (_norm(path), os.path.normcase(os.path.realpath(path))):
            if form not in found:
                found.append(form)
    return tuple(found)


def _inside(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class Guard:
    """An audit hook: refuse what a submission has no business doing, and write it down.

    Refused (PermissionError, and recorded): opening for writing, creating, removing or
    renaming anything outside the submission's own scratch folder; links; reading other
    submissions, the scratch folders of others or the grader's output; starting processes;
    signalling other processes; network connections. Recorded only: looking inside the test
    process (gc, tracing, ctypes), when a learner file is on the stack.

    One command may start: a lesson graded by mutation runs the learner's tests in processes
    of their own (course/mutation.py), forked from a warm process started as exactly
    `nested.command()` with this guard's limits in it (the same command for every run, so
    it names no implementation); each forked run installs the same guard (with
    `allow_nested=False`) before it reads the learner's file, so the learner's code never runs
    unguarded, and the warm process runs none.
    """

    def __init__(
        self, request: dict, log: EventLog, allow_nested: bool = True, serving: bool = False
    ):
        from course.grading.nested import guard_of, is_nested_run
        from course.manifest import find_lesson
        from course.services import is_service_command

        self.log = log
        # A lesson whose tests start services (its manifest's `services`: lesson 15's PostgreSQL
        # and gunicorn) may start those commands (course.services.is_service_command) and
        # signal its own descendants, from the course's code only (no learner frame on the
        # stack). Each such process that runs learner code installs this same guard first
        # (guard_from_environment), so that code runs guarded.
        self.services = allow_nested and any(
            find_lesson(slug).services for slug in request.get("lessons") or []
        )
        # A server that forks its workers after loading the learner's code (lesson 15's
        # gunicorn, preloaded) may fork and signal its own descendants, from its own code only:
        # a forked worker keeps this hook.
        self.serving = serving
        self.nested = guard_of(request) if allow_nested else None
        self.is_nested_run = is_nested_run
        self.is_service_command = is_service_command
        self.own = _roots([request["own"]])
        self.forbidden = _roots(request.get("forbidden", []))
        self.learner = _roots([request["target"]])
        self.labels = sorted(
            (
                (root, label)
                for path, label in request.get("labels", {}).items()
                for root in _roots([path])
            ),
            key=lambda item: -len(item[0]),
        )
        # The null device, and this process's own output (which goes to its log anyway).
        self.devices = {_norm(path) for path in (os.devnull, "/dev/stdout", "/dev/stderr")}
        self.pid = os.getpid()
        self.seen: set[tuple[str, str]] = set()

    def __call__(self, event: str, args: tuple) -> None:
        if event not in _HANDLED:
            return
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            writing = bool(isinstance(flags, int) and flags & _WRITE_FLAGS) or bool(
                isinstance(mode, str) and set(mode) & set("wax+")
            )
            self._path(event, path, writing)
        elif event == "sqlite3.connect":
            name = args[0] if args else None
            text = os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else ""
            if text and text != ":memory:" and "mode=memory" not in text:
                self._path(event, text.removeprefix("file:").split("?")[0], True)
        elif event in _FILE_CHANGES:
            for index in _FILE_CHANGES[event]:
                if index < len(args):
                    self._path(event, args[index], True)
        elif event in _LINKS:
            if self._link_within_own(args) and self._learner_frame() is None:
                return  # pytest's `pytest-current` beside a tmp_path: it leads nowhere else
            self._refuse(
                event, "links are not allowed", self._show(args[1] if len(args) > 1 else "")
            )
        elif event in _READS:
            if args:
                self._path(event, args[0], False)
        elif event in _PROCESSES:
            if (
                self.nested is not None
                and event == "subprocess.Popen"
                and len(args) > 1
                and self.is_nested_run(args[1], self.nested)
            ):
                return
            if (
                self.services
                and event == "subprocess.Popen"
                and len(args) > 1
                and self._learner_frame() is None
                and self.is_service_command(args[1])
            ):
                return
            if self.serving and event == "os.fork" and self._learner_frame() is None:
                return
            self._refuse(event, "a submission may not start processes", self._command(args))
        elif event in _SIGNALS:
            pid = args[0] if args else None
            if (
                (self.services or self.serving)
                and self._learner_frame() is None
                and _descends_from(pid, self.pid)
            ):
                return
            if pid not in (self.pid, 0):
                self._refuse(event, "a submission may not signal other processes", str(pid))
        elif event in _NETWORK:
            # This machine only: libraries probe for IPv6 by binding a socket to ::1.
            address = args[1] if len(args) > 1 else ""
            host = address[0] if isinstance(address, tuple) and address else address
            if not (
                isinstance(host, str) and (host in ("::1", "localhost") or host.startswith("127."))
            ):
                self._refuse(event, "a submission may not use the network", str(address)[:100])
        elif event in _INTROSPECTION:
            # Only a call made by learner code itself: pytest-timeout, say, walks the frames
            # of a loop it is stopping while that loop's learner frame is on the stack.
            where = self._learner_frame(direct=True)
            if where:
                self._record("flag", event, "", where)

    def _path(self, event: str, path, writing: bool) -> None:
        if isinstance(path, int) or path is None:
            return  # a file descriptor: its opening was checked
        try:
            text = _norm(os.fsdecode(os.fspath(path)))
        except (TypeError, ValueError):
            return
        if writing:
            if text in self.devices or _inside(text, self.own):
                return
            if _inside(os.path.normcase(os.path.realpath(text)), self.own):
                return
            self._refuse(event, "writing outside its own folder", self._show(text))
        elif (
            self.forbidden
            and not _inside(text, self.own)
            and (
                _inside(text, self.forbidden)
                # A link (or a folder reached through one) must not lead into a forbidden one.
                or _inside(os.path.normcase(os.path.realpath(text)), self.forbidden)
            )
        ):
            self._refuse(event, "reading other submissions or the grader's files", self._show(text))

    def _link_within_own(self, args: tuple) -> bool:
        """A link made in the submission's own scratch folder that points inside it."""
        if len(args) < 2 or (len(args) > 2 and args[2] not in (None, -1)):
            return False  # relative to a directory descriptor (-1: the working directory)
        try:
            target, link = (os.fsdecode(os.fspath(arg)) for arg in args[:2])
        except TypeError:
            return False
        folder = os.path.realpath(os.path.dirname(_norm(link)))
        pointed = os.path.realpath(os.path.join(folder, target))
        return _inside(os.path.normcase(folder), self.own) and _inside(
            os.path.normcase(pointed), self.own
        )

    def _refuse(self, event: str, why: str, detail: str) -> None:
        self._record("refused", event, detail, self._learner_frame(), why)
        raise PermissionError(errno.EACCES, f"Refused by the grader: {why}", detail)

    def _record(self, kind: str, event: str, detail: str, where: str | None, why: str = "") -> None:
        key = (event, detail)
        if key in self.seen or len(self.seen) >= MAX_EVENTS:
            return  # the log keeps MAX_EVENTS records anyway
        self.seen.add(key)
        self.log.write({"kind": kind, "event": event, "detail": detail, "where": where, "why": why})

    def _show(self, path) -> str:
        """A path in words the instructor knows: <submissions>/bob/..., tests/lessons/..."""
        text = _norm(os.fsdecode(os.fspath(path))) if path != "" else ""
        for form in (text, os.path.normcase(os.path.realpath(text)) if text else ""):
            for root, label in self.labels:
                if _inside(form, (root,)):
                    rest = form[len(root) :].lstrip(os.sep).replace(os.sep, "/")
                    return f"{label}/{rest}" if rest else label
        return text

    @staticmethod
    def _command(args) -> str:
        first = args[1] if len(args) > 1 else (args[0] if args else "")
        return (
            " ".join(map(str, first))[:100]
            if isinstance(first, (list, tuple))
            else str(first)[:100]
        )

    def _learner_frame(self, direct: bool = False) -> str | None:
        """`lessons/lNN_topic/exercise.py, line N` when a learner file is on the stack
        (`direct`: when it is the Python code that made the audited call)."""
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back  # this module's own frames
        while frame is not None:
            filename = frame.f_code.co_filename
            if _inside(os.path.normcase(filename), self.learner):
                parts = Path(filename).parts
                return f"lessons/{parts[-2]}/{parts[-1]}, line {frame.f_lineno}"
            if direct:
                return None
            frame = frame.f_back
        return None


def _descends_from(pid, ancestor: int) -> bool:
    """Whether process `pid` is a child, grandchild... of `ancestor` (Linux's /proc; else False)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    for _ in range(64):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state: the parent
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
    return False


def guard_from_environment(serving: bool = False) -> None:
    """Install the grader's guard in a process a lesson's tests started (lesson 15's gunicorn,
    its manage.py commands), before it loads any learner code; outside the grader (no guard in
    the environment) do nothing. `serving`: a server that forks its workers afterwards."""
    from course.grading.nested import GUARD_ENV

    value = os.environ.get(GUARD_ENV)
    guard = json.loads(value) if value else None
    if isinstance(guard, dict):
        sys.dont_write_bytecode = True  # as in the test process: no __pycache__ in the course
        log = EventLog(Path(guard["run"]) / EVENTS)
        sys.addaudithook(Guard(guard, log, allow_nested=False, serving=serving))


# ------------------------------------------------------------------ the test machinery


_WATCHED_NAMES = frozenset({"builtins", "json", "pathlib", "pytest", "pluggy", "pytest_django"})
_WATCHED_PREFIXES = ("course.", "_pytest.", "pluggy.", "pytest_django.", "pytest_timeout")


def _watched_modules() -> list[tuple[str, types.ModuleType]]:
    """The course's modules, the graded test modules, pytest and its plugins, builtins."""
    from course import ROOT

    tests = str(ROOT / "tests") + os.sep
    found = []
    for name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType):
            continue
        if name in _WATCHED_NAMES or name.startswith(_WATCHED_PREFIXES):
            found.append((name, module))
        else:
            path = getattr(module, "__file__", None)
            if isinstance(path, str) and path.startswith(tests):
                found.append((name, module))
    return found


def snapshot_machinery(session) -> dict:
    """Every attribute of the watched modules and of their classes, kept by identity."""
    state: dict[str, object] = {}
    for name, module in _watched_modules():
        for attr, value in list(vars(module).items()):
            state[f"{name}.{attr}"] = value
            kind = type(value)
            if kind is types.FunctionType:
                state[f"{name}.{attr}.__code__"] = value.__code__
            elif isinstance(value, type) and value.__dict__.get("__module__") == name:
                for inner, member in list(vars(value).items()):
                    state[f"{name}.{attr}.{inner}"] = member
                    if type(member) is types.FunctionType:
                        state[f"{name}.{attr}.{inner}.__code__"] = member.__code__
    hooks = session.config.pluginmanager.hook
    for hook_name, caller in list(vars(hooks).items()):
        implementations = getattr(caller, "get_hookimpls", None)
        if implementations:
            state[f"hook {hook_name}"] = tuple(impl.function for impl in implementations())
    state["plugins"] = tuple(session.config.pluginmanager.get_plugins())
    for item in session.items:
        state[f"test {item.nodeid}"] = getattr(item, "obj", None)
        state[f"test {item.nodeid} runtest"] = vars(item).get("runtest")
    state["sys.meta_path"] = tuple(sys.meta_path)
    return state


def compare_machinery(before: dict, after: dict) -> list[str]:
    """Names whose value is no longer the same object (new hooks and plugins included)."""
    changed = []
    for key, value in after.items():
        if key not in before:
            if key.startswith("hook "):
                changed.append(key)
            continue
        old = before[key]
        same = old is value
        if isinstance(old, tuple) and isinstance(value, tuple):
            same = len(old) == len(value) and all(a is b for a, b in zip(old, value, strict=True))
        if not same:
            changed.append(key)
    changed += [key for key in before if key not in after and not key.startswith("test ")]
    # A replaced function also has another __code__: name it once.
    replaced = set(changed)
    return sorted(k for k in changed if not (k.endswith(".__code__") and k[:-9] in replaced))


class GraderPlugin:
    """The grader's own pytest plugin in the test process (the course's plugin does the rest)."""

    def __init__(self, request: dict, log: EventLog):
        self.log = log
        self.test_timeout = float(request["test_timeout"])
        self.learner = _roots([request["target"]])
        self.before: dict | None = None
        self.changed: list[str] = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        # After collection, before the first test: no learner code has run yet (the course
        # plugin imports it in the first test's setup).
        self.before = snapshot_machinery(session)

    def pytest_runtest_logstart(self, nodeid, location):
        self.log.write({"kind": "test", "test": nodeid}, always=True)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.excinfo is not None and _is_timeout(call.excinfo.value):
            module = self._importing(call.excinfo.tb)
            if module is not None:
                self._give_up_import(item.config, *module)
        return report

    def _importing(self, tb) -> tuple[str, str] | None:
        """(module, file) of the learner module whose top level was running, if any."""
        found = None
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_name == "<module>" and _inside(
                os.path.normcase(code.co_filename), self.learner
            ):
                found = (tb.tb_frame.f_globals.get("__name__", ""), code.co_filename)
            tb = tb.tb_next
        return found

    def _give_up_import(self, config, module: str, filename: str) -> None:
        """A loop at import: the lesson does not load, and no later test waits for it again."""
        from course.loading import LoadError
        from course.manifest import find_lesson
        from course.pytest_plugin import LOAD_ERRORS_KEY

        parts = Path(filename).parts
        shown = f"lessons/{parts[-2]}/{parts[-1]}"
        message = (
            f"{shown} did not finish loading within {self.test_timeout:g} s: an endless loop "
            "at import (code outside any function that never ends)?"
        )
        # None in sys.modules: any later import of it fails at once (the playground's URLconf
        # then shows the lesson as broken) instead of running the loop again.
        sys.modules[module] = None
        try:
            lesson = find_lesson(parts[-2])
        except LookupError:
            return
        errors = config.stash.get(LOAD_ERRORS_KEY, None)
        if errors is not None:
            errors[lesson.slug] = LoadError(lesson.slug, message, file=shown)
        self.log.write({"kind": "import-timeout", "file": shown}, always=True)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session, exitstatus):
        # Still inside the session: pytest undoes its own patches (legacypath, the assertion
        # rewriting import hook) only when it unconfigures.
        if self.before is not None:
            self.changed = compare_machinery(self.before, snapshot_machinery(session))


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, pytest.fail.Exception) and "from pytest-timeout" in str(exc)


# --------------------------------------------------------------------------- database

# (image, name) set by the warm parent: its test database, serialized once it was built, and
# the database NAME the settings had before (what Django's teardown puts back).
DATABASE_IMAGE: tuple[bytes, str] | None = None


def use_database_image() -> None:
    """Let pytest-django's database setup restore the warm parent's image instead of building.

    pytest-django builds the test database with django.test.utils.setup_databases; here, for
    the one in-memory SQLite database the graded tests use, that call restores the image the
    warm parent built with the same function, in milliseconds. Anything else (another alias,
    another engine) is built as usual.
    """
    if DATABASE_IMAGE is None:
        return
    import sqlite3

    import django.test.utils as utils

    image, original = DATABASE_IMAGE
    build = utils.setup_databases

    def setup_databases(verbosity, interactive, *, aliases=None, serialized_aliases=None, **kwargs):
        from django.db import connections

        connection = connections["default"]
        if set(aliases or ()) != {"default"} or serialized_aliases or connection.vendor != "sqlite":
            return build(
                verbosity,
                interactive,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                **kwargs,
            )
        connection.close()
        connection.ensure_connection()
        source = sqlite3.connect(":memory:")
        try:
            source.deserialize(image)
            source.backup(connection.connection)
        finally:
            source.close()
        return [(connection, original, True)]

    utils.setup_databases = setup_databases


# -------------------------------------------------------------------------------- run


def run(request: dict) -> int:
    """Run the graded tests for one submission in this process; the pytest exit code."""
    from course import checking, targets
    from course.grading.nested import GUARD_ENV
    from course.manifest import find_lesson

    run_dir = Path(request["run"])
    _prepare(request)
    log = EventLog(run_dir / EVENTS)
    lessons = [find_lesson(slug) for slug in request["lessons"]]
    args = [
        *checking.pytest_args(
            lessons,
            request["target"],
            run_dir / RESULTS,
            request.get("transport", "client"),
            exercises=request.get("exercises"),
        ),
        f"--timeout={request['test_timeout']}",
        # A learner's sys.settrace() must not switch the time limit off.
        "--timeout-disable-debugger-detection",
        *(["--exitfirst"] if request.get("first_failure") else []),
    ]
    if request.get("database_url"):  # a database of its own on the batch's shared server
        from course.services import DATABASE_ENV

        os.environ[DATABASE_ENV] = request["database_url"]
    plugin = GraderPlugin(request, log)
    targets.LOADED.clear()
    guard = Guard(request, log)
    # A lesson graded by mutation starts its learner's tests under these same limits.
    os.environ[GUARD_ENV] = json.dumps(guard.nested)
    sys.addaudithook(guard)  # from here on, for the rest of this process
    code = pytest.main(args, plugins=[plugin])
    record = {
        "exit": int(code),
        "loaded": dict(targets.LOADED),
        "changed": plugin.changed,
    }
    (run_dir / CHILD).write_text(json.dumps(record), encoding="utf-8")
    return int(code)


def main(argv: list[str]) -> None:
    """`python -m course.grading.child REQUEST.json`: the portable path, one process each."""
    from course.grading.nested import flush_streams  # before any learner code can change imports

    request = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    code = 3
    try:
        code = run(request)
    finally:
        flush_streams()
        os._exit(code)  # no atexit handler a submission registered runs


if __name__ == "__main__":
    main(sys.argv[1:])
