"""`make browser`, which `make test` runs first: it installs Chromium on CI only, never on a
learner's machine (a root shell in a container is not CI, and may well be offline)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from course import ROOT

MAKE = shutil.which("make")


def run_make_browser(tmp_path: Path, **environ: str) -> list[str]:
    """`make browser` with no chromium on PATH, as root, and an apt-get that only notes its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    calls = tmp_path / "apt-get.calls"
    calls.unlink(missing_ok=True)
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    (bin_dir / "id").write_text("#!/bin/sh\necho 0\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path), **environ}
    done = subprocess.run(
        [MAKE, "--no-print-directory", "browser"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.skipif(MAKE is None or os.name != "posix", reason="needs make and a POSIX shell")
def test_make_browser_installs_nothing_off_ci_even_as_root(tmp_path):
    assert run_make_browser(tmp_path) == []
    assert run_make_browser(tmp_path, CI="false") == []


@pytest.mark.skipif(MAKE is None or os.name != "posix", reason="needs make and a POSIX shell")
@pytest.mark.parametrize(
    "ci", ["true", "1", "yes"]
)  # what tests/engine/test_browser.py takes for CI
def test_make_browser_installs_chromium_on_ci_as_root(tmp_path, ci):
    calls = run_make_browser(tmp_path, CI=ci)
    assert calls and "chromium" in calls[-1], calls


@pytest.mark.skipif(MAKE is None or os.name != "posix", reason="needs make and a POSIX shell")
@pytest.mark.parametrize(
    "make_args, expected",
    [
        (
            ["grade", "SUBMISSIONS=class", "ROSTER=roster.csv", "MISSING=zero", "JOBS=2"],
            "grade class --out grading-out --jobs 2 --roster roster.csv --missing zero",
        ),
        (
            ["grade-merge", "SHARDS=out-1 out-2", "OUT=all", "MISSING=blank"],
            "grade merge out-1 out-2 --out all --missing blank",
        ),
    ],
)
def test_make_grade_passes_every_option_on(make_args, expected):
    """Each variable the help names reaches `course grade` (an instructor typing MISSING=zero
    must not get the default silently)."""
    done = subprocess.run(
        [MAKE, "--no-print-directory", "-n", *make_args], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert expected in " ".join(done.stdout.split()), done.stdout
