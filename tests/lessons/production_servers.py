"""A throwaway PostgreSQL server and a gunicorn for lesson 15's graded tests.

PostgreSQL's own programs (initdb, pg_ctl) start a server in a scratch folder, on a free
local port, and stop it again. `initdb` refuses to run as root, which is how CI and
containers run: as root the server programs run as the `postgres` system user that the
distribution's package creates; as anyone else they run as the current user.

gunicorn serves lesson 15's production settings (lessons/l15_production/production_settings.py)
with the learner files of the target under test (COURSE_TARGET), on that database.

pytest collects no tests from this module: its name does not start with `test_`.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from course import ROOT
from tests.ports import free_port

INSTALL_POSTGRES = (
    "Lesson 15 checks your work against a real PostgreSQL server, and PostgreSQL's server "
    "programs (initdb, pg_ctl) are not on this machine. Install them, then check again:\n"
    "  Debian or Ubuntu: sudo apt-get install postgresql  (its programs are in "
    "/usr/lib/postgresql/<version>/bin, which the course finds by itself)\n"
    "  macOS (Homebrew): brew install postgresql@16, then add its bin folder to PATH as brew says\n"
    "  Windows: use WSL and the Debian line above, or the dev container\n"
    "  or open the course in its dev container (.devcontainer) or on Binder, which have it."
)

HOST = "api.example.com"  # the one name ALLOWED_HOSTS lists
FRONTEND_ORIGIN = "https://app.example.com"  # the one origin CORS allows
SECRET_KEY = secrets.token_urlsafe(50)  # a fresh strong key per run: none is kept anywhere


class ServerError(RuntimeError):
    """A server of the lesson did not start; the message says why."""


def postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or where Debian's package puts them."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    return None


class Postgres:
    """A PostgreSQL server in a scratch folder, on a free local port, with a `courses` database."""

    def __init__(self):
        folder = postgres_bin()
        if folder is None:
            raise ServerError(INSTALL_POSTGRES)
        self.bin = folder
        self.port = free_port()
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.root: Path | None = None
        self.started = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://app@127.0.0.1:{self.port}/courses"

    def _run(self, *args: str, program: str | None = None) -> str:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        # The system's temporary folder, not one of this process's (a grader's scratch folder
        # is closed to the postgres user).
        env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}
        done = subprocess.run(
            [*prefix, program or str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        if done.returncode != 0:
            raise ServerError(
                f"`{' '.join(args[:1])}` failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return done.stdout

    def start(self) -> Postgres:
        if self.as_root:
            if shutil.which("runuser") is None or not _user_exists("postgres"):
                raise ServerError(
                    "Running as root, lesson 15 starts PostgreSQL as the `postgres` user "
                    "(initdb refuses root), and this machine has no such user or no runuser. "
                    + INSTALL_POSTGRES
                )
            # A folder of the postgres user's own, which the server programs can reach.
            made = self._run("mktemp", "-d", "-t", "course-pg-XXXXXXXX", program="mktemp")
            self.root = Path(made.strip())
        else:
            self.root = Path(tempfile.mkdtemp(prefix="course-pg-"))
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "app", "--no-sync",
                  "-E", "UTF8", "--locale=C")  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.root / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")
        self.started = True
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=app dbname=postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute("CREATE DATABASE courses")
        return self

    def connect(self):
        import psycopg

        return psycopg.connect(f"host=127.0.0.1 port={self.port} user=app dbname=courses")

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            if self.root is not None and self.as_root:
                self._run("rm", "-rf", str(self.root), program="rm")
            elif self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def production_environment(database_url: str, static_root: Path, target: str) -> dict[str, str]:
    """The environment a deployment would set, for the target under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="lessons.l15_production.production_settings",
        COURSE_TARGET=target,
        SECRET_KEY=SECRET_KEY,
        DEBUG="False",
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        DATABASE_URL=database_url,
        FRONTEND_ORIGIN=FRONTEND_ORIGIN,
        STATIC_ROOT=str(static_root),
        PYTHONPATH=str(ROOT),
    )
    return env


# Each process that loads the learner's code installs the grader's guard first, when it runs
# under the grader (course/grading/child.py); elsewhere that call does nothing.
GUARDED = "from course.grading.child import guard_from_environment; guard_from_environment()\n"

PREPARE = (
    GUARDED
    + """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("createcachetable", verbosity=0)
call_command("collectstatic", "--noinput", verbosity=0)
"""
)


class Gunicorn:
    """gunicorn with two workers on a free port, after migrate, createcachetable, collectstatic."""

    def __init__(self, env: dict[str, str], workers: int = 2):
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="course-gunicorn-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        done = subprocess.run(
            [sys.executable, "-c", PREPARE],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise ServerError(
                "Preparing the production site (migrate, createcachetable, collectstatic with "
                "lessons.l15_production.production_settings) failed:\n" + _tail(done.stderr)
            )
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "lessons/l15_production/gunicorn.conf.py",
                 "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                 "tests.lessons.production_servers:guarded_application()"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self._wait_until_serving()
        return self

    def _wait_until_serving(self, seconds: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError("gunicorn stopped at start:\n" + _tail(self.log.read_text()))
            try:
                httpx.get(self.url + "/", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise ServerError(
            "gunicorn did not answer within a minute:\n" + _tail(self.log.read_text())
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.unlink(missing_ok=True)


CHECK_DEPLOY = (
    GUARDED
    + """
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
"""
)


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py check --deploy --fail-level WARNING` in a process of its own, with `env`."""
    return subprocess.run(
        [sys.executable, "-c", CHECK_DEPLOY],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def guarded_application():
    """The production WSGI application, loaded by each gunicorn worker under the grader's guard."""
    from course.grading.child import guard_from_environment

    guard_from_environment()
    from lessons.l15_production.wsgi import application

    return application


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
