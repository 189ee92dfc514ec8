"""The course engine: lesson manifests, targets, checking, hints, progress, grading."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"  # git-ignored: database, progress, hints, backups, grading scratch
