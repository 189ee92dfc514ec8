"""Graded tests for lesson 01: function views for courses (lessons/l01_function_views/exercise.py)."""

import pytest
from django.urls import reverse

from course.testing import expect, expect_status
from playground_project.domain.models import Course

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

MISSING_ID = 999_999
NO_API_VIEW = "Is the view decorated with @api_view([...]) listing exactly the methods it answers?"


def list_url():
    return reverse("l01:course-list")


def detail_url(pk):
    return reverse("l01:course-detail", kwargs={"pk": pk})


def students_url(pk):
    return reverse("l01:course-students", kwargs={"pk": pk})


# ------------------------------------------------------------------ E1: list and create


@E1
def test_e1_list_returns_every_course(api, make_course):
    """GET on the collection answers 200 with every course."""
    make_course(code="DRF101", title="REST APIs")
    make_course(code="PY201", title="Python")
    reply = api.get(list_url())
    expect_status(reply, 200, "a GET on the collection lists it (E1)", mistake=NO_API_VIEW)
    items = reply.data if isinstance(reply.data, list) else []
    codes = sorted(item.get("code") for item in items if isinstance(item, dict))
    expect(
        codes == ["DRF101", "PY201"]
        and all(set(item) == {"id", "code", "title", "credits"} for item in items),
        reply,
        "a JSON list with both courses, DRF101 and PY201, each with id, code, title and credits",
        "GET answers every course, each serialized with CourseSerializer (E1)",
    )


@E1
def test_e1_create_answers_201_with_the_new_course(api):
    """POST with a valid body creates the course and answers 201 Created with it."""
    body = {"code": "API300", "title": "API design", "credits": 10}
    reply = api.post(list_url(), body)
    expect_status(
        reply,
        201,
        "a POST that creates a resource answers 201 Created (E1)",
        mistake="Did you return Response(serializer.data) without status=status.HTTP_201_CREATED?",
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("code") == "API300" and "id" in reply.data,
        reply,
        "the new course as JSON, with its id",
        "the client needs to know what was created (E1)",
    )
    expect(
        Course.objects.filter(code="API300").exists(),
        reply,
        "a course API300 in the database",
        "POST must save the course (serializer.save()) (E1)",
    )


@E1
def test_e1_invalid_body_answers_400_with_field_errors(api):
    """POST without the required fields answers 400 with an error for each field, and saves nothing."""
    reply = api.post(list_url(), {"title": ""})
    expect_status(
        reply,
        400,
        "`code` is missing and `title` is blank, so the body is invalid (E1)",
        mistake="Return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST) when is_valid() is False.",
    )
    expect(
        isinstance(reply.data, dict) and {"code", "title"} <= set(reply.data),
        reply,
        "errors keyed by field, with both `code` and `title`",
        "serializer.errors tells the client what to fix in each field (E1)",
    )
    expect(
        not Course.objects.exists(),
        reply,
        "no course saved",
        "an invalid body must not be saved (E1)",
    )


@E1
def test_e1_malformed_json_answers_400(api):
    """A body that is not valid JSON answers 400, not a server error."""
    reply = api.post(
        list_url(), content='{"code": "BAD", "title": ', content_type="application/json"
    )
    expect_status(
        reply,
        400,
        "the body is not valid JSON, which is the client's fault (E1)",
        mistake="Read the body with request.data: DRF's JSON parser answers 400 for malformed JSON. json.loads(request.body) crashes with a 500 instead.",
    )


@E1
def test_e1_unsupported_content_type_answers_415(api):
    """A body in a content type no parser accepts answers 415 Unsupported Media Type."""
    reply = api.post(list_url(), content="code=X1&title=Plain", content_type="text/plain")
    expect_status(
        reply,
        415,
        "no parser accepts text/plain (E1)",
        mistake="Read the body with request.data, which picks a parser by Content-Type and answers 415 when none fits.",
    )


@E1
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_e1_unlisted_methods_answer_405(api, make_course, method):
    """The collection answers GET and POST only; any other method is 405 with a detail message."""
    make_course()
    reply = api.request(method, list_url(), json={})
    expect_status(
        reply,
        405,
        f"{method} is not one of the methods the collection answers (E1)",
        mistake=NO_API_VIEW,
    )
    expect(
        isinstance(reply.data, dict) and method in str(reply.data.get("detail", "")),
        reply,
        f'{{"detail": "Method \\"{method}\\" not allowed."}}',
        "@api_view answers unlisted methods for you (E1)",
    )


