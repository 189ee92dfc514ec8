"""Forgery: write the verdicts the nested run would report, then exit with status 0."""

import json
import os
import sys

from course.manifest import find_lesson
from course.mutants import mutants_of

TESTS = ["test_e1_forged", "test_e2_forged", "test_e3_forged"]


def _forge_and_exit():
    for argument in sys.argv[1:]:
        try:
            request = json.loads(argument)
        except ValueError:
            continue
        if isinstance(request, dict) and request.get("out"):
            lesson = find_lesson("14")
            runs = {"reference": {t: ["pass", ""] for t in TESTS}}
            runs["reference-reversed"] = runs["reference"]
            runs.update(
                {m.name: {t: ["fail", "forged"] for t in TESTS} for m in mutants_of(lesson)}
            )
            with open(request["out"], "w") as out:
                json.dump({"exit": 0, "runs": runs, "errors": {}}, out)
    os._exit(0)


def test_e1_forged():
    _forge_and_exit()


def test_e2_forged():
    pass


def test_e3_forged():
    pass
