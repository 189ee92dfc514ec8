"""The pytest side of the course: `--target`, `--transport`, exercise markers and results.

Loaded for every run through pyproject.toml (`-p course.pytest_plugin`), so instructors get
the same behaviour from plain `pytest --target=PATH tests/lessons` as students get from
`python -m course check`.
"""

from __future__ import annotations

import inspect
import json
import os
import time
from pathlib import Path

import pytest

from course import targets
from course.loading import load_error
from course.manifest import lesson_for_test_file

TARGET_KEY = pytest.StashKey[targets.Target]()
LOAD_ERRORS_KEY = pytest.StashKey[dict]()  # lesson slug -> LoadError or None, tried once per run


def pytest_addoption(parser):
    group = parser.getgroup("course", "DRF course")
    group.addoption(
        "--target",
        default=os.environ.get(targets.ENV_VAR, "lessons"),
        help="whose learner files to grade: lessons (default), solutions, or a student's folder",
    )
    group.addoption(
        "--transport",
        choices=["client", "live"],
        default="client",
        help="send graded requests through the test client (default) or over HTTP to a live server",
    )
    group.addoption(
        "--course-results", metavar="PATH", help="write one JSON record per graded test to PATH"
    )
    group.addoption(
        "--exercise",
        action="append",
        metavar="EN",
        help="run only the graded tests of this exercise (repeatable); the course's self-checks "
        "grade a known mistake by its own exercise's tests",
    )


def pytest_configure(config):
    try:
        target = targets.Target.parse(config.getoption("target"))
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    targets.install(target)
    config.stash[TARGET_KEY] = target
    config.stash[LOAD_ERRORS_KEY] = {}


def pytest_report_header(config):
    target = config.stash[TARGET_KEY]
    return f"course target: {target} ({target.root})"


def _lesson(item):
    return lesson_for_test_file(item.path) if item.path.parent.name == "lessons" else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A lesson whose learner code does not import fails each of its tests with file and line."""
    lesson = _lesson(item)
    if lesson is None:
        return
    errors = item.config.stash[LOAD_ERRORS_KEY]
    if lesson.slug not in errors:
        errors[lesson.slug] = load_error(lesson)
    if errors[lesson.slug] is not None:
        pytest.fail(f"Your code does not load. {errors[lesson.slug].message}", pytrace=False)


def learner_message(excinfo) -> str:
    """The part of a failure a learner needs: the assertion's message, not pytest's diff."""
    exc = excinfo.value
    if isinstance(exc, pytest.fail.Exception):
        return str(exc.msg)
    if isinstance(exc, AssertionError):
        text = str(exc)
        head = text.partition("\nassert ")[0]
        return head if head.strip() else text
    return f"{type(exc).__name__}: {exc}"


def readme_item(item) -> str | None:
    """The README item a graded test grades, as its failure names it (the text is the spec).

    `(README: lessons/l05_x/README.md, E2. One course, by its code; graded by `test_e2_y`)`:
    the exercise's heading comes from the marker and the manifest, so no test repeats it.
    """
    lesson = _lesson(item)
    marker = item.get_closest_marker("exercise")
    if lesson is None or marker is None:
        return None
    try:
        exercise = lesson.exercise(marker.args[0])
    except LookupError:
        return None
    name = getattr(item, "originalname", None) or item.name
    return (
        f"(README: lessons/{lesson.slug}/README.md, {exercise.id}. {exercise.title}; "
        f"graded by `{name}`)"
    )


def _add_readme_item(exc: BaseException, note: str) -> bool:
    """Put `note` on its own line after the learner's part of an assertion message, in place."""
    if isinstance(exc, pytest.fail.Exception):
        exc.msg = f"{exc.msg}\n{note}"
        return True
    if isinstance(exc, AssertionError):
        # Keep pytest's own explanation ("\nassert ...") after the note, as learner_message cuts it.
        head, sep, tail = str(exc).partition("\nassert ")
        exc.args = (f"{head}\n{note}{sep}{tail}",)
        return True
    return False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    note = None
    if call.when == "call" and call.excinfo is not None:
        note = readme_item(item)
        if note and "README.md, section" in str(call.excinfo.value):
            note = None  # the starter's stub already names its README section
        # Before the report is built, so pytest's own output, `check`, the notebooks and the
        # grader all show the same message.
        if note and _add_readme_item(call.excinfo.value, note):
            note = None
    report = yield
    if report.failed and call.excinfo is not None:
        report.learner_message = learner_message(call.excinfo)
        if note:  # an exception whose message cannot be extended: a crash in the test itself
            report.learner_message += f"\n{note}"
            if hasattr(report.longrepr, "addsection"):
                report.longrepr.addsection("README", note)
    return report


