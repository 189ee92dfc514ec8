"""Graded tests for lesson 04: APIView classes for courses (lessons/l04_class_based_views/exercise.py)."""

import time
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse
from rest_framework.exceptions import APIException
from rest_framework.throttling import UserRateThrottle

from course.testing import expect, expect_status
from playground_project.domain.models import Course, Enrolment

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

MISSING_ID = 999_999
RATE = 3  # EnrolmentThrottle: "3/minute"

HANDLERS = (
    "Does the class define a method named after each HTTP verb it answers (get, post, put, "
    "patch, delete)? APIView calls those; anything else answers 405. Did you delete the stub's initial()?"
)
OBJECT_PERMISSIONS = (
    "Does get_object() call self.check_object_permissions(self.request, course), and does every "
    "method that changes the course fetch it through get_object()? APIView never checks object "
    "permissions by itself, so IsOwnerOrReadOnly never runs without that call."
)

THROTTLE_CONFIG = (
    "If the view raised ImproperlyConfigured, EnrolmentThrottle has no rate: set "
    'rate = "3/minute" on the class, and a scope of its own, so that no setting is needed.'
)


def list_url():
    return reverse("l04:course-list")


def detail_url(pk):
    return reverse("l04:course-detail", kwargs={"pk": pk})


def enrol_url(pk):
    return reverse("l04:course-enrolments", kwargs={"pk": pk})


def course_state(course):
    """What a PUT, PATCH or DELETE could have changed: None once the course is deleted."""
    row = Course.objects.filter(pk=course.pk).values_list("code", "title", "credits").first()
    return tuple(row) if row else None


# ------------------------------------------------------------------ E1: list and create


@E1
def test_e1_anyone_can_list_the_courses(api, login, make_course):
    """An anonymous GET on the collection answers 200 with every course and its owner's username."""
    owner, _ = login("ada")
    make_course(code="DRF101", owner=owner)
    make_course(code="PY201")
    reply = api.get(list_url())
    expect_status(
        reply,
        200,
        "anyone may read the courses: IsAuthenticatedOrReadOnly lets GET through (E1)",
        mistake=HANDLERS,
    )
    rows = sorted(
        (item.get("code"), item.get("owner")) for item in reply.data or [] if isinstance(item, dict)
    )
    expect(
        rows == [("DRF101", "ada"), ("PY201", None)],
        reply,
        'both courses, DRF101 with "owner": "ada" and PY201 with "owner": null',
        "GET serializes every course with CourseSerializer (E1)",
    )


@E1
def test_e1_logged_in_post_creates_a_course_they_own(api, login):
    """A logged-in POST creates the course, owned by that user, and answers 201 with it."""
    user, auth = login("grace")
    body = {"code": "API300", "title": "API design", "credits": 10}
    reply = api.post(list_url(), body, headers=auth)
    expect_status(
        reply,
        201,
        "a logged-in user may create a course, and a POST that creates answers 201 Created (E1)",
        mistake=HANDLERS,
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("owner") == "grace" and "id" in reply.data,
        reply,
        'the new course with its id and "owner": "grace"',
        "the course belongs to whoever created it (E1)",
        mistake="Save with serializer.save(owner=request.user).",
    )
    expect(
        Course.objects.filter(code="API300", owner=user).exists(),
        reply,
        "a course API300 owned by grace in the database",
        "POST must save the course with its owner (E1)",
    )


@E1
def test_e1_anonymous_post_answers_401(api):
    """An anonymous POST answers 401 with a WWW-Authenticate header, and saves nothing."""
    reply = api.post(list_url(), {"code": "ANON1", "title": "Nobody's course"})
    expect_status(
        reply,
        401,
        "only logged-in users may create courses (E1)",
        mistake=(
            "Set permission_classes = [IsAuthenticatedOrReadOnly] and authentication_classes = "
            "[BasicAuthentication, SessionAuthentication] on the class: without them DRF's "
            "defaults let anyone in."
        ),
    )
    expect(
        (reply.header("WWW-Authenticate") or "").startswith("Basic"),
        reply,
        'a WWW-Authenticate: Basic realm="api" header',
        "a 401 tells the client how to log in; DRF takes it from the first authentication class (E1)",
        mistake="Put BasicAuthentication first in authentication_classes.",
    )
    expect(
        not Course.objects.filter(code="ANON1").exists(),
        reply,
        "no course saved",
        "a refused request must not change anything (E1)",
    )


