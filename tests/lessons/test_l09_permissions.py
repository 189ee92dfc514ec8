"""Graded tests for lesson 09: permissions (lessons/l09_permissions/exercise.py)."""

import importlib
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rest_framework.authtoken.models import Token

from course.stubs import NotDone
from course.testing import expect, expect_status
from playground_project.domain.models import Course, Student

EXERCISE = "lessons.l09_permissions.exercise"
FILE = "lessons/l09_permissions/exercise.py"
E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

OWNER_ONLY = "Only the owner of this student may change or delete it."  # README E2
GENERIC_403 = "You do not have permission to perform this action."  # DRF's PermissionDenied
NO_STUB = "Did you delete the stub's initial() method?"
NOT_A_LIST = (
    "A 500 with TypeError: '... object is not iterable' means permission_classes is not a list: "
    "(IsAuthenticated) without a comma is just IsAuthenticated in parentheses. "
    "Write [IsAuthenticated]."
)
NEW_COURSE = {"code": "SEC101", "title": "Web security", "credits": 5}
NEW_STUDENT = {"name": "Radia Perlman", "email": "radia@example.com", "year": 2}


def body(method, data):
    """Send `data` as JSON with the methods that carry a body, nothing with GET and DELETE."""
    return {"json": data} if method in ("POST", "PUT", "PATCH") else {}


@pytest.fixture
def token_login(make_user):
    """`token_login("alice")` (or `token_login("boss", is_staff=True)`): a user and the headers of their token."""

    def make(username, **fields):
        user = make_user(username, **fields)
        token = Token.objects.create(user=user)
        return user, {"Authorization": f"Token {token.key}"}

    return make


def url(basename, pk=None):
    if pk is None:
        return reverse(f"l09:{basename}-list")
    return reverse(f"l09:{basename}-detail", kwargs={"pk": pk})


def codes(reply):
    return sorted(c.get("code") for c in reply.data or [] if isinstance(c, dict))


def names(reply):
    return sorted(s.get("name") for s in reply.data or [] if isinstance(s, dict))


# ------------------------------------------------------------------ E1: staff change the catalogue


@E1
@pytest.mark.parametrize(
    ("method", "allowed"),
    [(m, True) for m in ("GET", "HEAD", "OPTIONS")]
    + [(m, False) for m in ("POST", "PUT", "PATCH", "DELETE")],
)
def test_e1_read_only_allows_the_safe_methods_only(method, allowed):
    """ReadOnly.has_permission() is True for GET, HEAD and OPTIONS, False for every other method."""
    read_only = getattr(importlib.import_module(EXERCISE), "ReadOnly", None)
    if read_only is None:
        pytest.fail(
            f"MISSING CLASS: {FILE} has no `ReadOnly`. Did you misname it or forget to define it?",
            pytrace=False,
        )
    request = SimpleNamespace(method=method, user=AnonymousUser())
    try:
        answer = read_only().has_permission(request, None)
    except NotDone:
        answer = "NotDone (the stub)"
    if isinstance(answer, str) or bool(answer) != allowed:
        pytest.fail(
            f"Called ReadOnly().has_permission() for a {method} request, got {answer!r}; "
            f"expected {allowed} because {method} is {'' if allowed else 'not '}one of the safe "
            "methods, SAFE_METHODS = ('GET', 'HEAD', 'OPTIONS') (E1). "
            "Return request.method in SAFE_METHODS.",
            pytrace=False,
        )


@E1
def test_e1_anyone_reads_the_catalogue(api, make_course):
    """An anonymous caller may list the courses and read one: reading is allowed to all."""
    course = make_course(code="DRF101")
    reply = api.get(url("course"))
    expect_status(
        reply,
        200,
        "anyone may read the catalogue (E1)",
        mistake="A 401 for a GET: is ReadOnly combined with | (OR), or listed next to "
        "IsAdminUser, which means AND?",
    )
    expect(codes(reply) == ["DRF101"], reply, '[{"code": "DRF101", ...}]', "the list (E1)")
    one = api.get(url("course", course.pk))
    expect_status(one, 200, "anyone may read one course too (E1)", mistake=NO_STUB)


