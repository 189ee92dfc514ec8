"""How long `make test` takes on a fresh clone: an earlier commit against this one, in one run.

Both revisions are cloned from this repository into a scratch folder, each gets its own
virtual environment (`make setup`, timed apart), then `make test` runs in each, alternating
round by round so that machine noise hits both alike. CI=true, as CI runs it.

    python benchmarks/selfcheck_speed.py [--base REV] [--head REV] [--rounds 1]

`--base` defaults to the last commit before the self-check ran its graded runs through the
grader's warm parent and its notebooks side by side.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BASE = "43bab47"  # main before known mistakes became diffs and the self-check went parallel


def run(command: list[str], cwd: Path, env: dict) -> tuple[float, str, int]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout + done.stderr, done.returncode


def summary(output: str) -> str:
    """pytest's last line ('279 passed in 361.60s'), and the tests that failed."""
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    failed = [line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return "\n  ".join([lines[-1].strip("= ") if lines else "no pytest summary", *failed])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=DEFAULT_BASE)
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    env = {**os.environ, "CI": "true"}
    env.pop("VIRTUAL_ENV", None)
    with tempfile.TemporaryDirectory(prefix="selfcheck-bench-") as scratch:
        clones = {}
        for label, rev in (("base", args.base), ("head", args.head)):
            folder = Path(scratch) / label
            subprocess.run(["git", "clone", "-q", str(ROOT), str(folder)], check=True)
            # `main` itself moves to the commit under test, as in a fresh clone of it: the reset
            # test clones this clone and takes the starter from its `main`.
            subprocess.run(["git", "checkout", "-q", "-B", "main", rev], cwd=folder, check=True)
            commit = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"],
                cwd=folder,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            seconds, output, code = run(["make", "setup"], folder, env)
            if code:
                print(output[-3000:], file=sys.stderr)
                return 1
            print(f"{label} ({commit}): make setup {seconds:.0f} s", flush=True)
            clones[label] = (folder, commit)
        times: dict[str, list[float]] = {"base": [], "head": []}
        for round_number in range(1, args.rounds + 1):
            for label, (folder, commit) in clones.items():
                seconds, output, code = run(["make", "test"], folder, env)
                times[label].append(seconds)
                status = "passed" if code == 0 else f"FAILED (exit {code})"
                print(
                    f"round {round_number}: {label} ({commit}) make test {seconds:.0f} s, "
                    f"{status}: {summary(output)}",
                    flush=True,
                )
                if code:  # what failed, to tell a flaky check from a broken one
                    print(output[-6000:], flush=True)
        base, head = (statistics.median(times[k]) for k in ("base", "head"))
        print(
            f"\nmedian make test: base {base:.0f} s, head {head:.0f} s "
            f"({base / head:.1f}x faster, {os.cpu_count()} cores)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
