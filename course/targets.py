"""Targets: whose learner files the graded tests run against.

A target is `lessons` (the learner's own working copy, the default), `solutions` (the
reference answers) or a path (a student's checkout, or a folder holding just their
`lNN_topic/exercise.py` files). Only the learner files named in the manifests are read from
a target; everything else (tests, settings, the worked examples) comes from the course.
The working tree is never modified: a meta path finder serves the learner modules from the
target's files, compiled in memory, so no bytecode is written next to them.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from course.manifest import LESSONS_DIR, SOLUTIONS_DIR, Lesson, all_lessons

ENV_VAR = "COURSE_TARGET"


class MissingLearnerFile(ImportError):
    """The target has no file for a learner module."""


@dataclass(frozen=True)
class Target:
    name: str  # as given: "lessons", "solutions" or a path
    root: Path

    @classmethod
    def parse(cls, value: str | os.PathLike | None) -> Target:
        value = str(value or "lessons")
        if value == "lessons":
            return cls("lessons", LESSONS_DIR)
        if value == "solutions":
            return cls("solutions", SOLUTIONS_DIR)
        root = Path(value).expanduser().resolve()
        if not root.is_dir():
            raise ValueError(
                f"Target {value!r} is not a folder. Give `lessons`, `solutions` or the path of a student's checkout."
            )
        return cls(value, root)

    @property
    def is_default(self) -> bool:
        return self.root == LESSONS_DIR

    def lesson_folder(self, lesson: Lesson) -> Path:
        """A checkout keeps lessons under lessons/; a bare submission holds the lesson folders."""
        nested = self.root / "lessons" / lesson.slug
        return nested if nested.is_dir() else self.root / lesson.slug

    def learner_file(self, lesson: Lesson, name: str) -> Path:
        return self.lesson_folder(lesson) / name

    def fingerprint(self, lesson: Lesson) -> dict[str, str | None]:
        """The sha256 of each learner file loaded from this target (None when missing)."""
        prints = {}
        for name in lesson.learner_files:
            path = self.learner_file(lesson, name)
            prints[str(path)] = (
                hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
            )
        return prints

    def __str__(self) -> str:
        return self.name


# The sha256 of each learner file as it was compiled, so results can say what was graded.
LOADED: dict[str, str] = {}


class _SourceLoader(importlib.abc.Loader):
    """Execute a learner file from source without writing bytecode anywhere."""

    def __init__(self, path: Path):
        self.path = path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        if not self.path.is_file():
            raise MissingLearnerFile(
                f"MISSING FILE: {self.path} does not exist. The target must hold this lesson's learner file.",
                name=module.__name__,
                path=str(self.path),
            )
        source = self.path.read_bytes()
        LOADED[str(self.path)] = hashlib.sha256(source).hexdigest()
        code = compile(source, str(self.path), "exec", dont_inherit=True)
        exec(code, module.__dict__)

    def get_source(self, fullname):
        return self.path.read_text(encoding="utf-8", errors="replace")


class LearnerFinder(importlib.abc.MetaPathFinder):
    """Serve `lessons.<slug>.<learner module>` from a target's files."""

    def __init__(self, target: Target):
        self.target = target
        self.modules: dict[str, Path] = {}
        for lesson in all_lessons():
            for name, module in lesson.learner_modules().items():
                self.modules[module] = target.learner_file(lesson, name)

    def find_spec(self, fullname, path=None, target=None):
        file = self.modules.get(fullname)
        if file is None:
            return None
        return importlib.util.spec_from_file_location(fullname, file, loader=_SourceLoader(file))


def install(target: Target) -> None:
    """Make learner modules load from `target`, replacing any earlier target."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, LearnerFinder)]
    _forget_learner_code()
    if not target.is_default:
        sys.meta_path.insert(0, LearnerFinder(target))
    # Child processes (a notebook's server, a check run by a notebook) inherit the target.
    os.environ[ENV_VAR] = (
        target.name if target.name in ("lessons", "solutions") else str(target.root)
    )


def _forget_learner_code() -> None:
    """Drop learner modules and every URLconf that holds their views, so the next import reloads.

    Views are bound when a URLconf is imported: a URLconf cached from an earlier target
    would keep serving the earlier target's code.
    """
    stale = {"playground_project.urls"}
    for lesson in all_lessons():
        stale.update(lesson.learner_modules().values())
        stale.add(f"lessons.{lesson.slug}.urls")
    for name in stale:
        sys.modules.pop(name, None)
    if "django.urls" in sys.modules:
        from django.urls import clear_url_caches

        clear_url_caches()


def install_from_environment() -> None:
    """Honour COURSE_TARGET in processes started for a target (a notebook's server, a grader)."""
    value = os.environ.get(ENV_VAR)
    if value and value != "lessons":
        install(Target.parse(value))


def current() -> Target:
    return Target.parse(os.environ.get(ENV_VAR))
