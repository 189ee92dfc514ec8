"""The repo2docker configuration (binder/) builds what Binder and a class's JupyterHub serve.

The cheap checks read binder/: its Python satisfies pyproject.toml's requires-python, its
requirements install the course itself and pin everything else, and its start script puts
a student's pulled copy of the course first on the path. The install test does what
repo2docker does, without Docker: a fresh virtual environment, `pip install -r
binder/requirements.txt` from the repository's root (pip's cache reused), then JupyterLab
started through binder/start under a hub's URL prefix. Lesson 01's notebook runs there
through the server's kernel API, and the links it prints for the browser are fetched
through the real jupyter-server-proxy: the browsable API with its stylesheets, Swagger UI
with its schema, and a redirect.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from course import ROOT
from course.manifest import find_lesson
from tests.jupyter_api import check_verdicts, run_notebook, shown_text
from tests.ports import closed_within, free_port

BINDER = ROOT / "binder"
HUB_PREFIX = "/user/learner/"  # what JupyterHub (and so Binder) sets as JUPYTERHUB_SERVICE_PREFIX
PINNED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][0-9A-Za-z.+!-]*$")
INSTALL_TIMEOUT = 600  # seconds; 85 measured with pip's cache warm, on 2 busy cores
START_TIMEOUT = 90.0


def requirement_lines() -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in (BINDER / "requirements.txt").open())
    return [line for line in lines if line]


def runtime_version() -> str:
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime.startswith("python-"), (
        f"binder/runtime.txt says {runtime!r}; repo2docker reads python-X.Y"
    )
    return runtime.removeprefix("python-")


def test_binder_python_satisfies_requires_python():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    version = runtime_version()
    assert Version(version) in SpecifierSet(project["requires-python"]), (
        f"binder/runtime.txt asks for Python {version}; pyproject.toml requires "
        f"{project['requires-python']}"
    )


def test_binder_installs_the_course_and_pins_the_rest():
    lines = requirement_lines()
    # Editable: the course runs from its checkout (course.ROOT holds lessons/, notebooks/...).
    assert "-e ." in lines, "binder/requirements.txt must install the course itself: `-e .`"
    others = [line for line in lines if line != "-e ."]
    loose = [line for line in others if not PINNED.match(line)]
    assert not loose, f"binder/requirements.txt: pin these with ==: {loose}"
    names = {line.split("==")[0].lower() for line in others}
    assert {"jupyter-server-proxy", "nbgitpuller"} <= names, names


def test_binder_installs_postgresql_for_lesson_15():
    """repo2docker installs binder/apt.txt's Debian packages: lesson 15 starts PostgreSQL from them."""
    apt = ROOT / "binder" / "apt.txt"
    packages = [
        line.strip()
        for line in apt.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "postgresql" in packages, (
        "binder/apt.txt must list `postgresql`: lesson 15's checks and notebook run initdb and "
        f"pg_ctl (found {packages})"
    )


def test_readme_links_binder_to_the_notebooks():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/gh/[^\s)]+", readme)
    assert links, "README.md has no Binder link"
    for link in links:
        folder = re.search(r"urlpath=lab/tree/([\w/.-]+)", link)
        assert folder and (ROOT / folder[1]).is_dir(), (
            f"README's Binder link {link} opens no folder of the course"
        )


