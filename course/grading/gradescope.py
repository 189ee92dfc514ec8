"""Gradescope: an autograder zip that grades one submission there (its results.json shape is
built by course.grading.report.results_json).

Gradescope's autograder contract (its "Autograder Specifications" page): the zip holds
`setup.sh` and `run_autograder` at its root; Gradescope unpacks the zip into
/autograder/source, runs setup.sh once while it builds the image (as root, Ubuntu 22.04 by
default), then for every submission puts the student's files in /autograder/submission,
runs run_autograder with /autograder as its working folder and reads
/autograder/results/results.json. AUTOGRADER_ROOT (default /autograder) moves all of it, so
the zip can be tried on any machine.

The autograder grades with `course grade` itself (the same plugin, verdicts, limits and
guard as for a class), so a student's Gradescope score is what `make check` and the class
grader give. results.json holds one test per exercise (`number` 03.E2, the manifest's
points, each graded test's verdict in its output) and, as its output, what `make check`
shows, in Markdown. The grader's review and tampering flags go to `extra_data` and to the
autograder's stdout, which Gradescope shows to instructors only.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from course import ROOT
from course.manifest import Lesson

VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")
CONFIG = "autograder.json"  # in the zip: the lessons graded and the options chosen
# What the zip carries of the course: enough to install it and run the graded tests.
SOURCE_PARTS = (
    "pyproject.toml",
    "README.md",
    "manage.py",
    "course",
    "playground_project",
    "lessons",
    "solutions",
    "notebooks",
    "tests/__init__.py",
    "tests/lessons",
)
_SKIPPED = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
# Gradescope stops an autograder after the assignment's timeout, 10 minutes unless the
# instructor raises it (up to 40), and a run it stops gets 0 and shows no test. So the whole
# run has a budget below that: BUDGET_SECONDS by default, `--budget` to change it together
# with the timeout on Gradescope's Configure Autograder page.
GRADESCOPE_DEFAULT_SECONDS = 600
BUDGET_SECONDS = 540
STARTUP_SECONDS = 60  # the warm parent, reading the submission, writing results.json
JOBS = 2
BACKSTOP_SECONDS = 30  # run_autograder's own `timeout` is the budget plus this

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image. Choose the
# Ubuntu 24.04 base image: its python3 is 3.12, a final release kept up to date by Ubuntu,
# and the course needs Python 3.11 or newer. (Ubuntu 22.04's archive has Python 3.10, and its
# python3.11 package is a release candidate, 3.11.0~rc1: it is refused below.) This installs
# the course's pinned stack in a virtual environment, then grades the reference solutions
# with the interpreter chosen, so that an image where they do not earn full marks fails its
# build, not the students. COURSE_PYTHON=/path/to/python reuses an interpreter that already
# has the stack (trying the zip on your own machine).
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$SOURCE"
# A final release (no alpha, beta or release candidate) of Python 3.11 or newer.
FINAL='import sys; sys.exit(not (sys.version_info >= (3, 11) and sys.version_info.releaselevel == "final"))'
if [ -n "${COURSE_PYTHON:-}" ]; then
  PY="$COURSE_PYTHON"
else
  if ! command -v python3 > /dev/null || ! python3 -c "$FINAL" 2> /dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
  fi
  BASE=""
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" > /dev/null && "$candidate" -c "$FINAL" 2> /dev/null; then
      BASE="$candidate"
      break
    fi
  done
  if [ -z "$BASE" ]; then
    echo "No final release of Python 3.11 or newer here: choose the Ubuntu 24.04 base image." >&2
    exit 1
  fi
  if ! "$BASE" -m venv --help > /dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  "$BASE" -m venv "$SOURCE/.venv"
  "$SOURCE/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$SOURCE"
  "$SOURCE/.venv/bin/python" -m compileall -q -j 0 "$SOURCE/.venv/lib" > /dev/null || true
  PY="$SOURCE/.venv/bin/python"
fi
"$PY" -c "$FINAL" || { echo "$PY is not a final release of Python 3.11 or newer." >&2; exit 1; }
echo "$PY" > "$SOURCE/.autograder-python"
"$PY" --version
"$PY" -m course autograder verify
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. It grades AUTOGRADER_ROOT/submission (default
# /autograder/submission) with the course's own grader within the autograder's budget of
# __BUDGET__ s and always leaves AUTOGRADER_ROOT/results/results.json, also when grading
# itself fails. The `timeout` below is only a backstop: the grader stops itself in time.
AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"
export AUTOGRADER_ROOT
SOURCE="$AUTOGRADER_ROOT/source"
RESULTS="$AUTOGRADER_ROOT/results/results.json"
mkdir -p "$AUTOGRADER_ROOT/results"
rm -f "$RESULTS"
PY="$(cat "$SOURCE/.autograder-python" 2> /dev/null || echo "$SOURCE/.venv/bin/python")"
cd "$SOURCE" && timeout --kill-after=5 __SECONDS__ "$PY" -m course autograder run
if [ ! -s "$RESULTS" ]; then
  printf '%s\\n' '{"score": 0, "output": "The autograder could not grade this submission (it stopped before writing results). Please tell your instructor.", "output_format": "md", "tests": []}' > "$RESULTS"
fi
exit 0
"""


