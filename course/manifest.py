"""Lesson manifests (`lessons/lNN_topic/lesson.toml`): the one source of lesson metadata."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from course import ROOT

LESSONS_DIR = ROOT / "lessons"
SOLUTIONS_DIR = ROOT / "solutions"
NOTEBOOKS_DIR = ROOT / "notebooks"
TESTS_DIR = ROOT / "tests" / "lessons"

SLUG_RE = re.compile(r"^l(?P<number>\d{2})_[a-z0-9_]+$")
EXERCISE_ID_RE = re.compile(r"^E\d+$")


class ManifestError(ValueError):
    """A lesson.toml that does not follow the contract; the message names the file and the fix."""


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    points: int
    hints: tuple[str, ...]


@dataclass(frozen=True)
class Lesson:
    slug: str
    number: int
    title: str
    objectives: tuple[str, ...]
    prerequisites: tuple[str, ...]
    learner_files: tuple[str, ...]
    exercises: tuple[Exercise, ...] = field(default=())
    # A lesson whose learner file is a test module names the course module its tests run
    # against (`[mutation] module = "api.py"`); its mutants are diffs of that module.
    tested_module: str | None = None
    # Processes its graded tests start (lesson 15: PostgreSQL and gunicorn); the grader's guard
    # lets a run of such a lesson start them (course/grading/child.py).
    services: tuple[str, ...] = ()

    @property
    def nn(self) -> str:
        return f"{self.number:02d}"

    @property
    def folder(self) -> Path:
        return LESSONS_DIR / self.slug

    @property
    def readme(self) -> Path:
        return self.folder / "README.md"

    @property
    def test_file(self) -> Path:
        return TESTS_DIR / f"test_{self.slug}.py"

    @property
    def notebook(self) -> Path:
        return NOTEBOOKS_DIR / f"{self.slug}.ipynb"

    @property
    def solution_folder(self) -> Path:
        return SOLUTIONS_DIR / self.slug

    @property
    def url_prefix(self) -> str:
        return f"lessons/{self.nn}/"

    @property
    def points(self) -> int:
        return sum(exercise.points for exercise in self.exercises)

    def learner_modules(self) -> dict[str, str]:
        """Map each learner file to its module name, e.g. exercise.py -> lessons.l01_x.exercise."""
        return {name: f"lessons.{self.slug}.{Path(name).stem}" for name in self.learner_files}

    def exercise(self, exercise_id: str) -> Exercise:
        wanted = normalise_exercise_id(exercise_id)
        for exercise in self.exercises:
            if exercise.id == wanted:
                return exercise
        known = ", ".join(e.id for e in self.exercises)
        raise LookupError(f"Lesson {self.nn} has no exercise {exercise_id!r}; it has {known}.")


def normalise_exercise_id(value: str) -> str:
    """Accept `E2`, `e2` or `2`."""
    value = str(value).strip().upper()
    return value if value.startswith("E") else f"E{value}"


def _require(data: dict, key: str, kind: type, path: Path):
    if key not in data:
        raise ManifestError(f"{path}: missing required key `{key}`.")
    value = data[key]
    if not isinstance(value, kind):
        raise ManifestError(f"{path}: `{key}` must be a {kind.__name__}, got {value!r}.")
    return value


def load_lesson(folder: Path) -> Lesson:
    """Read and validate one lesson's manifest."""
    path = folder / "lesson.toml"
    match = SLUG_RE.match(folder.name)
    if not match:
        raise ManifestError(
            f"{folder}: a lesson folder is named lNN_topic, e.g. l01_function_views."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: every lesson folder needs a lesson.toml.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: not valid TOML: {exc}") from None
    number = _require(data, "number", int, path)
    if number != int(match["number"]):
        raise ManifestError(f"{path}: number = {number} but the folder says {match['number']}.")
    exercises = []
    for raw in _require(data, "exercises", list, path):
        exercise_id = _require(raw, "id", str, path)
        if not EXERCISE_ID_RE.match(exercise_id):
            raise ManifestError(f"{path}: exercise id {exercise_id!r} must look like E1, E2, ...")
        hints = tuple(_require(raw, "hints", list, path))
        if not hints or not all(isinstance(h, str) and h.strip() for h in hints):
            raise ManifestError(f"{path}: exercise {exercise_id} needs at least one hint.")
        points = _require(raw, "points", int, path)
        if points <= 0:
            raise ManifestError(f"{path}: exercise {exercise_id} must be worth at least one point.")
        exercises.append(Exercise(exercise_id, _require(raw, "title", str, path), points, hints))
    ids = [e.id for e in exercises]
    if not ids or len(set(ids)) != len(ids):
        raise ManifestError(f"{path}: exercises need unique ids and there must be at least one.")
    learner_files = tuple(_require(data, "learner_files", list, path))
    for name in learner_files:
        if not (isinstance(name, str) and re.fullmatch(r"[a-z_][a-z0-9_]*\.py", name)):
            raise ManifestError(
                f"{path}: learner file {name!r} must be a module file name like exercise.py."
            )
    tested_module = None
    if "mutation" in data:
        mutation = _require(data, "mutation", dict, path)
        tested_module = _require(mutation, "module", str, path)
        if (
            not re.fullmatch(r"[a-z_][a-z0-9_]*\.py", tested_module)
            or tested_module in learner_files
        ):
            raise ManifestError(
                f"{path}: [mutation] module {tested_module!r} must be a module file of the lesson "
                "(like api.py) that is not a learner file: the learner's tests run against it."
            )
    return Lesson(
        slug=folder.name,
        number=number,
        title=_require(data, "title", str, path),
        objectives=tuple(_require(data, "objectives", list, path)),
        prerequisites=tuple(data.get("prerequisites", [])),
        learner_files=learner_files,
        exercises=tuple(exercises),
        tested_module=tested_module,
        services=tuple(_require(data, "services", list, path)) if "services" in data else (),
    )


@cache
def all_lessons() -> tuple[Lesson, ...]:
    """Every lesson, in order of number: the lNN_topic folders that have a lesson.toml.

    A folder without one is skipped rather than fatal, so that a lesson being created, or a
    folder left holding only __pycache__, does not stop every other lesson;
    unfinished_lesson_folders() names them for the course's self-check.
    """
    return tuple(load_lesson(folder) for folder in _lesson_folders() if _has_manifest(folder))


def unfinished_lesson_folders() -> list[Path]:
    """lNN_topic folders that hold files but no lesson.toml."""
    return [
        folder
        for folder in _lesson_folders()
        if not _has_manifest(folder) and any(p.name != "__pycache__" for p in folder.iterdir())
    ]


def _lesson_folders() -> list[Path]:
    return sorted(p for p in LESSONS_DIR.iterdir() if p.is_dir() and SLUG_RE.match(p.name))


def _has_manifest(folder: Path) -> bool:
    return (folder / "lesson.toml").is_file()


def find_lesson(key: str | int) -> Lesson:
    """Find a lesson by number (`1`, `01`) or slug."""
    text = str(key).strip().lower().removeprefix("l")
    for lesson in all_lessons():
        if text in (lesson.slug, lesson.slug[1:], lesson.nn, str(lesson.number)):
            return lesson
    known = ", ".join(lesson.nn for lesson in all_lessons())
    raise LookupError(f"There is no lesson {key!r}. Lessons: {known}.")


def lesson_for_test_file(path: str | Path) -> Lesson | None:
    """The lesson a graded test module belongs to (tests/lessons/test_<slug>.py)."""
    stem = Path(path).stem.removeprefix("test_")
    for lesson in all_lessons():
        if lesson.slug == stem:
            return lesson
    return None