@E1
def test_e1_an_anonymous_write_answers_401(api):
    """An anonymous POST is refused with 401: the caller has not said who they are."""
    reply = api.post(url("course"), NEW_COURSE)
    expect_status(
        reply,
        401,
        "nobody is logged in, and TokenAuthentication, the first class, has a challenge (E1)",
        mistake=(
            "A 500 means the POST got through to perform_create(): ReadOnly must refuse it in "
            "has_permission(), since has_object_permission() never runs for a create."
            if reply.status == 500
            else "A 201 means anonymous callers may write: is IsAdminUser in the composition?"
        ),
    )
    expect(
        reply.header("WWW-Authenticate") == "Token",
        reply,
        "`WWW-Authenticate: Token`",
        "a 401 tells the client how to authenticate (E1)",
    )
    expect(
        not Course.objects.exists(),
        reply,
        "no course created",
        "a refused request changes nothing (E1)",
    )


@E1
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_e1_a_logged_in_non_staff_user_gets_403(api, token_login, make_course, method):
    """A logged-in user who is not staff may not write: 403, and nothing changes."""
    course = make_course(code="DRF101", title="Before")
    _, alice = token_login("alice")
    target = url("course") if method == "POST" else url("course", course.pk)
    reply = api.request(
        method, target, headers=alice, **body(method, {**NEW_COURSE, "title": "After"})
    )
    expect_status(
        reply,
        403,
        f"alice is logged in but not staff, and {method} changes the catalogue (E1)",
        mistake="A 2xx means any logged-in user may write: IsAuthenticatedOrReadOnly lets every "
        "user in; IsAdminUser lets in staff only. A 201 for POST alone means ReadOnly checks the "
        "method in has_object_permission(), which no create reaches: write has_permission().",
    )
    course.refresh_from_db()
    expect(
        Course.objects.count() == 1 and course.title == "Before",
        reply,
        "the catalogue unchanged",
        "a refused request changes nothing (E1)",
    )


@E1
def test_e1_staff_create_change_and_delete(api, token_login, make_course):
    """Staff may create (201), change (200) and delete (204) courses."""
    boss, headers = token_login("boss", is_staff=True)
    created = api.post(url("course"), NEW_COURSE, headers=headers)
    expect_status(
        created,
        201,
        "boss is staff (E1)",
        mistake="A 403 for staff: permission_classes = [IsAdminUser, ReadOnly] means IsAdminUser "
        "AND ReadOnly, which no write passes. Write [IsAdminUser | ReadOnly].",
    )
    course = Course.objects.select_related("owner").get(code="SEC101")
    expect(
        course.owner == boss
        and isinstance(created.data, dict)
        and created.data.get("owner") == "boss",
        created,
        'the course SEC101 saved and answered with "owner": "boss"',
        "a new course belongs to the staff member who created it (E1)",
        mistake="Keep the given perform_create(): serializer.save(owner=self.request.user). "
        "The owner field is read-only, so without it the course is saved with no owner.",
    )
    changed = api.patch(
        url("course", course.pk), {"title": "Web security, revised"}, headers=headers
    )
    expect_status(changed, 200, "staff may change a course (E1)")
    deleted = api.delete(url("course", course.pk), headers=headers)
    expect_status(deleted, 204, "staff may delete a course (E1)")


# ------------------------------------------------------------------ E2: owner-only writes


@E2
def test_e2_anyone_lists_the_students(api, make_student):
    """An anonymous caller may list every student."""
    make_student(name="Ada")
    reply = api.get(url("student"))
    expect_status(reply, 200, "reading is allowed to all (E2)", mistake=NO_STUB)
    expect(names(reply) == ["Ada"], reply, '[{"name": "Ada", ...}]', "the list (E2)")


@E2
def test_e2_a_non_owner_reads_another_users_student(api, token_login, make_user, make_student):
    """bob may read alice's student: GET is safe, so IsOwnerOrReadOnly allows it (200)."""
    student = make_student(name="Ada", owner=make_user("alice"))
    _, bob = token_login("bob")
    reply = api.get(url("student", student.pk), headers=bob)
    expect_status(
        reply,
        200,
        "GET is a safe method, allowed to everyone, owner or not (E2)",
        mistake="A 403 here means has_object_permission() checks the owner even for GET: "
        "return True first when request.method in SAFE_METHODS.",
    )