@pytest.hookimpl(tryfirst=True)  # before ResultRecorder records the tests that will run
def pytest_collection_modifyitems(config, items):
    wanted = config.getoption("exercise")
    if wanted:
        kept, dropped = [], []
        for item in items:
            marker = item.get_closest_marker("exercise")
            graded = _lesson(item) is not None
            (dropped if graded and marker and marker.args[0] not in wanted else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
    live = config.getoption("transport") == "live"
    for item in items:
        if _lesson(item) is None:
            continue
        if item.get_closest_marker("exercise") is None:
            raise pytest.UsageError(
                f"{item.nodeid} is a graded test without @pytest.mark.exercise('En')."
            )
        # Graded tests get a database: rolled back per test, or committed for a live server,
        # whose thread must see the rows a test creates.
        item.add_marker(pytest.mark.django_db(transaction=live))


class ResultRecorder:
    """Collect one record per graded test (its worst phase), for `check`, notebooks and grading."""

    def __init__(self, config):
        self.config = config
        self.records: dict[str, dict] = {}
        self.started = time.perf_counter()

    def pytest_runtest_logreport(self, report):
        record = self.records.get(report.nodeid)
        if record is None:
            return
        record["duration"] += report.duration
        if report.failed and record["status"] == "pass":
            record["status"] = "fail" if report.when == "call" else "error"
            record["message"] = (
                getattr(report, "learner_message", None) or report.longreprtext[-2000:]
            )
            record["output"] = (report.capstdout + report.capstderr)[-4000:]
        elif report.skipped and record["status"] == "pass":
            record["status"] = "skip"

    def pytest_collection_modifyitems(self, session, config, items):
        for item in items:
            lesson = _lesson(item)
            if lesson is None:
                continue
            marker = item.get_closest_marker("exercise")
            function = getattr(item, "function", None)
            self.records[item.nodeid] = {
                "name": item.name,
                "nodeid": item.nodeid,
                "lesson": lesson.slug,
                "exercise": marker.args[0] if marker else None,
                "doc": inspect.getdoc(function) if function else None,
                "test_code": _source(function),
                "status": "pass",
                "message": None,
                "output": "",
                "duration": 0.0,
            }

    def pytest_sessionfinish(self, session, exitstatus):
        path = self.config.getoption("course_results")
        target = self.config.stash[TARGET_KEY]
        from course.manifest import all_lessons

        payload = {
            "target": str(target.root),
            "transport": self.config.getoption("transport"),
            "collected": session.testscollected,
            "loaded_files": {lr.slug: target.fingerprint(lr) for lr in all_lessons()},
            "load_errors": {
                slug: error.message
                for slug, error in self.config.stash[LOAD_ERRORS_KEY].items()
                if error
            },
            "duration": time.perf_counter() - self.started,
            "tests": list(self.records.values()),
        }
        Path(path).write_text(json.dumps(payload, indent=1), encoding="utf-8")


def _source(function) -> str | None:
    try:
        return inspect.getsource(function) if function else None
    except (OSError, TypeError):
        return None


def pytest_sessionstart(session):
    # Only a run that asks for results pays for them (each test's docstring and source).
    if session.config.getoption("course_results"):
        session.config.pluginmanager.register(ResultRecorder(session.config), "course-results")


# ---------------------------------------------------------------- fixtures for graded tests


@pytest.fixture
def make_api(request):
    """Make more API clients over the chosen transport: one per user, each with its own cookies."""
    from course.testing import ClientApi, HttpApi

    live = request.config.getoption("transport") == "live"
    opened = []

    def make():
        client = HttpApi(request.getfixturevalue("live_server").url) if live else ClientApi()
        opened.append(client)
        return client

    yield make
    for client in opened:
        if live:
            client.close()  # no keep-alive connection may outlive the test's server thread


@pytest.fixture
def api(make_api):
    """An API client over the transport chosen with --transport."""
    return make_api()
