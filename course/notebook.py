"""The notebook helper: a client for one lesson's API, and the notebook's check cell.

    from course.notebook import connect

    api = connect("01")        # reuse the running playground, or start one for this kernel
    api.get("students/")       # prints the exchange and returns the httpx.Response
    api.check()                # grades the lesson's exercises and shows a table

`connect` reuses a playground already running on http://127.0.0.1:8000 (`make start`). When
none runs there, or when COURSE_NOTEBOOK_FRESH=1 is set (the course's own notebook tests set
it), it starts one in the background: `python -m course serve --no-reload` on a free port,
with a scratch database and mail folder of its own, stopped when the kernel ends. The links
it prints for a browser (the browsable API, Swagger UI, the lesson's text) go through the
hub's proxy under JupyterHub or Binder, and to the forwarded port in a Codespace (reach.py).

Nothing here touches the Django ORM: kernel cells run inside an asyncio loop, where Django's
database calls fail with SynchronousOnlyOperation. Requests go over HTTP and checking runs in
a subprocess, so this module needs only httpx, IPython (optional) and the standard library.
"""

from __future__ import annotations

import atexit
import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from course import ROOT, reach, render
from course.loading import display_path
from course.manifest import Lesson, find_lesson
from course.targets import current as current_target

PLAYGROUND_URL = "http://127.0.0.1:8000"
PLAYGROUND_HEADER = "X-Course-Playground"  # set on every playground response (its middleware)
FRESH_ENV_VAR = "COURSE_NOTEBOOK_FRESH"
START_TIMEOUT = 60.0  # seconds for a notebook's own server to answer; it usually takes 1 to 2
CHECK_TIMEOUT = 600.0

# The response headers a learner should look at; the others are noise at this stage. The
# validators, caching and deprecation headers are lesson 16's; Vary is left out, since
# nearly every answer has one (Accept, Cookie), and lesson 16's notebook prints it itself.
SHOWN_HEADERS = (
    "Content-Type",
    "Allow",
    "Location",
    "WWW-Authenticate",
    "Retry-After",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Deprecation",
    "Sunset",
)
BODY_LIMIT = 3000  # characters of a body printed; the returned response holds all of it
ERROR_PAGE_LINES = 9  # of an HTML error page: enough for Django's exception, location and view


class PlaygroundError(RuntimeError):
    """The playground cannot be started or reached; the message says why and what to do."""


class CheckError(RuntimeError):
    """`python -m course check` did not produce a report."""


# ---------------------------------------------------------------- connecting


_own_server: _Server | None = None  # the playground this kernel started, if any


def connect(lesson: str | int) -> LessonClient:
    """A client for `lesson` (e.g. "01" or 1) on a running playground, or on one started here."""
    lesson = find_lesson(lesson)
    fresh = os.environ.get(FRESH_ENV_VAR, "").strip().lower() in ("1", "true", "yes")
    if not fresh and _is_playground(PLAYGROUND_URL):
        client = LessonClient(PLAYGROUND_URL, lesson)
        print(f"Connected to the playground running at {PLAYGROUND_URL}/.")
        client.show_links()
        return client

    global _own_server
    if _own_server is not None:
        # Running this cell again restarts the server, so it serves the code as saved now.
        _own_server.stop()
        _own_server = None
    why = f"{FRESH_ENV_VAR} is set" if fresh else f"No playground is running on {PLAYGROUND_URL}"
    print(f"{why}, so this notebook starts its own…", flush=True)
    _own_server = _Server.start()
    client = LessonClient(_own_server.url, lesson, server=_own_server)
    print(f"Started at {_own_server.url}/ with a scratch database; it stops with the kernel.")
    client.show_links()
    print(
        "It does not reload on code changes: after editing a lesson file, run this cell again.\n"
        "(Or run `make start` in a terminal: this cell then uses that playground, which reloads.)"
    )
    return client


def _is_playground(base_url: str) -> bool:
    """Whether the course's playground answers at `base_url`; any status counts."""
    try:
        response = httpx.get(f"{base_url}/", timeout=2.0, trust_env=False)
    except httpx.HTTPError:
        return False
    return response.headers.get(PLAYGROUND_HEADER) == "1"


