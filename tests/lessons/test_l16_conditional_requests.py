"""Graded tests for lesson 16: conditional requests, caching and versioning
(lessons/l16_conditional_requests/exercise.py).

Time is frozen with time-machine wherever it matters (Last-Modified, a cache's minute), so no
test sleeps. The cache is the test settings' (Django's local-memory cache, shared by the test
and a live server's thread), emptied before and after every test by the lessons' conftest.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from course.testing import expect, expect_status
from lessons.l16_conditional_requests.models import VersionedCourse

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")
E4 = pytest.mark.exercise("E4")

# Half a second past the minute: an HTTP date drops the fraction, and a comparison must too.
CREATED = datetime(2026, 3, 2, 10, 0, 0, 500000, tzinfo=UTC)
CREATED_HTTP = "Mon, 02 Mar 2026 10:00:00 GMT"
SECOND_BEFORE_HTTP = "Mon, 02 Mar 2026 09:59:59 GMT"
LATER_HTTP = "Mon, 02 Mar 2026 10:05:00 GMT"
HOUR_BEFORE_HTTP = "Mon, 02 Mar 2026 09:00:00 GMT"


@pytest.fixture
def make_course():
    """Create a lesson 16 course (its first save makes version 1); every argument is optional."""
    numbers = iter(range(1, 1000))

    def make(**fields):
        n = next(numbers)
        fields.setdefault("code", f"CND{n:03d}")
        fields.setdefault("title", f"Course {n}")
        return VersionedCourse.objects.create(**fields)

    return make


def detail(course) -> str:
    return reverse("l16:course-detail", kwargs={"code": course.code})


def catalogue(version=None) -> str:
    if version is None:
        return reverse("l16:catalogue")
    return reverse("l16:catalogue-versions", kwargs={"version": version})


def directives(reply) -> dict[str, str | None]:
    """Cache-Control as {directive: value}: `public, max-age=60` is {"public": None, "max-age": "60"}."""
    found = {}
    for part in (reply.header("Cache-Control") or "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.lower()] = value.strip('"') or None
    return found


def vary(reply) -> set[str]:
    return {v.strip().lower() for v in (reply.header("Vary") or "").split(",") if v.strip()}


def titles(reply) -> list:
    data = reply.data if isinstance(reply.data, list) else []
    return [row.get("title") for row in data if isinstance(row, dict)]


# ------------------------------------------------------------------ E1: conditional GET

WEAK_ETAG = (
    "An ETag from the version is strong (a plain quoted string): its bytes are the same for "
    'every caller of one version. W/"..." is weak, and If-Match (E2) never matches a weak tag.'
)
FROM_THE_BODY = (
    "The ETag must come from the course's version (or its last change), never from a hash of "
    "the reply's body: the body differs by caller (`editable`), so one version would have "
    "several ETags, and the body has to be built before it can be hashed, which is the work a "
    "304 is meant to save. For example f'\"{course.pk}-{course.version}\"'."
)


@E1
def test_e1_get_answers_a_strong_etag_and_last_modified(api, make_course):
    """GET on a course answers it with a strong ETag and Last-Modified, the HTTP date of its last change."""
    with time_machine.travel(CREATED, tick=False):
        course = make_course(code="CND101")
    reply = api.get(detail(course))
    expect_status(reply, 200, "anyone may read a course (E1)")
    etag = reply.header("ETag") or ""
    expect(
        len(etag) > 2 and etag.startswith('"') and etag.endswith('"'),
        reply,
        'an ETag header: a quoted string such as "7-1", with no W/ in front',
        "a client sends it back in If-None-Match and If-Match (E1)",
        mistake=WEAK_ETAG,
    )
    expect(
        reply.header("Last-Modified") == CREATED_HTTP,
        reply,
        f"Last-Modified: {CREATED_HTTP} (the course was saved at {CREATED.isoformat()})",
        "Last-Modified is the HTTP date (django.utils.http.http_date) of updated_at, in whole "
        "seconds (E1)",
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("code") == "CND101",
        reply,
        'the course, "code": "CND101"',
        "a GET without conditions answers the course itself (E1)",
    )
    found = directives(reply)
    expect(
        found.get("private", "absent") is None
        and found.get("no-cache", "absent") is None
        and {"authorization", "cookie"} <= vary(reply),
        reply,
        "Cache-Control: private, no-cache and Vary: Authorization, Cookie, as the given "
        "decorator of CourseDetail sets them",
        "the reply depends on who asks (`editable`): no shared cache may keep it, and a browser "
        "must revalidate its copy with the ETag (E1)",
        mistake="Keep CourseDetail's @method_decorator([cache_control(private=True, "
        "no_cache=True), vary_on_headers('Authorization', 'Cookie')], name='dispatch') as given.",
    )


@E1
def test_e1_one_version_has_one_etag_whoever_asks(api, login, make_course):
    """The owner, another user and an anonymous caller read one version with the same ETag."""
    alice, as_alice = login()
    _, as_bob = login()
    course = make_course(owner=alice)
    replies = [api.get(detail(course), headers=h) for h in ({}, as_alice, as_bob)]
    for reply in replies:
        expect_status(reply, 200, "anyone may read a course (E1)")
    editable = [r.data.get("editable") if isinstance(r.data, dict) else None for r in replies]
    assert editable == [False, True, False], (
        f"The given CourseSerializer's `editable` read {editable} for anonymous, the owner and "
        "another user; expected [False, True, False]. Keep the serializer as given."
    )
    tags = [r.header("ETag") for r in replies]
    expect(
        tags[0] is not None and len(set(tags)) == 1,
        replies[1],
        f"the same ETag for anonymous, the owner and another user (got {tags})",
        "an ETag names a version of the course, and all three read the same version (E1)",
        mistake=FROM_THE_BODY,
    )


def if_none_match_forms(etag):
    return {
        "exact": etag,
        "weak": f"W/{etag}",
        "in-a-list": f'"no-such-tag", {etag}',
        "star": "*",
    }


@E1
@pytest.mark.parametrize("form", ["exact", "weak", "in-a-list", "star"])
def test_e1_a_matching_if_none_match_answers_304_without_a_body(api, login, make_course, form):
    """If-None-Match naming the current ETag (weakly, in a list, or "*") answers 304 and no body."""
    alice, as_alice = login()
    course = make_course(owner=alice)
    first = api.get(detail(course), headers=as_alice)
    etag = first.header("ETag")
    expect(etag is not None, first, "an ETag header", "E1 asks for one on every GET")
    value = if_none_match_forms(etag)[form]
    reply = api.get(detail(course), headers={**as_alice, "If-None-Match": value})
    why = {
        "exact": "the client's copy is the current version",
        "weak": "If-None-Match uses the weak comparison: W/ in front changes nothing "
        "(RFC 9110, 13.1.2); remove it from each tag before comparing",
        "in-a-list": "If-None-Match may list several tags; one of them is current",
        "star": '"*" matches any current version, and the course exists',
    }[form]
    expect_status(
        reply,
        304,
        f"{why} (E1)",
        mistake="Compare the tags of If-None-Match (django.utils.http.parse_etags) with the "
        "course's ETag, and answer Response(status=304, headers=validators(course)).",
    )
    expect(
        reply.text == "",
        reply,
        "no body",
        "a 304 tells the client to use the copy it has (E1)",
    )
    expect(
        reply.header("ETag") == etag,
        reply,
        f"ETag: {etag} on the 304 too",
        "the client keeps the validators up to date from each answer (E1)",
    )


@E1
@pytest.mark.parametrize("form", ["old-version", "old-version-weak", "another-course"])
def test_e1_a_change_makes_a_new_etag(api, make_course, form):
    """After a save, the old ETag no longer matches: If-None-Match with it answers 200 and the new course."""
    course = make_course(title="Before")
    other = make_course()
    old = api.get(detail(course)).header("ETag")
    course.title = "After"
    course.save()  # the model bumps the version
    value = {
        "old-version": old,
        "old-version-weak": f"W/{old}",
        "another-course": api.get(detail(other)).header("ETag"),
    }[form]
    reply = api.get(detail(course), headers={"If-None-Match": value})
    expect_status(
        reply,
        200,
        f"If-None-Match: {value} names no current version of {course.code}: it was saved since (E1)",
        mistake="Build the ETag from the version the model bumps on every save, so that a change "
        "makes a new ETag, and compare the tags sent with that one.",
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("title") == "After",
        reply,
        '"title": "After"',
        "a 200 carries the current course (E1)",
    )
    expect(
        reply.header("ETag") not in (None, old),
        reply,
        f"a new ETag, not {old}",
        "a change makes a new ETag (E1)",
    )


@E1
@pytest.mark.parametrize(
    ("since", "expected"),
    [(CREATED_HTTP, 304), (LATER_HTTP, 304), (SECOND_BEFORE_HTTP, 200)],
    ids=["the-last-modified-itself", "five-minutes-later", "one-second-before"],
)
def test_e1_if_modified_since_answers_304_while_nothing_changed(api, make_course, since, expected):
    """If-Modified-Since at or after the last change answers 304; before it, 200."""
    with time_machine.travel(CREATED, tick=False):
        course = make_course()
    reply = api.get(detail(course), headers={"If-Modified-Since": since})
    because = (
        f"the course last changed at {CREATED.isoformat()}, which HTTP dates (whole seconds) "
        f"write as {CREATED_HTTP}: "
        + (
            "not after the date sent, so the client's copy is current"
            if expected == 304
            else "after the date sent"
        )
    )
    expect_status(
        reply,
        expected,
        f"{because} (E1)",
        mistake="Compare whole seconds: last_modified(course) <= parse_http_date_safe(header), "
        "not updated_at with its microseconds.",
    )
    if expected == 304:
        expect(reply.text == "", reply, "no body", "a 304 has none (E1)")


@E1
@pytest.mark.parametrize(
    ("etag_is", "since", "expected"),
    [("stale", LATER_HTTP, 200), ("current", HOUR_BEFORE_HTTP, 304)],
    ids=["stale-tag-recent-date", "current-tag-old-date"],
)
def test_e1_if_none_match_decides_before_if_modified_since(
    api, make_course, etag_is, since, expected
):
    """With both conditions, If-None-Match decides and If-Modified-Since is ignored (RFC 9110, 13.2.2)."""
    with time_machine.travel(CREATED, tick=False):
        course = make_course()
    etag = api.get(detail(course)).header("ETag") or '"none"'
    value = '"stale-0"' if etag_is == "stale" else etag
    reply = api.get(detail(course), headers={"If-None-Match": value, "If-Modified-Since": since})
    expect_status(
        reply,
        expected,
        f"If-None-Match: {value} is {etag_is}, and when a GET has If-None-Match, "
        "If-Modified-Since is not evaluated (E1)",
        mistake="Read If-Modified-Since only when there is no If-None-Match header.",
    )


# ------------------------------------------------------------------ E2: no lost updates

METHODS = ["put", "patch"]


def change(method, title):
    """A body for PUT (the whole course) or PATCH (two of its fields)."""
    return {"title": title, "credits": 7}


def send(api, method, course, body, headers):
    return getattr(api, method)(detail(course), body, headers=headers)


def unchanged(course, before) -> bool:
    course.refresh_from_db()
    return (course.title, course.credits, course.version) == before


def expect_unchanged(course, before, reply) -> None:
    """A refused write saved nothing: the course as it was before the request."""
    expect(
        unchanged(course, before),
        reply,
        "the course unchanged in the database (title Kept, credits 5)",
        "the write was refused (E2)",
    )


@E2
@pytest.mark.parametrize("method", METHODS)
def test_e2_a_write_without_if_match_is_a_428(api, login, make_course, method):
    """PUT or PATCH without If-Match answers 428 Precondition Required and saves nothing."""
    alice, as_alice = login()
    course = make_course(owner=alice, title="Kept", credits=5)
    before = ("Kept", 5, course.version)
    reply = send(api, method, course, change(method, "Lost?"), as_alice)
    expect_status(
        reply,
        428,
        f"a {method.upper()} without If-Match cannot say which version it changes, so it could "
        "overwrite a change it never saw (RFC 6585) (E2)",
        mistake="PUT and PATCH both reach update(): check If-Match there, for both, and raise "
        "PreconditionRequired when the header is missing.",
    )
    expect_unchanged(course, before, reply)


@E2
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("form", ["old-version", "weak-current", "another-course", "stale-list"])
def test_e2_a_stale_or_weak_if_match_is_a_412_and_saves_nothing(
    api, login, make_course, method, form
):
    """If-Match naming no current version by strong comparison answers 412 and saves nothing."""
    alice, as_alice = login()
    course = make_course(owner=alice, title="Kept", credits=5)
    other = make_course(owner=alice)
    old = api.get(detail(course)).header("ETag") or '"none"'
    course.save()  # someone else's change: version 2
    current = api.get(detail(course)).header("ETag") or '"none"'
    before = ("Kept", 5, course.version)
    value = {
        "old-version": old,
        "weak-current": f"W/{current}",
        "another-course": api.get(detail(other)).header("ETag") or '"none"',
        "stale-list": f'"no-such-tag", {old}',
    }[form]
    reply = send(api, method, course, change(method, "Lost?"), {**as_alice, "If-Match": value})
    why = {
        "old-version": "the course was saved since that ETag was read",
        "weak-current": "If-Match uses the strong comparison: a weak tag (W/...) never matches "
        "(RFC 9110, 13.1.1)",
        "another-course": "that ETag is another course's",
        "stale-list": "no tag in the list is the current one",
    }[form]
    expect_status(
        reply,
        412,
        f"{why} (E2)",
        mistake="Check If-Match in update(), which PUT and PATCH both reach, and compare it "
        "strongly: course_etag(course) must be in parse_etags(header) exactly, W/ included; "
        'only "*" matches any version.',
    )
    expect(
        unchanged(course, before),
        reply,
        "the course unchanged in the database (title Kept, credits 5, same version)",
        "a failed precondition must stop the write before anything is saved: check If-Match "
        "before serializer.save() (E2)",
    )


@E2
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("form", ["exact", "in-a-list", "star"])
def test_e2_the_current_if_match_saves_and_answers_the_new_etag(
    api, login, make_course, method, form
):
    """If-Match with the current ETag (alone, in a list, or "*") saves, answers 200 and the new ETag."""
    alice, as_alice = login()
    course = make_course(owner=alice, title="Old", credits=5)
    etag = api.get(detail(course)).header("ETag") or '"none"'
    value = {"exact": etag, "in-a-list": f'"no-such-tag", {etag}', "star": "*"}[form]
    reply = send(api, method, course, change(method, "New"), {**as_alice, "If-Match": value})
    expect_status(
        reply,
        200,
        f"If-Match: {value} names the version the course is at, so the change is safe (E2)",
    )
    course.refresh_from_db()
    expect(
        (course.title, course.credits) == ("New", 7)
        and isinstance(reply.data, dict)
        and reply.data.get("title") == "New",
        reply,
        'the change saved (title New, credits 7) and answered ("title": "New")',
        "the precondition passed (E2)",
    )
    after = api.get(detail(course)).header("ETag")
    expect(
        reply.header("ETag") not in (None, etag) and reply.header("ETag") == after,
        reply,
        f"ETag: {after}, the new version's (a GET now answers it), not {etag}",
        "the client needs the new ETag to send its next change (E2)",
        mistake="Answer with headers=validators(course) after serializer.save(): the save "
        "bumped the version.",
    )


@E2
@pytest.mark.parametrize("method", METHODS)
def test_e2_two_clients_cannot_lose_an_update(make_api, login, make_course, method):
    """Two clients read one version; the first write wins, the second gets 412 until it reads again."""
    alice, as_alice = login()
    course = make_course(owner=alice, title="Draft", credits=5)
    laptop, phone = make_api(), make_api()
    etag = laptop.get(detail(course)).header("ETag") or '"none"'
    expect(
        phone.get(detail(course)).header("ETag") == etag,
        laptop.get(detail(course)),
        "the same ETag on both clients",
        "they read the same version (E1)",
    )
    first = send(
        laptop, method, course, {"title": "Laptop's", "credits": 6}, {**as_alice, "If-Match": etag}
    )
    expect_status(first, 200, "the laptop's If-Match is the current version (E2)")
    second = send(
        phone, method, course, {"title": "Phone's", "credits": 8}, {**as_alice, "If-Match": etag}
    )
    expect_status(
        second,
        412,
        "the phone's If-Match is the version before the laptop's change: saving it would "
        f"silently undo that change, a lost update ({method.upper()} as well as the other "
        "method) (E2)",
        mistake="Check If-Match for PUT and for PATCH alike, before saving.",
    )
    course.refresh_from_db()
    expect(
        (course.title, course.credits) == ("Laptop's", 6),
        second,
        "the laptop's change in the database (title Laptop's, credits 6)",
        "the phone's write was refused (E2)",
    )
    fresh = phone.get(detail(course)).header("ETag") or '"none"'
    retry = send(
        phone, method, course, {"title": "Phone's", "credits": 8}, {**as_alice, "If-Match": fresh}
    )
    expect_status(retry, 200, "after reading again, the phone holds the current ETag (E2)")


@E2
@pytest.mark.parametrize("method", METHODS)
def test_e2_only_the_owner_writes(api, login, make_course, method):
    """Another user's write, even with the current ETag, answers 403 and saves nothing."""
    alice, _ = login()
    _, as_bob = login()
    course = make_course(owner=alice, title="Kept", credits=5)
    before = ("Kept", 5, course.version)
    etag = api.get(detail(course)).header("ETag") or '"none"'
    reply = send(api, method, course, change(method, "Bob's"), {**as_bob, "If-Match": etag})
    expect_status(
        reply,
        403,
        "bob holds the current ETag, but the course is alice's: only its owner may change it (E2)",
        mistake="Keep CourseDetail's permission_classes = [IsAuthenticatedOrReadOnly, "
        "IsOwnerOrReadOnly] as given.",
    )
    expect_unchanged(course, before, reply)


