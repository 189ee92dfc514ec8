"""Every lesson's OpenAPI docs describe its API, and the API keeps to them.

On the reference solutions, each lesson's schema (what /docs/NN/ shows) must give every
POST, PUT and PATCH a request body and every operation a typed success answer; the starter's
schema must build too. The slow checks fuzz each schema with schemathesis against the
solutions through the WSGI app: no answer may be a 5xx, and every status code answered must
be documented. Then they send each operation the hostile values a generator rarely finds:
well-formed cursors with wrong positions, offsets and pages past the end, ids out of range
and codes whose case changes under Unicode rules; none may be a 5xx.
"""

import base64
import io
import math
import re
import time
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.validation import validate_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from course import targets
from course.manifest import all_lessons

LESSONS = all_lessons()
WRITES = ("post", "put", "patch")
METHODS = ("get", "post", "put", "patch", "delete")
EXAMPLES = 8  # per operation, data (valid, invalid) and path (made up, a demo row): bounded
DEMO_USER = ("alice", "alice-pass-123")  # seed_demo's


def lesson_id(lesson):
    return lesson.slug


@pytest.fixture
def on_target(request):
    """`on_target("solutions")`: serve the lessons from that target until the test ends."""
    before = targets.current()

    def use(name):
        targets.install(targets.Target.parse(name))

    yield use
    targets.install(before)


def lesson_schema(lesson) -> dict:
    """The schema /docs/NN/ shows, fetched as Swagger UI fetches it."""
    response = Client().get(f"/schema/{lesson.nn}/", {"format": "json"})
    assert response.status_code == 200, (
        f"GET /schema/{lesson.nn}/ answered {response.status_code}: "
        f"{response.content.decode(errors='replace')[:500]}"
    )
    return response.json()


def operations(schema):
    for route, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, route, item[method]


def schema_problems(schema) -> list[str]:
    """What the docs leave out: a write without a request body, an operation without a typed answer.

    A 204 No Content is typed: it says there is no body. A 2xx with no schema is not.
    """
    problems = []
    for method, route, operation in operations(schema):
        where = f"{method.upper()} {route}"
        if method in WRITES:
            content = operation.get("requestBody", {}).get("content", {})
            if not any(media.get("schema") for media in content.values()):
                problems.append(f"{where}: no request body")
        answers = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        typed = [
            code
            for code, answer in answers.items()
            if code == "204" or any(m.get("schema") for m in answer.get("content", {}).values())
        ]
        if not typed:
            problems.append(f"{where}: no typed success answer (documented: {sorted(answers)})")
    return problems


