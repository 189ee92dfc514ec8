"""Submissions: find them in a folder, slice them into shards, unpack zips, take the learner files.

Nothing here runs a submission's code. A submission is one folder or .zip per student, named
after them, or what a platform's "download all" gives (find_submissions reads each layout by
the platform's own naming rule, cited where it is parsed): Canvas's loose files, a GitHub
Classroom clone, Moodle's folders or files. Only the learner files the manifests name are
copied out of it, into a fresh target folder that the tests then run against.
"""

from __future__ import annotations

import re
import shutil
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from course.manifest import Lesson, all_lessons
from course.targets import Target

MAX_ZIP_BYTES = 50 * 1024 * 1024  # uncompressed, all members together
MAX_ZIP_MEMBERS = 10_000
MAX_LEARNER_FILE_BYTES = 1024 * 1024
# A whole class's download, unpacked, may take this much, or ten times its own size where
# that is more: the students' zips in it hardly shrink when zipped again, so a download that
# unpacks to many times its size is a bomb, while a large class's is merely large.
MAX_DOWNLOAD_BYTES = 2 * 1024**3
DOWNLOAD_RATIO = 10
MAX_DOWNLOAD_MEMBERS = 200_000

# Canvas's "Download Submissions" (instructure/canvas-lms, lib/content_zipper.rb): get_filename
# joins the student's sortable name (lowercased, with `_<digits>_` runs taken out), `LATE` when
# the submission is late, and the Canvas user id with `_`, and drops every non-word character;
# add_upload_submission then appends `_<attachment id>_<the file's name>`. So Bob Smith's
# course.zip, handed in late, is `smithbob_LATE_340934_208490284_course.zip` (older Canvas
# lowercased the whole name: `_late_`). A sortable name may end in `_<digits>`, so the first
# `_<digits>_<digits>_` is not always the ids: the roster checks the name part as well
# (course.grading.lms.canvas_name). Text entries (`..._text.html`) carry no attachment id and
# are not code; with anonymous grading the id is `anon_<id>`, which no roster carries.
# Canvas keeps Ruby's [[:word:]] (letters, marks, decimal digits, `_`), wider than Python's
# \w, which drops marks: canvas_word checks the name part, read as NFC (a zip unpacked on
# macOS may hand the names back decomposed).
CANVAS_FILE = re.compile(
    r"(?P<name>.+?)(?:_(?P<late>LATE|late))?_(?P<user>\d+)_(?P<attachment>\d+)_(?P<file>.+)",
    re.DOTALL,
)
# Moodle's "Download all submissions" (moodle/moodle, mod/assign/classes/downloader.php):
# get_student_prefix gives the student's full name with `_` turned into spaces, then
# `_<participant id>` (get_uniqueid_for_user: the number the grading worksheet shows as
# "Participant 12345"); each submission plugin adds `_<subtype>_<type>`, e.g.
# `Zoë Müller_12346_assignsubmission_file`, a folder holding the student's files (the default),
# or, with "Download submissions in folders" off, a prefix of each file's name.
MOODLE_ENTRY = re.compile(
    r"(?P<name>[^_]+)_(?P<user>\d+)_(?P<plugin>assignsubmission_[a-z0-9]+)(?:_(?P<file>.+))?",
    re.DOTALL,
)
MOODLE_FILES = "assignsubmission_file"
# GitHub Classroom: `gh classroom clone student-repos` (github/gh-classroom,
# cmd/gh-classroom/clone/student-repos) clones every accepted assignment into
# `<assignment slug>-submissions/<repository name>`, and Classroom names a student's repository
# `<assignment slug>-<GitHub username>`.
CLASSROOM_FOLDER = "-submissions"


class SubmissionError(Exception):
    """A submission that cannot be graded as handed in; the message says why."""


@dataclass(frozen=True)
class Submission:
    name: str  # as handed in: the folder's or zip's name without .zip, or the platform's prefix
    slug: str  # safe for file names and unique in the class
    path: Path  # a folder or a .zip (for a platform's loose files, the first of them)
    platform: str = ""  # canvas, classroom or moodle when read from that platform's download
    user: str = ""  # the student's id on that platform, as the roster it exports holds it
    late: bool = False  # the platform marked it late (Canvas)
    # A platform's loose files or folders that together make this submission, each with the
    # name it had when the student handed it in ("" for a folder): see stage().
    members: tuple[tuple[Path, str], ...] = ()


