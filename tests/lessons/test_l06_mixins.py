"""Graded tests for lesson 06: views composed from mixins (lessons/l06_mixins/exercise.py)."""

import importlib
import json as jsonlib

import pytest
from django.urls import reverse
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory, force_authenticate

from course.testing import Reply, expect, expect_status
from lessons.l06_mixins.serializers import StudentSerializer
from playground_project.domain.models import Course, Student

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")
E4 = pytest.mark.exercise("E4")

MISSING_CODE = "NOSUCH1"
LEARNER_MODULE = "lessons.l06_mixins.exercise"
# E4's probe: a student viewset built in the test on the learner's mixin, served at no URL.
PROBE_URL = "a student viewset on your OwnedByUserMixin"

NO_HANDLER = (
    "Mixins provide actions, not handlers: does the class define get() (and post(), patch()) "
    "returning self.list(...), self.create(...) and so on? Did you delete the stub's initial()?"
)
BINDING = (
    'Bind the actions with MyCourseViewSet.as_view({...}): {"get": "list", "post": '
    '"create"} for my_course_list, {"get": "retrieve"} for my_course_detail.'
)
ORDER = (
    "Is OwnedByUserMixin the FIRST base of MyCourseViewSet? Python looks methods up left to "
    "right (MyCourseViewSet.__mro__): after GenericViewSet, GenericAPIView.get_queryset() is "
    "found first and the mixin's never runs; after CreateModelMixin, the same happens to "
    "perform_create()."
)


def course_state(code):
    """The stored (code, title, credits) of a course, or None when there is none."""
    row = Course.objects.filter(code=code).values_list("code", "title", "credits").first()
    return tuple(row) if row else None


def codes_in(reply):
    """The course codes of a list reply, sorted; [] when the body is not a list of courses."""
    data = reply.data if isinstance(reply.data, list) else []
    return sorted(item.get("code") for item in data if isinstance(item, dict))


# ------------------------------------------------------------------ E1: list + create mixins


@E1
def test_e1_anyone_can_list_the_courses(api, login, make_course):
    """An anonymous GET answers 200 with every course, through ListModelMixin.list()."""
    owner, _ = login("ada")
    make_course(code="DRF101", owner=owner)
    make_course(code="PY201")
    reply = api.get(reverse("l06:course-list"))
    expect_status(reply, 200, "GET lists the courses, for anyone (E1)", mistake=NO_HANDLER)
    expect(
        codes_in(reply) == ["DRF101", "PY201"],
        reply,
        "a JSON list with DRF101 and PY201",
        "get() returns self.list(...), which serializes the whole queryset (E1)",
    )


@E1
def test_e1_logged_in_post_creates_a_course_they_own(api, login):
    """A logged-in POST answers 201 with the new course, owned by that user."""
    user, auth = login("grace")
    body = {"code": "API300", "title": "API design", "credits": 10}
    reply = api.post(reverse("l06:course-list"), body, headers=auth)
    expect_status(
        reply,
        201,
        "post() returns self.create(...), which answers 201 Created (E1)",
        mistake=NO_HANDLER,
    )
    expect(
        Course.objects.filter(code="API300", owner=user).exists()
        and isinstance(reply.data, dict)
        and reply.data.get("owner") == "grace",
        reply,
        'the course API300 saved with "owner": "grace"',
        "the course belongs to whoever created it (E1)",
        mistake="Override perform_create(self, serializer): serializer.save(owner=self.request.user).",
    )


@E1
def test_e1_anonymous_post_answers_401(api):
    """An anonymous POST answers 401 and saves nothing."""
    reply = api.post(reverse("l06:course-list"), {"code": "ANON1", "title": "Nobody's"})
    expect_status(
        reply,
        401,
        "only logged-in users may create courses (E1)",
        mistake=(
            "A 403 means the first authentication class has no challenge to send: list "
            "BasicAuthentication before SessionAuthentication."
            if reply.status == 403
            else "Set authentication_classes = [BasicAuthentication, SessionAuthentication] and "
            "permission_classes = [IsAuthenticatedOrReadOnly], as in lesson 04."
        ),
    )
    expect(
        not Course.objects.filter(code="ANON1").exists(),
        reply,
        "no course saved",
        "a refused request must not change anything (E1)",
    )