def run_autograder_script(budget: float) -> str:
    return RUN_AUTOGRADER.replace("__BUDGET__", f"{budget:g}").replace(
        "__SECONDS__", f"{budget + BACKSTOP_SECONDS:g}"
    )


def lesson_timeout(budget: float, lessons: int, timeout: float, jobs: int = JOBS) -> float:
    """Seconds for one lesson's test process, so that the worst case fits the budget.

    A run grades the reference, then the submission, each lesson in a process of its own,
    `jobs` at a time: at worst 2 * ceil(lessons / jobs) processes one after another, each
    stopped at this limit, after STARTUP_SECONDS.
    """
    rounds = 2 * -(-max(1, lessons) // jobs)
    return min(timeout, int((budget - STARTUP_SECONDS) / rounds * 10) / 10)  # rounded down


# ------------------------------------------------------------------------------ the zip


def build_zip(
    out: Path,
    lessons: list[Lesson],
    visibility: str,
    timeout: float,
    budget: float = BUDGET_SECONDS,
) -> list[str]:
    """Write the autograder zip; returns the names at its root.

    `timeout` is the most a lesson's test process may take; the zip gives each one
    lesson_timeout() of the `budget`, the seconds the whole run may take.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "lessons": [lesson.slug for lesson in lessons],
        "visibility": visibility,
        "timeout": lesson_timeout(budget, len(lessons), timeout),
        "budget": budget,
    }
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_script(archive, "setup.sh", SETUP_SH)
        _add_script(archive, "run_autograder", run_autograder_script(budget))
        archive.writestr(CONFIG, json.dumps(config, indent=1) + "\n")
        for part in SOURCE_PARTS:
            path = ROOT / part
            files = [path] if path.is_file() else sorted(path.rglob("*"))
            for file in files:
                relative = file.relative_to(ROOT)
                if file.is_file() and not _SKIPPED & set(relative.parts) and file.suffix != ".pyc":
                    archive.write(file, relative.as_posix())
    partial.replace(out)  # a zip that is there is whole
    with zipfile.ZipFile(out) as archive:
        return sorted({name.split("/")[0] for name in archive.namelist()})


def _add_script(archive: zipfile.ZipFile, name: str, text: str) -> None:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.external_attr = (stat.S_IFREG | 0o755) << 16  # executable once unzipped
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


# ----------------------------------------------------------------------------- running


def autograder_root() -> Path:
    return Path(os.environ.get("AUTOGRADER_ROOT") or "/autograder")


def read_config() -> dict:
    path = ROOT / CONFIG
    config = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    config.setdefault("lessons", [])
    config.setdefault("visibility", "visible")
    config.setdefault("budget", BUDGET_SECONDS)
    config.setdefault("timeout", lesson_timeout(config["budget"], len(config["lessons"]), 60.0))
    return config


def stage_submission(submission: Path, into: Path, lessons: list[Lesson]) -> None:
    """Copy what the student uploaded into `into` as a submission `course grade` reads.

    A whole checkout and lesson folders are taken as they are; a lone learner file (say
    exercise.py, at the top) is put in its lesson's folder when the autograder grades one
    lesson. Links are copied as links, so the grader refuses them as it does in a class.
    """
    from course.grading.submissions import place_loose_files

    into.mkdir(parents=True, exist_ok=True)
    if submission.is_dir():
        shutil.copytree(submission, into, symlinks=True, dirs_exist_ok=True)
    if not (into / "lessons").exists():
        place_loose_files(into, lessons)


def run() -> int:
    """Grade AUTOGRADER_ROOT/submission and write AUTOGRADER_ROOT/results/results.json."""
    root = autograder_root()
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    config = read_config()
    watchdog = threading.Timer(float(config["budget"]), _out_of_time, (results, started, config))
    watchdog.daemon = True
    watchdog.start()
    try:
        from course.grading.command import gradable_lessons, grade

        lessons, _ = gradable_lessons(config["lessons"] or None)
        with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
            scratch = Path(scratch)
            staged = scratch / "class" / "your submission"
            stage_submission(root / "submission", staged, lessons)
            out = scratch / "out"
            (result,) = grade(
                scratch / "class",
                out,
                timeout=float(config["timeout"]),
                lessons=[lesson.slug for lesson in lessons],
                scratch=scratch / "work",
                jobs=JOBS,
            )
            record = json.loads((out / "gradescope" / f"{result.slug}.json").read_text("utf-8"))
        record["execution_time"] = round(time.perf_counter() - started, 1)
        if config["visibility"] != "visible":
            record["visibility"] = config["visibility"]
            for test in record["tests"]:
                test["visibility"] = config["visibility"]
        watchdog.cancel()
        _write(results, record)
        print(record["output"])
        for flag in record["extra_data"]["flags"]:
            print(f"FLAG {flag}")
        return 0
    except BaseException as exc:  # noqa: BLE001 - whatever happens, Gradescope gets an answer
        import traceback

        traceback.print_exc()
        _write(
            results,
            {
                "score": 0.0,
                "execution_time": round(time.perf_counter() - started, 1),
                "output": "The autograder could not grade this submission: "
                f"{type(exc).__name__}: {exc}. Please tell your instructor.",
                "output_format": "md",
                "tests": [],
            },
        )
        return 0


_written = threading.Lock()


def _out_of_time(results: Path, started: float, config: dict) -> None:
    """The budget is spent: a results.json that says so, before Gradescope's timeout does."""
    if not _written.acquire(blocking=False):
        return  # the grade is being written
    data = {
        "score": 0.0,
        "execution_time": round(time.perf_counter() - started, 1),
        "output": f"Grading did not finish within the autograder's {config['budget']:g} s "
        "(an endless loop, or a very slow machine). Please tell your instructor.",
        "output_format": "md",
        "tests": [],
    }
    partial = results.with_name(results.name + ".partial")
    partial.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    partial.replace(results)
    print(data["output"])
    os._exit(0)


def _write(path: Path, data: dict) -> None:
    _written.acquire()  # once the watchdog holds it, this process is ending: wait for that
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    partial.replace(path)


def verify() -> int:
    """setup.sh's last step: the reference earns full marks here, or the build fails."""
    from course.grading.command import GradingError, gradable_lessons, grade

    config = read_config()
    lessons, _ = gradable_lessons(config["lessons"] or None)
    with tempfile.TemporaryDirectory(prefix="autograder-verify-") as scratch:
        empty = Path(scratch) / "class"
        empty.mkdir()
        try:
            grade(empty, Path(scratch) / "out", jobs=2, lessons=[x.slug for x in lessons])
        except GradingError as exc:
            print(f"The autograder cannot be trusted here: {exc}", file=sys.stderr)
            return 1
    names = ", ".join(lesson.nn for lesson in lessons)
    print(f"The reference solutions earn full marks on lessons {names}: the autograder is ready.")
    return 0
