"""The PostgreSQL database and the gunicorn of lesson 15's graded tests.

A run graded in a batch (course.grading.batch: the self-checks, `course criteria`, `course
mutation`) is given a database of its own on the batch's one PostgreSQL server
(course.services.SharedPostgres), its address in COURSE_DATABASE_URL. A run on its own
(`course check 15`, `pytest --target=...`) starts a throwaway server of its own
(course.services.Postgres) and stops it at the end.

gunicorn serves lesson 15's production settings (lessons/l15_production/production_settings.py)
with the learner files of the target under test (COURSE_TARGET), on that database.

pytest collects no tests from this module: its name does not start with `test_`.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from course import ROOT
from course.services import DATABASE_ENV, Postgres, ServerError, gunicorn_command
from tests.ports import free_port

HOST = "api.example.com"  # the one name ALLOWED_HOSTS lists
FRONTEND_ORIGIN = "https://app.example.com"  # the one origin CORS allows
SECRET_KEY = secrets.token_urlsafe(50)  # a fresh strong key per run: none is kept anywhere
# Where gunicorn's master writes what `check --deploy` said of the settings it loaded.
CHECK_REPORT_ENV = "COURSE_CHECK_DEPLOY_REPORT"


class Database:
    """The run's PostgreSQL database: its URL (which logs in as its owner), and connections."""

    def __init__(self, url: str, server: Postgres | None = None):
        self.url = url
        self.server = server  # the server this run started, if it started one

    def connect(self):
        import psycopg

        return psycopg.connect(self.url)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


def database() -> Database:
    """The database the batch gave this run, or else a server of this run's own."""
    given = os.environ.get(DATABASE_ENV)
    if given:
        return Database(given)
    server = Postgres().start()
    return Database(server.url, server)


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


class Gunicorn:
    """gunicorn with two workers on a free port, after check --deploy, migrate, createcachetable
    and collectstatic.

    The site is checked, prepared and loaded once, in gunicorn's master process (`--preload`, a release
    step and the app in one Python process instead of three), which then forks its workers:
    each worker still has its own memory from there on (its own LocMemCache, its own database
    connection), as in any deployment that preloads.
    """

    def __init__(self, env: dict[str, str], workers: int = 2):
        self.workers = workers
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="course-gunicorn-", suffix=".log")[1])
        self.check_report = self.log.with_suffix(".check.json")
        self.env = {**env, CHECK_REPORT_ENV: str(self.check_report)}

    def checked_deploy(self) -> dict | None:
        """What `check --deploy` said of the site's settings ({"status", "output"}), if it ran."""
        try:
            return json.loads(self.check_report.read_text())
        except (OSError, ValueError):
            return None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                gunicorn_command(f"127.0.0.1:{self.port}", self.workers),
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_stop_with_parent,
            )  # fmt: skip
        self._wait_until_serving()
        return self

    def _wait_until_serving(self, seconds: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(
                    "gunicorn stopped at start: preparing the site (migrate, createcachetable, "
                    "collectstatic with lessons.l15_production.production_settings) or loading "
                    "it failed:\n" + _tail(self.log.read_text())
                )
            try:
                httpx.get(self.url + "/", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise ServerError(
            "gunicorn did not answer within a minute:\n" + _tail(self.log.read_text())
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # The master and its workers at once, without a graceful shutdown (a sync worker
            # notices SIGTERM only after up to a second): nothing of the site outlives the tests,
            # and its database is dropped next.
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.unlink(missing_ok=True)
        self.check_report.unlink(missing_ok=True)


def prepared_application():
    """The production site, prepared and loaded in gunicorn's master under the grader's guard.

    What a deployment's release step runs (check --deploy, migrate, createcachetable,
    collectstatic), then the WSGI application, which the workers forked next inherit, guard included.
    """
    from course.grading.child import guard_from_environment

    guard_from_environment(serving=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    check_deploy(os.environ[CHECK_REPORT_ENV])
    call_command("migrate", "--noinput", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    from lessons.l15_production.wsgi import application

    # A connection opened here would be shared by every forked worker: each opens its own.
    connections.close_all()
    # Each worker dies with the master, as the master dies with the test process.
    os.register_at_fork(after_in_child=_stop_with_parent)
    return application


def check_deploy(report: str) -> None:
    """`manage.py check --deploy --fail-level WARNING` on the settings just loaded: its exit
    status and output, as JSON in `report` (where the graded test reads them)."""
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    out = io.StringIO()
    status = 0
    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
    except SystemCheckError as exc:
        status = 1
        out.write(f"SystemCheckError: {exc}\n")
    Path(report).write_text(json.dumps({"status": status, "output": out.getvalue()}))


def _stop_with_parent() -> None:
    """Linux: SIGKILL this process when its parent dies, however it dies: gunicorn's master
    with the test process, each worker with the master. In a session of their own, nothing
    else would stop them."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