# ------------------------------------------------------------------ E2: one course


@E2
def test_e2_get_answers_the_course(api, make_course):
    """GET on a course's URL answers 200 with that course, not another one."""
    make_course(code="PY201", title="Python")
    course = make_course(code="DRF101", title="REST APIs")
    reply = api.get(detail_url(course.pk))
    expect_status(
        reply,
        200,
        "the course exists (E2)",
        mistake=NO_API_VIEW
        + " A Response takes data, not a serializer: Response(CourseSerializer(course).data)."
        + " Look the course up by the id in the URL, get_object_or_404(Course, pk=pk): with"
        + " no pk, it finds two courses here and crashes with MultipleObjectsReturned.",
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("code") == "DRF101",
        reply,
        "the course DRF101 as JSON",
        "GET on a detail URL answers that one resource (E2)",
    )


@E2
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_e2_missing_course_answers_404(api, method):
    """Every method on a course that does not exist answers 404 Not Found."""
    reply = api.request(method, detail_url(MISSING_ID), json={"code": "X", "title": "X"})
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_ID} (E2)",
        mistake="Fetch with get_object_or_404(Course, pk=pk): Course.objects.get() raises DoesNotExist, which is a 500.",
    )


@E2
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_e2_missing_course_answers_404_whatever_the_body(api, method):
    """The course is looked up before the body is read: no course is 404, even with an invalid body."""
    reply = api.request(method, detail_url(MISSING_ID), json={"title": ""})
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_ID}, and a missing resource comes before a bad body (E2)",
        mistake="Fetch the course with get_object_or_404 first, then validate request.data.",
    )


@E2
def test_e2_put_replaces_the_course(api, make_course):
    """PUT with a complete body replaces the course and answers 200 with it."""
    course = make_course(code="OLD1", title="Old title", credits=5)
    body = {"code": "NEW1", "title": "New title", "credits": 10}
    reply = api.put(detail_url(course.pk), body)
    expect_status(reply, 200, "the body is a complete, valid course (E2)")
    course.refresh_from_db()
    expect(
        (course.code, course.title, course.credits) == ("NEW1", "New title", 10),
        reply,
        "the course saved as NEW1 / New title / 10 credits",
        "PUT replaces the stored course (E2)",
        mistake=(
            "Build the serializer with the course and the data, CourseSerializer(course, "
            "data=request.data): without the instance, save() creates a new course instead."
        ),
    )
    expect(
        reply.data == {"id": course.pk, **body},
        reply,
        f"the course as saved, {dict(id=course.pk, **body)}",
        "PUT answers the updated course: Response(serializer.data) after save() (E2)",
    )


@E2
def test_e2_put_without_a_required_field_answers_400(api, make_course):
    """PUT replaces the whole course, so a body missing a required field is rejected."""
    course = make_course(code="KEEP1", title="Kept")
    reply = api.put(detail_url(course.pk), {"title": "Only the title"})
    expect_status(
        reply,
        400,
        "PUT replaces the whole course and this body has no `code` (E2)",
        mistake="Did you pass partial=True for PUT too? Only PATCH may leave fields out.",
    )
    course.refresh_from_db()
    expect(
        course.title == "Kept",
        reply,
        "the course unchanged",
        "a rejected PUT must not save anything (E2)",
    )


@E2
def test_e2_patch_changes_only_the_fields_sent(api, make_course):
    """PATCH with some fields changes those and keeps the rest."""
    course = make_course(code="KEEP2", title="Before", credits=5)
    reply = api.patch(detail_url(course.pk), {"title": "After"})
    expect_status(
        reply,
        200,
        "PATCH may send only the fields it changes (E2)",
        mistake="A 400 here usually means the serializer was built without partial=True for PATCH.",
    )
    course.refresh_from_db()
    expect(
        (course.code, course.title, course.credits) == ("KEEP2", "After", 5),
        reply,
        "title After, code and credits unchanged",
        "PATCH changes only what it sends (E2)",
    )


