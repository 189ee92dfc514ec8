"""`python -m course notebook` serves Jupyter as this user, and lesson 01 runs there to its check.

The end-to-end test starts the verb as a learner would (as root in CI and most containers),
with no browser and with the port it asks for already taken, reads the URL it prints, and
runs lesson 01's notebook through that Jupyter server's own REST and kernel websocket API:
the path a browser takes, not nbclient's direct kernel. Then it stops the kernel and the
server, and checks that nothing it started is left listening.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from course import ROOT, jupyter
from course.manifest import find_lesson
from tests.jupyter_api import check_verdicts, run_notebook, shown_text
from tests.ports import closed_within, free_port

pytestmark = pytest.mark.skipif(os.name == "nt", reason="process groups and signals are POSIX")

LESSON = find_lesson("01")
URL_LINE = re.compile(r"^\s+(http://[^\s/]+:(\d+)/\S*\?token=(\w+))\s*$", re.MULTILINE)
PLAYGROUND_STARTED = re.compile(r"Started at http://127\.0\.0\.1:(\d+)/")
START_TIMEOUT = 90.0


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------- the command line


def test_command_allows_root_and_skips_the_browser_only_when_asked(tmp_path):
    notebook = tmp_path / "x.ipynb"
    plain = jupyter.command(notebook, port=9999)
    assert plain[1:3] == ["-m", "notebook"] and "--port=9999" in plain
    assert "--allow-root" not in plain and "--no-browser" not in plain
    rooted = jupyter.command(notebook, open_browser=False, as_root=True, extra=["--ip=0.0.0.0"])
    assert {"--allow-root", "--no-browser"} <= set(rooted) and rooted[-1] == "--ip=0.0.0.0"


def test_command_serves_the_whole_course_and_opens_the_target():
    """The root is the course (a learner can open their exercise.py); the target opens first."""
    on_notebook = jupyter.command(LESSON.notebook)
    assert f"--ServerApp.root_dir={ROOT}" in on_notebook and str(LESSON.notebook) in on_notebook
    on_folder = jupyter.command(LESSON.notebook.parent)
    assert "--JupyterNotebookApp.default_url=/tree/notebooks" in on_folder
    assert str(LESSON.notebook.parent) not in on_folder  # a folder given would become the root


def test_command_in_a_codespace_accepts_its_forwarded_host_name(tmp_path):
    assert "--ServerApp.allow_remote_access=True" in jupyter.command(tmp_path, in_codespace=True)
    assert not any("allow_remote_access" in arg for arg in jupyter.command(tmp_path))


def test_no_browser_is_detected(monkeypatch):
    def no_browser(*args, **kwargs):
        raise jupyter.webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(jupyter.webbrowser, "get", no_browser)
    assert jupyter.browser_available() is False


def test_open_url_points_at_the_notebook_with_the_token():
    notebook = LESSON.notebook
    server = {"url": "http://localhost:8890/", "root_dir": str(ROOT), "token": "abc"}
    assert jupyter.open_url(server, notebook) == (
        f"http://localhost:8890/notebooks/notebooks/{notebook.name}?token=abc"
    )
    assert (
        jupyter.open_url(server, notebook.parent)
        == "http://localhost:8890/tree/notebooks?token=abc"
    )


# ---------------------------------------------------------------- end to end


def notebook_env(tmp_path: Path) -> dict[str, str]:
    """A learner's environment for the verb: nothing of pytest's, Jupyter's state in tmp_path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DJANGO_SETTINGS_MODULE" and not k.startswith(("PYTEST_", "JUPYTER"))
    }
    env.update(
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),  # its server file, away from other runs
        JUPYTER_DATA_DIR=str(tmp_path / "data"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        COURSE_TARGET="solutions",  # the kernel's check grades the reference: every exercise passes
        COURSE_NOTEBOOK_FRESH="1",  # its own playground, never one a developer has running
        COURSE_FAST_PASSWORD_HASHER="1",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.mark.slow
def test_course_notebook_serves_jupyter_and_lesson_01_runs_there(tmp_path):
    asked = free_port()
    occupier = socket.socket()  # the port asked for is taken: Jupyter must take another one
    occupier.bind(("127.0.0.1", asked))
    occupier.listen()
    log = tmp_path / "jupyter.log"
    with open(log, "wb") as stderr:
        verb = subprocess.Popen(
            [sys.executable, "-m", "course", "notebook", "01", "--no-browser", f"--port={asked}"],
            cwd=ROOT,
            env=notebook_env(tmp_path),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            encoding="utf-8",
            start_new_session=True,  # so that everything it started can be stopped as a group
        )
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.extend(verb.stdout), daemon=True)
    reader.start()
    playground_port = jupyter_port = None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (found := URL_LINE.search("".join(printed))):
            assert verb.poll() is None and time.monotonic() < deadline, (
                f"`course notebook 01` printed no URL to open within {START_TIMEOUT:.0f} s "
                f"(exit code {verb.poll()}).\nIts output:\n{''.join(printed)}\n"
                f"Jupyter's log:\n{log.read_text(errors='replace')[-3000:]}"
            )
            time.sleep(0.2)
        url, jupyter_port, token = found.group(1), int(found.group(2)), found.group(3)
        output = "".join(printed)
        assert jupyter_port != asked and f"port {asked} was taken" in output, output
        assert f"/notebooks/notebooks/{LESSON.notebook.name}?token=" in url, output
        if jupyter.running_as_root():
            assert "--allow-root" in output, output

        base = url.split("/notebooks/", 1)[0]
        api = httpx.Client(
            base_url=base,
            headers={"Authorization": f"token {token}"},
            timeout=30,
            trust_env=False,
        )
        assert api.get("/api/status").status_code == 200
        anonymous = httpx.get(f"{base}/api/sessions", timeout=30, trust_env=False)
        assert anonymous.status_code == 403, "Jupyter listed its sessions without the token"
        path = LESSON.notebook.relative_to(ROOT).as_posix()
        session, ran = run_notebook(api, base, token, LESSON.notebook, path)
        first = shown_text(ran[0][1])
        started = PLAYGROUND_STARTED.search(first)
        assert started, f"the first cell started no playground of its own:\n{first}"
        playground_port = int(started.group(1))
        assert check_verdicts(ran[-1][1]) == {e.id: "✔" for e in LESSON.exercises}, (
            f"the check cell against the solutions showed:\n{shown_text(ran[-1][1])}"
        )

        assert api.delete(f"/api/sessions/{session['id']}").status_code == 204
        assert closed_within(playground_port), (
            f"the notebook's playground on port {playground_port} outlived its kernel"
        )
    finally:
        occupier.close()
        if verb.poll() is None:
            verb.send_signal(signal.SIGTERM)  # the verb stops Jupyter on its way out
            try:
                verb.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(verb.pid, signal.SIGKILL)
                verb.wait()
        try:
            os.killpg(verb.pid, signal.SIGKILL)  # anything of the group still there
        except (ProcessLookupError, PermissionError):
            pass
    assert jupyter_port is not None and closed_within(jupyter_port), (
        f"Jupyter still listens on port {jupyter_port} after `course notebook` stopped"
    )
