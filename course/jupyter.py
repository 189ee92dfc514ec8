"""`python -m course notebook`: run Jupyter on the notebooks wherever the learner is.

Jupyter needs a few things said for it in places a learner often is: as root (Docker, WSL,
CI) it refuses to start without `--allow-root`; without a browser (a container, a server)
its URL must be printed with its token; and when its port is taken it picks another, which
must be said too. `run()` starts Jupyter Notebook with what this machine needs, waits for
the server file Jupyter writes once it listens, and prints the one URL to open (port and
token included) before handing the terminal back to Jupyter's own log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import webbrowser
from pathlib import Path
from urllib.parse import quote

from course import ROOT, reach

DEFAULT_PORT = 8888  # Jupyter's own default; it tries the next ones when this one is taken
FIND_SERVER_TIMEOUT = 120.0  # seconds for Jupyter to start listening; it usually takes 2 to 5


def running_as_root() -> bool:
    """Whether this process's effective user is root (never on Windows, which has no such user)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def browser_available() -> bool:
    """Whether Python's webbrowser module finds a browser to open here (BROWSER counts)."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def command(
    target: Path,
    *,
    port: int = DEFAULT_PORT,
    open_browser: bool = True,
    as_root: bool = False,
    in_codespace: bool = False,
    extra: list[str] | tuple[str, ...] = (),
) -> list[str]:
    """The command that serves `target` (a notebook or the notebooks folder) with Jupyter.

    `python -m notebook` rather than `jupyter notebook`: the server is then this child
    process itself on every platform, so its server file can be found by its process id.
    """
    # The root is the whole course, so that a learner can open their exercise.py there too.
    args = [sys.executable, "-m", "notebook", f"--ServerApp.root_dir={ROOT}", f"--port={port}"]
    if target.is_dir():
        # A folder given on the command line would become the root: open it as the start page.
        args.append(f"--JupyterNotebookApp.default_url=/tree/{_relative(target)}")
    else:
        args.insert(3, str(target))  # Jupyter opens it in the browser
    if not open_browser:
        args.append("--no-browser")
    if as_root:
        args.append("--allow-root")
    if in_codespace:
        # A Codespace forwards the port under its own host name, which Jupyter refuses as
        # "non-local" unless told; the port stays private to the learner and the token applies.
        args.append("--ServerApp.allow_remote_access=True")
    return [*args, *extra]


def run(
    target: Path,
    *,
    port: int = DEFAULT_PORT,
    open_browser: bool | None = None,
    extra: list[str] | tuple[str, ...] = (),
) -> int:
    """Serve `target` with Jupyter until it stops; print the URL to open once it listens."""
    as_root = running_as_root()
    if open_browser is None:
        open_browser = browser_available()
        if not open_browser:
            print("No browser found on this machine: open the URL printed below in yours.")
    if as_root:
        print("Running as root (a container, WSL or CI): Jupyter is started with --allow-root.")
    in_codespace = reach.codespace_host(port) is not None
    args = command(
        target,
        port=port,
        open_browser=open_browser,
        as_root=as_root,
        in_codespace=in_codespace,
        extra=extra,
    )
    print("Starting Jupyter: python", " ".join(args[1:]), flush=True)
    process = subprocess.Popen(args, cwd=ROOT)
    if hasattr(signal, "SIGTERM"):
        # Stopped by a signal (a service manager, `timeout`): stop Jupyter too (finally below).
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        server = _wait_for_server(process)
        if server is not None:
            used = int(server["port"])
            taken = f" (port {port} was taken, so Jupyter chose {used})" if used != port else ""
            url = open_url(server, target)
            forwarded = reach.codespace_host(used)
            if forwarded:  # the browser is on the learner's side of the forwarding
                url = f"https://{forwarded}/{url.split('/', 3)[3]}"
            print(
                f"\nJupyter is serving {display_name(target)} at:\n\n"
                f"    {url}\n\n"
                f"Open that URL in your browser{taken}. Stop Jupyter with Ctrl+C, twice.\n",
                flush=True,
            )
        return _wait(process)
    finally:
        if process.poll() is None:  # this process is ending for another reason: do not orphan it
            process.terminate()
            process.wait()


def display_name(target: Path) -> str:
    return _relative(target) or str(target)


def _relative(target: Path) -> str:
    try:
        return target.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return ""


def open_url(server: dict, target: Path) -> str:
    """The URL that opens `target` on `server` (a running server's info), token included."""
    base = server["url"].rstrip("/")
    try:
        relative = target.resolve().relative_to(Path(server["root_dir"]).resolve()).as_posix()
    except ValueError:
        relative = ""
    page = "tree" if target.is_dir() else "notebooks"
    path = f"/{page}/{quote(relative)}" if relative not in ("", ".") else "/tree"
    token = server.get("token")
    return f"{base}{path}?token={token}" if token else f"{base}{path}"


def _wait_for_server(process: subprocess.Popen, timeout: float = FIND_SERVER_TIMEOUT):
    """The info of the server `process` runs, once it listens; None if it stops or never does.

    Jupyter writes `jpserver-<pid>.json` to its runtime folder after binding its port; it
    holds the port chosen, the token and the folder served.
    """
    from jupyter_server.serverapp import list_running_servers

    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            for info in list_running_servers():
                if info.get("pid") == process.pid:
                    return info
        except (OSError, ValueError):
            pass  # a server file half written: look again
        time.sleep(0.2)
    return None


def _wait(process: subprocess.Popen) -> int:
    """Wait for Jupyter to stop. Ctrl+C reaches it too, and it asks before stopping: let it."""
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue
