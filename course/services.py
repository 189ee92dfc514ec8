"""PostgreSQL for the lessons whose graded tests need one (a manifest's `services`).

`Postgres` is a throwaway server in a scratch folder, started with PostgreSQL's own programs
(initdb, pg_ctl) on a free local port and stopped again. `initdb` refuses to run as root,
which is how CI and containers run: as root the server programs run as the `postgres` system
user that the distribution's package creates; as anyone else, as the current user.

`SharedPostgres` is one such server for every run of a batch (course.grading.batch): each
run gets a database of its own, cloned from a migrated template, and a role of its own that
can log in to that database only, with a password that only that run is told. So the runs
share no data and no credentials, and initdb runs once per batch instead of once per run.
A run on its own (`course check 15`, `pytest --target=...`) starts its own server instead
(tests/lessons/production_servers.py).
"""

from __future__ import annotations

import glob
import itertools
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from course import ROOT

INSTALL_POSTGRES = (
    "Lesson 15 checks your work against a real PostgreSQL server, and PostgreSQL's server "
    "programs (initdb, pg_ctl) are not on this machine. Install them, then check again:\n"
    "  Debian or Ubuntu: sudo apt-get install postgresql  (its programs are in "
    "/usr/lib/postgresql/<version>/bin, which the course finds by itself)\n"
    "  macOS (Homebrew): brew install postgresql@16, then add its bin folder to PATH as brew says\n"
    "  Windows: use WSL and the Debian line above, or the dev container\n"
    "  or open the course in its dev container (.devcontainer) or on Binder, which have it."
)

# What a run is told about the database of its own (course.grading.child sets it from the request).
DATABASE_ENV = "COURSE_DATABASE_URL"
ADMIN = "app"  # the server's superuser; with a password, only the batch knows it
TEMPLATE = "course_template"
BUILDER = "course_template_builder"  # owns the template's tables, handed to each run's role
FOLDER = "course-pg-"  # a server's scratch folder: course-pg-<the starting process's id>-<random>


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


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Postgres:
    """A PostgreSQL server in a scratch folder, on a free local port, with a `courses` database.

    With a `password`, every connection (TCP or socket) must give it: password authentication
    (scram-sha-256) for every role, so that a role knows only its own database.
    """

    def __init__(self, password: str | None = None):
        folder = postgres_bin()
        if folder is None:
            raise ServerError(INSTALL_POSTGRES)
        self.bin = folder
        self.port = free_port()
        self.password = password
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.root: Path | None = None
        self.started = False

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return self.url_of(ADMIN, self.password, "courses")

    def url_of(self, user: str, password: str | None, database: str) -> str:
        secret = f":{password}" if password else ""
        return f"postgres://{user}{secret}@127.0.0.1:{self.port}/{database}"

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
            made = self._run(
                "mktemp", "-d", "-t", f"{FOLDER}{os.getpid()}-XXXXXXXX", program="mktemp"
            )
            self.root = Path(made.strip())
        else:
            self.root = Path(tempfile.mkdtemp(prefix=f"{FOLDER}{os.getpid()}-"))
        # The folder's name says whose server it is: a later start stops it if that process
        # died without stopping it.
        reap_abandoned(self.root.parent)
        auth = ["-A", "trust"]
        secret = self.root / "password"
        if self.password:  # in a file only the server's user reads, for as long as initdb runs
            fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(self.password + "\n")
            if self.as_root:
                import pwd

                os.chown(secret, pwd.getpwnam("postgres").pw_uid, -1)
            auth = ["-A", "scram-sha-256", f"--pwfile={secret}"]
        try:
            self._run("initdb", "-D", str(self.data), *auth, "-U", ADMIN, "--no-sync",
                      "-E", "UTF8", "--locale=C")  # fmt: skip
        finally:
            if self.password:
                secret.unlink(missing_ok=True)
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = self.root / "server.log"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(log), "-w", "start")
        self.started = True
        with self.admin() as conn:
            conn.execute("CREATE DATABASE courses")
        return self

    def admin(self, database: str = "postgres"):
        """An autocommit connection as the superuser."""
        import psycopg

        return psycopg.connect(self.url_of(ADMIN, self.password, database), autocommit=True)

    def connect(self):
        import psycopg

        return psycopg.connect(self.url)

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            if self.root is not None and self.as_root:
                self._run("rm", "-rf", str(self.root), program="rm")
            elif self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)


def reap_abandoned(folder: Path) -> list[Path]:
    """Stop and remove the servers in `folder` whose owner process is gone (Linux's /proc).

    A run killed from outside (a time limit, kill -9) cannot stop its server, and pg_ctl starts
    the server in a session of its own, so nothing else stops it: the next start does.
    """
    if not Path("/proc/self").exists():
        return []
    reaped = []
    for root in folder.glob(FOLDER + "*"):
        found = re.fullmatch(re.escape(FOLDER) + r"(\d+)-\w+", root.name)
        if found is None or Path(f"/proc/{found[1]}").exists():
            continue
        server = Postgres.__new__(Postgres)
        server.bin, server.root, server.started = postgres_bin(), root, True
        server.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        try:
            server.stop()
        except (ServerError, OSError, subprocess.SubprocessError):
            continue  # not running any more, or not ours to stop: left alone
        reaped.append(root)
    return reaped


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def gunicorn_command(bind: str, workers: int) -> list[str]:
    """gunicorn serving lesson 15's production site, as its graded tests start it."""
    return [sys.executable, "-m", "gunicorn", "-c", "lessons/l15_production/gunicorn.conf.py",
            "--bind", bind, "--workers", str(workers), "--preload",
            # No control socket: one path for every gunicorn of the user, and none is needed.
            "--no-control-socket",
            "tests.lessons.production_servers:prepared_application()"]  # fmt: skip


