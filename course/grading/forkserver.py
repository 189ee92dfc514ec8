"""The warm parent: import once, build the test database once, fork a child per submission.

`python -m course.grading.forkserver`, started by runners.ForkRunner (Linux only). It reads
one line of settings on stdin, warms up, answers `{"event": "ready", ...}` on stdout, then
serves requests, one JSON line each: `{"id", "request", "timeout"}`. For each it forks a
child that runs course.grading.child.run(request) and answers `{"id", "event": "done",
"returncode", "timed_out"}` once the child and everything in its session are gone.
When its stdin closes it kills every child and ends.

Warming up, measured pitfalls kept in mind (see the README's grading notes):

- The parent imports framework code, never a learner module or a URLconf that holds one: a
  parent that had imported the URLconf made every child keep the reference's views. It runs
  pytest once with --collect-only (Django set up, plugins and graded test modules imported and
  assertion-rewritten: no test runs, so no fixture state is left behind), then imports the
  modules the reference solutions needed in a probe child that ran each lesson's first test,
  and builds Django's template engines, leaving out
  everything under lessons/, solutions/ and tests/, the playground's URLconf and anything
  that turns out to pull in a learner module. Whatever learner module is found loaded
  anyway is dropped, and each child's course plugin installs its own target, which drops the
  learner modules and URLconfs again and clears Django's URL caches. Each child records which
  learner file it compiled (course.targets.LOADED); the grader checks it.
- The test database is built once, by pytest-django's own routine (setup_databases, with
  migrations disabled as --no-migrations does), and serialized; a child restores the image
  into its in-memory database instead of building one (child.use_database_image).
- Database connections are closed before any fork; the collector's objects are frozen
  (gc.freeze) so that children do not copy pages by touching them.
- A child leaves its session's process group (setsid), gets resource limits and a parent
  death signal, redirects its output to its log, and leaves with os._exit.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import selectors
import signal
import sys
import time
import traceback
from pathlib import Path

from course import ROOT
from course.grading.limits import OUTPUT, limit_resources

PROBE_SECONDS = 240


def _lessons(slugs):
    from course.manifest import find_lesson

    return [find_lesson(slug) for slug in slugs]


def _learner_modules() -> set[str]:
    from course.manifest import all_lessons

    names = {"playground_project.urls"}
    for lesson in all_lessons():
        names.update(lesson.learner_modules().values())
        names.add(f"lessons.{lesson.slug}.urls")
    return names


def _collect(lessons, scratch: Path) -> dict:
    """pytest --collect-only in this process: Django, plugins and test modules imported."""
    import pytest

    from course import checking

    seen = {"first": {}}

    class Remember:
        def pytest_configure(self, config):
            seen["nomigrations"] = bool(config.getvalue("nomigrations"))

        def pytest_collection_finish(self, session):
            for item in session.items:
                seen["first"].setdefault(str(item.path), item.nodeid)

    sink = io.StringIO()
    args = [*checking.pytest_args(lessons, "lessons", scratch / "collect.json"), "--collect-only"]
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        code = pytest.main(args, plugins=[Remember()])
    if code != 0:
        raise RuntimeError(
            f"collecting the graded tests failed (exit {code}):\n{sink.getvalue()[-3000:]}"
        )
    return seen


def _probe(lessons, first: dict[str, str], scratch: Path) -> list[str]:
    """The modules the reference solutions import, measured in a throwaway child.

    It runs each lesson's first test only: a tenth of the time of every test, and nearly every
    module (the template machinery some later tests reach is warmed separately).
    """
    import pytest

    from course import checking

    tests = [first.get(str(lesson.test_file)) for lesson in lessons]
    args = checking.pytest_args(
        lessons, "solutions", scratch / "probe.json", tests=[str(ROOT / t) for t in tests if t]
    )

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the probe child
        code = 1
        try:
            os.close(read)
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            os.setsid()
            before = set(sys.modules)
            pytest.main(args)
            names = [name for name in sys.modules if name not in before]
            os.write(write, json.dumps(names).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    chunks, deadline = [], time.monotonic() + PROBE_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(read, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read)
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    try:
        return json.loads(b"".join(chunks) or b"[]")
    except ValueError:
        return []


def _import_framework(names: list[str]) -> tuple[int, list[str]]:
    """Import the probe's modules that are framework code; roll back any that pulls in learner code."""
    import importlib

    from course.loading import display_path

    learner = _learner_modules()
    course_parts = [ROOT / "lessons", ROOT / "solutions", ROOT / "tests"]
    imported, refused = 0, []
    for name in names:
        if name in sys.modules or name in learner or name.startswith(("lessons.", "__main__")):
            continue
        if name.startswith("course.grading") or name == "tests" or name.startswith("tests."):
            continue
        before = set(sys.modules)
        try:
            module = importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - optional imports of optional packages fail
            for extra in set(sys.modules) - before:
                sys.modules.pop(extra, None)
            continue
        where = Path(getattr(module, "__file__", "") or "/")
        added = set(sys.modules) - before
        if added & learner or any(where.is_relative_to(part) for part in course_parts):
            for extra in added:
                sys.modules.pop(extra, None)
            refused.append(display_path(where))
            continue
        imported += 1
    return imported, refused


def _warm_templates() -> None:
    """Django's template engines, their loaders and every installed tag library (404 pages,
    the browsable API): built here once rather than in every child that renders one."""
    try:
        import django.views.defaults  # noqa: F401
        from django.template import engines

        for engine in engines.all():
            inner = getattr(engine, "engine", None)
            if inner is not None:
                inner.template_loaders  # noqa: B018 - a property that builds the loaders
    except Exception:  # noqa: BLE001 - only a warm-up
        pass