@E2
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_e2_a_non_owner_cannot_change_it(api, token_login, make_user, make_student, method):
    """bob may not change or delete alice's student: 403 with the permission's message."""
    student = make_student(name="Ada", owner=make_user("alice"))
    _, bob = token_login("bob")
    data = {**NEW_STUDENT, "name": "Bob's now"}
    reply = api.request(method, url("student", student.pk), headers=bob, **body(method, data))
    expect_status(
        reply,
        403,
        f"bob is logged in but does not own this student, and {method} changes it (E2)",
        mistake="Is IsOwnerOrReadOnly in permission_classes, and does it compare obj.owner "
        "with request.user for unsafe methods?",
    )
    detail = reply.data.get("detail") if isinstance(reply.data, dict) else None
    expect(
        detail == OWNER_ONLY,
        reply,
        f'{{"detail": "{OWNER_ONLY}"}}',
        "a permission's `message` attribute becomes the 403's detail (E2)",
        mistake="This is DRF's generic detail: a class composed with & or | (an AND or OR "
        "object) has no message. List IsOwnerOrReadOnly as an entry of its own: "
        "[IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]."
        if detail == GENERIC_403
        else f'Set message = "{OWNER_ONLY}" on IsOwnerOrReadOnly.',
    )
    student.refresh_from_db()
    expect(student.name == "Ada", reply, "the student unchanged", "nothing changes (E2)")
    nobodys = make_student(name="Nobody's")
    reply = api.request(method, url("student", nobodys.pk), headers=bob, **body(method, data))
    expect_status(
        reply,
        403,
        f"bob does not own a student that has no owner either, and {method} changes it (E2)",
        mistake="A student without an owner is nobody's to change: compare obj.owner with "
        "request.user, with no exception for obj.owner being None.",
    )
    nobodys.refresh_from_db()
    expect(nobodys.name == "Nobody's", reply, "the student unchanged", "nothing changes (E2)")


@E2
def test_e2_the_owner_changes_their_student(api, token_login, make_student):
    """alice may replace her own student (PUT 200) and delete it (204)."""
    alice, headers = token_login("alice")
    student = make_student(name="Ada", owner=alice)
    reply = api.put(url("student", student.pk), NEW_STUDENT, headers=headers)
    expect_status(
        reply,
        200,
        "alice owns this student (E2)",
        mistake=(
            "A 403 for the owner means the owner check never holds: compare "
            "obj.owner == request.user (model instances are equal when their pks are; "
            "`is` asks whether they are the same Python object, and they never are)."
            if reply.status == 403
            else NO_STUB
        ),
    )
    student.refresh_from_db()
    expect(
        student.name == "Radia Perlman" and student.owner == alice,
        reply,
        "the student renamed, still owned by alice",
        "the owner may change it (E2)",
    )
    deleted = api.delete(url("student", student.pk), headers=headers)
    expect_status(deleted, 204, "the owner may delete it (E2)")


@E2
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_e2_anonymous_writes_answer_401(api, make_user, make_student, method):
    """Anonymous writes, creating included, are refused with 401 before anything is saved."""
    student = make_student(name="Ada", owner=make_user("alice"))
    target = url("student") if method == "POST" else url("student", student.pk)
    reply = api.request(method, target, **body(method, NEW_STUDENT))
    expect_status(
        reply,
        401,
        f"nobody is logged in and {method} writes (E2)",
        mistake="has_object_permission() never runs for a POST to the list: add "
        "IsAuthenticatedOrReadOnly before IsOwnerOrReadOnly, or an anonymous POST reaches "
        "perform_create() with an AnonymousUser (a 500).",
    )
    expect(
        Student.objects.count() == 1 and Student.objects.get().name == "Ada",
        reply,
        "the students unchanged",
        "a refused request changes nothing (E2)",
    )


@E2
def test_e2_a_new_student_belongs_to_its_creator(api, token_login, make_user):
    """A logged-in POST creates a student owned by the caller, whatever the body says."""
    make_user("bob")
    alice, headers = token_login("alice")
    reply = api.post(url("student"), {**NEW_STUDENT, "owner": "bob"}, headers=headers)
    expect_status(reply, 201, "alice is logged in (E2)", mistake=NO_STUB)
    expect(
        Student.objects.filter(email=NEW_STUDENT["email"], owner=alice).exists(),
        reply,
        "the new student owned by alice",
        "the caller owns what they create (E2)",
        mistake="Keep the given perform_create(): serializer.save(owner=self.request.user).",
    )


# ------------------------------------------------------------------ E3: private rows


