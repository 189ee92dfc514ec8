"""Graded tests for lesson 05: generic views for courses (lessons/l05_generic_views/exercise.py).

Lesson 07 serves this same API with viewsets: the checks both lessons grade alike are in
courses_api.py, and the tests below call them with this lesson's URLs and exercise ids.
"""

import pytest
from courses_api import (
    MISSING_CODE,
    SCOPED,
    check_a_course_added_between_two_requests_shows_up,
    check_anonymous_request_answers_401,
    check_anyone_can_list_every_course,
    check_catalogue_is_read_only,
    check_create_makes_you_the_owner,
    check_delete_a_course_with_students_answers_409,
    check_invalid_body_answers_400,
    check_lists_only_your_courses,
    check_malformed_json_answers_400,
    check_search_keeps_the_titles_that_contain_it,
    check_someone_elses_course_answers_404,
    codes,
    with_body,
)
from django.urls import reverse
from rest_framework.exceptions import APIException

from course.testing import expect, expect_status
from playground_project.domain.models import Course

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")
E4 = pytest.mark.exercise("E4")

LOOKUP = (
    "A 500 saying 'Expected view CourseDetail to be called with a URL keyword argument named ...' "
    'means lookup_field does not match the URL: it says <str:code>, so set lookup_field = "code".'
)


def url(name, **kwargs):
    """reverse() in this lesson's namespace, l05."""
    return reverse(f"l05:{name}", kwargs=kwargs)


def course_url(code):
    return url("course-detail", code=code)


def students_url(code):
    return url("course-students", code=code)


def catalogue_url(code):
    return url("catalogue-detail", code=code)


# ------------------------------------------------------------------ E1: list and create


@E1
def test_e1_lists_only_your_courses(api, login, make_course):
    """GET on the collection lists the logged-in user's courses, ordered by code, and no one else's."""
    check_lists_only_your_courses(api, login, make_course, url, "E1")


@E1
def test_e1_create_answers_201_and_makes_you_the_owner(api, login):
    """POST with a valid body creates the course, owned by the logged-in user, and answers 201."""
    reply, alice = check_create_makes_you_the_owner(api, login, url, "E1")
    expect(
        isinstance(reply.data, dict) and reply.data.get("owner") == alice.username,
        reply,
        f'the new course, with "owner": "{alice.username}"',
        "the reply shows the course as saved (E1)",
    )


@E1
def test_e1_invalid_body_answers_400_and_saves_nothing(api, login):
    """POST without the required fields answers 400 with an error per field and saves nothing."""
    _, as_alice = login()
    reply = check_invalid_body_answers_400(api, url, as_alice, "E1")
    expect(
        not Course.objects.exists(), reply, "no course saved", "an invalid body saves nothing (E1)"
    )


@E1
def test_e1_malformed_json_answers_400(api, login):
    """A body that is not valid JSON answers 400, not a server error."""
    _, as_alice = login()
    check_malformed_json_answers_400(api, url, as_alice, "E1")


@E1
def test_e1_anonymous_request_answers_401(api):
    """Without a login the collection answers 401 and asks for Basic credentials."""
    check_anonymous_request_answers_401(api, url, "E1")


@E1
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_e1_collection_answers_405_to_other_methods(api, login, method):
    """The collection answers GET and POST only; other methods are 405 with an Allow header."""
    _, as_alice = login()
    reply = api.request(method, url("course-list"), headers=as_alice, **with_body(method, {}))
    expect_status(
        reply,
        405,
        f"the collection lists and creates; {method} belongs to one course (E1)",
        mistake="Extend ListCreateAPIView, which has get() and post() only.",
    )
    allowed = {m.strip() for m in (reply.header("Allow") or "").split(",")}
    expect(
        allowed == {"GET", "POST", "HEAD", "OPTIONS"},
        reply,
        "Allow: GET, POST, HEAD, OPTIONS",
        "a 405 says which methods the URL does answer (E1)",
        mistake="HEAD or OPTIONS missing means http_method_names was narrowed, which refuses "
        "them too: leave it alone, ListCreateAPIView's handlers already decide.",
    )


# ------------------------------------------------------------------ E2: one course by code


@E2
def test_e2_get_answers_your_course(api, login, make_course):
    """GET on one of your courses, by its code, answers 200 with it."""
    alice, as_alice = login()
    make_course(code="DRF101", title="REST APIs", owner=alice)
    reply = api.get(course_url("DRF101"), headers=as_alice)
    expect_status(reply, 200, "DRF101 is one of their courses (E2)", mistake=LOOKUP)
    expect(
        isinstance(reply.data, dict) and reply.data.get("code") == "DRF101",
        reply,
        "the course DRF101 as JSON",
        "GET on a detail URL answers that one course (E2)",
    )