@E1
def test_e1_invalid_body_answers_400_with_field_errors(api, login):
    """A logged-in POST without the required fields answers 400 with errors keyed by field."""
    _, auth = login()
    reply = api.post(list_url(), {"title": ""}, headers=auth)
    expect_status(
        reply,
        400,
        "`code` is missing and `title` is blank (E1)",
        mistake="Validate with serializer.is_valid(raise_exception=True): DRF answers the ValidationError with 400.",
    )
    expect(
        isinstance(reply.data, dict) and {"code", "title"} <= set(reply.data),
        reply,
        "errors under both `code` and `title`",
        "the client must learn what to fix in each field (E1)",
    )


@E1
def test_e1_malformed_json_answers_400(api, login):
    """A body that is not valid JSON answers 400, not a server error."""
    _, auth = login()
    reply = api.post(
        list_url(), content='{"code": "BAD", ', content_type="application/json", headers=auth
    )
    expect_status(
        reply,
        400,
        "the body is not valid JSON, which is the client's fault (E1)",
        mistake="Read the body with request.data, whose JSON parser answers 400 for malformed JSON.",
    )


@E1
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_e1_undefined_methods_answer_405(api, login, method):
    """The collection has no put(), patch() or delete(): a logged-in user gets 405 for them."""
    _, auth = login()
    reply = api.request(method, list_url(), json={}, headers=auth)
    expect_status(
        reply,
        405,
        f"the class defines no {method.lower()}() method, so DRF refuses {method} (E1)",
        mistake=(
            "Define only get() and post() on CourseList, and let it inherit from APIView: a "
            "CourseList built on CourseDetail inherits its put(), patch() and delete() too."
        ),
    )
    expect(
        isinstance(reply.data, dict) and method in str(reply.data.get("detail", "")),
        reply,
        f'{{"detail": "Method \\"{method}\\" not allowed."}}',
        "APIView answers a method without a handler for you (E1)",
    )


# ------------------------------------------------------------------ E2: one course, owner-only


@E2
def test_e2_anyone_can_read_a_course(api, login, make_course):
    """An anonymous GET on a course answers 200 with it."""
    owner, _ = login("ada")
    course = make_course(code="DRF101", owner=owner)
    reply = api.get(detail_url(course.pk))
    expect_status(
        reply,
        200,
        "reading is allowed to anyone (E2)",
        mistake=HANDLERS + " For anonymous reads: IsAuthenticatedOrReadOnly, not IsAuthenticated.",
    )
    expect(
        isinstance(reply.data, dict)
        and reply.data.get("code") == "DRF101"
        and reply.data.get("owner") == "ada",
        reply,
        'the course DRF101 with "owner": "ada"',
        "GET on a detail URL answers that one course (E2)",
    )


@E2
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_e2_missing_course_answers_404(api, login, method):
    """Every method on a course that does not exist answers 404, even for a logged-in user."""
    _, auth = login()
    reply = api.request(
        method, detail_url(MISSING_ID), json={"code": "X", "title": "X"}, headers=auth
    )
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_ID} (E2)",
        mistake="Fetch with get_object_or_404(...): Course.objects.get() raises DoesNotExist, which is a 500.",
    )
    expect(
        isinstance(reply.data, dict) and "detail" in reply.data,
        reply,
        'a JSON error such as {"detail": "No Course matches the given query."}',
        "DRF turns Http404 into a JSON 404 (E2)",
    )


@E2
def test_e2_owner_can_replace_the_course_with_put(api, login, make_course):
    """The owner's PUT with a complete body replaces the course and answers 200."""
    owner, auth = login()
    course = make_course(code="OLD1", title="Old title", credits=5, owner=owner)
    body = {"code": "NEW1", "title": "New title", "credits": 10}
    reply = api.put(detail_url(course.pk), body, headers=auth)
    expect_status(reply, 200, "the owner may replace the course (E2)", mistake=HANDLERS)
    expect(
        course_state(course) == ("NEW1", "New title", 10),
        reply,
        "the course saved as NEW1 / New title / 10 credits",
        "PUT replaces the stored course (E2)",
    )


@E2
def test_e2_put_without_a_required_field_answers_400(api, login, make_course):
    """PUT replaces the whole course, so a body missing `code` is rejected and nothing changes."""
    owner, auth = login()
    course = make_course(code="KEEP1", title="Kept", owner=owner)
    reply = api.put(detail_url(course.pk), {"title": "Only the title"}, headers=auth)
    expect_status(
        reply,
        400,
        "PUT replaces the whole course and this body has no `code` (E2)",
        mistake="Only PATCH may pass partial=True to the serializer.",
    )
    expect(
        course_state(course) == ("KEEP1", "Kept", 5),
        reply,
        "the course unchanged",
        "a rejected PUT saves nothing (E2)",
    )


