"""Graded tests for lesson 03: ModelSerializer and nested serializers (lessons/l03_model_serializers/exercise.py)."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework import serializers

from course.testing import ClientApi, expect, expect_status
from playground_project.domain.models import Course, Enrolment, Student

E1 = pytest.mark.exercise("E1")
E2 = pytest.mark.exercise("E2")
E3 = pytest.mark.exercise("E3")

LEARNER_MODULE = "lessons.l03_model_serializers.exercise"
COURSE_FIELDS = {"id", "code", "title", "credits", "level", "owner"}
ROSTER_FIELDS = {"id", "code", "title", "credits", "enrolments"}
ENTRY_FIELDS = {"student", "name", "grade"}

DECLARED_CODE = (
    "The UniqueValidator that ModelSerializer generates compares exactly, so drf101 passes it "
    "and clashes in the database once validate_code() upper-cases it: replace it with "
    'extra_kwargs = {"code": {"validators": [UniqueValidator(queryset=Course.objects.all(), '
    'lookup="iexact")]}}. And leave `code` undeclared on the class: a declared field ignores its '
    "extra_kwargs and loses every option ModelSerializer would have generated from the model "
    "(max_length=12, the UniqueValidator)."
)
DECLARED_LENGTH = (
    "ModelSerializer copies max_length=12 from Course.code to the field it generates; a `code` "
    "declared on the class gets only the options written in the declaration. Leave code to Meta "
    "(extra_kwargs for its validators), or write max_length=12 in the declaration too."
)
NON_ASCII_CODE = (
    "SQLite's iexact folds the case of ASCII letters only, so café101 passes a "
    'UniqueValidator(lookup="iexact") while CAFÉ101 is stored, and the database refuses the '
    "upper-cased save: a 500. In validate_code(), when the code as sent is not ASCII, refuse "
    "it if Course.objects.filter(code=value.upper()) finds another course."
)
NESTED = (
    "Nest the entries: enrolments = RosterEntrySerializer(many=True), each entry with exactly "
    'student, name (source="student.name") and grade. depth = 1 nests every field of '
    "Enrolment instead, and no name."
)
NO_CREATE = (
    "ModelSerializer's own create() refuses nested data (\"The `.create()` method does not "
    'support writable nested fields by default"): write create() to pop the enrolments, '
    "create the course, then its enrolments."
)


def courses_url():
    return reverse("l03:course-list")


def course_url(pk):
    return reverse("l03:course-detail", kwargs={"pk": pk})


def rosters_url():
    return reverse("l03:roster-list")


def roster_url(pk):
    return reverse("l03:roster-detail", kwargs={"pk": pk})


def errors_under(reply, key):
    """The errors the reply lists under `key`, or None."""
    return reply.data.get(key) if isinstance(reply.data, dict) else None


def nothing_saved_for(code):
    return (
        not Course.objects.filter(code__iexact=code).exists()
        and not Enrolment.objects.filter(course__code__iexact=code).exists()
    )


# ------------------------------------------------------------------ E1: ModelSerializer


@E1
def test_e1_list_shows_the_six_fields_and_the_level(api, make_course):
    """GET lists each course as id, code, title, credits, level and owner; level comes from the code."""
    make_course(code="DRF101", title="REST APIs")
    make_course(code="PY201", title="Python")
    make_course(code="NEW1", title="An old code")  # lesson 01 accepted codes like this one
    reply = api.get(courses_url())
    expect_status(reply, 200, "GET lists the courses (E1)")
    items = reply.data if isinstance(reply.data, list) else []
    levels = {c.get("code"): c.get("level") for c in items if isinstance(c, dict)}
    expect(
        items and all(isinstance(c, dict) and set(c) == COURSE_FIELDS for c in items),
        reply,
        f"each course with exactly the keys {sorted(COURSE_FIELDS)}",
        "Meta.fields lists them, level being a SerializerMethodField (E1)",
    )
    expect(
        levels == {"DRF101": 1, "PY201": 2, "NEW1": None},
        reply,
        "level 1 for DRF101, 2 for PY201 and null for NEW1",
        "get_level() returns course_level(course.code) (E1)",
    )
    py = Course.objects.get(code="PY201")
    one = api.get(course_url(py.pk))
    expect_status(
        one,
        200,
        "the given course_detail view answers GET with one course (E1)",
        mistake=(
            "Leave the given views as they were: course_detail answers GET, PUT and PATCH, and "
            "looks the course up by its id, get_object_or_404(Course, pk=pk)."
        ),
    )
    expect(
        isinstance(one.data, dict)
        and set(one.data) == COURSE_FIELDS
        and (one.data.get("code"), one.data.get("level")) == ("PY201", 2),
        one,
        f'PY201 with "level": 2 and exactly the keys {sorted(COURSE_FIELDS)}',
        "one course is shown as in the list (E1)",
    )


@E1
def test_e1_create_saves_the_code_in_upper_case(api):
    """POST creates the course (201), with its code upper-cased and credits defaulting to 5."""
    reply = api.post(courses_url(), {"code": "api300", "title": "API design"})
    expect_status(reply, 201, "the body is a valid course (E1)")
    expect(
        isinstance(reply.data, dict)
        and (reply.data.get("code"), reply.data.get("credits"), reply.data.get("level"))
        == ("API300", 5, 3)
        and Course.objects.filter(code="API300").exists(),
        reply,
        '"code": "API300", "credits": 5, "level": 3, saved in the database',
        "validate_code() upper-cases, and ModelSerializer's create() saves (E1)",
    )


@E1
def test_e1_owner_is_read_only(api, make_user):
    """An `owner` sent by the client is ignored: the course is created without one."""
    admin = make_user("boss", is_staff=True)
    reply = api.post(courses_url(), {"code": "SEC100", "title": "Security", "owner": admin.pk})
    expect_status(reply, 201, "owner is read-only, so sending it is not an error (E1)")
    course = Course.objects.filter(code="SEC100").first()
    expect(
        course is not None and course.owner_id is None,
        reply,
        "the course saved with no owner",
        "a client must not choose who owns what: list owner in read_only_fields (E1)",
        mistake='Add read_only_fields = ["owner"] to Meta.',
    )


@E1
@pytest.mark.parametrize(
    "stored, code",
    [("DRF101", "DRF101"), ("DRF101", "drf101"), ("CAFÉ101", "café101"), ("DRS101", "drſ101")],
    ids=["DRF101", "drf101", "cafe101-accented", "drs101-long-s"],
)
def test_e1_taken_code_answers_400_whatever_the_case(api, make_course, stored, code):
    """A code already taken, in any case and in any alphabet, answers 400 under `code`, never a 500."""
    make_course(code=stored)
    reply = api.post(courses_url(), {"code": code, "title": "Again"})
    mistake = DECLARED_CODE if code.isascii() else NON_ASCII_CODE
    expect_status(reply, 400, f"{stored} exists, so {code!r} is taken (E1)", mistake=mistake)
    expect(
        errors_under(reply, "code"),
        reply,
        'errors under "code"',
        "the uniqueness rule belongs to the field (E1)",
        mistake=mistake,
    )


@E1
def test_e1_a_code_beyond_ascii_clashes_with_its_own_spelling_only(api, make_course):
    """With CAFÉ101 stored, a new THÉ201 is no clash, and CAFÉ101 may keep its own code."""
    cafe = make_course(code="CAFÉ101", title="Coffee")
    make_course(code="DRF101", title="REST APIs")
    created = api.post(courses_url(), {"code": "thé201", "title": "Tea"})
    expect_status(
        created,
        201,
        "no course has the code THÉ201 yet (E1)",
        mistake="Look for the one code about to be saved: Course.objects.filter(code=code).",
    )
    expect(
        Course.objects.filter(code="THÉ201").exists(),
        created,
        "a course THÉ201 in the database",
        "validate_code() upper-cases, and that is what is saved (E1)",
    )
    kept = api.patch(course_url(cafe.pk), {"code": "café101", "title": "Coffee again"})
    expect_status(
        kept,
        200,
        "CAFÉ101 keeps its own code: a course never clashes with itself (E1)",
        mistake=(
            "Leave the course being updated out of your own check: "
            '.exclude(pk=getattr(self.instance, "pk", None)).'
        ),
    )
    cafe.refresh_from_db()
    expect(
        (cafe.code, cafe.title) == ("CAFÉ101", "Coffee again"),
        kept,
        "CAFÉ101 / Coffee again in the database",
        "PATCH saves the fields sent (E1)",
    )


@E1
@pytest.mark.parametrize(
    "body, field",
    [
        pytest.param({"code": "X" * 13, "title": "Long"}, "code", id="code-too-long"),
        pytest.param({"code": "PY201"}, "title", id="title-missing"),
        pytest.param({"code": "PY201", "title": "Many", "credits": 31}, "credits", id="credits-31"),
    ],
)
def test_e1_the_models_rules_come_for_free(api, body, field):
    """max_length, required and the model's validators (credits 1 to 30) are generated: 400 under the field."""
    reply = api.post(courses_url(), body)
    expect_status(
        reply,
        400,
        f"the model's own rules make `{field}` invalid here (E1)",
        mistake=DECLARED_LENGTH if field == "code" else None,
    )
    expect(
        errors_under(reply, field),
        reply,
        f"errors under {field!r}",
        "ModelSerializer builds each field from the model field (E1)",
    )


