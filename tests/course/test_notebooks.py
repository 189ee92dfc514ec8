"""Every notebook runs top to bottom, headless, against the starter and against the solutions.

Each notebook in notebooks/ is executed with nbclient in a fresh kernel, as a self-learner
would run it, once per target: `lessons` (the starter, where every exercise must fail) and
`solutions` (where every exercise must pass). Each run starts a playground of its own
(COURSE_NOTEBOOK_FRESH=1), so no cell may raise, the check cell's verdicts must match the
target, and no server may outlive its kernel. The committed notebooks carry no outputs.

These are course-integrity tests, not graded ones (those live in tests/lessons/).
"""

from __future__ import annotations

import json
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from course.manifest import NOTEBOOKS_DIR, all_lessons
from tests.ports import closed_within

from .conftest import IN_CI, starter_is_pristine

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
# A hang guard, not a speed check: most cells take under 2 s, but lesson 14's check grades the
# learner's tests in 14 processes of their own, about 15 s of CPU, far more on a busy machine.
CELL_TIMEOUT = 180  # seconds
BATCH_TIMEOUT = 1800  # seconds for every notebook run together, on a slow shared machine
TARGETS = {"lessons": "fail", "solutions": "pass"}  # target -> every exercise's verdict
TARGET_LABELS = {"lessons": "starter", "solutions": "solutions"}

# Appended to the executed copy only: prints what the check cell returned (`_` is the last
# result), so the returned data is tested as well as the table it displayed.
PROBE_MARK = "RETURNED-VERDICTS "
PROBE = (
    "import json\n"
    f"print({PROBE_MARK!r} + json.dumps("
    "{e['id']: e['status'] for lesson in _['lessons'] for e in lesson['exercises']}))"
)
SERVER_URL = re.compile(r"Started at http://127\.0\.0\.1:(\d+)/")
# A row of the check's plain text (course.render.markdown): "- ✔ **E1. Title**: 3/3".
TABLE_ROW = re.compile(r"^- (✔|✘) \*\*(E\d+)\.", re.MULTILINE)
VERDICTS = {"✔": "pass", "✘": "fail"}


def lesson_of(notebook):
    return next((lesson for lesson in all_lessons() if lesson.slug == notebook.stem), None)


def kernel_env(target: str) -> dict[str, str]:
    """A learner's environment plus the target: the kernel must not inherit pytest's own state.

    pytest sets COURSE_TARGET (course/targets.py) and DJANGO_SETTINGS_MODULE (the test
    settings) in this process; a kernel started from here would otherwise inherit them.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("PYTEST_")
    }
    # A cheap password hasher for the notebook's own server (playground_project/settings.py).
    env.update(COURSE_TARGET=target, COURSE_NOTEBOOK_FRESH="1", COURSE_FAST_PASSWORD_HASHER="1")
    return env


def outputs_text(cell, output_type: str | None = None) -> str:
    """The plain text a cell showed: streams, displays and results."""
    parts = []
    for output in cell.get("outputs", []):
        if output_type and output["output_type"] != output_type:
            continue
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(notebook):
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    assert lesson_of(notebook), f"{notebook.name} is named after no lesson: name it lNN_topic.ipynb"
    dirty = [
        f"cell {i} ({cell.get('id')})"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{notebook.name} is committed with outputs or execution counts in {', '.join(dirty)}: "
        f"clear them (Jupyter: Edit > Clear Outputs of All Cells) and save."
    )
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, f"{notebook.name} has no code cell"
    assert "connect(" in code[0].source, (
        f"{notebook.name}: the first code cell connects with course.notebook.connect"
    )
    assert code[-1].source.strip().endswith(".check()"), (
        f"{notebook.name}: the last code cell is the check, api.check()"
    )


def execute(notebook, target):
    """Run a notebook top to bottom in a fresh kernel; the executed copy and the error, if any."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    try:
        client.execute(env=kernel_env(target))  # passed on to the kernel manager's start_kernel
    except CellExecutionError as exc:
        return nb, exc
    return nb, None


@pytest.fixture(scope="session")
def executed(request):
    """Every selected notebook run, executed together on first use, one per core at a time.

    Each run waits mostly on its kernel and its playground, two other processes, so running
    them side by side takes about half the time of running them one after another. A run
    whose cell raised is run once more, alone, as a learner runs it: a learner never runs two
    notebooks at once, so only what fails alone fails the test; what failed side by side only
    is reported as a warning, with its error.
    """
    wanted = [
        (item.callspec.params["notebook"], item.callspec.params["target"])
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_notebook_runs_headless"
    ]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        results = dict(zip(wanted, pool.map(lambda run: execute(*run), wanted), strict=True))
    for run, (_nb, error) in list(results.items()):
        if error is not None:
            results[run] = execute(*run)
            if results[run][1] is None:
                warnings.warn(
                    f"{run[0].name} against {run[1]} raised only when run beside another "
                    f"notebook:\n{str(error)[-2000:]}",
                    stacklevel=1,
                )
    return results


@pytest.mark.parametrize(
    "notebook, target",
    [
        pytest.param(nb, target, id=f"{nb.stem}-{TARGET_LABELS[target]}")
        for nb in NOTEBOOKS
        for target in TARGETS
    ],
)
@pytest.mark.slow
@pytest.mark.timeout(BATCH_TIMEOUT)  # the first one waits for the whole batch
def test_notebook_runs_headless(notebook, target, executed):
    lesson = lesson_of(notebook)
    assert lesson, f"{notebook.name} is named after no lesson: name it lNN_topic.ipynb"
    nb, error = executed[(notebook, target)]
    if error is not None:
        pytest.fail(f"{notebook.name} against {target}: a cell raised.\n{error}", pytrace=False)

    first_code = next(cell for cell in nb.cells if cell.cell_type == "code")
    started = SERVER_URL.search(outputs_text(first_code))
    assert started, (
        f"{notebook.name}: the first cell did not start a playground of its own:\n{outputs_text(first_code)}"
    )
    port = int(started.group(1))
    assert closed_within(port, 5.0), (
        f"{notebook.name}: its playground on port {port} still runs after the kernel stopped"
    )

    if target == "lessons" and not starter_is_pristine(lesson) and not IN_CI:
        pytest.skip(
            f"{notebook.name} ran without error; its verdicts are not compared because "
            f"lessons/{lesson.slug}/exercise.py holds your work, not the starter (CI compares them)"
        )
    expected = {exercise.id: TARGETS[target] for exercise in lesson.exercises}
    check_cell = nb.cells[-2]
    shown = {
        eid: VERDICTS[mark]
        for mark, eid in TABLE_ROW.findall(outputs_text(check_cell, "display_data"))
    }
    assert shown == expected, (
        f"{notebook.name} against {target}: the check table shows {shown}, expected {expected}.\n"
        f"{outputs_text(check_cell)}"
    )
    probe = outputs_text(nb.cells[-1])
    returned = json.loads(probe.split(PROBE_MARK, 1)[1]) if PROBE_MARK in probe else None
    assert returned == expected, (
        f"{notebook.name} against {target}: check() returned {returned}, expected {expected}"
    )
