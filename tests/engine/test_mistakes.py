"""Known mistakes as diffs: made from an edited copy, applied in memory, refused when stale."""

import subprocess
import sys

import pytest

from course import ROOT
from course.mistakes import MistakeError, apply, find_mistake, make_diff, mistakes_of, parse
from course.targets import Target

from .conftest import LESSON, SOLUTION

REFERENCE = SOLUTION.read_text(encoding="utf-8")


def edited(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_a_diff_made_from_an_edited_copy_gives_that_copy_back():
    variant = edited(REFERENCE, "status=status.HTTP_201_CREATED", "status=status.HTTP_200_OK")
    text = make_diff(LESSON, {"exercise.py": variant}, "POST answers 200.")
    assert text.startswith("# POST answers 200.\n--- a/exercise.py\n+++ b/exercise.py\n")
    hunks = parse(text, where="test")["exercise.py"]
    assert len(hunks) == 1
    assert apply(REFERENCE, hunks, where="test") == variant


def test_a_diff_still_applies_when_lines_are_added_above_it():
    variant = edited(REFERENCE, "status=status.HTTP_201_CREATED", "status=status.HTTP_200_OK")
    hunks = parse(make_diff(LESSON, {"exercise.py": variant}, "x"), where="test")["exercise.py"]
    moved = "# a new comment\n# and another\n" + REFERENCE
    assert apply(moved, hunks, where="test") == "# a new comment\n# and another\n" + variant


def test_a_diff_whose_lines_changed_names_the_hunk_and_the_fix():
    variant = edited(REFERENCE, "status=status.HTTP_201_CREATED", "status=status.HTTP_200_OK")
    hunks = parse(make_diff(LESSON, {"exercise.py": variant}, "x"), where="test")["exercise.py"]
    changed = edited(REFERENCE, "serializer.save()", "serializer.save()  # changed")
    with pytest.raises(MistakeError) as caught:
        apply(changed, hunks, where="solutions/x/mistakes/e1_y.diff", nn=LESSON.nn)
    message = str(caught.value)
    assert "solutions/x/mistakes/e1_y.diff" in message
    assert "hunk 1 (@@" in message
    assert f"python -m course mistake refresh {LESSON.nn}" in message


@pytest.mark.parametrize(
    "text, why",
    [
        ("# nothing here\n", "holds no hunk"),
        ("# x\n--- a/exercise.py\n@@ -1 +1 @@\n", "is not followed by"),
        ("# x\n--- a/exercise.py\n+++ b/exercise.py\n@@ -1,3 +1,3 @@\n-a\n", "ends early"),
    ],
    ids=["no hunk", "no plus header", "cut short"],
)
def test_a_malformed_diff_is_refused_with_its_reason(text, why):
    with pytest.raises(MistakeError, match=why):
        parse(text, where="test")


def test_a_variant_equal_to_the_reference_is_no_mistake():
    with pytest.raises(MistakeError, match="must change something"):
        make_diff(LESSON, {"exercise.py": REFERENCE}, "nothing")


def test_a_mistake_target_serves_the_variant_from_memory():
    mistake = mistakes_of(LESSON)[0]
    target = Target.parse(mistake.target)
    path = target.learner_file(LESSON, "exercise.py")
    assert path == SOLUTION, "the variant stands in for the reference file, which stays as it is"
    assert target.read(path).decode() == mistake.files()["exercise.py"] != REFERENCE
    assert target.env_value == mistake.target, "child processes get the same mistake"


def test_an_unknown_mistake_is_a_clear_error():
    with pytest.raises(ValueError, match="has no known mistake 'e9_nope'; it has: e1_"):
        Target.parse(f"mistake:{LESSON.nn}/e9_nope")
    with pytest.raises(LookupError):
        find_mistake("99/e1_x")


def test_mistake_show_prints_the_variant():
    mistake = mistakes_of(LESSON)[0]
    shown = subprocess.run(
        [sys.executable, "-m", "course", "mistake", "show", LESSON.nn, mistake.name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == mistake.files()["exercise.py"]
