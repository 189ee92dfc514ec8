"""Submissions: find them in a folder, slice them into shards, unpack zips, take the learner files.

Nothing here runs a submission's code. A submission is one folder or .zip per student; only
the learner files the manifests name are copied out of it, into a fresh target folder that
the tests then run against.
"""

from __future__ import annotations

import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from course.manifest import Lesson, all_lessons
from course.targets import Target

MAX_ZIP_BYTES = 50 * 1024 * 1024  # uncompressed, all members together
MAX_ZIP_MEMBERS = 10_000
MAX_LEARNER_FILE_BYTES = 1024 * 1024


class SubmissionError(Exception):
    """A submission that cannot be graded as handed in; the message says why."""


@dataclass(frozen=True)
class Submission:
    name: str  # as handed in: the folder's or zip's name without .zip
    slug: str  # safe for file names and unique in the class
    path: Path  # a folder or a .zip


def safe_name(name: str) -> str:
    """A file name for `name` on any system: ASCII letters, digits, `.`, `_` and `-`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._-")[:80] or "student"
    reserved = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT") for i in range(10))}
    return f"_{slug}" if slug.split(".")[0].upper() in reserved else slug


def find_submissions(
    folder: Path, exclude: Sequence[Path] = ()
) -> tuple[list[Submission], list[Path]]:
    """The students in `folder`, sorted by name, and the entries that are not submissions.

    Slugs are given over the whole folder, so every shard of a class gives a student the
    same slug.
    """
    entries, skipped = [], []
    excluded = {Path(p).resolve() for p in exclude}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX" or entry.resolve() in excluded:
            continue
        if entry.is_dir():
            entries.append((entry.name, entry))
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            entries.append((entry.name[: -len(".zip")], entry))
        else:
            skipped.append(entry)
    entries.sort(key=lambda item: (item[0], item[1].name))
    submissions, taken = [], set()
    for name, path in entries:
        slug = base = safe_name(name)
        # Case-insensitive: "Alice" and "alice" must not share a file on macOS or Windows.
        for n in range(2, len(entries) + 2):
            if slug.lower() not in taken:
                break
            slug = f"{base}-{n}"
        taken.add(slug.lower())
        submissions.append(Submission(name, slug, path))
    return submissions, skipped


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` (1 <= K <= N) as (K, N); ValueError with a message otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ValueError(f"--shard takes K/N with 1 <= K <= N, for example 2/4; got {text!r}.")
    return int(match[1]), int(match[2])


def select_shard(submissions: list[Submission], k: int, n: int) -> list[Submission]:
    """Shard K of N: every Nth student in name order, starting with the Kth.

    Dealt like cards rather than cut in blocks, so each shard gets a similar mix; the same
    folder always gives the same slices, and together the N shards hold every student once.
    """
    return submissions[k - 1 :: n]


def unpack_zip(archive: Path, dest: Path) -> None:
    """Unpack `archive` into `dest`, refusing anything that could write elsewhere or explode."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_members(archive.name, infos)
            _extract(archive.name, zf, infos, dest)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise SubmissionError(f"{archive.name} could not be unpacked: {exc}") from None