HOW_TO_FIX = (
    "\nA function view or an APIView needs @extend_schema(request=..., responses=...): DRF "
    "cannot see which serializer the code uses. See lessons/l01_function_views/README.md, "
    'section "The OpenAPI docs".'
)


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_solution_schema_documents_bodies_and_answers(lesson, on_target):
    """On the solutions, the docs are valid OpenAPI, every write has a request body and every
    operation a typed answer."""
    on_target("solutions")
    schema = lesson_schema(lesson)
    validate_schema(schema)  # drf-spectacular's check against the OpenAPI 3 specification
    problems = schema_problems(schema)
    assert not problems, (
        f"/docs/{lesson.nn}/ on the solutions:\n" + "\n".join(problems) + HOW_TO_FIX
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_starter_schema_builds(lesson, on_target):
    """The docs work before a learner starts: stubs must not break the schema."""
    on_target("lessons")
    assert lesson_schema(lesson)["paths"], f"/schema/{lesson.nn}/ of the starter lists nothing"


# --------------------------------------------------- the checks fail where they should


@api_view(["GET", "POST"])
@authentication_classes([])
def undocumented(request):
    """A function view with no extend_schema: the docs know neither its body nor its answer."""
    return Response({"ok": True}, status=409 if request.method == "POST" else 200)


@extend_schema(
    request=inline_serializer("Number", {"n": serializers.IntegerField()}),
    responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
)
@api_view(["POST"])
@authentication_classes([])
def crashing(request):
    """Documented, but a negative number crashes it: a 500."""
    return Response({"root": math.sqrt(int(request.data.get("n", 0)))})


TRAPS = [path("undocumented/", undocumented), path("crashing/", crashing)]
urlpatterns = [*TRAPS, path("schema/", SpectacularAPIView.as_view(patterns=TRAPS))]


@pytest.mark.urls(__name__)
def test_schema_check_catches_a_view_without_a_body_or_an_answer():
    """The check is not vacuous: a bare @api_view lacks a request body and a typed answer."""
    schema = Client().get("/schema/", {"format": "json"}).json()
    assert schema_problems(schema) == [
        "GET /undocumented/: no typed success answer (documented: ['200'])",
        "POST /undocumented/: no request body",
        "POST /undocumented/: no typed success answer (documented: ['200'])",
    ]


# ---------------------------------------------------------------------------- the fuzz


def credentials(operation) -> dict:
    """The Authorization header for the demo user, in the first scheme the operation names."""
    return authorization(operation.definition.raw.get("security", []))


def authorization(security: list) -> dict:
    """The Authorization header for the demo user, in the first scheme of an OpenAPI `security`."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework_simplejwt.tokens import RefreshToken

    username, password = DEMO_USER
    for requirement in security:
        for scheme in requirement:
            if scheme == "basicAuth":
                pair = base64.b64encode(f"{username}:{password}".encode()).decode()
                return {"Authorization": f"Basic {pair}"}
            if scheme == "jwtAuth":
                user = get_user_model().objects.get(username=username)
                return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}
            if scheme == "tokenAuth":
                user = get_user_model().objects.get(username=username)
                return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
    return {}  # anonymous, or a session cookie, which a script does not have


def fuzz(schema_url: str, examples: int = EXAMPLES) -> tuple[int, list[str]]:
    """Send each operation of the schema `examples` valid and `examples` invalid requests.

    Returns the number of requests and the failures: a 5xx, or a status code the operation
    does not document. Derandomized, so the same schema gets the same requests every time.
    """
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_wsgi(schema_url, get_wsgi_application())
    sent, failures = 0, {}
    existing = demo_path_values()
    for result in schema.get_all_operations():
        operation = result.ok()
        # Made-up ids mostly miss (404): also aim at rows the demo data holds.
        names = re.findall(r"{(\w+)}", operation.path)
        targets = [None]
        if names and all(name in existing for name in names):
            targets.append({name: existing[name] for name in names})
        for path_parameters in targets:
            modes = [GenerationMode.POSITIVE]
            if can_be_invalid(operation, path_parameters):
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                try:
                    sent += fuzz_operation(operation, mode, path_parameters, examples, failures)
                except Unsatisfiable:
                    pass  # nothing it could make invalid after all: valid data only
    return sent, list(failures.values())


def can_be_invalid(operation, path_parameters) -> bool:
    """Whether a request of `operation` can carry invalid data: a body, a query, a header,
    credentials it requires, or a path parameter narrower than any text (an integer id can get
    `abc`) that no demo row fixes.

    Hypothesis takes seconds to give up on an operation with nothing to make invalid.
    """
    security = operation.definition.raw.get("security", [])
    if operation.body or operation.query or operation.headers:
        return True
    if security and {} not in security:  # no anonymous way in: wrong credentials are invalid
        return True
    return path_parameters is None and any(
        (parameter.definition.get("schema") or {}) not in ({}, {"type": "string"})
        for parameter in operation.path_parameters
    )


def demo_path_values() -> dict:
    """A value for each kind of path parameter that names a row of the demo data, if any."""
    from playground_project.domain.models import Course, Student

    course = Course.objects.order_by("pk").first()
    student = Student.objects.order_by("pk").first()
    if course is None or student is None:
        return {}
    return {"id": student.pk, "student_id": student.pk, "code": course.code, "year": student.year}


def fuzz_operation(operation, mode, path_parameters, examples, failures) -> int:
    """Run one operation's examples in one mode; record each kind of failure once."""
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import status_code_conformance

    headers = credentials(operation)
    sent = 0

    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: report, do not minimise
        suppress_health_check=list(HealthCheck),
    )
    def send(case):
        nonlocal sent
        sent += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
        except (AssertionError, BaseExceptionGroup) as exc:
            title = str(exc).strip().splitlines()[0]
            key = f"{case.method} {case.path}: {response.status_code} {title}"
            example = f"{key}\n    e.g. {case.as_curl_command()}\n    -> {response.text[:200]}"
            failures.setdefault(key, example)

    send()
    return sent