@E2
def test_e2_owner_can_change_one_field_with_patch(api, login, make_course):
    """The owner's PATCH changes only the fields sent."""
    owner, auth = login()
    course = make_course(code="KEEP2", title="Before", credits=5, owner=owner)
    reply = api.patch(detail_url(course.pk), {"title": "After"}, headers=auth)
    expect_status(
        reply,
        200,
        "the owner may change the course, and PATCH may send only some fields (E2)",
        mistake="A 400 here usually means PATCH built the serializer without partial=True.",
    )
    expect(
        course_state(course) == ("KEEP2", "After", 5),
        reply,
        "title After, code and credits unchanged",
        "PATCH changes only what it sends (E2)",
    )


@E2
def test_e2_owner_can_delete_the_course(api, login, make_course):
    """The owner's DELETE answers 204 with no body; afterwards the course is 404."""
    owner, auth = login()
    course = make_course(owner=owner)
    reply = api.delete(detail_url(course.pk), headers=auth)
    expect_status(
        reply,
        204,
        "the owner may delete the course, and a DELETE has nothing left to show (E2)",
        mistake="Return Response(status=status.HTTP_204_NO_CONTENT) after deleting.",
    )
    expect(course_state(course) is None, reply, "the course deleted", "DELETE must delete (E2)")
    again = api.get(detail_url(course.pk))
    expect_status(again, 404, "the course was deleted a moment ago (E2)")


@E2
def test_e2_deleting_a_course_deletes_its_enrolments(api, login, make_course, make_student, enrol):
    """The owner may delete a course that has students: 204, its enrolments go, the students stay."""
    owner, auth = login()
    course = make_course(owner=owner)
    ada = make_student(name="Ada")
    enrol(course, ada)
    reply = api.delete(detail_url(course.pk), headers=auth)
    expect_status(
        reply,
        204,
        "the owner may delete a course even while students are enrolled (E2)",
        mistake="Delete it as it is: the model's on_delete=CASCADE removes its enrolments.",
    )
    expect(
        course_state(course) is None
        and not Enrolment.objects.filter(course_id=course.pk).exists()
        and type(ada).objects.filter(pk=ada.pk).exists(),
        reply,
        "the course and its enrolment deleted, the student Ada still there",
        "an enrolment belongs to its course (on_delete=CASCADE); a student does not (E2)",
    )


@E2
@pytest.mark.parametrize("case", ["missing", "not-the-owner"])
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_e2_the_course_and_its_owner_come_before_the_body(api, login, make_course, method, case):
    """With an invalid body, a missing course is still 404 and someone else's course still 403."""
    owner, _ = login("owner")
    _, intruder = login("intruder")
    course = make_course(code="MINE3", title="Mine", owner=owner)
    pk, expected = (MISSING_ID, 404) if case == "missing" else (course.pk, 403)
    reply = api.request(method, detail_url(pk), json={"title": ""}, headers=intruder)
    expect_status(
        reply,
        expected,
        "get_object() finds the course and checks its owner before the body is validated (E2)",
        mistake="Call get_object() first, then build the serializer and call is_valid().",
    )
    expect(
        course_state(course) == ("MINE3", "Mine", 5),
        reply,
        "the course unchanged",
        "a refused request must not change anything (E2)",
    )


@E2
@pytest.mark.parametrize(
    "case",
    [
        pytest.param("someone-else", id="someone-elses-course"),
        pytest.param("staff", id="someone-elses-course-by-staff"),
        pytest.param("ownerless", id="a-course-nobody-owns"),
    ],
)
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_e2_someone_else_cannot_change_the_course(api, login, make_course, method, case):
    """Anyone logged in but the owner (a staff user too; everyone, for a course nobody owns) gets 403."""
    owner, _ = login("owner")
    _, intruder = login("intruder", is_staff=case == "staff")
    course = make_course(
        code="MINE1", title="Mine", credits=5, owner=None if case == "ownerless" else owner
    )
    body = {"code": "TAKEN1", "title": "Taken over", "credits": 30}
    reply = api.request(method, detail_url(course.pk), json=body, headers=intruder)
    who = {
        "someone-else": "`intruder` is not its owner",
        "staff": "`intruder`, though staff, is not its owner",
        "ownerless": "this course has no owner, so nobody may",
    }[case]
    expect_status(
        reply,
        403,
        f"only the owner may {method} a course, and {who} (E2)",
        mistake=OBJECT_PERMISSIONS
        + " A rule of your own must refuse a course with no owner, and staff, too.",
    )
    expect(
        course_state(course) == ("MINE1", "Mine", 5),
        reply,
        "the course unchanged and still there",
        "a refused request must not change anything (E2)",
        mistake=(
            "The 403 came after the change was saved: call check_object_permissions() in "
            "get_object(), before save() or delete(), not after."
        ),
    )


