"""The playground's own pages: the lesson index, a lesson's text, a broken lesson's error, the mail."""

import email
import email.policy
import email.utils
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt

from course.loading import display_path
from course.manifest import all_lessons, find_lesson

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what the file backend writes after each message


def index(request):
    """List every lesson with links to its text, browsable API and OpenAPI docs."""
    from playground_project.urls import BROKEN_LESSONS

    rows = [
        {"lesson": lesson, "error": BROKEN_LESSONS.get(lesson.slug)} for lesson in all_lessons()
    ]
    return render(request, "playground/index.html", {"rows": rows})


# Raw HTML in a lesson text is shown as text, never run: html=False.
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def lesson_text(request, slug):
    """Render a lesson's README as HTML."""
    try:
        lesson = find_lesson(slug)
    except LookupError:
        raise Http404(slug) from None
    html = MARKDOWN.render(lesson.readme.read_text(encoding="utf-8"))
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


@require_GET
def mail(request):
    """The mail the playground sent, newest first: an HTML page, or JSON with `?format=json`.

    `?to=ann@example.com` keeps the messages to one address; `?limit=N` (1 to 100, default 20).
    Lesson 11's signup codes arrive here. It shows everyone's mail, so it only answers while
    DEBUG is on, as in the playground, and only for the file-based email backend it reads.
    """
    if not settings.DEBUG or settings.EMAIL_BACKEND != FILE_BACKEND:
        raise Http404("The mail page needs DEBUG and the file-based email backend.")
    to = request.GET.get("to", "").strip().lower()
    try:
        limit = min(max(int(request.GET.get("limit", 20)), 1), 100)
    except ValueError:
        return JsonResponse({"limit": ["Must be a whole number."]}, status=400)
    folder = Path(settings.EMAIL_FILE_PATH)
    messages = read_mail(folder, to=to, limit=limit)
    wants_json = request.GET.get("format") == "json" or (
        "application/json" in request.headers.get("Accept", "")
        and "text/html" not in request.headers.get("Accept", "")
    )
    if wants_json:
        return JsonResponse({"folder": display_path(folder), "messages": messages})
    context = {"folder": display_path(folder), "messages": messages, "to": to, "limit": limit}
    return render(request, "playground/mail.html", context)


def read_mail(folder: Path, *, to: str = "", limit: int = 20) -> list[dict]:
    """The newest `limit` messages that the file-based email backend wrote to `folder`.

    The backend writes one file per connection, each message followed by a line of 79
    dashes; send_mail() opens a connection per call, so a file usually holds one message.
    Newest first; only the messages to `to`, if given.
    """
    try:
        files = [(p.stat().st_mtime_ns, p.name, p) for p in folder.glob("*.log") if p.is_file()]
    except OSError:  # no mail sent yet: the backend makes the folder on first use
        files = []
    found = []
    for _, _, path in sorted(files, reverse=True):
        for raw in reversed(path.read_bytes().split(MAIL_SEPARATOR)):
            if not raw.strip():
                continue
            message = _parse_mail(raw, path.name)
            if to and to not in (address.lower() for address in message["to"]):
                continue
            found.append(message)
            if len(found) >= limit:
                return found
    return found


def _parse_mail(raw: bytes, file_name: str) -> dict:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    try:
        date = email.utils.parsedate_to_datetime(message["Date"]).isoformat()
    except (TypeError, ValueError):
        date = None
    return {
        "date": date,
        "from": str(message["From"] or ""),
        "to": [address for _, address in email.utils.getaddresses([str(message["To"] or "")])],
        "subject": str(message["Subject"] or ""),
        "body": body.get_content() if body is not None else "",
        "file": file_name,
    }
