"""Graded tests for lesson 13: relations by id, code and link (lessons/l13_hyperlinked_apis/exercise.py).

A hyperlink is absolute: it carries the host the client called. Through the test client that
host is `testserver`; over real HTTP it is the live server's, so each test builds the links
it expects from `origin(api)` and the route names, never from a hard-coded host.
"""

from urllib.parse import urlsplit, urlunsplit

import pytest
from django.urls import reverse

from course.testing import HttpApi, expect, expect_status
from playground_project.domain.models import Course, Enrolment

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

OTHER_HOST = "api.example.net"


def other_hosts(api) -> dict[str, str]:
    """Hosts that are not this API's, among them some that contain its host as text.

    Through the test client the host is `testserver`; live, `127.0.0.1:<port>`. A check by
    substring (`request.get_host() in url`) accepts the last three; comparing the whole
    host, port included, refuses them all.
    """
    netloc = urlsplit(origin(api)).netloc
    hostname, colon, port = netloc.partition(":")
    return {
        "another-host": OTHER_HOST,
        "host-with-a-suffix": f"{hostname}.evil.example{colon}{port}",
        "host-with-a-prefix": f"evil-{netloc}",
        "host-as-user-info": f"{netloc}@evil.example",
    }


NAMESPACE = (
    'Name every route in full, namespace included: view_name="l13:course-detail" (the router\'s '
    'basename is "course", so its routes are course-list, course-detail and course-enrol).'
)
RESOLVE = (
    "A 500 here is often ImproperlyConfigured: Could not resolve URL for hyperlinked relationship. "
    + NAMESPACE
    + ' A course\'s URL takes its code: lookup_field="code" too.'
)
NO_REQUEST = (
    "A 500 here is often a serializer built without the request in its context: DRF's "
    "hyperlinked fields raise AssertionError (`HyperlinkedIdentityField` requires the request in "
    "the serializer context), and so may your own field. Build it with self.get_serializer(...), "
    "which passes context={'request': request}, rather than calling the class yourself."
)


def origin(api) -> str:
    """The scheme and host the server sees this client call: what its absolute links start with."""
    if isinstance(api, HttpApi):
        return str(api.client.base_url).rstrip("/")
    return "http://testserver"  # Django's test client


def link(api, name, **kwargs) -> str:
    """The absolute URL of a route of this lesson, as a hyperlinked field must write it."""
    return origin(api) + reverse(f"l13:{name}", kwargs=kwargs)


def on_host(url, host) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=host))


def course_link(api, course):
    return link(api, "course-detail", code=course.code)


def student_link(api, student):
    return link(api, "student-detail", pk=student.pk)


def rows(reply) -> list[dict]:
    return [r for r in reply.data if isinstance(r, dict)] if isinstance(reply.data, list) else []


# ------------------------------------------------------------------ E1: by id, by code, by name

ENROLMENT_KEYS = {"id", "student", "student_name", "course", "grade"}


@E1
def test_e1_lists_the_student_by_id_and_the_course_by_code(
    api, login, make_course, make_student, enrol
):
    """Each enrolment shows the student's id, the student's name and the course's code."""
    alice, as_alice = login()
    course = make_course(code="REL101", owner=alice)
    ann = make_student(name="Ann")
    enrol(course, ann)
    reply = api.get(reverse("l13:enrolment-list"), headers=as_alice)
    expect_status(reply, 200, "the enrolments in your own courses are yours to read (E1)")
    expected = {
        "id": Enrolment.objects.get().pk,
        "student": ann.pk,
        "student_name": "Ann",
        "course": "REL101",
        "grade": "",
    }
    course_shown = (rows(reply) or [{}])[0].get("course")
    if isinstance(course_shown, int):
        mistake = "The course is shown by its id: a client knows courses by code, so use SlugRelatedField(slug_field='code', queryset=...)."
    elif isinstance(course_shown, str) and course_shown != "REL101":
        mistake = "The course is shown as str(course), which is what a StringRelatedField writes, and a StringRelatedField is read-only: use SlugRelatedField(slug_field='code', queryset=...)."
    else:
        mistake = f"Meta.fields = {sorted(ENROLMENT_KEYS)}, with student_name = StringRelatedField(source='student') and course = SlugRelatedField(slug_field='code', ...)."
    expect(
        rows(reply) == [expected],
        reply,
        f"[{expected}]",
        "the student is written by id (PrimaryKeyRelatedField), the name is str(student) "
        "(StringRelatedField) and the course is its code (SlugRelatedField) (E1)",
        mistake=mistake,
    )


