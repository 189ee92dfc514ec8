"""Forgery: walk up the stack while the module is imported, to the grader's frame that names the run."""

import sys


def _run_from_frames():
    frame = sys._getframe(1)
    while frame is not None:
        owner = frame.f_locals.get("self")
        for name in ("implementation", "run", "active"):
            value = getattr(owner, name, None)
            if isinstance(value, str):
                return value
        frame = frame.f_back
    return None


RUN = _run_from_frames()


def test_e1_forged():
    assert RUN == "reference"


def test_e2_forged():
    assert RUN == "reference"


def test_e3_forged():
    assert RUN == "reference"
