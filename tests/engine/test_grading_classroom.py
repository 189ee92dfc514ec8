"""examples/github-classroom.yml, its steps run here as GitHub Actions would run them.

Each lesson step is a shell command that appends `eN=...` lines to $GITHUB_OUTPUT; the
reporter step gets each runner's result through `<RUNNER>_RESULTS`. `reporter()` below does
what classroom-resources/autograding-grading-reporter@v1 does with them (src/main.js,
src/console-results.js, src/helpers/test-helpers.js, src/notify-classroom.js): base64, then
JSON.parse (which throws on an empty or broken value, and then no runner's score is sent),
the job log's points per runner (passed tests / tests * max_score) and the score notice's
points (the sum of every test's `score` over runners with a max_score).

Lesson 01's step runs on a complete and a partial checkout, and on every hostile lesson file
of the class tests (tests/engine/test_grading.py) beside a complete lesson 02: every runner's
result must decode, lesson 02 keep its points, and log and notice agree with `course grade`.
"""

import base64
import binascii
import json
import math
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from course import ROOT
from course.grading import classroom
from course.grading.command import gradable_lessons
from course.manifest import find_lesson

from . import test_grading as hostile
from .conftest import LESSON, SOLUTION
from .test_grading import MISTAKE

# Each lesson step grades in processes of its own, the reference first: tens of seconds each.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

WORKFLOW = ROOT / "examples" / "github-classroom.yml"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
OTHER = find_lesson("02")
FAST = "--test-timeout 3"  # the hostile loops cost this, not the step's 10 s per test


class ReporterFailed(Exception):
    """What makes the reporter's main.js catch an error: no score is sent for any runner."""


def _parse(text: str):
    """JSON.parse: strict JSON, no NaN or Infinity, an empty string is an error."""

    def refuse(name):
        raise ValueError(f"JSON.parse does not accept {name}")

    return json.loads(text, parse_constant=refuse)


def reporter(env: dict[str, str], runners: list[str]) -> dict:
    """The reporter's reading of its env: each runner's results, log points, notice points."""
    parsed = {}
    for runner in runners:
        encoded = env.get(f"{runner.strip().upper()}_RESULTS")
        if encoded is None:
            raise ReporterFailed(f"{runner}: no {runner.upper()}_RESULTS (Buffer.from(undefined))")
        try:
            text = base64.b64decode(encoded, validate=True).decode("utf-8")
            parsed[runner] = _parse(text)
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ReporterFailed(f"{runner}: {exc}") from None
    log, notice_total, notice_max = {}, 0.0, 0
    for runner, results in parsed.items():
        tests = results["tests"]  # console-results reads .length and each test's fields
        for test in tests:
            assert {"name", "status", "score", "message", "test_code", "line_no"} <= set(test)
        max_score = results.get("max_score") or 0
        passed = sum(test["status"] == "pass" for test in tests)
        log[runner] = passed / len(tests) * max_score  # getTestScore (NaN for no tests)
        if results.get("max_score"):
            notice_max += results["max_score"]
            notice_total += sum(test["score"] for test in tests)
    return {
        "results": parsed,
        "log": log,
        "log_total": sum(log.values()),
        "notice": notice_total,
        "notice_max": notice_max,
        "failed": any(r["status"] in ("fail", "error") for r in parsed.values()),
    }


@pytest.fixture(scope="module")
def workflow():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def steps(workflow):
    (job,) = workflow["jobs"].values()
    return job["steps"]


def reporter_step(steps) -> dict:
    (step,) = [step for step in steps if step.get("uses") == REPORTER]
    return step