@E1
def test_e1_invalid_body_answers_400(api, login):
    """A logged-in POST without `code` and with a blank `title` answers 400 with both errors."""
    _, auth = login()
    reply = api.post(reverse("l06:course-list"), {"title": ""}, headers=auth)
    expect_status(
        reply,
        400,
        "CreateModelMixin.create() validates with raise_exception=True (E1)",
        mistake=NO_HANDLER,
    )
    expect(
        isinstance(reply.data, dict) and {"code", "title"} <= set(reply.data),
        reply,
        "errors under both `code` and `title`",
        "the client must learn what to fix in each field (E1)",
    )


@E1
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_e1_methods_without_a_handler_answer_405(api, login, method):
    """The collection has only get() and post(): other methods answer 405."""
    _, auth = login()
    reply = api.request(method, reverse("l06:course-list"), json={}, headers=auth)
    expect_status(
        reply,
        405,
        f"CourseList has no {method.lower()}() handler (E1)",
        mistake=(
            "Write get() and post() only, on ListModelMixin + CreateModelMixin + GenericAPIView. "
            "A 500 means CourseList found a handler for it, for instance by inheriting from "
            "CourseDetail: share settings through attributes, not through another view's handlers."
        ),
    )


# ------------------------------------------------------------------ E2: GET + PATCH, nothing else


@E2
def test_e2_anyone_can_read_a_course_by_its_code(api, make_course):
    """An anonymous GET on /courses/<code>/ answers 200 with that course."""
    make_course(code="DRF101", title="REST")
    reply = api.get(reverse("l06:course-detail", kwargs={"code": "DRF101"}))
    expect_status(
        reply,
        200,
        "GET reads one course, looked up by its code, for anyone (E2)",
        mistake=(
            "Reading is for anyone: permission_classes = [IsAuthenticatedOrReadOnly, "
            "IsOwnerOrReadOnly], not IsAuthenticated."
            if reply.status in (401, 403)
            else NO_HANDLER + ' Set lookup_field = "code": the URL keyword is <str:code>.'
        ),
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("code") == "DRF101",
        reply,
        "the course DRF101",
        "get() returns self.retrieve(...) (E2)",
    )


@E2
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_e2_missing_course_answers_404(api, login, method):
    """GET and PATCH on a code that no course has answer 404."""
    _, auth = login()
    url = reverse("l06:course-detail", kwargs={"code": MISSING_CODE})
    reply = api.request(method, url, json={"title": "X"}, headers=auth)
    expect_status(
        reply,
        404,
        f"there is no course {MISSING_CODE} (E2)",
        mistake=NO_HANDLER,
    )


@E2
def test_e2_owner_can_patch_one_field(api, login, make_course):
    """The owner's PATCH {"title": ...} changes the title and keeps the other fields."""
    owner, auth = login()
    make_course(code="KEEP2", title="Before", credits=5, owner=owner)
    url = reverse("l06:course-detail", kwargs={"code": "KEEP2"})
    reply = api.patch(url, {"title": "After"}, headers=auth)
    expect_status(
        reply,
        200,
        "the owner may change the course, and PATCH may send only some fields (E2)",
        mistake=(
            "A 400 asking for `code` means patch() called self.update(...), which validates "
            "like a PUT: call self.partial_update(...)."
            if reply.status == 400
            else NO_HANDLER
        ),
    )
    expect(
        course_state("KEEP2") == ("KEEP2", "After", 5)
        and isinstance(reply.data, dict)
        and reply.data.get("title") == "After",
        reply,
        "title After, credits unchanged, in the reply and in the database",
        "PATCH changes only what it sends, and answers the course as saved (E2)",
    )


