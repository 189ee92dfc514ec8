"""How long `check` takes compared with its floor, measured in one run.

The floor is what any Django check must pay: start Python, import Django and DRF and run
django.setup() for the playground. The commands are interleaved round by round so that
machine noise hits them alike; the medians are compared. The last row is what `watch` pays
for each save: a re-check through its warm runner (course.grading.batch.WarmChecks), which
started once before the rounds.

    python benchmarks/check_speed.py [--rounds 7] [--lesson 01]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = (
    "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'playground_project.settings'; "
    "import django, rest_framework; django.setup()"
)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - started


def warm_recheck(lesson_key: str):
    """A function that re-checks the lesson's starter through one warm runner, as `watch` does."""
    sys.path.insert(0, str(ROOT))
    from course.grading.batch import WarmChecks
    from course.manifest import find_lesson

    lesson = find_lesson(lesson_key)
    warm = WarmChecks([lesson]).__enter__()

    def recheck() -> float:
        started = time.perf_counter()
        warm.check([lesson])
        return time.perf_counter() - started

    return warm, recheck


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--lesson", default="01")
    args = parser.parse_args()

    python = sys.executable
    commands = {
        "floor: python -c 'import django, rest_framework; django.setup()'": [python, "-c", FLOOR],
        f"python -m course check {args.lesson} (starter)": [
            python,
            "-m",
            "course",
            "check",
            args.lesson,
        ],
        f"python -m course check {args.lesson} --target solutions": [
            python,
            "-m",
            "course",
            "check",
            args.lesson,
            "--target",
            "solutions",
        ],
    }
    if shutil.which("make") and os.name != "nt":
        commands[f"make check L={args.lesson} (starter)"] = [
            "make",
            "--no-print-directory",
            "check",
            f"L={args.lesson}",
        ]
    for command in commands.values():  # warm the file cache and the bytecode cache once
        timed(command)
    watch = f"watch {args.lesson}: a re-check on save (warm runner, started once)"
    warm, recheck = warm_recheck(args.lesson)
    recheck()
    samples = {name: [] for name in [*commands, watch]}
    try:
        for _ in range(args.rounds):
            for name, command in commands.items():
                samples[name].append(timed(command))
            samples[watch].append(recheck())
    finally:
        warm.__exit__(None, None, None)

    floor = statistics.median(next(iter(samples.values())))
    print(f"{args.rounds} rounds, {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    print("| command | median s | min s | over the floor s |")
    print("|---|---:|---:|---:|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median:.2f} | {min(values):.2f} | {median - floor:+.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
