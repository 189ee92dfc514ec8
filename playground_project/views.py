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

from course import progress
from course.loading import display_path
from course.manifest import all_lessons, find_lesson
from playground_project import learner
from playground_project.lesson_text import exercise_anchor
from playground_project.lesson_text import render as render_text

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what the file backend writes after each message


# slug -> LoadError of a lesson whose code did not import: urls.py fills it as it mounts the
# lessons, the index shows it.
BROKEN_LESSONS = {}


def index(request):
    """List every lesson with links to its text, browsable API and OpenAPI docs."""
    show_progress = learner.offered(request)
    rows = []
    for lesson in all_lessons():
        row = {"lesson": lesson, "error": BROKEN_LESSONS.get(lesson.slug)}
        if show_progress:
            row.update(_progress_of(lesson))
        rows.append(row)
    return render(request, "playground/index.html", {"rows": rows, "progress": show_progress})


def _progress_of(lesson) -> dict:
    """A lesson's score, state and next exercise, from var/progress.json as `check` left it."""
    states = progress.state(lesson)
    last = progress.last_check(lesson)
    passed = sum(state == "passed" for state in states.values())
    if last is None:
        summary = "not checked"
    elif "changed" in states.values():
        summary = "edited since the last check"
    elif passed == len(states):
        summary = "passed"
    else:
        summary = f"{passed} of {len(states)} exercises pass"
    next_up = next((e for e in lesson.exercises if states[e.id] != "passed"), None)
    return {
        "score": None if last is None else f"{last['earned']:g}",
        "summary": summary,
        "done": last is not None and passed == len(states),
        "next": next_up,
        "next_anchor": exercise_anchor(next_up.id) if next_up else None,
    }


def lesson_text(request, slug):
    """Render a lesson's README as HTML; on the learner's own playground, with the panel beside it."""
    try:
        lesson = find_lesson(slug)
    except LookupError:
        raise Http404(slug) from None
    text = render_text(lesson)
    context = {"lesson": lesson, "html": text.html, **learner.panel_context(request, lesson, text)}
    return render(request, "playground/text.html", context)


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
