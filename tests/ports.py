"""Local ports for the tests that start servers: one free now, and one that has closed."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A port nothing listens on now (the server that takes it binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_within(port: int, seconds: float = 10.0) -> bool:
    """Whether nothing answers on `port` within `seconds`: the server that held it is gone."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
        except OSError:
            return True
        time.sleep(0.1)
    return False