@E2
def test_e2_put_sends_the_whole_course_and_patch_what_changes(api, login, make_course):
    """With the current If-Match, a PUT without a title is a 400 that saves nothing; a PATCH of credits alone saves."""
    alice, as_alice = login()
    course = make_course(owner=alice, title="Kept", credits=5)
    before = ("Kept", 5, course.version)
    etag = api.get(detail(course)).header("ETag") or '"none"'
    reply = api.put(detail(course), {"credits": 7}, headers={**as_alice, "If-Match": etag})
    expect_status(
        reply,
        400,
        "a PUT replaces the whole course, and this one has no title (E2)",
        mistake="Pass partial=kwargs.pop('partial', False) to get_serializer(): True only for "
        "PATCH, and validate with is_valid(raise_exception=True) before saving.",
    )
    expect_unchanged(course, before, reply)
    reply = api.patch(detail(course), {"credits": 7}, headers={**as_alice, "If-Match": etag})
    expect_status(
        reply,
        200,
        "a PATCH changes the fields it sends, here credits alone (E2)",
        mistake="Pass partial=True to get_serializer() for a PATCH (update(partial=True)).",
    )
    course.refresh_from_db()
    expect(
        (course.title, course.credits) == ("Kept", 7),
        reply,
        "title Kept and credits 7 in the database",
        "the PATCH changed credits and left the title (E2)",
    )


