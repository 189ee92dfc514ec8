"""The Gradescope autograder zip, tried as an instructor would, outside Gradescope.

Built for lesson 01, unzipped into AUTOGRADER_ROOT/source, set up with setup.sh (reusing this
environment's interpreter through COURSE_PYTHON, so nothing is installed), then
run_autograder grades a full, a partial, a broken and a hostile submission, each in its own
AUTOGRADER_ROOT, and each results.json is checked against Gradescope's format.
"""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import types
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from course.grading import gradescope
from course.grading.report import results_json

from .conftest import LESSON, SOLUTION, STARTER
from .test_grading import MISTAKE

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the autograder runs on Gradescope's Linux"
)

SECONDS = 15  # the zip's time limit per lesson: the broken submission's loop costs this (a loaded machine needs that much for the reference)
SOLUTION_TEXT = SOLUTION.read_text(encoding="utf-8")
STARTER_TEXT = STARTER.read_text(encoding="utf-8")
FORGERY = {"score": 100, "tests": []}


def hostile(root: Path) -> str:
    """The starter, plus an attempt to forge results.json and to read the reference."""
    results = root / "results" / "results.json"
    reference = root / "source" / "solutions" / LESSON.slug / "exercise.py"
    return STARTER_TEXT + (
        "\n\nimport json\n\n"
        "try:\n"
        f"    with open({str(results)!r}, 'w') as sink:\n"
        f"        json.dump({FORGERY!r}, sink)\n"
        "except OSError:\n"
        "    pass\n"
        "try:\n"
        f"    print(open({str(reference)!r}).read())\n"
        "except OSError:\n"
        "    pass\n"
    )


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    base = tmp_path_factory.mktemp("gradescope")
    archive = base / "autograder.zip"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "course",
            "autograder",
            "gradescope",
            "--lessons",
            LESSON.nn,
            "--timeout",
            str(SECONDS),
            "--out",
            str(archive),
        ],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    source = base / "source"
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        zf.extractall(source)
    for script in ("setup.sh", "run_autograder"):
        os.chmod(source / script, 0o755)  # zipfile does not restore modes; Gradescope's unzip does
    env = {**os.environ, "COURSE_PYTHON": sys.executable}
    setup = subprocess.run(
        ["bash", "setup.sh"], cwd=source, env=env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return {"base": base, "source": source, "names": names, "setup": setup.stdout}


def run_autograder(autograder, name: str, files: dict[str, str]) -> tuple[dict, str]:
    """A fresh AUTOGRADER_ROOT holding the one source, `files` as the submission; run it."""
    root = autograder["base"] / name
    (root / "submission").mkdir(parents=True)
    (root / "source").symlink_to(autograder["source"])
    for relative, text in files.items():
        path = root / "submission" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = text(root) if callable(text) else text
        path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [str(root / "source" / "run_autograder")],
        cwd=root,
        env={**os.environ, "AUTOGRADER_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "results" / "results.json").read_text("utf-8")), done.stdout


@pytest.fixture(scope="module")
def graded(autograder):
    cases = {
        # A whole checkout, as a GitHub upload gives it.
        "full": {f"lessons/{LESSON.slug}/exercise.py": SOLUTION_TEXT, "README.md": "mine"},
        # Only the file, dragged in.
        "partial": {"exercise.py": MISTAKE},
        # A loop at import: the lesson's process is stopped at the zip's time limit.
        "broken": {f"{LESSON.slug}/exercise.py": "while True:\n    pass\n"},
        "hostile": {"exercise.py": hostile},
    }
    with ThreadPoolExecutor(2) as pool:
        futures = {
            name: pool.submit(run_autograder, autograder, name, f) for name, f in cases.items()
        }
        return {name: future.result() for name, future in futures.items()}


def check_format(results: dict) -> None:
    """The fields Gradescope's specification names, with the types it expects."""
    assert {"score", "execution_time", "output", "output_format", "tests"} <= set(results)
    assert isinstance(results["score"], float) and results["output_format"] == "md"
    assert [t["number"] for t in results["tests"]] == [
        f"{LESSON.nn}.{e.id}" for e in LESSON.exercises
    ]
    for test, exercise in zip(results["tests"], LESSON.exercises, strict=True):
        assert set(test) == {
            "name",
            "number",
            "score",
            "max_score",
            "status",
            "output",
            "output_format",
            "visibility",
        }
        assert test["max_score"] == exercise.points and 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed") and test["output_format"] == "md"
        assert test["visibility"] == "visible" and exercise.title in test["name"]
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


def test_the_zip_holds_the_scripts_at_its_root(autograder):
    assert {"setup.sh", "run_autograder", "autograder.json"} <= set(autograder["names"])
    assert "pyproject.toml" in autograder["names"]
    assert not [n for n in autograder["names"] if "__pycache__" in n or n.startswith("var/")]
    assert "the autograder is ready" in autograder["setup"]


def test_a_full_checkout_earns_every_point(graded):
    results, stdout = graded["full"]
    check_format(results)
    assert results["score"] == LESSON.points
    assert all(t["status"] == "passed" for t in results["tests"])
    assert "**Total: 10/10**" in results["output"], "the output is what `make check` shows"
    assert "- ✔ `test_e1_" in results["tests"][0]["output"]
    assert "Total: 10/10" in stdout


def test_a_lone_exercise_py_gets_partial_credit_with_the_failure_shown(graded):
    results, _ = graded["partial"]
    check_format(results)
    assert 0 < results["score"] < LESSON.points
    e2 = results["tests"][1]
    assert e2["status"] == "failed" and 0 < e2["score"] < e2["max_score"]
    assert "partial=True" in e2["output"] and "✘" in e2["output"]


def test_a_submission_that_loops_still_gets_a_results_file(graded):
    results, _ = graded["broken"]
    check_format(results)
    assert results["score"] == 0
    assert all(t["status"] == "failed" for t in results["tests"])
    output = results["tests"][0]["output"]
    # The per-test limit (10 s) or the lesson's (SECONDS) stops the loop, whichever comes first.
    if "did not finish loading within" in output:
        assert results["extra_data"]["status"] == "fail"  # the code does not load
    else:
        assert f"Stopped after {SECONDS:g} s" in output
        assert results["extra_data"]["status"] == "error"


def test_a_hostile_submission_cannot_forge_results_or_read_the_reference(graded):
    results, stdout = graded["hostile"]
    check_format(results)
    assert results["score"] == 0, "the starter earns nothing, whatever it writes"
    flags = "; ".join(results["extra_data"]["flags"])
    assert "wrote outside its folder" in flags and "results.json" in flags
    assert "read another submission or the grader's files" in flags and "<reference>" in flags
    assert "FLAG tampering" in stdout, "instructors see the flags in the autograder's stdout"
    assert "class Course" not in results["output"] + json.dumps(results["tests"])


def test_results_json_is_always_written_even_when_python_cannot_start(autograder, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(autograder["source"], source, symlinks=True)
    (source / ".autograder-python").write_text(str(tmp_path / "no-such-python"))
    (tmp_path / "submission").mkdir()
    subprocess.run(
        [str(source / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(tmp_path)},
        capture_output=True,
        timeout=60,
    )
    results = json.loads((tmp_path / "results" / "results.json").read_text("utf-8"))
    assert results["score"] == 0 and "could not grade" in results["output"]


def test_course_grade_writes_the_same_shape_for_every_student():
    record = {
        "status": "error",
        "message": "Rejected: a link.",
        "tests": [],
        "points": 0.0,
        "duration": 0.2,
        "lessons": [LESSON.slug],
        "exercises": {
            f"{LESSON.nn}.{e.id}": {"earned": 0, "passed": False} for e in LESSON.exercises
        },
        "flags": [],
    }
    results = results_json(record, "# Feedback")
    check_format(results)
    assert all(t["output"] == "Not graded: Rejected: a link." for t in results["tests"])


def test_a_run_that_outlasts_its_budget_still_writes_results_in_time(autograder, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(autograder["source"], source, symlinks=True)
    config = json.loads((source / "autograder.json").read_text("utf-8"))
    (source / "autograder.json").write_text(json.dumps({**config, "budget": 1}), "utf-8")
    (tmp_path / "submission" / LESSON.slug).mkdir(parents=True)
    (tmp_path / "submission" / LESSON.slug / "exercise.py").write_text("while True:\n    pass\n")
    done = subprocess.run(
        [str(source / "run_autograder")],
        env={**os.environ, "AUTOGRADER_ROOT": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results" / "results.json").read_text("utf-8"))
    assert (
        results["score"] == 0 and "did not finish within the autograder's 1 s" in results["output"]
    )


@pytest.mark.parametrize("lessons", [1, 3, 14, 20])
def test_the_worst_run_fits_the_budget_and_the_budget_gradescopes_default_timeout(lessons):
    budget = gradescope.BUDGET_SECONDS
    per_lesson = gradescope.lesson_timeout(budget, lessons, 60.0)
    rounds = 2 * -(-lessons // gradescope.JOBS)  # the reference, then the submission
    assert gradescope.STARTUP_SECONDS + rounds * per_lesson <= budget
    assert per_lesson == min(60.0, per_lesson) and per_lesson > 0
    script = gradescope.run_autograder_script(budget)
    (backstop,) = re.findall(r"timeout --kill-after=(\d+) (\d+) ", script)
    assert int(backstop[1]) + int(backstop[0]) < gradescope.GRADESCOPE_DEFAULT_SECONDS


def test_the_zip_records_the_budget_and_each_lessons_share(autograder):
    config = json.loads((autograder["source"] / "autograder.json").read_text("utf-8"))
    assert config["budget"] == gradescope.BUDGET_SECONDS
    assert config["timeout"] == SECONDS  # asked for less than the budget's share


def final_check(script: str):
    """The interpreter test setup.sh applies, as a function of sys.version_info."""
    (expression,) = re.findall(r"^FINAL='(.+)'$", script, flags=re.M)

    def accepts(version_info) -> bool:
        fake = types.SimpleNamespace(version_info=version_info)

        def leave(code):
            raise SystemExit(code)

        fake.exit = leave
        try:
            exec(expression.replace("import sys; ", ""), {"sys": fake})
        except SystemExit as exc:
            return not exc.code
        return True

    return accepts


def test_setup_sh_installs_a_final_python_and_refuses_a_release_candidate(autograder):
    script = (autograder["source"] / "setup.sh").read_text("utf-8")
    assert "Ubuntu 24.04" in script
    assert "apt-get install -y -qq python3 python3-venv" in script
    assert "python3.11-venv" not in script, "22.04's python3.11 package is 3.11.0~rc1"
    accepts = final_check(script)
    version = collections.namedtuple("version_info", "major minor micro releaselevel serial")
    assert accepts(version(3, 12, 3, "final", 0))  # Ubuntu 24.04's python3
    assert accepts(version(3, 11, 7, "final", 0))
    assert not accepts(version(3, 11, 0, "candidate", 1))  # Ubuntu 22.04's python3.11
    assert not accepts(version(3, 10, 12, "final", 0))  # Ubuntu 22.04's python3
    assert accepts(sys.version_info)
    # Every interpreter setup.sh may use, chosen or given, passes that test first.
    assert script.count('-c "$FINAL"') >= 3
    assert '"$PY" -m course autograder verify' in script.splitlines()[-1]
