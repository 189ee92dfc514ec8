"""What a starter's unfinished exercise answers: a loud 501 that points at the lesson text."""

import sys

from django.http import JsonResponse

from course.manifest import find_lesson


def not_done(exercise_id: str) -> JsonResponse:
    """Answer 501 Not Implemented, naming the exercise and where the lesson text explains it.

    Call it from a starter's stub: `return not_done("E1")`. The lesson is the caller's.
    """
    module = sys._getframe(1).f_globals.get("__name__", "")
    where = "the lesson's README.md"
    try:
        lesson = find_lesson(module.split(".")[1])
        exercise = lesson.exercise(exercise_id)
        where = f'lessons/{lesson.slug}/README.md, section "{exercise.id}. {exercise.title}"'
    except (IndexError, LookupError):
        pass
    detail = f"Exercise {exercise_id} is not done yet: replace its TODO({exercise_id}) stub. See {where}."
    return JsonResponse({"detail": detail, "exercise": exercise_id}, status=501)
