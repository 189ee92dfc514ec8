"""The text is the spec, traced to its tests (DESIGN.md "The course checks itself", item 7).

Each lesson's README cites, in backticks, every graded test of that lesson, and cites no test
that does not exist. Parametrized tests count once, by function name.
"""

import ast

import pytest

from course.criteria import CITED
from course.manifest import all_lessons

LESSONS = [lesson for lesson in all_lessons() if lesson.test_file.exists()]


def graded_tests(lesson) -> set[str]:
    """The names of the test functions in tests/lessons/test_<slug>.py."""
    tree = ast.parse(lesson.test_file.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def cited_tests(lesson) -> set[str]:
    """The test names the lesson's README cites in backticks."""
    return set(CITED.findall(lesson.readme.read_text(encoding="utf-8")))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_readme_cites_every_graded_test_and_no_other(lesson):
    """Every graded test is cited in its lesson's README; every test the README cites exists."""
    readme = f"lessons/{lesson.slug}/README.md"
    tests = f"tests/lessons/{lesson.test_file.name}"
    graded, cited = graded_tests(lesson), cited_tests(lesson)
    problems = [
        f"{readme} cites `{name}`, which {tests} does not define" for name in sorted(cited - graded)
    ] + [
        f"{tests} defines `{name}`, which {readme} cites nowhere: name it beside the behaviour it grades"
        for name in sorted(graded - cited)
    ]
    assert not problems, "\n".join(problems)


def test_the_parsers_see_what_they_should(tmp_path):
    """Methods and helpers are not graded tests; a parametrized case is cited by its function."""
    text = (
        "- A PUT without `code` answers 400 [`test_e2_put_needs_code[missing]`].\n"
        "- `test_e1_lists` and `not_a_test` and test_e9_unquoted\n"
    )
    assert CITED.findall(text) == ["test_e2_put_needs_code", "test_e1_lists"]
    module = tmp_path / "test_l99_x.py"
    module.write_text(
        "def helper(): pass\n"
        "def test_e1_a(): pass\n"
        "class TestX:\n    def test_e1_method(self): pass\n",
        encoding="utf-8",
    )

    class Fake:
        test_file = module

    assert graded_tests(Fake) == {"test_e1_a"}
