"""A lesson's text as HTML, with an anchor on each exercise and on each acceptance criterion.

The anchors let the lesson panel link a failing test to the criterion it grades, in the text
on the same page. Which bullet cites which test is course/criteria.py's reading of the text;
this module only finds the same bullets in the rendered Markdown and gives them ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

from course.criteria import Criterion, criteria
from course.manifest import Lesson

# Raw HTML in a lesson text is shown as text, never run: html=False.
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
EXERCISE_TITLE = re.compile(r"^(E\d+)\. ")


@dataclass(frozen=True)
class CriterionLink:
    """One acceptance criterion and its anchor in the rendered text."""

    anchor: str  # e.g. e1-criterion-2
    criterion: Criterion
    number: int  # its place in the exercise's list, from 1

    @property
    def label(self) -> str:
        return f"{self.criterion.exercise_id}, criterion {self.number}"


@dataclass(frozen=True)
class LessonText:
    html: str
    links: tuple[CriterionLink, ...]

    def links_for(self, test_name: str) -> list[CriterionLink]:
        """The criteria that cite a test (a parametrized case counts for its function)."""
        function = test_name.split("[", 1)[0]
        return [link for link in self.links if function in link.criterion.tests]


def exercise_anchor(exercise_id: str) -> str:
    return exercise_id.lower()


def render(lesson: Lesson) -> LessonText:
    """Render the lesson's README; anchor its exercises and their acceptance criteria."""
    tokens = MARKDOWN.parse(lesson.readme.read_text(encoding="utf-8"))
    bullets: dict[str, list[str]] = {}  # exercise id -> anchors of its criteria, in order
    exercise = None
    expecting_list = False
    list_level = None  # the nesting level of the acceptance list being read
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            title = EXERCISE_TITLE.match(tokens[index + 1].content)
            exercise = title[1] if token.tag == "h2" and title else None
            if exercise:
                token.attrSet("id", exercise_anchor(exercise))
            expecting_list, list_level = False, None
        elif token.type == "inline" and exercise and list_level is None:
            text = token.content.strip()
            expecting_list = text.startswith("Acceptance criteria") and text.endswith(":")
        elif token.type == "bullet_list_open" and expecting_list and list_level is None:
            list_level, expecting_list = token.level, False
        elif token.type == "bullet_list_close" and token.level == list_level:
            list_level = None
        elif (
            token.type == "list_item_open"
            and list_level is not None
            and token.level == list_level + 1
        ):
            anchors = bullets.setdefault(exercise, [])
            anchors.append(f"{exercise_anchor(exercise)}-criterion-{len(anchors) + 1}")
            token.attrSet("id", anchors[-1])
    html = MARKDOWN.renderer.render(tokens, MARKDOWN.options, {})
    links = []
    read = {}  # the criteria course/criteria.py reads, per exercise
    for criterion in criteria(lesson):
        read.setdefault(criterion.exercise_id, []).append(criterion)
    for exercise_id, found in read.items():
        anchors = bullets.get(exercise_id, [])
        if len(anchors) != len(found):
            continue  # the two readings disagree: no links rather than wrong ones
        links += [
            CriterionLink(anchor, criterion, number)
            for number, (anchor, criterion) in enumerate(zip(anchors, found, strict=True), 1)
        ]
    return LessonText(html, tuple(links))
