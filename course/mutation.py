"""Grading a learner's tests by mutation: run them against the reference and known-wrong APIs.

A lesson whose learner file is a test module (lesson 14) names, in its manifest, the course
module those tests exercise (`[mutation] module = "api.py"`). The course ships *mutants* of
that module: `solutions/lNN_topic/mutants/eN_<what_goes_wrong>.diff`, each one change to it,
whose first line says the change in a sentence (the same format as a known mistake, read by
course/mistakes.py). A learner's tests are good when they pass on the reference and fail on
each mutant.

`run_learner_tests()` runs the target's test module once, in a fresh Python process
(`python -I -B -m course.mutation REQUEST`), as one pytest session that collects the module
once per implementation: the reference in file order, the reference in reverse order (a test
that passes only after another one depends on it) and every mutant. Before each copy is
imported, the tested module is swapped for that implementation (built in memory, nothing is
written) and the URLconf is dropped, so `reverse()`, the test client and the views the
learner imported all see the same implementation. The graded tests of the lesson read the
verdicts (`Verdicts`) from one such run per pytest session, so `course check`, the notebook's
check cell, `pytest --target` and `course grade` all grade alike.

A separate process, because pytest and pytest-django cannot run a second session (a second
test database, a second set of fixtures) inside the graded test that needs it. Under the
grader the test process refuses to start processes; it makes one exception, for exactly this
command with the grader's own limits in it, and the new process installs the same audit hook
before it reads the learner's file (course/grading/child.py, Guard).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import types
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from course import ROOT
from course.manifest import Lesson
from course.mistakes import NAME_RE, MistakeError, Patch, apply, diff_text, parse

REFERENCE = "reference"
REVERSED = "reference-reversed"
# Seconds one learner test may take, and the whole run (every implementation) at most.
LEARNER_TEST_TIMEOUT = 10
RUN_TIMEOUT = 120
# Set by the grader's test process (course/grading/child.py): its limits, which the nested run
# must carry and keep.
GUARD_ENV = "COURSE_GRADER_GUARD"


# ------------------------------------------------------------------------ mutants


class Mutant(Patch):
    """One known-wrong variant of a lesson's tested module: `solutions/lNN_topic/mutants/<name>.diff`."""

    def source(self) -> str:
        """The tested module's text with this mutant's change applied, in memory."""
        module = self.lesson.tested_module
        patches = parse(self.text, where=self.describe())
        if set(patches) != {module}:
            raise MistakeError(
                f"{self.describe()} must change {module} of lesson {self.lesson.nn} and nothing "
                f"else; it changes {sorted(patches)}."
            )
        return apply(
            reference_source(self.lesson),
            patches[module],
            where=f"{self.describe()} against lessons/{self.lesson.slug}/{module}",
            nn=self.lesson.nn,
        )


def mutants_of(lesson: Lesson) -> list[Mutant]:
    if lesson.tested_module is None:
        return []
    return [Mutant(lesson, p) for p in sorted((lesson.solution_folder / "mutants").glob("*.diff"))]


def reference_source(lesson: Lesson) -> str:
    return (lesson.folder / lesson.tested_module).read_text(encoding="utf-8")


def write_mutant(lesson: Lesson, name: str, variant: str, summary: str) -> Path:
    """Save `variant` of the tested module as mutant `name`: its sentence, then the diff."""
    if lesson.tested_module is None:
        raise MistakeError(f"Lesson {lesson.nn} is not graded by mutation: it has no mutants.")
    if not NAME_RE.match(name) or name.split("_", 1)[0].upper() not in {
        e.id for e in lesson.exercises
    }:
        raise MistakeError(
            f"{name!r}: name a mutant eN_<what_is_wrong> after one of its exercises."
        )
    module = lesson.tested_module
    text = diff_text(
        summary,
        [(module, reference_source(lesson), variant)],
        f"lessons/{lesson.slug}/{module}",
    )
    path = lesson.solution_folder / "mutants" / f"{name}.diff"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------ verdicts


