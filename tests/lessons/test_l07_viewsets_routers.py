"""Graded tests for lesson 07: viewsets and routers (lessons/l07_viewsets_routers/exercise.py).

Lesson 07 rebuilds lesson 05's course API, so these tests hold it to lesson 05's contract:
the same URLs under /lessons/07/, the same methods in each Allow header, and the same
answers to the same requests. The checks both lessons grade alike are in courses_api.py; the
tests below call them with this lesson's URLs and exercise ids.
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
    with_body,
)
from django.urls import NoReverseMatch, reverse

from course.testing import expect, expect_status
from playground_project.domain.models import Course

# The detail of the given CourseHasStudents, which the 409 answers with.
HAS_STUDENTS = "Students are enrolled in this course: unenrol them first."

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

# Lesson 05's exercise API, route by route: its path under the lesson's prefix and the
# methods its Allow header lists. The router must write exactly these for lesson 07.
LESSON_05_ROUTES = {
    "course-list": ("courses/", {"GET", "POST", "HEAD", "OPTIONS"}),
    "course-detail": ("courses/{code}/", {"GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}),
    "course-students": ("courses/{code}/students/", {"GET", "HEAD", "OPTIONS"}),
    "catalogue-list": ("catalogue/", {"GET", "HEAD", "OPTIONS"}),
    "catalogue-detail": ("catalogue/{code}/", {"GET", "HEAD", "OPTIONS"}),
}


def url(name, **kwargs):
    """reverse() in this lesson; a route the router did not write is advice, not a traceback."""
    try:
        return reverse(f"l07:{name}", kwargs=kwargs)
    except NoReverseMatch:
        takes = f"a `{'`, `'.join(kwargs)}`" if kwargs else "no argument"
        pytest.fail(
            f"MISSING ROUTE: the router wrote no URL named l07:{name} that takes {takes}. "
            "Check the registrations at the bottom of lessons/l07_viewsets_routers/exercise.py "
            "(prefix and basename), the viewset's lookup_field, and @action(detail=...).",
            pytrace=False,
        )


def allowed(reply):
    return {m.strip() for m in (reply.header("Allow") or "").split(",") if m.strip()}


def expect_lesson_05_route(api, exercise, name, *, headers=None, mistake=None, **kwargs):
    """The route has lesson 05's path under /lessons/07/, answers a GET, and allows its methods."""
    path, methods = LESSON_05_ROUTES[name]
    address = url(name, **kwargs)
    reply = api.get(address, headers=headers)
    expected_path = "/lessons/07/" + path.format(**kwargs)
    expect(
        address == expected_path,
        reply,
        f"l07:{name} at {expected_path}",
        f"the router must write lesson 05's URL for it ({exercise})",
        mistake="Check the prefix in router.register(), lookup_field, and the action's url_path.",
    )
    expect_status(
        reply, 200, f"lesson 05 answers GET on {expected_path} ({exercise})", mistake=mistake
    )
    expect(
        allowed(reply) == methods,
        reply,
        f"Allow: {', '.join(sorted(methods))} (in any order)",
        f"lesson 05 answers exactly these methods on {expected_path} ({exercise})",
        mistake=mistake,
    )


# ------------------------------------------------------------------ E1: CourseViewSet


@E1
def test_e1_router_writes_lesson_05s_course_urls(api, login, make_course):
    """courses/ and courses/<code>/ have lesson 05's paths, names and Allow headers."""
    alice, as_alice = login()
    make_course(code="R1", owner=alice)
    mistake = 'Extend viewsets.ModelViewSet, with lookup_field = "code" and permission_classes = [IsAuthenticated].'
    expect_lesson_05_route(api, "E1", "course-list", headers=as_alice, mistake=mistake)
    expect_lesson_05_route(api, "E1", "course-detail", headers=as_alice, mistake=mistake, code="R1")


@E1
def test_e1_lists_only_your_courses(api, login, make_course):
    """GET on the collection lists the logged-in user's courses, ordered by code, and no one else's."""
    check_lists_only_your_courses(api, login, make_course, url, "E1")


@E1
def test_e1_create_answers_201_and_makes_you_the_owner(api, login):
    """POST with a valid body creates the course, owned by the logged-in user, and answers 201."""
    check_create_makes_you_the_owner(api, login, url, "E1")


@E1
def test_e1_invalid_or_malformed_body_answers_400(api, login):
    """An invalid body answers 400 with an error per field; malformed JSON answers 400 too."""
    _, as_alice = login()
    check_invalid_body_answers_400(api, url, as_alice, "E1")
    malformed = check_malformed_json_answers_400(api, url, as_alice, "E1")
    expect(not Course.objects.exists(), malformed, "no course saved", "nothing was valid (E1)")


@E1
def test_e1_anonymous_request_answers_401(api):
    """Without a login the collection answers 401 and asks for Basic credentials."""
    check_anonymous_request_answers_401(api, url, "E1")


