"""The playground's own pages: the lesson index, a lesson's text and a broken lesson's error."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from markdown_it import MarkdownIt

from course.manifest import all_lessons, find_lesson


def index(request):
    """List every lesson with links to its text, browsable API and OpenAPI docs."""
    from playground_project.urls import BROKEN_LESSONS

    rows = [
        {"lesson": lesson, "error": BROKEN_LESSONS.get(lesson.slug)} for lesson in all_lessons()
    ]
    return render(request, "playground/index.html", {"rows": rows})


def lesson_text(request, slug):
    """Render a lesson's README as HTML."""
    try:
        lesson = find_lesson(slug)
    except LookupError:
        raise Http404(slug) from None
    html = (
        MarkdownIt("commonmark", {"html": False})
        .enable("table")
        .render(lesson.readme.read_text(encoding="utf-8"))
    )
    return render(request, "playground/text.html", {"lesson": lesson, "html": html})


@csrf_exempt  # an error page for every method: a POST must see the error, not a CSRF refusal
def broken_lesson(request, error, **kwargs):
    """Every URL of a lesson whose code does not import answers with what to fix."""
    body = (
        f"Lesson {error.lesson} is broken, so its URLs are switched off until it imports again.\n\n"
        f"{error.message}\n\nFix the file and save: `make start` reloads by itself (a notebook's "
        f"own playground restarts when you run its first cell again). "
        f"The lesson text is still at /text/{error.lesson[1:3]}/.\n"
    )
    return HttpResponse(body, status=500, content_type="text/plain; charset=utf-8")