# ------------------------------------------------------------------ E3: caching by who asks

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@E3
def test_e3_the_catalogue_may_be_cached_by_anyone_for_60_seconds(api, make_course):
    """The catalogue answers Cache-Control: public, max-age=60, and nothing private."""
    make_course(code="CAT101", title="Caching")
    reply = api.get(catalogue())
    expect_status(reply, 200, "anyone may read the catalogue (E3)")
    found = directives(reply)
    expect(
        "public" in found
        and found["public"] is None
        and found.get("max-age") == "60"
        and not {"private", "no-store", "no-cache"} & found.keys(),
        reply,
        "Cache-Control: public, max-age=60 (and no private, no-store or no-cache)",
        "the catalogue is the same for everyone, so any cache may keep it for a minute (E3)",
        mistake="cache_control(public=True, max_age=CATALOGUE_MAX_AGE) in PUBLIC.",
    )
    expect(
        titles(reply) == ["Caching"],
        reply,
        '[{"code": "CAT101", "title": "Caching", ...}]',
        "the catalogue lists every course (E3)",
    )


@E3
def test_e3_the_catalogue_is_served_from_the_cache_for_60_seconds(api, login, make_course):
    """For 60 seconds the catalogue comes from Django's cache, for everyone; then it is built again."""
    _, as_alice = login()
    with time_machine.travel(START, tick=False) as clock:
        course = make_course(code="CAT102", title="Cached")
        first = api.get(catalogue())
        expect_status(first, 200, "anyone may read the catalogue (E3)")
        VersionedCourse.objects.filter(pk=course.pk).update(title="Renamed")
        clock.move_to(START + timedelta(seconds=59))
        for who, headers in (("anonymous", {}), ("alice", as_alice)):
            reply = api.get(catalogue(), headers=headers)
            expect(
                titles(reply) == ["Cached"],
                reply,
                f'"title": "Cached" as {who} 59 seconds later: the copy in the cache',
                "the course was renamed in the database, but the catalogue is cached for 60 "
                "seconds, one copy for everyone (E3)",
                mistake="Wrap Catalogue in cache_page(CATALOGUE_MAX_AGE) (PUBLIC, applied with "
                "method_decorator(..., name='dispatch')); Cache-Control alone keeps no copy on "
                "the server.",
            )
        clock.move_to(START + timedelta(seconds=61))
        reply = api.get(catalogue())
        expect(
            titles(reply) == ["Renamed"],
            reply,
            '"title": "Renamed" 61 seconds later',
            "the cached copy lives 60 seconds, as max-age says (E3)",
            mistake="cache_page(CATALOGUE_MAX_AGE): the cache keeps the copy as long as "
            "max-age lets clients keep theirs.",
        )