@E2
def test_e2_anonymous_cannot_change_a_course(api, login, make_course):
    """An anonymous PUT answers 401 (not logged in) before the course is even looked at, a missing one too."""
    owner, _ = login()
    course = make_course(code="MINE2", title="Mine", owner=owner)
    reply = api.put(detail_url(course.pk), {"code": "ANON", "title": "Anonymous"})
    expect_status(
        reply,
        401,
        "only logged-in users may write (E2)",
        mistake="Set permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly] and Basic authentication first.",
    )
    expect(
        course_state(course) == ("MINE2", "Mine", 5),
        reply,
        "the course unchanged",
        "a refused request must not change anything (E2)",
    )
    missing = api.put(detail_url(MISSING_ID), {"code": "ANON", "title": "Anonymous"})
    expect_status(
        missing,
        401,
        f"an anonymous write is refused before any course is looked up, course {MISSING_ID} "
        "included, so it learns nothing about which ids exist (E2)",
        mistake=(
            "Keep IsAuthenticatedOrReadOnly in permission_classes, before IsOwnerOrReadOnly: "
            "APIView checks it before the handler runs, while IsOwnerOrReadOnly only runs once "
            "get_object() has found the course."
        ),
    )


@E2
def test_e2_post_answers_405(api, login, make_course):
    """A course's URL has no post(): courses are created on the collection."""
    owner, auth = login()
    course = make_course(owner=owner)
    reply = api.post(detail_url(course.pk), {"code": "X", "title": "X"}, headers=auth)
    expect_status(
        reply,
        405,
        "POST belongs to the collection, not to one course (E2)",
        mistake=(
            "Define get(), put(), patch() and delete() only, on a class of their own: a "
            "CourseDetail that inherits from CourseList inherits its post() too."
        ),
    )


# ------------------------------------------------------------------ E3: enrol, 409 and 429


@E3
def test_e3_logged_in_user_enrols_a_student(api, login, make_course, make_student):
    """A logged-in POST {"student": id} enrols the student in the course and answers 201."""
    _, auth = login()
    make_course()
    course = make_course()
    student = make_student()
    reply = api.post(enrol_url(course.pk), {"student": student.pk}, headers=auth)
    expect_status(
        reply,
        201,
        "a logged-in user may enrol a student, and a POST that creates answers 201 (E3)",
        mistake=(THROTTLE_CONFIG if reply.status == 500 else HANDLERS)
        + " The course is the one in the URL: get_object_or_404(Course, pk=pk).",
    )
    expect(
        isinstance(reply.data, dict)
        and reply.data.get("student") == student.pk
        and reply.data.get("course") == course.pk,
        reply,
        f'the enrolment, with "student": {student.pk} and "course": {course.pk}',
        "the client sees what was created (E3)",
        mistake="Save with serializer.save(course=course): the course comes from the URL.",
    )
    expect(
        Enrolment.objects.filter(course=course, student=student).exists(),
        reply,
        "the enrolment saved in the database",
        "POST must save it (E3)",
    )


def _why_not_409(reply):
    """The likely mistake behind a second enrolment that did not answer 409."""
    if reply.status == 200:
        return (
            "A 200 means the view returned a Response for the error: raise AlreadyEnrolled() "
            "instead, and DRF answers with its status_code."
        )
    if reply.status == 500 and isinstance(reply.data, dict) and "detail" in reply.data:
        return (
            "A JSON 500 is an APIException without a status code: give AlreadyEnrolled "
            "status_code = status.HTTP_409_CONFLICT (APIException's default is 500)."
        )
    if reply.status == 500:
        return (
            "A crash is the unique constraint's IntegrityError: save inside "
            "`with transaction.atomic():`, catch IntegrityError and raise AlreadyEnrolled()."
        )
    return "Raise AlreadyEnrolled(), an APIException with status_code = status.HTTP_409_CONFLICT."