@pytest.fixture
def demo_data(transactional_db):
    """The demo data, committed: a request that fails in the database must not poison the
    rest, as it would inside a test's transaction."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    cache.clear()  # throttles count in the cache: start from none, and leave none behind
    yield
    cache.clear()


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_fuzzed_solution_answers_no_5xx_and_only_documented_codes(lesson, on_target, demo_data):
    """schemathesis against the solutions: no 5xx, and no status code the docs leave out."""
    on_target("solutions")
    started = time.perf_counter()
    sent, failures = fuzz(f"/schema/{lesson.nn}/?format=json")
    print(f"{lesson.slug}: {sent} requests in {time.perf_counter() - started:.1f} s")
    assert not failures, (
        f"/docs/{lesson.nn}/ does not match what the solutions answer ({len(failures)} of "
        f"{sent} requests' kinds):\n" + "\n".join(failures) + "\nDocument the answer with "
        "extend_schema(responses={CODE: ...}), or fix the view if it should not answer that."
    )


@pytest.mark.slow
@pytest.mark.urls(__name__)
def test_fuzz_catches_an_undocumented_code_and_a_crash(db):
    """The fuzz is not vacuous: a 409 the docs leave out and a 500 are both reported."""
    _, failures = fuzz("/schema/?format=json", examples=25)
    found = "\n".join(failures)
    assert "POST /undocumented/: 409" in found, found
    assert "POST /crashing/: 500" in found, found


# ------------------------------------------------------------------- the hostile values


def cursor_of(text: str) -> str:
    """A cursor as DRF writes one: base64 of a query string, here with any values in it."""
    return base64.b64encode(text.encode()).decode()


# Ids out of range: 0, negative, just past 32 and 64 bits, and past any integer column.
HOSTILE_IDS = ["0", "-1", "2147483648", "9223372036854775807", "9223372036854775808", "9" * 20]
# Letters whose case changes under Unicode's rules, not ASCII's: a title-case digraph and its
# pair, sharp s (upper case "SS"), dotted and dotless i, the Kelvin sign (lower case "k"), a
# ligature whose upper case is three letters.
HOSTILE_CODES = [
    "\u01c5",
    "\u01c6",
    "\u01c4",
    "\u00df",
    "SS",
    "\u1e9e",
    "\u0130",
    "i\u0307",
    "\u0131",
]
HOSTILE_CODES += ["\u212a", "k", "\ufb03", "DRF101X", "drf101"]
HOSTILE_CURSORS = [
    cursor_of(text)
    for text in [
        "p=abc",
        "p=4.5",
        "p=-1",
        "p=" + "9" * 20,
        "p=2026-02-30 00:00:00+00:00",
        "p=2026-12-06",
        "p=\u01c5",
        "p=%00",
        "p=",
        "o=-1",
        "o=1001&p=1",
        "r=abc",
        "r=1&p=abc",
        "o=5&r=1",
    ]
] + ["not-a-cursor", "%%%", ""]
HOSTILE_QUERY = {
    "cursor": HOSTILE_CURSORS,
    "page": ["0", "-1", "last", "1.5", "9" * 20, "\u01c5"],
    "page_size": ["0", "-1", "1e9", "9" * 20],
    "limit": ["0", "-1", "1e9", "9" * 20],
    "offset": ["-1", "99999", "9" * 20, "\u01c5"],
}


def hostile_requests(schema: dict, real_cursors: list[str]):
    """(operation, method, url, body) for each operation and each hostile value of its parameters."""
    for method, route, operation in operations(schema):
        parameters = operation.get("parameters", [])
        body = {} if method in WRITES else None
        in_path = [p["name"] for p in parameters if p["in"] == "path"]
        for name in in_path:
            # DELETE only with values that can name no demo row: the fuzz must not remove them.
            codes = (
                [c for c in HOSTILE_CODES if not c.isascii()]
                if method == "delete"
                else HOSTILE_CODES
            )
            for value in HOSTILE_IDS + codes:
                url = route
                for other in in_path:
                    url = url.replace(
                        "{" + other + "}", quote(value if other == name else "1", safe="")
                    )
                yield operation, method, url, body
        if method != "get" or in_path:
            continue
        for parameter in (p for p in parameters if p["in"] == "query"):
            name = parameter["name"]
            values = HOSTILE_QUERY.get(name)
            if name == "cursor":
                values = values + real_cursors
            elif values is None:
                kind = parameter.get("schema", {}).get("type")
                values = HOSTILE_IDS if kind in ("integer", "number") else HOSTILE_CODES
            for value in values:
                yield operation, method, f"{route}?{urlencode({name: value})}", body


def real_cursors(schema: dict, client, headers_for) -> list[str]:
    """The first next-link cursor of every cursor-paginated list: sent to the others, they are
    real cursors of another list."""
    found = []
    for method, route, operation in operations(schema):
        names = {p["name"] for p in operation.get("parameters", [])}
        if method != "get" or "cursor" not in names or "{" in route:
            continue
        reply = client.get(route, {"page_size": 1}, headers=headers_for(operation))
        link = reply.json().get("next") if reply.status_code == 200 else None
        found += parse_qs(urlsplit(link or "").query).get("cursor", [])
    return found


def send_hostile(schema: dict) -> tuple[int, dict[str, str]]:
    """Send every hostile request the schema allows; the number sent and the 5xx answers."""
    client = Client(raise_request_exception=False)  # a crash is a 500, as over HTTP

    def headers_for(operation):
        return authorization(operation.get("security", []))

    cursors = real_cursors(schema, client, headers_for)
    sent, failures = 0, {}
    for operation, method, url, body in hostile_requests(schema, cursors):
        reply = client.generic(
            method.upper(),
            url,
            data=b"{}" if body is not None else b"",
            content_type="application/json",
            headers=headers_for(operation),
        )
        sent += 1
        if reply.status_code >= 500:
            text = reply.content.decode(errors="replace")
            title = re.search(r"<title>(.*?)</title>", text, re.S)  # Django's debug page
            summary = " ".join((title.group(1) if title else text[:200]).split())
            failures.setdefault(f"{method.upper()} {url}", f"{reply.status_code} {summary}")
        cache.clear()  # a throttle must not turn the rest into 429s and hide them
    return sent, failures


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lesson_id)
def test_hostile_values_answer_no_5xx(lesson, on_target, demo_data):
    """Forged cursors, pages and offsets past the end, ids out of range and Unicode case pairs
    in codes: each answer is a 2xx, 3xx or 4xx, never a server error."""
    on_target("solutions")
    sent, failures = send_hostile(lesson_schema(lesson))
    print(f"{lesson.slug}: {sent} hostile requests")
    assert not failures, f"/docs/{lesson.nn}/ on the solutions, {len(failures)} of {sent}:\n" + (
        "\n".join(f"{call} -> {answer}" for call, answer in failures.items())
    )


class PlainCursorFeed(ListAPIView):
    """DRF's CursorPagination as it is, ordered by a date: a forged position is a 500."""

    authentication_classes = []
    permission_classes = []
    pagination_class = type(
        "PlainCursor", (CursorPagination,), {"page_size": 1, "ordering": "-created_at"}
    )

    def get_queryset(self):
        from playground_project.domain.models import Student

        return Student.objects.all()

    def get_serializer_class(self):
        from playground_project.domain.models import Student

        return type(
            "FeedRow",
            (serializers.ModelSerializer,),
            {"Meta": type("Meta", (), {"model": Student, "fields": ["id", "name"]})},
        )


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@authentication_classes([])
def course_by_code(request, code):
    """A code written where only ASCII fits (a file name, say): any other letter is a 500."""
    return Response({"file": code.upper().encode("ascii").decode() + ".pdf"})