@E1
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_e1_someone_elses_course_answers_404_not_403(api, login, make_course, method):
    """Someone else's course is not in your queryset: 404, as if it did not exist, and it stays as it was."""
    check_someone_elses_course_answers_404(
        api,
        login,
        make_course,
        url,
        method,
        "E1",
        status_mistake=(
            f"{SCOPED} Every action goes through get_queryset(): scope it for all of them, "
            'not only when self.action == "list".'
        ),
        unchanged_mistake=SCOPED,
    )


@E1
def test_e1_missing_course_answers_404(api, login):
    """A code that no course has answers 404."""
    _, as_alice = login()
    reply = api.get(url("course-detail", code=MISSING_CODE), headers=as_alice)
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_CODE} (E1)",
        mistake='Keep lookup_field = "code" and let get_object() look the course up.',
    )


@E1
def test_e1_put_needs_every_required_field_but_patch_does_not(api, login, make_course):
    """PUT with a complete body replaces; without `code` it is a 400 while PATCH with that body is a 200."""
    alice, as_alice = login()
    course = make_course(code="KEEP1", title="Before", credits=5, owner=alice)
    complete = api.put(
        url("course-detail", code="KEEP1"),
        {"code": "KEEP1", "title": "Replaced", "credits": 10},
        headers=as_alice,
    )
    expect_status(
        complete,
        200,
        "the body is a complete, valid course (E1)",
        mistake="Errors about a student's fields mean update used another serializer: "
        "get_serializer_class() must return CourseSerializer for every action but students.",
    )
    body = {"title": "After"}
    put = api.put(url("course-detail", code="KEEP1"), body, headers=as_alice)
    expect_status(put, 400, "PUT replaces the whole course and this body has no `code` (E1)")
    patch = api.patch(url("course-detail", code="KEEP1"), body, headers=as_alice)
    expect_status(patch, 200, "PATCH changes only the fields it sends (E1)")
    course.refresh_from_db()
    expect(
        (course.code, course.title, course.credits) == ("KEEP1", "After", 10),
        patch,
        "code KEEP1, title After, 10 credits",
        "PUT saved all of a complete body, PATCH only the title (E1)",
    )


@E1
def test_e1_delete_answers_204_then_the_course_is_gone(api, login, make_course):
    """DELETE answers 204 with no body; afterwards the course's URL answers 404."""
    alice, as_alice = login()
    make_course(code="GONE1", owner=alice)
    reply = api.delete(url("course-detail", code="GONE1"), headers=as_alice)
    expect_status(reply, 204, "a successful DELETE has nothing left to show (E1)")
    again = api.get(url("course-detail", code="GONE1"), headers=as_alice)
    expect_status(
        again,
        404,
        "the course was deleted a moment ago (E1)",
        mistake="perform_destroy() replaces the default, so it must end with instance.delete().",
    )


@E1
def test_e1_delete_a_course_with_students_answers_409(api, login, make_course, make_student, enrol):
    """A course that students are enrolled in is not deleted: 409 Conflict, and the enrolments stay."""
    reply = check_delete_a_course_with_students_answers_409(
        api, login, make_course, make_student, enrol, url, "E1"
    )
    detail = reply.data.get("detail") if isinstance(reply.data, dict) else None
    expect(
        detail == HAS_STUDENTS,
        reply,
        f'{{"detail": "{HAS_STUDENTS}"}}',
        "the 409 must tell the client why the course stays and what to do first (E1)",
        mistake="Raise the given CourseHasStudents() as it is: its default_detail is the answer's "
        "detail.",
    )


# ------------------------------------------------------------------ E2: the students action


@E2
def test_e2_action_is_reachable_at_the_router_url_and_by_its_name(
    api, login, make_course, make_student, enrol
):
    """l07:course-students reverses to courses/<code>/students/ and lists the course's students by name."""
    alice, as_alice = login()
    course = make_course(code="MINE1", owner=alice)
    enrol(course, *(make_student(name=n) for n in ("Zoe", "Adam", "Mia")))
    enrol(make_course(code="MINE2", owner=alice), make_student(name="Not in MINE1"))
    expect_lesson_05_route(
        api,
        "E2",
        "course-students",
        headers=as_alice,
        mistake='@action(detail=True, methods=["get"], serializer_class=StudentSerializer), or StudentSerializer from get_serializer_class() when self.action == "students".',
        code="MINE1",
    )
    reply = api.get(url("course-students", code="MINE1"), headers=as_alice)
    names = [s.get("name") for s in reply.data or [] if isinstance(s, dict)]
    expect(
        names == ["Adam", "Mia", "Zoe"],
        reply,
        '["Adam", "Mia", "Zoe"]',
        "only this course's students, ordered by name (E2)",
        mistake='Return the course\'s students, course.students.order_by("name"), serialized with StudentSerializer.',
    )