@E1
def test_e1_enrols_by_student_id_and_course_code(api, login, make_course, make_student):
    """POST {"student": <id>, "course": "<code>"} answers 201 and saves the enrolment."""
    alice, as_alice = login()
    course = make_course(code="REL102", owner=alice)
    bo = make_student(name="Bo")
    reply = api.post(
        reverse("l13:enrolment-list"), {"student": bo.pk, "course": "REL102"}, headers=as_alice
    )
    expect_status(
        reply,
        201,
        "a client writes the course by its code and the student by its id (E1)",
        mistake="Writable related fields need a queryset: SlugRelatedField(slug_field='code', "
        "queryset=Course.objects.all()). A StringRelatedField is read-only: it can show a course, "
        "never take one.",
    )
    expect(
        Enrolment.objects.filter(student=bo, course=course).exists(),
        reply,
        "an enrolment of Bo in REL102 in the database",
        "the POST answered 201 (E1)",
    )
    expect(
        isinstance(reply.data, dict)
        and (reply.data.get("course"), reply.data.get("student_name")) == ("REL102", "Bo"),
        reply,
        'a body with "course": "REL102" and "student_name": "Bo"',
        "the reply shows what was saved, the same way as the list (E1)",
    )


@E1
@pytest.mark.parametrize(
    ("field", "value"),
    [("course", "NOPE999"), ("student", 999999), ("course", 42)],
    ids=["unknown-code", "unknown-student-id", "course-sent-as-an-id"],
)
def test_e1_an_unknown_id_or_code_is_a_400_on_its_field(
    api, login, make_course, make_student, field, value
):
    """A code no course has, or an id no student has, answers 400 with an error under that field."""
    alice, as_alice = login()
    make_course(code="REL103", owner=alice)
    body = {"student": make_student().pk, "course": "REL103", field: value}
    fix = (
        "The student is written by id with PrimaryKeyRelatedField(queryset=Student.objects.all()), "
        "whose queryset refuses an id no student has; a plain IntegerField(source='student_id') "
        "looks nothing up."
        if field == "student"
        else "The course is written by its code: SlugRelatedField(slug_field='code', "
        "queryset=Course.objects.all()), not a PrimaryKeyRelatedField."
    )
    reply = api.post(reverse("l13:enrolment-list"), body, headers=as_alice)
    expect_status(reply, 400, f"nothing matches {field} = {value!r} (E1)", mistake=fix)
    expect(
        isinstance(reply.data, dict) and field in reply.data,
        reply,
        f"an error under {field!r}",
        "the related field's queryset found nothing for that value, so the error is that field's (E1)",
        mistake=fix,
    )
    expect(not Enrolment.objects.exists(), reply, "no enrolment saved", "the body was invalid (E1)")


@E1
def test_e1_student_name_is_read_only(api, login, make_course, make_student):
    """A student_name in the body changes nothing: the name always comes from the student."""
    alice, as_alice = login()
    make_course(code="REL104", owner=alice)
    cy = make_student(name="Cy")
    reply = api.post(
        reverse("l13:enrolment-list"),
        {"student": cy.pk, "course": "REL104", "student_name": "Mallory"},
        headers=as_alice,
    )
    expect_status(reply, 201, "student_name is read-only, so it is ignored, not refused (E1)")
    cy.refresh_from_db()
    expect(
        isinstance(reply.data, dict) and reply.data.get("student_name") == "Cy" and cy.name == "Cy",
        reply,
        '"student_name": "Cy", and the student still named Cy',
        "a StringRelatedField only shows str(student) (E1)",
    )


@E1
def test_e1_a_second_enrolment_is_a_400(api, login, make_course, make_student, enrol):
    """Enrolling a student twice in one course answers 400, and the first enrolment stays alone."""
    alice, as_alice = login()
    course = make_course(code="REL105", owner=alice)
    dee = make_student(name="Dee")
    enrol(course, dee)
    reply = api.post(
        reverse("l13:enrolment-list"), {"student": dee.pk, "course": "REL105"}, headers=as_alice
    )
    expect_status(
        reply,
        400,
        "the model allows one enrolment per student and course; ModelSerializer turns that "
        "constraint into a validator when both fields are writable (E1)",
        mistake="Both student and course must be writable related fields (with a queryset).",
    )
    expect(Enrolment.objects.count() == 1, reply, "one enrolment", "the second was refused (E1)")