@E2
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_e2_missing_course_answers_404(api, login, method):
    """Every method on a code that no course has answers 404."""
    _, as_alice = login()
    body = with_body(method, {"code": "X1", "title": "X"})
    reply = api.request(method, course_url(MISSING_CODE), headers=as_alice, **body)
    expect_status(reply, 404, f"there is no course {MISSING_CODE} (E2)", mistake=LOOKUP)


@E2
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_e2_someone_elses_course_answers_404_not_403(api, login, make_course, method):
    """Someone else's course is not in your queryset: 404, as if it did not exist, and it stays as it was."""
    check_someone_elses_course_answers_404(
        api,
        login,
        make_course,
        url,
        method,
        "E2",
        status_mistake=f"{SCOPED} CourseDetail needs the same get_queryset() as CourseList.",
    )


@E2
def test_e2_put_replaces_your_course(api, login, make_course):
    """PUT with a complete body replaces the course and answers 200 with it."""
    alice, as_alice = login()
    course = make_course(code="OLD1", title="Old title", credits=5, owner=alice)
    body = {"code": "NEW1", "title": "New title", "credits": 10}
    reply = api.put(course_url("OLD1"), body, headers=as_alice)
    expect_status(reply, 200, "the body is a complete, valid course (E2)", mistake=LOOKUP)
    course.refresh_from_db()
    expect(
        (course.code, course.title, course.credits, course.owner_id)
        == ("NEW1", "New title", 10, alice.pk),
        reply,
        "the course saved as NEW1 / New title / 10 credits, same owner",
        "PUT replaces the stored course (E2)",
    )


@E2
def test_e2_put_needs_every_required_field_but_patch_does_not(api, login, make_course):
    """The same body missing `code` is a 400 for PUT (replace) and a 200 for PATCH (change)."""
    alice, as_alice = login()
    course = make_course(code="KEEP1", title="Before", owner=alice)
    body = {"title": "After"}
    put = api.put(course_url("KEEP1"), body, headers=as_alice)
    expect_status(put, 400, "PUT replaces the whole course and this body has no `code` (E2)")
    course.refresh_from_db()
    expect(
        course.title == "Before", put, "the course unchanged", "a rejected PUT saves nothing (E2)"
    )
    patch = api.patch(course_url("KEEP1"), body, headers=as_alice)
    expect_status(patch, 200, "PATCH changes only the fields it sends (E2)")
    course.refresh_from_db()
    expect(
        (course.code, course.title) == ("KEEP1", "After"),
        patch,
        "title After, code still KEEP1",
        "PATCH keeps the fields it does not send (E2)",
    )


@E2
def test_e2_delete_answers_204_then_the_course_is_gone(api, login, make_course):
    """DELETE answers 204 with no body; afterwards the course's URL answers 404."""
    alice, as_alice = login()
    make_course(code="GONE1", owner=alice)
    reply = api.delete(course_url("GONE1"), headers=as_alice)
    expect_status(reply, 204, "a successful DELETE has nothing left to show (E2)", mistake=LOOKUP)
    expect(
        not Course.objects.filter(code="GONE1").exists(),
        reply,
        "the course deleted from the database",
        "DELETE must delete (E2)",
    )
    again = api.get(course_url("GONE1"), headers=as_alice)
    expect_status(again, 404, "the course was deleted a moment ago (E2)")


@E2
def test_e2_delete_a_course_with_students_answers_409(api, login, make_course, make_student, enrol):
    """A course that students are enrolled in is not deleted: 409 Conflict with CourseHasStudents' detail, and the enrolments stay."""
    reply = check_delete_a_course_with_students_answers_409(
        api, login, make_course, make_student, enrol, url, "E2"
    )
    detail = reply.data.get("detail") if isinstance(reply.data, dict) else None
    expect(
        isinstance(detail, str) and detail and detail != APIException.default_detail,
        reply,
        '{"detail": "Students are enrolled in this course: unenrol them first."}, the given message',
        "the client must learn why the course stays (E2)",
        mistake=(
            "Raise the given CourseHasStudents as it is, with its default_detail: without it the "
            f"detail is APIException's {APIException.default_detail!r}."
        ),
    )