@E1
def test_e1_patch_and_put_update_the_course(api, make_course):
    """PATCH changes the fields sent; PUT with the course's own code is not a clash; a bad PATCH is 400."""
    make_course(code="PY201", title="Another course")
    course = make_course(code="DRF101", title="Old", credits=5)
    patched = api.patch(course_url(course.pk), {"title": "New", "credits": 7})
    expect_status(patched, 200, "a PATCH may leave fields out (E1)")
    course.refresh_from_db()
    expect(
        isinstance(patched.data, dict)
        and (patched.data.get("code"), patched.data.get("title"), patched.data.get("credits"))
        == ("DRF101", "New", 7)
        and (course.code, course.title, course.credits) == ("DRF101", "New", 7),
        patched,
        "DRF101 / New / 7 credits, in the answer and in the database",
        "PATCH changes the fields sent and keeps the others (E1)",
    )
    replaced = api.put(course_url(course.pk), {"code": "drf101", "title": "Newer", "credits": 8})
    expect_status(
        replaced,
        200,
        "a course does not clash with itself (E1)",
        mistake=(
            "UniqueValidator leaves out the course being updated; a uniqueness check of your "
            "own must do the same: .exclude(pk=self.instance.pk) when self.instance is set."
        ),
    )
    course.refresh_from_db()
    expect(
        (course.code, course.title, course.credits) == ("DRF101", "Newer", 8),
        replaced,
        "DRF101 / Newer / 8 credits in the database",
        "ModelSerializer's update() saves every field sent (E1)",
    )
    refused = api.patch(course_url(course.pk), {"title": "Refused", "credits": 31})
    expect_status(
        refused,
        400,
        "31 credits break the model's rule, under PATCH as under POST (E1)",
        mistake=(
            "The given course_detail validates with is_valid(raise_exception=True): leave it so, "
            "or save() on invalid data is an AssertionError, a 500."
        ),
    )
    course.refresh_from_db()
    expect(
        (course.title, course.credits) == ("Newer", 8),
        refused,
        "the course unchanged, Newer / 8 credits",
        "a refused PATCH saves nothing (E1)",
    )