@E1
def test_e1_patch_moves_an_enrolment_by_course_code(api, login, make_course, make_student, enrol):
    """PATCH {"course": "<code>"} moves the enrolment to that course."""
    alice, as_alice = login()
    source = make_course(code="REL106", owner=alice)
    target = make_course(code="REL107", owner=alice)
    enrol(source, make_student())
    enrolment = Enrolment.objects.get()
    reply = api.patch(
        reverse("l13:enrolment-detail", kwargs={"pk": enrolment.pk}),
        {"course": "REL107"},
        headers=as_alice,
    )
    expect_status(reply, 200, "a course is written by its code in a PATCH too (E1)")
    enrolment.refresh_from_db()
    expect(
        enrolment.course == target,
        reply,
        "the enrolment now in REL107",
        "the SlugRelatedField looked the code up and the serializer saved it (E1)",
    )


# ------------------------------------------------------------------ E2: courses with links

COURSE_KEYS = {"url", "code", "title", "credits", "owner", "students", "enrol"}


@E2
def test_e2_each_course_links_to_itself(api, make_course, make_user):
    """Each course's `url` is its absolute address under /lessons/13/, and following it gets the course."""
    course = make_course(code="LNK101", title="Links", owner=make_user("alice"))
    reply = api.get(reverse("l13:course-list"))
    expect_status(reply, 200, "anyone may read the courses (E2)", mistake=RESOLVE)
    (row,) = rows(reply) or [{}]
    expected = course_link(api, course)
    expect(
        set(row) == COURSE_KEYS and row.get("url") == expected,
        reply,
        f"keys {sorted(COURSE_KEYS)} and url {expected}",
        "a HyperlinkedIdentityField reverses l13:course-detail with the course's code and the "
        "request, so the link carries the host and the /lessons/13/ prefix the client called (E2)",
        mistake=RESOLVE,
    )
    followed = api.get(urlsplit(row["url"]).path)
    expect(
        isinstance(followed.data, dict) and followed.data.get("code") == "LNK101",
        followed,
        "the course LNK101",
        "a client follows the link instead of building the URL (E2)",
    )


@E2
def test_e2_students_are_links_to_each_student(api, make_course, make_student, enrol):
    """`students` is the list of links to the course's students, each of which answers that student."""
    course = make_course(code="LNK102")
    eve, fay = make_student(name="Eve"), make_student(name="Fay")
    enrol(course, eve, fay)
    enrol(make_course(code="LNK103"), make_student(name="Not in LNK102"))
    reply = api.get(reverse("l13:course-detail", kwargs={"code": "LNK102"}))
    expect_status(reply, 200, "anyone may read a course (E2)", mistake=RESOLVE)
    expected = [student_link(api, eve), student_link(api, fay)]
    students = reply.data.get("students") if isinstance(reply.data, dict) else None
    expect(
        students == expected,
        reply,
        f'"students": {expected}',
        "each related student is written as its link, l13:student-detail (E2)",
        mistake="students = HyperlinkedRelatedField(many=True, read_only=True, view_name='l13:student-detail').",
    )
    names = [api.get(urlsplit(s).path).data.get("name") for s in students]
    expect(
        names == ["Eve", "Fay"],
        reply,
        "Eve and Fay behind the links",
        "the links lead to the students (E2)",
    )


@E2
def test_e2_enrol_links_to_the_courses_enrol_action(api, make_course):
    """`enrol` is the absolute URL of the course's enrol action, courses/<code>/enrol/."""
    course = make_course(code="LNK104")
    reply = api.get(reverse("l13:course-detail", kwargs={"code": "LNK104"}))
    expect_status(reply, 200, "anyone may read a course (E2)", mistake=RESOLVE)
    expected = link(api, "course-enrol", code=course.code)
    expect(
        isinstance(reply.data, dict) and reply.data.get("enrol") == expected,
        reply,
        f'"enrol": "{expected}"',
        "an identity field can point at any route about the object: the router named the "
        "action's route course-enrol (E2)",
        mistake="enrol = HyperlinkedIdentityField(view_name='l13:course-enrol', lookup_field='code').",
    )


