"""The learner's progress and hint levels, kept in var/progress.json (git-ignored), never in sources."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time

from course import VAR
from course.checking import CheckReport
from course.manifest import Lesson

PROGRESS_FILE = VAR / "progress.json"


def _load() -> dict:
    path = PROGRESS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {"lessons": {}, "hints": {}}
    data.setdefault("lessons", {})
    data.setdefault("hints", {})
    return data


def _save(data: dict) -> None:
    """Write atomically, so an interrupted write never loses the learner's progress."""
    path = PROGRESS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def learner_digest(lesson: Lesson) -> str:
    """A hash of the learner's files, to tell whether a recorded check is still current."""
    digest = hashlib.sha256()
    for name in lesson.learner_files:
        path = lesson.folder / name
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def record(report: CheckReport, digests: dict[str, str] | None = None) -> None:
    """Remember each exercise's verdict, with the hash of the files that earned it.

    `digests` (slug -> hash) are the hashes taken before the tests ran: a file saved during the
    run was not graded, and must show as changed rather than earn the old file's verdict.
    """
    data = _load()
    digests = digests or {}
    for result in report.lessons:
        data["lessons"][result.lesson.slug] = {
            "digest": digests.get(result.lesson.slug) or learner_digest(result.lesson),
            "checked_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "exercises": {
                e.exercise.id: {"passed": e.passed, "earned": e.earned} for e in result.exercises
            },
        }
    _save(data)


def state(lesson: Lesson) -> dict[str, str]:
    """Each exercise's state: passed, failed, unchecked, or changed (edited since the last check)."""
    entry = _load()["lessons"].get(lesson.slug)
    if entry is None:
        return {e.id: "unchecked" for e in lesson.exercises}
    current = entry.get("digest") == learner_digest(lesson)
    states = {}
    for exercise in lesson.exercises:
        verdict = entry["exercises"].get(exercise.id)
        if verdict is None:
            states[exercise.id] = "unchecked"
        elif not current:
            states[exercise.id] = "changed"
        else:
            states[exercise.id] = "passed" if verdict["passed"] else "failed"
    return states


def last_check(lesson: Lesson) -> dict | None:
    """The lesson's last recorded check: `checked_at`, and each exercise's `passed` and `earned`.

    None before the first check. Its score is the one `check` printed then, for the files as
    they were; `state()` says whether they have changed since.
    """
    entry = _load()["lessons"].get(lesson.slug)
    if entry is None:
        return None
    earned = sum(verdict.get("earned", 0.0) for verdict in entry["exercises"].values())
    return {**entry, "earned": round(earned, 2)}


def lesson_passed(lesson: Lesson) -> bool:
    return all(s == "passed" for s in state(lesson).values())


def next_hint_level(lesson: Lesson, exercise_id: str) -> int:
    """Advance and return the hint level (1-based) for an exercise, capped at the last hint."""
    data = _load()
    key = f"{lesson.slug}:{exercise_id}"
    level = min(data["hints"].get(key, 0) + 1, len(lesson.exercise(exercise_id).hints))
    data["hints"][key] = level
    _save(data)
    return level


def hints_seen(lesson: Lesson, exercise_id: str) -> int:
    return _load()["hints"].get(f"{lesson.slug}:{exercise_id}", 0)
