"""The engine reads acceptance criteria as the text states them, and mutates references as students slip."""

from dataclasses import dataclass
from pathlib import Path

from course.criteria import catchers, criteria, uncovered
from course.mutation_testing import variants

README = """\
# Lesson 99

## Common mistakes

- Not a criterion (`test_e1_not_cited_here`).

## E1. Lists

Acceptance criteria:

- A GET answers 200 with every course
  (`test_e1_lists`, `test_e1_lists[ordered]`).
- A POST creates one:
  - it answers 201 (`test_e1_creates`);
  - and saves it.

Points: 3.

- After the list: not a criterion (`test_e1_after`).

## E2. Details

Acceptance criteria:

- Advice that cites nothing.
"""


@dataclass
class FakeLesson:
    readme: Path


def test_criteria_are_the_bullets_under_acceptance_criteria(tmp_path):
    """Each top-level bullet is one criterion, sub-bullets and wrapped lines included."""
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    found = criteria(FakeLesson(path))
    assert [(c.exercise_id, c.tests) for c in found] == [
        ("E1", ("test_e1_lists",)),
        ("E1", ("test_e1_creates",)),
        ("E2", ()),
    ]
    assert found[1].text.startswith("A POST creates one: - it answers 201")


def test_a_criterion_is_covered_when_a_mistake_fails_a_test_it_cites(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    lesson = FakeLesson(path)
    lists, creates, advice = criteria(lesson)
    failed_by = {"e1_no_201": {"test_e1_creates"}, "e1_other": {"test_e2_unrelated"}}
    assert catchers(creates, failed_by) == ["e1_no_201"]
    assert uncovered(lesson, failed_by) == [lists, advice]


SOURCE = '''\
"""A module docstring stays."""
from drf_spectacular.utils import extend_schema


@extend_schema(responses={201: None})
def view(request, codes=("A", "B")):
    """A function docstring stays."""
    if request.method == "POST" and not request.user.is_staff:
        return Response(status=status.HTTP_201_CREATED, headers={"X": "1"})
    return Course.objects.filter(code__iexact=request.data["code"]).order_by("-id")[:10]
'''


def test_variants_are_single_small_changes_that_compile():
    """Comparisons, booleans, lookups, orderings, keywords, items, statements, status codes."""
    found = {v.id for v in variants("exercise.py", SOURCE)}
    expected = {
        "view: Eq -> NotEq in `request.method == 'POST'`",
        "view: And -> Or in `request.method == 'POST' and (not request.user.is_st`",
        "view: drop not in `not request.user.is_staff`",
        "view: HTTP_201_CREATED -> HTTP_200_OK in `status.HTTP_201_CREATED`",
        "view: drop keyword headers={'X': '1'} in `Response(status=status.HTTP_201_CREATED, headers={`",
        "view: code__iexact= -> code__exact= in `Course.objects.filter(code__iexact=request.data['code`",
        "view: '-id' -> 'id' in `'-id'`",
        "view: 10 -> 11 in `10`",
        "view: drop item 'A' in `('A', 'B')`",
    }
    missing = {e for e in expected if not any(f.startswith(e.split(" in `")[0]) for f in found)}
    assert not missing, sorted(found)
    assert any(v.startswith("view: delete `if request.method") for v in found)
    every = variants("exercise.py", SOURCE)
    for variant in every:
        compile(variant.source, "exercise.py", "exec")
        assert (
            '"""A function docstring stays."""' in variant.source or "A function" in variant.source
        )
    assert not any("responses" in v.id or "docstring" in v.id for v in every), (
        "documentation calls and docstrings are never changed"
    )
    assert len({v.id for v in every}) == len(every), "variant ids are unique"