@E3
def test_e3_enrolling_twice_answers_409(api, login, make_course, make_student, enrol):
    """Enrolling a student who is already enrolled raises AlreadyEnrolled: 409 with a detail."""
    _, auth = login()
    course = make_course()
    student = make_student()
    enrol(course, student)
    reply = api.post(enrol_url(course.pk), {"student": student.pk}, headers=auth)
    expect_status(
        reply,
        409,
        "the student is already enrolled: the request conflicts with the stored state (E3)",
        mistake=_why_not_409(reply),
    )
    detail = reply.data.get("detail") if isinstance(reply.data, dict) else None
    expect(
        isinstance(detail, str) and detail and detail != APIException.default_detail,
        reply,
        'a JSON body {"detail": "..."} from AlreadyEnrolled.default_detail, which says what went wrong',
        "DRF turns a raised APIException into a JSON error, with the class's own message (E3)",
        mistake=(
            'Give AlreadyEnrolled a default_detail of its own, such as "This student is already '
            f"enrolled in this course.\": APIException's is {APIException.default_detail!r}."
        ),
    )
    expect(
        Enrolment.objects.filter(course=course, student=student).count() == 1,
        reply,
        "still exactly one enrolment",
        "a refused request must not change anything (E3)",
    )


@E3
def test_e3_unknown_student_answers_400(api, login, make_course):
    """A student id that does not exist is invalid input: 400 with the error under `student`."""
    _, auth = login()
    course = make_course()
    reply = api.post(enrol_url(course.pk), {"student": MISSING_ID}, headers=auth)
    expect_status(
        reply,
        400,
        f"there is no student {MISSING_ID} to enrol (E3)",
        mistake="Validate the body with EnrolmentSerializer(data=request.data).is_valid(raise_exception=True).",
    )
    expect(
        isinstance(reply.data, dict) and "student" in reply.data,
        reply,
        'errors under "student"',
        "the client must learn which field was wrong (E3)",
    )


@E3
def test_e3_missing_course_answers_404(api, login, make_student):
    """Enrolling in a course that does not exist answers 404."""
    _, auth = login()
    student = make_student()
    reply = api.post(enrol_url(MISSING_ID), {"student": student.pk}, headers=auth)
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_ID} (E3)",
        mistake="Fetch the course with get_object_or_404(Course, pk=pk).",
    )


@E3
def test_e3_anonymous_enrolment_answers_401(api, make_course, make_student):
    """Only logged-in users may enrol students: an anonymous POST answers 401."""
    course = make_course()
    student = make_student()
    reply = api.post(enrol_url(course.pk), {"student": student.pk})
    expect_status(
        reply,
        401,
        "enrolling needs a logged-in user (E3)",
        mistake="Set permission_classes = [IsAuthenticated] and Basic authentication first.",
    )
    expect(
        not Enrolment.objects.exists(),
        reply,
        "no enrolment saved",
        "a refused request must not change anything (E3)",
    )


@E3
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_e3_methods_without_a_handler_answer_405(api, login, make_course, method):
    """The enrolments URL only has post(): other methods answer 405."""
    _, auth = login()
    course = make_course()
    reply = api.request(method, enrol_url(course.pk), json={}, headers=auth)
    expect_status(
        reply,
        405,
        f"CourseEnrolments defines no {method.lower()}() (E3)",
        mistake="Define post() only on CourseEnrolments.",
    )


@E3
def test_e3_a_409_or_a_400_counts_against_the_limit(api, login, make_course, make_student, enrol):
    """Every request that reaches the throttle counts, refused ones too: after a 409 and a 400, one more 201, then 429."""
    _, auth = login()
    course = make_course()
    taken = make_student()
    enrol(course, taken)
    replies = [
        api.post(enrol_url(course.pk), {"student": taken.pk}, headers=auth),
        api.post(enrol_url(course.pk), {"student": MISSING_ID}, headers=auth),
        api.post(enrol_url(course.pk), {"student": make_student().pk}, headers=auth),
        api.post(enrol_url(course.pk), {"student": make_student().pk}, headers=auth),
    ]
    statuses = [reply.status for reply in replies]
    expect(
        statuses == [409, 400, 201, 429],
        replies[-1],
        f"the four requests to answer 409, 400, 201 and 429, not {statuses}",
        f"EnrolmentThrottle counts every request that reaches it, {RATE} a minute (E3)",
        mistake="Let throttle_classes = [EnrolmentThrottle] do the counting, before post() runs.",
    )


