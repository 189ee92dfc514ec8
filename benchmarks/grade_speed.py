"""How fast `course grade` grades a class, compared with the naive way, in one run.

Builds a made-up class and grades it three ways, interleaved round by round so that machine
noise hits them alike:

- `python -m course grade CLASS --jobs N`: each lesson of a submission in a test process of
  its own, forked from a warm parent (Linux; elsewhere a fresh process each), and each
  distinct (lesson, learner files) graded once;
- `python -m course grade CLASS --jobs N --no-dedup`: the runner as it was before, one test
  process per submission holding all its lessons, every submission graded in full;
- the naive way, as a classroom CI would: one `python -m pytest --target=STUDENT` process per
  submission, one after another, with the same plugin and arguments as `course check`.

Two classes (`--class`):

- `realistic` (the default, 60 students): a class in mid-term. Each student has attempted
  the first few lessons (a third to all of them) and left the rest as the untouched starter;
  an attempted lesson is often a shared copy (the posted reference, or the same known mistake
  as classmates), sometimes their own work (a file of their own, right or wrong), and now and
  then broken;
- `unique` (40 students): complete, partial and broken work, every student's files their own
  (a comment with their name in each), so nothing can be graded once for several students.

The per-exercise scores of every student must be identical all ways (and in every round); it
prints seconds per submission (wall clock and processor time) and the ratios.

    python benchmarks/grade_speed.py [--class realistic|unique] [--students N] [--jobs 2]
                                     [--rounds 1] [--lessons 01,02] [--ways grade,nodedup,naive]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course import checking  # noqa: E402
from course.manifest import all_lessons, find_lesson  # noqa: E402
from course.mistakes import mistakes_of  # noqa: E402

PROFILES = ["complete"] * 4 + ["partial"] * 4 + ["broken"] * 2  # 40 %, 40 %, 20 %


def environment() -> dict[str, str]:
    """Bytecode cached for both ways, as on a CI machine; no target from the caller."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "COURSE_TARGET")
    }
    env["PYTHONPATH"] = str(ROOT)
    return env


def variant(lesson, kind: str, rng: random.Random) -> str | None:
    """The source of one learner file for one lesson; None leaves the file out."""
    solution = (lesson.solution_folder / "exercise.py").read_text(encoding="utf-8")
    starter = (lesson.folder / "exercise.py").read_text(encoding="utf-8")
    mistakes = mistakes_of(lesson)
    if kind == "solution":
        return solution
    if kind == "starter":
        return starter
    if kind == "mistake":
        return rng.choice(mistakes).files()["exercise.py"] if mistakes else starter
    if kind == "syntax error":
        return solution + "\n\ndef broken(:\n    pass\n"
    if kind == "import error":
        return solution + "\n\nundefined_name_at_import\n"
    return None  # missing


def build_class(folder: Path, lessons, students: int, seed: int) -> dict[str, str]:
    """One folder per student (checkouts and bare folders); returns each student's profile."""
    rng = random.Random(seed)
    profiles = {}
    for n in range(students):
        profile = PROFILES[n % len(PROFILES)]
        name = f"student{n:03d}-{profile}"
        broken = rng.randrange(len(lessons))
        root = folder / name
        root.mkdir(parents=True)  # a submission that holds nothing is still handed in
        checkout = n % 2 == 0
        for i, lesson in enumerate(lessons):
            if profile == "complete":
                kind = "solution"
            elif profile == "partial":
                kind = rng.choice(["solution", "solution", "mistake", "mistake", "starter"])
            else:
                kind = (
                    rng.choice(["syntax error", "import error", "missing"])
                    if i == broken
                    else rng.choice(["solution", "mistake", "starter"])
                )
            source = variant(lesson, kind, rng)
            if source is None:
                continue
            path = root / ("lessons" if checkout else "") / lesson.slug / "exercise.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            # Every student's file is their own, as in a real class: nothing is graded twice.
            path.write_text(f"# {name}, lesson {lesson.nn}\n{source}", encoding="utf-8")
        profiles[name] = profile
    return profiles