def _check_members(label: str, infos: list[zipfile.ZipInfo]) -> None:
    """Reject the whole zip before writing anything: a partial unpack would mislead."""
    if len(infos) > MAX_ZIP_MEMBERS:
        raise SubmissionError(
            f"Rejected {label}: it has {len(infos)} members; at most {MAX_ZIP_MEMBERS} are accepted."
        )
    declared = sum(info.file_size for info in infos)
    if declared > MAX_ZIP_BYTES:
        raise SubmissionError(
            f"Rejected {label}: it unpacks to {declared / 2**20:.0f} MB; "
            f"at most {MAX_ZIP_BYTES // 2**20} MB are accepted."
        )
    for info in infos:
        name = info.filename.replace("\\", "/")
        if (
            name.startswith("/")
            or re.match(r"[A-Za-z]:", name)
            or ".." in PurePosixPath(name).parts
        ):
            raise SubmissionError(
                f"Rejected {label}: the member {info.filename!r} would be written outside the "
                "submission folder (absolute paths and '..' are not allowed)."
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionError(
                f"Rejected {label}: the member {info.filename!r} is a symbolic link."
            )
        if info.flag_bits & 0x1:
            raise SubmissionError(f"Rejected {label}: the member {info.filename!r} is encrypted.")


def _extract(label: str, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], dest: Path) -> None:
    # Count the bytes actually written: a member's declared size is the zip's own claim.
    written = 0
    for info in infos:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if not parts:
            continue
        path = dest.joinpath(*parts)
        if info.is_dir():
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as source, path.open("wb") as sink:
            while chunk := source.read(1 << 16):
                written += len(chunk)
                if written > MAX_ZIP_BYTES:
                    raise SubmissionError(
                        f"Rejected {label}: it unpacks to more than {MAX_ZIP_BYTES // 2**20} MB."
                    )
                sink.write(chunk)


def find_root(folder: Path) -> Path:
    """The folder holding lessons/ or lNN_topic folders: `folder` itself or one level down."""
    if _holds_lessons(folder):
        return folder
    inside = [
        c for c in sorted(folder.iterdir()) if c.is_dir() and not c.name.startswith((".", "__"))
    ]
    found = [c for c in inside if _holds_lessons(c)]
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(c.name for c in found)
        raise SubmissionError(
            f"The submission holds several course folders ({names}); hand in one."
        )
    example = all_lessons()[0].slug
    raise SubmissionError(
        f"The submission holds no lessons/ folder and no lesson folder such as {example}/, "
        "at the top or one folder down."
    )


def _holds_lessons(folder: Path) -> bool:
    return (folder / "lessons").is_dir() or any(
        (folder / lesson.slug).is_dir() for lesson in all_lessons()
    )


def copy_learner_files(
    root: Path, boundary: Path, target: Path, lessons: Sequence[Lesson] | None = None
) -> dict[str, bytes]:
    """Copy the manifests' learner files of `lessons` from `root` to `target/lNN_topic/`.

    Nothing else is copied. Returns the sources copied, keyed by the path the student knows
    them by (lessons/lNN_topic/exercise.py). A missing file is left missing: its tests say so.
    """
    copied = read_learner_files(root, boundary, lessons)
    write_learner_files(target, copied)
    return copied


def write_learner_files(target: Path, files: dict[str, bytes]) -> None:
    """Write files keyed lessons/lNN_topic/NAME (as read_learner_files gives) as target/lNN_topic/NAME."""
    for shown, data in files.items():
        _, slug, name = shown.split("/", 2)
        (target / slug).mkdir(parents=True, exist_ok=True)
        (target / slug / name).write_bytes(data)


def read_learner_files(
    root: Path, boundary: Path, lessons: Sequence[Lesson] | None = None
) -> dict[str, bytes]:
    """The manifests' learner files of `lessons` in `root`, keyed lessons/lNN_topic/NAME.

    Refuses (SubmissionError) a link or a file that resolves outside `boundary`, and anything
    that is not a source file of at most MAX_LEARNER_FILE_BYTES. A missing file is left out.
    """
    source = Target("submission", root)  # the same lookup as `check --target PATH`
    boundary = boundary.resolve()
    copied = {}
    for lesson in lessons if lessons is not None else all_lessons():
        for name in lesson.learner_files:
            path = source.learner_file(lesson, name)
            shown = f"lessons/{lesson.slug}/{name}"
            if not (path.exists() or path.is_symlink()):
                continue
            # A link could hand in someone else's file, the reference solution included.
            if path.is_symlink() or not path.resolve().is_relative_to(boundary):
                raise SubmissionError(
                    f"Rejected: {shown} is a link to a file outside the submission."
                )
            if not path.is_file() or path.stat().st_size > MAX_LEARNER_FILE_BYTES:
                raise SubmissionError(
                    f"Rejected: {shown} is not a source file of at most {MAX_LEARNER_FILE_BYTES // 1024} KB."
                )
            copied[shown] = path.read_bytes()
    return copied
