"""What a starter's unfinished exercise answers: a loud 501 that points at the lesson text."""

import sys

from rest_framework import status
from rest_framework.exceptions import APIException

from course.manifest import find_lesson


class NotDone(APIException):
    """Raised by a starter's stub: 501 Not Implemented, naming the exercise and its README section.

    It is a DRF exception, so any DRF code path (a view, a serializer, a permission) turns
    it into a 501 response, in JSON or in the browsable API. The lesson is the caller's.
    """

    status_code = status.HTTP_501_NOT_IMPLEMENTED

    def __init__(self, exercise_id: str):
        module = sys._getframe(1).f_globals.get("__name__", "")
        where = "the lesson's README.md"
        try:
            lesson = find_lesson(module.split(".")[1])
            exercise = lesson.exercise(exercise_id)
            where = f'lessons/{lesson.slug}/README.md, section "{exercise.id}. {exercise.title}"'
        except (IndexError, LookupError):
            pass
        detail = f"Exercise {exercise_id} is not done yet: replace its TODO({exercise_id}) stub. See {where}."
        super().__init__({"detail": detail, "exercise": exercise_id})