@E3
def test_e3_my_courses_are_private_and_vary_on_credentials(api, login, make_course):
    """My courses answer Cache-Control private (or no-store) and Vary: Authorization, Cookie."""
    alice, as_alice = login()
    make_course(code="MY101", title="Alice's", owner=alice)
    reply = api.get(reverse("l16:my-courses"), headers=as_alice)
    expect_status(reply, 200, "a logged-in user reads their own courses (E3)")
    found = directives(reply)
    expect(
        (found.get("private", "absent") is None or found.get("no-store", "absent") is None)
        and "public" not in found,
        reply,
        "Cache-Control with private or no-store, and without public",
        "the reply depends on who asks: no shared cache may keep it (E3)",
        mistake="cache_control(private=True, ...) in PRIVATE, never public.",
    )
    expect(
        {"authorization", "cookie"} <= vary(reply),
        reply,
        "Vary with Authorization and Cookie",
        "a cache must tell callers apart by their credentials, whichever way they log in (E3)",
        mistake="vary_on_headers('Authorization', 'Cookie') in PRIVATE (or "
        "django.utils.cache.patch_vary_headers on the response).",
    )
    expect(
        titles(reply) == ["Alice's"],
        reply,
        "[Alice's]",
        "my courses are the caller's own courses (E3)",
    )


