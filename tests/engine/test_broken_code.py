"""A learner's broken code is reported with its file and line, in check and in the playground."""

import pytest
from django.test import Client

from course import targets
from course.checking import run_in_subprocess
from course.targets import Target

from .conftest import LESSON, SOLUTION

SYNTAX_ERROR = SOLUTION.read_text().replace(
    "def course_students(request, pk):", "def course_students(request, pk)\n", 1
)
NAME_ERROR = SOLUTION.read_text() + "\nundefined_name_at_import\n"
MISSING_NAME = SOLUTION.read_text().replace("def course_students(", "def course_studnets(", 1)


def line_of(source: str, needle: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            SYNTAX_ERROR,
            ["SyntaxError", f"line {line_of(SYNTAX_ERROR, 'def course_students(request, pk)')}"],
            id="syntax-error",
        ),
        pytest.param(
            NAME_ERROR,
            [
                "NameError",
                "undefined_name_at_import",
                f"line {line_of(NAME_ERROR, 'undefined_name_at_import')}",
            ],
            id="name-error",
        ),
        pytest.param(MISSING_NAME, ["MISSING NAME", "`course_students`"], id="missing-name"),
    ],
)
def test_check_names_file_and_line(make_target, source, expected):
    root = make_target(source)
    report = run_in_subprocess([LESSON], str(root))
    (result,) = report.lessons
    assert result.load_error, "a lesson that does not import must report a load error"
    assert "exercise.py" in result.load_error
    for text in expected:
        assert text in result.load_error, f"{text!r} missing from: {result.load_error}"
    for ex in result.exercises:
        assert not ex.passed and ex.first_failure.message.startswith("Your code does not load.")


@pytest.fixture
def broken_playground(make_target):
    """The playground with lesson 01's learner file broken, restored to the default target after."""
    targets.install(Target.parse(make_target(SYNTAX_ERROR)))
    yield Client(raise_request_exception=False)
    targets.install(Target.parse("lessons"))


def test_playground_serves_an_error_page_for_a_broken_lesson(broken_playground):
    reply = broken_playground.get(f"/{LESSON.url_prefix}students/")
    body = reply.content.decode()
    assert reply.status_code == 500
    assert "SyntaxError" in body and "exercise.py, line" in body


def test_playground_index_still_works_and_says_which_lesson_is_broken(broken_playground):
    reply = broken_playground.get("/")
    body = reply.content.decode()
    assert reply.status_code == 200
    assert "broken" in body and "SyntaxError" in body


def test_lesson_text_stays_readable_when_its_code_is_broken(broken_playground):
    reply = broken_playground.get(f"/text/{LESSON.nn}/")
    assert reply.status_code == 200
    assert LESSON.title in reply.content.decode()