def is_service_command(argv) -> bool:
    """Whether `argv` is one of the commands the services' own code runs (the grader's guard
    lets a lesson with services start these, and no other): PostgreSQL's initdb and pg_ctl,
    the scratch folder's mktemp and rm (as the postgres user), and gunicorn as above."""
    if not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv):
        return False
    argv = list(argv)
    as_postgres = argv[:4] == ["runuser", "-u", "postgres", "--"]
    if as_postgres:
        argv = argv[4:]
    if not argv:
        return False
    folder = postgres_bin()
    program = Path(argv[0])
    if folder is not None and program.parent == folder and program.name in ("initdb", "pg_ctl"):
        return True
    if as_postgres and len(argv) == 4 and argv[:3] == ["mktemp", "-d", "-t"]:
        return re.fullmatch(re.escape(FOLDER) + r"\d+-XXXXXXXX", argv[3]) is not None
    if as_postgres and len(argv) == 3 and argv[:2] == ["rm", "-rf"]:
        return re.fullmatch(re.escape(FOLDER) + r"\d+-\w+", Path(argv[2]).name) is not None
    shape = gunicorn_command("BIND", 0)
    return (
        len(argv) == len(shape)
        and all(a == b for a, b in zip(argv, shape, strict=True) if b not in ("BIND", "0"))
        and argv[6].startswith("127.0.0.1:")
        and argv[8].isdigit()
    )


# The template's tables are made by the lessons' own migrations, from their models, in a
# process that configures Django by hand: no learner file is read, so every run clones the same
# database whatever it was handed in.
MIGRATE_TEMPLATE = """
import json, sys
import django
from django.conf import settings
apps, url = json.loads(sys.argv[1])
import environ
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes",
                    "django.contrib.sessions", *apps],
    DATABASES={"default": environ.Env.db_url_config(url)},
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    USE_TZ=True,
)
django.setup()
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0, skip_checks=True)
"""


class SharedPostgres:
    """One PostgreSQL server for every run of a batch, a database and a role for each run.

    `apps` are the Django apps (lessons.lNN_topic) whose migrations make the template. Use it
    as a context manager: the server starts on entry and stops on exit, with every database.
    """

    def __init__(self, apps: list[str]):
        self.apps = apps
        self._numbers = itertools.count()
        self.server: Postgres | None = None

    def __enter__(self) -> SharedPostgres:
        self.server = Postgres(password=secrets.token_urlsafe(24))
        try:
            self.server.start()
            self._build_template()
        except BaseException:
            self.server.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()

    @property
    def root(self) -> Path:
        """The server's folder (its data): no run may read it."""
        return self.server.root

    def _build_template(self) -> None:
        import psycopg.sql as sql

        password = secrets.token_urlsafe(24)
        with self.server.admin() as conn:
            # Only each database's owner may connect to it (the superuser always may).
            for database in ("postgres", "template1", "courses"):
                conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                    sql.Identifier(database)))  # fmt: skip
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(BUILDER), sql.Literal(password)))  # fmt: skip
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(
                sql.Identifier(TEMPLATE)))  # fmt: skip
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(TEMPLATE), sql.Identifier(BUILDER)))  # fmt: skip
        with self.server.admin(TEMPLATE) as conn:
            conn.execute(sql.SQL("GRANT CREATE ON SCHEMA public TO {}").format(
                sql.Identifier(BUILDER)))  # fmt: skip
        import json

        url = self.server.url_of(BUILDER, password, TEMPLATE)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["PYTHONPATH"] = str(ROOT)
        done = subprocess.run(
            [sys.executable, "-c", MIGRATE_TEMPLATE, json.dumps([self.apps, url])],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise ServerError(f"Migrating the template database failed:\n{done.stderr[-3000:]}")
        with self.server.admin() as conn:
            conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(BUILDER)))
            conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(
                sql.Identifier(TEMPLATE)))  # fmt: skip

    def create(self) -> tuple[str, str]:
        """A new database and the role that owns it: (name, the URL that logs in as that role)."""
        import psycopg.sql as sql

        name = f"run_{next(self._numbers)}_{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(24)
        who = sql.Identifier(name)
        with self.server.admin() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                who, sql.Literal(password)))  # fmt: skip
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE {}").format(
                who, who, sql.Identifier(TEMPLATE)))  # fmt: skip
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(who))
        with self.server.admin(name) as conn:
            # The migrated tables become the run's own (this database's objects only).
            conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(
                sql.Identifier(BUILDER), who))  # fmt: skip
        return name, self.server.url_of(name, password, name)

    def drop(self, name: str) -> None:
        """Drop a run's database (closing any connection left to it) and its role."""
        import psycopg.sql as sql

        with self.server.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))  # fmt: skip
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
