"""examples/github-classroom.yml, its steps run here as GitHub Actions would run them.

Each lesson step is a shell command that appends `result=...` to $GITHUB_OUTPUT; the
reporter step gets each runner's result through `<RUNNER>_RESULTS` and reads it as
classroom-resources/autograding-grading-reporter does (base64, JSON, the sum of the tests'
scores for runners with a max_score). Lesson 01's step is run on a complete and a partial
checkout; the points must be what `make check` gives.
"""

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from course import ROOT, checking
from course.manifest import all_lessons

from .conftest import LESSON, SOLUTION
from .test_grading import MISTAKE

WORKFLOW = ROOT / "examples" / "github-classroom.yml"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


@pytest.fixture(scope="module")
def steps():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    (job,) = workflow["jobs"].values()
    return job["steps"]


def lesson_steps(steps) -> dict[str, dict]:
    return {step["id"]: step for step in steps if step.get("id", "").startswith("lesson")}


def run_step(step: dict, target: Path, tmp_path: Path) -> dict[str, str]:
    """Run a step's shell command as a runner would; its outputs from $GITHUB_OUTPUT."""
    output = tmp_path / f"output-{step['id']}"
    output.touch()
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(output),
        "COURSE_TARGET": str(target),  # the student's work; on GitHub it is their checkout
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = output.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def report(steps, outputs: dict[str, dict[str, str]]) -> tuple[float, int, list[dict]]:
    """What the reporter does with its env and `runners`: (points, max, each runner's JSON)."""
    (reporter,) = [step for step in steps if step.get("uses") == REPORTER]
    runners = [name.strip() for name in reporter["with"]["runners"].split(",")]
    total, possible, parsed = 0.0, 0, []
    for runner in runners:
        expression = reporter["env"][f"{runner.upper()}_RESULTS"]
        step_id = re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.result \}\}", expression)[1]
        if step_id not in outputs:
            continue  # a lesson this test did not run
        results = json.loads(base64.b64decode(outputs[step_id]["result"]).decode("utf-8"))
        parsed.append(results)
        if results["max_score"]:
            possible += results["max_score"]
            total += sum(test["score"] for test in results["tests"])
    return total, possible, parsed


def test_every_lesson_has_a_step_and_a_runner(steps):
    graded = [lesson for lesson in all_lessons() if lesson.test_file.is_file()]
    found = lesson_steps(steps)
    assert sorted(found) == [f"lesson{lesson.nn}" for lesson in graded]
    for lesson in graded:
        assert f"autograder classroom {lesson.nn})" in found[f"lesson{lesson.nn}"]["run"]
    (reporter,) = [step for step in steps if step.get("uses") == REPORTER]
    assert reporter["with"]["runners"].split(",") == sorted(found)
    assert "python -m pip install" in "".join(step.get("run", "") for step in steps)


@pytest.mark.parametrize("work", ["complete", "partial"])
def test_lesson_steps_report_the_points_check_gives(steps, tmp_path, work):
    target = tmp_path / "student"
    source = SOLUTION.read_text("utf-8") if work == "complete" else MISTAKE
    (target / "lessons" / LESSON.slug).mkdir(parents=True)
    (target / "lessons" / LESSON.slug / "exercise.py").write_text(source, encoding="utf-8")
    step = lesson_steps(steps)[f"lesson{LESSON.nn}"]
    total, possible, (results,) = report(steps, {step["id"]: run_step(step, target, tmp_path)})
    check = checking.run_in_subprocess([LESSON], str(target))
    assert possible == LESSON.points == results["max_score"]
    assert total == pytest.approx(check.earned)
    assert results["version"] == 1
    assert results["status"] == ("pass" if work == "complete" else "fail")
    for test in results["tests"]:
        assert set(test) == {
            "name",
            "status",
            "score",
            "message",
            "test_code",
            "filename",
            "line_no",
            "duration",
        }
        assert (test["message"] is None) == (test["status"] == "pass")
    if work == "partial":
        (failed,) = [t for t in results["tests"] if t["status"] == "fail"]
        assert failed["name"].startswith(f"{LESSON.nn}.E2") and 0 < failed["score"] < 4
        assert "partial=True" in failed["message"]
