"""Known mistakes: each one small change to a lesson's reference, stored as a unified diff.

`solutions/lNN_topic/mistakes/eN_<what_goes_wrong>.diff` opens with `# <the mistake in one
sentence>`, then holds a unified diff against the reference learner file(s):

    # POST answers 200 instead of 201 Created.
    --- a/exercise.py
    +++ b/exercise.py
    @@ -30,7 +30,7 @@
    ...

The engine applies it in memory (nothing is written) to build the known-wrong variant
wherever one is needed: the course's self-checks, `--target mistake:NN/NAME`, grading's
reference checks. A hunk may move (lines added above it), but its lines must match exactly:
a diff that no longer fits the reference fails loudly, naming the lesson, the file and the
hunk, and `python -m course mistake refresh NN` rebuilds it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from course.manifest import Lesson, find_lesson

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
NAME_RE = re.compile(r"^e\d+_[a-z0-9_]+$")


class MistakeError(ValueError):
    """A mistake file that does not fit its lesson's reference; the message says how to fix it."""


@dataclass(frozen=True)
class Hunk:
    header: str
    old_start: int  # 1-based line in the reference
    old: tuple[str, ...]  # the reference's lines (context and removed)
    new: tuple[str, ...]  # the variant's lines (context and added)


@dataclass(frozen=True)
class Patch:
    """A diff a lesson keeps under solutions/lNN_topic/: a known mistake, or a mutant (lesson 14)."""

    lesson: Lesson
    path: Path  # solutions/lNN_topic/<folder>/eN_<what_goes_wrong>.diff

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def exercise_id(self) -> str:
        return self.name.split("_", 1)[0].upper()

    @cached_property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def summary(self) -> str:
        """What goes wrong, in one sentence (never its code): the first line, without its `#`."""
        return summary_of(self.text)

    def describe(self) -> str:
        return f"solutions/{self.lesson.slug}/{self.path.parent.name}/{self.path.name}"


class Mistake(Patch):
    """One known mistake of a lesson: `solutions/lNN_topic/mistakes/<name>.diff`."""

    @property
    def target(self) -> str:
        """The target that grades this variant: `mistake:<slug>/<name>`."""
        return f"mistake:{self.lesson.slug}/{self.name}"

    def files(self) -> dict[str, str]:
        """Each learner file's text with this mistake applied (untouched files as they are)."""
        patches = parse(self.text, where=self.describe())
        unknown = set(patches) - set(self.lesson.learner_files)
        if unknown:
            raise MistakeError(
                f"{self.describe()} changes {sorted(unknown)}, which are not learner files of "
                f"lesson {self.lesson.nn} ({', '.join(self.lesson.learner_files)})."
            )
        out = {}
        for name in self.lesson.learner_files:
            reference = reference_text(self.lesson, name)
            hunks = patches.get(name)
            out[name] = (
                apply(
                    reference,
                    hunks,
                    where=f"{self.describe()} against {ref_path(self.lesson, name)}",
                    nn=self.lesson.nn,
                )
                if hunks
                else reference
            )
        return out


def summary_of(text: str) -> str:
    """A diff's first line, `# <the change in one sentence>`, without its `#`; "" when absent."""
    first = text.partition("\n")[0]
    return first.removeprefix("#").strip() if first.startswith("#") else ""


def mistakes_of(lesson: Lesson) -> list[Mistake]:
    return [
        Mistake(lesson, p) for p in sorted((lesson.solution_folder / "mistakes").glob("*.diff"))
    ]


def find_mistake(spec: str) -> Mistake:
    """`01/e1_create_answers_200` or `l01_function_views/e1_create_answers_200`."""
    lesson_key, _, name = spec.strip().partition("/")
    lesson = find_lesson(lesson_key)
    name = name.removesuffix(".diff")
    for mistake in mistakes_of(lesson):
        if mistake.name == name:
            return mistake
    known = ", ".join(m.name for m in mistakes_of(lesson)) or "none"
    raise LookupError(f"Lesson {lesson.nn} has no known mistake {name!r}; it has: {known}.")


def ref_path(lesson: Lesson, name: str) -> str:
    return f"solutions/{lesson.slug}/{name}"