class _Server:
    """A playground of this kernel's own: `python -m course serve` on a free port."""

    def __init__(self, process: subprocess.Popen, url: str, scratch: tempfile.TemporaryDirectory):
        self.process = process
        self.url = url
        self._scratch = scratch
        self.started_at = time.time()

    @classmethod
    def start(cls, timeout: float = START_TIMEOUT) -> _Server:
        scratch = tempfile.TemporaryDirectory(prefix="course-notebook-", ignore_cleanup_errors=True)
        folder = Path(scratch.name)
        port = _free_port()
        env = {
            **os.environ,  # COURSE_TARGET among them: the server serves the same learner files
            "COURSE_DATABASE": str(folder / "db.sqlite3"),
            "COURSE_MAIL_DIR": str(folder / "mail"),  # its mail, listed at /mail/ (lesson 11)
            "DJANGO_RUNSERVER_HIDE_WARNING": "true",
            "PYTHONUNBUFFERED": "1",  # so a failure's output reaches the log before it exits
        }
        command = [sys.executable, "-m", "course", "serve", "--port", str(port), "--no-reload"]
        with open(folder / "server.log", "wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                **_own_process_group(),
            )
        server = cls(process, f"http://127.0.0.1:{port}", scratch)
        atexit.register(server.stop)
        server._wait_until_answering(timeout)
        return server

    def _wait_until_answering(self, timeout: float) -> None:
        """Wait for any HTTP answer: which status does not matter, only that it serves."""
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                output = self.output()
                self.stop()
                raise PlaygroundError(
                    f"The notebook's playground server stopped (exit code {code}) before answering. "
                    f"Its output:\n{output}"
                )
            try:
                httpx.get(f"{self.url}/", timeout=2.0, trust_env=False)
                return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                output = self.output()
                self.stop()
                raise PlaygroundError(
                    f"The notebook's playground server did not answer on {self.url} within "
                    f"{timeout:.0f} s. Its output so far:\n{output}"
                )
            time.sleep(0.1)

    def output(self) -> str:
        """The server's output (the tail: a traceback ends there)."""
        try:
            text = (Path(self._scratch.name) / "server.log").read_text(
                encoding="utf-8", errors="replace"
            )
        except OSError:
            return "(no output)"
        return text[-BODY_LIMIT:] or "(no output)"

    def stop(self) -> None:
        """Stop the server and its process group, then delete the scratch database."""
        atexit.unregister(self.stop)
        if self.process.poll() is None:
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, getattr(signal, "SIGKILL", signal.SIGTERM))
                self.process.wait(timeout=5)
        self._scratch.cleanup()


def _free_port() -> int:
    """A port nothing listens on now. (The server binds it a moment later; a clash is unlikely.)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _own_process_group() -> dict[str, Any]:
    """Popen options that let the server be stopped as a group and die with the kernel."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    # A session of its own: an interrupted cell (SIGINT to the kernel) does not reach the
    # server, and stop() can signal the whole group.
    options: dict[str, Any] = {"start_new_session": True}
    die_with_parent = _parent_death_signal()
    if die_with_parent is not None:
        options["preexec_fn"] = die_with_parent
    return options


