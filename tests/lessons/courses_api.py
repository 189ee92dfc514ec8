"""Checks shared by the graded tests of lessons 05 and 07, which serve the same course API.

Lesson 07 rebuilds lesson 05's generic views as viewsets behind a router, so the same requests
must get the same answers. Each check here is the body of one test, or of its common part:
the test files keep the test functions, their exercise markers, docstrings and fixtures, and
call these with what differs between the lessons:

- `url(name, **kwargs)`: the lesson's reverse(), in its own namespace (l05 or l07);
- `ex`: the exercise the check grades, "E1", named at the end of every `because`;
- `mistake=`: the hint for the mistake that lesson's exercise makes likely.

pytest collects no tests from this module: its name does not start with `test_`.
"""

from course.testing import expect, expect_status
from playground_project.domain.models import Course

MISSING_CODE = "NOPE999"
SCOPED = (
    "Did get_queryset() keep only the logged-in user's courses, "
    "super().get_queryset().filter(owner=self.request.user)?"
)


def codes(reply):
    """The `code` of each course in a JSON list, in order ([] when the body is not a list)."""
    items = reply.data if isinstance(reply.data, list) else []
    return [item.get("code") for item in items if isinstance(item, dict)]


def with_body(method, body):
    """The keyword arguments that send `body` as JSON, for the methods that carry one."""
    return {"json": body} if method in ("POST", "PUT", "PATCH") else {}


# ------------------------------------------------------------------ your courses


def check_lists_only_your_courses(api, login, make_course, url, ex):
    """GET on the collection lists the logged-in user's courses, ordered by code, and no one else's."""
    alice, as_alice = login()
    bob, _ = login()
    make_course(code="A2", owner=alice)
    make_course(code="A1", owner=alice)
    make_course(code="B1", owner=bob)
    reply = api.get(url("course-list"), headers=as_alice)
    expect_status(reply, 200, f"a logged-in user may list their courses ({ex})")
    expect(
        codes(reply) == ["A1", "A2"],
        reply,
        'the codes ["A1", "A2"]: their own two courses, by code',
        f"the list holds only the logged-in user's courses ({ex})",
        mistake=SCOPED,
    )


def check_create_makes_you_the_owner(api, login, url, ex):
    """POST with a valid body answers 201 and saves the course with the logged-in user as owner.

    Returns the reply and the user, for a lesson's further checks.
    """
    alice, as_alice = login()
    body = {"code": "API300", "title": "API design", "credits": 10}
    reply = api.post(url("course-list"), body, headers=as_alice)
    expect_status(reply, 201, f"a valid POST creates a course ({ex})")
    course = Course.objects.filter(code="API300").first()
    expect(
        course is not None and course.owner_id == alice.pk,
        reply,
        f"course API300 saved with owner {alice.username}",
        f"the logged-in user owns what they create ({ex})",
        mistake="Override perform_create(self, serializer) to call serializer.save(owner=self.request.user).",
    )
    return reply, alice


def check_invalid_body_answers_400(api, url, headers, ex):
    """POST without the required fields answers 400 with an error per field; returns the reply."""
    reply = api.post(url("course-list"), {"title": ""}, headers=headers)
    expect_status(reply, 400, f"`code` is missing and `title` is blank ({ex})")
    expect(
        isinstance(reply.data, dict) and {"code", "title"} <= set(reply.data),
        reply,
        "errors keyed by field, under both `code` and `title`",
        f"create() answers serializer.errors when the body is invalid ({ex})",
        mistake="Errors under other fields mean another serializer validated the body: "
        "serializer_class = CourseSerializer.",
    )
    return reply


def check_malformed_json_answers_400(api, url, headers, ex):
    """A body that is not valid JSON answers 400, not a server error; returns the reply."""
    reply = api.post(
        url("course-list"),
        content='{"code": "BAD", "title": ',
        content_type="application/json",
        headers=headers,
    )
    expect_status(reply, 400, f"the body is not valid JSON, which is the client's fault ({ex})")
    return reply


def check_anonymous_request_answers_401(api, url, ex):
    """Without a login the collection answers 401 and asks for Basic credentials."""
    reply = api.get(url("course-list"))
    expect_status(
        reply,
        401,
        f"only logged-in users have courses of their own ({ex})",
        mistake="Set authentication_classes = AUTHENTICATION and permission_classes = [IsAuthenticated].",
    )
    expect(
        (reply.header("WWW-Authenticate") or "").startswith("Basic"),
        reply,
        'a WWW-Authenticate: Basic realm="api" header',
        f"the first authentication class, Basic, tells the client how to log in ({ex})",
    )