@E2
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_e2_anonymous_request_answers_401(api, login, make_course, method):
    """Without a login, one course's URL answers 401 and asks for Basic credentials, as the collection does."""
    owner, _ = login()
    course = make_course(code="MINE5", title="Mine", owner=owner)
    reply = api.request(
        method, course_url("MINE5"), **with_body(method, {"code": "MINE5", "title": "Anonymous"})
    )
    expect_status(
        reply,
        401,
        f"only logged-in users have courses of their own, so {method} needs a login (E2)",
        mistake=(
            "Give CourseDetail authentication_classes = AUTHENTICATION (Basic first) and "
            "permission_classes = [IsAuthenticated], as CourseList: DRF's defaults answer 403, "
            "or let the request reach get_queryset() with an anonymous user."
        ),
    )
    expect(
        (reply.header("WWW-Authenticate") or "").startswith("Basic"),
        reply,
        'a WWW-Authenticate: Basic realm="api" header',
        "the first authentication class, Basic, tells the client how to log in (E2)",
    )
    course.refresh_from_db()
    expect(
        course.title == "Mine",
        reply,
        "the course unchanged",
        "a refused request must not change anything (E2)",
    )


@E2
def test_e2_post_answers_405(api, login, make_course):
    """One course's URL does not answer POST: courses are created on the collection."""
    alice, as_alice = login()
    make_course(code="ONE1", owner=alice)
    reply = api.post(course_url("ONE1"), {"code": "X1", "title": "X"}, headers=as_alice)
    expect_status(
        reply,
        405,
        "POST belongs to the collection, not to one course (E2)",
        mistake="Extend RetrieveUpdateDestroyAPIView, which has no post(). A 201 means "
        "CourseDetail has one anyway, for instance inherited from CourseList: repeat the "
        "attributes (or share constants), not another view's handlers.",
    )


# ------------------------------------------------------------------ E3: a course's students


@E3
def test_e3_lists_the_students_of_your_course_by_name(api, login, make_course, make_student, enrol):
    """GET lists the students enrolled in one of your courses, ordered by name, and no others."""
    alice, as_alice = login()
    course = make_course(code="MINE1", owner=alice)
    other = make_course(code="MINE2", owner=alice)
    enrol(course, *(make_student(name=n) for n in ("Zoe", "Adam", "Mia")))
    enrol(other, make_student(name="Not in MINE1"))
    reply = api.get(students_url("MINE1"), headers=as_alice)
    expect_status(reply, 200, "MINE1 is one of their courses (E3)")
    names = [s.get("name") for s in reply.data or [] if isinstance(s, dict)]
    expect(
        names == ["Adam", "Mia", "Zoe"],
        reply,
        '["Adam", "Mia", "Zoe"]',
        "only this course's students, ordered by name (E3)",
        mistake='Student.Meta orders by id: return course.students...order_by("name").',
    )


@E3
def test_e3_someone_elses_course_answers_404(api, login, make_course, make_student, enrol):
    """The students of someone else's course are not yours to see: 404."""
    bob, _ = login()
    _, as_alice = login()
    enrol(make_course(code="BOB2", owner=bob), make_student(name="Bob's student"))
    reply = api.get(students_url("BOB2"), headers=as_alice)
    expect_status(
        reply,
        404,
        "BOB2 belongs to someone else (E3)",
        mistake="Look the course up with its owner too: get_object_or_404(Course, code=..., owner=self.request.user).",
    )


@E3
def test_e3_missing_course_answers_404(api, login):
    """The students of a course that does not exist: 404."""
    _, as_alice = login()
    reply = api.get(students_url(MISSING_CODE), headers=as_alice)
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_CODE} (E3)",
        mistake="Find the course with get_object_or_404 in get_queryset(), not Course.objects.get().",
    )


@E3
def test_e3_anonymous_request_answers_401(api, make_course, make_student, enrol):
    """Logged-in users only, like E1: without a login the students of a course answer 401."""
    enrol(make_course(code="ANON3"), make_student(name="Hidden"))
    reply = api.get(students_url("ANON3"))
    expect_status(
        reply,
        401,
        "only logged-in users have courses of their own, and so students in them (E3)",
        mistake="Set authentication_classes = AUTHENTICATION and permission_classes = [IsAuthenticated].",
    )


@E3
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_e3_is_read_only(api, login, make_course, method):
    """This URL only reads: writing methods answer 405."""
    alice, as_alice = login()
    make_course(code="MINE3", owner=alice)
    reply = api.request(method, students_url("MINE3"), headers=as_alice, **with_body(method, {}))
    expect_status(
        reply,
        405,
        f"a course's students are read-only here, so {method} is not allowed (E3)",
        mistake="Extend ListAPIView, which has get() only.",
    )


# ------------------------------------------------------------------ E4: the catalogue


