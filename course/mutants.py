"""Mutants: known-wrong variants of the module a lesson's learner tests exercise (lesson 14).

A lesson graded by mutation names, in its manifest, the course module its learner's tests
exercise (`[mutation] module = "api.py"`). Each mutant is one change to that module, stored as
`solutions/lNN_topic/mutants/eN_<what_goes_wrong>.diff` in the known-mistake format (a
sentence, then a unified diff; read by course/mistakes.py). course/mutation.py runs a
learner's tests against the reference and every mutant.
"""

from __future__ import annotations

from pathlib import Path

from course.manifest import Lesson
from course.mistakes import NAME_RE, MistakeError, Patch, apply, diff_text, parse


class Mutant(Patch):
    """One known-wrong variant of a lesson's tested module: `solutions/lNN_topic/mutants/<name>.diff`."""

    def source(self) -> str:
        """The tested module's text with this mutant's change applied, in memory."""
        module = self.lesson.tested_module
        patches = parse(self.text, where=self.describe())
        if set(patches) != {module}:
            raise MistakeError(
                f"{self.describe()} must change {module} of lesson {self.lesson.nn} and nothing "
                f"else; it changes {sorted(patches)}."
            )
        return apply(
            reference_source(self.lesson),
            patches[module],
            where=f"{self.describe()} against lessons/{self.lesson.slug}/{module}",
            nn=self.lesson.nn,
        )


def mutants_of(lesson: Lesson) -> list[Mutant]:
    if lesson.tested_module is None:
        return []
    return [Mutant(lesson, p) for p in sorted((lesson.solution_folder / "mutants").glob("*.diff"))]


def reference_source(lesson: Lesson) -> str:
    return (lesson.folder / lesson.tested_module).read_text(encoding="utf-8")


def write_mutant(lesson: Lesson, name: str, variant: str, summary: str) -> Path:
    """Save `variant` of the tested module as mutant `name`: its sentence, then the diff."""
    if lesson.tested_module is None:
        raise MistakeError(f"Lesson {lesson.nn} is not graded by mutation: it has no mutants.")
    if not NAME_RE.match(name) or name.split("_", 1)[0].upper() not in {
        e.id for e in lesson.exercises
    }:
        raise MistakeError(
            f"{name!r}: name a mutant eN_<what_is_wrong> after one of its exercises."
        )
    module = lesson.tested_module
    text = diff_text(
        summary,
        [(module, reference_source(lesson), variant)],
        f"lessons/{lesson.slug}/{module}",
    )
    path = lesson.solution_folder / "mutants" / f"{name}.diff"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
