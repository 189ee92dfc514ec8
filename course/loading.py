"""Import a lesson's modules and turn a learner's broken code into a message with file and line."""

from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass
from pathlib import Path

from course import ROOT
from course.manifest import Lesson
from course.targets import MissingLearnerFile


@dataclass(frozen=True)
class LoadError:
    """Why a lesson could not be loaded, in words a learner can act on."""

    lesson: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        return self.message


def display_path(path: str | Path) -> str:
    """Paths inside the course are shown relative to it, as a learner sees them."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def describe(exc: BaseException, lesson: Lesson) -> LoadError:
    """Name the file and line a learner must fix for `exc`, raised while importing `lesson`."""
    learner_modules = set(lesson.learner_modules().values())
    if isinstance(exc, AttributeError) and getattr(exc.obj, "__name__", None) in learner_modules:
        module = exc.obj
        where = display_path(module.__file__)
        return LoadError(
            lesson.slug,
            f"MISSING NAME: {where} has no `{exc.name}`. The lesson's urls.py uses it: "
            f"did you misname it or forget to define it?",
            file=where,
        )
    if isinstance(exc, MissingLearnerFile):
        return LoadError(lesson.slug, str(exc), file=exc.path)
    if isinstance(exc, SyntaxError) and exc.filename:
        where = display_path(exc.filename)
        detail = f"{type(exc).__name__}: {exc.msg}"
        code = (exc.text or "").rstrip()
        shown = f"\n    {code.strip()}" if code else ""
        return LoadError(
            lesson.slug, f"{where}, line {exc.lineno}: {detail}{shown}", where, exc.lineno
        )
    # Otherwise point at the deepest frame in a lesson file (the learner's, most likely).
    frames = traceback.extract_tb(exc.__traceback__)
    lesson_frames = [f for f in frames if f"{lesson.slug}" in f.filename]
    frame = lesson_frames[-1] if lesson_frames else (frames[-1] if frames else None)
    detail = f"{type(exc).__name__}: {exc}"
    if frame is None:
        return LoadError(lesson.slug, f"Lesson {lesson.nn} does not import: {detail}")
    where = display_path(frame.filename)
    code = f"\n    {frame.line}" if frame.line else ""
    return LoadError(
        lesson.slug, f"{where}, line {frame.lineno}: {detail}{code}", where, frame.lineno
    )


def import_lesson_urls(lesson: Lesson):
    """Import the learner modules, then the lesson's URLconf. Raise what the learner must fix.

    A learner file that is a test module (lesson 14) is not served: the URLs serve the module
    it tests, and the playground never imports the learner's tests.
    """
    if lesson.tested_module is None:
        for module in lesson.learner_modules().values():
            importlib.import_module(module)
    return importlib.import_module(f"lessons.{lesson.slug}.urls")


def load_error(lesson: Lesson) -> LoadError | None:
    """None when the lesson imports; otherwise what is broken and where.

    A learner file that is a test module is not imported here: it runs only in the processes
    of course/mutation.py, which tell it nothing of the grading (a syntax error shows there).
    """
    try:
        if lesson.tested_module is None:
            for module in lesson.learner_modules().values():
                importlib.import_module(module)
        import_lesson_urls(lesson)
    except (Exception, SystemExit) as exc:  # a learner's code may raise, or exit, at import
        return describe(exc, lesson)
    return None