@E3
def test_e3_my_courses_need_a_login(api, login, make_course):
    """Without credentials, my courses answer 401 or 403: there is no caller whose courses to list."""
    alice, as_alice = login()
    make_course(code="MY301", title="Alice's", owner=alice)
    mine = api.get(reverse("l16:my-courses"), headers=as_alice)
    expect(titles(mine) == ["Alice's"], mine, "[Alice's]", "alice owns MY301 (E3)")
    reply = api.get(reverse("l16:my-courses"))
    expect(
        reply.status in (401, 403),
        reply,
        "401 or 403",
        "my courses are the caller's own, and an anonymous caller has none to list (E3)",
        mistake="Keep MyCourses' permission_classes = [IsAuthenticated] as given.",
    )


@E3
def test_e3_my_courses_never_come_from_a_cache(api, login, make_course):
    """Two users through the same cache each get their own courses, and a change shows at once."""
    alice, as_alice = login()
    bob, as_bob = login()
    _, as_carol = login()  # owns nothing
    mine = make_course(code="MY201", title="Alice's", owner=alice)
    make_course(code="MY202", title="Bob's", owner=bob)
    make_course(code="MY203", title="Nobody's")
    url = reverse("l16:my-courses")
    first = api.get(url, headers=as_alice)
    expect(titles(first) == ["Alice's"], first, "[Alice's]", "alice owns MY201 only (E3)")
    for who, headers, expected in (("bob", as_bob, ["Bob's"]), ("carol", as_carol, [])):
        reply = api.get(url, headers=headers)
        expect(
            titles(reply) == expected,
            reply,
            f"{expected}: {who}'s own courses",
            f"{who} asked after alice, through the same cache: a per-user reply must never be "
            "served to another user (E3)",
            mistake="Never cache_page a reply that depends on the user, and never mark it public.",
        )
    VersionedCourse.objects.filter(pk=mine.pk).update(title="Alice's, renamed")
    reply = api.get(url, headers=as_alice)
    expect(
        titles(reply) == ["Alice's, renamed"],
        reply,
        "[Alice's, renamed]",
        "my courses are never served from the server's cache: the change shows at once (E3)",
        mistake="Never cache_page a reply that depends on the user.",
    )