@E2
def test_e2_invalid_patch_answers_400(api, login, make_course):
    """A PATCH with an invalid value answers 400 and changes nothing."""
    owner, auth = login()
    make_course(code="KEEP3", title="Kept", credits=5, owner=owner)
    url = reverse("l06:course-detail", kwargs={"code": "KEEP3"})
    reply = api.patch(url, {"credits": 99}, headers=auth)
    expect_status(
        reply,
        400,
        "credits must be between 1 and 30 (E2)",
        mistake=(
            "A 200 means the validation errors were dropped: return self.partial_update(...), "
            "which calls is_valid(raise_exception=True), rather than validating by hand."
            if reply.status == 200
            else NO_HANDLER
        ),
    )
    expect(
        course_state("KEEP3") == ("KEEP3", "Kept", 5),
        reply,
        "the course unchanged",
        "an invalid PATCH saves nothing (E2)",
    )


@E2
def test_e2_someone_else_cannot_patch(api, login, make_course):
    """A logged-in user who does not own the course gets 403 from PATCH; nothing changes."""
    owner, _ = login("owner")
    _, intruder = login("intruder")
    make_course(code="MINE1", title="Mine", credits=5, owner=owner)
    url = reverse("l06:course-detail", kwargs={"code": "MINE1"})
    reply = api.patch(url, {"title": "Taken over"}, headers=intruder)
    expect_status(
        reply,
        403,
        "only the owner may change a course (E2)",
        mistake=(
            "Put IsOwnerOrReadOnly in permission_classes: GenericAPIView.get_object() "
            "asks it, as long as the actions fetch through get_object()."
        ),
    )
    expect(
        course_state("MINE1") == ("MINE1", "Mine", 5),
        reply,
        "the course unchanged",
        "a refused request must not change anything (E2)",
    )


@E2
def test_e2_anonymous_patch_answers_401(api, login, make_course):
    """An anonymous PATCH answers 401, asking for a login, and changes nothing."""
    owner, _ = login("owner")
    make_course(code="MINE3", title="Mine", credits=5, owner=owner)
    url = reverse("l06:course-detail", kwargs={"code": "MINE3"})
    reply = api.patch(url, {"title": "Anonymous"})
    expect_status(
        reply,
        401,
        "changing a course needs a login, and the client must be told how to send one (E2)",
        mistake=(
            "A 403 means the first authentication class has no challenge to send: set "
            "authentication_classes = [BasicAuthentication, SessionAuthentication] on "
            "CourseDetail too (DRF's defaults put SessionAuthentication first)."
            if reply.status == 403
            else "Set permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]."
        ),
    )
    expect(
        course_state("MINE3") == ("MINE3", "Mine", 5),
        reply,
        "the course unchanged",
        "a refused request must not change anything (E2)",
    )


@E2
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_e2_put_and_delete_answer_405_even_for_the_owner(api, login, make_course, method):
    """The detail view answers GET and PATCH only: PUT and DELETE are 405, even for the owner."""
    owner, auth = login()
    make_course(code="MINE2", title="Mine", credits=5, owner=owner)
    url = reverse("l06:course-detail", kwargs={"code": "MINE2"})
    body = {"code": "MINE2", "title": "Replaced", "credits": 30}
    reply = api.request(method, url, json=body, headers=auth)
    expect_status(
        reply,
        405,
        f"a course is never replaced or deleted here, so {method} has no handler (E2)",
        mistake=(
            "Write get() and patch() only, on RetrieveModelMixin + UpdateModelMixin + "
            "GenericAPIView: RetrieveUpdateDestroyAPIView, or a put() or delete() handler, "
            "answers PUT and DELETE."
        ),
    )
    expect(
        course_state("MINE2") == ("MINE2", "Mine", 5),
        reply,
        "the course unchanged and still there",
        "a refused request must not change anything (E2)",
    )


# ------------------------------------------------------------------ E3: a viewset bound by hand


@E3
def test_e3_list_answers_the_users_courses(api, login, make_course):
    """A logged-in GET on /my-courses/ answers 200 with a list that holds the user's course."""
    user, auth = login()
    make_course(code="OWN1", owner=user)
    reply = api.get(reverse("l06:my-course-list"), headers=auth)
    expect_status(reply, 200, "GET is bound to the list action (E3)", mistake=BINDING)
    expect(
        "OWN1" in codes_in(reply),
        reply,
        "a JSON list that includes the user's course OWN1",
        "the list action serializes the viewset's queryset (E3)",
    )