def _parent_death_signal():
    """On Linux, a preexec_fn that has the kernel SIGTERM the server if the kernel dies hard.

    atexit covers a kernel that shuts down; a killed kernel runs no atexit handler, and its
    server would keep running and keep its port. Elsewhere (macOS, Windows) there is no
    such call, and atexit is all there is.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the forked child
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig, sigterm = 1, int(signal.SIGTERM)

    def set_parent_death_signal() -> None:
        prctl(pr_set_pdeathsig, sigterm)

    return set_parent_death_signal


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        if os.name == "nt":
            process.terminate()  # served with --no-reload: there is no child process to reach
        else:
            os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


# ---------------------------------------------------------------- the client


class LessonClient:
    """Requests to one lesson's API: each exchange is printed and its response returned.

    Paths are relative to the lesson's prefix (`students/` is /lessons/01/students/); a path
    starting with "/" is used as is. 4xx and 5xx answers are shown, never raised.
    """

    def __init__(self, base_url: str, lesson: Lesson, server: _Server | None = None):
        self.base_url = base_url
        self.lesson = lesson
        self._server = server
        # Only ever 127.0.0.1: a proxy configured in the environment must not get in between.
        self._http = httpx.Client(base_url=base_url, timeout=30.0, trust_env=False)

    def __repr__(self) -> str:
        return f"<LessonClient lesson {self.lesson.nn} at {self.url()}>"

    def url(self, path: str = "") -> str:
        """The absolute URL of `path` as this kernel reaches it (httpx, curl from a terminal)."""
        return f"{self.base_url}{self._path(path)}"

    def browser_url(self, path: str = "") -> str:
        """Where a browser opens `path`: the same URL locally, through the proxy on a hub.

        Under JupyterHub or Binder the browser cannot reach the kernel's 127.0.0.1; the hub's
        jupyter-server-proxy serves the playground at /user/NAME/proxy/PORT/ instead (see
        course/reach.py). In a Codespace, the port's forwarded address.
        """
        return _for_browser(self.url(path), self.base_url)

    def show_links(self) -> None:
        """Say where to open this lesson in a browser: its browsable API, its docs, its text."""
        links = [
            ("the browsable API", self.browser_url()),
            ("its docs (Swagger UI)", self.browser_url(f"/docs/{self.lesson.nn}/")),
            ("the lesson's text", self.browser_url(f"/text/{self.lesson.nn}/")),
        ]
        print(f"Lesson {self.lesson.nn}'s API: {self.url()}")
        print("In your browser: " + ", ".join(f"{what} {url}" for what, url in links))
        if links[0][1].startswith("/"):
            # A path on the hub's address, which a notebook does not turn into a link by itself.
            print(
                "(Through the hub's proxy: this kernel calls the API directly, your browser cannot.)"
            )
            anchors = " · ".join(
                f'<a href="{html.escape(url)}" target="_blank" rel="noopener">{html.escape(what)}</a>'
                for what, url in links
            )
            _display(f"<p>Open lesson {self.lesson.nn}: {anchors}</p>", "")

    def _path(self, path: str) -> str:
        return path if path.startswith("/") else f"/{self.lesson.url_prefix}{path}"

    def request(
        self,
        method: str,
        path: str = "",
        *,
        json: Any = None,
        content: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Send a request, print the exchange and return the response, whatever its status."""
        self._warn_if_stale()
        try:
            response = self._http.request(
                method.upper(),
                self._path(path),
                json=json,
                content=content,
                headers=headers,
                params=params,
            )
        except httpx.TransportError as exc:
            where = "run the first cell again" if self._server else "is `make start` still running?"
            raise PlaygroundError(
                f"No answer from the playground at {self.base_url} ({exc}): {where}"
            ) from None
        print(
            describe_exchange(
                response,
                sent_headers=headers or {},
                browser_url=_for_browser(str(response.request.url), self.base_url),
            )
        )
        return response

    def get(self, path: str = "", **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str = "", json: Any = None, **kwargs) -> httpx.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str = "", json: Any = None, **kwargs) -> httpx.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str = "", json: Any = None, **kwargs) -> httpx.Response:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str = "", **kwargs) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def check(self) -> CheckResult:
        """Grade this lesson's exercises (as `make check` does) and show the verdicts."""
        return check(self.lesson)

    def _warn_if_stale(self) -> None:
        """A server started without reloading serves the code as it was: say so while it is stale."""
        if self._server is None:
            return
        changed = [p for p in _lesson_sources(self.lesson) if _mtime(p) > self._server.started_at]
        if changed:
            names = ", ".join(display_path(p) for p in changed)
            print(
                f"Note: {names} changed after this notebook's server started, which still serves "
                f"the earlier code. Run the first cell again to serve your changes.\n"
            )


def _lesson_sources(lesson: Lesson) -> set[Path]:
    """The files a server loads for `lesson`: the course's, and the learner files of the target."""
    target = current_target()
    course_files = {p for p in lesson.folder.glob("*.py") if p.name not in lesson.learner_files}
    return course_files | {target.learner_file(lesson, name) for name in lesson.learner_files}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _for_browser(url: str, base_url: str) -> str:
    """`url` on the playground at `base_url`, as a browser reaches it (course/reach.py)."""
    if not url.startswith(base_url):
        return url
    return reach.browser_url(httpx.URL(base_url).port, url[len(base_url) :] or "/")