@E2
def test_e2_create_answers_201_with_the_new_courses_link(api, login):
    """POST creates a course owned by the caller; `url` and `owner` in the body are ignored."""
    alice, as_alice = login("alice")
    mallory, _ = login("mallory")
    body = {
        "code": "LNK105",
        "title": "New",
        "credits": 6,
        "owner": mallory.username,
        "url": "http://elsewhere.example/lessons/13/courses/X/",
    }
    reply = api.post(reverse("l13:course-list"), body, headers=as_alice)
    expect_status(reply, 201, "a logged-in user creates a course (E2)", mistake=RESOLVE)
    expected = link(api, "course-detail", code="LNK105")
    expect(
        isinstance(reply.data, dict)
        and reply.data.get("url") == expected
        and reply.data.get("owner") == "alice",
        reply,
        f'"url": "{expected}" and "owner": "alice"',
        "url is read-only (it is made from the code) and owner is the caller's username, "
        "a read-only SlugRelatedField (E2)",
        mistake="owner = SlugRelatedField(slug_field='username', read_only=True).",
    )


@E2
@pytest.mark.parametrize("code", ["API.1", "API/1"], ids=["dot", "slash"])
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_e2_a_code_with_a_dot_or_a_slash_answers_400(api, login, make_course, method, code):
    """A code the router's detail route cannot match is refused, on create and on change."""
    alice, as_alice = login("alice")
    if method == "POST":
        body = {"code": code, "title": "Unlinkable", "credits": 3}
        reply = api.post(reverse("l13:course-list"), body, headers=as_alice)
    else:
        course = make_course(code="LNK200", owner=alice)
        url = reverse("l13:course-detail", kwargs={"code": course.code})
        reply = api.patch(url, {"code": code, "title": "Unlinkable"}, headers=as_alice)
    expect_status(
        reply,
        400,
        f"the course's URL would be /lessons/13/courses/{code}/, which the router's "
        "lookup_value_regex [^/.]+ cannot match, so its `url` could never be reversed (E2)",
        mistake="validate_code(): raise ValidationError when the code holds '/' or '.'; a "
        "field validator runs on create and on update alike.",
    )
    expect(
        isinstance(reply.data, dict) and "code" in reply.data,
        reply,
        'an error under "code"',
        "the code is what is wrong (E2)",
    )
    expect(
        not Course.objects.filter(code=code).exists()
        and not Course.objects.filter(title="Unlinkable").exists(),
        reply,
        "nothing saved",
        "a refused body changes nothing (E2)",
    )


# ------------------------------------------------------------------ E3: enrol by link


def enrol_url(course):
    return reverse("l13:course-enrol", kwargs={"code": course.code})


@E3
def test_e3_enrols_a_student_by_link_and_answers_201_with_links(
    api, login, make_course, make_student
):
    """POST {"student": <link>} answers 201 with the enrolment's links and Location: its absolute URL."""
    alice, as_alice = login()
    course = make_course(code="ENR101", owner=alice)
    gus = make_student(name="Gus")
    body = {"student": student_link(api, gus), "grade": "A"}
    reply = api.post(enrol_url(course), body, headers=as_alice)
    expect_status(reply, 201, "the body links to an existing student (E3)", mistake=NO_REQUEST)
    enrolment = Enrolment.objects.filter(student=gus, course=course).first()
    expect(
        enrolment is not None and enrolment.grade == "",
        reply,
        "Gus enrolled in ENR101, with no grade",
        "the POST answered 201, and grade is read-only: a client does not grade itself (E3)",
    )
    expected = {
        "url": link(api, "enrolment-detail", pk=enrolment.pk),
        "student": student_link(api, gus),
        "course": course_link(api, course),
        "grade": "",
    }
    expect(
        reply.data == expected,
        reply,
        str(expected),
        "the reply is the enrolment with its relations as absolute links, and grade is "
        "read-only (E3)",
        mistake="Fields url (l13:enrolment-detail), student (l13:student-detail), course "
        "(l13:course-detail, lookup_field='code', read-only) and grade (read-only).",
    )
    expect(
        reply.header("Location") == expected["url"],
        reply,
        f"Location: {expected['url']}",
        "a 201 says where the new resource is, as an absolute URL: reverse(..., request=request) (E3)",
        mistake="rest_framework.reverse.reverse('l13:enrolment-detail', kwargs={'pk': ...}, "
        "request=request); django.urls.reverse, or no request, gives a path without the host.",
    )