@E2
def test_e2_action_serializes_students(api, login, make_course, make_student, enrol):
    """The action's rows are students: each has a name and an email, not a course's code."""
    alice, as_alice = login()
    enrol(make_course(code="MINE3", owner=alice), make_student(name="Ada", email="ada@x.org"))
    reply = api.get(url("course-students", code="MINE3"), headers=as_alice)
    expect_status(
        reply,
        200,
        "MINE3 is one of their courses (E2)",
        mistake='A 500 here often means the students were serialized with CourseSerializer: pass serializer_class=StudentSerializer to @action (or return it from get_serializer_class() when self.action == "students").',
    )
    rows = reply.data if isinstance(reply.data, list) else []
    expect(
        len(rows) == 1
        and isinstance(rows[0], dict)
        and (rows[0].get("name"), rows[0].get("email")) == ("Ada", "ada@x.org")
        and "code" not in rows[0],
        reply,
        'one student, with "name": "Ada" and "email": "ada@x.org"',
        "the action answers students, serialized by StudentSerializer (E2)",
    )


@E2
def test_e2_someone_elses_or_a_missing_course_answers_404(
    api, login, make_course, make_student, enrol
):
    """The students of someone else's course, or of a code no course has, answer 404."""
    bob, _ = login()
    _, as_alice = login()
    enrol(make_course(code="BOB2", owner=bob), make_student(name="Bob's student"))
    reply = api.get(url("course-students", code="BOB2"), headers=as_alice)
    expect_status(
        reply,
        404,
        "BOB2 belongs to someone else (E2)",
        mistake="Fetch the course with self.get_object(), which goes through your scoped get_queryset().",
    )
    missing = api.get(url("course-students", code=MISSING_CODE), headers=as_alice)
    expect_status(missing, 404, f"there is no course {MISSING_CODE} (E2)")


@E2
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_e2_action_is_read_only(api, login, make_course, method):
    """The students action answers GET only: writing methods answer 405."""
    alice, as_alice = login()
    make_course(code="MINE4", owner=alice)
    reply = api.request(
        method, url("course-students", code="MINE4"), headers=as_alice, **with_body(method, {})
    )
    expect_status(
        reply,
        405,
        f"a course's students are read-only, as in lesson 05, so {method} is not allowed (E2)",
        mistake='List only GET: @action(detail=True, methods=["get"]).',
    )


# ------------------------------------------------------------------ E3: CatalogueViewSet


@E3
def test_e3_router_writes_lesson_05s_catalogue_urls(api, make_course):
    """catalogue/ and catalogue/<code>/ have lesson 05's paths, names and Allow headers."""
    make_course(code="CAT1")
    mistake = "Extend viewsets.ReadOnlyModelViewSet, with permission_classes = [AllowAny]."
    expect_lesson_05_route(api, "E3", "catalogue-list", mistake=mistake)
    expect_lesson_05_route(api, "E3", "catalogue-detail", mistake=mistake, code="CAT1")


@E3
def test_e3_anyone_can_list_every_course(api, login, make_course):
    """Anonymous clients get every course, whoever owns it, ordered by code."""
    check_anyone_can_list_every_course(
        api, login, make_course, url, "E3", mistake="permission_classes = [AllowAny]."
    )


@E3
def test_e3_search_filters_the_list_only(api, make_course):
    """`?search=` keeps the titles that contain it on the list, and changes nothing on one course's URL."""
    check_search_keeps_the_titles_that_contain_it(
        api,
        make_course,
        url,
        "E3",
        because="?search= filters the list on the title with title__icontains",
    )
    one = api.get(url("catalogue-detail", code="S2"), params={"search": "api"})
    expect_status(
        one,
        200,
        "in lesson 05 the search belonged to CatalogueList; CatalogueDetail ignored it (E3)",
        mistake='list and retrieve share get_queryset(): apply the search only when self.action == "list".',
    )


@E3
def test_e3_a_course_added_between_two_requests_shows_up(api, make_course):
    """Each request reads the database again: a course added after one GET is in the next."""
    check_a_course_added_between_two_requests_shows_up(
        api,
        make_course,
        url,
        "E3",
        mistake="Build the queryset per request, from super().get_queryset().",
    )


@E3
def test_e3_missing_course_answers_404(api):
    """A code that no course has answers 404."""
    reply = api.get(url("catalogue-detail", code=MISSING_CODE))
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_CODE} (E3)",
        mistake="A 401 or 403 means the catalogue asks for a login: permission_classes = [AllowAny].",
    )


@E3
@pytest.mark.parametrize(
    ("method", "where"),
    [("POST", "list"), ("PUT", "detail"), ("PATCH", "detail"), ("DELETE", "detail")],
    ids=["POST-list", "PUT-detail", "PATCH-detail", "DELETE-detail"],
)
def test_e3_post_and_writes_answer_405(api, login, make_course, method, where):
    """A ReadOnlyModelViewSet has no create, update or destroy: POST and every write answer 405."""
    check_catalogue_is_read_only(
        api,
        login,
        make_course,
        url,
        method,
        where,
        "E3",
        mistake="Extend viewsets.ReadOnlyModelViewSet: it brings list() and retrieve() only.",
    )