@E4
def test_e4_anyone_can_list_every_course(api, login, make_course):
    """Anonymous clients get every course, whoever owns it, ordered by code."""
    check_anyone_can_list_every_course(
        api,
        login,
        make_course,
        url,
        "E4",
        mistake="permission_classes = [AllowAny]. A 500 from a RuntimeError means get_queryset() returned self.queryset: start from super().get_queryset().",
    )


@E4
def test_e4_search_keeps_the_titles_that_contain_it(api, make_course):
    """`?search=` keeps the courses whose title contains it, whatever the case."""
    check_search_keeps_the_titles_that_contain_it(
        api, make_course, url, "E4", because="?search= filters on the title with title__icontains"
    )


@E4
@pytest.mark.parametrize("search", ["", None], ids=["empty", "absent"])
def test_e4_an_empty_or_absent_search_keeps_every_course(api, make_course, search):
    """`?search=` with nothing after it filters nothing, as no `search` at all."""
    make_course(code="S1", title="REST APIs with Django")
    make_course(code="S2", title="Relational databases")
    params = {} if search is None else {"search": search}
    reply = api.get(url("catalogue-list"), params=params)
    expect_status(reply, 200, "search is an optional filter (E4)")
    expect(
        codes(reply) == ["S1", "S2"],
        reply,
        '["S1", "S2"]: every course, by code',
        "an empty search has nothing to filter on, so it keeps every course (E4)",
        mistake="Filter only when the parameter has a value: if search: ...",
    )


@E4
def test_e4_a_course_added_between_two_requests_shows_up(api, make_course):
    """Each request reads the database again: a course added after one GET is in the next."""
    check_a_course_added_between_two_requests_shows_up(
        api,
        make_course,
        url,
        "E4",
        first_mistake="A 500 from 'RuntimeError: Do not evaluate the `.queryset` attribute directly' means get_queryset() returned self.queryset: start from super().get_queryset().",
        mistake="Did get_queryset() return a QuerySet stored on the class or the module? Build it per request from super().get_queryset().",
    )


@E4
def test_e4_read_one_course_by_code(api, make_course):
    """Anyone can read one course of the catalogue by its code; a missing code is 404."""
    make_course(code="ONE9", title="One course")
    reply = api.get(catalogue_url("ONE9"))
    expect_status(
        reply,
        200,
        "ONE9 is in the catalogue, which is public (E4)",
        mistake='CatalogueDetail extends RetrieveAPIView with lookup_field = "code" (the model field; '
        "lookup_url_kwarg alone leaves it comparing the code with pk) and permission_classes = [AllowAny].",
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("title") == "One course",
        reply,
        "the course ONE9 as JSON",
        "GET on a detail URL answers that one course (E4)",
    )
    missing = api.get(catalogue_url(MISSING_CODE))
    expect_status(missing, 404, f"there is no course {MISSING_CODE} (E4)")


@E4
@pytest.mark.parametrize(
    ("method", "where"),
    [("POST", "list"), ("PUT", "detail"), ("PATCH", "detail"), ("DELETE", "detail")],
    ids=["POST-list", "PUT-detail", "PATCH-detail", "DELETE-detail"],
)
def test_e4_catalogue_is_read_only(api, login, make_course, method, where):
    """Nobody writes through the catalogue, not even a logged-in user: 405."""
    check_catalogue_is_read_only(
        api,
        login,
        make_course,
        url,
        method,
        where,
        "E4",
        mistake="Extend ListAPIView and RetrieveAPIView: they have get() only.",
    )


@E4
@pytest.mark.parametrize(
    ("method", "where"),
    [("GET", "list"), ("GET", "detail"), ("POST", "list"), ("DELETE", "detail")],
    ids=["GET-list", "GET-detail", "POST-list", "DELETE-detail"],
)
def test_e4_the_catalogue_needs_no_login(api, make_course, method, where):
    """AllowAny: an anonymous client reads it (200), and its writes are 405 as anyone's, never 401."""
    make_course(code="PUB1", title="Public")
    address = url("catalogue-list") if where == "list" else catalogue_url("PUB1")
    reply = api.request(method, address, **with_body(method, {"code": "PUB2", "title": "X"}))
    expected = 200 if method == "GET" else 405
    expect_status(
        reply,
        expected,
        f"the catalogue needs no login: GET answers anyone, and {method} on it "
        f"is {expected} for everybody (E4)",
        mistake=(
            "permission_classes = [AllowAny]: IsAuthenticatedOrReadOnly would ask an anonymous "
            "client to log in (401) for a write that nobody may make."
        ),
    )