HOSTILE_TRAPS = [
    path("feed/", PlainCursorFeed.as_view()),
    path("courses/<str:code>/", course_by_code),
]
urlpatterns += [
    *HOSTILE_TRAPS,
    path("hostile-schema/", SpectacularAPIView.as_view(patterns=HOSTILE_TRAPS)),
]


@pytest.mark.slow
@pytest.mark.urls(__name__)
def test_hostile_values_catch_a_forged_cursor_and_a_unicode_crash(db):
    """The hostile values are not vacuous: DRF's plain cursor paginator answers 500 to a
    well-formed cursor with a wrong position, and a view that writes a code where only ASCII
    fits answers 500 to "ǅ"; the server's own cursors and ASCII codes pass."""
    from playground_project.domain.models import Student

    Student.objects.create(name="A", email="a@example.com", year=1)
    Student.objects.create(name="B", email="b@example.com", year=2)
    schema = Client().get("/hostile-schema/", {"format": "json"}).json()
    _, failures = send_hostile(schema)
    found = "\n".join(failures)
    assert "GET /feed/?cursor=cD1hYmM%3D" in found, found  # base64 of p=abc
    assert "GET /feed/?cursor=not-a-cursor" not in found, found  # DRF's own try catches it
    assert "GET /courses/%C7%85/" in found, found  # "ǅ"
    assert "GET /courses/DRF101X/" not in found, found
