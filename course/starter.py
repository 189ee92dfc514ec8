"""Put a learner file's starter back: find it in git, keep a backup of the learner's version.

`python -m course reset` and the playground's lesson panel both call `restore()`, so both
take the starter from the same place and keep the same backup in var/backups/.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from course import ROOT, VAR
from course.manifest import Lesson

BACKUPS = VAR / "backups"


@dataclass(frozen=True)
class Restored:
    """What `restore()` did to one learner file."""

    name: str  # the learner file, as lessons/<slug>/<name>
    ref: str | None  # the git revision the starter came from; None when it was not found
    backup: Path | None = None  # the learner's version, kept before it was replaced
    unchanged: bool = False  # the file already was the starter

    @property
    def found(self) -> bool:
        return self.ref is not None


def pristine(lesson: Lesson, name: str) -> tuple[str, str] | None:
    """The course's starter for a learner file, from git: upstream first, then HEAD."""
    path = f"lessons/{lesson.slug}/{name}"
    markers = [f"TODO({e.id})" for e in lesson.exercises]
    for ref in ("@{upstream}", "origin/HEAD", "origin/main", "HEAD"):
        shown = subprocess.run(
            ["git", "show", f"{ref}:{path}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            stdin=subprocess.DEVNULL,
        )
        if shown.returncode == 0 and all(m in shown.stdout for m in markers):
            return ref, shown.stdout
    return None


def is_starter(lesson: Lesson, name: str, text: str) -> bool:
    current = lesson.folder / name
    return current.is_file() and current.read_text(encoding="utf-8") == text


def restore(lesson: Lesson, name: str, found: tuple[str, str] | None = None) -> Restored:
    """Replace one learner file with its starter, after copying the learner's version to var/backups/.

    `found` is what `pristine()` answered, when the caller already asked (to confirm first).
    """
    shown = f"lessons/{lesson.slug}/{name}"
    found = found or pristine(lesson, name)
    if found is None:
        return Restored(shown, None)
    ref, text = found
    if is_starter(lesson, name, text):
        return Restored(shown, ref, unchanged=True)
    current = lesson.folder / name
    backup = None
    if current.is_file():
        BACKUPS.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = BACKUPS / f"{lesson.slug}-{name.removesuffix('.py')}-{stamp}.py"
        if backup.exists():  # two resets within a second: keep both versions
            backup = backup.with_name(f"{backup.stem}-{time.monotonic_ns()}.py")
        shutil.copy2(current, backup)
    current.write_text(text, encoding="utf-8")
    return Restored(shown, ref, backup)
