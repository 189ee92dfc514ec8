"""The lesson panel: check, hints, reset and the solution beside a lesson's text, for the learner.

Every action is the command line's own, from the same engine functions:

- Check runs `python -m course check NN --json` in a subprocess, as the notebooks' check cell
  does: the same plugin, verdicts and messages, and it records var/progress.json itself. The
  learner's code never runs in the server's process.
- Hint advances the same hint level as `python -m course hint` (course.progress).
- Reset puts the starter back from git and keeps a backup (course.starter), after a confirm
  page that is a plain form.
- Solution shows the reference once the last check passed, or when asked to anyway.

These pages run code and write files on the learner's machine, so they exist only in the
playground (DEBUG and LEARNER_PANEL on), answer only requests from the machine itself, and
every change is a POST under Django's CSRF protection. See the README, "The lesson panel".
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.http.request import split_domain_port, validate_host
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from course import ROOT, VAR, progress, starter
from course.manifest import Lesson, find_lesson
from course.mistakes import mistakes_of
from playground_project import lesson_text

# The last report the panel showed for each lesson, with the hash of the files it graded: the
# page shows it again (after a hint, a reload) for as long as the files stay the same.
REPORTS = VAR / "panel"
CHECK_TIMEOUT = 300  # seconds for the whole check; past it the page says the check stopped
# Seconds for one test, as `course grade` allows by default (the course's pytest settings allow
# 120): an endless loop in a view fails the tests that reach it, each with pytest-timeout's
# message, and the page shows which, instead of one check stopped after CHECK_TIMEOUT.
TEST_TIMEOUT = 10
# Variables of the server's own process that must not reach the check: the tests choose
# their own settings (pytest-django prefers this variable to the course's configuration),
# database and target, and the check is not the process serving.
SERVER_ONLY_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "COURSE_TARGET",
    "COURSE_DATABASE",
    "COURSE_PLAYGROUND_PORT",
    "RUN_MAIN",
)
# The names a browser on this machine uses for it. ALLOWED_HOSTS may hold more (`testserver`,
# for Django's test client), and a name that is not one of these, resolved to 127.0.0.1 by a
# DNS server that answers for it (DNS rebinding), would make another site's page the panel's
# own origin: the panel answers these names only, and the proxy's, never the test client's.
THIS_MACHINE_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def enabled() -> bool:
    """Whether this server mounts the panel: only the playground, which runs with DEBUG on."""
    return bool(settings.DEBUG and getattr(settings, "LEARNER_PANEL", False))


def offered(request) -> bool:
    """Whether to show the panel on a page: the URLconf mounted it and the request is local.

    The URLconf decides once, when it is imported (`enabled()`); settings changed later do
    not mount the panel's URLs, so the pages ask the URLconf rather than the settings.
    """
    try:
        reverse("panel-status", args=["01"])
    except NoReverseMatch:
        return False
    return from_this_machine(request)


def named_this_machine(request) -> bool:
    """Whether the Host the browser sent names this machine, or the proxy in front of it."""
    domain, _port = split_domain_port(request.get_host())
    proxied = getattr(settings, "PROXIED", None)
    names = [*THIS_MACHINE_HOSTS, *(proxied.allowed_hosts if proxied else ())]
    return bool(domain) and validate_host(domain, names)


def from_this_machine(request) -> bool:
    """Whether the request comes over loopback: the learner's browser on this machine, or the
    Jupyter proxy of the learner's own container, which connects from 127.0.0.1 too.

    Only the connection's address counts; a client can write any X-Forwarded-For it likes.
    The Host must name this machine too (`named_this_machine`).
    """
    if not named_this_machine(request):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def learner_only(view):
    """Refuse requests from any other machine: these views run code and write files here."""

    @functools.wraps(view)
    def guarded(request, nn, *args, **kwargs):
        if not from_this_machine(request):
            return HttpResponseForbidden(
                "The lesson panel runs code on the learner's machine, so it only answers "
                "requests from that machine (127.0.0.1 or ::1), addressed to it as "
                "127.0.0.1, localhost or [::1].",
                content_type="text/plain; charset=utf-8",
            )
        try:
            lesson = find_lesson(nn)
        except LookupError:
            raise Http404(f"No lesson {nn}.") from None
        return view(request, lesson, *args, **kwargs)

    return guarded


# ---------------------------------------------------------------- what the panel shows


def run_check(lesson: Lesson) -> dict:
    """`python -m course check NN --json` on the learner's files: the report, as the CLI has it.

    The CLI records the verdicts in var/progress.json. A run that gives no report comes back
    as a report whose `error` says why.
    """
    env = {k: v for k, v in os.environ.items() if k not in SERVER_ONLY_VARIABLES}
    env["PYTEST_ADDOPTS"] = f"{env.get('PYTEST_ADDOPTS', '')} --timeout={TEST_TIMEOUT}".strip()
    command = [sys.executable, "-m", "course", "check", lesson.nn, "--json", "--target", "lessons"]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=CHECK_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"The check took longer than {CHECK_TIMEOUT} s and was stopped."}
    try:
        return json.loads(done.stdout)
    except ValueError:
        output = (done.stderr or done.stdout)[-3000:]
        return {
            "error": f"`python -m course check {lesson.nn} --json` gave no report "
            f"(exit code {done.returncode}):\n{output}"
        }


def _keep(lesson: Lesson, report: dict, digest: str) -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=REPORTS, prefix=f".{lesson.slug}-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"digest": digest, "report": report}, handle)
    os.replace(scratch, REPORTS / f"{lesson.slug}.json")


@dataclass
class _Lane:
    """One lesson's checks, one at a time: two tabs that see the same save both ask for a
    check, and the second gets the first's report instead of running the tests again."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    finished: int = 0  # checks run so far
    last: tuple[str, dict] | None = None  # the digest and report of the latest