def describe_exchange(
    response: httpx.Response,
    sent_headers: dict[str, str] | None = None,
    browser_url: str | None = None,
) -> str:
    """A request and its response as a learner reads them: line, headers that matter, body.

    `browser_url` is where a browser opens the same URL, when it differs (a hub's proxy).
    """
    request = response.request
    lines = [f"→ {request.method} {request.url}"]
    sent = {k.lower() for k in (sent_headers or {})}
    if request.content:
        sent.add("content-type")
    for name, value in request.headers.items():
        if name.lower() in sent:
            lines.append(f"  {_header_name(name)}: {value}")
    if request.content:
        lines.append("  " + _clip(request.content.decode("utf-8", errors="replace"), 500))
    lines.append(f"← {response.status_code} {response.reason_phrase}")
    for name in SHOWN_HEADERS:
        if name in response.headers:
            lines.append(f"  {name}: {response.headers[name]}")
    lines.append(_describe_body(response, browser_url or str(request.url)))
    return "\n".join(lines)


def _header_name(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def _describe_body(response: httpx.Response, browser_url: str) -> str:
    if not response.content:
        return "(no body)"
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        try:
            return _clip(json.dumps(response.json(), indent=2, ensure_ascii=False), BODY_LIMIT)
        except ValueError:
            pass  # not JSON after all: show it as text
    if "html" in content_type:
        # HTML source is unreadable here: describe the page and point at the browser. An
        # error page (Django's debug page, a CSRF refusal) also shows its first lines of text,
        # which name the exception and the view that raised it.
        where = f"open {browser_url} in a browser to see it"
        if response.is_error:
            lines = _page_text(response.text).splitlines()
            shown = "\n".join(lines[:ERROR_PAGE_LINES]) + (
                "\n…" if len(lines) > ERROR_PAGE_LINES else ""
            )
            return f"(an HTML error page of {len(response.text):,} characters; {where}. It begins:)\n{shown}"
        found = re.search(r"<title[^>]*>(.*?)</title>", response.text, re.IGNORECASE | re.DOTALL)
        title = " ".join(html.unescape(found.group(1)).split()) if found else "untitled"
        return f'(an HTML page of {len(response.text):,} characters titled "{title}"; {where})'
    return _clip(response.text, BODY_LIMIT)


def _page_text(page: str) -> str:
    """The visible text of an HTML page, one line per block (heading, paragraph, table row)."""
    page = re.sub(r"<(head|style|script)\b.*?</\1\s*>", " ", page, flags=re.IGNORECASE | re.DOTALL)
    page = _BLOCK_END.sub("\n", re.sub(r"\s+", " ", page))
    page = re.sub(r"<[^>]+>", " ", page)
    lines = (" ".join(html.unescape(line).split()) for line in page.splitlines())
    return "\n".join(line for line in lines if line)


_BLOCK_END = re.compile(
    r"</(?:p|h[1-6]|tr|pre|div|li|table|header|section)\s*>|<br\s*/?>", re.IGNORECASE
)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… ({len(text) - limit:,} more characters: the returned response has them all)"


# ---------------------------------------------------------------- the check cell


class CheckResult(dict):
    """The parsed JSON of `python -m course check NN --json`; IPython shows it as one line."""

    def summary(self) -> str:
        parts = []
        for lesson in self.get("lessons", []):
            verdicts = " · ".join(f"{e['id']} {e['status']}" for e in lesson["exercises"])
            parts.append(
                f"Lesson {lesson['number']:02d}: {lesson['earned']:g}/{lesson['possible']} points · {verdicts}"
            )
        return "\n".join(parts) or "No lesson was checked."

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.summary())


def check(lesson: str | int | Lesson) -> CheckResult:
    """Run `python -m course check NN --json` in a subprocess, show a table, return the data.

    A subprocess, so that the kernel never imports Django and every check sees the files as
    saved now. COURSE_TARGET, when set, says whose files are graded, as for the server.
    """
    if not isinstance(lesson, Lesson):
        lesson = find_lesson(lesson)
    command = [sys.executable, "-m", "course", "check", lesson.nn, "--json"]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=CHECK_TIMEOUT,
    )
    try:
        result = CheckResult(json.loads(done.stdout))
    except ValueError:
        raise CheckError(
            f"`python -m course check {lesson.nn} --json` gave no report (exit code {done.returncode}):\n"
            f"{(done.stderr or done.stdout)[-BODY_LIMIT:]}"
        ) from None
    _display(render.html(result), render.markdown(result, title=f"Lesson {lesson.nn}: check"))
    return result


def _display(html_text: str, plain_text: str) -> None:
    """HTML in a notebook (with the plain text alongside for other front ends); else print."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        if plain_text:
            print(plain_text)
        return
    if get_ipython() is None:
        if plain_text:
            print(plain_text)
        return
    display({"text/html": html_text, "text/plain": plain_text}, raw=True)
