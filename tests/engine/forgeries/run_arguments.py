"""Forgery: read the nested run's arguments and count the runs in a file beside its verdicts.

The runs used to come in a fixed order (the reference first, reversed second, then the
mutants): a counter kept in a file tells which one this is.
"""

import json
import os
import sys
import tempfile
from pathlib import Path


def _run_number():
    folder = Path(tempfile.gettempdir())
    for argument in sys.argv[1:]:
        try:
            request = json.loads(argument)
        except ValueError:
            continue
        if isinstance(request, dict) and request.get("out"):
            folder = Path(request["out"]).parent
    counter = folder / "forged-run-counter.json"
    seen = json.loads(counter.read_text()) if counter.exists() else {}
    key = str(os.getpid())
    if key not in seen:
        seen[key] = len(seen) + 1
        counter.write_text(json.dumps(seen))
    return seen[key]


NUMBER = _run_number()


def test_e1_forged():
    assert NUMBER <= 2


def test_e2_forged():
    assert NUMBER <= 2


def test_e3_forged():
    assert NUMBER <= 2