def test_binder_start_puts_the_pulled_course_first_and_runs_the_command(tmp_path):
    start = BINDER / "start"
    assert os.access(start, os.X_OK), (
        "binder/start must be executable (git update-index --chmod=+x)"
    )
    shown = subprocess.run(
        [str(start), sys.executable, "-c", "import os; print(os.environ['PYTHONPATH'])"],
        env={**os.environ, "HOME": str(tmp_path), "PYTHONPATH": "/elsewhere"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shown == f"{tmp_path}/drf-course:/elsewhere"


# ---------------------------------------------------------------- the image, without Docker


def install_as_repo2docker(venv: Path) -> None:
    """A fresh environment with binder/requirements.txt installed, as repo2docker's python buildpack does."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # repo2docker runs pip from the repository's root (so `-e .` is the course) and passes
    # --no-cache-dir; here pip's cache is kept, so that the test costs little once warm.
    done = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "-r",
            "binder/requirements.txt",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert done.returncode == 0, (
        f"pip install -r binder/requirements.txt failed:\n{done.stderr[-4000:]}"
    )


_EARLY: dict[str, Future] = {}


def start_install_early() -> None:
    """Begin the install in the background as the session starts (tests/course/conftest.py).

    Most of its minute and a half is waiting on pip and the disk, so it overlaps the
    self-check's processor-bound runs instead of adding to them.
    """
    scratch = Path(tempfile.mkdtemp(prefix="binder-env-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    pool = ThreadPoolExecutor(1, thread_name_prefix="binder-install")
    _EARLY["env"] = pool.submit(lambda: install_as_repo2docker(scratch / "env") or scratch / "env")
    pool.shutdown(wait=False)


def installed_env(tmp_path: Path) -> Path:
    """The environment started early, or one installed now."""
    early = _EARLY.pop("env", None)
    if early is not None:
        return early.result(timeout=INSTALL_TIMEOUT)
    venv = tmp_path / "env"
    install_as_repo2docker(venv)
    return venv


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="repo2docker images are Linux")
@pytest.mark.timeout(INSTALL_TIMEOUT + 300)  # the install, then JupyterLab and a notebook
def test_binder_image_serves_lesson_01_and_its_links_through_the_proxy(tmp_path):
    version = runtime_version()
    if f"{sys.version_info.major}.{sys.version_info.minor}" != version:
        pytest.skip(
            f"binder/runtime.txt asks for Python {version}; this is {sys.version.split()[0]}"
        )
    venv = installed_env(tmp_path)

    lesson = find_lesson("01")
    port, token = free_port(), "binder-test-token"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV")
        and not k.startswith(("PYTEST_", "JUPYTER", "COURSE_"))
    }
    env.update(
        HOME=str(
            tmp_path / "home"
        ),  # as on Binder: no ~/drf-course, so the installed course is used
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        JUPYTERHUB_SERVICE_PREFIX=HUB_PREFIX,
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        COURSE_TARGET="solutions",
        COURSE_NOTEBOOK_FRESH="1",
        COURSE_FAST_PASSWORD_HASHER="1",
    )
    (tmp_path / "home").mkdir()
    command = [
        str(BINDER / "start"),
        str(venv / "bin" / "python"),
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.base_url={HUB_PREFIX}",  # the hub's single-user servers live under it
        f"--ServerApp.root_dir={ROOT}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path / "jupyter.log"
    with open(log, "wb") as output:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    origin = f"http://127.0.0.1:{port}"
    base = f"{origin}{HUB_PREFIX.rstrip('/')}"
    api = httpx.Client(
        base_url=base, headers={"Authorization": f"token {token}"}, timeout=30, trust_env=False
    )
    playground_port = None
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None and time.monotonic() < deadline, (
                f"JupyterLab from the Binder environment did not answer (exit code {server.poll()}):\n"
                f"{log.read_text(errors='replace')[-3000:]}"
            )
            try:
                if api.get("/api/status").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        extensions = api.get("/api/me").status_code  # authenticated; then the proxy's own route
        assert extensions == 200

        path = lesson.notebook.relative_to(ROOT).as_posix()
        session, ran = run_notebook(api, base, token, lesson.notebook, path)
        first = shown_text(ran[0][1])
        link = re.search(
            rf"the browsable API ({re.escape(HUB_PREFIX)}proxy/(\d+)/lessons/01/)", first
        )
        assert link, f"the first cell printed no link through the hub's proxy:\n{first}"
        page_path, playground_port = link.group(1), int(link.group(2))
        assert check_verdicts(ran[-1][1]) == {e.id: "✔" for e in lesson.exercises}, shown_text(
            ran[-1][1]
        )

        # What the learner's browser does with that link, through jupyter-server-proxy.
        browser = httpx.Client(
            base_url=origin, params={"token": token}, timeout=30, trust_env=False
        )
        proxy = page_path.removesuffix("/lessons/01/")
        page = browser.get(page_path, headers={"Accept": "text/html"})
        assert page.status_code == 200 and "text/html" in page.headers["content-type"], page.text[
            :500
        ]
        stylesheets = re.findall(r'href="([^"]+\.css)"', page.text)
        assert stylesheets and all(s.startswith(f"{proxy}/static/") for s in stylesheets), (
            stylesheets
        )
        css = browser.get(stylesheets[0])
        assert css.status_code == 200 and "css" in css.headers["content-type"]

        docs = browser.get(f"{proxy}/docs/01/")
        assert docs.status_code == 200 and f'"{proxy}/schema/01/"' in docs.text
        swagger_js = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', docs.text).group(1)
        assert browser.get(swagger_js).status_code == 200
        schema = browser.get(f"{proxy}/schema/01/", params={"format": "json"})
        assert schema.status_code == 200 and schema.json()["servers"] == [{"url": proxy}]

        # Django redirects to the slashed URL; the proxy, not Django, puts its prefix back.
        moved = browser.get(f"{proxy}/lessons/01/students")
        location = httpx.URL(moved.headers.get("location", ""))
        assert moved.status_code == 301 and location.path == f"{proxy}/lessons/01/students/", (
            moved.headers
        )

        assert api.delete(f"/api/sessions/{session['id']}").status_code == 204
        assert closed_within(playground_port), (
            f"the playground on {playground_port} outlived its kernel"
        )
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
    assert closed_within(port), f"JupyterLab still listens on {port}"