# ------------------------------------------------------------------ E4: versions side by side

DEPRECATION = "@1767225600"  # 2026-01-01T00:00:00Z as an RFC 9745 structured-field date
SUNSET = "Thu, 01 Jul 2027 00:00:00 GMT"  # 2027-07-01T00:00:00Z as an HTTP-date


def rows(reply) -> list:
    return reply.data if isinstance(reply.data, list) else []


@E4
@pytest.mark.parametrize(
    ("version", "keys"),
    [("v1", {"code", "title", "credits"}), ("v2", {"code", "name", "credits"})],
)
def test_e4_v1_and_v2_side_by_side(api, make_course, version, keys):
    """/v1/catalogue/ names a course `title`, /v2/catalogue/ names it `name`."""
    make_course(code="VER101", title="Versions", credits=4)
    reply = api.get(catalogue(version))
    expect_status(reply, 200, f"{version} is a version the catalogue serves (E4)")
    name_key = "title" if version == "v1" else "name"
    expected = {"code": "VER101", name_key: "Versions", "credits": 4}
    expect(
        rows(reply) == [expected],
        reply,
        f"[{expected}]",
        f"each version keeps its own representation: {version}'s fields are {sorted(keys)} (E4)",
        mistake="get_serializer_class() picks by self.request.version, which URLPathVersioning "
        "reads from the path.",
    )