@E1
def test_e1_put_without_credits_keeps_them(api, make_course):
    """PUT without `credits` keeps the stored value: ModelSerializer leaves the default to the model."""
    course = make_course(code="PY201", title="Old", credits=8)
    reply = api.put(course_url(course.pk), {"code": "PY201", "title": "New"})
    expect_status(reply, 200, "code and title are all a PUT needs (E1)")
    course.refresh_from_db()
    expect(
        (course.title, course.credits) == ("New", 8),
        reply,
        "PY201 / New / still 8 credits in the database",
        "a field with a model default is optional, and one left out is not updated (E1)",
        mistake=(
            "Leave credits to Meta: a declared IntegerField(default=5) puts the default back "
            "on every PUT."
        ),
    )


# ------------------------------------------------------------------ E2: rosters


@pytest.fixture
def drf_roster(make_course, make_student, enrol):
    """DRF101 with Ada and Alan; PY201 with Grace; DB110 with nobody."""
    drf = make_course(code="DRF101", title="REST APIs", credits=5)
    py = make_course(code="PY201", title="Python")
    empty = make_course(code="DB110", title="Databases")
    ada, alan, grace = (
        make_student(name=n) for n in ("Ada Lovelace", "Alan Turing", "Grace Hopper")
    )
    enrol(drf, ada, alan)
    enrol(py, grace)
    Enrolment.objects.filter(course=drf, student=ada).update(grade="A")
    return drf, py, empty, ada, alan, grace