@E3
def test_e3_post_creates_a_course(api, login):
    """A logged-in POST on /my-courses/ creates the course and answers 201."""
    _, auth = login()
    body = {"code": "NEW6", "title": "Viewsets", "credits": 5}
    reply = api.post(reverse("l06:my-course-list"), body, headers=auth)
    expect_status(reply, 201, "POST is bound to the create action (E3)", mistake=BINDING)
    expect(
        course_state("NEW6") == ("NEW6", "Viewsets", 5),
        reply,
        "the course NEW6 saved",
        "create() saves through the serializer (E3)",
    )


@E3
def test_e3_retrieve_answers_the_course(api, login, make_course):
    """A logged-in GET on /my-courses/<code>/ answers 200 with that course."""
    user, auth = login()
    make_course(code="OWN2", title="Mine", owner=user)
    reply = api.get(reverse("l06:my-course-detail", kwargs={"code": "OWN2"}), headers=auth)
    expect_status(
        reply,
        200,
        "GET on the detail URL is bound to the retrieve action (E3)",
        mistake=BINDING + ' Set lookup_field = "code".',
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("code") == "OWN2",
        reply,
        "the course OWN2",
        "retrieve() serializes get_object() (E3)",
    )


@E3
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_e3_detail_has_no_put_patch_delete_or_post(api, login, make_course, method):
    """A viewset of Create + List + Retrieve mixins has nothing to bind to PUT, PATCH or DELETE: 405."""
    user, auth = login()
    make_course(code="OWN3", title="Mine", credits=5, owner=user)
    url = reverse("l06:my-course-detail", kwargs={"code": "OWN3"})
    body = {"code": "OWN3", "title": "Changed", "credits": 30}
    reply = api.request(method, url, json=body, headers=auth)
    expect_status(
        reply,
        405,
        f"MyCourseViewSet has no update or destroy action, and {method} is not bound on the "
        f"detail URL (E3)",
        mistake=(
            'Bind only {"get": "retrieve"} on my_course_detail, and compose Create, List and '
            "Retrieve mixins only: no UpdateModelMixin, no DestroyModelMixin."
            if reply.status != 500
            else "A 500 on every method is usually a binding to an action the viewset lacks "
            "(AttributeError: 'MyCourseViewSet' object has no attribute 'update')."
        ),
    )
    expect(
        course_state("OWN3") == ("OWN3", "Mine", 5),
        reply,
        "the course unchanged and still there",
        "a refused request must not change anything (E3)",
    )


@E3
def test_e3_collection_has_no_delete(api, login):
    """DELETE on /my-courses/ is not bound: 405."""
    _, auth = login()
    reply = api.delete(reverse("l06:my-course-list"), headers=auth)
    expect_status(
        reply,
        405,
        "only GET and POST are bound on the collection (E3)",
        mistake='Bind {"get": "list", "post": "create"} on my_course_list, nothing more.',
    )


@E3
def test_e3_anonymous_answers_401(api):
    """`my` courses need a user: an anonymous GET answers 401."""
    reply = api.get(reverse("l06:my-course-list"))
    expect_status(
        reply,
        401,
        "the list of my courses needs a logged-in user (E3)",
        mistake=(
            "Set permission_classes = [IsAuthenticated], with BasicAuthentication first in "
            "authentication_classes."
        ),
    )


# ------------------------------------------------------------------ E4: a mixin of your own


@E4
def test_e4_list_shows_only_my_courses(api, login, make_course):
    """The list holds the user's own courses and nobody else's."""
    me, auth = login("me")
    other, _ = login("other")
    make_course(code="MINE4", owner=me)
    make_course(code="THEIRS4", owner=other)
    make_course(code="NOBODY4")
    reply = api.get(reverse("l06:my-course-list"), headers=auth)
    expect_status(reply, 200, "the user may list their courses (E4)", mistake=BINDING)
    expect(
        codes_in(reply) == ["MINE4"],
        reply,
        'only ["MINE4"]',
        "OwnedByUserMixin.get_queryset() keeps the user's own courses (E4)",
        mistake=ORDER,
    )