@E4
@pytest.mark.parametrize(
    ("path_version", "query_version"), [("v2", "v1"), ("v1", "v2")], ids=["v2-path", "v1-path"]
)
def test_e4_the_version_comes_from_the_path_only(api, make_course, path_version, query_version):
    """A ?version= in the query changes nothing: URLPathVersioning reads the path."""
    make_course(code="VER102", title="Path")
    url = catalogue(path_version)
    reply = api.get(url, params={"version": query_version})
    key = "title" if path_version == "v1" else "name"
    expect(
        bool(rows(reply)) and key in rows(reply)[0],
        reply,
        f"the {path_version} representation (a `{key}` field)",
        "the scheme in use puts the version in the path; a query parameter it does not read "
        "must not change the answer (E4)",
        mistake="Read request.version, never request.query_params['version'].",
    )


@E4
def test_e4_v1_is_deprecated_with_a_date_and_a_sunset(api, make_course):
    """v1 answers Deprecation: @<epoch> and Sunset: <HTTP-date>; v2 answers neither."""
    make_course(code="VER103")
    old = api.get(catalogue("v1"))
    expect_status(old, 200, "v1 still answers until its sunset (E4)")
    expect(
        old.header("Deprecation") == DEPRECATION,
        old,
        f"Deprecation: {DEPRECATION}",
        "RFC 9745 writes the date as a structured-field date, @ and the seconds since the "
        "epoch, here of V1_DEPRECATED_ON (E4)",
        mistake='f"@{int(V1_DEPRECATED_ON.timestamp())}": not true, not an HTTP-date.',
    )
    expect(
        old.header("Sunset") == SUNSET,
        old,
        f"Sunset: {SUNSET}",
        "RFC 8594 writes the sunset as an HTTP-date, here of V1_SUNSET_ON (E4)",
        mistake="django.utils.http.http_date(V1_SUNSET_ON.timestamp()).",
    )
    new = api.get(catalogue("v2"))
    expect_status(new, 200, "v2 is the current version (E4)")
    expect(
        new.header("Deprecation") is None and new.header("Sunset") is None,
        new,
        "no Deprecation and no Sunset header",
        "v2 is current: only v1 is deprecated (E4)",
        mistake="Set the two headers only when request.version == 'v1'.",
    )