_LANES: dict[str, _Lane] = {}


def _lane(lesson: Lesson) -> _Lane:
    return _LANES.setdefault(lesson.slug, _Lane())


def check_files(lesson: Lesson) -> tuple[str, dict]:
    """The hash of the learner's files and the check's report on them.

    A check that finished while this one waited its turn, on the same files, answers for
    both; otherwise the tests run. The hash is taken before the run: a save during it is a
    new hash, which the page checks again.
    """
    lane = _lane(lesson)
    seen = lane.finished
    with lane.lock:
        digest = progress.learner_digest(lesson)
        if lane.finished != seen and lane.last and lane.last[0] == digest:
            return lane.last
        report = run_check(lesson)
        if not report.get("error"):
            _keep(lesson, report, digest)
        lane.last, lane.finished = (digest, report), lane.finished + 1
        return digest, report


def _kept(lesson: Lesson) -> dict | None:
    """The report of the panel's last check, if the learner's files are still those it graded."""
    try:
        kept = json.loads((REPORTS / f"{lesson.slug}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if kept.get("digest") != progress.learner_digest(lesson):
        return None
    return kept.get("report")


def _exercise_rows(lesson: Lesson, text: lesson_text.LessonText, report: dict | None) -> list:
    """One row per exercise: the recorded state, the hints seen, and the fresh check if any."""
    states = progress.state(lesson)
    last = progress.last_check(lesson) or {"exercises": {}}
    checked = {}
    if report and not report.get("error"):
        checked = {ex["id"]: ex for ex in report["lessons"][0]["exercises"]}
    rows = []
    for exercise in lesson.exercises:
        seen = progress.hints_seen(lesson, exercise.id)
        row = {
            "exercise": exercise,
            "anchor": lesson_text.exercise_anchor(exercise.id),
            "state": states[exercise.id],
            "earned": last["exercises"].get(exercise.id, {}).get("earned"),
            "hints": exercise.hints[:seen],
            "hints_left": len(exercise.hints) - seen,
            "next_hint": min(seen + 1, len(exercise.hints)),
        }
        result = checked.get(exercise.id)
        if result is not None:
            failures = [
                {**test, "criteria": text.links_for(test["name"])}
                for test in result["tests"]
                if test["status"] != "pass"
            ]
            row.update(
                state="passed" if result["status"] == "pass" else "failed",
                earned=result["earned"],
                failures=failures,
                passed_tests=len(result["tests"]) - len(failures),
                total_tests=len(result["tests"]),
            )
        rows.append(row)
    return rows


def panel_context(request, lesson: Lesson, text, report=None, digest=None) -> dict:
    """What the text page needs to show the panel (`panel` is None where it is not offered)."""
    if not offered(request):
        return {"panel": None}
    fresh = report is not None
    if report is None:
        report = _kept(lesson)
    checked = report and not report.get("error")
    lesson_report = report["lessons"][0] if checked else None
    last = progress.last_check(lesson)
    return {
        "panel": {
            "rows": _exercise_rows(lesson, text, report),
            "report": report,
            "lesson_report": lesson_report,
            "last": last,
            "score": lesson_report["earned"] if checked else (last or {}).get("earned"),
            "digest": digest or progress.learner_digest(lesson),
            "files": [f"lessons/{lesson.slug}/{name}" for name in lesson.learner_files],
            "passed": progress.lesson_passed(lesson),
            "fresh": fresh,
        }
    }


def _text_page(request, lesson: Lesson, **panel):
    text = lesson_text.render(lesson)
    context = {"lesson": lesson, "html": text.html, **panel_context(request, lesson, text, **panel)}
    return render(request, "playground/text.html", context)


# ---------------------------------------------------------------- the actions


@require_POST
@learner_only
def check(request, lesson: Lesson):
    """Check the lesson as `make check L=NN` does and show the text page with the results."""
    digest, report = check_files(lesson)
    return _text_page(request, lesson, report=report, digest=digest)


@require_POST
@learner_only
def hint(request, lesson: Lesson):
    """Show the next hint of an exercise, one level more each time, as `make hint` does."""
    try:
        exercise = lesson.exercise(request.POST.get("exercise", ""))
    except LookupError:
        return HttpResponseBadRequest(
            f"Lesson {lesson.nn} has no such exercise.", content_type="text/plain; charset=utf-8"
        )
    progress.next_hint_level(lesson, exercise.id)
    # 303 See Other: the text page shows every hint seen so far, so a reload shows this one
    # again instead of posting for the next (the script follows the redirect to the panel).
    page = reverse(f"text-{lesson.nn}") + f"#panel-{lesson_text.exercise_anchor(exercise.id)}"
    response = redirect(page)
    response.status_code = 303
    return response


@require_http_methods(["GET", "POST"])
@learner_only
def reset(request, lesson: Lesson):
    """GET asks (a page with one form); POST puts the starter back and keeps a backup."""
    files = [(name, starter.pristine(lesson, name)) for name in lesson.learner_files]
    if request.method == "GET":
        context = {
            "lesson": lesson,
            "files": [
                {
                    "name": f"lessons/{lesson.slug}/{name}",
                    "found": found is not None,
                    "unchanged": found is not None and starter.is_starter(lesson, name, found[1]),
                }
                for name, found in files
            ],
        }
        return render(request, "playground/reset.html", context)
    for name, found in files:
        restored = starter.restore(lesson, name, found)
        if not restored.found:
            messages.error(
                request,
                f"Cannot find the starter of {restored.name} in git: reset needs the course as "
                "a git clone. Nothing changed.",
            )
        elif restored.unchanged:
            messages.info(request, f"{restored.name} already was the starter.")
        else:
            kept = f" Your version is saved as {restored.backup.relative_to(ROOT)}."
            messages.success(
                request,
                f"{restored.name} is the starter again (from git {restored.ref}).{kept if restored.backup else ''}",
            )
    return redirect(reverse(f"text-{lesson.nn}") + "#panel")


@require_GET
@learner_only
def solution(request, lesson: Lesson):
    """The reference, once the lesson's last check passed, or when asked for anyway (`--force`)."""
    shown = progress.lesson_passed(lesson) or request.GET.get("force") == "1"
    context = {"lesson": lesson, "shown": shown}
    if shown:
        context["files"] = [
            {
                "name": f"solutions/{lesson.slug}/{name}",
                "text": (lesson.solution_folder / name).read_text(encoding="utf-8"),
            }
            for name in lesson.learner_files
        ]
        context["mistakes"] = mistakes_of(lesson)
    return render(request, "playground/solution.html", context)


@require_GET
@learner_only
def status(request, lesson: Lesson):
    """The hash of the learner's files and the recorded states: the page polls it to re-check."""
    return JsonResponse(
        {"digest": progress.learner_digest(lesson), "states": progress.state(lesson)},
        headers={"Cache-Control": "no-store"},
    )
