"""The learner's verbs: hints advance one level at a time, solutions wait, reset keeps a backup."""

import shutil
import subprocess
import sys

import pytest
from django.core.management import call_command

from course import ROOT, cli, progress
from course.checking import build_report

from .conftest import LESSON


@pytest.fixture(autouse=True)
def own_progress_file(tmp_path, monkeypatch):
    """Never touch the learner's real var/progress.json."""
    monkeypatch.setattr(progress, "PROGRESS_FILE", tmp_path / "progress.json")


def test_hints_advance_one_level_each_time_and_stop_at_the_last(capsys):
    exercise = LESSON.exercises[0]
    shown = []
    for _ in range(len(exercise.hints) + 1):
        assert cli.main(["hint", LESSON.nn, exercise.id.lower()]) == 0
        shown.append(capsys.readouterr().out)
    for level, out in enumerate(shown[:-1], start=1):
        assert f"Hint {level}/{len(exercise.hints)}" in out
        assert f"Hint {level + 1}/" not in out
    assert "last hint" in shown[-1]


def test_unknown_lesson_or_exercise_is_a_clear_error(capsys):
    assert cli.main(["hint", "99", "E1"]) == 2
    assert "no lesson" in capsys.readouterr().err
    assert cli.main(["hint", LESSON.nn, "E9"]) == 2
    assert "has no exercise" in capsys.readouterr().err


def test_solution_waits_until_the_lesson_passes(capsys):
    assert cli.main(["solution", LESSON.nn]) == 1
    assert "does not pass yet" in capsys.readouterr().out
    assert cli.main(["solution", LESSON.nn, "--force"]) == 0
    assert "def course_list" in capsys.readouterr().out


def test_progress_records_a_check_and_notices_edits(monkeypatch):
    passing = {
        "tests": [
            {"name": f"t{e.id}", "lesson": LESSON.slug, "exercise": e.id, "status": "pass"}
            for e in LESSON.exercises
        ]
    }
    progress.record(build_report(passing, [LESSON], "lessons"))
    assert set(progress.state(LESSON).values()) == {"passed"}
    assert progress.lesson_passed(LESSON)
    monkeypatch.setattr(progress, "learner_digest", lambda lesson: "edited since")
    assert set(progress.state(LESSON).values()) == {"changed"}


def test_a_save_during_a_check_is_not_credited_with_its_verdict(monkeypatch, capsys):
    """The lesson panel re-checks on every save, so saves during a check are common: the
    verdict belongs to the files the tests read, and a file saved meanwhile shows as changed."""
    from course import checking

    files = {"digest": "as checked"}
    monkeypatch.setattr(progress, "learner_digest", lambda lesson: files["digest"])
    passing = {
        "tests": [
            {"name": f"t{e.id}", "lesson": LESSON.slug, "exercise": e.id, "status": "pass"}
            for e in LESSON.exercises
        ]
    }

    def run_while_the_learner_saves(lessons, target):
        files["digest"] = "saved during the check"
        return build_report(passing, lessons, target)

    monkeypatch.setattr(checking, "run_in_process", run_while_the_learner_saves)
    assert cli.main(["check", LESSON.nn, "--json"]) == 0
    capsys.readouterr()
    assert set(progress.state(LESSON).values()) == {"changed"}
    assert not progress.lesson_passed(LESSON)

    # `make watch` records its checks too, through its warm runner.
    import watchfiles

    from course.grading import batch

    class Warm:
        def __init__(self, lessons):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def check(self, lessons):
            return run_while_the_learner_saves(lessons, "lessons")

    files["digest"] = "as checked"
    monkeypatch.setattr(batch, "WarmChecks", Warm)
    monkeypatch.setattr(watchfiles, "watch", lambda *folders: iter(()))
    assert cli.main(["watch", LESSON.nn]) == 0
    capsys.readouterr()
    assert set(progress.state(LESSON).values()) == {"changed"}


def test_reset_restores_the_starter_and_keeps_a_backup(tmp_path):
    """In a clone of the course: edit the learner file, reset, find the starter and the backup."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    learner_file = clone / "lessons" / LESSON.slug / "exercise.py"
    starter = learner_file.read_text()
    learner_file.write_text("# my work in progress\n")
    done = subprocess.run(
        [sys.executable, "-m", "course", "reset", LESSON.nn],
        cwd=clone,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 1 and "--yes" in done.stdout, (
        "without a terminal, reset must refuse rather than overwrite"
    )
    assert learner_file.read_text() == "# my work in progress\n"
    done = subprocess.run(
        [sys.executable, "-m", "course", "reset", LESSON.nn, "--yes"],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert learner_file.read_text() == starter
    backups = list((clone / "var" / "backups").glob(f"{LESSON.slug}-exercise-*.py"))
    assert [b.read_text() for b in backups] == ["# my work in progress\n"]
    shutil.rmtree(clone)


@pytest.mark.django_db
def test_migrations_match_the_models():
    """Tests build their database from the models (--no-migrations); the playground migrates."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