@E3
@pytest.mark.parametrize(
    "kind", ["another-host", "host-with-a-suffix", "host-with-a-prefix", "host-as-user-info"]
)
def test_e3_a_link_to_another_host_is_a_400_on_student(api, login, make_course, make_student, kind):
    """A link whose host is not the API's answers 400 under `student`, even if its path is right
    and its host contains the API's (testserver.evil.example)."""
    alice, as_alice = login()
    course = make_course(code="ENR102", owner=alice)
    host = other_hosts(api)[kind]
    foreign = on_host(student_link(api, make_student()), host)
    reply = api.post(enrol_url(course), {"student": foreign}, headers=as_alice)
    expect_status(
        reply,
        400,
        f"{foreign} points at {urlsplit(foreign).hostname}, not at this API (E3)",
        mistake="HyperlinkedRelatedField only resolves the link's path and ignores its host: "
        "compare urlsplit(data).netloc with self.context['request'].get_host(), the whole "
        "host and port, never by substring (`get_host() in data` accepts "
        "testserver.evil.example), in SameHostHyperlinkedRelatedField.to_internal_value(), "
        "and use that field for student.",
    )
    expect(
        isinstance(reply.data, dict) and "student" in reply.data,
        reply,
        "an error under 'student'",
        "the link is that field's value: self.fail(...) in the field puts the error there (E3)",
    )
    expect(not Enrolment.objects.exists(), reply, "no enrolment saved", "the link was refused (E3)")


@E3
@pytest.mark.parametrize("target", ["missing-student", "a-course"])
def test_e3_a_link_to_a_missing_student_or_to_something_else_is_a_400(
    api, login, make_course, make_student, target
):
    """A link to no student, or to a course instead of a student, answers 400 under `student`."""
    alice, as_alice = login()
    course = make_course(code="ENR103", owner=alice)
    if target == "missing-student":
        sent = link(api, "student-detail", pk=999999)
    else:
        sent = course_link(api, course)
    reply = api.post(enrol_url(course), {"student": sent}, headers=as_alice)
    expect_status(reply, 400, f"{sent} is not the link of an existing student (E3)")
    expect(
        isinstance(reply.data, dict) and "student" in reply.data,
        reply,
        "an error under 'student'",
        "HyperlinkedRelatedField refuses a link that resolves to another route or to no object (E3)",
    )
    expect(not Enrolment.objects.exists(), reply, "no enrolment saved", "the link was refused (E3)")


@E3
def test_e3_a_second_enrolment_is_a_400_on_student(api, login, make_course, make_student, enrol):
    """Enrolling the same student again answers 400 under `student`, not a 500."""
    alice, as_alice = login()
    course = make_course(code="ENR104", owner=alice)
    hal = make_student(name="Hal")
    enrol(course, hal)
    reply = api.post(enrol_url(course), {"student": student_link(api, hal)}, headers=as_alice)
    expect_status(
        reply,
        400,
        "Hal is already enrolled in ENR104 and the model allows one enrolment per course (E3)",
        mistake="The course is not in the body, so no validator sees the pair: catch the "
        "IntegrityError of the save (inside transaction.atomic()) or check before saving, "
        "and raise ValidationError({'student': [...]}).",
    )
    expect(
        isinstance(reply.data, dict) and bool(reply.data.get("student")),
        reply,
        "an error message under 'student', saying the student is already enrolled",
        "the student is what the client sent wrong, and an empty list of errors tells the "
        "client nothing: raise ValidationError({'student': ['...already enrolled...']}) (E3)",
    )
    expect(Enrolment.objects.count() == 1, reply, "one enrolment", "the second was refused (E3)")


@E3
def test_e3_only_the_courses_owner_enrols(api, login, make_course, make_student):
    """Someone who does not own the course gets 403 and enrols no one."""
    alice, _ = login()
    _, as_bob = login()
    course = make_course(code="ENR105", owner=alice)
    reply = api.post(
        enrol_url(course), {"student": student_link(api, make_student())}, headers=as_bob
    )
    expect_status(
        reply,
        403,
        "only the course's owner may enrol students in it (E3)",
        mistake="Find the course with self.get_object(): it checks IsOwnerOrReadOnly.",
    )
    expect(
        not Enrolment.objects.exists(), reply, "no enrolment saved", "the caller was refused (E3)"
    )