def check_someone_elses_course_answers_404(
    api, login, make_course, url, method, ex, *, status_mistake=None, unchanged_mistake=None
):
    """`method` on someone else's course answers 404, and the course stays as it was."""
    bob, _ = login()
    _, as_alice = login()
    make_course(code="BOB1", title="Bob's course", owner=bob)
    body = with_body(method, {"code": "BOB1", "title": "Taken over"})
    reply = api.request(method, url("course-detail", code="BOB1"), headers=as_alice, **body)
    expect_status(
        reply,
        404,
        f"BOB1 belongs to someone else, so for this user it does not exist ({ex})",
        mistake=status_mistake,
    )
    expect(
        Course.objects.filter(code="BOB1", title="Bob's course", owner=bob).exists(),
        reply,
        "BOB1 unchanged in the database",
        f"a user must never change someone else's course ({ex})",
        mistake=unchanged_mistake,
    )


def check_delete_a_course_with_students_answers_409(
    api, login, make_course, make_student, enrol, url, ex
):
    """DELETE on a course with enrolled students answers 409 Conflict and deletes nothing.

    Returns the reply, for a lesson that grades its body too.
    """
    alice, as_alice = login()
    course = make_course(code="BUSY1", owner=alice)
    enrol(course, make_student())
    reply = api.delete(url("course-detail", code="BUSY1"), headers=as_alice)
    expect_status(
        reply,
        409,
        f"deleting the course would delete its enrolments with it ({ex})",
        mistake="Override perform_destroy(self, instance): raise CourseHasStudents() when instance.enrolments.exists().",
    )
    expect(
        course.enrolments.exists(),
        reply,
        "the course and its enrolment still in the database",
        f"a refused DELETE deletes nothing ({ex})",
    )
    return reply


# ------------------------------------------------------------------ the catalogue


def check_anyone_can_list_every_course(api, login, make_course, url, ex, *, mistake):
    """Anonymous clients get every course of the catalogue, whoever owns it, ordered by code."""
    bob, _ = login()
    make_course(code="CAT2", owner=bob)
    make_course(code="CAT1")
    reply = api.get(url("catalogue-list"))
    expect_status(reply, 200, f"the catalogue is public ({ex})", mistake=mistake)
    expect(
        codes(reply) == ["CAT1", "CAT2"],
        reply,
        '["CAT1", "CAT2"]: every course, by code',
        f"the catalogue lists all courses, not only someone's ({ex})",
    )


def check_search_keeps_the_titles_that_contain_it(api, make_course, url, ex, *, because):
    """`?search=api` on the catalogue's list keeps S1 and S3, whose titles contain it in any case.

    `because` says what the search filters, without the exercise id.
    """
    make_course(code="S1", title="REST APIs with Django")
    make_course(code="S2", title="Relational databases")
    make_course(code="S3", title="Designing an API")
    reply = api.get(url("catalogue-list"), params={"search": "api"})
    expect_status(
        reply,
        200,
        f"search is an optional filter ({ex})",
        mistake="A 500 with FieldError means the filter names a field that Course does not "
        "have: filter on title__icontains.",
    )
    expect(
        codes(reply) == ["S1", "S3"],
        reply,
        '["S1", "S3"]: the two titles that contain "api"',
        f"{because} ({ex})",
        mistake="Filter the courses' title with title__icontains (a course has no `name`; "
        "__iexact or __istartswith keep fewer titles than the text asks for).",
    )


def check_a_course_added_between_two_requests_shows_up(
    api, make_course, url, ex, *, first_mistake=None, mistake
):
    """A course added after one GET of the catalogue is in the next: each request reads again."""
    make_course(code="OLD9")
    first = api.get(url("catalogue-list"))
    expect_status(first, 200, f"the catalogue is public ({ex})", mistake=first_mistake)
    make_course(code="NEW9")
    second = api.get(url("catalogue-list"))
    expect(
        "NEW9" in codes(second),
        second,
        "NEW9, created after the first GET, in the list",
        f"a QuerySet that outlives a request keeps the rows it fetched the first time ({ex})",
        mistake=mistake,
    )


def check_catalogue_is_read_only(api, login, make_course, url, method, where, ex, *, mistake):
    """`method` on the catalogue's list or on one of its courses (`where`) answers 405."""
    alice, as_alice = login()
    make_course(code="RO1", owner=alice)
    address = url("catalogue-list") if where == "list" else url("catalogue-detail", code="RO1")
    body = with_body(method, {"code": "RO2", "title": "Written"})
    reply = api.request(method, address, headers=as_alice, **body)
    expect_status(
        reply,
        405,
        f"the catalogue only reads, so {method} is not allowed ({ex})",
        mistake=mistake,
    )