@E3
def test_e3_anonymous_gets_401(api):
    """The private list is for logged-in users: an anonymous GET answers 401."""
    reply = api.get(url("my-student"))
    expect_status(
        reply,
        401,
        "nobody is logged in, and TokenAuthentication, the first class, has a challenge (E3)",
        mistake=NOT_A_LIST if reply.status == 500 else "Is permission_classes = [IsAuthenticated]?",
    )


@E3
def test_e3_the_list_holds_only_the_callers_students(api, token_login, make_user, make_student):
    """alice's list shows her students and nobody else's."""
    alice, headers = token_login("alice")
    make_student(name="Ada", owner=alice)
    make_student(name="Alan", owner=alice)
    make_student(name="Grace", owner=make_user("bob"))
    make_student(name="Nobody's")
    reply = api.get(url("my-student"), headers=headers)
    expect_status(reply, 200, "alice is logged in (E3)", mistake=NOT_A_LIST)
    expect(
        names(reply) == ["Ada", "Alan"],
        reply,
        '["Ada", "Alan"], alice\'s students only',
        "has_object_permission() never runs for a list: filter get_queryset() by "
        "owner=self.request.user (E3)",
    )
    boss, as_boss = token_login("boss", is_staff=True)
    make_student(name="Boss's", owner=boss)
    staff = api.get(url("my-student"), headers=as_boss)
    expect(
        names(staff) == ["Boss's"],
        staff,
        "[\"Boss's\"], the staff user's own student only",
        "my students are the caller's own, staff included: this list is private, not an "
        "administration view (E3)",
        mistake="Do not copy EnrolmentViewSet's `if self.request.user.is_staff: return all`: "
        "filter by owner=self.request.user for everyone.",
    )


@E3
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_e3_another_users_student_is_404(api, token_login, make_user, make_student, method):
    """bob cannot reach alice's private student at all: 404, which does not reveal it exists."""
    student = make_student(name="Ada", owner=make_user("alice"))
    _, bob = token_login("bob")
    reply = api.request(
        method, url("my-student", student.pk), headers=bob, **body(method, NEW_STUDENT)
    )
    expect_status(
        reply,
        404,
        "alice's student is not among bob's, so for bob it does not exist (E3)",
        mistake="A 403 means the row was found and then refused by an object permission: "
        "filter get_queryset() instead, so that others' rows are not found at all.",
    )
    student.refresh_from_db()
    expect(student.name == "Ada", reply, "alice's student unchanged", "nothing changes (E3)")


@E3
def test_e3_a_new_student_is_the_callers_own(api, token_login, make_user):
    """A POST creates a student owned by the caller, which then shows in their list only."""
    _, bob = token_login("bob")
    alice, headers = token_login("alice")
    reply = api.post(url("my-student"), {**NEW_STUDENT, "owner": "bob"}, headers=headers)
    expect_status(reply, 201, "alice is logged in (E3)", mistake=NOT_A_LIST)
    expect(
        Student.objects.filter(email=NEW_STUDENT["email"], owner=alice).exists(),
        reply,
        "the new student owned by alice",
        "no permission check runs on create: perform_create() must save owner=self.request.user (E3)",
    )
    bobs = api.get(url("my-student"), headers=bob)
    expect(
        names(bobs) == [],
        bobs,
        "an empty list for bob",
        "alice's new student is hers alone (E3)",
    )


@E3
def test_e3_the_owner_changes_and_deletes_their_student(api, token_login, make_student):
    """alice may change (PATCH 200) and delete (204) her own private student."""
    alice, headers = token_login("alice")
    student = make_student(name="Ada", owner=alice)
    reply = api.patch(url("my-student", student.pk), {"year": 3, "name": "Ada L."}, headers=headers)
    expect_status(reply, 200, "alice owns this student (E3)", mistake=NOT_A_LIST)
    student.refresh_from_db()
    expect(
        (student.year, student.name) == (3, "Ada L.")
        and isinstance(reply.data, dict)
        and reply.data.get("year") == 3,
        reply,
        "year 3 and name Ada L., saved and in the reply",
        "PATCH saves every field it sends (E3)",
    )
    deleted = api.delete(url("my-student", student.pk), headers=headers)
    expect_status(deleted, 204, "the owner may delete it (E3)")
    expect(
        not Student.objects.filter(pk=student.pk).exists(),
        deleted,
        "the student deleted",
        "DELETE deletes (E3)",
    )
