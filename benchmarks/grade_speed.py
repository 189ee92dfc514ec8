"""How fast `course grade` grades a class, compared with the naive way, in one run.

Builds a made-up class (at least 40 submissions: complete, partial and broken work across
every lesson that has graded tests and whose reference solutions pass them) and grades it
both ways, interleaved round by round so that machine noise hits them alike:

- `python -m course grade CLASS --jobs N`: the warm parent forking a child per submission
  (Linux; elsewhere a fresh process each);
- the naive way, as a classroom CI would: one `python -m pytest --target=STUDENT` process per
  submission, one after another, with the same plugin and arguments as `course check`.

The per-exercise scores of every student must be identical both ways (and in every round);
it prints seconds per submission (wall clock and processor time), the ratio, and how much of
the time is the tests' own work (the sum of the graded tests' setup, call and teardown
durations as pytest measures them).

    python benchmarks/grade_speed.py [--students 40] [--jobs 2] [--rounds 1] [--lessons 01,02]
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
    mistakes = lesson.mistakes
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


def grade(folder: Path, names: list[str], lessons, out: Path, jobs: int) -> dict:
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lessons", help="e.g. 01,02 (default: every lesson with graded tests)")
    parser.add_argument("--keep", help="keep the class and the outputs in this folder")
    args = parser.parse_args()

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
    profiles = build_class(folder, lessons, args.students, args.seed)
    names = sorted(profiles)
    # Warm the file cache and the bytecode caches once, untimed, for both ways.
    naive(folder, names[:1], lessons, scratch)
    runs = {"grade": [], "naive": []}
    for round_number in range(args.rounds):
        order = ["grade", "naive"] if round_number % 2 == 0 else ["naive", "grade"]
        for way in order:
            if way == "grade":
                runs[way].append(grade(folder, names, lessons, scratch / "out", args.jobs))
            else:
                runs[way].append(naive(folder, names, lessons, scratch))
            print(f"round {round_number + 1}: {way} {runs[way][-1]['wall']:.1f} s", flush=True)

    reference = runs["naive"][0]["scores"]
    identical = all(run["scores"] == reference for way in runs.values() for run in way)
    n = len(names)
    exercises = sum(len(lesson.exercises) for lesson in lessons)
    kinds = {k: sum(p == k for p in profiles.values()) for k in ("complete", "partial", "broken")}
    meta = runs["grade"][0]["meta"]

    def med(way, key):
        return statistics.median(run[key] for run in runs[way])

    print()
    print(
        f"{n} submissions ({kinds['complete']} complete, {kinds['partial']} partial, "
        f"{kinds['broken']} broken), lessons {', '.join(lesson.nn for lesson in lessons)} "
        f"({exercises} exercises); {args.rounds} round(s), {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}; course grade ran with runner {meta['runner']}, "
        f"--jobs {args.jobs}, warm-up {meta['warm_up'].get('seconds', '-')} s."
    )
    print()
    print(
        "| way | wall s | s per submission | CPU s per submission "
        "| tests' own work, s per submission | tests' share of the time |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    rows = (
        ("naive", "one `pytest --target` process per submission, serial", 1),
        ("grade", f"`course grade --jobs {args.jobs}`", args.jobs),
    )
    for way, label, parallel in rows:
        wall, cpu, own = med(way, "wall"), med(way, "cpu"), med(way, "own")
        print(
            f"| {label} | {wall:.1f} | {wall / n:.2f} | {cpu / n:.2f} | {own / n:.2f} "
            f"| {100 * own / (wall * parallel):.0f} % |"
        )
    print()
    print(
        f"course grade is {med('naive', 'wall') / med('grade', 'wall'):.1f}x faster by the "
        f"clock and uses {med('naive', 'cpu') / med('grade', 'cpu'):.1f}x less processor time."
    )
    bound = med("naive", "wall") / (med("naive", "own") / args.jobs)
    print(
        f"Even with no overhead at all, running only the tests' own work on {args.jobs} cores "
        f"would be {bound:.1f}x faster than the naive way: the bound for any runner."
    )
    print(
        f"Scores identical both ways ({n} students x {exercises} exercises): {'yes' if identical else 'NO'}"
    )
    if not identical:
        for name in names:
            for way, way_runs in runs.items():
                for run in way_runs:
                    if run["scores"][name] != reference[name]:
                        print(f"  {name} ({way}): {run['scores'][name]} != {reference[name]}")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
