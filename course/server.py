"""Serve the playground: prepare its database, then run Django's development server.

- `prepare_database()` migrates the playground's SQLite database and loads the demo data;
  both steps are idempotent, so every start runs them. A database that does not exist yet
  starts as a copy of one prepared before from the same migrations and demo data.
- `start(host, port)` is the learner's `python -m course start`: it prepares the database,
  says where to go next and serves with autoreload, so a saved lesson file is live at once.
- `serve(host, port, reload, prepare)` is the same without the banner: the notebooks run it
  (`python -m course serve --port N --no-reload`) against a scratch database of their own.

The database is `var/db.sqlite3`, or the file named by COURSE_DATABASE (see the settings).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import sys
from pathlib import Path

from course import VAR
from course.loading import display_path

SETTINGS_MODULE = "playground_project.settings"
# Prepared databases to copy from, one per version of the migrations and demo data (git-ignored).
TEMPLATES_DIR = VAR / "cache"

# Django's autoreloader runs the server in a child process that it restarts on every save;
# the child has RUN_MAIN=true. Preparing the database and greeting belong to the parent only.
IN_RELOADER_CHILD = os.environ.get("RUN_MAIN") == "true"


def _setup_django() -> None:
    # The playground always runs on its own settings: a DJANGO_SETTINGS_MODULE inherited from
    # a test run (playground_project.test_settings, an in-memory database) would serve nothing.
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    import django

    django.setup()


def prepare_database(stdout: bool = True) -> dict[str, int]:
    """Migrate the playground's database and load the demo data; return the row counts.

    Safe to run on every start: only missing migrations are applied and only missing demo
    rows are created.
    """
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from playground_project.domain.demo import load_demo_data

    database = Path(settings.DATABASES["default"]["NAME"])
    # var/ is git-ignored, so a fresh clone lacks it.
    database.parent.mkdir(parents=True, exist_ok=True)
    template = TEMPLATES_DIR / f"playground-{_template_key()}.sqlite3"
    new = not database.exists()
    if new and template.exists():
        # A new database starts as a copy of one prepared from the same migrations and demo
        # data, which takes a fraction of a second instead of seconds (each notebook run of
        # the course's self-check starts a playground on a scratch database).
        shutil.copyfile(template, database)
        pending = None
    else:
        executor = MigrationExecutor(connection)
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        call_command("migrate", interactive=False, verbosity=0)
    counts = load_demo_data()
    connection.close()  # the server opens its own connections, one per request thread
    if new and not template.exists():  # only a database made from nothing, never one in use
        _save_template(database, template)
    if stdout:
        migrations = (
            "copied from a prepared one"
            if pending is None
            else f"{pending} migrations applied"
            if pending
            else "up to date"
        )
        rows = ", ".join(f"{n} {what}" for what, n in counts.items())
        print(f"Database {display_path(database)}: {migrations}; demo data: {rows}.")
    return counts


def _template_key() -> str:
    """What a freshly prepared database depends on: Django's version, every app's migrations,
    the demo data's code and models, and the password hasher its users were saved with."""
    import django
    from django.apps import apps
    from django.conf import settings

    digest = hashlib.sha256(f"{django.__version__} {settings.PASSWORD_HASHERS[0]}".encode())
    files = [Path(__file__)]
    for config in apps.get_app_configs():
        files += sorted(Path(config.path, "migrations").glob("*.py"))
        if not config.name.startswith(("django.", "rest_framework", "drf_", "django_")):
            files += [Path(config.path, name) for name in ("models.py", "demo.py")]
    for file in files:
        if file.exists():
            digest.update(f"\0{file.as_posix()}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:20]


def _save_template(database: Path, template: Path) -> None:
    """Keep a copy of a database just prepared, written whole or not at all."""
    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
    try:
        shutil.copyfile(database, partial)
        os.replace(partial, template)  # two servers preparing at once both write a whole file
    except OSError:
        partial.unlink(missing_ok=True)  # only a cache: the next start prepares it again


def start(host: str = "127.0.0.1", port: int = 8000) -> int:
    """Prepare the database, say where to go next and serve with autoreload (`course start`)."""
    _announce_port(port)
    if not IN_RELOADER_CHILD:
        if _port_taken(host, port):
            print(
                f"Port {port} is already in use: is the playground already running? Open "
                f"{_browser_url(host, port)} to see.\nTo run another one, pick a free port: "
                f"python -m course start --port {port + 1}",
                file=sys.stderr,
            )
            return 1
        prepare_database()
        print(_banner(host, port), flush=True)
    return _runserver(host, port, reload=True)


def serve(
    host: str = "127.0.0.1", port: int = 8000, reload: bool = True, prepare: bool = True
) -> int:
    """Serve the playground, preparing the database first unless `prepare` is False."""
    _announce_port(port)
    if prepare and not IN_RELOADER_CHILD:
        prepare_database()
    return _runserver(host, port, reload=reload)


def _announce_port(port: int) -> None:
    """Tell the settings which port this process serves, before they load (course/reach.py)."""
    from course import reach

    os.environ[reach.PORT_ENV_VAR] = str(port)


def _runserver(host: str, port: int, reload: bool) -> int:
    _setup_django()
    from django.core.management import call_command

    ipv6 = ":" in host
    address = f"[{host}]:{port}" if ipv6 else f"{host}:{port}"
    # runserver exits through SystemExit (its own code) on errors and on Ctrl+C.
    call_command("runserver", address, use_reloader=reload, use_ipv6=ipv6)
    return 0


def _banner(host: str, port: int) -> str:
    from course import progress
    from course.manifest import all_lessons

    lessons = all_lessons()
    # Point at the first lesson the learner has not passed yet (as of their last check).
    lesson = next((item for item in lessons if not progress.lesson_passed(item)), lessons[0])
    files = ", ".join(f"lessons/{lesson.slug}/{name}" for name in lesson.learner_files)
    rule = "─" * 72
    return "\n".join(
        [
            rule,
            "  The DRF course playground is starting.",
            "",
            f"  Open      {_browser_url(host, port)}   every lesson: its text, browsable API and docs",
            f"  Read      lessons/{lesson.slug}/README.md",
            f"  Edit      {files}   (saving reloads the server)",
            f"  Check     make check L={lesson.nn}      (without make: python -m course check {lesson.nn})",
            "  Notebook  make notebook       (without make: python -m course notebook)",
            "",
            "  Stop the server with Ctrl+C (Ctrl+Break on Windows).",
            rule,
        ]
    )


def _reachable_host(host: str) -> str:
    """A server listening on a wildcard address is reached through the loopback one."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)


def _browser_url(host: str, port: int) -> str:
    from course import reach

    if reach.hub_prefix(port) or reach.codespace_host(port):
        return reach.browser_url(
            port
        )  # the browser is elsewhere: through the hub or the forwarding
    shown = _reachable_host(host)
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def _port_taken(host: str, port: int) -> bool:
    """Whether something already accepts connections on the address the server would use."""
    try:
        with socket.create_connection((_reachable_host(host), port), timeout=0.5):
            return True
    except OSError:
        return False
