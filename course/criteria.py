"""Acceptance criteria: each exercise's bullets read from the lesson's text, with the tests they cite.

The text is the spec (DESIGN.md): under `## En. <title>`, a list after "Acceptance criteria:"
holds one bullet per criterion, each citing in backticks the graded tests that check it. A
criterion is shown to catch a wrong solution when at least one known mistake of the lesson
fails at least one test the bullet cites; `uncovered()` names the bullets for which none does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from course.manifest import Lesson

# `test_e2_x`, or `test_e2_x[case]` naming one parametrized case; only backticked names count.
CITED = re.compile(r"`(test_\w+)(?:\[[^`\]]*\])?`")
EXERCISE_HEADING = re.compile(r"^## (E\d+)\. ")


@dataclass(frozen=True)
class Criterion:
    exercise_id: str
    text: str  # the bullet, on one line
    tests: tuple[str, ...]  # the test functions it cites, in order

    def short(self, width: int = 100) -> str:
        return self.text if len(self.text) <= width else self.text[: width - 1] + "…"


def criteria(lesson: Lesson) -> list[Criterion]:
    """Every acceptance-criterion bullet of the lesson's exercises, in the order of the text."""
    found: list[Criterion] = []
    exercise = None
    in_list = False
    bullet: list[str] = []

    def close() -> None:
        if bullet:
            text = " ".join(part.strip() for part in bullet)
            found.append(Criterion(exercise, text, tuple(dict.fromkeys(CITED.findall(text)))))
            bullet.clear()

    for line in lesson.readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            close()
            in_list = False
            heading = EXERCISE_HEADING.match(line)
            exercise = heading[1] if heading else None
        elif exercise and line.startswith("Acceptance criteria") and line.rstrip().endswith(":"):
            in_list = True
        elif not in_list:
            continue
        elif line.startswith("- "):
            close()
            bullet.append(line[2:])
        elif line.startswith(" ") and bullet:
            bullet.append(line)  # a continuation, or a sub-bullet of the same criterion
        elif line.strip():
            close()
            in_list = False
    close()
    return found


def catchers(criterion: Criterion, failed_by: dict[str, set[str]]) -> list[str]:
    """The mistakes (by name) that fail at least one test the criterion cites."""
    cited = set(criterion.tests)
    return sorted(name for name, failed in failed_by.items() if cited & failed)


def uncovered(lesson: Lesson, failed_by: dict[str, set[str]]) -> list[Criterion]:
    """The lesson's criteria that no known mistake breaks.

    `failed_by` maps each known mistake's name to the test functions that fail on it.
    """
    return [c for c in criteria(lesson) if not catchers(c, failed_by)]