@dataclass
class Verdicts:
    """What the learner's tests did on each implementation: {run: {test: (status, message)}}."""

    lesson: Lesson
    runs: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    run_errors: dict[str, str] = field(default_factory=dict)  # a copy that did not collect
    error: str | None = None  # the run as a whole failed
    output: str = ""  # the end of what the nested pytest printed

    @property
    def tests(self) -> list[str]:
        """The learner's tests, in file order."""
        return list(self.runs.get(REFERENCE, {}))

    def tests_of(self, exercise_id: str) -> list[str]:
        """A test belongs to En when its name starts with test_en_; one named for none, to all."""
        return [t for t in self.tests if exercise_of(t) in (exercise_id.upper(), None)]

    def status(self, run: str, test: str) -> tuple[str, str]:
        return self.runs.get(run, {}).get(test, ("missing", "it did not run"))

    def wrong(self, test: str) -> str | None:
        """Why `test` is a wrong test (it fails on the reference, in some order), or None."""
        status, message = self.status(REFERENCE, test)
        if status in ("fail", "error"):
            return f"{test} fails on the reference API: {message}"
        reversed_status, reversed_message = self.status(REVERSED, test)
        if status == "pass" and reversed_status in ("fail", "error"):
            return (
                f"{test} passes when your tests run in file order, but fails when they run in "
                f"reverse order: {reversed_message}. It depends on what an earlier test left behind"
            )
        return None

    def sound(self) -> list[str]:
        """The tests that pass on the reference in both orders: only they can catch a mutant."""
        return [
            t
            for t in self.tests
            if self.status(REFERENCE, t)[0] == "pass" and self.status(REVERSED, t)[0] == "pass"
        ]

    def catchers(self, mutant: str) -> list[str]:
        """The sound tests that fail on `mutant`."""
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


def guard_of(request: dict) -> dict:
    """The part of a grader's request that its audit hook enforces, handed on to a nested run."""
    keys = ("run", "own", "forbidden", "target", "labels")
    # As JSON has it, so that the copy on a command line compares equal.
    return json.loads(json.dumps({key: request.get(key) for key in keys}, default=str))


def command(request: dict) -> list[str]:
    """The nested run's command line: isolated (-I: no PYTHON* variables, no script folder on
    the path) and writing no bytecode (-B)."""
    return [sys.executable, "-I", "-B", "-m", "course.mutation", json.dumps(request)]


def is_nested_run(argv, guard: dict) -> bool:
    """True when `argv` is exactly a nested run that keeps the grader's `guard` (Guard's test)."""
    argv = list(argv) if isinstance(argv, (list, tuple)) else []
    if len(argv) != 6 or argv[:5] != command({})[:5]:
        return False
    try:
        request = json.loads(argv[5])
    except (TypeError, ValueError):
        return False
    return isinstance(request, dict) and request.get("guard") == guard