def _database_image(nomigrations: bool) -> tuple[bytes | None, str]:
    """The test database as pytest-django builds it, serialized; None where that cannot be done."""
    from django.db import connections
    from django.test.utils import setup_databases

    connection = connections["default"]
    if connection.vendor != "sqlite" or not hasattr(connection, "ensure_connection"):
        return None, ""
    original = connection.settings_dict["NAME"]
    if nomigrations:
        from pytest_django.fixtures import _disable_migrations

        _disable_migrations()
    setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
    raw = connection.connection
    image = raw.serialize() if hasattr(raw, "serialize") else None
    return image, str(original)


def warm_up(settings: dict) -> dict:
    started = time.perf_counter()
    os.chdir(ROOT)
    scratch = Path(settings["scratch"])
    lessons = _lessons(settings["lessons"])
    config = _collect(lessons, scratch)
    names = _probe(lessons, config["first"], scratch)
    imported, refused = _import_framework(names)
    _warm_templates()
    from course.grading import child

    image, original = _database_image(config.get("nomigrations", False))
    from django.db import connections

    connections.close_all()
    dropped = sorted(name for name in _learner_modules() if sys.modules.pop(name, None) is not None)
    child.DATABASE_IMAGE = (image, original) if image else None
    gc.collect()
    gc.freeze()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "imported": imported,
        "refused": refused,
        "dropped": dropped,
        "database_image": bool(image),
    }


# ------------------------------------------------------------------------------ serving


class Server:
    def __init__(self, out, memory_mb: int):
        self.out = out
        self.memory_mb = memory_mb
        self.children: dict[int, dict] = {}  # pid -> {"id", "deadline", "timed_out"}
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)

    def send(self, message: dict) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        selector = selectors.DefaultSelector()
        selector.register(0, selectors.EVENT_READ)
        selector.register(self.wake_read, selectors.EVENT_READ)
        buffer, open_input = b"", True
        while open_input or self.children:
            deadlines = [c["deadline"] for c in self.children.values() if not c["timed_out"]]
            wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            for key, _ in selector.select(wait):
                if key.fd == self.wake_read:
                    with contextlib.suppress(BlockingIOError):
                        while os.read(self.wake_read, 4096):
                            pass
                    continue
                chunk = os.read(0, 1 << 16)
                if not chunk:  # the grader is gone or stopping: stop everything
                    open_input = False
                    selector.unregister(0)
                    for pid in self.children:
                        self._kill(pid)
                    continue
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        self.start(json.loads(line))
            self.expire()
            self.reap()

    def start(self, message: dict) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            self._child(message)  # never returns
        self.children[pid] = {
            "id": message["id"],
            "deadline": time.monotonic() + float(message["timeout"]),
            "timed_out": False,
        }

    def _child(self, message: dict) -> None:
        code = 70
        try:
            os.setsid()  # a session of its own: the whole of it is killed at the end
            signal.set_wakeup_fd(-1)
            for number in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
                signal.signal(number, signal.SIG_DFL)
            _die_with_parent()
            request = message["request"]
            run = Path(request["run"])
            log = os.open(run / OUTPUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            for fd in (log, null, self.wake_read, self.wake_write, self.out.fileno()):
                with contextlib.suppress(OSError):
                    os.close(fd)
            limit_resources(self.memory_mb, float(message["timeout"]) + 5)
            from course.grading import child

            child.use_database_image()
            code = child.run(request)
        except BaseException:  # noqa: BLE001 - report anything, then leave
            with contextlib.suppress(BaseException):
                traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                with contextlib.suppress(BaseException):
                    stream.flush()
            os._exit(code)

    def expire(self) -> None:
        now = time.monotonic()
        for pid, child in self.children.items():
            if not child["timed_out"] and now >= child["deadline"]:
                child["timed_out"] = True
                self._kill(pid)

    def reap(self) -> None:
        for pid in list(self.children):
            try:
                # Look without reaping: while the leader is a zombie its group id is still ours.
                info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                info = True
            if info is None:
                continue
            self._kill(pid)  # anything the child left running in its session
            _, status = os.waitpid(pid, 0)
            child = self.children.pop(pid)
            self.send(
                {
                    "id": child["id"],
                    "event": "done",
                    "returncode": os.waitstatus_to_exitcode(status),
                    "timed_out": child["timed_out"],
                }
            )

    @staticmethod
    def _kill(pid: int) -> None:
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGKILL)


def _die_with_parent() -> None:
    """Linux: SIGKILL this child if the warm parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        _LIBC.prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


try:  # loaded before any fork: a child only calls it
    import ctypes

    _LIBC = ctypes.CDLL(None, use_errno=True)
except (ImportError, OSError):
    _LIBC = None


def _read_line(fd: int) -> bytes:
    """One line from `fd`, byte by byte: nothing after it is taken from the requests to come."""
    line = b""
    while not line.endswith(b"\n"):
        byte = os.read(fd, 1)
        if not byte:
            break
        line += byte
    return line


def main() -> int:
    out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")  # the answers
    os.dup2(2, 1)  # anything printed while warming up goes to the log, not the answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader stops us by closing stdin
    sys.dont_write_bytecode = False
    settings = json.loads(_read_line(0) or b"{}")
    try:
        info = warm_up(settings)
    except BaseException as exc:  # noqa: BLE001 - say why, then end
        traceback.print_exc()
        out.write(json.dumps({"event": "failed", "error": f"{type(exc).__name__}: {exc}"}) + "\n")
        out.flush()
        return 1
    server = Server(out, int(settings.get("memory_mb", 0)))
    server.send({"event": "ready", **info})
    server.serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