@E2
def test_e2_a_roster_nests_its_students(api, drf_roster):
    """GET one roster: the course's fields, and its enrolments as student id, name and grade."""
    drf, _, _, ada, alan, _ = drf_roster
    reply = api.get(roster_url(drf.pk))
    expect_status(reply, 200, "the course exists (E2)")
    expected = {
        "id": drf.pk,
        "code": "DRF101",
        "title": "REST APIs",
        "credits": 5,
        "enrolments": [
            {"student": ada.pk, "name": "Ada Lovelace", "grade": "A"},
            {"student": alan.pk, "name": "Alan Turing", "grade": ""},
        ],
    }
    expect(
        reply.data == expected,
        reply,
        str(expected).replace("'", '"'),
        "a roster is the course with its enrolments nested, in the order they enrolled (E2)",
        mistake=NESTED,
    )


@E2
def test_e2_a_course_without_students_has_an_empty_roster(api, drf_roster):
    """A course nobody takes has "enrolments": []."""
    _, _, empty, *_ = drf_roster
    reply = api.get(roster_url(empty.pk))
    expect_status(reply, 200, "the course exists (E2)")
    expect(
        isinstance(reply.data, dict) and reply.data.get("enrolments") == [],
        reply,
        '"enrolments": []',
        "many=True over no enrolments is an empty list (E2)",
    )


@E2
def test_e2_the_list_shows_every_roster(api, drf_roster):
    """GET the collection: every course (by code) with its own students and no one else's."""
    reply = api.get(rosters_url())
    expect_status(reply, 200, "GET lists the rosters (E2)")
    items = reply.data if isinstance(reply.data, list) else []
    names = {
        r.get("code"): [e.get("name") for e in r.get("enrolments") or [] if isinstance(e, dict)]
        for r in items
        if isinstance(r, dict)
    }
    expected = {"DB110": [], "DRF101": ["Ada Lovelace", "Alan Turing"], "PY201": ["Grace Hopper"]}
    expect(
        names == expected
        and all(set(r) == ROSTER_FIELDS for r in items)
        and all(set(e) == ENTRY_FIELDS for r in items for e in r["enrolments"]),
        reply,
        f"the rosters {expected}, each with exactly {sorted(ROSTER_FIELDS)}",
        "RosterSerializer(rosters(), many=True) serializes every course (E2)",
        mistake=NESTED,
    )


