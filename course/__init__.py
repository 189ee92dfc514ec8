"""The course engine: lesson manifests, targets, checking, hints, progress, grading."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"  # git-ignored: database, progress, hints, backups, grading scratch

# The playground and the lessons are packages beside this one: make them importable from
# any working directory (a notebook's kernel runs in notebooks/, a grader in a scratch folder).
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))