@E4
def test_e4_someone_elses_course_answers_404(api, login, make_course):
    """Another user's course is not in my queryset, so its detail URL answers 404, not 403."""
    _, auth = login("me")
    other, _ = login("other")
    make_course(code="THEIRS5", owner=other)
    reply = api.get(reverse("l06:my-course-detail", kwargs={"code": "THEIRS5"}), headers=auth)
    expect_status(
        reply,
        404,
        "get_object() looks in get_queryset(), which holds only my courses (E4)",
        mistake=ORDER,
    )


@E4
def test_e4_create_makes_me_the_owner(api, login):
    """A course created through /my-courses/ is owned by the user who created it."""
    me, auth = login("me")
    body = {"code": "MADE6", "title": "Mine from the start"}
    reply = api.post(reverse("l06:my-course-list"), body, headers=auth)
    expect_status(reply, 201, "a logged-in user may create a course (E4)", mistake=BINDING)
    expect(
        Course.objects.filter(code="MADE6", owner=me).exists()
        and isinstance(reply.data, dict)
        and reply.data.get("owner") == "me",
        reply,
        'the course MADE6 saved with "owner": "me"',
        "OwnedByUserMixin.perform_create() saves request.user as the owner (E4)",
        mistake=ORDER,
    )


@E4
def test_e4_the_mixin_scopes_any_model(login, make_student):
    """OwnedByUserMixin names no model: on a student viewset it keeps and stamps the user's students."""
    learner = importlib.import_module(LEARNER_MODULE)
    owned_by_user = getattr(learner, "OwnedByUserMixin", None)
    expect(
        isinstance(owned_by_user, type),
        _probe_reply("GET", 500, "exercise.py has no class OwnedByUserMixin"),
        "a class OwnedByUserMixin in exercise.py",
        "the viewset of E4 is built on it (E4)",
    )

    class StudentProbe(
        owned_by_user, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
    ):
        authentication_classes = []
        permission_classes = [AllowAny]
        queryset = Student.objects.all()
        serializer_class = StudentSerializer

    me, _ = login("me")
    other, _ = login("other")
    make_student(name="Mine", owner=me)
    make_student(name="Theirs", owner=other)
    not_a_model = (
        "Start from super().get_queryset() and filter on owner: the mixin must not name Course, "
        "so that any viewset with a queryset of owned rows can use it."
    )
    listed = _probe(StudentProbe, "get", "list", me)
    names = sorted(s.get("name") for s in listed.data or [] if isinstance(s, dict))
    expect(
        listed.status == 200 and names == ["Mine"],
        listed,
        'only the student ["Mine"]',
        "the mixin filters whatever the viewset's queryset holds (E4)",
        mistake=not_a_model,
    )
    created = _probe(
        StudentProbe, "post", "create", me, {"name": "New", "email": "new@example.com"}
    )
    expect(
        created.status == 201 and Student.objects.filter(name="New", owner=me).exists(),
        created,
        "201 and the student New saved with owner me",
        "perform_create() stamps the owner on any model (E4)",
        mistake=not_a_model,
    )


def _probe_reply(method, status, text):
    return Reply(method, PROBE_URL, None, status, {}, text)


def _probe(viewset, method, action, user, body=None):
    """Call `viewset` in this process, logged in as `user`, and wrap its answer as a Reply."""
    factory = APIRequestFactory()
    request = getattr(factory, method)("/probe/", body, format="json" if body else None)
    force_authenticate(request, user=user)
    sent = jsonlib.dumps(body) if body else None
    try:
        response = viewset.as_view({method: action})(request)
        response.render()
    except Exception as exc:  # a crash in the learner's mixin: a 500, as a server would answer
        return Reply(method.upper(), PROBE_URL, sent, 500, {}, f"{type(exc).__name__}: {exc}")
    return Reply(
        method.upper(), PROBE_URL, sent, response.status_code, {}, response.content.decode()
    )