def run_learner_tests(lesson: Lesson, target: str, timeout: float = RUN_TIMEOUT) -> Verdicts:
    """Run the target's test module of `lesson` against the reference and every mutant."""
    import subprocess

    guard = json.loads(os.environ[GUARD_ENV]) if os.environ.get(GUARD_ENV) else None
    with tempfile.TemporaryDirectory(prefix="course-mutation-") as scratch:
        out = Path(scratch) / "verdicts.json"
        request = {"lesson": lesson.slug, "target": target, "out": str(out), "guard": guard}
        try:
            done = subprocess.run(
                command(request), cwd=ROOT, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return Verdicts(lesson, error=f"your tests did not finish within {timeout:g} s")
        if not out.exists():
            output = (done.stdout + done.stderr)[-2000:]
            return Verdicts(
                lesson,
                error=f"your tests stopped before they reported (exit {done.returncode}):\n{output}",
            )
        data = json.loads(out.read_text(encoding="utf-8"))
    runs = {
        run: {test: tuple(verdict) for test, verdict in tests.items()}
        for run, tests in data["runs"].items()
    }
    return Verdicts(lesson, runs, data.get("errors", {}), output=done.stdout[-1500:])


# ------------------------------------------------------------------------ the nested run


class Implementations:
    """Swap the tested module between the reference and the mutants, in memory."""

    def __init__(self, lesson: Lesson):
        self.lesson = lesson
        self.package = f"lessons.{lesson.slug}"
        self.name = f"{self.package}.{Path(lesson.tested_module).stem}"
        self.file = str(lesson.folder / lesson.tested_module)
        self.sources = {REFERENCE: reference_source(lesson)}
        self.sources.update({m.name: m.source() for m in lesson.mutants})
        self.modules: dict[str, types.ModuleType] = {}
        self.active: str | None = None

    def activate(self, name: str) -> None:
        """Make `name` the implementation every import, URL and view sees from now on."""
        if self.active == name:
            return
        import importlib

        from django.urls import clear_url_caches

        package = importlib.import_module(self.package)
        module = self.modules.get(name)
        if module is None:
            module = types.ModuleType(self.name)
            module.__file__ = self.file
            module.__package__ = self.package
            sys.modules[self.name] = module
            exec(compile(self.sources[name], self.file, "exec", dont_inherit=True), module.__dict__)
            self.modules[name] = module
        sys.modules[self.name] = module
        setattr(package, self.name.rsplit(".", 1)[1], module)
        # The views are bound when a URLconf is imported: drop it, the next request imports it.
        for stale in ("playground_project.urls", f"{self.package}.urls"):
            sys.modules.pop(stale, None)
        clear_url_caches()
        self.active = name


class MutationPlugin:
    """Collect the learner's module once per run, each against its implementation; record verdicts."""

    def __init__(self, lesson: Lesson, learner_path: Path, target):
        self.lesson = lesson
        self.learner_path = learner_path
        self.target = target
        self.implementations = Implementations(lesson)
        names = [m.name for m in lesson.mutants]
        # (run, implementation, reversed)
        self.plan = [(REFERENCE, REFERENCE, False), (REVERSED, REFERENCE, True)] + [
            (name, name, False) for name in names
        ]
        self.runs: dict[str, dict[str, list[str]]] = {run: {} for run, _, _ in self.plan}
        self.errors: dict[str, str] = {}
        self.names: dict[str, tuple[str, str]] = {}  # nodeid -> (run, test)

    def pytest_pycollect_makemodule(self, module_path, parent):
        if Path(module_path) == self.learner_path:
            return Runs.from_parent(parent, path=Path(module_path), plugin=self)
        return None

    def pytest_collection_modifyitems(self, session, config, items):
        groups: dict[str, list] = {}
        for item in items:
            module = _learner_module_of(item)
            if module is None:
                continue
            groups.setdefault(module.run, []).append(item)
            # The test's name within its module: test_x, or TestCase::test_x.
            self.names[item.nodeid] = (module.run, item.nodeid[len(module.nodeid) + 2 :])
        ordered = []
        for run, _impl, backwards in self.plan:
            group = groups.pop(run, [])
            ordered += group[::-1] if backwards else group
        items[:] = ordered

    def pytest_collectreport(self, report):
        if report.failed:
            run = report.nodeid.rsplit("::", 1)[-1]
            if run in self.runs:  # a LearnerModule's nodeid ends with its run's name
                self.errors[run] = (getattr(report, "longreprtext", "") or str(report.longrepr))[
                    -1500:
                ]

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.names:
            return
        run, test = self.names[report.nodeid]
        verdict = self.runs[run].setdefault(test, ["pass", ""])
        if report.failed and verdict[0] == "pass":
            verdict[0] = "fail" if report.when == "call" else "error"
            message = getattr(report, "learner_message", None) or report.longreprtext
            verdict[1] = _short(message)
        elif report.skipped and verdict[0] == "pass":
            verdict[0] = "skip"


def _short(message: str, limit: int = 600) -> str:
    """A learner test's failure in a few lines: pytest's explanation without object addresses."""
    lines = [line for line in str(message).splitlines() if " object at 0x" not in line]
    message = " ".join(" ".join(lines[:4]).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _learner_module_of(item) -> LearnerModule | None:
    node = item
    while node is not None and not isinstance(node, LearnerModule):
        node = node.parent
    return node


class Runs(pytest.File):
    """The learner's test file: one copy of its module per run."""

    def __init__(self, *, plugin: MutationPlugin, **kwargs):
        super().__init__(**kwargs)
        self.plugin = plugin

    def collect(self):
        for run, implementation, _backwards in self.plugin.plan:
            node = LearnerModule.from_parent(
                self, path=self.path, name=run, nodeid=f"{self.nodeid}::{run}"
            )
            node.run = run
            node.implementation = implementation
            yield node


class LearnerModule(pytest.Module):
    """The learner's module, imported afresh against one implementation."""

    run: str
    implementation: str

    @property
    def plugin(self) -> MutationPlugin:
        return self.parent.plugin

    def _getobj(self):
        plugin = self.plugin
        plugin.implementations.activate(self.implementation)
        return _load_learner_module(plugin.lesson, plugin.target, self.path, self.config)

    def setup(self):
        # Before the module's first test: its implementation serves every request.
        self.plugin.implementations.activate(self.implementation)
        super().setup()


def _load_learner_module(lesson: Lesson, target, path: Path, config) -> types.ModuleType:
    """A fresh module from the target's learner file, with pytest's assertion messages."""
    import ast

    from _pytest.assertion.rewrite import rewrite_asserts

    name = next(iter(lesson.learner_modules().values()))
    source = target.read(path)
    if source is None:
        raise FileNotFoundError(f"{path} does not exist")
    tree = ast.parse(source, filename=str(path))
    rewrite_asserts(tree, source, str(path), config)
    module = types.ModuleType(name)
    module.__file__ = str(path)
    module.__package__ = name.rpartition(".")[0]
    sys.modules[name] = module
    exec(compile(tree, str(path), "exec", dont_inherit=True), module.__dict__)
    return module


def _isolate_environment() -> None:
    """Only the course decides how the nested pytest runs: no options from the environment."""
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "playground_project.test_settings"
    sys.dont_write_bytecode = True


def main(argv: list[str]) -> int:
    """`python -I -B -m course.mutation REQUEST`: run one learner test module on every implementation."""
    request = json.loads(argv[0])
    _isolate_environment()
    guard = request.get("guard")
    if guard:
        from course.grading.child import EventLog, Guard
        from course.grading.limits import EVENTS

        log = EventLog(Path(guard["run"]) / EVENTS)
        sys.addaudithook(Guard(guard, log, allow_nested=False))

    from course import targets
    from course.manifest import find_lesson

    lesson = find_lesson(request["lesson"])
    target = targets.Target.parse(request["target"])
    learner_path = target.learner_file(lesson, lesson.learner_files[0])
    plugin = MutationPlugin(lesson, learner_path, target)
    code = pytest.main(
        [
            str(learner_path),
            # The collection starts at the confcutdir: the learner's own folder, so that pytest
            # lists no other folder (under the grader, the other submissions' are refused).
            f"--rootdir={learner_path.parent}",
            f"--confcutdir={learner_path.parent}",
            f"-c={ROOT / 'pyproject.toml'}",
            f"--target={request['target']}",
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
        ],
        plugins=[plugin],
    )
    payload = {
        "exit": int(code),
        "runs": {
            run: {test: list(verdict) for test, verdict in tests.items()}
            for run, tests in plugin.runs.items()
        },
        "errors": plugin.errors,
    }
    Path(request["out"]).write_text(json.dumps(payload), encoding="utf-8")
    return int(code)


if __name__ == "__main__":
    exit_code = 3
    try:
        exit_code = main(sys.argv[1:])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_code)  # no atexit handler a learner's test module registered runs
