"""Targets: whose learner files the graded tests run against.

A target is `lessons` (the learner's own working copy, the default), `solutions` (the
reference answers), `mistake:NN/NAME` (the reference with one known mistake applied, in
memory: course/mistakes.py) or a path (a student's checkout, or a folder holding just their
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
from dataclasses import dataclass, field
from pathlib import Path

from course.manifest import LESSONS_DIR, SOLUTIONS_DIR, Lesson, all_lessons

ENV_VAR = "COURSE_TARGET"


class MissingLearnerFile(ImportError):
    """The target has no file for a learner module."""


MISTAKE_PREFIX = "mistake:"


@dataclass(frozen=True)
class Target:
    name: str  # as given: "lessons", "solutions", "mistake:NN/NAME" or a path
    root: Path
    # Learner files served from memory instead of disk (str(path) -> text): a known mistake.
    sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def parse(cls, value: str | os.PathLike | None) -> Target:
        value = str(value or "lessons")
        if value == "lessons":
            return cls("lessons", LESSONS_DIR)
        if value == "solutions":
            return cls("solutions", SOLUTIONS_DIR)
        if value.startswith(MISTAKE_PREFIX):
            return cls.of_mistake(value.removeprefix(MISTAKE_PREFIX))
        root = Path(value).expanduser().resolve()
        if not root.is_dir():
            raise ValueError(
                f"Target {value!r} is not a folder. Give `lessons`, `solutions` or the path of a student's checkout."
            )
        return cls(value, root)

    @classmethod
    def of_mistake(cls, spec: str) -> Target:
        """The reference solutions with one known mistake applied, in memory."""
        from course.mistakes import MistakeError, find_mistake

        try:
            mistake = find_mistake(spec)
            files = mistake.files()
        except (LookupError, MistakeError) as exc:
            raise ValueError(str(exc)) from None
        folder = mistake.lesson.solution_folder
        return cls(
            mistake.target,
            SOLUTIONS_DIR,
            {str(folder / name): text for name, text in files.items()},
        )

    @property
    def env_value(self) -> str:
        """How child processes (a notebook's server, a grader) are told about this target."""
        named = self.name in ("lessons", "solutions") or self.name.startswith(MISTAKE_PREFIX)
        return self.name if named else str(self.root)

    def read(self, path: Path) -> bytes | None:
        """A learner file's bytes, from memory or disk; None when it does not exist."""
        if str(path) in self.sources:
            return self.sources[str(path)].encode("utf-8")
        return path.read_bytes() if path.is_file() else None

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
            data = self.read(path)
            prints[str(path)] = hashlib.sha256(data).hexdigest() if data is not None else None
        return prints

    def __str__(self) -> str:
        return self.name


# The sha256 of each learner file as it was compiled, so results can say what was graded.
LOADED: dict[str, str] = {}


class _SourceLoader(importlib.abc.Loader):
    """Execute a learner file from source without writing bytecode anywhere."""

    def __init__(self, target: Target, path: Path):
        self.target = target
        self.path = path

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        source = self.target.read(self.path)
        if source is None:
            raise MissingLearnerFile(
                f"MISSING FILE: {self.path} does not exist. The target must hold this lesson's learner file.",
                name=module.__name__,
                path=str(self.path),
            )
        LOADED[str(self.path)] = hashlib.sha256(source).hexdigest()
        code = compile(source, str(self.path), "exec", dont_inherit=True)
        exec(code, module.__dict__)

    def get_source(self, fullname):
        source = self.target.read(self.path)
        return source.decode("utf-8", errors="replace") if source is not None else None


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
        return importlib.util.spec_from_file_location(
            fullname, file, loader=_SourceLoader(self.target, file)
        )


def install(target: Target) -> None:
    """Make learner modules load from `target`, replacing any earlier target."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, LearnerFinder)]
    _forget_learner_code()
    if not target.is_default:
        sys.meta_path.insert(0, LearnerFinder(target))
    # Child processes (a notebook's server, a check run by a notebook) inherit the target.
    os.environ[ENV_VAR] = target.env_value


# Modules of a lesson that outlive a change of target: Django's registries hold what they
# define (models and their migrations, the admin, the app config), and none imports learner code.
KEPT_LESSON_MODULES = frozenset({"models", "migrations", "admin", "apps"})


def _forget_learner_code() -> None:
    """Drop every module that may hold learner code, so the next import loads the new target's.

    That is the learner modules, every other module of a lesson (a URLconf, a view or a settings
    module binds learner names when it is imported, and one cached from an earlier target would
    keep serving the earlier target's code) but those in KEPT_LESSON_MODULES, and the project's
    URLconf, which holds the lessons' URLconfs.
    """
    lessons = all_lessons()
    stale = {"playground_project.urls", "course.mutation_urls"}
    for lesson in lessons:
        stale.update(lesson.learner_modules().values())
    packages = tuple(f"lessons.{lesson.slug}." for lesson in lessons)
    for name in list(sys.modules):
        if name.startswith(packages) and name.split(".")[2] not in KEPT_LESSON_MODULES:
            stale.add(name)
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