@E2
def test_e2_enrolments_come_in_the_order_they_were_made(api, make_course, make_student, enrol):
    """A roster lists its enrolments oldest first (by id), not by name or any other order."""
    course = make_course(code="ORD101", title="Order")
    zoe, adam, mia = (make_student(name=n) for n in ("Zoe", "Adam", "Mia"))
    enrol(course, zoe, adam, mia)  # made in this order: Zoe first
    detail, listed = api.get(roster_url(course.pk)), api.get(rosters_url())
    for reply in (detail, listed):
        expect_status(reply, 200, "the course exists (E2)")
        data = reply.data if isinstance(reply.data, list) else [reply.data]
        roster = next((r for r in data if isinstance(r, dict) and r.get("code") == "ORD101"), {})
        names = [e.get("name") for e in roster.get("enrolments") or [] if isinstance(e, dict)]
        expect(
            names == ["Zoe", "Adam", "Mia"],
            reply,
            'ORD101\'s enrolments as ["Zoe", "Adam", "Mia"], the order they were made',
            "a roster keeps Enrolment's own ordering, by id (E2)",
            mistake="Leave the enrolments in Enrolment's Meta ordering: no order_by() in rosters().",
        )


def _add_courses(count, students):
    """Add `count` courses, each with every student in `students` enrolled (bulk: fast)."""
    start = Course.objects.count()
    courses = Course.objects.bulk_create(
        Course(code=f"N{start + i:04d}", title=f"Course {start + i}") for i in range(count)
    )
    Enrolment.objects.bulk_create(
        Enrolment(course=course, student=student) for course in courses for student in students
    )


@E2
def test_e2_the_list_makes_as_many_queries_for_50_courses_as_for_2():
    """The roster list runs the same small number of SQL queries for 2 courses as for 50: no N+1."""
    students = Student.objects.bulk_create(
        Student(name=f"Student {i}", email=f"s{i}@example.com") for i in range(2)
    )
    # In-process, whatever the transport: the queries are counted on this process's connection.
    api = ClientApi()
    _add_courses(2, students)
    with CaptureQueriesContext(connection) as for_two:
        small = api.get(rosters_url())
    expect_status(small, 200, "GET lists the rosters (E2)")
    _add_courses(48, students)
    with CaptureQueriesContext(connection) as for_fifty:
        large = api.get(rosters_url())
    expect_status(large, 200, "GET lists the rosters (E2)")
    expect(
        isinstance(large.data, list) and len(large.data) == 50,
        large,
        "50 rosters",
        "there are 50 courses (E2)",
    )
    expect(
        len(for_fifty) == len(for_two),
        large,
        f"as many SQL queries as for 2 courses ({len(for_two)}), not {len(for_fifty)}",
        "fetching related rows one course or one student at a time is the N+1 problem (E2)",
        mistake=(
            "Make rosters() fetch the enrolments and their students along with the courses: "
            'Course.objects.prefetch_related("enrolments__student"), or a Prefetch("enrolments", '
            'queryset=Enrolment.objects.select_related("student")). prefetch_related("enrolments") '
            "alone still loads each student on its own."
        ),
    )


# ------------------------------------------------------------------ E3: writable nested


@pytest.fixture
def two_students(make_student):
    return make_student(name="Ada Lovelace"), make_student(name="Alan Turing")


def new_roster(*students, **fields):
    return {
        "code": "SEC200",
        "title": "Security",
        "enrolments": [{"student": s.pk} for s in students],
        **fields,
    }


@E3
def test_e3_post_creates_the_course_and_its_enrolments(api, two_students):
    """POST a course with "enrolments": 201, and the course and both enrolments exist."""
    ada, alan = two_students
    reply = api.post(rosters_url(), new_roster(ada, alan))
    expect_status(reply, 201, "the course and its enrolments are valid (E3)", mistake=NO_CREATE)
    course = Course.objects.filter(code="SEC200").first()
    enrolled = set(course.enrolments.values_list("student_id", flat=True)) if course else set()
    expect(
        enrolled == {ada.pk, alan.pk},
        reply,
        "the course SEC200 with Ada and Alan enrolled, in the database",
        "create() must save the nested enrolments too, not only the course (E3)",
        mistake="Is `enrolments` read_only? Then the serializer drops what the client sent.",
    )
    names = [e.get("name") for e in (reply.data or {}).get("enrolments", []) if isinstance(e, dict)]
    expect(
        sorted(names) == ["Ada Lovelace", "Alan Turing"],
        reply,
        "the new roster, with Ada and Alan, in the answer",
        "the client sees what it created (E3)",
    )