@E4
@pytest.mark.parametrize("version", ["v3", "v0"])
def test_e4_an_unknown_version_is_a_404(api, make_course, version):
    """A version the catalogue does not serve answers 404."""
    make_course(code="VER104")
    reply = api.get(catalogue(version))
    expect_status(
        reply,
        404,
        f"there is no {version} of the catalogue: URLPathVersioning answers 404 (Invalid "
        "version in URL path) for a version outside allowed_versions (E4)",
        mistake="allowed_versions = ['v1', 'v2'] on CatalogueVersioning.",
    )


def schema_fields(schema, path) -> set[str]:
    """The fields of one catalogue entry in the 200 answer of GET `path`, from an OpenAPI schema."""
    operation = schema.get("paths", {}).get(path, {}).get("get", {})
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    body = next(iter(content.values()), {}).get("schema", {})
    item = body.get("items", {})
    ref = item.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        item = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return set(item.get("properties", {}))


@E4
@pytest.mark.parametrize(
    ("asked", "version", "keys"),
    [
        ("v1", "v1", {"code", "title", "credits"}),
        ("v2", "v2", {"code", "name", "credits"}),
        (None, "v2", {"code", "name", "credits"}),
    ],
    ids=["v1", "v2", "no-version-asked"],
)
def test_e4_the_docs_show_each_version(api, asked, version, keys):
    """/schema/16/?version=v1 documents v1, ?version=v2 and no version at all document v2."""
    params = {"format": "json"}
    if asked:
        params["version"] = asked
    reply = api.get(reverse("schema-16"), params=params)
    expect_status(reply, 200, "the lesson's OpenAPI schema builds (E4)")
    schema = reply.data if isinstance(reply.data, dict) else {}
    path = catalogue(version)
    fields = schema_fields(schema, path)
    expect(
        fields == keys,
        reply,
        f"GET {path} documented with a 200 whose items have the fields {sorted(keys)}",
        "drf-spectacular builds the docs of one version at a time, the one asked for or the "
        "versioning class's default_version, and reads each version's serializer from "
        "get_serializer_class() (E4)",
        mistake="default_version = 'v2' on CatalogueVersioning, and get_serializer_class() "
        "reading self.request.version.",
    )
