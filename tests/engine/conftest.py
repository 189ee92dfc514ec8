"""Fixtures for the engine's own tests: made-up learner files in throwaway targets."""

import shutil

import pytest

from course.manifest import find_lesson

LESSON = find_lesson("01")
SOLUTION = LESSON.solution_folder / "exercise.py"
STARTER = LESSON.folder / "exercise.py"


@pytest.fixture
def make_target(tmp_path):
    """Build a target folder holding one learner file, as a bare submission or a checkout."""

    def make(
        source: str | None = None, *, copy_of=None, layout: str = "bare", name: str = "student"
    ):
        root = tmp_path / name
        folder = root / ("lessons" if layout == "checkout" else "") / LESSON.slug
        folder.mkdir(parents=True)
        if copy_of is not None:
            shutil.copy(copy_of, folder / "exercise.py")
        elif source is not None:
            (folder / "exercise.py").write_text(source, encoding="utf-8")
        return root

    return make