@E3
def test_e3_anonymous_requests_answer_401_and_are_not_counted(api, make_course, make_student):
    """The permission check comes before the throttle: an anonymous client gets 401 every time, never 429."""
    course = make_course()
    for attempt in range(1, RATE + 3):
        reply = api.post(enrol_url(course.pk), {"student": make_student().pk})
        expect_status(
            reply,
            401,
            f"anonymous request number {attempt} is refused for want of a login, "
            "before the throttle counts it (E3)",
            mistake="Set permission_classes = [IsAuthenticated]: DRF checks permissions before throttles.",
        )


class _AnotherViewsThrottle(UserRateThrottle):
    """A throttle with UserRateThrottle's default scope, "user", as another view might use."""

    rate = "3/minute"


@E3
def test_e3_the_throttle_has_a_counter_of_its_own(api, login, make_course, make_student):
    """Requests another view's UserRateThrottle counted (scope "user") leave the enrolment limit whole."""
    user, auth = login()
    course = make_course()
    other_view = _AnotherViewsThrottle()
    for _ in range(RATE):
        other_view.allow_request(SimpleNamespace(user=user), None)
    reply = api.post(enrol_url(course.pk), {"student": make_student().pk}, headers=auth)
    expect_status(
        reply,
        201,
        f'this user\'s {RATE} requests elsewhere were counted under the scope "user", not '
        "EnrolmentThrottle's (E3)",
        mistake=(
            'Give EnrolmentThrottle a scope of its own, such as scope = "l04-enrolments": '
            'UserRateThrottle\'s default scope "user" is one counter for every view that keeps it.'
        ),
    )


def _enrol_up_to_the_limit(api, auth, course, make_student):
    """Send RATE enrolments, each of which must succeed."""
    for _ in range(RATE):
        reply = api.post(enrol_url(course.pk), {"student": make_student().pk}, headers=auth)
        expect_status(
            reply,
            201,
            f"the first {RATE} enrolments in a minute are allowed (E3)",
            mistake=THROTTLE_CONFIG if reply.status == 500 else 'Is the rate "3/minute"?',
        )


@E3
def test_e3_fourth_request_in_a_minute_answers_429(api, make_api, login, make_course, make_student):
    """After 3 requests in a minute a user gets 429 with Retry-After; another user is not affected."""
    _, auth = login()
    course = make_course()
    _enrol_up_to_the_limit(api, auth, course, make_student)
    student = make_student()
    reply = api.post(enrol_url(course.pk), {"student": student.pk}, headers=auth)
    expect_status(
        reply,
        429,
        f"EnrolmentThrottle allows {RATE} requests a minute per user and this is number {RATE + 1} (E3)",
        mistake=(
            'Set throttle_classes = [EnrolmentThrottle] with rate = "3/minute" on '
            "CourseEnrolments, and make EnrolmentThrottle a UserRateThrottle: an "
            "AnonRateThrottle never counts a logged-in user."
        ),
    )
    retry_after = reply.header("Retry-After") or ""
    expect(
        retry_after.isdigit() and 0 < int(retry_after) <= 60,
        reply,
        "a Retry-After header with the seconds to wait (at most 60)",
        "a throttled client must learn when to try again (E3)",
    )
    expect(
        not Enrolment.objects.filter(student=student).exists(),
        reply,
        "the throttled enrolment not saved",
        "a throttled request never reaches post() (E3)",
    )
    _, other = login()
    reply = make_api().post(enrol_url(course.pk), {"student": student.pk}, headers=other)
    expect_status(
        reply,
        201,
        "a UserRateThrottle counts each user's requests separately (E3)",
        mistake="Subclass UserRateThrottle, which counts per user, not AnonRateThrottle or a fixed key.",
    )


@E3
def test_e3_the_throttle_lets_a_user_in_again_a_minute_later(api, login, make_course, make_student):
    """The limit is per minute: 61 seconds after the 3 requests, the same user may enrol again."""
    _, auth = login()
    course = make_course()
    with time_machine.travel(time.time(), tick=False) as clock:
        _enrol_up_to_the_limit(api, auth, course, make_student)
        clock.shift(61)
        reply = api.post(enrol_url(course.pk), {"student": make_student().pk}, headers=auth)
    expect_status(
        reply,
        201,
        "the throttle forgets requests older than a minute (E3)",
        mistake='Use rate = "3/minute": the part after the slash is the window.',
    )