def build_realistic_class(folder: Path, lessons, students: int, seed: int) -> dict[str, str]:
    """A class in mid-term: attempted lessons often shared copies, the rest untouched starters.

    Returns each student's profile: how many lessons attempted, and how many of them are
    their own files.
    """
    rng = random.Random(seed)
    profiles = {}
    for n in range(students):
        attempted = rng.randint(max(1, len(lessons) // 3), len(lessons))
        name = f"student{n:03d}"
        root = folder / name
        root.mkdir(parents=True)
        checkout = n % 2 == 0
        own = 0
        for i, lesson in enumerate(lessons):
            if i >= attempted:
                kind, unique = "starter", False  # not reached yet: the file as cloned
            else:
                roll = rng.random()
                if roll < 0.45:
                    kind, unique = "solution", False  # the posted reference, or a classmate's
                elif roll < 0.65:
                    kind, unique = "mistake", False  # the same known mistake as others
                elif roll < 0.97:
                    kind, unique = rng.choice(["solution", "mistake"]), True  # their own
                else:
                    kind, unique = rng.choice(["syntax error", "import error"]), True
            source = variant(lesson, kind, rng)
            if source is None:
                continue
            if unique:
                own += 1
                source = f"# {name}'s own work, lesson {lesson.nn}\n{source}"
            path = root / ("lessons" if checkout else "") / lesson.slug / "exercise.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source, encoding="utf-8")
        profiles[name] = f"{attempted} attempted, {own} own"
    return profiles


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scores_from(payload: dict, lessons, name: str) -> dict[str, float]:
    report = checking.build_report(payload, lessons, name)
    return {
        f"{lr.lesson.nn}.{e.exercise.id}": e.earned for lr in report.lessons for e in lr.exercises
    }


def naive(folder: Path, names: list[str], lessons, scratch: Path) -> dict:
    """One pytest process per submission, one after another."""
    scores, own = {}, 0.0
    started, cpu = time.perf_counter(), cpu_of_children()
    for name in names:
        results = scratch / f"{name}.json"
        command = [
            sys.executable,
            "-m",
            "pytest",
            *checking.pytest_args(lessons, str(folder / name), results),
        ]
        subprocess.run(
            command,
            cwd=ROOT,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        payload = json.loads(results.read_text(encoding="utf-8")) if results.exists() else {}
        scores[name] = scores_from(payload, lessons, name)
        own += sum(t.get("duration", 0.0) for t in payload.get("tests", []))
    return {
        "wall": time.perf_counter() - started,
        "cpu": cpu_of_children() - cpu,
        "own": own,
        "scores": scores,
    }


def grade(folder: Path, names: list[str], lessons, out: Path, jobs: int, *extra: str) -> dict:
    """`python -m course grade`, as an instructor runs it."""
    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable,
        "-m",
        "course",
        "grade",
        str(folder),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        "--lessons",
        ",".join(lesson.nn for lesson in lessons),
        *extra,
    ]
    started, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run(command, cwd=ROOT, env=environment(), capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, cpu_of_children() - cpu
    if done.returncode != 0:
        raise SystemExit(f"course grade failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    scores, own = {}, 0.0
    for name in names:
        record = json.loads((out / "results" / f"{name}.json").read_text(encoding="utf-8"))
        scores[name] = {key: value["earned"] for key, value in record["exercises"].items()}
        own += sum(t.get("duration", 0.0) for t in record["tests"])
    meta = json.loads((out / "grading.json").read_text(encoding="utf-8"))
    return {"wall": wall, "cpu": cpu, "own": own, "scores": scores, "meta": meta}


def reference_passes(lesson, scratch: Path) -> bool:
    results = scratch / f"reference-{lesson.slug}.json"
    subprocess.run(
        [sys.executable, "-m", "pytest", *checking.pytest_args([lesson], "solutions", results)],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if not results.exists():
        return False
    payload = json.loads(results.read_text(encoding="utf-8"))
    tests = payload.get("tests", [])
    return bool(tests) and all(t["status"] == "pass" for t in tests)


WAYS = {
    "naive": "one `pytest --target` process per submission, serial",
    "nodedup": "`course grade --jobs {jobs} --no-dedup` (one process per submission)",
    "grade": "`course grade --jobs {jobs}` (a process per lesson, each distinct file once)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--class", dest="kind", choices=["realistic", "unique"], default="realistic"
    )
    parser.add_argument("--students", type=int, help="default: 60 realistic, 40 unique")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lessons", help="e.g. 01,02 (default: every lesson with graded tests)")
    parser.add_argument(
        "--ways", default="grade,nodedup,naive", help="which ways to time (default: all three)"
    )
    parser.add_argument("--keep", help="keep the class and the outputs in this folder")
    args = parser.parse_args()
    ways = [way.strip() for way in args.ways.split(",") if way.strip()]
    if not ways or set(ways) - set(WAYS):
        parser.error(f"--ways takes some of {', '.join(WAYS)}")
    students = args.students or (60 if args.kind == "realistic" else 40)

    scratch = Path(args.keep or tempfile.mkdtemp(prefix="grade-speed-"))
    scratch.mkdir(parents=True, exist_ok=True)
    wanted = (
        [find_lesson(key) for key in args.lessons.split(",")]
        if args.lessons
        else [lesson for lesson in all_lessons() if lesson.test_file.is_file()]
    )
    lessons, left_out = [], []
    for lesson in wanted:
        (lessons if reference_passes(lesson, scratch) else left_out).append(lesson)
    if left_out:
        print(
            "Left out (the reference fails its tests here):",
            ", ".join(lesson.nn for lesson in left_out),
        )
    folder = scratch / "class"
    shutil.rmtree(folder, ignore_errors=True)
    build = build_realistic_class if args.kind == "realistic" else build_class
    profiles = build(folder, lessons, students, args.seed)
    names = sorted(profiles)
    # Warm the file cache and the bytecode caches once, untimed, for every way.
    naive(folder, names[:1], lessons, scratch)
    runs = {way: [] for way in ways}
    for round_number in range(args.rounds):
        order = ways[round_number % len(ways) :] + ways[: round_number % len(ways)]
        for way in order:
            if way == "grade":
                run = grade(folder, names, lessons, scratch / "out", args.jobs)
            elif way == "nodedup":
                run = grade(folder, names, lessons, scratch / "out", args.jobs, "--no-dedup")
            else:
                run = naive(folder, names, lessons, scratch)
            runs[way].append(run)
            print(f"round {round_number + 1}: {way} {run['wall']:.1f} s", flush=True)

    first = runs[ways[0]][0]["scores"]
    identical = all(run["scores"] == first for way in runs.values() for run in way)
    n = len(names)
    exercises = sum(len(lesson.exercises) for lesson in lessons)

    def med(way, key):
        return statistics.median(run[key] for run in runs[way])

    print()
    print(
        f"{n} submissions ({args.kind} class), lessons {', '.join(lesson.nn for lesson in lessons)} "
        f"({exercises} exercises); {args.rounds} round(s), {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, --jobs {args.jobs}."
    )
    if "grade" in runs:
        meta = runs["grade"][0]["meta"]
        print(
            f"course grade: {meta['lesson_grades']} lesson grades, "
            f"{meta['distinct_lesson_files']} distinct lesson files, {meta['lesson_runs']} runs "
            f"(runner {meta['runner']}, warm-up {meta['warm_up'].get('seconds', '-')} s)."
        )
    print()
    print("| way | wall s | s per submission | CPU s per submission |")
    print("|---|---:|---:|---:|")
    for way in ways:
        wall, cpu = med(way, "wall"), med(way, "cpu")
        label = WAYS[way].format(jobs=args.jobs)
        print(f"| {label} | {wall:.1f} | {wall / n:.2f} | {cpu / n:.2f} |")
    print()
    if "grade" in runs:
        for other in ("naive", "nodedup"):
            if other in runs:
                print(
                    f"course grade is {med(other, 'wall') / med('grade', 'wall'):.1f}x faster "
                    f"by the clock than {other} and uses "
                    f"{med(other, 'cpu') / med('grade', 'cpu'):.1f}x less processor time."
                )
    print(
        f"Scores identical all ways ({n} students x {exercises} exercises): "
        f"{'yes' if identical else 'NO'}"
    )
    if not identical:
        for name in names:
            for way, way_runs in runs.items():
                for run in way_runs:
                    if run["scores"][name] != first[name]:
                        print(f"  {name} ({way}): {run['scores'][name]} != {first[name]}")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