def canvas_word(char: str) -> bool:
    """Whether Canvas keeps `char` in a name (Onigmo's [[:word:]]: L, M, Nd, Pc)."""
    category = unicodedata.category(char)
    return category[0] in "LM" or category in ("Nd", "Pc")


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

    Each entry is read by the first rule it fits: a folder of a GitHub Classroom clone
    (`<assignment>-<username>` inside `<assignment>-submissions`), a Canvas file
    (CANVAS_FILE), a Moodle folder or file (MOODLE_ENTRY), else one folder or .zip named after
    the student. A platform's entries are grouped by the student's id on that platform, so one
    student's several files are one submission. Slugs are given over the whole folder, so
    every shard of a class gives a student the same slug.
    """
    found: list[Submission] = []
    skipped = []
    excluded = {Path(p).resolve() for p in exclude}
    classroom = (
        folder.name[: -len(CLASSROOM_FOLDER)] + "-"
        if folder.name.endswith(CLASSROOM_FOLDER)
        else None
    )
    canvas: dict[tuple[str, str], list] = {}
    moodle: dict[str, list] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX" or entry.resolve() in excluded:
            continue
        if classroom and entry.is_dir() and entry.name.startswith(classroom):
            user = entry.name[len(classroom) :]
            if user:
                found.append(Submission(user, "", entry, "classroom", user))
                continue
        # Moodle's first: a one-word name's file `Cher_12_assignsubmission_file_a_1_2_b.py`
        # would also read as Canvas's, and no Canvas name can read as Moodle's.
        if match := MOODLE_ENTRY.fullmatch(entry.name):
            if entry.is_dir() != bool(match["file"]):  # a folder, or a file with its name
                moodle.setdefault(match["user"], []).append((entry, match))
                continue
        match = CANVAS_FILE.fullmatch(unicodedata.normalize("NFC", entry.name))
        if entry.is_file() and match and all(canvas_word(c) for c in match["name"]):
            # By name and id: a file whose name part differs is not that student's (below).
            canvas.setdefault((match["name"], match["user"]), []).append((entry, match))
            continue
        if entry.is_dir():
            found.append(Submission(entry.name, "", entry))
        elif entry.is_file() and entry.suffix.lower() == ".zip":
            found.append(Submission(entry.name[: -len(".zip")], "", entry))
        else:
            skipped.append(entry)
    for (handle, user), files in canvas.items():
        members = tuple((path, match["file"]) for path, match in files)
        late = any(match["late"] for _, match in files)
        name = f"{handle}_{user}"
        found.append(Submission(name, "", files[0][0], "canvas", user, late, members))
    for user, entries in moodle.items():
        members = tuple(
            (path, match["file"] or "")
            for path, match in entries
            if match["plugin"] == MOODLE_FILES
        )
        if not members:  # online text only: nothing to grade
            skipped += [path for path, _ in entries]
            continue
        name = f"{entries[0][1]['name']}_{user}"
        found.append(Submission(name, "", members[0][0], "moodle", user, False, members))
    found.sort(key=lambda item: (item.name, item.path.name))
    submissions, taken = [], set()
    for item in found:
        slug = base = safe_name(item.name)
        # Case-insensitive: "Alice" and "alice" must not share a file on macOS or Windows.
        for n in range(2, len(found) + 2):
            if slug.lower() not in taken:
                break
            slug = f"{base}-{n}"
        taken.add(slug.lower())
        submissions.append(replace(item, slug=slug))
    return submissions, skipped


def stage(submission: Submission, dest: Path, lessons: Sequence[Lesson]) -> None:
    """Put a platform submission's members together in `dest`, as one folder handed in.

    A folder's content is copied (links as links, which read_learner_files then refuses), a
    .zip is unpacked, any other file takes the name the student gave it; a .zip found at the
    top afterwards (a Moodle folder holding the student's zip) is unpacked too, and a lone
    learner file goes into its lesson's folder when one lesson is graded. The limits of one
    zip hold for all of it together: a zip of zips cannot unpack to more. A file that two
    members both hold is refused, as two loose files of one name are: neither is "the" one.
    """
    dest.mkdir(parents=True, exist_ok=True)
    left = [MAX_ZIP_BYTES, MAX_ZIP_MEMBERS]  # what the student's zips may still unpack to
    for path, original in submission.members:
        if path.is_symlink():
            raise SubmissionError(f"Rejected: {path.name} is a link.")
        if path.is_dir():
            shutil.copytree(path, dest, symlinks=True, dirs_exist_ok=True)
            continue
        name = PurePosixPath(original.replace("\\", "/")).name
        if name.lower().endswith(".zip"):
            _unpack_within(path, dest, left)
            continue
        if not name or (dest / name).exists():
            raise SubmissionError(
                f"{submission.name} handed in two files named {name!r}; hand in one."
            )
        shutil.copyfile(path, dest / name)
    if not _holds_lessons(dest):
        for archive in sorted(p for p in dest.iterdir() if p.suffix.lower() == ".zip"):
            if archive.is_file() and not archive.is_symlink():
                _unpack_within(archive, dest, left)
    place_loose_files(dest, lessons)


def _unpack_within(archive: Path, dest: Path, left: list[int]) -> None:
    """unpack_zip within what is `left` of the submission's limits, then less is left."""
    try:
        written, members = unpack_zip(archive, dest, *left)
    except SubmissionError as exc:
        if left == [MAX_ZIP_BYTES, MAX_ZIP_MEMBERS]:
            raise
        raise SubmissionError(
            f"{exc} The zips of one submission together, a zip inside a zip too, unpack to at "
            f"most {MAX_ZIP_BYTES // 2**20} MB and {MAX_ZIP_MEMBERS} members."
        ) from None
    left[0] -= written
    left[1] -= members


def place_loose_files(folder: Path, lessons: Sequence[Lesson]) -> None:
    """A lone learner file at the top of `folder` (exercise.py) goes into its lesson's folder,
    when one lesson is graded and `folder` holds no lessons yet."""
    if len(lessons) != 1 or _holds_lessons(folder):
        return
    (lesson,) = lessons
    loose = [folder / name for name in lesson.learner_files if (folder / name).is_file()]
    if loose:
        (folder / lesson.slug).mkdir()
        for path in loose:
            path.replace(folder / lesson.slug / path.name)


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


def download_limit(archive: Path) -> int:
    """The bytes a class's download (`archive`) may unpack to."""
    return max(MAX_DOWNLOAD_BYTES, DOWNLOAD_RATIO * archive.stat().st_size)


def unpack_zip(
    archive: Path,
    dest: Path,
    max_bytes: int = MAX_ZIP_BYTES,
    max_members: int = MAX_ZIP_MEMBERS,
) -> tuple[int, int]:
    """Unpack `archive` into `dest`, refusing anything that could write elsewhere or explode;
    the bytes written and the members."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            _check_members(archive.name, infos, max_bytes, max_members)
            return _extract(archive.name, zf, infos, dest, max_bytes), len(infos)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
        raise SubmissionError(f"{archive.name} could not be unpacked: {exc}") from None


def _check_members(
    label: str, infos: list[zipfile.ZipInfo], max_bytes: int, max_members: int
) -> None:
    """Reject the whole zip before writing anything: a partial unpack would mislead."""
    if len(infos) > max_members:
        raise SubmissionError(
            f"Rejected {label}: it has {len(infos)} members; at most {max_members} are accepted."
        )
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise SubmissionError(
            f"Rejected {label}: it unpacks to {declared / 2**20:.0f} MB; "
            f"at most {max_bytes // 2**20} MB are accepted."
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


def _extract(
    label: str, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], dest: Path, max_bytes: int
) -> int:
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
        if path.exists() or path.is_symlink():
            if _same_or_hidden(zf, info, path, parts):
                continue  # the first is kept: the same bytes, or a file manager's own
            raise SubmissionError(
                f"Rejected {label}: {info.filename!r} is there twice (in this zip, or also in "
                "another file of the submission); hand in one."
            )
        with zf.open(info) as source, path.open("wb") as sink:
            while chunk := source.read(1 << 16):
                written += len(chunk)
                if written > max_bytes:
                    raise SubmissionError(
                        f"Rejected {label}: it unpacks to more than {max_bytes // 2**20} MB."
                    )
                sink.write(chunk)
    return written


def _same_or_hidden(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, parts) -> bool:
    """Whether a member found twice can be let go: a file manager's (.DS_Store, __MACOSX/...)
    or the same bytes as the file already there."""
    if any(part.startswith(".") or part == "__MACOSX" for part in parts):
        return True
    if path.is_symlink() or not path.is_file() or path.stat().st_size != info.file_size:
        return False
    return zf.read(info) == path.read_bytes()  # at most the declared size, already checked


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