@E3
def test_e3_a_grade_sent_with_an_enrolment_is_ignored(api, two_students):
    """`grade` is read-only in a roster: a new course's enrolments start without a grade."""
    ada, _ = two_students
    body = new_roster()
    body["enrolments"] = [{"student": ada.pk, "grade": "A"}]
    reply = api.post(rosters_url(), body)
    expect_status(reply, 201, "a grade sent by the client is ignored, not an error (E3)")
    grades = list(Enrolment.objects.filter(course__code="SEC200").values_list("grade", flat=True))
    expect(
        grades == [""],
        reply,
        'Ada enrolled in SEC200 with grade ""',
        "a course just created has no grades to give, so grade is read-only (E3)",
        mistake="List grade in RosterEntrySerializer's read_only_fields.",
    )


@E3
def test_e3_enrolments_are_optional(api):
    """POST a course without "enrolments": 201 with an empty roster."""
    reply = api.post(rosters_url(), {"code": "SEC201", "title": "Security"})
    expect_status(
        reply,
        201,
        "a course may start with nobody enrolled (E3)",
        mistake='Declare enrolments with required=False, and pop it with a default: validated_data.pop("enrolments", []).',
    )
    expect(
        isinstance(reply.data, dict) and reply.data.get("enrolments") == [],
        reply,
        '"enrolments": []',
        "no enrolments were sent (E3)",
    )


@E3
def test_e3_a_student_listed_twice_answers_400_and_saves_nothing(api, two_students):
    """The same student twice: 400 under "enrolments", and neither the course nor any enrolment is saved."""
    ada, _ = two_students
    reply = api.post(rosters_url(), new_roster(ada, ada))
    expect_status(
        reply,
        400,
        "a student can be enrolled in a course once (E3)",
        mistake=(
            "Refuse duplicates in validate_enrolments(): left to the database, they are an "
            "IntegrityError, a 500."
        ),
    )
    expect(
        errors_under(reply, "enrolments"),
        reply,
        'errors under "enrolments"',
        "the client must learn which field was wrong (E3)",
    )
    expect(
        nothing_saved_for("SEC200"),
        reply,
        "no course SEC200 and no enrolment",
        "a refused request saves nothing (E3)",
        mistake="Wrap create() in @transaction.atomic so that the course and its enrolments are saved together or not at all.",
    )


@E3
def test_e3_an_unknown_student_answers_400_and_saves_nothing(api, two_students):
    """An enrolment of a student who does not exist: 400 under "enrolments", nothing saved."""
    ada, _ = two_students
    body = new_roster(ada)
    body["enrolments"].append({"student": 999_999})
    reply = api.post(rosters_url(), body)
    expect_status(reply, 400, "student 999999 does not exist (E3)")
    expect(
        errors_under(reply, "enrolments") and nothing_saved_for("SEC200"),
        reply,
        'errors under "enrolments", and no course SEC200',
        "each nested entry is validated before anything is saved (E3)",
    )


@E3
def test_e3_without_its_own_create_nested_data_is_a_500(api, two_students, monkeypatch):
    """Behaviour: with ModelSerializer's own create(), a nested write fails with a 500. That is why E3 needs one."""
    learner = importlib.import_module(LEARNER_MODULE)
    roster_serializer = getattr(learner, "RosterSerializer", None)
    if isinstance(roster_serializer, type) and "create" in vars(roster_serializer):
        monkeypatch.setattr(roster_serializer, "create", serializers.ModelSerializer.create)
    reply = api.post(rosters_url(), new_roster(*two_students))
    expect_status(
        reply,
        500,
        "this test puts ModelSerializer's create() back, which refuses nested data with an AssertionError (E3)",
        mistake=(
            "If this answered 201, the enrolments never reached create(): is `enrolments` "
            "read_only, or not a nested RosterEntrySerializer(many=True)?"
        ),
    )
    expect(
        not Course.objects.filter(code="SEC200").exists(),
        reply,
        "no course SEC200",
        "DRF refuses before saving anything (E3)",
    )
