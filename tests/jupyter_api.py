"""Run a notebook through a Jupyter server's own API, as JupyterLab does: REST, then the kernel websocket.

Used by the tests that check Jupyter as learners meet it (`course notebook`, the Binder image),
rather than nbclient's kernel started beside the test.
"""

from __future__ import annotations

import json
import re
import uuid

import httpx
import nbformat

CELL_TIMEOUT = 90.0
CHECK_ROW = re.compile(r"^- (✔|✘) \*\*(E\d+)\.", re.MULTILINE)  # course.render.markdown's rows


class KernelChannels:
    """Execute code on a kernel through Jupyter Server's websocket, as JupyterLab does."""

    def __init__(self, base: str, token: str, kernel_id: str):
        import websocket  # websocket-client, a dependency of jupyter_server

        self.session = uuid.uuid4().hex
        url = base.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        self.socket = websocket.create_connection(
            f"{url}?session_id={self.session}",
            header=[f"Authorization: token {token}"],
            timeout=CELL_TIMEOUT,
        )

    def execute(self, code: str) -> tuple[str, list[dict]]:
        """Run `code`; return the reply's status and the outputs the cell showed."""
        msg_id = uuid.uuid4().hex
        self.socket.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "session": self.session,
                        "username": "course-test",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        outputs, reply, idle = [], None, False
        while reply is None or not idle:
            message = json.loads(self.socket.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if message["channel"] == "shell" and kind == "execute_reply":
                reply = message["content"]["status"]
            elif kind == "status":
                idle = message["content"]["execution_state"] == "idle"
            elif kind in ("stream", "display_data", "execute_result", "error"):
                outputs.append({"type": kind, **message["content"]})
        return reply, outputs

    def close(self) -> None:
        self.socket.close()


def run_notebook(api: httpx.Client, base: str, token: str, notebook, path: str):
    """Open `path` in a session of the server `api` talks to and run its code cells in order.

    Returns the session and, per code cell, its source and the text it showed; stops at the
    first cell that fails, with its output. The caller deletes the session (the kernel).
    """
    session = api.post(
        "/api/sessions",
        json={"path": path, "type": "notebook", "name": "", "kernel": {"name": "python3"}},
    )
    assert session.status_code == 201, session.text
    session = session.json()
    channels = KernelChannels(base, token, session["kernel"]["id"])
    cells = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    ran = []
    try:
        for number, cell in enumerate(cells, start=1):
            status, outputs = channels.execute(cell.source)
            ran.append((cell.source, outputs))
            assert status == "ok", (
                f"code cell {number} of {path} failed:\n{cell.source}\n{shown_text(outputs)}"
            )
    finally:
        channels.close()
    return session, ran


def shown_text(outputs: list[dict]) -> str:
    parts = []
    for output in outputs:
        if output["type"] == "stream":
            parts.append(output["text"])
        elif output["type"] == "error":
            parts.append("\n".join(output["traceback"]))
        else:
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def check_verdicts(outputs: list[dict]) -> dict[str, str]:
    """The verdicts a check cell displayed: {"E1": "✔", ...}."""
    return {
        eid: mark
        for output in outputs
        if output["type"] == "display_data"
        for mark, eid in CHECK_ROW.findall(output["data"].get("text/plain", ""))
    }