@E2
def test_e2_delete_answers_204_then_the_course_is_gone(api, make_course):
    """DELETE answers 204 No Content with an empty body; afterwards the course is 404."""
    course = make_course()
    reply = api.delete(detail_url(course.pk))
    expect_status(
        reply,
        204,
        "a successful DELETE has nothing left to show (E2)",
        mistake="Return Response(status=status.HTTP_204_NO_CONTENT) after course.delete().",
    )
    expect(not reply.text, reply, "an empty body", "204 No Content has no body (E2)")
    expect(
        not Course.objects.filter(pk=course.pk).exists(),
        reply,
        "the course deleted from the database",
        "DELETE must delete (E2)",
    )
    again = api.get(detail_url(course.pk))
    expect_status(again, 404, "the course was deleted a moment ago (E2)")


@E2
def test_e2_post_answers_405(api, make_course):
    """A course's URL does not answer POST: creating happens on the collection."""
    course = make_course()
    reply = api.post(detail_url(course.pk), {"code": "X", "title": "X"})
    expect_status(
        reply, 405, "POST belongs to the collection, not to one course (E2)", mistake=NO_API_VIEW
    )


# ------------------------------------------------------------------ E3: a course's students


@E3
def test_e3_lists_the_enrolled_students_by_name(api, make_course, make_student, enrol):
    """GET lists the students enrolled in the course, ordered by name, and no others."""
    course = make_course()
    other = make_course()
    zoe, adam, mia = (make_student(name=n) for n in ("Zoe", "Adam", "Mia"))
    enrol(course, zoe, adam, mia)
    enrol(other, make_student(name="Not enrolled here"))
    reply = api.get(students_url(course.pk))
    expect_status(reply, 200, "the course exists and GET is allowed (E3)", mistake=NO_API_VIEW)
    names = [s.get("name") for s in reply.data or [] if isinstance(s, dict)]
    expect(
        names == ["Adam", "Mia", "Zoe"],
        reply,
        '["Adam", "Mia", "Zoe"]',
        "only this course's students, ordered by name (E3)",
        mistake='course.students.order_by("name"): without order_by() they come by id.',
    )


@E3
def test_e3_filters_by_year(api, make_course, make_student, enrol):
    """`?year=2` keeps only the enrolled students in year 2."""
    course = make_course()
    enrol(
        course,
        make_student(name="First", year=1),
        make_student(name="Second", year=2),
        make_student(name="Third", year=3),
    )
    reply = api.get(students_url(course.pk), params={"year": "2"})
    expect_status(reply, 200, "year=2 is a valid filter (E3)", mistake=NO_API_VIEW)
    names = [s.get("name") for s in reply.data or [] if isinstance(s, dict)]
    expect(
        names == ["Second"],
        reply,
        '["Second"]',
        "?year=2 keeps the students in year 2 only (E3)",
        mistake=(
            "filter() returns a new queryset and leaves the old one as it was: "
            "students = students.filter(year=year)."
        ),
    )


@E3
@pytest.mark.parametrize("year", ["two", "1.5", ""])
def test_e3_bad_year_answers_400(api, make_course, year):
    """A `year` that is not a whole number is the client's mistake: 400 with an error under `year`."""
    course = make_course()
    reply = api.get(students_url(course.pk), params={"year": year})
    expect_status(
        reply,
        400,
        f"year={year!r} is not a whole number (E3)",
        mistake=(
            "Query parameters are strings: convert with int() inside try/except ValueError and "
            "answer 400. An empty ?year= is present too: test `year is not None`, not `if year:`."
        ),
    )
    expect(
        isinstance(reply.data, dict) and bool(reply.data.get("year")),
        reply,
        'an error message under "year", such as {"year": ["Must be a whole number."]}',
        "the client must learn which parameter was wrong, and what is wrong with it (E3)",
        mistake='An empty list under "year" tells the client nothing: put the message in it.',
    )


@E3
def test_e3_missing_course_answers_404(api):
    """The students of a course that does not exist: 404."""
    reply = api.get(students_url(MISSING_ID))
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_ID} (E3)",
        mistake="Fetch the course with get_object_or_404 before listing its students.",
    )


@E3
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_e3_write_methods_answer_405(api, make_course, method):
    """This URL only reads: writing methods answer 405."""
    course = make_course()
    reply = api.request(method, students_url(course.pk), json={})
    expect_status(
        reply,
        405,
        f"the students of a course are read-only here, so {method} is not allowed (E3)",
        mistake=NO_API_VIEW,
    )