def reference_text(lesson: Lesson, name: str) -> str:
    return (lesson.solution_folder / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------------ reading a diff


def parse(text: str, where: str) -> dict[str, list[Hunk]]:
    """The hunks of a unified diff, by the file name after `a/`; comment lines are skipped."""
    lines = text.splitlines(keepends=True)
    patches: dict[str, list[Hunk]] = {}
    current: list[Hunk] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- "):
            plus = lines[i + 1] if i + 1 < len(lines) else ""
            if not plus.startswith("+++ "):
                raise MistakeError(f"{where}, line {i + 1}: `--- ` is not followed by `+++ `.")
            name = line[4:].strip().split("\t")[0].removeprefix("a/")
            current = patches.setdefault(name, [])
            i += 2
            continue
        match = HUNK_RE.match(line)
        if match:
            if current is None:
                raise MistakeError(f"{where}, line {i + 1}: a hunk before any `--- a/FILE` header.")
            old_count = int(match[2]) if match[2] is not None else 1
            new_count = int(match[4]) if match[4] is not None else 1
            old, new = [], []
            i += 1
            while (len(old) < old_count or len(new) < new_count) and i < len(lines):
                body = lines[i]
                if body.startswith("\\"):  # "\ No newline at end of file"
                    i += 1
                    continue
                tag, content = body[:1], body[1:]
                if tag in (" ", "\n"):
                    content = content if tag == " " else "\n"
                    old.append(content)
                    new.append(content)
                elif tag == "-":
                    old.append(content)
                elif tag == "+":
                    new.append(content)
                else:
                    raise MistakeError(
                        f"{where}, line {i + 1}: {body.rstrip()!r} is not a diff line."
                    )
                i += 1
            if len(old) != old_count or len(new) != new_count:
                raise MistakeError(
                    f"{where}: hunk {line.strip()} ends early (the file is cut short)."
                )
            current.append(Hunk(line.strip(), int(match[1]), tuple(old), tuple(new)))
            continue
        if current is not None and line.strip() and not line.startswith("#"):
            raise MistakeError(f"{where}, line {i + 1}: {line.rstrip()!r} is not part of a diff.")
        i += 1
    if not any(patches.values()):
        raise MistakeError(f"{where}: holds no hunk; a mistake is one change to the reference.")
    return patches


def apply(reference: str, hunks: list[Hunk], where: str, nn: str = "NN") -> str:
    """The reference with `hunks` applied; each hunk's lines must match exactly, at any offset."""
    lines = reference.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0  # lines of the reference already copied or replaced
    offset = 0  # how far the reference has moved since the diff was made
    for number, hunk in enumerate(hunks, start=1):
        wanted = hunk.old_start - 1 + offset if hunk.old else hunk.old_start + offset
        at = _find(lines, hunk.old, max(wanted, cursor), cursor)
        if at is None:
            raise MistakeError(
                f"{where}: hunk {number} ({hunk.header}) no longer matches the reference"
                f"{_closest(lines, hunk.old, max(wanted, cursor))}. The reference changed since "
                f"this mistake was written: rebuild the lesson's diffs with `python -m course "
                f"mistake refresh {nn}`, or save an edited copy of `python -m course mistake show "
                f"{nn} NAME` with `python -m course mistake new {nn} NAME --from FILE`."
            )
        offset = at - (hunk.old_start - 1 if hunk.old else hunk.old_start)
        out.extend(lines[cursor:at])
        out.extend(hunk.new)
        cursor = at + len(hunk.old)
    out.extend(lines[cursor:])
    return "".join(out)


def _find(lines: list[str], block: tuple[str, ...], near: int, floor: int) -> int | None:
    """Where `block` starts in `lines`, searching outwards from `near`, never before `floor`."""
    size = len(block)
    last = len(lines) - size
    for distance in range(0, len(lines) + 1):
        for at in (near - distance, near + distance) if distance else (near,):
            if floor <= at <= last and _same(lines[at : at + size], block):
                return at
    return None


def _same(a, b) -> bool:
    # A missing newline at the end of either file is not a difference worth failing on.
    return len(a) == len(b) and all(
        x.rstrip("\n") == y.rstrip("\n") for x, y in zip(a, b, strict=True)
    )


def _closest(lines: list[str], block: tuple[str, ...], near: int) -> str:
    """Say where the hunk's first mismatching line would have been, to help the author."""
    for k, expected in enumerate(block):
        at = near + k
        found = lines[at].rstrip("\n") if at < len(lines) else "<end of file>"
        if found != expected.rstrip("\n"):
            return (
                f": near line {at + 1} it expects {expected.rstrip()!r} but finds {found.strip()!r}"
            )
    return ""


# ------------------------------------------------------------------------ writing a diff


def make_diff(lesson: Lesson, variants: dict[str, str], summary: str) -> str:
    """The text of a mistake file: the summary line, then each changed learner file's diff."""
    changes = [
        (name, reference_text(lesson, name), variants[name])
        for name in lesson.learner_files
        if name in variants
    ]
    return diff_text(summary, changes, ref_path(lesson, lesson.learner_files[0]))


def diff_text(summary: str, changes: list[tuple[str, str, str]], reference: str) -> str:
    """`# <summary>` then a unified diff per (file name, reference text, variant text)."""
    summary = " ".join(summary.split())
    if not summary:
        raise MistakeError("Say the mistake in one sentence (--says).")
    parts = [f"# {summary}\n"]
    for name, old, new in changes:
        parts.extend(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                _ends_with_newline(new).splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
            )
        )
    if len(parts) == 1:
        raise MistakeError(
            f"The variant is the same as {reference}: a mistake must change something."
        )
    return "".join(parts)