def run_step(step: dict, target: Path, tmp_path: Path, extra: str = "") -> dict[str, str]:
    """Run a lesson step's shell command as a runner would; its outputs from $GITHUB_OUTPUT."""
    output = tmp_path / f"output-{step['id']}"
    output.touch()
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(output),
        "COURSE_TARGET": str(target),  # the student's work; on GitHub it is their checkout
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    command = step["run"]
    if extra:
        command = re.sub(r"(autograder classroom \d+)", rf"\1 {extra}", command)
    done = subprocess.run(
        ["bash", "-e", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = output.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def reporter_env(steps, outputs: dict[str, dict[str, str]]) -> tuple[dict[str, str], list[str]]:
    """The reporter's env as Actions fills it from the steps that ran, and their runners."""
    step = reporter_step(steps)
    env, runners = {}, []
    for runner in step["with"]["runners"].split(","):
        expression = step["env"][f"{runner.upper()}_RESULTS"]
        step_id, name = re.fullmatch(
            r"\$\{\{ steps\.(\w+)\.outputs\.(\w+) \}\}", expression
        ).groups()
        if step_id in outputs:  # a workflow keeps only the lessons its assignment grades
            runners.append(runner)
            env[f"{runner.upper()}_RESULTS"] = outputs[step_id].get(name, "")
    return env, runners


def checkout(folder: Path, files: dict[str, str]) -> Path:
    for lesson, text in files.items():
        path = folder / "lessons" / find_lesson(lesson).slug / "exercise.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------ the file


def test_the_example_is_what_classroom_workflow_writes_for_every_lesson(workflow, steps):
    lessons, _ = gradable_lessons()
    assert WORKFLOW.read_text(encoding="utf-8") == classroom.workflow(lessons)
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    (job,) = workflow["jobs"].values()
    lesson_steps = [step for step in steps if step.get("id", "").startswith("lesson")]
    assert [step["id"] for step in lesson_steps] == [f"lesson{x.nn}" for x in lessons]
    for step in lesson_steps:
        # The step's own limit is a backstop: the command stops itself well before it.
        assert step["timeout-minutes"] * 60 >= classroom.BUDGET_SECONDS + 30
        assert step["run"].endswith('>> "$GITHUB_OUTPUT"')
    assert job["timeout-minutes"] >= sum(step.get("timeout-minutes", 0) for step in steps)
    runners = reporter_step(steps)["with"]["runners"].split(",")
    assert runners == [
        classroom.runner_name(lesson, ex) for lesson in lessons for ex in lesson.exercises
    ]
    assert all(re.fullmatch(r"[a-z0-9]+", runner) for runner in runners)  # main.js's pattern
    assert len(reporter_step(steps)["env"]) == len(runners)


# ---------------------------------------------------------------------- steps, as run


@pytest.mark.parametrize("work", ["complete", "partial"])
def test_log_and_notice_give_the_points_course_grade_gives(steps, tmp_path, work):
    target = checkout(tmp_path / "student", {LESSON.nn: SOLUTION.read_text("utf-8")})
    if work == "partial":
        checkout(target, {LESSON.nn: MISTAKE})
    step = next(s for s in steps if s.get("id") == f"lesson{LESSON.nn}")
    env, runners = reporter_env(steps, {step["id"]: run_step(step, target, tmp_path)})
    read = reporter(env, runners)
    assert read["notice_max"] == LESSON.points
    expected = LESSON.points if work == "complete" else None
    if expected is None:
        # The known mistake fails some of E2's tests: E2 earns its share of the passed ones.
        e2 = read["results"][f"lesson{LESSON.nn}e2"]
        passed = sum(t["status"] == "pass" for t in e2["tests"])
        assert 0 < passed < len(e2["tests"])
        assert e2["status"] == "fail" and read["failed"]
        failed = [t for t in e2["tests"] if t["status"] == "fail"]
        assert all(t["score"] == 0 and t["message"] for t in failed)
        assert any("partial=True" in t["message"] for t in failed)
        expected = LESSON.points - e2["max_score"] * (1 - passed / len(e2["tests"]))
    assert read["notice"] == pytest.approx(expected, abs=0.005)
    # The log and the notice agree, runner by runner, to the hundredth the log prints.
    for runner, points in read["log"].items():
        scores = sum(t["score"] for t in read["results"][runner]["tests"])
        assert f"{points:.2f}" == f"{scores:.2f}"
    if work == "complete":
        assert read["notice"] == read["log_total"] == LESSON.points  # exactly: no 9.999...
    for results in read["results"].values():
        assert results["version"] == 1
        for test in results["tests"]:
            assert (test["message"] is None) == (test["status"] == "pass")
            assert test["test_code"].startswith(f"tests/lessons/{LESSON.test_file.name}::")


def hostile_files(submissions: Path) -> dict[str, str]:
    """Lesson 01's hostile files of the class tests, by what each does."""
    return {
        "syntax error": hostile.SYNTAX_ERROR,
        "loop at import": "while True:\n    pass\n",
        "sys.exit at import": "import sys\n\nsys.exit(3)\n",
        "os._exit(0) at import": "import os\n\nos._exit(0)\n",
        "loop in a view": hostile.LOOP_IN_VIEW,
        "memory hog": hostile.MEMORY_HOG,
        "megabytes of output": hostile.FLOOD,
        "os._exit in a view": hostile.EXIT_IN_VIEW,
        "patches the tests": hostile.PATCH_TESTS,
        "patches pytest": hostile.PATCH_PYTEST,
        "writes into tests/": hostile.writes_tests_folder(),
        "reads another student": hostile.reads_other_students(submissions),
    }


@pytest.fixture(scope="module")
def hostile_runs(steps, tmp_path_factory):
    base = tmp_path_factory.mktemp("classroom")
    submissions = base / "class"
    checkout(submissions / "alice", {LESSON.nn: SOLUTION.read_text("utf-8")})
    cases = hostile_files(submissions)
    by_id = {step.get("id"): step for step in steps}
    other = OTHER.solution_folder / "exercise.py"

    def run(item):
        number, (name, text) = item
        target = checkout(base / f"student-{number}", {LESSON.nn: text})
        checkout(target, {OTHER.nn: other.read_text("utf-8")})
        outputs = {f"lesson{LESSON.nn}": run_step(by_id[f"lesson{LESSON.nn}"], target, base, FAST)}
        return name, outputs

    try:
        with ThreadPoolExecutor(2) as pool:
            done = dict(pool.map(run, enumerate(cases.items())))
            target = checkout(base / "student-other", {OTHER.nn: other.read_text("utf-8")})
            second = run_step(by_id[f"lesson{OTHER.nn}"], target, base, FAST)
    finally:
        leaked = hostile.PWNED.exists()
        hostile.PWNED.unlink(missing_ok=True)
    assert not leaked, "a lesson step let the student's code write into tests/"
    return {name: {**outputs, f"lesson{OTHER.nn}": second} for name, outputs in done.items()}


def test_every_hostile_file_gives_every_runner_a_valid_result(steps, hostile_runs):
    assert len(hostile_runs) == 12
    for name, outputs in hostile_runs.items():
        env, runners = reporter_env(steps, outputs)
        assert len(runners) == len(LESSON.exercises) + len(OTHER.exercises)
        read = reporter(env, runners)  # raises ReporterFailed if any runner would break it
        others = {r: v for r, v in read["results"].items() if r.startswith(f"lesson{OTHER.nn}")}
        assert sum(t["score"] for v in others.values() for t in v["tests"]) == OTHER.points, name
        assert all(v["status"] == "pass" for v in others.values()), name
        assert read["notice"] < LESSON.points + OTHER.points or name in (
            "patches the tests",
            "patches pytest",
            "writes into tests/",
            "reads another student",
            "megabytes of output",
        ), name
        assert read["log_total"] == pytest.approx(read["notice"], abs=0.01), name
        assert all(not math.isnan(points) for points in read["log"].values()), name


def test_code_that_ends_or_hangs_the_lesson_gets_status_error_with_the_reason(hostile_runs, steps):
    for name in ("os._exit(0) at import", "sys.exit at import"):
        env, runners = reporter_env(steps, hostile_runs[name])
        read = reporter(env, runners)
        for exercise in LESSON.exercises:
            results = read["results"][classroom.runner_name(LESSON, exercise)]
            assert results["status"] in ("error", "fail"), name
            assert results["max_score"] == exercise.points
            assert all(t["score"] == 0 and t["message"] for t in results["tests"]), name
    ended = reporter(*reporter_env(steps, hostile_runs["os._exit(0) at import"]))
    first = ended["results"][classroom.runner_name(LESSON, LESSON.exercises[0])]
    assert first["status"] == "error"
    assert "Not graded" in first["tests"][0]["message"]


def test_a_step_that_runs_out_of_budget_still_writes_every_result(steps, tmp_path):
    target = checkout(tmp_path / "student", {LESSON.nn: "while True:\n    pass\n"})
    step = next(s for s in steps if s.get("id") == f"lesson{LESSON.nn}")
    outputs = {step["id"]: run_step(step, target, tmp_path, "--budget 2")}
    read = reporter(*reporter_env(steps, outputs))
    assert read["notice"] == 0 and read["notice_max"] == LESSON.points
    for results in read["results"].values():
        assert results["status"] == "error"
        assert "budget of 2 s" in results["tests"][0]["message"]
