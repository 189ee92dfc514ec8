"""One warm runner grades many checks (`course watch`, the self-checks): each sees the files as
they are when it runs, never as they were when the runner started."""

import shutil

from course.grading.batch import WarmChecks
from course.manifest import find_lesson
from course.mistakes import mistakes_of

LESSON = find_lesson("01")


def write(folder, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def test_each_warm_check_sees_the_last_save(tmp_path):
    folder = tmp_path / LESSON.slug
    shutil.copytree(LESSON.solution_folder, folder, ignore=shutil.ignore_patterns("mistakes"))
    mistake = mistakes_of(LESSON)[0]
    with WarmChecks([LESSON]) as warm:
        first = warm.check([LESSON], str(tmp_path))
        write(folder, mistake.files())
        second = warm.check([LESSON], str(tmp_path))
        write(folder, {n: (LESSON.solution_folder / n).read_text() for n in LESSON.learner_files})
        third = warm.check([LESSON], str(tmp_path))
    assert first.error is None and first.lessons[0].passed, first.failed_tests()
    assert not second.lessons[0].passed, f"{mistake.name} was graded as the solution it replaced"
    assert third.lessons[0].passed, "the solution, saved again, was graded as the mistake"
    assert not warm.scratch.exists(), "the warm runner left its scratch folder behind"