def _ends_with_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def write_mistake(lesson: Lesson, name: str, variants: dict[str, str], summary: str) -> Path:
    if not NAME_RE.match(name):
        raise MistakeError(
            f"{name!r}: name a mistake eN_<what_goes_wrong>, e.g. e1_create_answers_200."
        )
    ids = {e.id for e in lesson.exercises}
    if name.split("_", 1)[0].upper() not in ids:
        raise MistakeError(f"{name!r}: lesson {lesson.nn} has exercises {sorted(ids)}.")
    path = lesson.solution_folder / "mistakes" / f"{name}.diff"
    text = make_diff(lesson, variants, summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------ after the reference changed


def refresh(lesson: Lesson, base: str = "HEAD") -> list[str]:
    """Rebuild each of the lesson's diffs against its current reference; what happened, per mistake.

    A diff that still applies is rewritten with fresh line numbers. One that does not is
    applied to the reference as it was at git revision `base`, and that change is merged
    into the current reference with `git merge-file`; a conflict leaves the diff untouched.
    """
    import subprocess
    import tempfile

    from course import ROOT

    report = []
    for mistake in mistakes_of(lesson):
        try:
            variants = mistake.files()
        except MistakeError:
            variants = {}
            patches = parse(mistake.text, where=mistake.describe())
            for name, hunks in patches.items():
                path = ref_path(lesson, name)
                old = subprocess.run(
                    ["git", "show", f"{base}:{path}"], cwd=ROOT, capture_output=True, text=True
                )
                if old.returncode:
                    report.append(f"{mistake.name}: no {path} at {base}: {old.stderr.strip()}")
                    break
                try:
                    old_variant = apply(old.stdout, hunks, where=f"{mistake.describe()} at {base}")
                except MistakeError as exc:
                    report.append(f"{mistake.name}: does not apply at {base} either: {exc}")
                    break
                with tempfile.TemporaryDirectory() as scratch:
                    files = []
                    for label, text in (
                        ("current", reference_text(lesson, name)),
                        ("base", old.stdout),
                        ("variant", old_variant),
                    ):
                        file = Path(scratch) / label
                        file.write_text(text, encoding="utf-8")
                        files.append(str(file))
                    merged = subprocess.run(
                        ["git", "merge-file", "-p", *files], capture_output=True, text=True
                    )
                if merged.returncode:
                    report.append(
                        f"{mistake.name}: the change to {path} since {base} touches the mistake's "
                        f"lines; edit `python -m course mistake show {lesson.nn} {mistake.name}` "
                        "by hand and save it with `mistake new`."
                    )
                    break
                variants[name] = merged.stdout
            else:
                mistake.path.write_text(make_diff(lesson, variants, mistake.summary), "utf-8")
                report.append(f"{mistake.name}: merged with the reference's changes since {base}")
            continue
        new_text = make_diff(lesson, variants, mistake.summary)
        if new_text != mistake.text:
            mistake.path.write_text(new_text, encoding="utf-8")
            report.append(f"{mistake.name}: line numbers refreshed")
    return report
